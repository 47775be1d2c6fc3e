import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored config templates: a template row (name, platforms) with immutable numbered versions
 * (Liquid source + JSON Schema of its variables), and variable sets for data binding at three
 * scopes: global (key ''), site (the site name) and device (the device id).
 */
export class CreateConfigTemplates1764000000005 implements MigrationInterface {
  name = 'CreateConfigTemplates1764000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE config_templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        platforms text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX config_templates_name_key ON config_templates (name)`);
    await q.query(`
      CREATE TABLE config_template_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        template_id uuid NOT NULL
          CONSTRAINT config_template_versions_template_fk REFERENCES config_templates (id) ON DELETE CASCADE,
        version integer NOT NULL CONSTRAINT config_template_versions_version_check CHECK (version >= 1),
        source text NOT NULL,
        variables_schema jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        note text
      )`);
    await q.query(
      `CREATE UNIQUE INDEX config_template_versions_template_version_key ON config_template_versions (template_id, version)`,
    );
    await q.query(`
      CREATE TABLE variable_sets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope text NOT NULL CONSTRAINT variable_sets_scope_check CHECK (scope IN ('global', 'site', 'device')),
        scope_key text NOT NULL,
        variables jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT variable_sets_global_key_check CHECK (scope <> 'global' OR scope_key = '')
      )`);
    await q.query(`CREATE UNIQUE INDEX variable_sets_scope_key_key ON variable_sets (scope, scope_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE variable_sets`);
    await q.query(`DROP TABLE config_template_versions`);
    await q.query(`DROP TABLE config_templates`);
  }
}
