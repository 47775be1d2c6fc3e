/**
 * npm run bench:collect -- --devices N [--concurrency C] [--worker-slots S]
 *
 * A full collection (version and running config) through the real path: GraphQL API → Temporal →
 * worker → SSH → device lab, each a separate process, on this machine. Prints wall time, devices per
 * second, CPU seconds per device for the worker and the lab separately, and the worker's peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { startLocalPostgres } from '../scripts/infra/postgres';
import { freePort, startManaged, waitFor, type Managed } from '../scripts/infra/process';
import { startTemporalDevServer } from '../scripts/infra/temporal';
import { graphqlClient } from '../scripts/graphql-client';
import { registerLabInventory } from '../scripts/lab-inventory';
import { peakRssMiB, treeCpuSeconds } from './proc';
import { summariseProfiles } from './profile-summary';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '200' },
    'worker-slots': { type: 'string', default: '400' },
    'base-port': { type: 'string', default: '30000' },
    /** Write a V8 CPU profile of the worker (and print its top functions). */
    profile: { type: 'boolean', default: false },
  },
});
const devices = Number(values.devices);
const concurrency = Math.min(Number(values.concurrency), devices);
if (!Number.isInteger(devices) || devices < 1) throw new Error('--devices must be a positive integer');

const root = path.resolve(__dirname, '..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'));
const stops: (() => Promise<void>)[] = [];
const node = (app: string) => path.join(root, 'dist', 'apps', app, 'src', 'main.js');
const log = (line: string) => console.error(`[bench] ${line}`);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  log('building (tsc)...');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });

  // Processes whose CPU we report (PostgreSQL and Temporal only when we started them).
  const measured: Record<string, number> = {};
  const [databaseUrl, temporalAddress] = await Promise.all([
    process.env.DATABASE_URL ??
      startLocalPostgres({ dataDir: path.join(scratch, 'pg'), logFile: path.join(scratch, 'pg.log') }).then(
        (pg) => {
          stops.push(pg.stop);
          measured.postgres = pg.process.child.pid!;
          return pg.url;
        },
      ),
    process.env.TEMPORAL_ADDRESS ??
      startTemporalDevServer({
        dataDir: path.join(scratch, 'temporal'),
        headless: true,
        logFile: path.join(scratch, 'temporal.log'),
      }).then((t) => {
        stops.push(t.stop);
        measured.temporal = t.process.child.pid!;
        return t.address;
      }),
  ]);
  const apiPort = await freePort();
  const token = randomBytes(18).toString('base64url');
  const env = {
    ...process.env,
    API_TOKEN: token,
    API_PORT: String(apiPort),
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '20',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `bench-${randomBytes(4).toString('hex')}`,
    CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    WORKER_MAX_CONCURRENT_ACTIVITIES: values['worker-slots'],
    COLLECTION_MAX_CONCURRENCY: String(Math.max(concurrency, 1000)),
    LOG_LEVEL: 'info',
  };
  const start = (name: string, args: string[]): Managed => {
    const managed = startManaged(name, process.execPath, args, {
      cwd: root,
      env,
      logFile: path.join(scratch, `${name}.log`),
    });
    stops.push(() => managed.stop());
    return managed;
  };

  const inventoryFile = path.join(scratch, 'inventory.json');
  const lab = start('device-lab', [
    node('device-lab'),
    '--devices',
    String(devices),
    '--base-port',
    values['base-port']!,
    '--control-port',
    '0',
    '--inventory',
    inventoryFile,
  ]);
  const api = start('api', [node('api')]);
  measured.api = api.child.pid!;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitFor('API', async () => (await fetch(`${apiUrl}/healthz`)).ok, { timeoutMs: 120_000 });
  const profileDir = path.join(scratch, 'profile');
  const worker = start('worker', [
    ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    node('worker'),
  ]);
  await waitFor('lab inventory', () => existsSync(inventoryFile), { timeoutMs: 120_000 });
  await waitFor(
    'worker to poll',
    () => readFileSync(path.join(scratch, 'worker.log'), 'utf8').includes('serving task queue'),
    {
      timeoutMs: 120_000,
    },
  );
  await registerLabInventory({
    graphqlUrl: `${apiUrl}/graphql`,
    token,
    inventory: JSON.parse(readFileSync(inventoryFile, 'utf8')),
  });
  log(`${devices} devices registered; collecting with concurrency ${concurrency}`);

  const gql = graphqlClient(`${apiUrl}/graphql`, token);
  measured.worker = worker.child.pid!;
  measured.lab = lab.child.pid!;
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
  const rss = peakRssMiB(worker.child.pid!);

  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = await db.query<{ ms: number; bytes: string }>(
    `SELECT extract(epoch FROM (rd.finished_at - rd.started_at)) * 1000 AS ms,
            (SELECT sum(size_bytes) FROM command_outputs co WHERE co.run_device_id = rd.id) AS bytes
       FROM run_devices rd WHERE rd.run_id = $1 AND rd.status = 'SUCCEEDED'`,
    [startCollection.id],
  );
  await db.end();
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
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (values.profile) console.log(summariseProfiles(path.join(scratch, 'profile')));
  });
