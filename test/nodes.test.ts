import type { ChildProcess } from 'node:child_process';
import { spawnWorkerProcess, startStack, waitFor, type Stack } from './support/harness';
import { createTask, startRecorder, startTaskRun, step, waitForTaskRunEnd } from './support/tasks';

interface NodeView {
  id: string;
  status: string;
  sites: string[];
  taskQueues: string[];
  load: number;
  capacity: number;
}

describe('execution nodes: registration, site routing, failover and drain', () => {
  let stack: Stack;
  const procs = new Map<string, ChildProcess & { output: () => string }>();

  const nodes = async () =>
    (await stack.gql.request<{ nodes: NodeView[] }>(`{ nodes { id status sites taskQueues load capacity } }`))
      .nodes;
  const startNode = (id: string, sites: string, env: Record<string, string> = {}) => {
    procs.set(id, spawnWorkerProcess({ ...stack.env, NODE_ID: id, NODE_SITES: sites, ...env }));
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
    expect(all[0].taskQueues).toEqual([queue, `${queue}@site:lab-a`, `${queue}@node:node-a1`]);
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

  it("routes a step that requires a capability only to nodes that have it, at the device's site first", async () => {
    const web = await startRecorder();
    try {
      await createTask(stack, {
        name: 'mgmt-only',
        steps: [
          {
            id: 'versions',
            kind: 'fanout',
            requires: ['mgmt'],
            params: {
              devices: { tags: ['lab'] },
              concurrency: 6,
              step: { kind: 'ssh.commands', params: { commands: ['uname -a'] } },
            },
          },
          {
            id: 'calls',
            kind: 'fanout',
            requires: ['mgmt'],
            params: {
              items: [1, 2, 3, 4],
              step: { kind: 'http.request', params: { url: `${web.url}/{{ item }}` } },
            },
          },
        ],
      });
      // Nobody has "mgmt" yet: the run says so, and its work waits.
      const waiting = await startTaskRun(stack, 'mgmt-only');
      await waitFor('the no-node warning', async () => {
        const { run } = await stack.gql.request<{ run: { events: { level: string; message: string }[] } }>(
          `query ($id: ID!) { run(id: $id) { events { level message } } }`,
          { id: waiting.id },
        );
        return run.events.find(
          (e) => e.level === 'WARN' && /requires mgmt: no live node has it/.test(e.message),
        );
      });
      await stack.gql.request(`mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: waiting.id });
      await waitForTaskRunEnd(stack, waiting.id);

      // node-m1 serves lab-b and has "mgmt"; node-a2 (lab-a, shared) has no capability.
      startNode('node-m1', 'lab-b', { NODE_CAPABILITIES: 'mgmt' });
      const m1 = await waitFor(
        'node-m1 up',
        async () => (await nodes()).find((n) => n.id === 'node-m1' && n.status === 'UP'),
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      const queue = stack.config.temporal.taskQueue;
      expect(m1.taskQueues).toEqual([
        queue,
        `${queue}@site:lab-b`,
        `${queue}@cap:mgmt`,
        `${queue}@site:lab-b@cap:mgmt`,
        `${queue}@node:node-m1`,
      ]);

      const started = await startTaskRun(stack, 'mgmt-only');
      const run = await waitForTaskRunEnd(stack, started.id, 240_000);
      expect(run.status).toBe('COMPLETED');
      expect(step(run, 'versions').items).toMatchObject({ total: 40, succeeded: 40 });
      expect(step(run, 'calls').items).toMatchObject({ total: 4, succeeded: 4 });
      const { rows } = await stack.db.query<{ worker: string; n: string }>(
        `SELECT worker, count(*) AS n FROM run_step_items WHERE run_id = $1 GROUP BY worker`,
        [started.id],
      );
      // lab-a's devices too: lab-a's node lacks "mgmt", so the shared nodes with it take them.
      expect(rows).toEqual([{ worker: 'node-m1', n: '44' }]);
    } finally {
      await web.close();
    }
  });

  it('enforces node capacity with slot limits: a one-slot node runs one item at a time', async () => {
    // node-s1 serves lab-b with one activity slot per queue, and is the only node with "slow".
    startNode('node-s1', 'lab-b', {
      NODE_SHARED_QUEUE: 'false',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '1',
      NODE_CAPABILITIES: 'slow',
    });
    const s1 = await waitFor(
      'node-s1 up',
      async () => (await nodes()).find((n) => n.id === 'node-s1' && n.status === 'UP'),
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const queue = stack.config.temporal.taskQueue;
    expect(s1.taskQueues).toEqual([
      `${queue}@site:lab-b`,
      `${queue}@site:lab-b@cap:slow`,
      `${queue}@node:node-s1`,
    ]);
    const fanout = (requires?: string[]) => ({
      id: 'uptime',
      kind: 'fanout',
      ...(requires ? { requires } : {}),
      params: {
        devices: { site: 'lab-b' },
        concurrency: 8,
        step: { kind: 'ssh.commands', params: { commands: ['uname -a'] } },
      },
    });
    await createTask(stack, { name: 'lab-b-uptime', steps: [fanout()] });
    await createTask(stack, { name: 'lab-b-slow', steps: [fanout(['slow'])] });
    const labB = (await stack.db.query<{ name: string }>(`SELECT name FROM devices WHERE site = 'lab-b'`))
      .rows;
    for (const d of labB) stack.lab.setFaults(d.name, { commandLatencyMs: 300 });
    try {
      // 8 items at once are asked for; node-s1, the only node of the route, has one slot.
      const started = await startTaskRun(stack, 'lab-b-slow');
      const run = await waitForTaskRunEnd(stack, started.id, 240_000);
      expect(run.status).toBe('COMPLETED');
      const { rows } = await stack.db.query<{ worker: string; started: Date; finished: Date }>(
        `SELECT worker, started_at AS started, finished_at AS finished FROM run_step_items WHERE run_id = $1`,
        [started.id],
      );
      expect(rows).toHaveLength(labB.length);
      expect(new Set(rows.map((r) => r.worker))).toEqual(new Set(['node-s1']));
      const peak = Math.max(
        ...rows.map((a) => rows.filter((b) => b.started < a.finished && a.started < b.finished).length),
      );
      expect(peak).toBe(1);
    } finally {
      for (const d of labB) stack.lab.clearFaults(d.name);
    }
  });

  it("places items on the closest node with free slots by recent latency; a lost node's items run on the route", async () => {
    // Both lab-b nodes serve lab-b: node-m1 (200 slots per queue) and node-s1 (1 slot per queue, 3 queues).
    const labB = (
      await stack.db.query<{ id: string; name: string }>(`SELECT id, name FROM devices WHERE site = 'lab-b'`)
    ).rows;
    const measured = async (latency: Record<string, number>) => {
      await stack.db.query(`DELETE FROM device_checks`);
      for (const [node, ms] of Object.entries(latency)) {
        await stack.db.query(
          `INSERT INTO device_checks (device_id, node_id, status, connect_ms, banner_ms)
           SELECT id, $1, 'UP', $2, $2 FROM devices WHERE site = 'lab-b'`,
          [node, ms],
        );
      }
    };
    const workers = async (runId: string) =>
      (
        await stack.db.query<{ worker: string; n: number }>(
          `SELECT worker, count(*)::int AS n FROM run_step_items WHERE run_id = $1 GROUP BY worker ORDER BY worker`,
          [runId],
        )
      ).rows;
    const placedEvent = async (runId: string) => {
      const { run } = await stack.gql.request<{ run: { events: { message: string }[] } }>(
        `query ($id: ID!) { run(id: $id) { events(first: 1000) { message } } }`,
        { id: runId },
      );
      return run.events.map((e) => e.message).find((m) => m.includes('by recent latency'));
    };

    // node-s1 is closer, but has few slots (1 per queue): that many items go there, the rest to
    // the next closest.
    const slots = (await nodes()).find((n) => n.id === 'node-s1')!.capacity;
    expect(slots).toBe(3);
    await measured({ 'node-s1': 2, 'node-m1': 300 });
    const first = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'lab-b-uptime')).id, 240_000);
    expect(first.status).toBe('COMPLETED');
    expect(await workers(first.id)).toEqual([
      { worker: 'node-m1', n: labB.length - slots },
      { worker: 'node-s1', n: slots },
    ]);
    expect(await placedEvent(first.id)).toContain(
      `placed ${labB.length} of ${labB.length} items by recent latency (node-m1: ${labB.length - slots}, node-s1: ${slots})`,
    );

    // node-m1 is closer; it dies mid-step: what it had not finished runs on lab-b's queue (node-s1).
    await measured({ 'node-m1': 2, 'node-s1': 300 });
    for (const d of labB) stack.lab.setFaults(d.name, { commandLatencyMs: 400 });
    try {
      const started = await startTaskRun(stack, 'lab-b-uptime');
      const done = async () =>
        (
          await stack.db.query<{ name: string; executions: number; worker: string }>(
            `SELECT item->>'name' AS name, executions, worker FROM run_step_items WHERE run_id = $1 AND status = 'SUCCEEDED'`,
            [started.id],
          )
        ).rows;
      await waitFor(
        'node-m1 to finish an item',
        async () => ((await done()).length >= 1 ? true : undefined),
        {
          timeoutMs: 120_000,
          intervalMs: 100,
        },
      );
      procs.get('node-m1')!.kill('SIGKILL');
      const doneAtKill = await done();
      const run = await waitForTaskRunEnd(stack, started.id, 240_000);
      expect(run.status).toBe('COMPLETED');
      expect(step(run, 'uptime').items).toMatchObject({ total: labB.length, succeeded: labB.length });
      const all = await done();
      expect(all.some((r) => r.worker === 'node-s1')).toBe(true);
      const executions = new Map(all.map((r) => [r.name, r.executions]));
      for (const r of doneAtKill)
        expect({ device: r.name, executions: executions.get(r.name) }).toEqual({
          device: r.name,
          executions: 1,
        });
    } finally {
      for (const d of labB) stack.lab.clearFaults(d.name);
    }
  });
});
