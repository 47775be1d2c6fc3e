import { randomUUID } from 'node:crypto';
import { startApi } from '../apps/api/src/bootstrap';
import { loadConfig } from '../libs/config/src/config';
import { perPlatform, THREE_COMMANDS } from './factories/commands';
import {
  getRun,
  runDevices,
  spawnWorkerProcess,
  startCollection,
  startInProcessWorker,
  startStack,
  waitFor,
  waitForRunEnd,
  type Stack,
} from './support/harness';

async function succeededNames(stack: Stack, runId: string): Promise<string[]> {
  const { rows } = await stack.db.query<{ device_name: string }>(
    `SELECT device_name FROM run_devices WHERE run_id = $1 AND status = 'SUCCEEDED'`,
    [runId],
  );
  return rows.map((r) => r.device_name);
}

describe('durability', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      lab: { devices: 24 },
      worker: false,
      env: { COLLECTION_HEARTBEAT_TIMEOUT_MS: '3000' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('finishes a run after its worker process is killed, without collecting finished devices again', async () => {
    for (const d of stack.lab.devices()) stack.lab.setFaults(d.name, { commandLatencyMs: 250 });
    let worker = spawnWorkerProcess(stack.env);
    try {
      const run = await startCollection(stack, {
        deviceIds: [...stack.deviceIds.values()],
        ...perPlatform(THREE_COMMANDS),
        concurrency: 3,
      });
      const before = await waitFor(
        'a third of the devices to finish',
        async () => {
          const names = await succeededNames(stack, run.id);
          return names.length >= 8 ? names : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 100 },
      );
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      const doneAtKill = await succeededNames(stack, run.id);
      expect((await getRun(stack, run.id)).status).toBe('RUNNING');

      worker = spawnWorkerProcess(stack.env);
      const done = await waitForRunEnd(stack, run.id, 180_000);
      expect(done.status).toBe('COMPLETED');
      expect(done.progress.succeeded).toBe(24);
      for (const name of doneAtKill)
        expect({ name, logins: stack.lab.totalLogins(name) }).toEqual({ name, logins: 1 });
      expect(before.length).toBeGreaterThanOrEqual(8);
      const devices = await runDevices(stack, run.id);
      expect(devices.every((d) => d.outputs.length === 3)).toBe(true);
    } finally {
      worker.kill('SIGTERM');
      for (const d of stack.lab.devices()) stack.lab.clearFaults(d.name);
    }
  });

  it('cancels a run mid-way: it ends CANCELLED and no SSH session stays open', async () => {
    const worker = await startInProcessWorker(stack.config);
    const slow = stack.lab.devices();
    for (const d of slow) stack.lab.setFaults(d.name, { commandLatencyMs: 400 });
    try {
      const run = await startCollection(stack, {
        deviceIds: [...stack.deviceIds.values()],
        ...perPlatform(THREE_COMMANDS),
        concurrency: 4,
      });
      await waitFor('some devices to finish and others to be mid-session', async () => {
        const done = (await succeededNames(stack, run.id)).length;
        return done >= 2 && stack.lab.openSessions() > 0;
      });
      const cancelled = await stack.gql.request<{ cancelRun: { status: string } }>(
        `mutation ($id: ID!) { cancelRun(id: $id) { status } }`,
        { id: run.id },
      );
      expect(['CANCELLING', 'CANCELLED']).toContain(cancelled.cancelRun.status);
      const done = await waitForRunEnd(stack, run.id);
      expect(done.status).toBe('CANCELLED');
      expect(done.progress.succeeded).toBeGreaterThanOrEqual(2);
      expect(done.progress.cancelled).toBeGreaterThan(0);
      expect(done.progress.running + done.progress.pending).toBe(0);
      await waitFor('every lab session to close', () => stack.lab.openSessions() === 0, { timeoutMs: 5000 });

      const again = await stack.gql.raw(`mutation ($id: ID!) { cancelRun(id: $id) { status } }`, {
        id: run.id,
      });
      expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
    } finally {
      for (const d of slow) stack.lab.clearFaults(d.name);
      await worker.stop();
    }
  });

  it('starts the workflow of a run stored by an API that stopped before starting it, exactly once', async () => {
    // What an API leaves behind when it dies between the two steps of startCollection.
    const device = stack.lab.devices().find((d) => d.platform === 'cisco_ios')!;
    const deviceId = stack.deviceIds.get(device.name)!;
    const runId = randomUUID();
    await stack.db.query(
      `INSERT INTO runs (id, kind, status, workflow_id, commands, concurrency, selector, total_devices, created_at)
       VALUES ($1, 'collection', 'PENDING', $2, $3, 1, $4, 1, now() - interval '5 minutes')`,
      [runId, `collection-${runId}`, ['show version'], JSON.stringify({ deviceIds: [deviceId] })],
    );
    await stack.db.query(
      `INSERT INTO run_devices (run_id, device_id, device_name, platform, host, status)
       VALUES ($1, $2, $3, 'cisco_ios', '127.0.0.1', 'PENDING')`,
      [runId, deviceId, device.name],
    );
    const logins = stack.lab.totalLogins(device.name);
    const worker = await startInProcessWorker(stack.config);
    // A second API instance boots and reconciles every 500 ms.
    const api = await startApi(loadConfig({ ...stack.env, RUNS_RECONCILE_INTERVAL_MS: '500' }));
    try {
      const done = await waitForRunEnd(stack, runId, 60_000);
      expect(done.status).toBe('COMPLETED');
      // Several more reconcile passes: the closed workflow is not started again.
      const { rows } = await stack.db.query(`SELECT now() AS t`);
      await waitFor('three more reconcile passes', async () => {
        const { rows: later } = await stack.db.query(
          `SELECT now() - $1::timestamptz > interval '1.6 seconds' AS ok`,
          [rows[0].t],
        );
        return later[0].ok as boolean;
      });
      expect((await getRun(stack, runId)).status).toBe('COMPLETED');
      expect(stack.lab.totalLogins(device.name)).toBe(logins + 1);
    } finally {
      await api.close();
      await worker.stop();
    }
  });
});
