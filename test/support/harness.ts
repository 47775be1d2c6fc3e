import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { startApi } from '../../apps/api/src/bootstrap';
import { DeviceLab } from '../../apps/device-lab/src';
import { createSwitchboardWorker } from '../../apps/worker/src/worker.factory';
import { loadConfig, type AppConfig, type Env } from '../../libs/config/src/config';
import { SecretBox } from '../../libs/crypto/src/secret-box';
import { dataSourceOptions, runMigrations } from '../../core/database/data-source';
import { createDatabaseIfMissing, withDatabase } from '../../scripts/infra/postgres';
import { waitFor } from '../../scripts/infra/process';
import { graphqlClient } from '../../scripts/graphql-client';
import { registerLabInventory } from '../../scripts/lab-inventory';
import { workflowBundle } from './bundle';

export { waitFor, workflowBundle };

// Keep the Temporal runtime quiet in tests: warnings and errors only.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* already installed by an earlier test file in this process */
}
export const TEST_TOKEN = 'test-token-0123456789abcdef';
const root = path.resolve(__dirname, '../..');

function infra(): { pgUrl: string; temporalAddress: string } {
  const pgUrl = process.env.SWITCHBOARD_TEST_PG_URL;
  const temporalAddress = process.env.SWITCHBOARD_TEST_TEMPORAL_ADDRESS;
  if (!pgUrl || !temporalAddress)
    throw new Error('integration tests must run through jest --selectProjects integration');
  return { pgUrl, temporalAddress };
}

/** A fresh, migrated database for one test file (on the shared server, or on `pgUrl`). */
export async function createTestDatabase(pgUrl = infra().pgUrl): Promise<string> {
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  await createDatabaseIfMissing(pgUrl, name);
  const url = withDatabase(pgUrl, name);
  await runMigrations({ url, poolSize: 1, migrationsRun: true });
  return url;
}

/** The env a test stack runs with: its own database, task queue and key. */
export function testEnv(databaseUrl: string, overrides: Env = {}): Env {
  const { temporalAddress } = infra();
  return {
    API_TOKEN: TEST_TOKEN,
    API_PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    DATABASE_MIGRATIONS_RUN: 'false',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    // Worker processes the tests spawn start from the run's bundle instead of bundling again.
    WORKER_WORKFLOW_BUNDLE: process.env.SWITCHBOARD_TEST_WORKFLOW_BUNDLE,
    SSH_CONNECT_TIMEOUT_MS: '5000',
    SSH_PROMPT_TIMEOUT_MS: '5000',
    SSH_COMMAND_TIMEOUT_MS: '10000',
    COLLECTION_RETRY_INITIAL_MS: '200',
    COLLECTION_HEARTBEAT_TIMEOUT_MS: '5000',
    // No built-in reachability schedule unless a test asks for one (test/device-reachability.test.ts).
    REACHABILITY_INTERVAL: 'off',
    ...overrides,
  };
}

export interface InProcessWorker {
  worker: Worker;
  running: Promise<void>;
  stop(): Promise<void>;
}

