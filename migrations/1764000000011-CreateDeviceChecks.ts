import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Device reachability: every check of a device (TCP connect and SSH identification line, with
 * latencies and the reason it failed) in `device_checks`, and each device's current status on the
 * device row (`reach_*`), so the inventory answers "is it up" without reading the history.
 */
export class CreateDeviceChecks1764000000011 implements MigrationInterface {
  name = 'CreateDeviceChecks1764000000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE device_checks (
        id bigserial PRIMARY KEY,
        device_id uuid NOT NULL CONSTRAINT device_checks_device_fk REFERENCES devices (id) ON DELETE CASCADE,
        checked_at timestamptz NOT NULL DEFAULT now(),
        run_id uuid,
        node_id text,
        status text NOT NULL CONSTRAINT device_checks_status_check CHECK (status IN ('UP', 'DOWN')),
        connect_ms integer,
        banner_ms integer,
        banner text,
        error_kind text,
        error_message text
      )`);
    await q.query(`CREATE INDEX device_checks_device_idx ON device_checks (device_id, checked_at DESC)`);
    await q.query(`
      ALTER TABLE devices
        ADD COLUMN reach_status text NOT NULL DEFAULT 'UNKNOWN'
          CONSTRAINT devices_reach_status_check CHECK (reach_status IN ('UNKNOWN', 'UP', 'DOWN')),
        ADD COLUMN reach_checked_at timestamptz,
        ADD COLUMN reach_changed_at timestamptz,
        ADD COLUMN reach_latency_ms integer,
        ADD COLUMN reach_error text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE devices
        DROP COLUMN reach_error,
        DROP COLUMN reach_latency_ms,
        DROP COLUMN reach_changed_at,
        DROP COLUMN reach_checked_at,
        DROP COLUMN reach_status`);
    await q.query(`DROP TABLE device_checks`);
  }
}
