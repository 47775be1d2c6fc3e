import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInventory1764000000000 implements MigrationInterface {
  name = 'CreateInventory1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE credentials (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        username text NOT NULL,
        kind text NOT NULL CONSTRAINT credentials_kind_check CHECK (kind IN ('password', 'private_key')),
        secret_enc text NOT NULL,
        passphrase_enc text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX credentials_name_key ON credentials (name)`);
    await q.query(`
      CREATE TABLE devices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        host text NOT NULL,
        port integer NOT NULL DEFAULT 22 CONSTRAINT devices_port_check CHECK (port BETWEEN 1 AND 65535),
        platform text NOT NULL,
        site text,
        tags text[] NOT NULL DEFAULT '{}',
        credential_id uuid NOT NULL CONSTRAINT devices_credential_fk REFERENCES credentials (id) ON DELETE RESTRICT,
        enable_secret_enc text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX devices_name_key ON devices (name)`);
    await q.query(`CREATE INDEX devices_site_idx ON devices (site)`);
    await q.query(`CREATE INDEX devices_platform_idx ON devices (platform)`);
    await q.query(`CREATE INDEX devices_tags_idx ON devices USING gin (tags)`);
    await q.query(`CREATE INDEX devices_credential_idx ON devices (credential_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE devices`);
    await q.query(`DROP TABLE credentials`);
  }
}
