import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Schedules: a task run on a Temporal Schedule (`schedule-<id>`). The row holds what the user owns
 * (task, version, inputs, the spec and policy as given); Temporal holds the live state (paused,
 * remaining actions, what ran). A run started by a schedule records the schedule, the time it was
 * scheduled for, and the wrapper workflow execution that stored it (which makes that store
 * idempotent: a retried activity finds the run it already stored).
 */
export class CreateSchedules1764000000008 implements MigrationInterface {
  name = 'CreateSchedules1764000000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE schedules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT schedules_name_key UNIQUE,
        task_id uuid NOT NULL CONSTRAINT schedules_task_fk REFERENCES tasks (id),
        task_version integer,
        inputs jsonb NOT NULL DEFAULT '{}',
        spec jsonb NOT NULL,
        policy jsonb NOT NULL,
        note text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX schedules_task_idx ON schedules (task_id)`);
    await q.query(`
      ALTER TABLE runs
        ADD COLUMN schedule_id uuid CONSTRAINT runs_schedule_fk REFERENCES schedules (id) ON DELETE SET NULL,
        ADD COLUMN scheduled_at timestamptz,
        ADD COLUMN schedule_workflow_id text,
        ADD COLUMN schedule_workflow_run_id text`);
    await q.query(
      `CREATE INDEX runs_schedule_idx ON runs (schedule_id, created_at DESC) WHERE schedule_id IS NOT NULL`,
    );
    await q.query(`
      CREATE UNIQUE INDEX runs_schedule_workflow_key ON runs (schedule_workflow_id, schedule_workflow_run_id)
        WHERE schedule_workflow_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX runs_schedule_workflow_key`);
    await q.query(`DROP INDEX runs_schedule_idx`);
    await q.query(`
      ALTER TABLE runs DROP COLUMN schedule_id, DROP COLUMN scheduled_at, DROP COLUMN schedule_workflow_id,
        DROP COLUMN schedule_workflow_run_id`);
    await q.query(`DROP TABLE schedules`);
  }
}
