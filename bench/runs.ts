/**
 * npm run bench:runs -- --runs N --concurrency C [--skip-build]
 *
 * N trivial task runs (one step) started through the GraphQL API and awaited, against the same N
 * started directly with the Temporal client (the run rows written with plain SQL, as the API
 * would) on the same server and worker. Prints runs per second and p50/p99 start-to-finish
 * latency for both paths and their ratio. API, worker, PostgreSQL and Temporal are separate
 * processes on this machine.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { loadConfig } from '../libs/config/src/config';
import type { TaskDefinition } from '../libs/tasks/src/definition';
import { startBenchStack, type BenchStack } from './stack';
import { taskRunInputOf } from '../core/runs/workflow-inputs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '20' },
    'skip-build': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
if (!Number.isInteger(concurrency) || concurrency < 1)
  throw new Error('--concurrency must be a positive integer');

const log = (line: string) => console.error(`[bench] ${line}`);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const TRIVIAL = { name: 'bench-trivial', steps: [{ id: 'noop', kind: 'sleep', params: { seconds: 0 } }] };

/** Run `start` N times with C in flight; each returns when its run has finished. */
async function drive(start: () => Promise<void>): Promise<{ wall: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, runs) }, async () => {
      while (next < runs) {
        next++;
        const t = performance.now();
        await start();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { wall: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

let stack: BenchStack | undefined;

async function main(): Promise<void> {
  stack = await startBenchStack({ build: !values['skip-build'], poolSize: concurrency });
  const { gql, db, env } = stack;
  const config = loadConfig(env);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  stack.onStop(() => connection.close());
  const temporal = new TemporalClient({ connection, namespace: config.temporal.namespace });

  const { createTask } = await gql.request<{ createTask: { id: string } }>(
    `mutation ($input: SaveTaskInput!) { createTask(input: $input) { id } }`,
    { input: { definition: TRIVIAL } },
  );
  const [{ definition }] = (
    await db.query<{ definition: TaskDefinition }>(
      `SELECT definition FROM task_versions WHERE task_id = $1 AND version = 1`,
      [createTask.id],
    )
  ).rows;

  const viaApi = async () => {
    const { startTaskRun } = await gql.request<{ startTaskRun: { workflowId: string } }>(
      `mutation { startTaskRun(input: { task: "bench-trivial" }) { workflowId } }`,
    );
    await temporal.workflow.getHandle(startTaskRun.workflowId).result();
  };
  const direct = async () => {
    const runId = randomUUID();
    const workflowId = `task-${runId}`;
    await db.query(
      `WITH run AS (
         INSERT INTO runs (id, kind, status, workflow_id, commands, concurrency, selector, total_devices,
                           task_id, task_version, inputs, priority)
         VALUES ($1, 'task', 'PENDING', $2, '{}', $3, '{}', 0, $4, 1, '{}', 3) RETURNING id)
       INSERT INTO run_steps (run_id, step_id, kind, status) SELECT id, 'noop', 'sleep', 'PENDING' FROM run`,
      [runId, workflowId, definition.concurrency, createTask.id],
    );
    const handle = await temporal.workflow.start('taskRunWorkflow', {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [taskRunInputOf(runId, definition, [], config)],
    });
    await handle.result();
  };

  log(`warming up; then ${runs} runs per path, ${concurrency} in flight`);
  await drive(viaApi);
  const raw = await drive(direct);
  const api = await drive(viaApi);

  const line = (name: string, r: { wall: number; latencies: number[] }) =>
    `  ${name.padEnd(22)} ${(runs / r.wall).toFixed(1).padStart(7)} runs/s   p50 ${percentile(r.latencies, 50).toFixed(0).padStart(5)} ms   p99 ${percentile(r.latencies, 99).toFixed(0).padStart(5)} ms`;
  console.log(`
task runs benchmark: ${runs} runs per path, ${concurrency} in flight, ${os.cpus().length} CPUs (${os.cpus()[0]?.model})
${line('Temporal client (raw)', raw)}
${line('GraphQL API', api)}
  API / raw              throughput ${((runs / api.wall / (runs / raw.wall)) * 100).toFixed(0)} %, p50 latency ${((percentile(api.latencies, 50) / percentile(raw.latencies, 50)) * 100).toFixed(0)} %, p99 latency ${((percentile(api.latencies, 99) / percentile(raw.latencies, 99)) * 100).toFixed(0)} %`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => stack?.stop());
