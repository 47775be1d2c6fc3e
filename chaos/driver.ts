/**
 * The chaos driver: Switchboard on the cluster topology (scripts/cluster/topology.ts), the device lab
 * in this process (so its command log and config state can be read), a seeded plan of mixed runs
 * started through the GraphQL API while components are killed with SIGKILL and started again and
 * devices get faults; then every run must end, and the invariants (chaos/invariants.ts) must hold.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { Connection } from '@temporalio/client';
import { DeviceLab } from '../apps/device-lab/src';
import type { Platform } from '../libs/common/src/platforms';
import { graphqlClient, GraphQLRequestError } from '../scripts/graphql-client';
import { freePort, waitFor } from '../scripts/infra/process';
import { registerLabInventory } from '../scripts/lab-inventory';
import { startCluster, type Cluster, type WorkerSpec } from '../scripts/cluster/topology';
import { checkInvariants, hasIp, hasVlan, type InvariantResult, type LaunchedRun } from './invariants';
import { watchLab, startRecorder } from './observers';
import {
  BOGUS_LINE,
  configCommand,
  labDevices,
  LAB_MIX,
  makePlan,
  markerCommand,
  ntpLine,
  type ChangePlan,
  type CollectionPlan,
  type RunPlan,
  type SchedulePlan,
  type TaskPlan,
} from './plan';

export const CHAOS_WORKERS: WorkerSpec[] = [
  { id: 'chaos-a1', sites: ['lab-a'] },
  { id: 'chaos-b1', sites: ['lab-b'] },
  { id: 'chaos-ab1', sites: ['lab-a', 'lab-b'] },
];

export interface ChaosOptions {
  seed: number;
  runs: number;
  devices?: number;
  /** Scratch directory (PostgreSQL, Temporal config, logs, events). */
  dir: string;
  runner?: 'dist' | 'ts-node';
  /** Kill PostgreSQL and the Temporal server too (default true). */
  killInfrastructure?: boolean;
  /** After the chaos, how long every run has to end. */
  deadlineMs?: number;
  runGapMs?: number;
  killGapMs?: [number, number];
  /** Keep the chaos on (up to its 5 minutes) until at least this many kills came back. */
  minKills?: number;
  log?: (line: string) => void;
}

export interface KillRecord {
  component: string;
  kind: string;
  /** Starts after this kill that neither served nor exited before the deadline (the process hung). */
  hangs?: { at: string; logTail: string }[];
  at: string;
  downMs: number;
  backAfterMs: number | null;
  error?: string;
}

export interface ChaosResult {
  seed: number;
  runs: number;
  runRows: number;
  statuses: Record<string, number>;
  kills: KillRecord[];
  faults: number;
  invariants: InvariantResult[];
  violations: number;
  durationMs: number;
  dir: string;
}

