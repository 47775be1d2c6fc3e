import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Changes from a template: each device's rendered (and validated) intended config, fixed when the change starts. */
export class AddIntendedConfig1764000000006 implements MigrationInterface {
  name = 'AddIntendedConfig1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE run_devices ADD COLUMN intended text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE run_devices DROP COLUMN intended`);
  }
}
