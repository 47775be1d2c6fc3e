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
});
