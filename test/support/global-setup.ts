import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalPostgres, type LocalPostgres } from '../../scripts/infra/postgres';
import { startTemporalDevServer, type TemporalDevServer } from '../../scripts/infra/temporal';
import { bundleWorkflowsTo } from '../../scripts/bundle-workflows';

/**
 * Integration tests talk to a real PostgreSQL server and a real Temporal dev server.
 * DATABASE_URL / TEMPORAL_ADDRESS win; otherwise we start our own on loopback and stop them afterwards.
 */
export default async function globalSetup(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'switchboard-test-'));
  const started: { postgres?: LocalPostgres; temporal?: TemporalDevServer } = {};
  const [pgUrl, temporalAddress, bundle] = await Promise.all([
    (async () => {
      if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
      started.postgres = await startLocalPostgres({
        dataDir: path.join(scratch, 'pg'),
        logFile: path.join(scratch, 'postgres.log'),
        database: 'postgres',
      });
      return started.postgres.url;
    })(),
    (async () => {
      if (process.env.TEMPORAL_ADDRESS) return process.env.TEMPORAL_ADDRESS;
      started.temporal = await startTemporalDevServer({
        dataDir: path.join(scratch, 'temporal'),
        headless: true,
        logFile: path.join(scratch, 'temporal.log'),
      });
      return started.temporal.address;
    })(),
    // The workflows, bundled once for every test file and every worker process the tests spawn.
    bundleWorkflowsTo(path.join(scratch, 'workflows.bundle.js')),
  ]);
  process.env.SWITCHBOARD_TEST_WORKFLOW_BUNDLE = bundle;
  process.env.SWITCHBOARD_TEST_PG_URL = pgUrl;
  process.env.SWITCHBOARD_TEST_TEMPORAL_ADDRESS = temporalAddress;
  process.env.SWITCHBOARD_TEST_SCRATCH = scratch;
  (globalThis as Record<string, unknown>).__switchboardInfra = started;
  console.log(
    `\n[test] PostgreSQL ${pgUrl.replace(/\/\/[^@]*@/, '//')}, Temporal ${temporalAddress}, logs in ${scratch}`,
  );
}
