/**
 * `npm start`: the whole system on embedded defaults.
 * PostgreSQL (DATABASE_URL, else a local cluster under .data/), Temporal (TEMPORAL_ADDRESS, else the
 * dev server on a SQLite file under .data/), the device lab with a demo inventory, the worker and the
 * API. Prints where to look. Ctrl-C stops everything, in order, leaving no process behind.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalPostgres } from './infra/postgres';
import { portIsOpen, startManaged, waitFor, type Managed } from './infra/process';
import { DEV_SERVER_SQLITE_PRAGMAS, sqlitePragmasFromEnv, startTemporalDevServer } from './infra/temporal';
import { bundleWorkflowsTo } from './bundle-workflows';
import { registerLabInventory } from './lab-inventory';
import { DataSource } from 'typeorm';
import { AccountsRepository } from '../core/accounts/accounts.repository';
import { dataSourceOptions } from '../core/database/data-source';
import { loadConfig } from '../libs/config/src/config';

const root = path.resolve(__dirname, '..');
const env = process.env;
const dataDir = path.resolve(root, env.SWITCHBOARD_DATA_DIR ?? '.data');
const logDir = path.join(dataDir, 'logs');
const say = (line: string) => console.log(`[switchboard] ${line}`);

const stack: { name: string; stop: () => Promise<void> }[] = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping...');
    for (const item of stack.reverse()) {
      try {
        await item.stop();
        say(`  ${item.name} stopped`);
      } catch (error) {
        say(`  ${item.name}: ${(error as Error).message}`);
      }
    }
  }
  process.exit(code);
}

/** Local secrets for the embedded setup, generated once and kept under the data directory (mode 600). */
function localSecrets(): { apiToken: string; credentialsKey: string } {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = {
    apiToken: randomBytes(24).toString('base64url'),
    credentialsKey: randomBytes(32).toString('base64'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * The first administrator, when the database has no human account yet (a new install): its
 * password is printed once, here, and kept nowhere but in its Argon2id hash (docs/security.md).
 */
async function ensureFirstAdministrator(appEnv: NodeJS.ProcessEnv): Promise<string> {
  const config = loadConfig(appEnv as Record<string, string | undefined>);
  const dataSource = await new DataSource(dataSourceOptions(config.database)).initialize();
  try {
    const created = await new AccountsRepository(dataSource).ensureFirstAdministrator();
    if (!created) return '(with your account; an administrator creates users: docs/security.md)';
    return `as "${created.username}", password ${created.password}
                     (shown only now: change it with the changePassword mutation; docs/security.md)`;
  } finally {
    await dataSource.destroy();
  }
}

function watch(managed: Managed): void {
  stack.push({ name: managed.name, stop: () => managed.stop() });
  void managed.exited.then((code) => {
    if (stopping) return;
    say(
      `${managed.name} exited unexpectedly (code ${code}); see ${path.join(logDir, managed.name + '.log')}`,
    );
    void shutdown(1);
  });
}

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));

  say('building (tsc, then the workflow bundle)...');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  const bundle = await bundleWorkflowsTo(path.join(root, 'dist', 'workflows.bundle.js'));

  const secrets = localSecrets();
  const apiPort = Number(env.API_PORT ?? 4000);
  const labDevices = Number(env.LAB_DEVICES ?? 60);
  const labBasePort = Number(env.LAB_BASE_PORT ?? 22000);
  const labHttpPort = Number(env.LAB_HTTP_PORT ?? 8088);
  if (await portIsOpen('127.0.0.1', apiPort))
    throw new Error(`port ${apiPort} is in use; set API_PORT to another port`);

  const [databaseUrl, temporal] = await Promise.all([
    (async () => {
      if (env.DATABASE_URL) {
        say('PostgreSQL: using DATABASE_URL');
        return env.DATABASE_URL;
      }
      say('PostgreSQL: starting a local cluster under ' + path.join(dataDir, 'postgres'));
      const pg = await startLocalPostgres({
        dataDir: path.join(dataDir, 'postgres'),
        port: Number(env.SWITCHBOARD_PG_PORT ?? 54329),
        logFile: path.join(logDir, 'postgres.log'),
      });
      stack.push({ name: 'postgres', stop: pg.stop });
      return pg.url;
    })(),
    (async () => {
      if (env.TEMPORAL_ADDRESS) {
        say(`Temporal: using ${env.TEMPORAL_ADDRESS}`);
        return { address: env.TEMPORAL_ADDRESS, uiUrl: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233' };
      }
      if (await portIsOpen('127.0.0.1', 7233)) {
        throw new Error(
          'port 7233 is in use: is another Temporal server running? Set TEMPORAL_ADDRESS to use it.',
        );
      }
      const sqlitePragmas = sqlitePragmasFromEnv(env, DEV_SERVER_SQLITE_PRAGMAS);
      say(
        `Temporal: starting the dev server (SQLite under ${path.join(dataDir, 'temporal')}, ` +
          `pragmas: ${sqlitePragmas.join(', ') || 'none'})`,
      );
      const server = await startTemporalDevServer({
        dataDir: path.join(dataDir, 'temporal'),
        port: 7233,
        uiPort: Number(env.TEMPORAL_UI_PORT ?? 8233),
        logFile: path.join(logDir, 'temporal.log'),
        sqlitePragmas,
      });
      stack.push({ name: 'temporal', stop: server.stop });
      return { address: server.address, uiUrl: server.uiUrl! };
    })(),
  ]);

  const appEnv: NodeJS.ProcessEnv = {
    ...env,
    API_TOKEN: env.API_TOKEN ?? secrets.apiToken,
    CREDENTIALS_KEY: env.CREDENTIALS_KEY ?? secrets.credentialsKey,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_UI_URL: temporal.uiUrl,
    API_PORT: String(apiPort),
  };
  const dist = (app: string) => path.join(root, 'dist', 'apps', app, 'src', 'main.js');

  const inventoryFile = path.join(dataDir, 'lab-inventory.json');
  say(`device lab: ${labDevices} simulated devices on 127.0.0.1:${labBasePort}+`);
  const lab = startManaged(
    'device-lab',
    process.execPath,
    [
      dist('device-lab'),
      '--devices',
      String(labDevices),
      '--base-port',
      String(labBasePort),
      '--inventory',
      inventoryFile,
      '--http-port',
      String(labHttpPort),
    ],
    { cwd: root, env: appEnv, logFile: path.join(logDir, 'device-lab.log') },
  );
  watch(lab);

  const api = startManaged('api', process.execPath, [dist('api')], {
    cwd: root,
    env: appEnv,
    logFile: path.join(logDir, 'api.log'),
  });
  watch(api);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitFor(
    'the API to answer /healthz (it migrates the database first)',
    async () => (await fetch(`${apiUrl}/healthz`)).ok,
    {
      timeoutMs: 120_000,
    },
  );

  const worker = startManaged('worker', process.execPath, [dist('worker')], {
    cwd: root,
    // The workflows bundled by the build: the worker starts without bundling them itself.
    env: { WORKER_WORKFLOW_BUNDLE: bundle, ...appEnv },
    logFile: path.join(logDir, 'worker.log'),
  });
  watch(worker);

  const firstAdmin = await ensureFirstAdministrator(appEnv);

  await waitFor('the device lab inventory', () => existsSync(inventoryFile), { timeoutMs: 60_000 });
  const registered = await registerLabInventory({
    graphqlUrl: `${apiUrl}/graphql`,
    token: appEnv.API_TOKEN!,
    inventory: JSON.parse(readFileSync(inventoryFile, 'utf8')),
  });

  const example = `mutation {
  startCollection(input: {
    selector: { site: "lab-a" }
    commands: ["show version", "show running-config"]
    commandsByPlatform: [
      { platform: "huawei", commands: ["display version", "display current-configuration"] }
      { platform: "hp_comware", commands: ["display version", "display current-configuration"] }
      { platform: "juniper_junos", commands: ["show version", "show configuration"] }
      { platform: "linux", commands: ["uname -a", "cat /etc/os-release"] }
    ]
    concurrency: 20
  }) { id status temporalUrl }
}`;
  const taskExample = `mutation { createTaskFromTemplate(input: { template: "collect-site-facts", params: { site: "lab-a" } }) { name latestVersion } }
    mutation { startTaskRun(input: { task: "collect-site-facts" }) { id status temporalUrl steps { stepId status } } }`;
  console.log(`
  Switchboard is up.

    Portal           ${apiUrl}/   (sign in as below; docs/portal.md)
    GraphQL API      ${apiUrl}/graphql   (header  Authorization: Bearer ${appEnv.API_TOKEN}: the service account)
    Sign in          POST ${apiUrl}/auth/login  ${firstAdmin}
    Temporal Web UI  ${temporal.uiUrl}
    Device lab       ${registered.devices} devices registered (${registered.summary}), sites lab-a and lab-b;
                     their RESTCONF-style HTTP API at http://127.0.0.1:${labHttpPort}/devices/<name>/restconf/data/...
    Logs             ${logDir}

  Try it:

    curl -s ${apiUrl}/graphql -H 'Content-Type: application/json' \\
      -H 'Authorization: Bearer ${appEnv.API_TOKEN}' \\
      -d '{"query":"mutation { startCollection(input: { selector: { platform: \\"cisco_ios\\" }, commands: [\\"show version\\"] }) { id status temporalUrl } }"}'

  or paste into any GraphQL client:

${example.replace(/^/gm, '    ')}

  Tasks (DAGs with retries, rollback and fan-out; see docs/tasks.md): create one from a built-in
  template, then run it and watch its steps:

    ${taskExample}

  Ctrl-C stops everything.
`);
}

main().catch(async (error: unknown) => {
  say(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});
