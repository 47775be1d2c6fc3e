import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { startStack, waitFor, type Stack } from './support/harness';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  isFinal,
  ms,
  scheduleMutation,
  scheduleRuns,
  waitForScheduleRuns,
  type ScheduledRunView,
} from './support/schedules';
import { createTask, expectBadInput } from './support/tasks';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs never overlap: each starts after the one before it has finished. */
function expectSequential(runs: ScheduledRunView[]) {
  for (let i = 1; i < runs.length; i++) {
    expect(ms(runs[i].createdAt)).toBeGreaterThanOrEqual(ms(runs[i - 1].finishedAt));
  }
}

describe('schedules', () => {
  let stack: Stack;
  const created: string[] = [];

  const schedule = async (input: Record<string, unknown>) => {
    const s = await createSchedule(stack, input);
    created.push(s.id);
    return s;
  };
  /** Stop a schedule from firing (and from loading the shared dev server after its test). */
  const stop = async (id: string) => {
    await deleteSchedule(stack, id);
    created.splice(created.indexOf(id), 1);
  };

  beforeAll(async () => {
    // The reconciler (terminated scheduled runs) looks every second here.
    stack = await startStack({ lab: { devices: 1 }, env: { RUNS_RECONCILE_INTERVAL_MS: '1000' } });
    await createTask(stack, { name: 'quick', steps: [{ id: 'nap', kind: 'sleep', params: { seconds: 0 } }] });
    // Sleeps longer than the schedules below fire (every 2 s).
    await createTask(stack, { name: 'slow', steps: [{ id: 'nap', kind: 'sleep', params: { seconds: 5 } }] });
    // The same, after a step that has a compensation.
    await createTask(stack, {
      name: 'slow-undoable',
      steps: [
        {
          id: 'mark',
          kind: 'sleep',
          params: { seconds: 0 },
          compensate: { kind: 'sleep', params: { seconds: 0 } },
        },
        { id: 'nap', kind: 'sleep', params: { seconds: 5 }, dependsOn: ['mark'] },
      ],
    });
  });
  afterAll(async () => {
    for (const id of [...created]) await deleteSchedule(stack, id).catch(() => undefined);
    await stack?.stop();
  });

  it('fires every 3 s on time: each run starts within 2 s of its scheduled time', async () => {
    const s = await schedule({
      name: 'every-3s',
      task: 'quick',
      spec: { intervals: [{ everySeconds: 3 }] },
      policy: { overlap: 'ALLOW_ALL' },
    });
    expect(s.spec.timezone).toBe('Asia/Shanghai');
    const runs = await waitForScheduleRuns(
      stack,
      s.id,
      '3 finished runs',
      (r) => r.filter(isFinal).length >= 3,
    );
    await stop(s.id);
    const done = runs.filter(isFinal).slice(0, 3);
    for (const run of done) {
      expect(run.status).toBe('COMPLETED');
      expect(run.scheduleId).toBe(s.id);
      const scheduled = ms(run.scheduledAt);
      // On the 3-second grid from the epoch (offset 0).
      expect(scheduled % 3000).toBe(0);
      for (const t of [ms(run.createdAt), ms(run.startedAt)]) {
        expect(t - scheduled).toBeGreaterThanOrEqual(-100);
        expect(t - scheduled).toBeLessThan(2000);
      }
    }
    // Consecutive firings, 3 s apart.
    expect(ms(done[1].scheduledAt) - ms(done[0].scheduledAt)).toBe(3000);
    expect(ms(done[2].scheduledAt) - ms(done[1].scheduledAt)).toBe(3000);
  });

  describe('overlap policies (a 5 s run, firing every 2 s)', () => {
    const every2s = (name: string, overlap: string, extra: Record<string, unknown> = {}, task = 'slow') =>
      schedule({ name, task, spec: { intervals: [{ everySeconds: 2 }] }, policy: { overlap, ...extra } });

    it('SKIP: a firing while a run is going starts nothing; runs never overlap', async () => {
      const s = await every2s('skip', 'SKIP');
      const runs = await waitForScheduleRuns(
        stack,
        s.id,
        '2 finished runs',
        (r) => r.filter(isFinal).length >= 2,
      );
      const view = await getSchedule(stack, s.id);
      await stop(s.id);
      const done = runs.filter(isFinal);
      expectSequential(done);
      expect(view.actionsSkippedOverlap).toBeGreaterThan(0);
      for (const run of done) {
        expect(run.status).toBe('COMPLETED');
        // A run only ever starts for a firing that found nothing running: on time.
        expect(ms(run.scheduledAt) % 2000).toBe(0);
        expect(ms(run.createdAt) - ms(run.scheduledAt)).toBeLessThan(2000);
      }
      // The firings in between were skipped, not kept for later.
      expect(ms(done[1].scheduledAt) - ms(done[0].scheduledAt)).toBeGreaterThanOrEqual(4000);
    });

    it('BUFFER_ONE: the first firing during a run starts when it ends; later ones are skipped', async () => {
      const s = await every2s('buffer-one', 'BUFFER_ONE');
      const runs = await waitForScheduleRuns(
        stack,
        s.id,
        '2 finished runs',
        (r) => r.filter(isFinal).length >= 2,
      );
      const view = await getSchedule(stack, s.id);
      await stop(s.id);
      const [first, second] = runs;
      expectSequential(runs.filter(isFinal));
      // The second run is the firing right after the first one's: due while the first ran, started after it.
      expect(ms(second.scheduledAt) - ms(first.scheduledAt)).toBe(2000);
      expect(ms(second.scheduledAt)).toBeLessThan(ms(first.finishedAt));
      expect(ms(second.createdAt)).toBeGreaterThanOrEqual(ms(first.finishedAt));
      // The firing at +4 s found one already waiting.
      expect(view.actionsSkippedOverlap).toBeGreaterThan(0);
    });

    it('BUFFER_ALL: every firing runs, one after the other', async () => {
      const s = await every2s('buffer-all', 'BUFFER_ALL');
      const runs = await waitForScheduleRuns(stack, s.id, '3 runs', (r) => r.length >= 3 && isFinal(r[1]));
      const view = await getSchedule(stack, s.id);
      await stop(s.id);
      expectSequential(runs.filter(isFinal));
      expect(ms(runs[1].scheduledAt) - ms(runs[0].scheduledAt)).toBe(2000);
      expect(ms(runs[2].scheduledAt) - ms(runs[1].scheduledAt)).toBe(2000);
      expect(view.actionsSkippedOverlap).toBe(0);
    });

    it('ALLOW_ALL: every firing starts a run at once; runs overlap', async () => {
      const s = await every2s('allow-all', 'ALLOW_ALL');
      const runs = await waitForScheduleRuns(
        stack,
        s.id,
        '3 runs, the first ended',
        (r) => r.length >= 3 && isFinal(r[0]),
      );
      await stop(s.id);
      const [first, second, third] = runs;
      expect(first.status).toBe('COMPLETED');
      // The second and third started while the first was still sleeping.
      expect(ms(second.createdAt)).toBeLessThan(ms(first.finishedAt));
      expect(ms(third.createdAt)).toBeLessThan(ms(first.finishedAt));
      expect(ms(second.scheduledAt) - ms(first.scheduledAt)).toBe(2000);
      expect(ms(third.scheduledAt) - ms(second.scheduledAt)).toBe(2000);
      for (const run of runs) expect(ms(run.createdAt) - ms(run.scheduledAt)).toBeLessThan(2000);
    });

    it('CANCEL_OTHER: the next firing cancels the running run, which rolls back as any cancel, then starts', async () => {
      // pauseOnFailure: a cancelled run is not a failure, the schedule goes on.
      const s = await every2s('cancel-other', 'CANCEL_OTHER', { pauseOnFailure: true }, 'slow-undoable');
      const runs = await waitForScheduleRuns(
        stack,
        s.id,
        '2 runs, the first ended',
        (r) => r.length >= 2 && isFinal(r[0]),
      );
      const view = await getSchedule(stack, s.id);
      await stop(s.id);
      const [first, second] = runs;
      expect(first.status).toBe('ROLLED_BACK');
      expect(first.steps).toEqual([
        expect.objectContaining({ stepId: 'mark', status: 'SUCCEEDED', compensationStatus: 'COMPENSATED' }),
        expect.objectContaining({ stepId: 'nap', status: 'CANCELLED' }),
      ]);
      expect(ms(second.scheduledAt) - ms(first.scheduledAt)).toBe(2000);
      expect(ms(second.createdAt)).toBeGreaterThanOrEqual(ms(first.finishedAt));
      expect(view.paused).toBe(false);
    });

    it('TERMINATE_OTHER: the next firing terminates the running run, recorded FAILED; nothing is compensated', async () => {
      const s = await every2s('terminate-other', 'TERMINATE_OTHER', {}, 'slow-undoable');
      const runs = await waitForScheduleRuns(
        stack,
        s.id,
        '2 runs, the first ended',
        (r) => r.length >= 2 && isFinal(r[0]),
      );
      await stop(s.id);
      const [first, second] = runs;
      expect(first.status).toBe('FAILED');
      expect(first.error).toMatch(/terminated.*TERMINATE_OTHER.*no compensation ran/);
      expect(first.steps).toEqual([
        expect.objectContaining({ stepId: 'mark', status: 'SUCCEEDED', compensationStatus: null }),
        expect.objectContaining({ stepId: 'nap', status: 'CANCELLED', errorKind: 'TERMINATED' }),
      ]);
      expect(ms(second.scheduledAt) - ms(first.scheduledAt)).toBe(2000);
    });
  });

  it('pause stops firing; unpause starts it again', async () => {
    const s = await schedule({
      name: 'pausable',
      task: 'quick',
      spec: { intervals: [{ everySeconds: 2 }] },
      policy: { overlap: 'ALLOW_ALL' },
    });
    await waitForScheduleRuns(stack, s.id, '2 runs', (r) => r.length >= 2);
    const paused = await scheduleMutation(
      stack,
      'pauseSchedule',
      s.id,
      { note: 'maintenance' },
      { note: 'String' },
    );
    expect(paused).toMatchObject({ paused: true, note: 'maintenance' });
    expect((await getSchedule(stack, s.id, 'nextFireTimes')).nextFireTimes).toEqual([]);
    await sleep(1500); // a firing already under way when the pause arrived may still store its run
    const before = (await scheduleRuns(stack, s.id)).length;
    await sleep(5000);
    expect((await scheduleRuns(stack, s.id)).length).toBe(before);

    const resumedAt = Date.now();
    const unpaused = await scheduleMutation(
      stack,
      'unpauseSchedule',
      s.id,
      { note: 'done' },
      { note: 'String' },
    );
    expect(unpaused).toMatchObject({ paused: false, note: 'done' });
    const runs = await waitForScheduleRuns(stack, s.id, 'a run after unpause', (r) => r.length > before);
    await stop(s.id);
    expect(ms(runs[before].scheduledAt)).toBeGreaterThan(resumedAt - 1000);
  });

  it('trigger starts one run now, even when paused; backfill starts the runs of a past time range', async () => {
    const s = await schedule({
      name: 'every-minute',
      task: 'quick',
      spec: { cron: ['* * * * *'], timezone: 'UTC' },
      paused: true,
      remainingActions: 5,
    });
    expect(s).toMatchObject({ paused: true, remainingActions: 5 });

    const triggeredAt = Date.now();
    await scheduleMutation(stack, 'triggerSchedule', s.id);
    const [triggered] = await waitForScheduleRuns(
      stack,
      s.id,
      'the triggered run',
      (r) => r.length === 1 && isFinal(r[0]),
    );
    expect(triggered.status).toBe('COMPLETED');
    expect(Math.abs(ms(triggered.scheduledAt) - triggeredAt)).toBeLessThan(2000);
    // Still paused; a trigger does not use up remaining actions.
    expect(await getSchedule(stack, s.id)).toMatchObject({ paused: true, remainingActions: 5 });

    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const start = new Date(minute - 5 * 60_000).toISOString();
    const end = new Date(minute - 3 * 60_000).toISOString();
    await scheduleMutation(
      stack,
      'backfillSchedule',
      s.id,
      { start, end, overlap: 'ALLOW_ALL' },
      {
        start: 'DateTime!',
        end: 'DateTime!',
        overlap: 'ScheduleOverlap',
      },
    );
    const runs = await waitForScheduleRuns(
      stack,
      s.id,
      '4 finished runs',
      (r) => r.length === 4 && r.every(isFinal),
    );
    await stop(s.id);
    // Start and end included: minute − 5, − 4 and − 3.
    const backfilled = runs
      .filter((r) => r.id !== triggered.id)
      .map((r) => ms(r.scheduledAt))
      .sort();
    expect(backfilled).toEqual([minute - 5 * 60_000, minute - 4 * 60_000, minute - 3 * 60_000]);
    expect(runs.every((r) => r.status === 'COMPLETED')).toBe(true);
  });

  it('pauseOnFailure: a failed run pauses the schedule with the reason', async () => {
    await createTask(stack, {
      name: 'always-fails',
      steps: [{ id: 'ask', kind: 'approval', params: { timeoutSeconds: 1, defaultDecision: 'reject' } }],
    });
    const s = await schedule({
      name: 'fragile',
      task: 'always-fails',
      spec: { intervals: [{ everySeconds: 2 }] },
      policy: { overlap: 'SKIP', pauseOnFailure: true },
    });
    const view = await waitFor(`schedule ${s.id} to pause`, async () => {
      const v = await getSchedule(stack, s.id);
      return v.paused ? v : undefined;
    });
    expect(view.note).toMatch(/paused due to workflow failure: .*run .* ended FAILED/);
    const runs = await scheduleRuns(stack, s.id);
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe('FAILED');
    await sleep(3000);
    expect(await scheduleRuns(stack, s.id)).toHaveLength(1);
    await stop(s.id);
  });

  it('remainingActions: fires that many times, then stops', async () => {
    const s = await schedule({
      name: 'twice',
      task: 'quick',
      spec: { intervals: [{ everySeconds: 2 }] },
      policy: { overlap: 'ALLOW_ALL' },
      remainingActions: 2,
    });
    expect((await getSchedule(stack, s.id, 'nextFireTimes(count: 10)')).nextFireTimes).toHaveLength(2);
    await waitForScheduleRuns(stack, s.id, '2 runs', (r) => r.length >= 2);
    await sleep(4500);
    const view = await getSchedule(stack, s.id, 'nextFireTimes');
    expect(view.remainingActions).toBe(0);
    expect(view.nextFireTimes).toEqual([]);
    expect(await scheduleRuns(stack, s.id)).toHaveLength(2);
    await stop(s.id);
  });

  it('a one-off run fires once at its time', async () => {
    const at = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000);
    const s = await schedule({ name: 'one-off', task: 'quick', spec: { oneOffAt: [at.toISOString()] } });
    expect(s.spec.oneOffAt).toEqual([at.toISOString()]);
    expect((await getSchedule(stack, s.id, 'nextFireTimes')).nextFireTimes).toEqual([at.toISOString()]);
    const [run] = await waitForScheduleRuns(stack, s.id, 'the run', (r) => r.length === 1 && isFinal(r[0]));
    expect(ms(run.scheduledAt)).toBe(at.getTime());
    expect(ms(run.createdAt) - at.getTime()).toBeLessThan(2000);
    expect((await getSchedule(stack, s.id, 'nextFireTimes')).nextFireTimes).toEqual([]);
    await stop(s.id);
  });

  it('lists the next fire times in the time zone, updates the spec, and deletes in both places', async () => {
    const s = await schedule({
      name: 'weekday-mornings',
      task: 'quick',
      spec: { cron: ['0 9 * * MON-FRI'] },
      note: 'created',
    });
    const view = await getSchedule(stack, s.id, 'nextFireTimes(count: 12) temporalUrl');
    // Asia/Shanghai (the default) is UTC+8 all year: 09:00 there is 01:00 UTC, Monday to Friday there.
    expect(view.nextFireTimes).toHaveLength(12);
    for (const t of view.nextFireTimes!) {
      const d = new Date(t);
      expect([d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]).toEqual([1, 0, 0]);
      expect([1, 2, 3, 4, 5]).toContain(d.getUTCDay());
      expect(d.getTime()).toBeGreaterThan(Date.now());
    }
    expect([...view.nextFireTimes!].sort()).toEqual(view.nextFireTimes);

    const updated = await stack.gql.request<{
      updateSchedule: { spec: { intervals: unknown[] }; nextFireTimes: string[] };
    }>(
      `mutation ($id: String!, $input: UpdateScheduleInput!) { updateSchedule(id: $id, input: $input) {
         spec { intervals { everySeconds offsetSeconds } } nextFireTimes(count: 3) } }`,
      { id: 'weekday-mornings', input: { spec: { intervals: [{ everySeconds: 3600, offsetSeconds: 60 }] } } },
    );
    expect(updated.updateSchedule.spec.intervals).toEqual([{ everySeconds: 3600, offsetSeconds: 60 }]);
    expect(updated.updateSchedule.nextFireTimes.map((t) => ms(t) % 3_600_000)).toEqual([
      60_000, 60_000, 60_000,
    ]);

    await deleteSchedule(stack, s.id);
    created.splice(created.indexOf(s.id), 1);
    await expect(getSchedule(stack, s.id)).rejects.toThrow(/NOT_FOUND/);
    const { rows } = await stack.db.query(`SELECT 1 FROM schedules WHERE id = $1`, [s.id]);
    expect(rows).toEqual([]);
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    try {
      const temporal = new Client({ connection, namespace: stack.config.temporal.namespace });
      await expect(temporal.schedule.getHandle(s.temporalScheduleId).describe()).rejects.toThrow(
        ScheduleNotFoundError,
      );
    } finally {
      await connection.close();
    }
  });

  describe('validation', () => {
    beforeAll(async () => {
      await createTask(stack, {
        name: 'site-task',
        inputSchema: {
          type: 'object',
          required: ['site'],
          properties: { site: { type: 'string', minLength: 1 } },
        },
        steps: [{ id: 'nap', kind: 'sleep', params: { seconds: 0 } }],
      });
    });
    const base = { name: 'bad', task: 'site-task', inputs: { site: 'lab-a' } };

    it('an invalid cron expression is BAD_USER_INPUT naming the expression', async () => {
      const fields = await expectBadInput(schedule({ ...base, spec: { cron: ['0 9 * * *', '61 * * * *'] } }));
      expect(fields).toEqual([{ field: 'spec.cron[1]', message: expect.stringMatching(/61/) }]);
      const unsupported = await expectBadInput(schedule({ ...base, spec: { cron: ['0 0 L * *'] } }));
      expect(unsupported).toEqual([
        { field: 'spec.cron[0]', message: expect.stringMatching(/not supported by Temporal/) },
      ]);
    });

    it('an invalid time zone is BAD_USER_INPUT naming spec.timezone', async () => {
      const fields = await expectBadInput(
        schedule({ ...base, spec: { cron: ['0 9 * * *'], timezone: 'Mars/Olympus_Mons' } }),
      );
      expect(fields).toEqual([
        { field: 'spec.timezone', message: expect.stringMatching(/Mars\/Olympus_Mons/) },
      ]);
    });

    it("inputs are checked against the task's input schema, naming inputs.<field>", async () => {
      const wrongType = await expectBadInput(
        schedule({ ...base, inputs: { site: 42 }, spec: { cron: ['0 9 * * *'] } }),
      );
      expect(wrongType).toEqual([{ field: 'inputs.site', message: 'must be string' }]);
      const missing = await expectBadInput(schedule({ ...base, inputs: {}, spec: { cron: ['0 9 * * *'] } }));
      expect(missing).toEqual([{ field: 'inputs.site', message: 'is required' }]);
    });

    it('reports every problem at once (calendar, interval, inputs) and stores nothing', async () => {
      const fields = await expectBadInput(
        schedule({
          ...base,
          inputs: {},
          spec: { calendars: [{ hour: '25' }], intervals: [{ everySeconds: 60, offsetSeconds: 60 }] },
        }),
      );
      expect(fields.map((f) => f.field).sort()).toEqual([
        'inputs.site',
        'spec.calendars[0].hour',
        'spec.intervals[0].offsetSeconds',
      ]);
      const { rows } = await stack.db.query(`SELECT 1 FROM schedules WHERE name = 'bad'`);
      expect(rows).toEqual([]);
    });
  });
});
