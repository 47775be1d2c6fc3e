/**
 * The production-like topology, as separate processes on loopback: PostgreSQL (a local cluster, or
 * DATABASE_URL), a real Temporal server on it, N API processes (one port each), workers on sites
 * (NODE_ID, NODE_SITES) and, optionally, the standalone device lab. Every process is a Component that
 * can be started, stopped in order, or killed with SIGKILL and started again on the same ports and
 * data (the chaos suite does that). Used by `npm run start:cluster` and chaos/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { Client } from 'pg';
import path from 'node:path';
import { startLocalPostgres, withDatabase, createDatabaseIfMissing } from '../infra/postgres';
import { freePort, startManaged, waitFor, type Managed } from '../infra/process';
import { logTo } from './log-file';
import {
  ensureNamespace,
  findOrBuildTemporalServer,
  findOrBuildTemporalSqlTool,
  namespaceReady,
  setupTemporalSchema,
  startTemporalServer,
  temporalDatabaseFrom,
  temporalSchemaDir,
  writeTemporalConfig,
  type TemporalPorts,
} from './temporal-server';

export type ComponentKind = 'postgres' | 'temporal' | 'api' | 'worker' | 'lab';

export class Component {
  private managed: Managed | undefined;
  /** Times started (the first start included). */
  starts = 0;

  constructor(
    readonly name: string,
    readonly kind: ComponentKind,
    private readonly launch: () => Promise<Managed>,
    private readonly stopSignal: NodeJS.Signals = 'SIGTERM',
    private readonly graceMs = 15_000,
  ) {}

  get pid(): number | undefined {
    return this.alive() ? this.managed?.child.pid : undefined;
  }

  alive(): boolean {
    const child = this.managed?.child;
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  /** Resolves with the exit code when the current process ends. */
  get exited(): Promise<number | null> | undefined {
    return this.managed?.exited;
  }

  async start(): Promise<void> {
    if (this.alive()) return;
    this.managed = await this.launch();
    this.starts++;
  }

  /**
   * kill -9 of the whole process tree, as a crashed machine or container would lose it: the process
   * group, and every descendant that left it (PostgreSQL's backends call setsid(); left alone they
   * outlive the postmaster for a while and hold its shared memory, and a new postmaster refuses to
   * start). Resolves once none of them exists any more.
   */
  async kill(): Promise<void> {
    if (!this.managed || !this.alive()) return;
    const tree = descendants(this.managed.child.pid!);
    await this.managed.stop('SIGKILL', 1000);
    for (const pid of tree) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    await waitFor(`the processes of ${this.name} to be gone`, () => tree.every((pid) => !exists(pid)), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  }

  async stop(): Promise<void> {
    if (!this.managed || !this.alive()) return;
    await this.managed.stop(this.stopSignal, this.graceMs);
  }
}

/** Every descendant of `root` (children first found through /proc/<pid>/stat's parent field). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface WorkerSpec {
  id: string;
  sites: string[];
}

export interface ClusterOptions {
  /** PostgreSQL cluster (`postgres/`), Temporal's config (`temporal/`), logs unless logDir. */
  dataDir: string;
  logDir?: string;
  /** Use this PostgreSQL server (an admin URL) instead of a local cluster. */
  databaseUrl?: string;
  pgPort?: number;
  /** Temporal ports; free ports when absent. */
  temporalPorts?: TemporalPorts;
  namespace?: string;
  /** One API process per port. */
  apiPorts: number[];
  workers: WorkerSpec[];
  /** Environment of the API, worker and lab processes (API_TOKEN, CREDENTIALS_KEY and tuning). */
  env: Record<string, string>;
  /** How to run an app: `dist` (after tsc) or `ts-node` (transpile-only, for tests). */
  runner?: 'dist' | 'ts-node';
  /** The standalone device lab, as `npm start` runs it. */
  lab?: { devices: number; basePort: number; httpPort?: number; inventoryFile: string };
  log?: (line: string) => void;
}

export interface Cluster {
  components: Component[];
  component(name: string): Component;
  databaseUrl: string;
  temporalAddress: string;
  temporalPorts: TemporalPorts;
  apiUrls: string[];
  logDir: string;
  logFile(name: string): string;
  /** Start a stopped or killed component again and wait until it serves. */
  restart(name: string): Promise<void>;
  /** Stop everything: workers, APIs, lab, Temporal, PostgreSQL. */
  stop(): Promise<void>;
}

const root = path.resolve(__dirname, '..', '..');

