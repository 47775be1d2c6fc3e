import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Device-level safety: locks a run holds on the devices it changes (until it ends), the queue of
 * runs waiting for them, and maintenance windows per site or device group.
 */
export class CreateDeviceSafety1764000000009 implements MigrationInterface {
  name = 'CreateDeviceSafety1764000000009';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE device_locks (
        device_id uuid PRIMARY KEY CONSTRAINT device_locks_device_fk REFERENCES devices (id) ON DELETE CASCADE,
        run_id uuid NOT NULL CONSTRAINT device_locks_run_fk REFERENCES runs (id) ON DELETE CASCADE,
        step_id text,
        acquired_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX device_locks_run_idx ON device_locks (run_id)`);
    await q.query(`
      CREATE TABLE device_lock_waiters (
        device_id uuid NOT NULL CONSTRAINT device_lock_waiters_device_fk REFERENCES devices (id) ON DELETE CASCADE,
        run_id uuid NOT NULL CONSTRAINT device_lock_waiters_run_fk REFERENCES runs (id) ON DELETE CASCADE,
        since timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (device_id, run_id)
      )`);
    await q.query(`
      CREATE TABLE maintenance_windows (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        site text,
        tags text[] NOT NULL DEFAULT '{}',
        cron text,
        duration_seconds integer,
        timezone text NOT NULL DEFAULT 'UTC',
        start_at timestamptz,
        end_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT maintenance_windows_shape_check CHECK (
          (cron IS NOT NULL AND duration_seconds > 0 AND start_at IS NULL AND end_at IS NULL)
          OR (cron IS NULL AND start_at IS NOT NULL AND end_at > start_at))
      )`);
    await q.query(`CREATE UNIQUE INDEX maintenance_windows_name_key ON maintenance_windows (name)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE maintenance_windows`);
    await q.query(`DROP TABLE device_lock_waiters`);
    await q.query(`DROP TABLE device_locks`);
  }
}
