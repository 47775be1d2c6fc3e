import { Client, Connection } from '@temporalio/client';
import {
  spawnWorkerProcess,
  startInProcessWorker,
  startStack,
  waitFor,
  type InProcessWorker,
  type Stack,
} from './support/harness';
import { createTask, getTaskRun, startTaskRun, step, waitForStep, waitForTaskRunEnd } from './support/tasks';

/** When a per-device step's item actually started on the device. */
async function itemStarted(stack: Stack, runId: string, stepId: string): Promise<Date> {
  const { rows } = await stack.db.query<{ started_at: Date }>(
    `SELECT min(started_at) AS started_at FROM run_step_items WHERE run_id = $1 AND step_key = $2`,
    [runId, stepId],
  );
  return rows[0].started_at;
}

describe('device locks and maintenance windows', () => {
  let stack: Stack;
  let worker: InProcessWorker | undefined;
  let target: string;

  const changeTask = (
    name: string,
    vlan: number,
    holdSeconds: number,
    safety: Record<string, unknown> = {},
  ) =>
    createTask(stack, {
      name,
      safety,
      steps: [
        {
          id: 'push',
          kind: 'ssh.configure',
          params: { devices: { names: [target] }, lines: [`vlan ${vlan}`, ' name SAFETY'] },
        },
        { id: 'hold', kind: 'sleep', params: { seconds: holdSeconds }, dependsOn: ['push'] },
      ],
    });

  beforeAll(async () => {
    stack = await startStack({
      lab: { devices: 6, mix: { cisco_ios: 6 } },
      worker: false,
      env: { COLLECTION_HEARTBEAT_TIMEOUT_MS: '3000', RUNS_RECONCILE_INTERVAL_MS: '1000' },
    });
    target = stack.lab.devices()[0].name;
    await changeTask('hold-4s', 501, 4);
    // Holds its lock until the test approves: a worker restart of any length cannot outlast it.
    await createTask(stack, {
      name: 'hold-until-approved',
      steps: [
        {
          id: 'push',
          kind: 'ssh.configure',
          params: { devices: { names: [target] }, lines: ['vlan 502', ' name SAFETY'] },
        },
        { id: 'hold', kind: 'approval', params: { timeoutSeconds: 3600 }, dependsOn: ['push'] },
      ],
    });
    await changeTask('hold-long', 503, 600);
    await changeTask('quick', 504, 0);
    await changeTask('quick-or-refuse', 505, 0, { onLocked: 'REFUSE' });
  });
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });
  const inProcess = async () => {
    worker ??= await startInProcessWorker(stack.config);
  };

  it('a second run changing the same device waits until the first ends, its position reported', async () => {
    await inProcess();
    const first = await startTaskRun(stack, 'hold-4s');
    await waitForStep(stack, first.id, 'hold', ['RUNNING']);
    const second = await startTaskRun(stack, 'quick');
    await waitForStep(stack, second.id, 'push', ['WAITING_LOCK']);
    const { deviceLocks } = await stack.gql.request<{
      deviceLocks: { deviceName: string; runId: string; waiting: string[] }[];
    }>(`{ deviceLocks { deviceName runId waiting } }`);
    expect(deviceLocks).toEqual([{ deviceName: target, runId: first.id, waiting: [second.id] }]);
    const events = await stack.db.query<{ message: string }>(
      `SELECT message FROM run_events WHERE run_id = $1 AND message LIKE '%waits%'`,
      [second.id],
    );
    expect(events.rows[0].message).toBe(
      `step push waits: devices locked by run ${first.id}; position 1 in the queue`,
    );

    const a = await waitForTaskRunEnd(stack, first.id);
    const b = await waitForTaskRunEnd(stack, second.id);
    expect([a.status, b.status]).toEqual(['COMPLETED', 'COMPLETED']);
    expect((await itemStarted(stack, second.id, 'push')).getTime()).toBeGreaterThanOrEqual(
      Date.parse(a.finishedAt!),
    );
    expect(
      (await stack.gql.request<{ deviceLocks: unknown[] }>(`{ deviceLocks { runId } }`)).deviceLocks,
    ).toEqual([]);
  });

  it('refuses instead of waiting when the task says so; read-only steps take no lock', async () => {
    await inProcess();
    const first = await startTaskRun(stack, 'hold-4s');
    await waitForStep(stack, first.id, 'hold', ['RUNNING']);
    const refused = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'quick-or-refuse')).id);
    expect(refused.status).toBe('FAILED');
    expect(step(refused, 'push')).toMatchObject({ status: 'FAILED', errorKind: 'DEVICE_LOCKED' });
    await createTask(stack, {
      name: 'look',
      steps: [
        {
          id: 'show',
          kind: 'ssh.commands',
          params: { devices: { names: [target] }, commands: ['show vlan'] },
        },
      ],
    });
    const look = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'look')).id);
    expect(look.status).toBe('COMPLETED');
    expect((await getTaskRun(stack, first.id)).status).toBe('RUNNING');
    expect((await waitForTaskRunEnd(stack, first.id)).status).toBe('COMPLETED');
  });

  it('keeps honouring a lock after the worker holding it is killed, and releases it when the run ends', async () => {
    await worker?.stop();
    worker = undefined;
    let proc = spawnWorkerProcess(stack.env);
    try {
      const first = await startTaskRun(stack, 'hold-until-approved');
      await waitForStep(stack, first.id, 'hold', ['WAITING_APPROVAL'], 120_000);
      proc.kill('SIGKILL');
      await new Promise((resolve) => proc.once('exit', resolve));
      proc = spawnWorkerProcess(stack.env);
      const second = await startTaskRun(stack, 'quick');
      await waitForStep(stack, second.id, 'push', ['WAITING_LOCK'], 120_000);
      await stack.gql.request(
        `mutation ($input: StepDecisionInput!) { decideStep(input: $input) { stepId } }`,
        {
          input: { runId: first.id, stepId: 'hold', approve: true, by: 'test' },
        },
      );
      const a = await waitForTaskRunEnd(stack, first.id);
      const b = await waitForTaskRunEnd(stack, second.id);
      expect([a.status, b.status]).toEqual(['COMPLETED', 'COMPLETED']);
      expect((await itemStarted(stack, second.id, 'push')).getTime()).toBeGreaterThanOrEqual(
        Date.parse(a.finishedAt!),
      );
    } finally {
      proc.kill('SIGTERM');
      await new Promise((resolve) => proc.once('exit', resolve));
    }
  });

  it('releases the locks of a run whose workflow an operator terminated', async () => {
    await inProcess();
    const first = await startTaskRun(stack, 'hold-long');
    await waitForStep(stack, first.id, 'hold', ['RUNNING']);
    const second = await startTaskRun(stack, 'quick');
    await waitForStep(stack, second.id, 'push', ['WAITING_LOCK']);
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    try {
      await new Client({ connection }).workflow.getHandle(first.workflowId).terminate('operator');
    } finally {
      await connection.close();
    }
    expect((await waitForTaskRunEnd(stack, second.id)).status).toBe('COMPLETED');
    const a = await getTaskRun(stack, first.id);
    expect(a.status).toBe('FAILED');
    expect(a.error).toMatch(/workflow terminated without finishing the run/);
  });

  it('a change outside its maintenance window waits and starts when the window opens', async () => {
    await inProcess();
    const opens = new Date(Date.now() + 6000);
    await stack.gql.request(
      `mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { open opensAt } }`,
      {
        input: {
          name: 'lab-a-soon',
          site: 'lab-a',
          startAt: opens.toISOString(),
          endAt: new Date(Date.now() + 120_000).toISOString(),
        },
      },
    );
    try {
      const run = await startTaskRun(stack, 'quick');
      const waiting = await waitForStep(stack, run.id, 'push', ['WAITING_WINDOW']);
      expect(step(waiting, 'push').status).toBe('WAITING_WINDOW');
      const done = await waitForTaskRunEnd(stack, run.id);
      expect(done.status).toBe('COMPLETED');
      expect((await itemStarted(stack, run.id, 'push')).getTime()).toBeGreaterThanOrEqual(opens.getTime());
    } finally {
      await stack.gql.request(`mutation { deleteMaintenanceWindow(name: "lab-a-soon") }`);
    }
  });

  it('limits the blast radius: at most N devices, or N % of a site, changed at the same time', async () => {
    await inProcess();
    for (const d of stack.lab.devices()) stack.lab.setFaults(d.name, { commandLatencyMs: 300 });
    /** The most items of the step that were working on a device at the same moment. */
    const peak = async (runId: string) => {
      const { rows } = await stack.db.query<{ started_at: Date; finished_at: Date }>(
        `SELECT started_at, finished_at FROM run_step_items WHERE run_id = $1 AND step_key = 'push'`,
        [runId],
      );
      expect(rows).toHaveLength(6);
      return Math.max(
        ...rows.map(
          (r) => rows.filter((o) => o.started_at <= r.started_at && r.started_at < o.finished_at).length,
        ),
      );
    };
    const radius = async (name: string, safety: Record<string, unknown>) => {
      await createTask(stack, {
        name,
        safety,
        steps: [
          {
            id: 'push',
            kind: 'ssh.configure',
            params: { devices: { tags: ['lab'] }, lines: ['vlan 601', ' name RADIUS'], concurrency: 10 },
          },
        ],
      });
      const run = await waitForTaskRunEnd(stack, (await startTaskRun(stack, name)).id);
      expect(run.status).toBe('COMPLETED');
      return peak(run.id);
    };
    try {
      expect(await radius('radius-unbounded', {})).toBeGreaterThan(2);
      expect(await radius('radius-two', { maxDevicesAtOnce: 2 })).toBe(2);
      // 3 devices per site: 34 % of a site is one device.
      expect(await radius('radius-site', { maxPercentOfSite: 34 })).toBe(1);
    } finally {
      for (const d of stack.lab.devices()) stack.lab.clearFaults(d.name);
    }
  });

  it('refuses a bad window spec naming the field', async () => {
    const bad = (input: Record<string, unknown>) =>
      stack.gql.request(
        `mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { id } }`,
        {
          input: { name: 'bad', ...input },
        },
      );
    await expect(bad({ cron: '0 22 * * 6', durationSeconds: 3600, timezone: 'Mars/Base' })).rejects.toThrow(
      /BAD_USER_INPUT: timezone: unknown time zone "Mars\/Base"/,
    );
    await expect(bad({ cron: '99 * * * *', durationSeconds: 3600 })).rejects.toThrow(
      /BAD_USER_INPUT: cron: /,
    );
    await expect(bad({ cron: '0 22 * * 6' })).rejects.toThrow(
      /BAD_USER_INPUT: durationSeconds: is required with cron/,
    );
    // An empty time zone used to be stored and then broke the list for everyone (INTERNAL).
    await expect(bad({ cron: '0 22 * * 6', durationSeconds: 3600, timezone: '' })).rejects.toThrow(
      /BAD_USER_INPUT: timezone: must be an IANA time zone/,
    );
    expect((await stack.db.query(`SELECT 1 FROM maintenance_windows WHERE name = 'bad'`)).rowCount).toBe(0);
    // A row that cannot be read (written before the check existed) shows closed; the list still answers.
    await stack.db.query(
      `INSERT INTO maintenance_windows (name, cron, duration_seconds, timezone) VALUES ('legacy', '0 22 * * 6', 3600, '')`,
    );
    try {
      const { maintenanceWindows } = await stack.gql.request<{
        maintenanceWindows: { name: string; open: boolean; opensAt: string | null }[];
      }>(`{ maintenanceWindows { name open opensAt } }`);
      expect(maintenanceWindows).toContainEqual({ name: 'legacy', open: false, opensAt: null });
    } finally {
      await stack.db.query(`DELETE FROM maintenance_windows WHERE name = 'legacy'`);
    }
  });

  afterEach(async () => {
    await waitFor(
      'no locks left',
      async () => ((await stack.db.query(`SELECT 1 FROM device_locks`)).rowCount === 0 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });
});