function appCommand(runner: 'dist' | 'ts-node', app: string): [string, string[]] {
  if (runner === 'dist') return [process.execPath, [path.join(root, 'dist', 'apps', app, 'src', 'main.js')]];
  return [
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(root, 'apps', app, 'src', 'main.ts')],
  ];
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Whether `file` has `text` past byte `from` (what a process printed since it was started). */
function logHas(file: string, from: number, text: string): boolean {
  if (!existsSync(file)) return false;
  return readFileSync(file).subarray(from).toString('utf8').includes(text);
}

/** Turn the durability settings on; whether any was off (they need a restart to apply). */
async function makeDurable(adminUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: adminUrl });
  client.on('error', () => undefined); // a killed server: the query rejects
  await client.connect();
  try {
    let changed = false;
    for (const name of ['fsync', 'synchronous_commit', 'full_page_writes']) {
      const { rows } = await client.query<{ setting: string }>(
        `SELECT setting FROM pg_settings WHERE name = $1`,
        [name],
      );
      if (rows[0]?.setting !== 'on') {
        await client.query(`ALTER SYSTEM SET ${name} = on`);
        changed = true;
      }
    }
    return changed;
  } finally {
    await client.end();
  }
}

/** Wait until `probe` says ready, failing at once if the process exits meanwhile. */
async function untilReady(
  managed: Managed,
  what: string,
  probe: () => Promise<boolean> | boolean,
  logFile: string,
): Promise<Managed> {
  let exited = false;
  const ready = waitFor(
    what,
    async () => {
      if (exited) return true; // stop polling; the race below has already failed
      return probe();
    },
    { timeoutMs: 180_000, intervalMs: 250 },
  );
  const died = managed.exited.then((code) => {
    exited = true;
    throw new Error(`${managed.name} exited (code ${code}) while starting; see ${logFile}`);
  });
  void died.catch(() => undefined);
  try {
    await Promise.race([ready, died]);
  } catch (error) {
    // Not ready in time (or gone): end it, so that a hung process is not left behind.
    await managed.stop('SIGKILL', 1000);
    throw error;
  }
  if (exited) throw new Error(`${managed.name} exited while starting; see ${logFile}`);
  return managed;
}

const handedOut = new Set<number>();

/**
 * A free loopback port below 32768 (the kernel's ephemeral range starts there): Temporal keeps
 * membership ports in a smallint column, so its ports cannot come from freePort().
 */
