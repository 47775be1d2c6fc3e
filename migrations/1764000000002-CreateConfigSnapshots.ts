import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Versioned running-config snapshots per device. Content is stored once per distinct normalised
 * config (volatile lines removed) in config_blobs; a device gets a new version only when its config
 * differs from its latest version. A backup is a collection run with `backup_reason` set.
 */
export class CreateConfigSnapshots1764000000002 implements MigrationInterface {
  name = 'CreateConfigSnapshots1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE config_blobs (
        hash text PRIMARY KEY,
        content text NOT NULL,
        size_bytes integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE config_snapshots (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        device_id uuid NOT NULL CONSTRAINT config_snapshots_device_fk REFERENCES devices (id) ON DELETE CASCADE,
        version integer NOT NULL,
        hash text NOT NULL CONSTRAINT config_snapshots_blob_fk REFERENCES config_blobs (hash),
        source text NOT NULL,
        reason text,
        run_id uuid CONSTRAINT config_snapshots_run_fk REFERENCES runs (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX config_snapshots_device_version_key ON config_snapshots (device_id, version)`,
    );
    await q.query(`CREATE INDEX config_snapshots_hash_idx ON config_snapshots (hash)`);
    await q.query(`ALTER TABLE runs ADD COLUMN backup_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runs DROP COLUMN backup_reason`);
    await q.query(`DROP TABLE config_snapshots`);
    await q.query(`DROP TABLE config_blobs`);
  }
}