const nowIso = () => new Date().toISOString();

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? ((line: string) => console.log(`[chaos] ${line}`));
  const started = Date.now();
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const eventsFile = path.join(dir, 'events.jsonl');
  const event = (e: Record<string, unknown>) =>
    appendFileSync(eventsFile, JSON.stringify({ ts: nowIso(), ...e }) + '\n');

  const deviceCount = options.devices ?? 24;
  const devices = labDevices(deviceCount);
  const platformOf = new Map(devices.map((d) => [d.name, d.platform]));
  const killInfra = options.killInfrastructure ?? true;
  const killable: Record<string, number> = {
    ...Object.fromEntries(CHAOS_WORKERS.map((w) => [`worker-${w.id}`, 3])),
    'api-1': 2,
    'api-2': 2,
    ...(killInfra ? { temporal: 2, postgres: 2 } : {}),
  };
  const plan = makePlan({
    seed: options.seed,
    runs: options.runs,
    devices,
    apis: 2,
    workers: CHAOS_WORKERS.map((w) => w.id),
    killable,
    runGapMs: options.runGapMs,
    killGapMs: options.killGapMs,
  });
  writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan.runs, null, 2));

  // Watched configuration lines: the plan's NTP addresses and VLANs.
  const ntpByLine = new Map<string, string>();
  const vlanByLine = new Map<string, number>();
  for (const r of plan.runs) {
    if (r.kind === 'change')
      for (const d of r.devices) for (const ip of r.ips) ntpByLine.set(ntpLine(platformOf.get(d)!, ip), ip);
    if (r.kind === 'task') vlanByLine.set(`vlan ${r.vlan}`, r.vlan);
  }

  const lab = await DeviceLab.start({ devices: deviceCount, mix: LAB_MIX });
  const { sent } = watchLab(lab, (_device, command) => {
    const ip = ntpByLine.get(command);
    if (ip) return (config) => hasIp(config, ip);
    const vlan = vlanByLine.get(command);
    if (vlan !== undefined) return (config) => hasVlan(config, vlan);
    return undefined;
  });
  const recorder = await startRecorder();
  const token = randomBytes(18).toString('base64url');
  let cluster: Cluster | undefined;
  let db: Client | undefined;
  const cleanup = async () => {
    await db?.end().catch(() => undefined);
    await cluster?.stop();
    await recorder.close();
    await lab.stop();
  };
  // Ctrl-C: the components run in their own process groups; stop them before leaving.
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A stray 'error' event of a client whose server was killed must not end the driver: log it.
  const driverErrors: string[] = [];
  const onUncaught = (error: Error) => {
    driverErrors.push(error.message);
    event({ event: 'driver-error', error: error.stack ?? error.message });
    log(`driver error (recorded): ${error.message}`);
  };
  process.on('uncaughtException', onUncaught);
  try {
    cluster = await startCluster({
      dataDir: dir,
      apiPorts: [await freePort(), await freePort()],
      workers: CHAOS_WORKERS,
      runner: options.runner ?? 'dist',
      log,
      env: {
        API_TOKEN: token,
        CREDENTIALS_KEY: randomBytes(32).toString('hex'),
        LOG_LEVEL: 'info',
        REACHABILITY_INTERVAL: 'off',
        RUNS_RECONCILE_INTERVAL_MS: '5000',
        SSH_CONNECT_TIMEOUT_MS: '6000',
        SSH_PROMPT_TIMEOUT_MS: '6000',
        SSH_COMMAND_TIMEOUT_MS: '8000',
        COLLECTION_RETRY_INITIAL_MS: '500',
        COLLECTION_HEARTBEAT_TIMEOUT_MS: '6000',
        NODE_HEARTBEAT_MS: '2000',
        DATABASE_POOL_SIZE: '8',
        WORKER_SHUTDOWN_GRACE_MS: '3000',
      },
    });
    const c = cluster;
    const clients = c.apiUrls.map((u) => graphqlClient(`${u}/graphql`, token));
    await registerLabInventory({ graphqlUrl: `${c.apiUrls[0]}/graphql`, token, inventory: lab.devices() });
    db = new Client({ connectionString: c.databaseUrl });
    db.on('error', () => undefined); // a killed server: the query rejects
    await db.connect();
    await db.query('SET default_transaction_read_only = on');
    const deviceIds = new Map(
      (await db.query<{ id: string; name: string }>('SELECT id, name FROM devices')).rows.map((r) => [
        r.name,
        r.id,
      ]),
    );
    await db.end();
    db = undefined;

    // A fresh read-only connection per query: PostgreSQL itself is killed now and then.
    const query = async <T extends object>(sql: string, params: unknown[] = []): Promise<T[]> => {
      const client = new Client({ connectionString: c.databaseUrl, connectionTimeoutMillis: 3000 });
      client.on('error', () => undefined); // a killed server: the query rejects
      await client.connect();
      try {
        await client.query('SET default_transaction_read_only = on');
        return (await client.query<T>(sql, params)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    };

    // The scheduled task every schedule of the plan runs: a step with a compensation, then a nap.
    const scheduledTask = {
      name: 'chaos-scheduled',
      steps: [
        {
          id: 'mark',
          kind: 'http.request',
          params: { method: 'POST', url: `${recorder.url}/do/sched/{{ run.id }}/mark` },
          compensate: {
            kind: 'http.request',
            params: { method: 'POST', url: `${recorder.url}/undo/sched/{{ run.id }}/mark` },
          },
        },
        { id: 'nap', kind: 'sleep', params: { seconds: 1 }, dependsOn: ['mark'] },
      ],
    };
    await clients[0]!.request(`mutation ($input: SaveTaskInput!) { createTask(input: $input) { id } }`, {
      input: { definition: scheduledTask },
    });

    // ---- the chaos: kills and faults, while the runs start -------------------------------------
    let chaosOn = true;
    const kills: KillRecord[] = [];
    let faultCount = 0;
    const faulted = new Set<string>();
    const stopWaits = new Set<() => void>();
    /** A pause the end of the chaos interrupts (the plan says how long; nothing waits for a guess). */
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          stopWaits.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        stopWaits.add(done);
      });
    const killer = async (stream: 'apps' | 'infra') => {
      for (const k of plan.kills(stream)) {
        await pause(k.gapMs);
        if (!chaosOn) return;
        const comp = c.component(k.component);
        const record: KillRecord = {
          component: comp.name,
          kind: comp.kind,
          at: nowIso(),
          downMs: k.downMs,
          backAfterMs: null,
        };
        kills.push(record);
        log(`kill -9 ${comp.name} (pid ${comp.pid}); back in ${k.downMs} ms`);
        event({ event: 'kill', component: comp.name, pid: comp.pid, downMs: k.downMs });
        await comp.kill();
        const killedAt = Date.now();
        // Down for the planned time whatever happens (the end of the chaos only shortens it).
        await pause(k.downMs);
        for (let attempt = 1; ; attempt++) {
          try {
            await comp.start();
            record.backAfterMs = Date.now() - killedAt;
            event({ event: 'restarted', component: comp.name, pid: comp.pid, afterMs: record.backAfterMs });
            log(`${comp.name} is back after ${record.backAfterMs} ms (pid ${comp.pid})`);
            break;
          } catch (error) {
            record.error = (error as Error).message;
            // Alive at the deadline: the process neither serves nor exits (a supervisor would never restart it).
            // The start reached its deadline with the process alive (it was then ended): a hang.
            const hung = /^Timed out after/.test(record.error);
            if (hung) {
              const file = c.logFile(comp.name);
              const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
              (record.hangs ??= []).push({ at: nowIso(), logTail: text.slice(-4000) });
            }
            event({
              event: 'restart-failed',
              component: comp.name,
              attempt,
              error: record.error,
              hung,
            });
            log(`${comp.name} failed to restart (attempt ${attempt}): ${record.error}`);
            await comp.kill();
            if (attempt >= 5) return; // reported: a component that does not come back
            // An app cannot boot while the infrastructure it needs is down (the other stream): wait for it.
            await waitFor(
              'PostgreSQL and Temporal to be up',
              () =>
                ['postgres', 'temporal']
                  .filter((n) => n !== comp.name)
                  .every((n) => c.components.every((x) => x.name !== n || x.alive())),
              { timeoutMs: 120_000 },
            ).catch(() => undefined);
          }
        }
      }
    };
    const killers = Promise.all([killer('apps'), killer('infra')]);
    const faulter = (async () => {
      for (const f of plan.faults()) {
        await pause(f.gapMs);
        if (!chaosOn) return;
        if (faulted.has(f.device)) continue;
        faulted.add(f.device);
        faultCount++;
        lab.setFaults(f.device, f.faults);
        event({ event: 'fault', device: f.device, faults: f.faults, durationMs: f.durationMs });
        void pause(f.durationMs).then(() => {
          lab.clearFaults(f.device);
          faulted.delete(f.device);
          event({ event: 'fault-cleared', device: f.device });
        });
      }
    })();

    // ---- the runs ------------------------------------------------------------------------------
    const launched: LaunchedRun[] = [];
    const apiUp = (i: number) => c.component(`api-${i + 1}`).alive();
    const launchOne = async (r: RunPlan): Promise<LaunchedRun> => {
      const entry: LaunchedRun = { plan: r, runIds: [] };
      const deadline = Date.now() + 180_000;
      let attempt = 0;
      for (;;) {
        attempt++;
        const api = apiUp(r.api) ? r.api : 1 - r.api;
        try {
          await startRun(clients[api]!, r, entry, { deviceIds, platformOf, recorder: recorder.url });
          event({
            event: 'started',
            key: r.key,
            kind: r.kind,
            api: api + 1,
            runIds: entry.runIds,
            scheduleId: entry.scheduleId,
          });
          return entry;
        } catch (error) {
          entry.error = error instanceof Error ? error.message : String(error);
          // The API may have stored the run before it failed or died: look for it before trying again.
          const found = await waitFor(`the database, to look for ${r.key}`, () => findStored(query, r), {
            timeoutMs: 120_000,
            intervalMs: 1000,
          });
          if (found.runIds.length || found.scheduleId) {
            Object.assign(entry, found);
            event({ event: 'started-after-error', key: r.key, attempt, error: entry.error, ...found });
            return entry;
          }
          event({ event: 'start-failed', key: r.key, attempt, api: api + 1, error: entry.error });
          if (Date.now() > deadline) return entry;
          if (
            error instanceof GraphQLRequestError &&
            error.errors.every((e) => e.extensions?.code === 'BAD_USER_INPUT')
          )
            return entry;
          await waitFor(`an API to answer for ${r.key}`, () => apiUp(0) || apiUp(1), { timeoutMs: 120_000 });
          await new Promise((resolve) => setTimeout(resolve, 500 * Math.min(attempt, 6)));
        }
      }
    };
    const inFlight: Promise<void>[] = [];
    for (const [i, r] of plan.runs.entries()) {
      await new Promise((resolve) => setTimeout(resolve, r.gapMs));
      log(`run ${i + 1}/${plan.runs.length}: ${r.kind} ${r.key}`);
      inFlight.push(launchOne(r).then((l) => void launched.push(l)));
    }
    await Promise.all(inFlight);
    log('every run is started; the chaos goes on until they end (or 5 minutes)');
    const schedules = launched.filter((l) => l.plan.kind === 'schedule' && l.scheduleId);
    const allFinal = async () => {
      const rows = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM runs WHERE status NOT IN
          ('COMPLETED','COMPLETED_WITH_ERRORS','REJECTED','ROLLED_BACK','ROLLBACK_FAILED','CANCELLED','FAILED','SKIPPED')`,
      );
      if (rows[0]!.n > 0) return false;
      for (const s of schedules) {
        const fired = await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM runs WHERE schedule_id = $1`,
          [s.scheduleId],
        );
        if (fired[0]!.n < (s.plan as SchedulePlan).fires) return false;
      }
      return true;
    };
    const minKills = options.minKills ?? 0;
    await waitFor(
      'the runs to end while the chaos goes on',
      async () => kills.filter((k) => k.backAfterMs !== null).length >= minKills && (await allFinal()),
      { timeoutMs: 300_000, intervalMs: 2000 },
    ).catch(() => undefined);

    // ---- the end of the chaos: everything up, no faults; every run must then end ---------------
    chaosOn = false;
    for (const done of [...stopWaits]) done();
    await Promise.all([killers, faulter]);
    for (const d of devices) lab.clearFaults(d.name);
    for (const comp of c.components) await comp.start();
    log(`chaos over: ${kills.length} kills, ${faultCount} faults; waiting for every run to end`);
    event({ event: 'chaos-over' });
    const deadlineMs = options.deadlineMs ?? 300_000;
    await waitFor('every run to end', allFinal, { timeoutMs: deadlineMs, intervalMs: 2000 }).catch(
      (e: Error) => log(e.message),
    );
    // A start that failed may still have stored its run (and a retry then another): count them all.
    for (const l of launched) {
      const found = await findStored(query, l.plan);
      l.runIds = [...new Set([...l.runIds, ...found.runIds])];
      l.scheduleId ??= found.scheduleId;
    }

    db = new Client({ connectionString: c.databaseUrl });

    db.on('error', () => undefined); // a killed server: the query rejects
    await db.connect();
    await db.query('SET default_transaction_read_only = on');
    const invariants = await checkInvariants({
      db,
      launched,
      sent,
      requests: recorder.requests,
      runningConfig: (name) => lab.runningConfig(name),
      platformOf: (name) => platformOf.get(name) as Platform,
    });
    // Temporal's side: no workflow of a run may stay open once every run has ended.
    const openWorkflows = async () => {
      const connection = await Connection.connect({ address: c.temporalAddress, connectTimeout: 5000 });
      try {
        const page = await connection.withDeadline(Date.now() + 10_000, () =>
          connection.workflowService.listWorkflowExecutions({
            namespace: 'default',
            query: 'ExecutionStatus = "Running"',
            pageSize: 100,
          }),
        );
        return (page.executions ?? []).map((e) => `${e.execution?.workflowId} (${e.type?.name})`);
      } finally {
        await connection.close();
      }
    };
    let open: string[] = [];
    await waitFor('every workflow to close', async () => (open = await openWorkflows()).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 2000,
    }).catch(() => undefined);
    invariants.splice(1, 0, {
      name: 'no workflow left open in Temporal',
      checked: 1,
      violations: open.map((w) => ({ invariant: 'stuck', detail: `workflow ${w} is still running` })),
    });
    invariants.unshift({
      name: 'a restarted component serves or exits, never hangs',
      checked: kills.length,
      violations: kills.flatMap((k) =>
        (k.hangs ?? []).map((h) => ({
          invariant: 'hang',
          detail: `${k.component} (killed at ${k.at}) was started again and at ${h.at} had neither served nor exited: ${
            h.logTail.match(/^.*(Error|error).*$/m)?.[0]?.slice(0, 300) ?? 'no error in its log'
          }`,
        })),
      ),
    });
    invariants.unshift({
      name: 'every killed component comes back',
      checked: kills.length,
      violations: kills
        .filter((k) => k.backAfterMs === null)
        .map((k) => ({
          invariant: 'restart',
          detail: `${k.component} killed at ${k.at} did not restart: ${k.error}`,
        })),
    });
    const statusRows = (
      await db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM runs GROUP BY status ORDER BY status`,
      )
    ).rows;
    const result: ChaosResult = {
      seed: options.seed,
      runs: options.runs,
      runRows: statusRows.reduce((a, r) => a + r.n, 0),
      statuses: Object.fromEntries(statusRows.map((r) => [r.status, r.n])),
      kills,
      faults: faultCount,
      invariants,
      violations: invariants.reduce((a, i) => a + i.violations.length, 0),
      durationMs: Date.now() - started,
      dir,
    };
    writeFileSync(path.join(dir, 'result.json'), JSON.stringify({ ...result, launched }, null, 2));
    return result;
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

interface StartContext {
  deviceIds: Map<string, string>;
  platformOf: Map<string, Platform>;
  recorder: string;
}

const ids = (ctx: StartContext, names: string[]) => names.map((n) => ctx.deviceIds.get(n)!);

async function startRun(
  gql: ReturnType<typeof graphqlClient>,
  r: RunPlan,
  entry: LaunchedRun,
  ctx: StartContext,
): Promise<void> {
  if (r.kind === 'collection') {
    const p = r as CollectionPlan;
    const platforms = [...new Set(p.devices.map((d) => ctx.platformOf.get(d)!))];
    const commandsFor = (platform: Platform) => [
      markerCommand(platform, p.key),
      ...(p.withConfig ? [configCommand(platform)] : []),
    ];
    const data = await gql.request<{ startCollection: { id: string } }>(
      `mutation ($input: StartCollectionInput!) { startCollection(input: $input) { id } }`,
      {
        input: {
          deviceIds: ids(ctx, p.devices),
          commands: commandsFor('cisco_ios'),
          commandsByPlatform: platforms.map((platform) => ({ platform, commands: commandsFor(platform) })),
          concurrency: p.concurrency,
        },
      },
    );
    entry.runIds = [data.startCollection.id];
  } else if (r.kind === 'change') {
    const p = r as ChangePlan;
    const platforms = [...new Set(p.devices.map((d) => ctx.platformOf.get(d)!))];
    const configFor = (platform: Platform) => {
      const lines = p.ips.map((ip) => ntpLine(platform, ip));
      if (p.bogusPlatform === platform) lines.splice(Math.ceil(lines.length / 2), 0, BOGUS_LINE);
      return lines.join('\n');
    };
    const data = await gql.request<{ startChange: { id: string } }>(
      `mutation ($input: StartChangeInput!) { startChange(input: $input) { id } }`,
      {
        input: {
          reason: `chaos-${p.key}`,
          deviceIds: ids(ctx, p.devices),
          configByPlatform: platforms.map((platform) => ({ platform, config: configFor(platform) })),
          failurePolicy: p.failurePolicy,
          maxFailures: p.maxFailures,
          concurrency: p.concurrency,
        },
      },
    );
    entry.runIds = [data.startChange.id];
  } else if (r.kind === 'task') {
    const p = r as TaskPlan;
    const http = (path: string) => ({
      kind: 'http.request',
      params: { method: 'POST', url: `${ctx.recorder}${path}` },
    });
    const definition = {
      name: `chaos-${p.key}`,
      inputSchema: { type: 'object', properties: { key: { type: 'string' } } },
      steps: [
        { id: 'mark', ...http(`/do/${p.key}/mark`), compensate: http(`/undo/${p.key}/mark`) },
        {
          id: 'vlan',
          kind: 'ssh.configure',
          dependsOn: ['mark'],
          params: { devices: { names: p.configure }, lines: [`vlan ${p.vlan}`, ` name chaos-${p.key}`] },
          compensate: {
            kind: 'ssh.configure',
            params: { devices: { names: p.configure }, lines: [`no vlan ${p.vlan}`] },
          },
        },
        {
          id: 'fan',
          kind: 'fanout',
          dependsOn: ['vlan'],
          params: {
            items: p.items,
            concurrency: 3,
            step: { kind: 'http.request', params: { url: `${ctx.recorder}/item/${p.key}/{{ item }}` } },
          },
        },
        { id: 'last', ...http(`/${p.fail ? 'fail' : 'do'}/${p.key}/last`), dependsOn: ['fan'] },
      ],
    };
    try {
      await gql.request(`mutation ($input: SaveTaskInput!) { createTask(input: $input) { id } }`, {
        input: { definition },
      });
    } catch (error) {
      // Created by an earlier attempt whose answer was lost.
      if (!(
        error instanceof GraphQLRequestError && error.errors.every((e) => e.extensions?.code === 'CONFLICT')
      ))
        throw error;
    }
    const data = await gql.request<{ startTaskRun: { id: string } }>(
      `mutation ($input: StartTaskRunInput!) { startTaskRun(input: $input) { id } }`,
      { input: { task: `chaos-${p.key}`, inputs: { key: p.key } } },
    );
    entry.runIds = [data.startTaskRun.id];
  } else {
    const p = r as SchedulePlan;
    const data = await gql.request<{ createSchedule: { id: string } }>(
      `mutation ($input: CreateScheduleInput!) { createSchedule(input: $input) { id } }`,
      {
        input: {
          name: `chaos-${p.key}`,
          task: 'chaos-scheduled',
          spec: { intervals: [{ everySeconds: p.everySeconds }] },
          policy: { overlap: 'ALLOW_ALL' },
          remainingActions: p.fires,
        },
      },
    );
    entry.scheduleId = data.createSchedule.id;
  }
}

/** What a start that failed (or whose answer was lost) left in the database. */
async function findStored(
  query: <T extends object>(sql: string, params?: unknown[]) => Promise<T[]>,
  r: RunPlan,
): Promise<{ runIds: string[]; scheduleId?: string }> {
  if (r.kind === 'schedule') {
    const rows = await query<{ id: string }>(`SELECT id FROM schedules WHERE name = $1`, [`chaos-${r.key}`]);
    return { runIds: [], scheduleId: rows[0]?.id };
  }
  const sql =
    r.kind === 'collection'
      ? `SELECT id FROM runs WHERE EXISTS (SELECT 1 FROM unnest(commands) c WHERE c LIKE '%chaos-' || $1) ORDER BY created_at`
      : r.kind === 'change'
        ? `SELECT id FROM runs WHERE change_spec->>'reason' = 'chaos-' || $1 ORDER BY created_at`
        : `SELECT id FROM runs WHERE inputs->>'key' = $1 AND parent_run_id IS NULL ORDER BY created_at`;
  const rows = await query<{ id: string }>(sql, [r.key]);
  return { runIds: rows.map((x) => x.id) };
}
