import type { INestApplication } from '@nestjs/common';
import * as net from 'node:net';
import { startApi } from '../apps/api/src/bootstrap';
import { ReachabilitySchedule, REACHABILITY_NAME } from '../graphql/devices/reachability-schedule';
import { loadConfig } from '../libs/config/src/config';
import { GraphQLRequestError } from '../scripts/graphql-client';
import { startStack, type Stack } from './support/harness';
import {
  deleteSchedule,
  getSchedule,
  isFinal,
  scheduleMutation,
  waitForScheduleRuns,
} from './support/schedules';
import { expectBadInput, startTaskRun, step, waitForTaskRunEnd } from './support/tasks';

interface Reachability {
  status: string;
  checkedAt: string | null;
  changedAt: string | null;
  latencyMs: number | null;
  error: string | null;
}

interface Check {
  checkedAt: string;
  status: string;
  connectMs: number | null;
  bannerMs: number | null;
  banner: string | null;
  errorKind: string | null;
  errorMessage: string | null;
  nodeId: string | null;
  runId: string | null;
}

const CHECK_FIELDS = 'checkedAt status connectMs bannerMs banner errorKind errorMessage nodeId runId';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('device reachability', () => {
  let stack: Stack;
  const names: string[] = [];
  const SLOW_MS = 400;

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 3 } });
    names.push(...[...stack.deviceIds.keys()].sort());
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const reachabilityOf = async (): Promise<Map<string, Reachability>> => {
    const data = await stack.gql.request<{
      devices: { edges: { node: { name: string; reachability: Reachability } }[] };
    }>(
      `{ devices(first: 100) { edges { node { name reachability { status checkedAt changedAt latencyMs error } } } } }`,
    );
    return new Map(data.devices.edges.map((e) => [e.node.name, e.node.reachability]));
  };
  const checksOf = async (deviceId: string, extra = ''): Promise<Check[]> => {
    const data = await stack.gql.request<{ deviceChecks: Check[] }>(
      `query ($id: ID!) { deviceChecks(deviceId: $id${extra}) { ${CHECK_FIELDS} } }`,
      { id: deviceId },
    );
    return data.deviceChecks;
  };

  it('records UP with banner and latency, DOWN with REFUSED, connect latency, and status changes', async () => {
    // A task from the template under another name: the built-in one is the schedule test's.
    await stack.gql.request(
      `mutation { createTaskFromTemplate(input: { template: "device-reachability", name: "reach-now", params: { timeoutSeconds: 2 } }) { id } }`,
    );
    const [{ credential_id: credentialId }] = (
      await stack.db.query<{ credential_id: string }>('SELECT credential_id FROM devices LIMIT 1')
    ).rows;
    const deadPort = await closedPort();
    const dead = await stack.gql.request<{ createDevice: { id: string } }>(
      `mutation ($input: CreateDeviceInput!) { createDevice(input: $input) { id } }`,
      {
        input: {
          name: 'nothing-listens',
          host: '127.0.0.1',
          port: deadPort,
          platform: 'cisco_ios',
          credentialId,
        },
      },
    );
    const [fast, slow, flapping] = names;
    stack.lab.setFaults(slow, { connectLatencyMs: SLOW_MS });

    // Never checked yet.
    expect([...(await reachabilityOf()).values()].every((r) => r.status === 'UNKNOWN')).toBe(true);

    const run = await startTaskRun(stack, 'reach-now');
    const done = await waitForTaskRunEnd(stack, run.id);
    expect(done.status).toBe('COMPLETED');
    const output = step(done, 'check').output as {
      total: number;
      up: number;
      down: number;
      devices: {
        name: string;
        status: string;
        error: string | null;
        latencyMs: number | null;
        banner: string | null;
      }[];
    };
    expect(output).toMatchObject({ total: 4, up: 3, down: 1 });
    expect(output.devices.map((d) => [d.name, d.status])).toEqual(
      [...names, 'nothing-listens'].sort().map((n) => [n, n === 'nothing-listens' ? 'DOWN' : 'UP']),
    );
    expect(output.devices.find((d) => d.name === 'nothing-listens')!.error).toMatch(/^REFUSED: /);
    // The lab identifies itself as each vendor does.
    for (const d of output.devices.filter((x) => x.status === 'UP')) expect(d.banner).toMatch(/^SSH-2\.0-/);

    const now = await reachabilityOf();
    for (const name of names) {
      expect(now.get(name)).toMatchObject({ status: 'UP', error: null });
      expect(now.get(name)!.latencyMs).toEqual(expect.any(Number));
      expect(now.get(name)!.changedAt).toBe(now.get(name)!.checkedAt);
    }
    expect(now.get(slow)!.latencyMs!).toBeGreaterThanOrEqual(SLOW_MS);
    expect(now.get('nothing-listens')).toMatchObject({ status: 'DOWN', latencyMs: null });
    expect(now.get('nothing-listens')!.error).toMatch(/^REFUSED: .*ECONNREFUSED/);

    const [fastCheck] = await checksOf(stack.deviceIds.get(fast)!);
    expect(fastCheck).toMatchObject({
      status: 'UP',
      errorKind: null,
      errorMessage: null,
      nodeId: stack.config.nodes.id,
      runId: run.id,
    });
    expect(fastCheck.banner).toMatch(/^SSH-2\.0-/);
    expect(fastCheck.bannerMs!).toBeGreaterThanOrEqual(fastCheck.connectMs!);
    const [deadCheck] = await checksOf(dead.createDevice.id);
    expect(deadCheck).toMatchObject({ status: 'DOWN', errorKind: 'REFUSED', connectMs: null, banner: null });

    // The devices list filters on it.
    const down = await stack.gql.request<{ devices: { edges: { node: { name: string } }[] } }>(
      `{ devices(filter: { reachability: DOWN }) { edges { node { name } } } }`,
    );
    expect(down.devices.edges.map((e) => e.node.name)).toEqual(['nothing-listens']);

    // UP → DOWN: one device's port is closed now; another stays UP.
    const before = await reachabilityOf();
    await stack.gql.request(
      `mutation ($id: ID!, $port: Int!) { updateDevice(id: $id, input: { port: $port }) { id } }`,
      {
        id: stack.deviceIds.get(flapping),
        port: await closedPort(),
      },
    );
    const again = await startTaskRun(stack, 'reach-now', { selector: { names: [flapping, fast] } });
    expect((await waitForTaskRunEnd(stack, again.id)).status).toBe('COMPLETED');
    const after = await reachabilityOf();
    expect(after.get(flapping)).toMatchObject({ status: 'DOWN', latencyMs: null });
    expect(Date.parse(after.get(flapping)!.changedAt!)).toBeGreaterThan(
      Date.parse(before.get(flapping)!.changedAt!),
    );
    expect(after.get(flapping)!.changedAt).toBe(after.get(flapping)!.checkedAt);
    // No change: checked again, changedAt kept.
    expect(after.get(fast)!.changedAt).toBe(before.get(fast)!.changedAt);
    expect(Date.parse(after.get(fast)!.checkedAt!)).toBeGreaterThan(Date.parse(before.get(fast)!.checkedAt!));
    // Not in the selector: untouched.
    expect(after.get(slow)).toEqual(before.get(slow));

    const history = await checksOf(stack.deviceIds.get(flapping)!);
    expect(history.map((c) => [c.status, c.runId])).toEqual([
      ['DOWN', again.id],
      ['UP', run.id],
    ]);
    const since = await checksOf(stack.deviceIds.get(flapping)!, ', since: "' + history[0].checkedAt + '"');
    expect(since.map((c) => c.status)).toEqual(['DOWN']);
    expect((await checksOf(stack.deviceIds.get(flapping)!, ', first: 1')).map((c) => c.status)).toEqual([
      'DOWN',
    ]);
  });

  it('answers NOT_FOUND for an unknown device and BAD_USER_INPUT for a bad first', async () => {
    const missing = stack.gql.request(
      `{ deviceChecks(deviceId: "00000000-0000-4000-8000-000000000000") { status } }`,
    );
    await expect(missing).rejects.toBeInstanceOf(GraphQLRequestError);
    await missing.catch((e: GraphQLRequestError) => expect(e.errors[0].extensions?.code).toBe('NOT_FOUND'));
    const id = stack.deviceIds.get(names[0])!;
    for (const first of [0, 1001]) {
      const fields = await expectBadInput(
        stack.gql.request(
          `query ($id: ID!, $first: Int!) { deviceChecks(deviceId: $id, first: $first) { status } }`,
          {
            id,
            first,
          },
        ),
      );
      expect(fields.map((f) => f.field)).toEqual(['first']);
    }
  });

  it('runs as a schedule created at API start, once however many APIs start', async () => {
    const env = { ...stack.env, REACHABILITY_INTERVAL: '2s' };
    const apis: INestApplication[] = [];
    try {
      // Two API processes' worth of start-up at the same time, on the same database and Temporal.
      apis.push(...(await Promise.all([startApi(loadConfig(env)), startApi(loadConfig(env))])));
      await Promise.all(apis.map((api) => api.get(ReachabilitySchedule).ready));
      const counts = await stack.db.query<{ tasks: number; schedules: number }>(
        `SELECT (SELECT count(*)::int FROM tasks WHERE name = $1 AND deleted_at IS NULL) AS tasks,
                (SELECT count(*)::int FROM schedules WHERE name = $1) AS schedules`,
        [REACHABILITY_NAME],
      );
      expect(counts.rows[0]).toEqual({ tasks: 1, schedules: 1 });

      const schedule = await getSchedule(stack, REACHABILITY_NAME);
      expect(schedule).toMatchObject({
        taskName: REACHABILITY_NAME,
        paused: false,
        spec: { intervals: [{ everySeconds: 2, offsetSeconds: 0 }] },
        policy: { overlap: 'SKIP', pauseOnFailure: false },
      });

      const runs = await waitForScheduleRuns(
        stack,
        schedule.id,
        '2 finished runs',
        (r) => r.filter(isFinal).length >= 2,
        90_000,
      );
      const finished = runs.filter(isFinal).slice(0, 2);
      for (const r of finished) expect(r.status).toBe('COMPLETED');
      const checks = await stack.db.query<{ run_id: string; n: number }>(
        `SELECT run_id, count(*)::int AS n FROM device_checks WHERE run_id = ANY($1::uuid[]) GROUP BY run_id`,
        [finished.map((r) => r.id)],
      );
      // Every device (the lab's three and the closed port from the first test) once per run.
      expect(checks.rows.map((r) => r.n)).toEqual([4, 4]);

      // An operator pauses it; a later start (or ensure) leaves it as it is.
      await scheduleMutation(
        stack,
        'pauseSchedule',
        REACHABILITY_NAME,
        { note: 'quiet' },
        { note: 'String' },
      );
      expect(await apis[0].get(ReachabilitySchedule).ensure()).toEqual({
        task: 'exists',
        schedule: 'exists',
      });
      expect(await apis[1].get(ReachabilitySchedule).ensure()).toEqual({
        task: 'exists',
        schedule: 'exists',
      });
      expect(await getSchedule(stack, REACHABILITY_NAME)).toMatchObject({ paused: true, note: 'quiet' });
      const again = await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM schedules`);
      expect(again.rows[0].n).toBe(1);
    } finally {
      await deleteSchedule(stack, REACHABILITY_NAME).catch(() => undefined);
      for (const api of apis) await api.close();
    }
  });

  it('prunes history older than REACHABILITY_HISTORY_DAYS and keeps the rest', async () => {
    const api = await startApi(loadConfig({ ...stack.env, REACHABILITY_HISTORY_DAYS: '7' }));
    try {
      const { rows: devices } = await stack.db.query<{ id: string }>(`SELECT id FROM devices LIMIT 1`);
      const device = devices[0].id;
      await stack.db.query(
        `INSERT INTO device_checks (device_id, checked_at, status) VALUES
           ($1, now() - interval '8 days', 'UP'), ($1, now() - interval '9 days', 'DOWN'),
           ($1, now() - interval '6 days', 'UP')`,
        [device],
      );
      const count = async () =>
        (
          await stack.db.query<{ old: number; recent: number }>(
            `SELECT count(*) FILTER (WHERE checked_at < now() - interval '7 days')::int AS old,
                    count(*) FILTER (WHERE checked_at >= now() - interval '7 days')::int AS recent
               FROM device_checks WHERE device_id = $1`,
            [device],
          )
        ).rows[0];
      const before = await count();
      // The API prunes at start too; whatever it left, prune() removes, and nothing recent goes.
      await api.get(ReachabilitySchedule).prune();
      const after = await count();
      expect(after.old).toBe(0);
      expect(after.recent).toBe(before.recent);
      expect(after.recent).toBeGreaterThanOrEqual(1);
    } finally {
      await api.close();
    }
  });

  it('with REACHABILITY_INTERVAL off, creates nothing', async () => {
    const api = await startApi(loadConfig({ ...stack.env, REACHABILITY_INTERVAL: 'off' }));
    try {
      await api.get(ReachabilitySchedule).ready;
      expect(await api.get(ReachabilitySchedule).ensure()).toEqual({ task: 'off', schedule: 'off' });
      const { rows } = await stack.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM schedules WHERE name = $1`,
        [REACHABILITY_NAME],
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await api.close();
    }
  });
});
