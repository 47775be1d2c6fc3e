/**
 * `npm run start:cluster`: Switchboard on the production topology, on this machine.
 * PostgreSQL (a local cluster under .data/cluster/postgres, or DATABASE_URL), a real Temporal server
 * (go.temporal.io/server v1.29.1, built once with go install) with its own databases `temporal` and
 * `temporal_visibility` on that PostgreSQL, two API processes on two ports, three workers on two
 * sites, and the device lab with a demo inventory. Ctrl-C stops everything in order.
 * `npm start` (the dev server) is unchanged.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { portIsOpen, waitFor } from '../infra/process';
import { registerLabInventory } from '../lab-inventory';
import { portsFrom } from './temporal-server';
import { startCluster, type Cluster, type WorkerSpec } from './topology';

const root = path.resolve(__dirname, '..', '..');
const env = process.env;
const dataDir = path.resolve(root, env.SWITCHBOARD_CLUSTER_DIR ?? path.join('.data', 'cluster'));
const say = (line: string) => console.log(`[cluster] ${line}`);

/** The three nodes: one per site and one serving both, so each site keeps a node when one dies. */
export const CLUSTER_WORKERS: WorkerSpec[] = [
  { id: 'node-a1', sites: ['lab-a'] },
  { id: 'node-b1', sites: ['lab-b'] },
  { id: 'node-ab1', sites: ['lab-a', 'lab-b'] },
];

let cluster: Cluster | undefined;
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping (workers, APIs, lab, Temporal, PostgreSQL)...');
    await cluster?.stop();
  }
  process.exit(code);
}

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

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));

  const apiPorts = (env.CLUSTER_API_PORTS ?? '4001,4002').split(',').map((p) => Number(p.trim()));
  const temporalBase = Number(env.CLUSTER_TEMPORAL_PORT ?? 7433);
  const temporalPorts = portsFrom(temporalBase);
  const labDevices = Number(env.LAB_DEVICES ?? 60);
  const labBasePort = Number(env.CLUSTER_LAB_BASE_PORT ?? 23000);
  const labHttpPort = Number(env.CLUSTER_LAB_HTTP_PORT ?? 8089);
  for (const [what, port] of [
    ...apiPorts.map((p, i) => [`API ${i + 1} (CLUSTER_API_PORTS)`, p] as const),
    ['Temporal frontend (CLUSTER_TEMPORAL_PORT)', temporalPorts.frontend] as const,
  ]) {
    if (await portIsOpen('127.0.0.1', port)) throw new Error(`port ${port} for ${what} is in use`);
  }

  say('building (tsc)...');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });

  const secrets = localSecrets();
  const inventoryFile = path.join(dataDir, 'lab-inventory.json');
  const token = env.API_TOKEN ?? secrets.apiToken;
  cluster = await startCluster({
    dataDir,
    databaseUrl: env.DATABASE_URL,
    pgPort: Number(env.CLUSTER_PG_PORT ?? 54339),
    temporalPorts,
    apiPorts,
    workers: CLUSTER_WORKERS,
    env: {
      API_TOKEN: token,
      CREDENTIALS_KEY: env.CREDENTIALS_KEY ?? secrets.credentialsKey,
      // The real server has no Web UI of its own (temporalio/ui is deployed apart).
      TEMPORAL_UI_URL: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
    },
    lab: { devices: labDevices, basePort: labBasePort, httpPort: labHttpPort, inventoryFile },
    log: say,
  });
  for (const c of cluster.components) {
    void c.exited?.then((code) => {
      if (stopping) return;
      say(`${c.name} exited unexpectedly (code ${code}); see ${cluster!.logFile(c.name)}`);
      void shutdown(1);
    });
  }

  await waitFor('the device lab inventory', () => existsSync(inventoryFile), { timeoutMs: 60_000 });
  const registered = await registerLabInventory({
    graphqlUrl: `${cluster.apiUrls[0]}/graphql`,
    token,
    inventory: JSON.parse(readFileSync(inventoryFile, 'utf8')),
  });

  const pids = cluster.components.map((c) => `${c.name} ${c.pid}`).join(', ');
  console.log(`
  Switchboard is up on the cluster topology.

    GraphQL API      ${cluster.apiUrls.map((u) => `${u}/graphql`).join('  and  ')}
                     (two processes, one port each; header  Authorization: Bearer ${token})
    Temporal         ${cluster.temporalAddress}  (server v1.29.1 on PostgreSQL, namespace default; no Web UI:
                     temporal workflow list --address ${cluster.temporalAddress})
    PostgreSQL       ${cluster.databaseUrl}  (Temporal: databases temporal, temporal_visibility)
    Workers          ${CLUSTER_WORKERS.map((w) => `${w.id} (${w.sites.join('+')})`).join(', ')}
    Device lab       ${registered.devices} devices (${registered.summary}), sites lab-a and lab-b;
                     control API http://127.0.0.1:${labBasePort - 1}/devices
    Processes        ${pids}
    Logs             ${cluster.logDir}

  Try it:

    curl -s ${cluster.apiUrls[1]}/graphql -H 'Content-Type: application/json' \\
      -H 'Authorization: Bearer ${token}' \\
      -d '{"query":"{ nodes { id status sites taskQueues } }"}'

  Ctrl-C stops everything.
`);
}

main().catch(async (error: unknown) => {
  say(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});