export async function startInProcessWorker(config: AppConfig): Promise<InProcessWorker> {
  const dataSource = await new DataSource(dataSourceOptions(config.database)).initialize();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createSwitchboardWorker({
    config,
    dataSource,
    secrets: new SecretBox(config.credentialsKey),
    connection,
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  return {
    worker,
    running,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await dataSource.destroy();
    },
  };
}

/** A worker as a separate OS process (for crash tests), running the real apps/worker entry point. */
export function spawnWorkerProcess(env: Env): ChildProcess & { output: () => string } {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'apps/worker/src/main.ts'],
    {
      cwd: root,
      env: { ...process.env, ...env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return Object.assign(child, { output: () => output });
}

export interface Stack {
  config: AppConfig;
  env: Env;
  api: INestApplication;
  url: string;
  gql: ReturnType<typeof graphqlClient>;
  lab: DeviceLab;
  db: Client;
  worker?: InProcessWorker;
  /** Device ids by lab device name. */
  deviceIds: Map<string, string>;
  stop(): Promise<void>;
}

/**
 * Everything a test needs: its own database, the lab, the API (port 0) and optionally an in-process
 * worker on its own task queue. The lab's devices are registered through the API.
 */
export async function startStack(options: {
  lab: Parameters<typeof DeviceLab.start>[0];
  worker?: boolean;
  env?: Env;
  /** A PostgreSQL server of the test's own (one it restarts, say) instead of the shared one. */
  postgresUrl?: string;
}): Promise<Stack> {
  const databaseUrl = await createTestDatabase(options.postgresUrl);
  const env = testEnv(databaseUrl, options.env);
  const config = loadConfig(env);
  const lab = await DeviceLab.start(options.lab);
  const api = await startApi(config);
  const url = (await api.getUrl()).replace('[::1]', '127.0.0.1');
  const gql = graphqlClient(`${url}/graphql`, TEST_TOKEN);
  const worker = options.worker === false ? undefined : await startInProcessWorker(config);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  await registerLabInventory({ graphqlUrl: `${url}/graphql`, token: TEST_TOKEN, inventory: lab.devices() });
  const { rows } = await db.query<{ id: string; name: string }>('SELECT id, name FROM devices');
  const deviceIds = new Map(rows.map((r) => [r.name, r.id]));
  return {
    config,
    env,
    api,
    url,
    gql,
    lab,
    db,
    worker,
    deviceIds,
    async stop() {
      await worker?.stop();
      await api.close();
      await lab.stop();
      await db.end();
    },
  };
}

export const RUN_FIELDS = `id status workflowId temporalUrl error commands concurrency
  progress { total pending running succeeded failed cancelled }`;

export interface RunView {
  id: string;
  status: string;
  workflowId: string;
  temporalUrl: string;
  error: string | null;
  progress: {
    total: number;
    pending: number;
    running: number;
    succeeded: number;
    failed: number;
    cancelled: number;
  };
}

export async function startCollection(stack: Stack, input: Record<string, unknown>): Promise<RunView> {
  const data = await stack.gql.request<{ startCollection: RunView }>(
    `mutation ($input: StartCollectionInput!) { startCollection(input: $input) { ${RUN_FIELDS} } }`,
    { input },
  );
  return data.startCollection;
}

export async function getRun(stack: Stack, id: string): Promise<RunView> {
  const data = await stack.gql.request<{ run: RunView }>(
    `query ($id: ID!) { run(id: $id) { ${RUN_FIELDS} } }`,
    { id },
  );
  return data.run;
}

const FINAL = [
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'REJECTED',
  'CANCELLED',
  'FAILED',
  'ROLLED_BACK',
  'ROLLBACK_FAILED',
];
export function waitForRunEnd(stack: Stack, id: string, timeoutMs = 120_000): Promise<RunView> {
  return waitFor(
    `run ${id} to end`,
    async () => {
      const run = await getRun(stack, id);
      return FINAL.includes(run.status) ? run : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

export interface RunDeviceView {
  deviceName: string;
  platform: string;
  status: string;
  attempts: number;
  errorKind: string | null;
  errorMessage: string | null;
  facts: {
    hostname: string | null;
    vendor: string | null;
    osVersion: string | null;
    uptimeSeconds: number | null;
  } | null;
  outputs: {
    seq: number;
    command: string;
    output: string;
    sizeBytes: number;
    error: string | null;
    parseStatus: string | null;
    anomalyReason: string | null;
  }[];
}

export async function runDevices(stack: Stack, id: string, withOutputs = true): Promise<RunDeviceView[]> {
  const all: RunDeviceView[] = [];
  let after: string | null = null;
  for (;;) {
    const data: {
      run: {
        devices: { edges: { node: RunDeviceView }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      };
    } = await stack.gql.request(
      `query ($id: ID!, $after: String) { run(id: $id) { devices(first: 200, after: $after) {
        edges { node { deviceName platform status attempts errorKind errorMessage
          facts { hostname vendor osVersion uptimeSeconds }
          ${withOutputs ? 'outputs { seq command output sizeBytes error parseStatus anomalyReason }' : ''} } }
        pageInfo { hasNextPage endCursor } } } }`,
      { id, after },
    );
    all.push(...data.run.devices.edges.map((e) => e.node));
    if (!data.run.devices.pageInfo.hasNextPage) return all;
    after = data.run.devices.pageInfo.endCursor;
  }
}

/** The output of a device as the driver returns it: lines without trailing blanks. */
export function normalise(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .trim();
}
