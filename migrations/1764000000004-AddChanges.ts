import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Config changes are runs of kind `change`: the intended config per platform and the rollout
 * policy live on the run; each device records its plan, the backup it would be restored to, and
 * the outcome (NO_CHANGE, PLANNED, CHANGED, ROLLED_BACK, ROLLBACK_FAILED, SKIPPED).
 */
export class AddChanges1764000000004 implements MigrationInterface {
  name = 'AddChanges1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runs ADD COLUMN change_spec jsonb`);
    await q.query(`
      ALTER TABLE run_devices
        ADD COLUMN outcome text,
        ADD COLUMN plan text[],
        ADD COLUMN backup_snapshot_id uuid CONSTRAINT run_devices_backup_fk REFERENCES config_snapshots (id) ON DELETE SET NULL,
        ADD COLUMN pushed_lines integer,
        ADD COLUMN restore_plan text[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE run_devices
        DROP COLUMN outcome, DROP COLUMN plan, DROP COLUMN backup_snapshot_id, DROP COLUMN pushed_lines, DROP COLUMN restore_plan`);
    await q.query(`ALTER TABLE runs DROP COLUMN change_spec`);
  }
}
