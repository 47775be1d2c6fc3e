import { randomUUID } from 'node:crypto';
import { DEFAULT_SAFETY, type StepDefinition, type TaskDefinition } from '../../libs/tasks/src/definition';
import type {
  ItemPlan,
  StepDecision,
  StepPlan,
  TaskRunInput,
  TaskRunState,
  TaskRunWorkflow,
} from '../../workflows/contracts';
import { waitFor } from '../support/harness';
import { Gate, hold, permanent, WorkflowTestEnv, type Stubs } from '../support/workflow-env';

let env: WorkflowTestEnv;
beforeAll(async () => {
  env = await WorkflowTestEnv.connect();
});
afterAll(async () => {
  await env?.close();
});

type StepSpec = Partial<StepDefinition> & { id: string };

/** A definition whose steps default to `sleep`, no dependencies, no continueOnError. */
function definition(steps: StepSpec[], over: Partial<TaskDefinition> = {}): TaskDefinition {
  return {
    name: 'workflow-test',
    description: '',
    owner: '',
    priority: 3,
    tags: [],
    inputSchema: { type: 'object' },
    concurrency: 4,
    safety: DEFAULT_SAFETY,
    steps: steps.map((s) => ({ kind: 'sleep', params: {}, dependsOn: [], continueOnError: false, ...s })),
    ...over,
  };
}

function run(def: TaskDefinition, reused: string[] = []): TaskRunInput {
  return {
    runId: `run-${randomUUID()}`,
    definition: def,
    reused,
    timeouts: { heartbeatMs: 5_000, itemStartToCloseMs: 30_000 },
  };
}

const undo = { kind: 'sleep', params: {} } as const;
const quickRetry = { maximumAttempts: 2, initialIntervalSeconds: 0.05 };

const items = (stepKey: string, count: number, concurrency = 1): ItemPlan => ({
  type: 'items',
  stepKey,
  count,
  concurrency,
  shardSize: 100,
  sharded: false,
  perItem: 'activity',
});

/**
 * Task bookkeeping that always answers. prepareStep answers `plans[<step>]` (or
 * `plans[<step>#compensate]`), else a sleep of 0 s; completeStep answers ok unless `outcomes` says
 * otherwise; items run on the shared queue and succeed.
 */
function stubs(
  plans: Record<string, StepPlan> = {},
  over: Stubs = {},
  outcomes: Record<string, { kind: string; message: string }> = {},
): Stubs {
  return {
    taskRunStarted: async () => undefined,
    notePause: async () => undefined,
    prepareStep: async ({ stepId, compensation }) =>
      plans[compensation ? `${stepId}#compensate` : stepId] ?? { type: 'sleep', seconds: 0 },
    completeStep: async ({ stepId, compensation }) => {
      const failure = compensation ? undefined : outcomes[stepId];
      return failure ? { ok: false, ...failure } : { ok: true };
    },
    stepFailed: async () => undefined,
    rollbackStarted: async () => undefined,
    compensationFailed: async () => undefined,
    finishTaskRun: async () => undefined,
    itemQueues: async ({ from, to }) =>
      Array.from({ length: to - from }, () => ({ queue: null, fallback: null })),
    recordItemFailure: async () => undefined,
    runStepItem: async () => ({ reused: false }),
    ...over,
  };
}

