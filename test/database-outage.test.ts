import { Client as TemporalClient, Connection } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { startLocalPostgres, type LocalPostgres } from '../scripts/infra/postgres';
import { freePort } from '../scripts/infra/process';
import { perPlatform, THREE_COMMANDS } from './factories/commands';
import {
  runDevices,
  startCollection,
  startStack,
  waitFor,
  waitForRunEnd,
  type Stack,
} from './support/harness';

/**
 * PostgreSQL restarting in the middle of a run is an outage of the infrastructure, not a failure of
 * the devices being collected: the run waits it out, and every device ends with its outputs stored
 * once. (It used to fail the devices in flight with `connect ECONNREFUSED`, one attempt, no output.)
 */
describe('a PostgreSQL restart during a collection', () => {
  let postgres: LocalPostgres;
  let stack: Stack;
  let temporal: TemporalClient;
  let connection: Connection;
  const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'switchboard-outage-')), 'pg');

  beforeAll(async () => {
    const port = await freePort();
    postgres = await startLocalPostgres({ dataDir, port, database: 'postgres' });
    stack = await startStack({
      lab: { devices: 18 },
      postgresUrl: postgres.url,
      env: { COLLECTION_MAX_ATTEMPTS: '3', COLLECTION_RETRY_INITIAL_MS: '100' },
    });
    connection = await Connection.connect({ address: stack.config.temporal.address });
    temporal = new TemporalClient({ connection, namespace: stack.config.temporal.namespace });
  });
  afterAll(async () => {
    await stack?.db.end().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    await connection?.close();
    await postgres?.stop();
  });

  it('waits the outage out: no device fails, every output is stored once', async () => {
    // Each command takes a while, so that devices are mid-session when the database goes away.
    for (const d of stack.lab.devices()) stack.lab.setFaults(d.name, { commandLatencyMs: 300 });
    const run = await startCollection(stack, {
      selector: { tags: ['lab'] },
      ...perPlatform(THREE_COMMANDS),
      concurrency: 6,
    });
    await waitFor(
      'a few devices collected',
      async () => {
        const { rows } = await stack.db.query(
          `SELECT count(*)::int AS n FROM run_devices WHERE run_id = $1 AND status = 'SUCCEEDED'`,
          [run.id],
        );
        return rows[0].n >= 3 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    await stack.db.end();
    await postgres.stop();
    const db = new PgClient({ connectionString: stack.config.database.url });

    // Down long enough that device activities used up all their attempts on the outage.
    const handle = temporal.workflow.getHandle(run.workflowId);
    await waitFor(
      'a device activity to fail for good while the database is down',
      async () => {
        const history = await handle.fetchHistory();
        const failed = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes);
        return failed.length > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    postgres = await startLocalPostgres({ dataDir, port: postgres.port, database: 'postgres' });

    // The test's own connection went with the old server; the API's and the worker's came back.
    stack.db = db;
    await db.connect();
    const ended = await waitForRunEnd(stack, run.id, 180_000);
    expect(ended.status).toBe('COMPLETED');
    const devices = await runDevices(stack, run.id);
    expect(
      devices.filter((d) => d.status !== 'SUCCEEDED').map((d) => `${d.deviceName}: ${d.errorKind}`),
    ).toEqual([]);
    // Every output exactly once: as many outputs as the device's commands, each command once.
    for (const d of devices) {
      const commands = THREE_COMMANDS[d.platform as keyof typeof THREE_COMMANDS];
      expect({ device: d.deviceName, commands: d.outputs.map((o) => o.command) }).toEqual({
        device: d.deviceName,
        commands,
      });
    }
  });
});
