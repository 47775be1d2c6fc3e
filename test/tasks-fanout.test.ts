import { spawnWorkerProcess, startInProcessWorker, startStack, waitFor, type Stack } from './support/harness';
import { createTask, startTaskRun, step, waitForTaskRunEnd } from './support/tasks';

const SHOW_VERSION = {
  commands: ['show version'],
  commandsByPlatform: { huawei: ['display version'], hp_comware: ['display version'], linux: ['uname -a'] },
};

describe('fan-out over 300 lab devices', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      lab: { devices: 300 },
      worker: false,
      env: { COLLECTION_HEARTBEAT_TIMEOUT_MS: '3000' },
    });
    await createTask(stack, {
      name: 'fleet-versions',
      steps: [
        {
          id: 'versions',
          kind: 'fanout',
          params: {
            devices: { tags: ['lab'] },
            shardSize: 50,
            concurrency: 20,
            step: { kind: 'ssh.commands', params: SHOW_VERSION },
            aggregate: { mode: 'collect' },
          },
          retry: { maximumAttempts: 3, initialIntervalSeconds: 0.5 },
        },
      ],
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('reports the 5 % that fail and aggregates the rest', async () => {
    const worker = await startInProcessWorker(stack.config);
    const failing = stack.lab.devices().filter((_, i) => i % 20 === 7);
    for (const d of failing) stack.lab.setFaults(d.name, { wrongPassword: true });
    try {
      const run = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'fleet-versions')).id, 300_000);
      expect(run.status).toBe('COMPLETED');
      const fanout = step(run, 'versions');
      expect(fanout.items).toEqual({ total: 300, pending: 0, running: 0, succeeded: 285, failed: 15 });
      const output = fanout.output as {
        total: number;
        succeeded: number;
        failed: number;
        failures: { item: { name: string }; error: string }[];
        result: {
          outputs: Record<string, string>;
          parsed: Record<string, { status: string; reason?: string; facts?: Record<string, unknown> }>;
        }[];
      };
      expect(output).toMatchObject({ total: 300, succeeded: 285, failed: 15 });
      expect(output.failures.map((f) => f.item.name).sort()).toEqual(failing.map((d) => d.name).sort());
      expect(output.failures.every((f) => f.error.startsWith('AUTH_FAILED'))).toBe(true);
      expect(output.result).toHaveLength(285);
      expect(output.result.every((r) => Object.values(r.outputs)[0].length > 0)).toBe(true);
      // Parsed as a collection run parses (show version, display version, uname -a): facts for every one.
      expect(
        output.result.every((r) => {
          const p = Object.values(r.parsed)[0];
          return p.status === 'parsed' && p.facts !== undefined;
        }),
      ).toBe(true);
      // A wrong password is not retried: one login attempt per failing device.
      for (const d of failing) expect(stack.lab.totalLogins(d.name)).toBeLessThanOrEqual(1);
    } finally {
      for (const d of failing) stack.lab.clearFaults(d.name);
      await worker.stop();
    }
  });

  it('finishes every item once when its worker is killed mid-way and another takes over', async () => {
    for (const d of stack.lab.devices()) stack.lab.setFaults(d.name, { commandLatencyMs: 300 });
    const loginsBefore = new Map(stack.lab.devices().map((d) => [d.name, stack.lab.totalLogins(d.name)]));
    let worker = spawnWorkerProcess(stack.env);
    try {
      const started = await startTaskRun(stack, 'fleet-versions');
      const succeeded = async () =>
        (
          await stack.db.query<{ name: string; executions: number }>(
            `SELECT item->>'name' AS name, executions FROM run_step_items WHERE run_id = $1 AND status = 'SUCCEEDED'`,
            [started.id],
          )
        ).rows;
      await waitFor('60 items to finish', async () => ((await succeeded()).length >= 60 ? true : undefined), {
        timeoutMs: 180_000,
        intervalMs: 100,
      });
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      const doneAtKill = await succeeded();
      expect(doneAtKill.length).toBeLessThan(300);

      worker = spawnWorkerProcess(stack.env);
      const run = await waitForTaskRunEnd(stack, started.id, 300_000);
      expect(run.status).toBe('COMPLETED');
      expect(step(run, 'versions').items).toEqual({
        total: 300,
        pending: 0,
        running: 0,
        succeeded: 300,
        failed: 0,
      });
      const all = await succeeded();
      expect(all).toHaveLength(300);
      // Items finished before the kill were neither executed nor logged into again.
      const executions = new Map(all.map((r) => [r.name, r.executions]));
      for (const { name } of doneAtKill) {
        expect({ name, executions: executions.get(name) }).toEqual({ name, executions: 1 });
        expect({ name, logins: stack.lab.totalLogins(name) - loginsBefore.get(name)! }).toEqual({
          name,
          logins: 1,
        });
      }
    } finally {
      worker.kill('SIGTERM');
      for (const d of stack.lab.devices()) stack.lab.clearFaults(d.name);
    }
  });
});
