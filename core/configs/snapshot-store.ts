import type { EntityManager } from 'typeorm';
import { contentHash } from '../../libs/configs/src/volatile';
import type { SnapshotSource } from './config-snapshot.entity';

export interface StoredSnapshot {
  id: string;
  version: number;
  /** False when the config equals the device's latest version (volatile lines aside). */
  changed: boolean;
}

/**
 * Store a running config as the device's next version, unless it equals the latest version once
 * volatile lines are ignored (then only `last_seen_at` moves). Content is kept once per hash.
 * Serialised per device with a transaction-scoped advisory lock, so versions never collide.
 */
export async function storeSnapshot(
  manager: EntityManager,
  input: {
    deviceId: string;
    platform: string;
    content: string;
    source: SnapshotSource;
    reason: string | null;
    runId: string | null;
  },
): Promise<StoredSnapshot> {
  const hash = contentHash(input.platform as never, input.content);
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`config_snapshots:${input.deviceId}`]);
  const [latest]: { id: string; version: number; hash: string }[] = await manager.query(
    `SELECT id, version, hash FROM config_snapshots WHERE device_id = $1 ORDER BY version DESC LIMIT 1`,
    [input.deviceId],
  );
  if (latest?.hash === hash) {
    await manager.query(`UPDATE config_snapshots SET last_seen_at = now() WHERE id = $1`, [latest.id]);
    return { id: latest.id, version: latest.version, changed: false };
  }
  await manager.query(
    `INSERT INTO config_blobs (hash, content, size_bytes) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING`,
    [hash, input.content, Buffer.byteLength(input.content)],
  );
  const [row]: { id: string; version: number }[] = await manager.query(
    `WITH inserted AS (
       INSERT INTO config_snapshots (device_id, version, hash, source, reason, run_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, version)
     SELECT id, version FROM inserted`,
    [input.deviceId, (latest?.version ?? 0) + 1, hash, input.source, input.reason, input.runId],
  );
  return { id: row.id, version: row.version, changed: true };
}

/** A stored snapshot's config text and device, or null when the snapshot does not exist. */
export async function snapshotContent(
  db: Pick<EntityManager, 'query'>,
  snapshotId: string,
): Promise<{ content: string; deviceId: string } | null> {
  const [row]: { content: string; device_id: string }[] = await db.query(
    `SELECT b.content, s.device_id FROM config_snapshots s JOIN config_blobs b ON b.hash = s.hash WHERE s.id = $1`,
    [snapshotId],
  );
  return row ? { content: row.content, deviceId: row.device_id } : null;
}
