import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts (core/alerts): notification channels (secrets encrypted with SecretBox), rules over the
 * events the system records, alerts with their events (deduplicated by rule and grouping key),
 * deliveries per recipient and round with every attempt, and the evaluator's scan position.
 */
export class CreateAlerts1764000000021 implements MigrationInterface {
  name = 'CreateAlerts1764000000021';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        kind text NOT NULL CONSTRAINT alert_channels_kind_check
          CHECK (kind IN ('EMAIL', 'WEBHOOK', 'DINGTALK', 'WECOM', 'FEISHU')),
        language text NOT NULL DEFAULT 'en',
        settings jsonb NOT NULL DEFAULT '{}',
        secret text,
        enabled boolean NOT NULL DEFAULT true,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX alert_channels_name_key ON alert_channels (name)`);
    await q.query(`
      CREATE TABLE alert_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        event_kind text NOT NULL,
        filters jsonb NOT NULL DEFAULT '{}',
        severity text NOT NULL,
        recipients jsonb NOT NULL DEFAULT '{}',
        escalations jsonb NOT NULL DEFAULT '[]',
        templates jsonb NOT NULL DEFAULT '[]',
        group_by text[] NOT NULL DEFAULT '{}',
        group_window_seconds integer NOT NULL DEFAULT 0,
        repeat_interval_seconds integer NOT NULL DEFAULT 0,
        language text NOT NULL DEFAULT 'en',
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX alert_rules_name_key ON alert_rules (name)`);
    await q.query(`CREATE INDEX alert_rules_kind_idx ON alert_rules (event_kind) WHERE enabled`);
    await q.query(`
      CREATE TABLE alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        rule_id uuid NOT NULL CONSTRAINT alerts_rule_fk REFERENCES alert_rules (id) ON DELETE CASCADE,
        group_key text NOT NULL,
        labels jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL CONSTRAINT alerts_status_check
          CHECK (status IN ('FIRING', 'ACKNOWLEDGED', 'SILENCED', 'RESOLVED')),
        severity text NOT NULL,
        level integer NOT NULL DEFAULT 0,
        event_count integer NOT NULL DEFAULT 0,
        first_at timestamptz NOT NULL,
        last_at timestamptz NOT NULL,
        notified_at timestamptz,
        notified_level integer,
        acknowledged_at timestamptz,
        acknowledged_by uuid,
        acknowledged_via text,
        silenced_until timestamptz,
        silence_reason text,
        silenced_by uuid,
        resolved_at timestamptz,
        resolved_by uuid,
        resolve_reason text,
        workflow_started boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Dedup: one open alert per rule and grouping key.
    await q.query(
      `CREATE UNIQUE INDEX alerts_open_key ON alerts (rule_id, group_key) WHERE status <> 'RESOLVED'`,
    );
    await q.query(`CREATE INDEX alerts_first_idx ON alerts (first_at DESC, id DESC)`);
    await q.query(`CREATE INDEX alerts_unstarted_idx ON alerts (created_at) WHERE NOT workflow_started`);
    await q.query(`
      CREATE TABLE alert_events (
        id bigserial PRIMARY KEY,
        alert_id uuid NOT NULL CONSTRAINT alert_events_alert_fk REFERENCES alerts (id) ON DELETE CASCADE,
        rule_id uuid NOT NULL,
        event_key text NOT NULL,
        kind text NOT NULL,
        subject text NOT NULL,
        ts timestamptz NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        cleared_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX alert_events_rule_event_key ON alert_events (rule_id, event_key)`);
    await q.query(`CREATE INDEX alert_events_alert_idx ON alert_events (alert_id, ts)`);
    await q.query(
      `CREATE INDEX alert_events_open_subject_idx ON alert_events (subject) WHERE cleared_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE alert_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        alert_id uuid NOT NULL CONSTRAINT alert_deliveries_alert_fk REFERENCES alerts (id) ON DELETE CASCADE,
        round integer NOT NULL,
        level integer NOT NULL,
        recipient text NOT NULL,
        channel_id uuid CONSTRAINT alert_deliveries_channel_fk REFERENCES alert_channels (id) ON DELETE SET NULL,
        user_id uuid,
        kind text NOT NULL,
        language text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        status text NOT NULL CONSTRAINT alert_deliveries_status_check CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
        attempts integer NOT NULL DEFAULT 0,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX alert_deliveries_round_key ON alert_deliveries (alert_id, round, recipient)`,
    );
    await q.query(`
      CREATE TABLE alert_delivery_attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL CONSTRAINT alert_delivery_attempts_delivery_fk
          REFERENCES alert_deliveries (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        ok boolean NOT NULL,
        status_code integer,
        response text,
        error text
      )`);
    await q.query(
      `CREATE INDEX alert_delivery_attempts_delivery_idx ON alert_delivery_attempts (delivery_id, id)`,
    );
    await q.query(`
      CREATE TABLE alert_cursor (
        id integer PRIMARY KEY DEFAULT 1 CONSTRAINT alert_cursor_single CHECK (id = 1),
        scanned_to timestamptz NOT NULL
      )`);
    await q.query(`INSERT INTO alert_cursor (id, scanned_to) VALUES (1, now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alert_cursor`);
    await q.query(`DROP TABLE alert_delivery_attempts`);
    await q.query(`DROP TABLE alert_deliveries`);
    await q.query(`DROP TABLE alert_events`);
    await q.query(`DROP TABLE alerts`);
    await q.query(`DROP TABLE alert_rules`);
    await q.query(`DROP TABLE alert_channels`);
  }
}
