import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The artifact store (core/artifacts): one row per name@version, its content a blob named by its
 * SHA-256 in the blob store (several versions may share one blob). `expires_at` is the retention:
 * past it the artifact is hidden and purged.
 */
export class CreateArtifacts1764000000020 implements MigrationInterface {
  name = 'CreateArtifacts1764000000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE artifacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        version text NOT NULL,
        sha256 text NOT NULL CONSTRAINT artifacts_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        size_bytes bigint NOT NULL CONSTRAINT artifacts_size_check CHECK (size_bytes >= 0),
        content_type text NOT NULL DEFAULT 'application/octet-stream',
        source text NOT NULL DEFAULT 'upload' CONSTRAINT artifacts_source_check CHECK (source IN ('upload', 'download')),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        CONSTRAINT artifacts_name_version_key UNIQUE (name, version)
      )`);
    await q.query(`CREATE INDEX artifacts_sha256_idx ON artifacts (sha256)`);
    await q.query(`CREATE INDEX artifacts_created_idx ON artifacts (name, created_at DESC, id)`);
    await q.query(
      `CREATE INDEX artifacts_expires_idx ON artifacts (expires_at) WHERE expires_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE artifacts`);
  }
}
