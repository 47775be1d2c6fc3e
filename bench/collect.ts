/**
 * npm run bench:collect -- --devices N [--concurrency C] [--worker-slots S] [--profile] [--skip-build]
 *
 * A full collection (version and running config) through the real path: GraphQL API → Temporal →
 * worker → SSH → device lab, each a separate process, on this machine. Prints wall time, devices per
 * second, CPU seconds per device for the worker and the lab separately, and the worker's peak RSS.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { waitFor } from '../scripts/infra/process';
import { peakRssMiB, treeCpuSeconds } from './proc';
import { summariseProfiles } from './profile-summary';
import { startBenchStack, type BenchStack } from './stack';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '200' },
    'worker-slots': { type: 'string', default: '400' },
    'base-port': { type: 'string', default: '30000' },
    'skip-build': { type: 'boolean', default: false },
    /** Write a V8 CPU profile of the worker (and print its top functions). */
    profile: { type: 'boolean', default: false },
  },
});
const devices = Number(values.devices);
const concurrency = Math.min(Number(values.concurrency), devices);
if (!Number.isInteger(devices) || devices < 1) throw new Error('--devices must be a positive integer');

const log = (line: string) => console.error(`[bench] ${line}`);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

let stack: BenchStack | undefined;

async function main(): Promise<void> {
  stack = await startBenchStack({
    build: !values['skip-build'],
    env: {
      WORKER_MAX_CONCURRENT_ACTIVITIES: values['worker-slots']!,
      COLLECTION_MAX_CONCURRENCY: String(Math.max(concurrency, 1000)),
    },
    lab: { devices, basePort: Number(values['base-port']) },
    workerNodeArgs: (scratch) =>
      values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(scratch, 'profile')}`] : [],
  });
  const { gql, db } = stack;
  // Processes whose CPU we report (PostgreSQL and Temporal only when we started them).
  const measured = stack.pids;
  log(`${devices} devices registered; collecting with concurrency ${concurrency}`);

  const cpuNow = () =>
    Object.fromEntries(Object.entries(measured).map(([name, pid]) => [name, treeCpuSeconds(pid)]));
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const { startCollection } = await gql.request<{ startCollection: { id: string } }>(
    `mutation ($input: StartCollectionInput!) { startCollection(input: $input) { id } }`,
    {
      input: {
        selector: { tags: ['lab'] },
        commands: ['show version', 'show running-config'],
        commandsByPlatform: [
          { platform: 'huawei', commands: ['display version', 'display current-configuration'] },
          { platform: 'hp_comware', commands: ['display version', 'display current-configuration'] },
          { platform: 'juniper_junos', commands: ['show version', 'show configuration'] },
          { platform: 'linux', commands: ['uname -a', 'cat /etc/os-release'] },
        ],
        concurrency,
      },
    },
  );
  const final = await waitFor(
    'the run to finish',
    async () => {
      const { run } = await gql.request<{
        run: { status: string; progress: { succeeded: number; failed: number } };
      }>(`query ($id: ID!) { run(id: $id) { status progress { succeeded failed } } }`, {
        id: startCollection.id,
      });
      return ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED', 'FAILED'].includes(run.status)
        ? run
        : undefined;
    },
    { timeoutMs: 30 * 60_000, intervalMs: 100 },
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = cpuNow();
  const cpu = Object.fromEntries(Object.keys(cpu1).map((k) => [k, cpu1[k] - cpu0[k]]));
  const rss = peakRssMiB(measured.worker);

  const { rows } = await db.query<{ ms: number; bytes: string }>(
    `SELECT extract(epoch FROM (rd.finished_at - rd.started_at)) * 1000 AS ms,
            (SELECT sum(size_bytes) FROM command_outputs co WHERE co.run_device_id = rd.id) AS bytes
       FROM run_devices rd WHERE rd.run_id = $1 AND rd.status = 'SUCCEEDED'`,
    [startCollection.id],
  );
  const perDevice = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const totalBytes = rows.reduce((sum, r) => sum + Number(r.bytes), 0);

  console.log(`
collection benchmark: ${devices} devices, concurrency ${concurrency}, worker slots ${values['worker-slots']}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model})
  status                 ${final.status} (${final.progress.succeeded} succeeded, ${final.progress.failed} failed)
  wall time              ${wall.toFixed(2)} s
  devices per second     ${(devices / wall).toFixed(1)}
  worker CPU per device  ${((cpu.worker / devices) * 1000).toFixed(1)} ms  (${cpu.worker.toFixed(2)} s total)
  lab CPU per device     ${((cpu.lab / devices) * 1000).toFixed(1)} ms  (${cpu.lab.toFixed(2)} s total)
  worker peak RSS        ${rss.toFixed(0)} MiB
  per-device time        p50 ${percentile(perDevice, 50)?.toFixed(0)} ms, p99 ${percentile(perDevice, 99)?.toFixed(0)} ms
  output stored          ${(totalBytes / 1024 / 1024).toFixed(1)} MiB
  CPU seconds by process ${Object.entries(cpu)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ')} (of ${(wall * os.cpus().length).toFixed(1)} available)`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stack?.stop();
    // The worker writes its profile when it exits.
    if (values.profile && stack) console.log(summariseProfiles(path.join(stack.scratch, 'profile')));
  });
