import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRuns1764000000001 implements MigrationInterface {
  name = 'CreateRuns1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE runs (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        status text NOT NULL,
        workflow_id text NOT NULL,
        commands text[] NOT NULL,
        commands_by_platform jsonb NOT NULL DEFAULT '{}',
        concurrency integer NOT NULL CONSTRAINT runs_concurrency_check CHECK (concurrency > 0),
        command_timeout_ms integer,
        selector jsonb NOT NULL DEFAULT '{}',
        total_devices integer NOT NULL,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX runs_workflow_id_key ON runs (workflow_id)`);
    await q.query(`CREATE INDEX runs_created_idx ON runs (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX runs_status_idx ON runs (status)`);
    await q.query(`
      CREATE TABLE run_devices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id uuid NOT NULL CONSTRAINT run_devices_run_fk REFERENCES runs (id) ON DELETE CASCADE,
        device_id uuid CONSTRAINT run_devices_device_fk REFERENCES devices (id) ON DELETE SET NULL,
        device_name text NOT NULL,
        platform text NOT NULL,
        host text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        error_kind text,
        error_message text,
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX run_devices_run_device_key ON run_devices (run_id, device_id)`);
    await q.query(`CREATE INDEX run_devices_run_status_idx ON run_devices (run_id, status)`);
    await q.query(`CREATE INDEX run_devices_run_name_idx ON run_devices (run_id, device_name)`);
    await q.query(`
      CREATE TABLE command_outputs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_device_id uuid NOT NULL CONSTRAINT command_outputs_run_device_fk REFERENCES run_devices (id) ON DELETE CASCADE,
        run_id uuid NOT NULL CONSTRAINT command_outputs_run_fk REFERENCES runs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        command text NOT NULL,
        output text NOT NULL,
        size_bytes integer NOT NULL,
        error text,
        duration_ms integer NOT NULL,
        collected_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX command_outputs_run_device_seq_key ON command_outputs (run_device_id, seq)`,
    );
    await q.query(`CREATE INDEX command_outputs_run_idx ON command_outputs (run_id)`);
    await q.query(`
      CREATE TABLE run_events (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL CONSTRAINT run_events_run_fk REFERENCES runs (id) ON DELETE CASCADE,
        ts timestamptz NOT NULL DEFAULT now(),
        level text NOT NULL,
        device_name text,
        message text NOT NULL
      )`);
    await q.query(`CREATE INDEX run_events_run_idx ON run_events (run_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE run_events`);
    await q.query(`DROP TABLE command_outputs`);
    await q.query(`DROP TABLE run_devices`);
    await q.query(`DROP TABLE runs`);
  }
}
