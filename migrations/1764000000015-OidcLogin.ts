import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OIDC sign-in: a role binding remembers which identity provider granted it (`oidc:<name>`), so
 * that each sign-in replaces that provider's bindings with what the claims grant now, and leaves
 * the bindings an administrator made alone (source NULL).
 */
export class OidcLogin1764000000015 implements MigrationInterface {
  name = 'OidcLogin1764000000015';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE role_bindings ADD COLUMN IF NOT EXISTS source text`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS role_bindings_source_idx ON role_bindings (user_id, source) WHERE source IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX role_bindings_source_idx`);
    await q.query(`ALTER TABLE role_bindings DROP COLUMN source`);
  }
}
