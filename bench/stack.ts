/**
 * The start-up every whole-stack benchmark shares: build with tsc, PostgreSQL (a local cluster unless
 * DATABASE_URL), the Temporal dev server on a SQLite file (unless TEMPORAL_ADDRESS; pragmas from
 * TEMPORAL_SQLITE_PRAGMAS), optionally the device lab, then the API and one worker from `dist/`, each
 * its own process with its log in a scratch directory. Resolves once the API answers /healthz, the
 * worker polls its task queue and the lab's devices (if any) are registered.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { graphqlClient } from '../scripts/graphql-client';
import { startLocalPostgres } from '../scripts/infra/postgres';
import { freePort, startManaged, waitFor, type Managed } from '../scripts/infra/process';
import {
  DEV_SERVER_SQLITE_PRAGMAS,
  sqlitePragmasFromEnv,
  startTemporalDevServer,
} from '../scripts/infra/temporal';
import { registerLabInventory } from '../scripts/lab-inventory';

export interface BenchStackOptions {
  /** Compile with `tsc -p tsconfig.build.json` first (default true; the benches' `--skip-build` turns it off). */
  build?: boolean;
  /** Variables for the API, the worker and the lab on top of the bench defaults. */
  env?: Record<string, string>;
  /** Connections of the benchmark's own `pg` Pool (default 2). */
  poolSize?: number;
  /** Start the device lab with this many devices (SSH ports from `basePort`) and register them. */
  lab?: { devices: number; basePort: number };
  /** Node options for the worker, before its entry point (`--cpu-prof`, for instance), given the scratch directory. */
  workerNodeArgs?: (scratch: string) => string[];
  log?: (line: string) => void;
}

export interface BenchStack {
  root: string;
  /** Scratch directory: data directories and one log file per process. */
  scratch: string;
  /** The environment the API and the worker were started with. */
  env: Record<string, string>;
  apiUrl: string;
  token: string;
  databaseUrl: string;
  temporalAddress: string;
  gql: ReturnType<typeof graphqlClient>;
  db: Pool;
  /**
   * Process ids for CPU measurement: `postgres` and `temporal` (only when started here), `api`,
   * `worker`, and `lab` when a lab was asked for.
   */
  pids: Record<string, number>;
  /** Run `stop` first when the stack stops (clients the benchmark opened). */
  onStop(stop: () => Promise<void>): void;
  /** Stop everything, in reverse order of start. Safe to call more than once. */
  stop(): Promise<void>;
}

const defaultLog = (line: string) => console.error(`[bench] ${line}`);

export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const log = options.log ?? defaultLog;
  const root = path.resolve(__dirname, '..');
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'));
  const node = (app: string) => path.join(root, 'dist', 'apps', app, 'src', 'main.js');
  const stops: (() => Promise<void>)[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      for (const fn of stops.reverse()) await fn().catch(() => undefined);
    })());
  // The children run in their own process groups: Ctrl-C must stop them too.
  const onSignal = () => void stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  stops.push(async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });

  try {
    if (options.build ?? true) {
      log('building (tsc)...');
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
        cwd: root,
        stdio: 'inherit',
      });
    }

    const pids: Record<string, number> = {};
    const sqlitePragmas = sqlitePragmasFromEnv(process.env, DEV_SERVER_SQLITE_PRAGMAS);
    // allSettled: a server that did start is registered for stopping even when the other fails.
    const [pgStart, temporalStart] = await Promise.allSettled([
      (async () => {
        if (process.env.DATABASE_URL) return undefined;
        const started = await startLocalPostgres({
          dataDir: path.join(scratch, 'pg'),
          logFile: path.join(scratch, 'pg.log'),
        });
        stops.push(started.stop);
        return started;
      })(),
      (async () => {
        if (process.env.TEMPORAL_ADDRESS) return undefined;
        const started = await startTemporalDevServer({
          dataDir: path.join(scratch, 'temporal'),
          headless: true,
          logFile: path.join(scratch, 'temporal.log'),
          sqlitePragmas,
        });
        stops.push(started.stop);
        return started;
      })(),
    ]);
    if (pgStart.status === 'rejected') throw pgStart.reason;
    if (temporalStart.status === 'rejected') throw temporalStart.reason;
    const [pg, temporal] = [pgStart.value, temporalStart.value];
    if (pg) pids.postgres = pg.process.child.pid!;
    if (temporal) pids.temporal = temporal.process.child.pid!;
    const databaseUrl = pg?.url ?? process.env.DATABASE_URL!;
    const temporalAddress = temporal?.address ?? process.env.TEMPORAL_ADDRESS!;
    log(
      temporal
        ? `Temporal dev server on ${temporalAddress}, SQLite pragmas: ${sqlitePragmas.join(', ') || 'none'}`
        : `Temporal: using TEMPORAL_ADDRESS ${temporalAddress}`,
    );

    const apiPort = await freePort();
    const token = randomBytes(18).toString('base64url');
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      API_TOKEN: token,
      API_PORT: String(apiPort),
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '20',
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `bench-${randomBytes(4).toString('hex')}`,
      CREDENTIALS_KEY: randomBytes(32).toString('hex'),
      // No built-in device-reachability schedule: its runs would load the stack and count as scheduled runs.
      REACHABILITY_INTERVAL: 'off',
      LOG_LEVEL: 'info',
      ...options.env,
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
    const lab =
      options.lab &&
      start('device-lab', [
        node('device-lab'),
        '--devices',
        String(options.lab.devices),
        '--base-port',
        String(options.lab.basePort),
        '--control-port',
        '0',
        '--inventory',
        inventoryFile,
      ]);
    // The API migrates the database at boot; the worker starts once it answers.
    const api = start('api', [node('api')]);
    pids.api = api.child.pid!;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor('API', async () => (await fetch(`${apiUrl}/healthz`)).ok, { timeoutMs: 120_000 });
    const worker = start('worker', [...(options.workerNodeArgs?.(scratch) ?? []), node('worker')]);
    pids.worker = worker.child.pid!;
    if (lab) {
      pids.lab = lab.child.pid!;
      await waitFor('lab inventory', () => existsSync(inventoryFile), { timeoutMs: 120_000 });
    }
    await waitFor(
      'worker to poll',
      () => readFileSync(path.join(scratch, 'worker.log'), 'utf8').includes('serving task queue'),
      { timeoutMs: 120_000 },
    );
    if (lab) {
      await registerLabInventory({
        graphqlUrl: `${apiUrl}/graphql`,
        token,
        inventory: JSON.parse(readFileSync(inventoryFile, 'utf8')),
      });
    }

    const gql = graphqlClient(`${apiUrl}/graphql`, token);
    const db = new Pool({ connectionString: databaseUrl, max: options.poolSize ?? 2 });
    stops.push(() => db.end());
    return {
      root,
      scratch,
      env,
      apiUrl,
      token,
      databaseUrl,
      temporalAddress,
      gql,
      db,
      pids,
      onStop: (fn) => void stops.push(fn),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
