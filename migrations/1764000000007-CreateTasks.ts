import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The task engine: task definitions with immutable versions, task runs (rows of `runs`, kind
 * `task`), the state of each step of a run, and the items of steps that work per device or per
 * fan-out item. Step outputs live here and reach later steps by reference, never through
 * workflow payloads.
 */
export class CreateTasks1764000000007 implements MigrationInterface {
  name = 'CreateTasks1764000000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        owner text NOT NULL DEFAULT '',
        priority integer NOT NULL DEFAULT 3 CONSTRAINT tasks_priority_check CHECK (priority BETWEEN 1 AND 5),
        tags text[] NOT NULL DEFAULT '{}',
        latest_version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX tasks_name_key ON tasks (name) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX tasks_tags_idx ON tasks USING gin (tags)`);
    await q.query(`
      CREATE TABLE task_versions (
        task_id uuid NOT NULL CONSTRAINT task_versions_task_fk REFERENCES tasks (id) ON DELETE CASCADE,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        comment text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (task_id, version)
      )`);
    await q.query(`
      ALTER TABLE runs
        ADD COLUMN task_id uuid CONSTRAINT runs_task_fk REFERENCES tasks (id),
        ADD COLUMN task_version integer,
        ADD COLUMN inputs jsonb,
        ADD COLUMN priority integer,
        ADD COLUMN parent_run_id uuid CONSTRAINT runs_parent_fk REFERENCES runs (id) ON DELETE CASCADE,
        ADD COLUMN parent_step_id text,
        ADD COLUMN source_run_id uuid CONSTRAINT runs_source_fk REFERENCES runs (id) ON DELETE SET NULL,
        ADD COLUMN paused boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX runs_task_idx ON runs (task_id, created_at DESC)`);
    await q.query(`CREATE INDEX runs_parent_idx ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE run_steps (
        run_id uuid NOT NULL CONSTRAINT run_steps_run_fk REFERENCES runs (id) ON DELETE CASCADE,
        step_id text NOT NULL,
        kind text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        params jsonb,
        output jsonb,
        error_kind text,
        error_message text,
        child_run_id uuid,
        completion_seq integer,
        started_at timestamptz,
        finished_at timestamptz,
        compensation_status text,
        compensation_error text,
        compensation_params jsonb,
        compensated_at timestamptz,
        PRIMARY KEY (run_id, step_id)
      )`);
    await q.query(`
      CREATE TABLE run_step_items (
        run_id uuid NOT NULL CONSTRAINT run_step_items_run_fk REFERENCES runs (id) ON DELETE CASCADE,
        step_key text NOT NULL,
        item_index integer NOT NULL,
        item jsonb NOT NULL,
        status text NOT NULL DEFAULT 'PENDING',
        attempts integer NOT NULL DEFAULT 0,
        output jsonb,
        error_kind text,
        error_message text,
        executions integer NOT NULL DEFAULT 0,
        worker text,
        started_at timestamptz,
        finished_at timestamptz,
        PRIMARY KEY (run_id, step_key, item_index)
      )`);
    await q.query(`CREATE INDEX run_step_items_status_idx ON run_step_items (run_id, step_key, status)`);
    await q.query(`ALTER TABLE run_events ADD COLUMN step_id text, ADD COLUMN attempt integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE run_events DROP COLUMN step_id, DROP COLUMN attempt`);
    await q.query(`DROP TABLE run_step_items`);
    await q.query(`DROP TABLE run_steps`);
    await q.query(`DELETE FROM runs WHERE kind = 'task'`);
    await q.query(`
      ALTER TABLE runs DROP COLUMN task_id, DROP COLUMN task_version, DROP COLUMN inputs, DROP COLUMN priority,
        DROP COLUMN parent_run_id, DROP COLUMN parent_step_id, DROP COLUMN source_run_id, DROP COLUMN paused`);
    await q.query(`DROP TABLE task_versions`);
    await q.query(`DROP TABLE tasks`);
  }
}
