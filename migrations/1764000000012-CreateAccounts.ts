import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People: users (humans, and service accounts such as the one API_TOKEN stands for), their login
 * identities, browser sessions, personal access tokens, roles and role bindings scoped to sites and
 * tags, and the append-only, hash-chained audit log.
 */
export class CreateAccounts1764000000012 implements MigrationInterface {
  name = 'CreateAccounts1764000000012';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL,
        display_name text NOT NULL DEFAULT '',
        email text,
        kind text NOT NULL DEFAULT 'human' CONSTRAINT users_kind_check CHECK (kind IN ('human', 'service')),
        status text NOT NULL DEFAULT 'ACTIVE' CONSTRAINT users_status_check CHECK (status IN ('ACTIVE', 'DISABLED')),
        password_hash text,
        password_changed_at timestamptz,
        failed_logins integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid,
        deleted_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX users_username_key ON users (lower(username)) WHERE deleted_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE user_identities (
        provider text NOT NULL,
        subject text NOT NULL,
        user_id uuid NOT NULL CONSTRAINT user_identities_user_fk REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, subject)
      )`);
    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL CONSTRAINT sessions_user_fk REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL CONSTRAINT sessions_token_hash_key UNIQUE,
        csrf_hash text NOT NULL,
        address text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL CONSTRAINT api_tokens_user_fk REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL,
        token_hash text NOT NULL CONSTRAINT api_tokens_token_hash_key UNIQUE,
        prefix text NOT NULL,
        permissions text[],
        expires_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX api_tokens_name_key ON api_tokens (user_id, name) WHERE revoked_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE roles (
        name text PRIMARY KEY,
        description text NOT NULL DEFAULT '',
        permissions text[] NOT NULL,
        builtin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE role_bindings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL CONSTRAINT role_bindings_user_fk REFERENCES users (id) ON DELETE CASCADE,
        role text NOT NULL CONSTRAINT role_bindings_role_fk REFERENCES roles (name) ON DELETE CASCADE,
        sites text[] NOT NULL DEFAULT '{}',
        tags text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid
      )`);
    await q.query(`CREATE INDEX role_bindings_user_idx ON role_bindings (user_id)`);
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        ts timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_id uuid,
        actor_name text,
        roles text[] NOT NULL DEFAULT '{}',
        address text,
        user_agent text,
        kind text NOT NULL,
        operation text NOT NULL,
        arguments jsonb,
        outcome text NOT NULL CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('OK', 'ERROR', 'DENIED')),
        error_code text,
        duration_ms integer,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_log_ts_idx ON audit_log (ts DESC)`);
    await q.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, ts DESC)`);
    // Append-only: rows are never updated or deleted by the application.
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
    // Separation of duties: whoever starts a task run may approve its steps only where allowed.
    await q.query(`ALTER TABLE tasks ADD COLUMN self_approval boolean NOT NULL DEFAULT false`);
    for (const [table, column] of [
      ['runs', 'created_by'],
      ['tasks', 'created_by'],
      ['task_versions', 'created_by'],
      ['schedules', 'created_by'],
      ['credentials', 'created_by'],
    ]) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN ${column} uuid`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP COLUMN self_approval`);
    for (const table of ['runs', 'tasks', 'task_versions', 'schedules', 'credentials']) {
      await q.query(`ALTER TABLE ${table} DROP COLUMN created_by`);
    }
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION audit_log_append_only`);
    await q.query(`DROP TABLE role_bindings`);
    await q.query(`DROP TABLE roles`);
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE sessions`);
    await q.query(`DROP TABLE user_identities`);
    await q.query(`DROP TABLE users`);
  }
}
