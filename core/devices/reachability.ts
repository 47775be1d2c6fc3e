import { WorkFailure } from '../../libs/common/src/failures';
import type { ProbeResult } from '../../libs/reachability/src';
import { inTransaction, type Db } from '../runs/run-log';

/**
 * Device reachability: the only code that writes `device_checks` and the `reach_*` columns of
 * `devices` (inventory writes never touch them).
 */

export interface DeviceCheckResult {
  status: 'UP' | 'DOWN';
  error: string | null;
  latencyMs: number | null;
  connectMs: number | null;
  bannerMs: number | null;
  banner: string | null;
  /** The device's status changed with this check. */
  changed: boolean;
}

/**
 * Probe a device (with `probe`, given its address) and record the check and the device's current
 * status in one transaction. A DOWN device is a result, not a failure; only an error of the check
 * itself (the device is gone, the database fails) is thrown.
 */
export async function recordDeviceCheck(
  db: Db,
  input: {
    deviceId: string;
    runId: string | null;
    nodeId: string;
    probe: (target: { host: string; port: number }) => Promise<ProbeResult>;
  },
): Promise<DeviceCheckResult & Record<string, unknown>> {
  const [device]: { host: string; port: number }[] = await db.query(
    `SELECT host, port FROM devices WHERE id = $1`,
    [input.deviceId],
  );
  if (!device) throw new WorkFailure('DEVICE_GONE', `device ${input.deviceId} was deleted`);
  const r = await input.probe(device);
  const checkedAt = new Date();
  const latencyMs = r.status === 'UP' ? r.bannerMs : null;
  const error = r.errorKind ? `${r.errorKind}: ${r.errorMessage}` : null;
  const changed = await inTransaction(db, async (m) => {
    await m.query(
      `INSERT INTO device_checks (device_id, checked_at, run_id, node_id, status, connect_ms, banner_ms, banner, error_kind, error_message)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        input.deviceId,
        checkedAt,
        input.runId,
        input.nodeId,
        r.status,
        r.connectMs,
        r.bannerMs,
        r.banner,
        r.errorKind,
        r.errorMessage,
      ],
    );
    // A check that finished before the last recorded one (overlapping runs) only adds history.
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected count].
    const [rows]: [{ previous: string }[], number] = await m.query(
      `WITH old AS (SELECT id, reach_status FROM devices WHERE id = $1 FOR UPDATE)
       UPDATE devices d SET reach_status = $2, reach_checked_at = $3, reach_latency_ms = $4, reach_error = $5,
              reach_changed_at = CASE WHEN d.reach_status IS DISTINCT FROM $2 THEN $3 ELSE d.reach_changed_at END
         FROM old WHERE d.id = old.id AND (d.reach_checked_at IS NULL OR d.reach_checked_at <= $3)
       RETURNING old.reach_status AS previous`,
      [input.deviceId, r.status, checkedAt, latencyMs, error],
    );
    return rows.length > 0 && rows[0].previous !== r.status;
  });
  return {
    status: r.status,
    error,
    latencyMs,
    connectMs: r.connectMs,
    bannerMs: r.bannerMs,
    banner: r.banner,
    changed,
  };
}

/**
 * Delete checks older than `days`, in batches so that no statement holds locks for long; returns
 * how many. Devices keep their current status.
 */
export async function pruneDeviceChecks(db: Db, days: number): Promise<number> {
  if (days <= 0) return 0;
  let total = 0;
  for (;;) {
    const [, deleted]: [unknown[], number] = await db.query(
      `DELETE FROM device_checks WHERE id IN (
         SELECT id FROM device_checks WHERE checked_at < now() - make_interval(days => $1) LIMIT 10000)`,
      [days],
    );
    total += deleted;
    if (deleted < 10_000) return total;
  }
}
