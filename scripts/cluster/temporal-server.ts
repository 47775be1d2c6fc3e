/**
 * A real Temporal server (go.temporal.io/server, not the CLI's dev server) on PostgreSQL, for
 * `npm run start:cluster` and the chaos suite. The binaries are found like the Temporal CLI
 * (scripts/prerequisites.js): an explicit variable, then PATH, then $(go env GOPATH)/bin, and
 * built with `CGO_ENABLED=0 go install` only when missing (retried once with GOSUMDB=off).
 * The schema files ship inside the server module: they are read from the Go module cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { Connection } from '@temporalio/client';
import { findOrBuildTemporalCli } from '../prerequisites';
import { createDatabaseIfMissing, withDatabase } from '../infra/postgres';
import { startManaged, waitFor, type Managed } from '../infra/process';
import { logTo } from './log-file';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_SERVER_MODULE = `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`;
export const TEMPORAL_SQL_TOOL_MODULE = `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`;

type Log = (line: string) => void;

function goBin(): string | undefined {
  try {
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
    return gopath ? path.join(gopath.split(path.delimiter)[0]!, 'bin') : undefined;
  } catch {
    return undefined;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Whether `bin` is Temporal's (both binaries print "temporal..." for --version). */
function isTemporalBinary(bin: string): boolean {
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return result.status === 0 && /temporal/i.test(`${result.stdout}${result.stderr}`);
}

interface BinarySpec {
  what: string;
  envVar: string;
  /** The name a packaged install would use on PATH. */
  pathName: string;
  /** The name `go install` gives it: the last element of the package path. */
  goName: string;
  module: string;
}

const SERVER: BinarySpec = {
  what: 'the Temporal server',
  envVar: 'TEMPORAL_SERVER_BIN',
  pathName: 'temporal-server',
  goName: 'server',
  module: TEMPORAL_SERVER_MODULE,
};
const SQL_TOOL: BinarySpec = {
  what: 'the Temporal SQL schema tool',
  envVar: 'TEMPORAL_SQL_TOOL',
  pathName: 'temporal-sql-tool',
  goName: 'sql',
  module: TEMPORAL_SQL_TOOL_MODULE,
};

function findBinary(spec: BinarySpec): string | undefined {
  const explicit = process.env[spec.envVar];
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`${spec.envVar} points to ${explicit}, which does not exist`);
    return explicit;
  }
  const found = onPath(spec.pathName);
  if (found) return found;
  const bin = goBin();
  const built = bin && path.join(bin, spec.goName);
  if (built && existsSync(built) && isTemporalBinary(built)) return built;
  return undefined;
}

