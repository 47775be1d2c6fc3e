import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { findOrBuildTemporalCli } from '../prerequisites';
import { freePort, startManaged, waitFor, type Managed } from './process';

// The search (TEMPORAL_CLI, PATH, $(go env GOPATH)/bin) and the go install build live in
// scripts/prerequisites.js, plain JavaScript that scripts/bootstrap.js also runs before `npm install`.
export { TEMPORAL_CLI_MODULE, findOrBuildTemporalCli, findTemporalCli } from '../prerequisites';

export async function temporalAnswers(address: string, timeoutMs = 2000): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

export interface TemporalDevServer {
  address: string;
  uiUrl: string | undefined;
  process: Managed;
  stop(): Promise<void>;
}

/**
 * Pragmas `npm start` and the benchmarks give the dev server's SQLite file when TEMPORAL_SQLITE_PRAGMAS
 * is unset (the tests give none). WAL with synchronous=normal commits without an fsync per
 * transaction: it survives a crash of the process, but a power loss may lose the last transactions.
 * About twice the scheduled runs per second (docs/benchmarks.md, bench:schedule).
 */
export const DEV_SERVER_SQLITE_PRAGMAS: readonly string[] = ['journal_mode=wal', 'synchronous=normal'];

/**
 * SQLite pragmas for the dev server, from TEMPORAL_SQLITE_PRAGMAS (comma-separated `name=value`;
 * `none` or an empty value: none). Unset: `defaults`. Used by `npm start` and the benchmarks; the
 * tests start their dev server without pragmas.
 */
export function sqlitePragmasFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  defaults: readonly string[] = [],
): string[] {
  const raw = env.TEMPORAL_SQLITE_PRAGMAS;
  if (raw === undefined) return [...defaults];
  const pragmas = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p && p.toLowerCase() !== 'none');
  for (const pragma of pragmas) {
    if (!/^[a-z_]+=[a-z0-9_-]+$/i.test(pragma))
      throw new Error(
        `TEMPORAL_SQLITE_PRAGMAS: "${pragma}" is not a name=value pragma (e.g. journal_mode=wal)`,
      );
  }
  return pragmas;
}

/** Start `temporal server start-dev` on a SQLite file, wait until it answers. */
export async function startTemporalDevServer(options: {
  dataDir: string;
  port?: number;
  uiPort?: number;
  headless?: boolean;
  logFile?: string;
  namespace?: string;
  /** `name=value` pragmas for the SQLite file, each passed as `--sqlite-pragma` (e.g. `journal_mode=wal`). */
  sqlitePragmas?: readonly string[];
}): Promise<TemporalDevServer> {
  const cli = findOrBuildTemporalCli();
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.join(options.dataDir, 'temporal.sqlite'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'warn',
    // The dev server's metrics endpoint defaults to a fixed port; pick a free one so that two servers can coexist.
    '--metrics-port',
    String(await freePort()),
    '--http-port',
    String(await freePort()),
  ];
  if (options.namespace && options.namespace !== 'default') args.push('--namespace', options.namespace);
  for (const pragma of options.sqlitePragmas ?? []) args.push('--sqlite-pragma', pragma);
  // Task-queue priority (a run's priority 1-5 as the Temporal priorityKey) needs the
  // priority-enabled matcher, off by default in server 1.29. Priority is strict within a task-queue
  // partition and only approximate across them; a single-process server gains nothing from the
  // default four partitions, so it gets one and urgent work always goes first.
  for (const value of [
    'matching.useNewMatcher=true',
    'matching.numTaskqueueReadPartitions=1',
    'matching.numTaskqueueWritePartitions=1',
  ])
    args.push('--dynamic-config-value', value);
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? 8233));
  const managed = startManaged('temporal', cli, args, { logFile: options.logFile });
  const address = `127.0.0.1:${port}`;
  let exitedEarly = false;
  void managed.exited.then(() => (exitedEarly = true));
  await waitFor(
    `the Temporal dev server on ${address}`,
    async () => {
      if (exitedEarly) throw new Error(`temporal exited early; see ${options.logFile ?? 'its output'}`);
      return temporalAnswers(address);
    },
    { timeoutMs: 120_000, intervalMs: 300 },
  );
  return {
    address,
    uiUrl: options.headless ? undefined : `http://127.0.0.1:${options.uiPort ?? 8233}`,
    process: managed,
    stop: () => managed.stop('SIGTERM', 10_000),
  };
}
