import type { ChildProcess } from 'node:child_process';
import { spawnWorkerProcess, startStack, waitFor, type Stack } from './support/harness';
import { createTask, startTaskRun, step, waitForTaskRunEnd } from './support/tasks';

interface NodeView {
  id: string;
  status: string;
  sites: string[];
  taskQueues: string[];
  load: number;
}

describe('execution nodes: registration, site routing, failover and drain', () => {
  let stack: Stack;
  const procs = new Map<string, ChildProcess & { output: () => string }>();

  const nodes = async () =>
    (await stack.gql.request<{ nodes: NodeView[] }>(`{ nodes { id status sites taskQueues load } }`)).nodes;
  const startNode = (id: string, sites: string) => {
    procs.set(id, spawnWorkerProcess({ ...stack.env, NODE_ID: id, NODE_SITES: sites }));
  };

  beforeAll(async () => {
    stack = await startStack({
      lab: { devices: 40 },
      worker: false,
      env: { COLLECTION_HEARTBEAT_TIMEOUT_MS: '3000', NODE_HEARTBEAT_MS: '500' },
    });
    startNode('node-a1', 'lab-a');
    startNode('node-a2', 'lab-a');
    startNode('node-b1', 'lab-b');
    await waitFor(
      'three nodes up',
      async () => {
        const up = (await nodes()).filter((n) => n.status === 'UP');
        return up.length === 3 ? up : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    await createTask(stack, {
      name: 'fleet-uptime',
      steps: [
        {
          id: 'versions',
          kind: 'fanout',
          params: {
            devices: { tags: ['lab'] },
            shardSize: 20,
            concurrency: 6,
            step: {
              kind: 'ssh.commands',
              params: {
                commands: ['show version'],
                commandsByPlatform: {
                  huawei: ['display version'],
                  hp_comware: ['display version'],
                  linux: ['uname -a'],
                },
              },
            },
          },
          retry: { maximumAttempts: 3, initialIntervalSeconds: 0.5 },
        },
      ],
    });
  });
  afterAll(async () => {
    for (const p of procs.values()) p.kill('SIGTERM');
    await Promise.all(
      [...procs.values()].map((p) =>
        p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : null,
      ),
    );
    await stack?.stop();
  });

  it('registers each node with the queues it serves', async () => {
    const all = await nodes();
    expect(all.map((n) => [n.id, n.sites])).toEqual([
      ['node-a1', ['lab-a']],
      ['node-a2', ['lab-a']],
      ['node-b1', ['lab-b']],
    ]);
    const queue = stack.config.temporal.taskQueue;
    expect(all[0].taskQueues).toEqual([queue, `${queue}@site:lab-a`]);
  });

  it("runs each site's devices only on that site's nodes; a killed node's items finish on the other, none twice", async () => {
    for (const d of stack.lab.devices()) stack.lab.setFaults(d.name, { commandLatencyMs: 300 });
    try {
      const started = await startTaskRun(stack, 'fleet-uptime');
      const done = async () =>
        (
          await stack.db.query<{ name: string; executions: number; worker: string }>(
            `SELECT item->>'name' AS name, executions, worker FROM run_step_items
              WHERE run_id = $1 AND status = 'SUCCEEDED'`,
            [started.id],
          )
        ).rows;
      await waitFor(
        'node-a1 to finish some items',
        async () => ((await done()).filter((r) => r.worker === 'node-a1').length >= 3 ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 100 },
      );
      procs.get('node-a1')!.kill('SIGKILL');
      const doneAtKill = await done();

      const run = await waitForTaskRunEnd(stack, started.id, 240_000);
      expect(run.status).toBe('COMPLETED');
      expect(step(run, 'versions').items).toMatchObject({ total: 40, succeeded: 40, failed: 0 });

      const site = new Map<string, string>();
      const { rows } = await stack.db.query<{ name: string; site: string }>(`SELECT name, site FROM devices`);
      for (const r of rows) site.set(r.name, r.site);
      const all = await done();
      for (const r of all) {
        const allowed = site.get(r.name) === 'lab-a' ? ['node-a1', 'node-a2'] : ['node-b1'];
        expect({ device: r.name, worker: allowed.includes(r.worker) }).toEqual({
          device: r.name,
          worker: true,
        });
      }
      const executions = new Map(all.map((r) => [r.name, r.executions]));
      for (const r of doneAtKill)
        expect({ device: r.name, executions: executions.get(r.name) }).toEqual({
          device: r.name,
          executions: 1,
        });
      expect(all.some((r) => r.worker === 'node-a2')).toBe(true);
    } finally {
      for (const d of stack.lab.devices()) stack.lab.clearFaults(d.name);
    }
  });

  it('reports a node that stopped heartbeating as DOWN, with an event', async () => {
    await waitFor(
      'node-a1 down',
      async () => ((await nodes()).find((n) => n.id === 'node-a1')?.status === 'DOWN' ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const events = await waitFor(
      'a DOWN event for node-a1',
      async () => {
        const { nodeEvents } = await stack.gql.request<{ nodeEvents: { kind: string; message: string }[] }>(
          `{ nodeEvents(nodeId: "node-a1") { kind message } }`,
        );
        return nodeEvents.some((e) => e.kind === 'DOWN') ? nodeEvents : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(events.map((e) => e.kind)).toEqual(['UP', 'DOWN']);
    expect(events[1].message).toMatch(/^no heartbeat since /);
  });

  it('drains a node: it stops taking work and exits once its work is done', async () => {
    const proc = procs.get('node-b1')!;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const { drainNode } = await stack.gql.request<{ drainNode: NodeView }>(
      `mutation { drainNode(id: "node-b1") { id status } }`,
    );
    expect(drainNode.status).toBe('DRAINING');
    const code = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`node-b1 did not exit:\n${proc.output().slice(-4000)}`)), 60_000),
      ),
    ]);
    expect(code).toBe(0);
    expect((await nodes()).find((n) => n.id === 'node-b1')?.status).toBe('STOPPED');
    const { nodeEvents } = await stack.gql.request<{ nodeEvents: { kind: string }[] }>(
      `{ nodeEvents(nodeId: "node-b1") { kind } }`,
    );
    expect(nodeEvents.map((e) => e.kind)).toEqual(['UP', 'DRAINING', 'DRAINED']);
  });
});
