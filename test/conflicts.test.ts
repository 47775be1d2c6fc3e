import { startStack, waitFor, type Stack } from './support/harness';
import { deleteSchedule } from './support/schedules';
import { createTask, expectBadInput, startTaskRun, waitForStep, waitForTaskRunEnd } from './support/tasks';

interface ConflictView {
  kind: string;
  message: string;
  stepId: string | null;
  deviceIds: string[];
  deviceCount: number;
  otherScheduleId: string | null;
  otherScheduleName: string | null;
  otherRunId: string | null;
  at: string | null;
}

const CONFLICT_FIELDS = `conflicts { kind message stepId deviceIds deviceCount otherScheduleId otherScheduleName otherRunId at }`;

describe('conflict report', () => {
  let stack: Stack;
  const created: string[] = [];
  const windows: string[] = [];
  /** Device names: even indexes are in site lab-a, odd ones in lab-b. */
  let d: string[];
  const id = (name: string) => stack.deviceIds.get(name)!;
  // A daily time 12 hours away: nothing fires while the test runs.
  const hour = (new Date().getUTCHours() + 12) % 24;
  const daily = { cron: [`0 ${hour} * * *`], timezone: 'UTC' };
  const nextFire = () => {
    const t = new Date();
    t.setUTCHours(hour, 0, 0, 0);
    if (t.getTime() <= Date.now()) t.setUTCDate(t.getUTCDate() + 1);
    return t.toISOString();
  };

  const schedule = async (name: string, task: string, names: string[], spec: object = daily) => {
    const data = await stack.gql.request<{ createSchedule: { id: string; conflicts: ConflictView[] } }>(
      `mutation ($input: CreateScheduleInput!) { createSchedule(input: $input) { id ${CONFLICT_FIELDS} } }`,
      { input: { name, task, inputs: { names }, spec } },
    );
    created.push(data.createSchedule.id);
    return data.createSchedule;
  };
  const conflictsOf = async (idOrName: string) =>
    (
      await stack.gql.request<{ schedule: { conflicts: ConflictView[] } }>(
        `query ($id: String!) { schedule(id: $id) { ${CONFLICT_FIELDS} } }`,
        { id: idOrName },
      )
    ).schedule.conflicts;
  const preview = async (input: Record<string, unknown>) =>
    (
      await stack.gql.request<{ scheduleConflicts: ConflictView[] }>(
        `query ($input: CreateScheduleInput!) { scheduleConflicts(input: $input) { kind message stepId deviceIds deviceCount otherScheduleId otherScheduleName otherRunId at } }`,
        { input },
      )
    ).scheduleConflicts;
  const runConflicts = async (runId: string) =>
    (
      await stack.gql.request<{ run: { status: string; conflicts: ConflictView[] } }>(
        `query ($id: ID!) { run(id: $id) { status ${CONFLICT_FIELDS} } }`,
        { id: runId },
      )
    ).run;
  const window = async (name: string, input: Record<string, unknown>) => {
    await stack.gql.request(
      `mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { id } }`,
      { input: { name, ...input } },
    );
    windows.push(name);
  };
  const dropWindow = async (name: string) => {
    await stack.gql.request(`mutation ($name: String!) { deleteMaintenanceWindow(name: $name) }`, { name });
    windows.splice(windows.indexOf(name), 1);
  };
  const cancel = (runId: string) =>
    stack.gql.request(`mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: runId });

  const namesInput = { type: 'object', properties: { names: { type: 'array', items: { type: 'string' } } } };
  const devicesParam = { names: '{{ inputs.names }}' };

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 6, mix: { cisco_ios: 6 } } });
    d = stack.lab.devices().map((x) => x.name);
    await createTask(stack, {
      name: 'vlan-push',
      inputSchema: namesInput,
      steps: [{ id: 'push', kind: 'ssh.configure', params: { devices: devicesParam, lines: ['vlan 701'] } }],
    });
    await createTask(stack, {
      name: 'look',
      inputSchema: namesInput,
      steps: [
        { id: 'show', kind: 'ssh.commands', params: { devices: devicesParam, commands: ['show vlan'] } },
      ],
    });
    await createTask(stack, {
      name: 'push-and-hold',
      inputSchema: namesInput,
      steps: [
        { id: 'push', kind: 'ssh.configure', params: { devices: devicesParam, lines: ['vlan 702'] } },
        { id: 'hold', kind: 'sleep', params: { seconds: 600 }, dependsOn: ['push'] },
      ],
    });
  });
  afterAll(async () => {
    for (const s of [...created]) await deleteSchedule(stack, s).catch(() => undefined);
    for (const w of [...windows]) await dropWindow(w).catch(() => undefined);
    await stack?.stop();
  });

  it('reports overlapping change schedules on shared devices, on both sides, and nothing for disjoint ones', async () => {
    const first = await schedule('push-a', 'vlan-push', [d[0], d[1], d[2]]);
    expect(first.conflicts).toEqual([]);

    const second = await schedule('push-b', 'vlan-push', [d[1], d[2], d[3]]);
    expect(second.conflicts).toHaveLength(1);
    const overlap = second.conflicts[0];
    expect(overlap).toMatchObject({
      kind: 'SCHEDULE_OVERLAP',
      otherScheduleId: first.id,
      otherScheduleName: 'push-a',
      otherRunId: null,
      deviceCount: 2,
      at: nextFire(),
    });
    expect(new Set(overlap.deviceIds)).toEqual(new Set([id(d[1]), id(d[2])]));
    expect(overlap.message).toContain('schedule "push-a" (task vlan-push)');
    expect(overlap.message).toContain(`2 shared devices (${d[1]} and ${d[2]}; both change them)`);
    expect(overlap.message).toContain('about 10 min (default; no finished runs and no step timeouts)');

    // Read later, the first schedule sees the second.
    expect((await conflictsOf('push-a')).map((c) => [c.kind, c.otherScheduleName, c.deviceCount])).toEqual([
      ['SCHEDULE_OVERLAP', 'push-b', 2],
    ]);

    // Disjoint devices: nothing.
    expect((await schedule('push-c', 'vlan-push', [d[4], d[5]])).conflicts).toEqual([]);
    // Another time of day: nothing either.
    const other = { cron: [`30 ${(hour + 6) % 24} * * *`], timezone: 'UTC' };
    expect((await schedule('push-d', 'vlan-push', [d[0]], other)).conflicts).toEqual([]);
  });

  it('read-only schedules do not conflict with each other; one reading devices another changes does', async () => {
    // push-c changes d4 and d5; two read-only schedules on d5 see push-c but not each other.
    const look1 = await schedule('look-1', 'look', [d[5]]);
    expect(look1.conflicts.map((c) => c.otherScheduleName)).toEqual(['push-c']);
    expect(look1.conflicts[0].message).toContain('"push-c" changes them');
    const look2 = await schedule('look-2', 'look', [d[5]]);
    expect(look2.conflicts.map((c) => c.otherScheduleName)).toEqual(['push-c']);
    // push-c is paused: not compared any more.
    await stack.gql.request(`mutation { pauseSchedule(id: "push-c") { paused } }`);
    expect(await conflictsOf('look-1')).toEqual([]);
    expect(await preview({ name: 'look-3', task: 'look', inputs: { names: [d[5]] }, spec: daily })).toEqual(
      [],
    );
  });

  it('previews what creation would report, saves nothing, and refuses bad input naming the field', async () => {
    const input = { name: 'push-e', task: 'vlan-push', inputs: { names: [d[2], d[3]] }, spec: daily };
    const before = await stack.db.query(`SELECT count(*)::int AS n FROM schedules`);
    const previewed = await preview(input);
    expect(previewed.map((c) => c.otherScheduleName).sort()).toEqual(['push-a', 'push-b']);
    expect((await stack.db.query(`SELECT count(*)::int AS n FROM schedules`)).rows).toEqual(before.rows);
    expect(await stack.db.query(`SELECT 1 FROM schedules WHERE name = 'push-e'`)).toMatchObject({
      rowCount: 0,
    });

    const saved = await schedule('push-e', 'vlan-push', [d[2], d[3]]);
    expect(saved.conflicts).toEqual(previewed);

    expect(await expectBadInput(preview({ ...input, spec: { cron: ['0 25 * * *'] } }))).toEqual([
      expect.objectContaining({ field: 'spec.cron[0]' }),
    ]);
    expect(await expectBadInput(preview({ ...input, task: 'no-such-task' }))).toEqual([
      { field: 'task', message: 'no task "no-such-task"' },
    ]);
    expect(await expectBadInput(preview({ ...input, inputs: { names: 'sw1' } }))).toEqual([
      expect.objectContaining({ field: expect.stringMatching(/^inputs/) }),
    ]);
  });

  it('reports devices whose windows never open within the horizon', async () => {
    // A one-off window in the past covers lab-b (odd devices): they can never be changed again.
    await window('lab-b-gone', {
      site: 'lab-b',
      startAt: new Date(Date.now() - 7200_000).toISOString(),
      endAt: new Date(Date.now() - 3600_000).toISOString(),
    });
    // A weekly window for lab-a opens within 7 days: lab-a devices are fine.
    await window('lab-a-weekly', {
      site: 'lab-a',
      cron: '0 1 * * 0',
      durationSeconds: 3600,
      timezone: 'UTC',
    });
    try {
      const input = { name: 'win-1', task: 'vlan-push', inputs: { names: [d[0], d[1], d[3]] }, spec: daily };
      const found = (await preview(input)).filter((c) => c.kind === 'WINDOW_NEVER_OPENS');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ deviceCount: 2, at: nextFire() });
      expect(new Set(found[0].deviceIds)).toEqual(new Set([id(d[1]), id(d[3])]));
      expect(found[0].message).toContain(`2 devices changed by this schedule (${d[1]} and ${d[3]})`);
      // Read-only steps need no window.
      expect(
        (await preview({ ...input, name: 'win-2', task: 'look' })).filter(
          (c) => c.kind === 'WINDOW_NEVER_OPENS',
        ),
      ).toEqual([]);
    } finally {
      await dropWindow('lab-b-gone');
      await dropWindow('lab-a-weekly');
    }
  });

  it('reports a run that will wait for devices another run holds, naming the holder; none once finished', async () => {
    const holder = await startTaskRun(stack, 'push-and-hold', { names: [d[0]] });
    await waitForStep(stack, holder.id, 'hold', ['RUNNING']);
    const data = await stack.gql.request<{ startTaskRun: { id: string; conflicts: ConflictView[] } }>(
      `mutation ($input: StartTaskRunInput!) { startTaskRun(input: $input) { id ${CONFLICT_FIELDS} } }`,
      { input: { task: 'vlan-push', inputs: { names: [d[0], d[2]] } } },
    );
    const waiting = data.startTaskRun;
    const locked = waiting.conflicts.filter((c) => c.kind === 'DEVICE_LOCKED');
    expect(locked).toEqual([
      expect.objectContaining({ otherRunId: holder.id, deviceIds: [id(d[0])], deviceCount: 1 }),
    ]);
    expect(locked[0].message).toBe(
      `1 device of step push (${d[0]}) is locked by run ${holder.id}: the step will wait in the queue until that run ends (safety.onLocked WAIT, at most 1 h, then LOCK_TIMEOUT).`,
    );
    // The holder itself holds its locks: no conflict for it.
    expect((await runConflicts(holder.id)).conflicts).toEqual([]);

    await cancel(holder.id);
    expect((await waitForTaskRunEnd(stack, waiting.id)).status).toBe('COMPLETED');
    await waitForTaskRunEnd(stack, holder.id);
    expect(await runConflicts(waiting.id)).toEqual({ status: 'COMPLETED', conflicts: [] });
  });

  it('reports a run outside its window with the next opening, and that it waits', async () => {
    const opens = new Date(Math.ceil((Date.now() + 3600_000) / 1000) * 1000);
    await window('lab-a-later', {
      site: 'lab-a',
      startAt: opens.toISOString(),
      endAt: new Date(opens.getTime() + 3600_000).toISOString(),
    });
    try {
      const run = await startTaskRun(stack, 'vlan-push', { names: [d[0], d[1]] });
      const { conflicts } = await runConflicts(run.id);
      expect(conflicts).toEqual([
        expect.objectContaining({
          kind: 'WINDOW_CLOSED',
          at: opens.toISOString(),
          deviceIds: [id(d[0])],
          deviceCount: 1,
          otherRunId: null,
        }),
      ]);
      expect(conflicts[0].message).toMatch(
        new RegExp(
          `^1 device of step push \\(${d[0]}\\) is outside its maintenance window now; the next window opens at ${opens.toISOString()}: it will wait until then \\(safety.onClosedWindow WAIT, about (59 min|1 h)\\)\\.$`,
        ),
      );
      await waitForStep(stack, run.id, 'push', ['WAITING_WINDOW']);
      await cancel(run.id);
      await waitForTaskRunEnd(stack, run.id);
    } finally {
      await dropWindow('lab-a-later');
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
