import { GraphQLRequestError } from '../scripts/graphql-client';
import { startStack, waitFor, type Stack } from './support/harness';
import {
  createSchedule,
  deleteSchedule,
  isFinal,
  ms,
  scheduleMutation,
  scheduleRuns,
  waitForScheduleRuns,
  type ScheduledRunView,
} from './support/schedules';
import { createTask, expectBadInput, startRecorder, type Recorder } from './support/tasks';

/**
 * Dependencies between tasks: a scheduled run waits for its upstream tasks' runs of the same slot.
 * The schedules are paused and driven by backfills of one past slot each, so that every run of a
 * test has a known slot and nothing fires by itself.
 */
describe('task dependencies', () => {
  let stack: Stack;
  let web: Recorder;
  const created: string[] = [];
  /** Slots one minute apart, well in the past: each test takes its own. */
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
  let nextSlot = 0;
  const takeSlot = () => base + nextSlot++ * 60_000;

  const call = (path: string) => ({
    kind: 'http.request',
    params: { method: 'POST', url: `${web.url}${path}` },
    retry: { maximumAttempts: 1 },
  });

  /** A paused schedule firing every minute; it only runs what is backfilled. */
  const schedule = async (task: string, inputs: Record<string, unknown> = {}) => {
    const s = await createSchedule(stack, {
      name: `${task}-${created.length}`,
      task,
      inputs,
      spec: { intervals: [{ everySeconds: 60 }], timezone: 'UTC' },
      paused: true,
    });
    created.push(s.id);
    return s;
  };

  const backfill = (scheduleId: string, slot: number) =>
    scheduleMutation(
      stack,
      'backfillSchedule',
      scheduleId,
      { start: new Date(slot - 1000).toISOString(), end: new Date(slot + 1000).toISOString() },
      { start: 'DateTime!', end: 'DateTime!' },
    );

  /** The schedule's run for the slot, once it has ended. */
  const endedRun = async (scheduleId: string, slot: number): Promise<ScheduledRunView> => {
    const runs = await waitForScheduleRuns(
      stack,
      scheduleId,
      `the run of ${new Date(slot).toISOString()} ended`,
      (r) => r.some((x) => ms(x.scheduledAt) === slot && isFinal(x)),
    );
    return runs.find((x) => ms(x.scheduledAt) === slot)!;
  };

  const events = async (runId: string): Promise<string[]> => {
    const data = await stack.gql.request<{ run: { events: { message: string }[] } }>(
      `query ($id: ID!) { run(id: $id) { events(first: 1000) { message } } }`,
      { id: runId },
    );
    return data.run.events.map((e) => e.message);
  };

  const posts = (path: string) => web.calls.filter((c) => c === `POST ${path}`).length;

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 1 } });
    web = await startRecorder();
    web.status.set('/a/fail', 500);
    // A takes a second, so that B visibly waits for it.
    await createTask(stack, {
      name: 'dep-a',
      inputSchema: { type: 'object', properties: { outcome: { type: 'string' } } },
      steps: [
        { id: 'nap', kind: 'sleep', params: { seconds: 1 } },
        { id: 'work', ...call('/a/{{ inputs.outcome }}'), dependsOn: ['nap'] },
      ],
    });
    await createTask(stack, {
      name: 'dep-b',
      upstream: { tasks: [{ task: 'dep-a' }], timeoutSeconds: 120 },
      steps: [{ id: 'work', ...call('/b') }],
    });
    // Fan-in: C after A and B.
    await createTask(stack, {
      name: 'dep-c',
      upstream: { tasks: [{ task: 'dep-a' }, { task: 'dep-b', when: 'COMPLETED' }], timeoutSeconds: 120 },
      steps: [{ id: 'work', ...call('/c') }],
    });
  });
  afterAll(async () => {
    for (const id of created) await deleteSchedule(stack, id).catch(() => undefined);
    await web?.close();
    await stack?.stop();
  });

  it('B runs after A succeeds, C after both; B and C are skipped when A fails', async () => {
    const a = await schedule('dep-a', { outcome: 'ok' });
    const aFailing = await schedule('dep-a', { outcome: 'fail' });
    const b = await schedule('dep-b');
    const c = await schedule('dep-c');

    // Downstream first: B and C fire before A and wait for it.
    const ok = takeSlot();
    await backfill(c.id, ok);
    await backfill(b.id, ok);
    await waitFor('B waiting for A', async () =>
      (await scheduleRuns(stack, b.id)).find((r) => r.status === 'WAITING_UPSTREAM'),
    );
    expect(posts('/b')).toBe(0);
    await backfill(a.id, ok);

    const runA = await endedRun(a.id, ok);
    const runB = await endedRun(b.id, ok);
    const runC = await endedRun(c.id, ok);
    expect([runA.status, runB.status, runC.status]).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    // B's and C's steps started only after A (and B, for C) had ended.
    expect(ms(runB.startedAt)).toBeGreaterThanOrEqual(ms(runA.finishedAt));
    expect(ms(runC.startedAt)).toBeGreaterThanOrEqual(ms(runA.finishedAt));
    expect(ms(runC.startedAt)).toBeGreaterThanOrEqual(ms(runB.finishedAt));
    expect(web.calls.filter((x) => /^POST \/[abc]/.test(x))).toEqual(
      expect.arrayContaining(['POST /a/ok', 'POST /b', 'POST /c']),
    );
    expect(web.calls.indexOf('POST /a/ok')).toBeLessThan(web.calls.indexOf('POST /b'));
    expect(web.calls.indexOf('POST /b')).toBeLessThan(web.calls.indexOf('POST /c'));
    expect((await events(runB.id)).join('\n')).toContain(`upstream met: dep-a run ${runA.id} COMPLETED`);

    // The next slot: A fails. B does not run (default policy SKIP), and neither does C.
    const bad = takeSlot();
    await backfill(b.id, bad);
    await backfill(c.id, bad);
    await backfill(aFailing.id, bad);
    const failedA = await endedRun(aFailing.id, bad);
    expect(failedA.status).toBe('FAILED');
    const skippedB = await endedRun(b.id, bad);
    const skippedC = await endedRun(c.id, bad);
    expect(skippedB.status).toBe('SKIPPED');
    expect(skippedB.error).toContain(`dep-a run ${failedA.id} FAILED (needs SUCCEEDED)`);
    expect(skippedB.steps.map((s) => s.status)).toEqual(['NOT_RUN']);
    expect(skippedC.status).toBe('SKIPPED');
    expect(posts('/b')).toBe(1);
    expect(posts('/c')).toBe(1);
  });

  it("a triggered run (not a time of its spec) waits for the upstream task's latest run", async () => {
    const a = await schedule('dep-a', { outcome: 'ok' });
    const b = await schedule('dep-b');
    const trigger = (id: string) => scheduleMutation(stack, 'triggerSchedule', id);
    const triggered = async (id: string, n: number) => {
      const runs = await waitForScheduleRuns(stack, id, `${n} ended`, (r) => r.filter(isFinal).length >= n);
      return runs.filter(isFinal)[n - 1];
    };
    // A's latest run is the failed one of the test above: B does not run.
    await trigger(b.id);
    const first = await triggered(b.id, 1);
    expect(first.status).toBe('SKIPPED');
    expect(first.error).toContain('FAILED (needs SUCCEEDED)');
    // A runs now (triggered) and succeeds: B, triggered after it, runs.
    await trigger(a.id);
    const runA = await triggered(a.id, 1);
    expect(runA.status).toBe('COMPLETED');
    await trigger(b.id);
    const second = await triggered(b.id, 2);
    expect(second.status).toBe('COMPLETED');
    expect((await events(second.id)).join('\n')).toContain(`upstream met: dep-a run ${runA.id} COMPLETED`);
  });

  it('when the upstream run does not come: SKIP or RUN after the timeout; a waiting run can be cancelled', async () => {
    await createTask(stack, {
      name: 'dep-never',
      steps: [{ id: 'nap', kind: 'sleep', params: { seconds: 0 } }],
    });
    await createTask(stack, {
      name: 'dep-skip',
      upstream: { tasks: [{ task: 'dep-never' }], timeoutSeconds: 2 },
      steps: [{ id: 'work', ...call('/skip') }],
    });
    await createTask(stack, {
      name: 'dep-run-anyway',
      upstream: { tasks: [{ task: 'dep-never' }], timeoutSeconds: 2, onTimeout: 'RUN' },
      steps: [{ id: 'work', ...call('/anyway') }],
    });
    await createTask(stack, {
      name: 'dep-patient',
      upstream: { tasks: [{ task: 'dep-never' }], timeoutSeconds: 3600 },
      steps: [{ id: 'work', ...call('/patient') }],
    });
    const slot = takeSlot();
    const skip = await schedule('dep-skip');
    const anyway = await schedule('dep-run-anyway');
    const patient = await schedule('dep-patient');
    await backfill(skip.id, slot);
    await backfill(anyway.id, slot);
    await backfill(patient.id, slot);

    const skipped = await endedRun(skip.id, slot);
    expect(skipped.status).toBe('SKIPPED');
    expect(skipped.error).toContain(`no run of dep-never for ${new Date(slot).toISOString()}`);
    expect(posts('/skip')).toBe(0);

    const ran = await endedRun(anyway.id, slot);
    expect(ran.status).toBe('COMPLETED');
    expect((await events(ran.id)).join('\n')).toContain('runs anyway (policy RUN)');
    expect(posts('/anyway')).toBe(1);

    const waiting = await waitFor('the patient run waiting', async () =>
      (await scheduleRuns(stack, patient.id)).find((r) => r.status === 'WAITING_UPSTREAM'),
    );
    await stack.gql.request(`mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: waiting.id });
    const cancelled = await endedRun(patient.id, slot);
    expect(cancelled.status).toBe('CANCELLED');
    expect(posts('/patient')).toBe(0);
  });

  it('refuses a cycle between tasks, an unknown upstream task, and deleting a task others wait for', async () => {
    const cycle = await expectBadInput(
      stack.gql.request(
        `mutation ($task: String!, $input: SaveTaskInput!) { updateTask(task: $task, input: $input) { id } }`,
        {
          task: 'dep-a',
          input: {
            definition: {
              name: 'dep-a',
              upstream: { tasks: [{ task: 'dep-c' }] },
              steps: [{ id: 'nap', kind: 'sleep', params: { seconds: 0 } }],
            },
          },
        },
      ),
    );
    expect(cycle).toEqual([
      {
        field: 'definition.upstream.tasks[0].task',
        message: 'cycle between tasks: dep-a waits for dep-c waits for dep-a',
      },
    ]);
    const self = await expectBadInput(
      createTask(stack, {
        name: 'dep-self',
        upstream: { tasks: [{ task: 'dep-self' }] },
        steps: [{ id: 'nap', kind: 'sleep', params: { seconds: 0 } }],
      }),
    );
    expect(self[0]).toMatchObject({ field: 'definition.upstream.tasks[0].task' });
    const unknown = await expectBadInput(
      createTask(stack, {
        name: 'dep-orphan',
        upstream: { tasks: [{ task: 'no-such-task' }] },
        steps: [{ id: 'nap', kind: 'sleep', params: { seconds: 0 } }],
      }),
    );
    expect(unknown).toEqual([
      { field: 'definition.upstream.tasks[0].task', message: 'unknown task "no-such-task"' },
    ]);
    const badWhen = await expectBadInput(
      createTask(stack, {
        name: 'dep-orphan',
        upstream: { tasks: [{ task: 'dep-a', when: 'SOMETIMES' }] },
        steps: [{ id: 'nap', kind: 'sleep', params: { seconds: 0 } }],
      }),
    );
    expect(badWhen.map((e) => e.field)).toEqual(['definition.upstream.tasks[0].when']);

    await expect(stack.gql.request(`mutation { deleteTask(task: "dep-a") { id } }`)).rejects.toThrow(
      GraphQLRequestError,
    );
    await expect(stack.gql.request(`mutation { deleteTask(task: "dep-a") { id } }`)).rejects.toThrow(
      /upstream task of dep-b, dep-c/,
    );
  });
});