function findOrBuildBinary(spec: BinarySpec, log: Log): string {
  const found = findBinary(spec);
  if (found) return found;
  if (!onPath('go')) {
    throw new Error(
      `${spec.what} was not found (looked at ${spec.envVar}, ${spec.pathName} on PATH and $(go env GOPATH)/bin/${spec.goName}) ` +
        `and Go is not installed to build it. Install Go and run: CGO_ENABLED=0 go install ${spec.module}`,
    );
  }
  log(`building ${spec.what} (go install ${spec.module}; a few minutes, once)...`);
  const attempt = (extra: Record<string, string>) =>
    spawnSync('go', ['install', spec.module], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, CGO_ENABLED: '0', ...extra },
    });
  let result = attempt({});
  if (result.status !== 0) {
    log('go install failed; retrying once with GOSUMDB=off');
    result = attempt({ GOSUMDB: 'off' });
  }
  const built = result.status === 0 ? findBinary(spec) : undefined;
  if (!built) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}\n`);
    throw new Error(
      `Building ${spec.what} failed (go install exited ${result.status}; its output is above).`,
    );
  }
  return built;
}

export const findTemporalServer = () => findBinary(SERVER);
export const findTemporalSqlTool = () => findBinary(SQL_TOOL);
export const findOrBuildTemporalServer = (log: Log = console.log) => findOrBuildBinary(SERVER, log);
export const findOrBuildTemporalSqlTool = (log: Log = console.log) => findOrBuildBinary(SQL_TOOL, log);

/**
 * `schema/postgresql/v12` of the server module in the Go module cache (TEMPORAL_SCHEMA_DIR overrides).
 * `go mod download -json` prints the module's directory, downloading it through the module proxy
 * if `go install` has not already.
 */
export function temporalSchemaDir(): string {
  const explicit = process.env.TEMPORAL_SCHEMA_DIR;
  if (explicit) {
    if (!existsSync(path.join(explicit, 'temporal', 'versioned')))
      throw new Error(`TEMPORAL_SCHEMA_DIR=${explicit} has no temporal/versioned directory`);
    return explicit;
  }
  const out = execFileSync(
    'go',
    ['mod', 'download', '-json', `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`],
    {
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    },
  );
  const dir = (JSON.parse(out) as { Dir?: string }).Dir;
  const schema = dir && path.join(dir, 'schema', 'postgresql', 'v12');
  if (!schema || !existsSync(path.join(schema, 'temporal', 'versioned')))
    throw new Error(
      `go mod download gave no schema/postgresql/v12 for go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`,
    );
  return schema;
}

export interface TemporalPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** Fixed ports from a base (start:cluster): gRPC at base.., membership at base+100.. */
export function portsFrom(base: number): TemporalPorts {
  return {
    frontend: base,
    frontendHttp: base + 10,
    history: base + 1,
    matching: base + 2,
    worker: base + 6,
    frontendMembership: base + 100,
    historyMembership: base + 101,
    matchingMembership: base + 102,
    workerMembership: base + 106,
  };
}

export interface TemporalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Admin URL of the server (any database): used to create `temporal` and `temporal_visibility`. */
  adminUrl: string;
}

export function temporalDatabaseFrom(url: string): TemporalDatabase {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    adminUrl: withDatabase(url, 'postgres'),
  };
}

export const TEMPORAL_DATABASES = { main: 'temporal', visibility: 'temporal_visibility' } as const;

async function hasSchemaVersionTable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined); // a killed server: the query rejects
  await client.connect();
  try {
    const { rowCount } = await client.query(`SELECT 1 FROM pg_tables WHERE tablename = 'schema_version'`);
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/**
 * Create Temporal's two databases when missing, set up their base schema once (`setup-schema -v 0.0`)
 * and apply every pending version (`update-schema -d <schema dir>/<db>/versioned`: a no-op when current).
 */
export async function setupTemporalSchema(options: {
  db: TemporalDatabase;
  sqlTool: string;
  schemaDir: string;
  log?: Log;
}): Promise<void> {
  const { db, sqlTool, schemaDir } = options;
  for (const [kind, database] of [
    ['temporal', TEMPORAL_DATABASES.main],
    ['visibility', TEMPORAL_DATABASES.visibility],
  ] as const) {
    await createDatabaseIfMissing(db.adminUrl, database);
    const base = [
      '--plugin',
      'postgres12',
      '--ep',
      db.host,
      '-p',
      String(db.port),
      '-u',
      db.user,
      ...(db.password ? ['--pw', db.password] : []),
      '--db',
      database,
    ];
    const run = (args: string[]) => {
      const result = spawnSync(sqlTool, [...base, ...args], {
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      });
      if (result.status !== 0)
        throw new Error(
          `temporal-sql-tool ${args[0]} on ${database} exited ${result.status}: ${result.stderr || result.stdout}`,
        );
    };
    if (!(await hasSchemaVersionTable(withDatabase(db.adminUrl, database)))) {
      options.log?.(`Temporal schema: setup-schema -v 0.0 on ${database}`);
      run(['setup-schema', '-v', '0.0']);
    }
    run(['update-schema', '-d', path.join(schemaDir, kind, 'versioned')]);
  }
}

/** The server's YAML config (persistence on postgres12), written under `<root>/config/switchboard.yaml`. */
export function writeTemporalConfig(options: {
  root: string;
  db: TemporalDatabase;
  ports: TemporalPorts;
  logLevel?: string;
  numHistoryShards?: number;
}): { configDir: string; env: string } {
  const { db, ports } = options;
  const configDir = path.join(options.root, 'config');
  mkdirSync(configDir, { recursive: true });
  const dynamic = path.join(configDir, 'dynamicconfig.yaml');
  const q = (s: string) => JSON.stringify(s);
  const store = (database: string, maxConns: number) =>
    [
      `      sql:`,
      `        pluginName: "postgres12"`,
      `        databaseName: ${q(database)}`,
      `        connectAddr: ${q(`${db.host}:${db.port}`)}`,
      `        connectProtocol: "tcp"`,
      `        user: ${q(db.user)}`,
      `        password: ${q(db.password)}`,
      `        maxConns: ${maxConns}`,
      `        maxIdleConns: ${maxConns}`,
      `        maxConnLifetime: "1h"`,
    ].join('\n');
  const service = (grpc: number, membership: number, http?: number) =>
    [
      `    rpc:`,
      `      grpcPort: ${grpc}`,
      `      membershipPort: ${membership}`,
      `      bindOnLocalHost: true`,
      ...(http ? [`      httpPort: ${http}`] : []),
    ].join('\n');
  const yaml = `# Written by scripts/cluster/temporal-server.ts: Temporal ${TEMPORAL_SERVER_VERSION} on PostgreSQL (loopback only).
