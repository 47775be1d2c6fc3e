import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Directory sign-in (LDAP, Active Directory): a role binding remembers what granted it (`source`:
 * `ldap` for the directory's group map, NULL for an administrator's bindRole), so that each
 * directory login replaces the directory's bindings and leaves the others alone. The column is the
 * one OIDC sign-in adds (OidcLogin1764000000015), made here only when missing, so that either
 * sign-in works without the other; `user_identities` gets an index by user (is this user linked to
 * the directory?).
 */
export class LdapIdentities1764000000016 implements MigrationInterface {
  name = 'LdapIdentities1764000000016';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE role_bindings ADD COLUMN IF NOT EXISTS source text`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS role_bindings_source_idx ON role_bindings (user_id, source) WHERE source IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX IF NOT EXISTS user_identities_user_idx ON user_identities (user_id, provider)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // role_bindings.source may belong to OidcLogin1764000000015: only the directory's rows go.
    await q.query(`DELETE FROM role_bindings WHERE source = 'ldap'`);
    await q.query(`DROP INDEX IF EXISTS user_identities_user_idx`);
  }
}