export async function freeLowPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port below 32768 on 127.0.0.1');
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? ((line: string) => console.log(`[cluster] ${line}`));
  const dataDir = path.resolve(options.dataDir);
  const logDir = path.resolve(options.logDir ?? path.join(dataDir, 'logs'));
  mkdirSync(logDir, { recursive: true });
  const logFile = (name: string) => path.join(logDir, `${name}.log`);
  const runner = options.runner ?? 'dist';
  const namespace = options.namespace ?? 'default';
  const components: Component[] = [];
  const started: Component[] = [];
  const stopAll = async () => {
    const order: ComponentKind[] = ['worker', 'api', 'lab', 'temporal', 'postgres'];
    for (const kind of order) {
      for (const c of started.filter((s) => s.kind === kind).reverse()) {
        try {
          await c.stop();
          log(`  ${c.name} stopped`);
        } catch (error) {
          log(`  ${c.name}: ${(error as Error).message}`);
        }
      }
    }
  };
  const startComponent = async (c: Component) => {
    components.push(c);
    started.push(c);
    await c.start();
  };

  try {
    // Binaries first: a build takes minutes, and nothing should be running meanwhile.
    const serverBin = findOrBuildTemporalServer(log);
    const sqlTool = findOrBuildTemporalSqlTool(log);
    const schemaDir = temporalSchemaDir();

    // PostgreSQL.
    let adminUrl: string;
    let pgComponent: Component | undefined;
    if (options.databaseUrl) {
      log('PostgreSQL: using DATABASE_URL');
      adminUrl = withDatabase(options.databaseUrl, 'postgres');
    } else {
      const pgDir = path.join(dataDir, 'postgres');
      const port = options.pgPort ?? (await freePort());
      log(`PostgreSQL: a local cluster under ${pgDir} on 127.0.0.1:${port}`);
      let url = '';
      await startComponent(
        (pgComponent = new Component(
          'postgres',
          'postgres',
          async () => {
            // No logFile here: see log-file.ts. Output while it starts goes nowhere; the log begins after.
            const pg = await startLocalPostgres({ dataDir: pgDir, port });
            url = pg.url;
            return logTo(pg.process, logFile('postgres'));
          },
          'SIGINT',
          20_000,
        )),
      );
      adminUrl = withDatabase(url, 'postgres');
      // startLocalPostgres tunes its clusters for tests (fsync, synchronous_commit and full_page_writes
      // off): a PostgreSQL killed with SIGKILL then loses commits it had acknowledged, Temporal's too.
      // The production topology runs durable: turn them back on (once; ALTER SYSTEM keeps them).
      if (await makeDurable(adminUrl)) {
        log('PostgreSQL: fsync, synchronous_commit and full_page_writes on (restarting it once)');
        await pgComponent!.stop();
        await pgComponent!.start();
      }
    }
    const databaseUrl = withDatabase(adminUrl, 'switchboard');
    await createDatabaseIfMissing(adminUrl, 'switchboard');

    // Temporal: its two databases, schema, config, server, namespace.
    const db = temporalDatabaseFrom(adminUrl);
    log(`Temporal: schema from ${schemaDir}`);
    await setupTemporalSchema({ db, sqlTool, schemaDir, log });
    // Temporal's cluster_membership table stores ports as smallint: every port below 32768.
    const ports: TemporalPorts = options.temporalPorts ?? {
      frontend: await freeLowPort(),
      frontendHttp: await freeLowPort(),
      frontendMembership: await freeLowPort(),
      history: await freeLowPort(),
      historyMembership: await freeLowPort(),
      matching: await freeLowPort(),
      matchingMembership: await freeLowPort(),
      worker: await freeLowPort(),
      workerMembership: await freeLowPort(),
    };
    const temporalRoot = path.join(dataDir, 'temporal');
    writeTemporalConfig({ root: temporalRoot, db, ports });
    const temporalAddress = `127.0.0.1:${ports.frontend}`;
    log(`Temporal: server ${serverBin} on ${temporalAddress} (frontend), persistence postgres12`);
    const temporal = new Component('temporal', 'temporal', async () => {
      const server = await startTemporalServer({
        bin: serverBin,
        root: temporalRoot,
        ports,
        logFile: logFile('temporal'),
      });
      return server.process;
    });
    await startComponent(temporal);
    await ensureNamespace(temporalAddress, namespace, log);
    await waitFor(`namespace ${namespace} to be usable`, () => namespaceReady(temporalAddress, namespace), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });

    const appEnv: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...options.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
    };
    if (runner === 'ts-node') appEnv.TS_NODE_PROJECT = path.join(root, 'tsconfig.json');

    // The device lab (standalone), when asked for.
    if (options.lab) {
      const lab = options.lab;
      const [cmd, base] = appCommand(runner, 'device-lab');
      const args = [...base, '--devices', String(lab.devices), '--base-port', String(lab.basePort)];
      args.push('--inventory', lab.inventoryFile);
      if (lab.httpPort !== undefined) args.push('--http-port', String(lab.httpPort));
      await startComponent(
        new Component('device-lab', 'lab', async () =>
          logTo(startManaged('device-lab', cmd, args, { cwd: root, env: appEnv }), logFile('device-lab')),
        ),
      );
    }

    // APIs: the first migrates the database alone; the others start after it answers.
    const apiUrls = options.apiPorts.map((port) => `http://127.0.0.1:${port}`);
    for (const [i, port] of options.apiPorts.entries()) {
      const name = `api-${i + 1}`;
      const [cmd, args] = appCommand(runner, 'api');
      await startComponent(
        new Component(name, 'api', async () => {
          const managed = logTo(
            startManaged(name, cmd, args, { cwd: root, env: { ...appEnv, API_PORT: String(port) } }),
            logFile(name),
          );
          return untilReady(
            managed,
            `${name} to answer /healthz on port ${port}`,
            async () => (await fetch(`${apiUrls[i]}/healthz`)).ok,
            logFile(name),
          );
        }),
      );
      log(`${name}: ${apiUrls[i]}/graphql`);
    }

    // Workers, all at once (each bundles the workflows at start).
    await Promise.all(
      options.workers.map((spec) => {
        const name = `worker-${spec.id}`;
        const [cmd, args] = appCommand(runner, 'worker');
        const c = new Component(name, 'worker', async () => {
          const from = sizeOf(logFile(name));
          const managed = logTo(
            startManaged(name, cmd, args, {
              cwd: root,
              env: { ...appEnv, NODE_ID: spec.id, NODE_SITES: spec.sites.join(',') },
            }),
            logFile(name),
          );
          return untilReady(
            managed,
            `${name} to poll its task queues`,
            () => logHas(logFile(name), from, 'serving task queue'),
            logFile(name),
          );
        });
        return startComponent(c).then(() => log(`${name}: node ${spec.id}, sites ${spec.sites.join(', ')}`));
      }),
    );

    const byName = (name: string) => {
      const c = components.find((x) => x.name === name);
      if (!c) throw new Error(`no component named ${name}`);
      return c;
    };
    return {
      components,
      component: byName,
      databaseUrl,
      temporalAddress,
      temporalPorts: ports,
      apiUrls,
      logDir,
      logFile,
      async restart(name: string) {
        await byName(name).start();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