log:
  stdout: true
  level: ${options.logLevel ?? 'warn'}

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  # Fixed for the life of the database: changing it needs a new cluster.
  numHistoryShards: ${options.numHistoryShards ?? 4}
  datastores:
    postgres-default:
${store(TEMPORAL_DATABASES.main, 20)}
    postgres-visibility:
${store(TEMPORAL_DATABASES.visibility, 4)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
  frontend:
${service(ports.frontend, ports.frontendMembership, ports.frontendHttp)}
  history:
${service(ports.history, ports.historyMembership)}
  matching:
${service(ports.matching, ports.matchingMembership)}
  worker:
${service(ports.worker, ports.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: ${q(dynamic)}
  pollInterval: "10s"
`;
  writeFileSync(path.join(configDir, 'switchboard.yaml'), yaml);
  // Task-queue priority (a run's priority 1-5) needs the priority matcher, off by default in 1.29.
  writeFileSync(
    dynamic,
    [
      '# Written by scripts/cluster/temporal-server.ts',
      'matching.useNewMatcher:',
      '  - value: true',
      '',
    ].join('\n'),
  );
  return { configDir, env: 'switchboard' };
}

/** Whether the frontend answers and knows `namespace` (its registry cache included). */
export async function namespaceReady(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    await connection.withDeadline(Date.now() + 3000, () =>
      connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 }),
    );
    return true;
  } finally {
    await connection.close();
  }
}

/** Register `namespace` with the Temporal CLI (`temporal operator namespace create`), when missing. */
export async function ensureNamespace(address: string, namespace: string, log?: Log): Promise<void> {
  const cli = findOrBuildTemporalCli();
  const describe = spawnSync(
    cli,
    ['operator', 'namespace', 'describe', '--address', address, '-n', namespace],
    {
      encoding: 'utf8',
    },
  );
  if (describe.status === 0) return;
  log?.(`Temporal: registering namespace ${namespace} (temporal operator namespace create)`);
  const create = spawnSync(
    cli,
    ['operator', 'namespace', 'create', '--address', address, '-n', namespace, '--retention', '72h'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (create.status !== 0 && !/already/i.test(`${create.stderr}${create.stdout}`))
    throw new Error(`temporal operator namespace create ${namespace}: ${create.stderr || create.stdout}`);
}

export interface TemporalServer {
  address: string;
  process: Managed;
  stop(): Promise<void>;
}

/**
 * Start the server from a config written by writeTemporalConfig and wait until its frontend answers
 * (and, with `namespace`, until that namespace is usable).
 */
export async function startTemporalServer(options: {
  bin: string;
  root: string;
  ports: TemporalPorts;
  logFile?: string;
  namespace?: string;
  timeoutMs?: number;
}): Promise<TemporalServer> {
  const args = [
    '--root',
    options.root,
    '--config',
    'config',
    '--env',
    'switchboard',
    '--allow-no-auth',
    'start',
  ];
  const managed = startManaged('temporal', options.bin, args, {});
  if (options.logFile) logTo(managed, options.logFile);
  const address = `127.0.0.1:${options.ports.frontend}`;
  let exitedEarly = false;
  const died = managed.exited.then(() => {
    exitedEarly = true;
    throw new Error(`temporal exited while starting; see ${options.logFile ?? 'its output'}`);
  });
  void died.catch(() => undefined);
  const ready = waitFor(
    `the Temporal server on ${address}${options.namespace ? ` (namespace ${options.namespace})` : ''}`,
    async () => {
      if (exitedEarly) return true; // the race below has failed already
      if (options.namespace) return namespaceReady(address, options.namespace);
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.withDeadline(Date.now() + 3000, () => connection.workflowService.getSystemInfo({}));
        return true;
      } finally {
        await connection.close();
      }
    },
    { timeoutMs: options.timeoutMs ?? 120_000, intervalMs: 300 },
  );
  try {
    await Promise.race([ready, died]);
  } catch (error) {
    await managed.stop('SIGKILL', 1000);
    throw error;
  }
  if (exitedEarly) throw new Error(`temporal exited while starting; see ${options.logFile ?? 'its output'}`);
  return { address, process: managed, stop: () => managed.stop('SIGTERM', 15_000) };
}
