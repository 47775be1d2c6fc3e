import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single-use links e-mailed to a user (core/accounts/account-links.ts): password resets. Only the
 * token's SHA-256 is stored; a link is spent (used_at), replaced by a newer one (revoked_at) or expires.
 */
export class AccountLinks1764000000018 implements MigrationInterface {
  name = 'AccountLinks1764000000018';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE account_links (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL CONSTRAINT account_links_token_hash_key UNIQUE,
        user_id uuid NOT NULL CONSTRAINT account_links_user_fk REFERENCES users (id) ON DELETE CASCADE,
        purpose text NOT NULL CONSTRAINT account_links_purpose_check CHECK (purpose IN ('reset', 'invite')),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX account_links_user_idx ON account_links (user_id, purpose)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE account_links`);
  }
}