describe('taskRunWorkflow (stub activities)', () => {
  it('runs a diamond a→(b,c)→d in dependency order: d starts only once b and c both succeeded', async () => {
    const def = definition([
      { id: 'a' },
      { id: 'b', kind: 'ssh.commands', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['a'] },
      { id: 'd', dependsOn: ['b', 'c'] },
    ]);
    const input = run(def);
    const bMayEnd = new Gate();
    await env.run(
      stubs(
        { b: items('b', 1) },
        {
          runStepItem: async () => {
            await hold(bMayEnd, 'fail');
            return { reused: false };
          },
        },
      ),
      async (t) => {
        const handle = await t.start<TaskRunWorkflow>('taskRunWorkflow', input);
        // c has succeeded (and the workflow has looked for startable steps since) while b still runs.
        const state = await waitFor(
          'c to succeed while b runs',
          async () => {
            const s = await handle.query<TaskRunState>('state');
            return s.steps.c === 'SUCCEEDED' ? s : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 50 },
        );
        expect(state.steps).toEqual({ a: 'SUCCEEDED', b: 'RUNNING', c: 'SUCCEEDED', d: 'PENDING' });
        expect(t.calls.indexOf('prepareStep', (p) => p.stepId === 'd')).toBe(-1);
        bMayEnd.open();
        const result = await t.result(handle);

        expect(result).toEqual({ runId: input.runId, status: 'COMPLETED' });
        const prepared = t.calls.inputs('prepareStep').map((p) => p.stepId);
        expect(prepared[0]).toBe('a');
        expect(prepared.slice(1, 3).sort()).toEqual(['b', 'c']);
        expect(prepared[3]).toBe('d');
        const completed = (id: string) => t.calls.indexOf('completeStep', (p) => p.stepId === id);
        const preparedAt = (id: string) => t.calls.indexOf('prepareStep', (p) => p.stepId === id);
        expect(preparedAt('b')).toBeGreaterThan(completed('a'));
        expect(preparedAt('c')).toBeGreaterThan(completed('a'));
        expect(preparedAt('d')).toBeGreaterThan(completed('b'));
        expect(preparedAt('d')).toBeGreaterThan(completed('c'));
        expect(t.calls.inputs('finishTaskRun')).toEqual([
          { runId: input.runId, status: 'COMPLETED', reason: null, notRun: [] },
        ]);
      },
    );
  });

  it('a failed step stops the run: later steps are not run, completed steps are compensated newest first (ROLLED_BACK)', async () => {
    // Listed out of order on purpose: compensation follows completion order, not the listing.
    const def = definition([
      { id: 'b', dependsOn: ['a'], compensate: undo },
      { id: 'a', compensate: undo },
      { id: 'x', dependsOn: ['a'] }, // succeeds, has nothing to undo
      { id: 'c', dependsOn: ['b', 'x'] }, // fails
      { id: 'd', dependsOn: ['c'] },
      { id: 'e', dependsOn: ['d'] },
    ]);
    const input = run(def);
    await env.run(stubs({}, {}, { c: { kind: 'THRESHOLD', message: '3 of 4 items failed' } }), async (t) => {
      const result = await t.result(await t.start<TaskRunWorkflow>('taskRunWorkflow', input));

      expect(result).toEqual({ runId: input.runId, status: 'ROLLED_BACK' });
      expect(t.calls.inputs('stepFailed')).toEqual([
        { runId: input.runId, stepId: 'c', kind: 'THRESHOLD', message: '3 of 4 items failed' },
      ]);
      const reason = 'step c failed: 3 of 4 items failed';
      expect(t.calls.inputs('rollbackStarted')).toEqual([{ runId: input.runId, reason, steps: ['b', 'a'] }]);
      const rollbackAt = t.calls.indexOf('rollbackStarted');
      const compensations = t.calls.all.filter(
        (c) =>
          (c.name === 'prepareStep' || c.name === 'completeStep') &&
          (c.input as { compensation: boolean }).compensation,
      );
      expect(compensations.map((c) => [c.name, (c.input as { stepId: string }).stepId])).toEqual([
        ['prepareStep', 'b'],
        ['completeStep', 'b'],
        ['prepareStep', 'a'],
        ['completeStep', 'a'],
      ]);
      expect(t.calls.all.indexOf(compensations[0])).toBeGreaterThan(rollbackAt);
      for (const id of ['d', 'e']) expect(t.calls.indexOf('prepareStep', (p) => p.stepId === id)).toBe(-1);
      expect(t.calls.inputs('finishTaskRun')).toEqual([
        { runId: input.runId, status: 'ROLLED_BACK', reason, notRun: ['d', 'e'] },
      ]);
    });
  });

  it('continueOnError: the failure is recorded, its dependents still run, the run is COMPLETED_WITH_ERRORS (no rollback)', async () => {
    const def = definition([
      { id: 'a', compensate: undo },
      { id: 'b', dependsOn: ['a'], continueOnError: true },
      { id: 'c', dependsOn: ['b'] },
    ]);
    const input = run(def);
    await env.run(
      stubs({}, {}, { b: { kind: 'HTTP_STATUS', message: 'expected 200, got 503' } }),
      async (t) => {
        const result = await t.result(await t.start<TaskRunWorkflow>('taskRunWorkflow', input));

        expect(result).toEqual({ runId: input.runId, status: 'COMPLETED_WITH_ERRORS' });
        expect(t.calls.inputs('stepFailed').map((f) => [f.stepId, f.kind])).toEqual([['b', 'HTTP_STATUS']]);
        expect(t.calls.inputs('prepareStep').map((p) => p.stepId)).toEqual(['a', 'b', 'c']);
        expect(t.calls.indexOf('prepareStep', (p) => p.stepId === 'c')).toBeGreaterThan(
          t.calls.indexOf('stepFailed'),
        );
        expect(t.calls.names()).not.toContain('rollbackStarted');
        expect(t.calls.inputs('finishTaskRun')).toEqual([
          { runId: input.runId, status: 'COMPLETED_WITH_ERRORS', reason: null, notRun: [] },
        ]);
      },
    );
  });

  it('pause: no new step starts until resume (notePause true, then false)', async () => {
    const def = definition([
      { id: 'a', kind: 'ssh.commands' },
      { id: 'b', dependsOn: ['a'] },
    ]);
    const input = run(def);
    const aMayEnd = new Gate();
    await env.run(
      stubs(
        { a: items('a', 1) },
        {
          runStepItem: async () => {
            await hold(aMayEnd, 'fail');
            return { reused: false };
          },
        },
      ),
      async (t) => {
        const handle = await t.start<TaskRunWorkflow>('taskRunWorkflow', input);
        await t.calls.until('step a runs', (log) => log.of('runStepItem').length === 1);
        await handle.signal('pause', { by: 'alice' });
        await t.calls.until('the pause is recorded', (log) => log.of('notePause').length === 1);
        aMayEnd.open();
        const state = await waitFor(
          'a to succeed while paused',
          async () => {
            const s = await handle.query<TaskRunState>('state');
            return s.steps.a === 'SUCCEEDED' ? s : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 50 },
        );
        expect(state).toEqual({ paused: true, steps: { a: 'SUCCEEDED', b: 'PENDING' } });
        expect(t.calls.indexOf('prepareStep', (p) => p.stepId === 'b')).toBe(-1);

        await handle.signal('resume', { by: 'alice' });
        const result = await t.result(handle);

        expect(result).toEqual({ runId: input.runId, status: 'COMPLETED' });
        expect(t.calls.inputs('notePause')).toEqual([
          { runId: input.runId, paused: true },
          { runId: input.runId, paused: false },
        ]);
        expect(t.calls.inputs('prepareStep').map((p) => p.stepId)).toEqual(['a', 'b']);
      },
    );
  });

  it('a step that ends while a resume is being recorded still wakes the run (regression)', async () => {
    const def = definition([
      { id: 'a', kind: 'ssh.commands' },
      { id: 'b', dependsOn: ['a'] },
    ]);
    const input = run(def);
    const aMayEnd = new Gate();
    const resumeRecorded = new Gate();
    await env.run(
      stubs(
        { a: items('a', 1) },
        {
          runStepItem: async () => {
            await hold(aMayEnd, 'fail');
            return { reused: false };
          },
          // Recording the resume is slow (a database hiccup, say): b runs and ends meanwhile.
          notePause: async ({ paused }) => {
            if (!paused) await hold(resumeRecorded, 'fail');
          },
        },
      ),
      async (t) => {
        const handle = await t.start<TaskRunWorkflow>('taskRunWorkflow', input);
        await t.calls.until('step a runs', (log) => log.of('runStepItem').length === 1);
        await handle.signal('pause', {});
        await t.calls.until('the pause is recorded', (log) => log.of('notePause').length === 1);
        aMayEnd.open();
        const stepIs = (id: 'a' | 'b', status: string) =>
          waitFor(
            `step ${id} ${status}`,
            async () => ((await handle.query<TaskRunState>('state')).steps[id] === status ? true : undefined),
            { timeoutMs: 20_000, intervalMs: 50 },
          );
        await stepIs('a', 'SUCCEEDED');
        await handle.signal('resume', {});
        await stepIs('b', 'SUCCEEDED');
        resumeRecorded.open();
        expect(await t.result(handle)).toEqual({ runId: input.runId, status: 'COMPLETED' });
      },
    );
  });

  it('a cancel while a change step runs records it CANCELLED and still compensates it and the steps before it (ROLLED_BACK)', async () => {
    const def = definition([
      { id: 'a', compensate: undo },
      { id: 'b', kind: 'script', dependsOn: ['a'], compensate: undo, retry: quickRetry },
      { id: 'c', dependsOn: ['b'] },
    ]);
    const input = run(def);
    const never = new Gate();
    await env.run(
      stubs(
        { b: items('b', 1) },
        {
          checkWindows: async () => ({ open: true, opensAt: null, closed: [] }),
          acquireDeviceLocks: async () => ({ acquired: true, heldBy: [], position: 0 }),
          runStepItem: async () => {
            await hold(never, 'fail');
            return { reused: false };
          },
        },
      ),
      async (t) => {
        const handle = await t.start<TaskRunWorkflow>('taskRunWorkflow', input);
        await t.calls.until('step b works on its item', (log) => log.of('runStepItem').length === 1);
        await handle.cancel();
        const result = await t.result(handle);

        // The run handles its cancel: it ends normally, with the status finishTaskRun recorded.
        expect(result).toEqual({ runId: input.runId, status: 'ROLLED_BACK' });
        // b is a change step: its devices were locked (and windows checked) before its item ran.
        expect(t.calls.inputs('acquireDeviceLocks')).toEqual([
          { runId: input.runId, stepId: 'b', stepKey: 'b' },
        ]);
        const item = t.calls.of('runStepItem')[0];
        expect([item.cancelRequested, item.outcome]).toEqual([true, 'failed']);
        expect(t.calls.names()).not.toContain('recordItemFailure');
        expect(t.calls.inputs('stepFailed')).toEqual([
          { runId: input.runId, stepId: 'b', kind: 'CANCELLED', message: 'cancelled' },
        ]);
        expect(t.calls.inputs('rollbackStarted')).toEqual([
          { runId: input.runId, reason: 'run cancelled', steps: ['b', 'a'] },
        ]);
        // Compensations run although the run is cancelled (non-cancellable scope).
        const compensations = t.calls.of('completeStep').filter((c) => c.input.compensation);
        expect(compensations.map((c) => [c.input.stepId, c.outcome])).toEqual([
          ['b', 'completed'],
          ['a', 'completed'],
        ]);
        expect(t.calls.indexOf('prepareStep', (p) => p.stepId === 'c')).toBe(-1);
        expect(t.calls.inputs('finishTaskRun')).toEqual([
          { runId: input.runId, status: 'ROLLED_BACK', reason: 'run cancelled', notRun: ['c'] },
        ]);
      },
    );
  });

  it('a cancel with nothing to compensate ends the run CANCELLED', async () => {
    const def = definition([{ id: 'a' }, { id: 'b', kind: 'ssh.commands', dependsOn: ['a'] }]);
    const input = run(def);
    const never = new Gate();
    await env.run(
      stubs(
        { b: items('b', 1) },
        {
          runStepItem: async () => {
            await hold(never, 'fail');
            return { reused: false };
          },
        },
      ),
      async (t) => {
        const handle = await t.start<TaskRunWorkflow>('taskRunWorkflow', input);
        await t.calls.until('step b works on its item', (log) => log.of('runStepItem').length === 1);
        await handle.cancel();
        const result = await t.result(handle);

        expect(result).toEqual({ runId: input.runId, status: 'CANCELLED' });
        expect(t.calls.inputs('stepFailed').map((f) => [f.stepId, f.kind])).toEqual([['b', 'CANCELLED']]);
        expect(t.calls.names()).not.toContain('rollbackStarted');
        expect(t.calls.inputs('finishTaskRun')).toEqual([
          { runId: input.runId, status: 'CANCELLED', reason: 'run cancelled', notRun: [] },
        ]);
      },
    );
  });

  it('an approval that times out with defaultDecision reject fails the step APPROVAL_REJECTED', async () => {
    const def = definition([
      { id: 'gate', kind: 'approval' },
      { id: 'after', dependsOn: ['gate'] },
    ]);
    const input = run(def);
    await env.run(
      stubs({ gate: { type: 'approval', timeoutSeconds: 0.3, defaultDecision: 'reject' } }),
      async (t) => {
        const result = await t.result(await t.start<TaskRunWorkflow>('taskRunWorkflow', input));

        expect(result).toEqual({ runId: input.runId, status: 'FAILED' });
        expect(t.calls.inputs('stepFailed')).toEqual([
          {
            runId: input.runId,
            stepId: 'gate',
            kind: 'APPROVAL_REJECTED',
            message: 'no decision within 0.3 s',
            output: {
              decision: 'rejected',
              by: 'timeout',
              comment: 'no decision within 0.3 s',
              decidedAt: expect.any(String),
            },
          },
        ]);
        expect(t.calls.indexOf('completeStep', (p) => p.stepId === 'gate')).toBe(-1);
        expect(t.calls.inputs('finishTaskRun')).toEqual([
          {
            runId: input.runId,
            status: 'FAILED',
            reason: 'step gate failed: no decision within 0.3 s',
            notRun: ['after'],
          },
        ]);
      },
    );
  });

  it('a stepDecision approve completes the approval step with the decision as its output', async () => {
    const def = definition([
      { id: 'gate', kind: 'approval' },
      { id: 'after', dependsOn: ['gate'] },
    ]);
    const input = run(def);
    await env.run(
      stubs({ gate: { type: 'approval', timeoutSeconds: 600, defaultDecision: 'reject' } }),
      async (t) => {
        const handle = await t.start<TaskRunWorkflow>('taskRunWorkflow', input);
        await t.calls.until('the approval step is prepared', (log) =>
          log.of('prepareStep').some((c) => c.input.stepId === 'gate' && c.outcome === 'completed'),
        );
        await handle.signal<[StepDecision]>('stepDecision', {
          stepId: 'gate',
          approve: true,
          by: 'alice',
          comment: 'ship it',
        });
        const result = await t.result(handle);

        expect(result).toEqual({ runId: input.runId, status: 'COMPLETED' });
        expect(t.calls.inputs('completeStep').find((c) => c.stepId === 'gate')).toEqual({
          runId: input.runId,
          stepId: 'gate',
          compensation: false,
          output: { decision: 'approved', by: 'alice', comment: 'ship it', decidedAt: expect.any(String) },
        });
        expect(t.calls.names()).not.toContain('stepFailed');
        expect(t.calls.inputs('prepareStep').map((p) => p.stepId)).toEqual(['gate', 'after']);
      },
    );
  });

  it('an items step runs runStepItem per index, at most `concurrency` at once, and records failed items', async () => {
    const def = definition([{ id: 'fan', kind: 'ssh.commands', retry: quickRetry }]);
    const input = run(def);
    const gates = Array.from({ length: 6 }, () => new Gate());
    let inFlight = 0;
    let maxInFlight = 0;
    await env.run(
      stubs(
        { fan: items('fan', 6, 2) },
        {
          runStepItem: async ({ index }) => {
            maxInFlight = Math.max(maxInFlight, ++inFlight);
            try {
              await hold(gates[index], 'fail');
              if (index === 3) throw permanent('AUTH_FAILED', 'authentication failed');
              return { reused: false };
            } finally {
              inFlight--;
            }
          },
        },
      ),
      async (t) => {
        const handle = await t.start<TaskRunWorkflow>('taskRunWorkflow', input);
        const running = () => t.calls.of('runStepItem').filter((c) => c.outcome === 'running');
        // Let the items end one at a time, oldest first, each time the pool is full.
        for (let done = 0; done < 6; done++) {
          await t.calls.until(
            `${Math.min(2, 6 - done)} items in flight`,
            () => running().length >= Math.min(2, 6 - done),
          );
          expect(running().length).toBe(Math.min(2, 6 - done));
          const oldest = running()[0];
          gates[oldest.input.index].open();
          await t.calls.until(`item ${oldest.input.index} to end`, () => oldest.outcome !== 'running');
        }
        const result = await t.result(handle);

        expect(result).toEqual({ runId: input.runId, status: 'COMPLETED' });
        expect(maxInFlight).toBe(2);
        expect(t.calls.inputs('itemQueues')).toEqual([
          { runId: input.runId, stepKey: 'fan', from: 0, to: 6 },
        ]);
        const runs = t.calls.of('runStepItem');
        expect(runs.map((c) => c.input.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
        expect(runs.every((c) => c.attempt === 1)).toBe(true);
        expect(t.calls.inputs('recordItemFailure')).toEqual([
          {
            runId: input.runId,
            stepKey: 'fan',
            index: 3,
            kind: 'AUTH_FAILED',
            message: 'authentication failed',
          },
        ]);
        // The step's own threshold is completeStep's to apply: it is called once the items ended.
        expect(t.calls.indexOf('completeStep')).toBeGreaterThan(t.calls.indexOf('recordItemFailure'));
        expect(t.calls.inputs('finishTaskRun').map((f) => f.status)).toEqual(['COMPLETED']);
      },
    );
  });

  it('a reused step (retry from failure) is not prepared again; its dependents run', async () => {
    const def = definition([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }]);
    const input = run(def, ['a']);
    await env.run(stubs(), async (t) => {
      const handle = await t.start<TaskRunWorkflow>('taskRunWorkflow', input);
      const result = await t.result(handle);

      expect(result).toEqual({ runId: input.runId, status: 'COMPLETED' });
      expect(t.calls.inputs('prepareStep').map((p) => p.stepId)).toEqual(['b']);
      expect(t.calls.inputs('completeStep').map((p) => p.stepId)).toEqual(['b']);
      expect(await handle.query<TaskRunState>('state')).toEqual({
        paused: false,
        steps: { a: 'REUSED', b: 'SUCCEEDED' },
      });
      expect(t.calls.inputs('finishTaskRun')).toEqual([
        { runId: input.runId, status: 'COMPLETED', reason: null, notRun: [] },
      ]);
    });
  });
});
