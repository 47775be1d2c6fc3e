import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * User profiles (issue 12): the current profile of each user, and every version it had (an
 * update, a restore and an import each add one), so that any change can be undone.
 */
export class CreateProfiles1764000000013 implements MigrationInterface {
  name = 'CreateProfiles1764000000013';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE profiles (
        user_id uuid PRIMARY KEY CONSTRAINT profiles_user_fk REFERENCES users (id) ON DELETE CASCADE,
        version integer NOT NULL CONSTRAINT profiles_version_check CHECK (version > 0),
        data jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE profile_versions (
        user_id uuid NOT NULL CONSTRAINT profile_versions_user_fk REFERENCES users (id) ON DELETE CASCADE,
        version integer NOT NULL CONSTRAINT profile_versions_version_check CHECK (version > 0),
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid,
        action text NOT NULL CONSTRAINT profile_versions_action_check CHECK (action IN ('update', 'restore', 'import')),
        restored_from integer,
        PRIMARY KEY (user_id, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE profile_versions`);
    await q.query(`DROP TABLE profiles`);
  }
}
