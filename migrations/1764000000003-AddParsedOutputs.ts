import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Parsed results stored next to the raw output; output no template handles is flagged, never dropped. */
export class AddParsedOutputs1764000000003 implements MigrationInterface {
  name = 'AddParsedOutputs1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE command_outputs
        ADD COLUMN parse_status text CONSTRAINT command_outputs_parse_status_check CHECK (parse_status IN ('PARSED', 'ANOMALY')),
        ADD COLUMN parse_template text,
        ADD COLUMN parsed jsonb,
        ADD COLUMN anomaly_reason text,
        ADD COLUMN anomaly_message text`);
    await q.query(
      `CREATE INDEX command_outputs_anomaly_idx ON command_outputs (run_id) WHERE parse_status = 'ANOMALY'`,
    );
    await q.query(`ALTER TABLE run_devices ADD COLUMN facts jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE run_devices DROP COLUMN facts`);
    await q.query(`DROP INDEX command_outputs_anomaly_idx`);
    await q.query(`
      ALTER TABLE command_outputs
        DROP COLUMN parse_status, DROP COLUMN parse_template, DROP COLUMN parsed,
        DROP COLUMN anomaly_reason, DROP COLUMN anomaly_message`);
  }
}
