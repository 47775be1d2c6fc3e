import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Multi-factor sign-in (core/accounts/mfa.ts): each user's TOTP secret (AES-256-GCM with
 * CREDENTIALS_KEY, pending until a first code confirms it) and the last time step used (replay
 * protection); one-time recovery codes (SHA-256); the short-lived challenges a correct password
 * leads to (the mfaToken, SHA-256; with the code e-mailed for it, SHA-256); and the administrators' policy (one row).
 */
export class Mfa1764000000017 implements MigrationInterface {
  name = 'Mfa1764000000017';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_mfa (
        user_id uuid PRIMARY KEY CONSTRAINT user_mfa_user_fk REFERENCES users (id) ON DELETE CASCADE,
        totp_secret text,
        pending_secret text,
        enabled_at timestamptz,
        last_step bigint,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE mfa_recovery_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL CONSTRAINT mfa_recovery_codes_user_fk REFERENCES users (id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id)`);
    await q.query(`
      CREATE TABLE mfa_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL CONSTRAINT mfa_challenges_token_hash_key UNIQUE,
        user_id uuid NOT NULL CONSTRAINT mfa_challenges_user_fk REFERENCES users (id) ON DELETE CASCADE,
        purpose text NOT NULL CONSTRAINT mfa_challenges_purpose_check CHECK (purpose IN ('verify', 'enroll')),
        via text,
        failures integer NOT NULL DEFAULT 0,
        email_code_hash text,
        email_code_expires_at timestamptz,
        email_code_tries integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE mfa_policy (
        id boolean PRIMARY KEY DEFAULT true CONSTRAINT mfa_policy_one_row CHECK (id),
        required boolean NOT NULL DEFAULT false,
        roles text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      )`);
    await q.query(`INSERT INTO mfa_policy (id) VALUES (true)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mfa_policy`);
    await q.query(`DROP TABLE mfa_challenges`);
    await q.query(`DROP TABLE mfa_recovery_codes`);
    await q.query(`DROP TABLE user_mfa`);
  }
}
