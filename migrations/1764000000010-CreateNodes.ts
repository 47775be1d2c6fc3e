import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Execution nodes (worker processes): what they serve, their load, their heartbeats and events. */
export class CreateNodes1764000000010 implements MigrationInterface {
  name = 'CreateNodes1764000000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE nodes (
        id text PRIMARY KEY,
        host text NOT NULL,
        pid integer NOT NULL,
        version text NOT NULL,
        task_queues text[] NOT NULL,
        sites text[] NOT NULL DEFAULT '{}',
        capabilities text[] NOT NULL DEFAULT '{}',
        capacity integer NOT NULL,
        load integer NOT NULL DEFAULT 0,
        draining boolean NOT NULL DEFAULT false,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        stopped_at timestamptz,
        down_reported_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE node_events (
        id bigserial PRIMARY KEY,
        node_id text NOT NULL,
        ts timestamptz NOT NULL DEFAULT now(),
        kind text NOT NULL,
        message text NOT NULL
      )`);
    await q.query(`CREATE INDEX node_events_node_idx ON node_events (node_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE node_events`);
    await q.query(`DROP TABLE nodes`);
  }
}
