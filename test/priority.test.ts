import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { spawnWorkerProcess, startStack, waitFor, type Stack } from './support/harness';
import { createTask, startTaskRun, waitForTaskRunEnd, type TaskRunView } from './support/tasks';

/**
 * A run's priority (1 most urgent .. 5) is its Temporal priorityKey, inherited by its activities:
 * with work queued behind a busy worker, the urgent run goes first.
 *
 * The HTTP steps require a capability that only one node has, with one activity slot; bookkeeping
 * runs on the in-process worker. A first run holds that slot (its request hangs) until all five
 * runs have their HTTP activity waiting in the queue, so the order is decided by priority alone,
 * not by which workflow happened to schedule its activity first.
 */
describe('run priority', () => {
  let stack: Stack;
  let node: (ChildProcess & { output: () => string }) | undefined;
  let temporal: Connection;
  const calls: string[] = [];
  let releaseBlock: (() => void) | undefined;
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      calls.push(req.url ?? '/');
      const reply = () => {
        if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      };
      if (req.url === '/block') releaseBlock = reply;
      else reply();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stack = await startStack({ lab: { devices: 1 }, env: { NODE_HEARTBEAT_MS: '500' } });
    node = spawnWorkerProcess({
      ...stack.env,
      NODE_ID: 'prio-node',
      NODE_CAPABILITIES: 'prio',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '1',
    });
    await waitFor(
      'the prio node up',
      async () => {
        const { nodes } = await stack.gql.request<{ nodes: { id: string; status: string }[] }>(
          `{ nodes { id status } }`,
        );
        return nodes.some((n) => n.id === 'prio-node' && n.status === 'UP') || undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    temporal = await Connection.connect({ address: stack.config.temporal.address });
    await createTask(stack, {
      name: 'call',
      inputSchema: { type: 'object', properties: { tag: { type: 'string' } } },
      steps: [
        {
          id: 'post',
          kind: 'http.request',
          requires: ['prio'],
          params: { method: 'POST', url: `${url}/{{ inputs.tag }}` },
        },
      ],
    });
  });
  afterAll(async () => {
    releaseBlock?.();
    if (node && node.exitCode === null && node.signalCode === null) {
      node.kill('SIGTERM');
      await new Promise((r) => node!.once('exit', r));
    }
    await temporal?.close();
    await stack?.stop();
    await new Promise((r) => server?.close(r));
  });

  it('runs the priority-1 run before the priority-5 runs queued ahead of it', async () => {
    const client = new Client({ connection: temporal, namespace: stack.config.temporal.namespace });
    const block = await startTaskRun(stack, 'call', { tag: 'block' }, { priority: 3 });
    await waitFor('the blocking request holds the slot', async () => releaseBlock, { timeoutMs: 60_000 });

    const low: TaskRunView[] = [];
    for (let i = 0; i < 4; i++)
      low.push(await startTaskRun(stack, 'call', { tag: `low-${i}` }, { priority: 5 }));
    const urgent = await startTaskRun(stack, 'call', { tag: 'urgent' }, { priority: 1 });
    expect(urgent.priority).toBe(1);
    // Every run's HTTP activity scheduled and waiting for the one slot.
    for (const run of [...low, urgent]) {
      await waitFor(
        `${run.id}: HTTP activity queued`,
        async () => {
          const d = await client.workflow.getHandle(run.workflowId).describe();
          return d.raw.pendingActivities?.some((a) => a.activityType?.name === 'runHttpStep') || undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
    }
    expect(calls).toEqual(['/block']);
    releaseBlock!();

    for (const run of [block, urgent, ...low])
      expect((await waitForTaskRunEnd(stack, run.id)).status).toBe('COMPLETED');
    expect(calls[1]).toBe('/urgent');
    expect(calls.slice(2).sort()).toEqual(['/low-0', '/low-1', '/low-2', '/low-3']);
  });
});
