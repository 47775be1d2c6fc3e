import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, WorkflowNotFoundError } from '@temporalio/common';
import { DEFAULT_SAFETY, type UpstreamPolicy } from '../../libs/tasks/src/definition';
import type {
  ScheduledRunPlan,
  ScheduledTaskWorkflow,
  TaskRunInput,
  UpstreamOutcome,
} from '../../workflows/contracts';
import { Gate, hold, WorkflowTestEnv, type Stubs, type StubWorld } from '../support/workflow-env';

let env: WorkflowTestEnv;
beforeAll(async () => {
  env = await WorkflowTestEnv.connect();
});
afterAll(async () => {
  await env?.close();
});

const upstreamPolicy = (over: Partial<UpstreamPolicy> = {}): UpstreamPolicy => ({
  tasks: [{ task: 'nightly-backup', when: 'SUCCEEDED', offsetSeconds: 0 }],
  timeoutSeconds: 600,
  onTimeout: 'SKIP',
  onUnmet: 'SKIP',
  ...over,
});

/** What storeScheduledRun stores: a one-step task run (`check`) to run as the child `task-<run id>`. */
function scheduledRun(upstream?: UpstreamPolicy): ScheduledRunPlan {
  const runId = `run-${randomUUID()}`;
  const input: TaskRunInput = {
    runId,
    definition: {
      name: 'nightly-report',
      description: '',
      owner: '',
      priority: 3,
      tags: [],
      inputSchema: { type: 'object' },
      concurrency: 4,
      safety: DEFAULT_SAFETY,
      steps: [{ id: 'check', kind: 'sleep', params: {}, dependsOn: [], continueOnError: false }],
    },
    reused: [],
    timeouts: { heartbeatMs: 5_000, itemStartToCloseMs: 30_000 },
  };
  return {
    runId,
    workflowId: `task-${runId}`,
    priority: 3,
    input,
    scheduledAt: '', // the slot the wrapper asks for (set by the stub)
    ...(upstream ? { upstream } : {}),
  };
}

const upstreamOutcome = (outcome: UpstreamOutcome['outcome'], summary: string): UpstreamOutcome => ({
  outcome,
  upstream: [
    {
      task: 'nightly-backup',
      when: 'SUCCEEDED',
      slot: '2026-01-01T00:00:00.000Z',
      runId: null,
      status: null,
      state: 'UNMET',
    },
  ],
  summary,
});

/** The wrapper's bookkeeping, and the child task run's (its one step succeeds unless told otherwise). */
function stubs(plan: ScheduledRunPlan, over: Stubs = {}): Stubs {
  return {
    storeScheduledRun: async ({ scheduledAt }) => ({ ...plan, scheduledAt }),
    upstreamPassed: async () => undefined,
    endScheduledRun: async () => undefined,
    taskRunStarted: async () => undefined,
    prepareStep: async () => ({ type: 'sleep', seconds: 0 }),
    completeStep: async () => ({ ok: true }),
    stepFailed: async () => undefined,
    finishTaskRun: async () => undefined,
    ...over,
  };
}

async function childNeverStarted(t: StubWorld, plan: ScheduledRunPlan) {
  await expect(t.client.workflow.getHandle(plan.workflowId).describe()).rejects.toBeInstanceOf(
    WorkflowNotFoundError,
  );
  expect(t.calls.names()).not.toContain('taskRunStarted');
}

describe('scheduledTaskWorkflow (stub activities)', () => {
  it('without upstream: stores the run, runs it as the child task-<run id>, and returns its result', async () => {
    const plan = scheduledRun();
    await env.run(stubs(plan), async (t) => {
      const handle = await t.start<ScheduledTaskWorkflow>('scheduledTaskWorkflow', { scheduleId: 'sched-1' });
      const result = await t.result(handle);

      expect(result).toEqual({ runId: plan.runId, status: 'COMPLETED' });
      const [stored] = t.calls.inputs('storeScheduledRun');
      expect(stored).toEqual({
        scheduleId: 'sched-1',
        workflowId: handle.workflowId,
        workflowRunId: handle.firstExecutionRunId,
        scheduledAt: expect.any(String),
      });
      // Not started by a Temporal schedule: the slot is when the wrapper started.
      const started = (await handle.describe()).startTime.getTime();
      expect(Math.abs(Date.parse(stored.scheduledAt) - started)).toBeLessThan(1000);
      const child = await t.client.workflow.getHandle(plan.workflowId).describe();
      expect([child.type, child.status.name]).toEqual(['taskRunWorkflow', 'COMPLETED']);
      expect(t.calls.of('finishTaskRun').map((c) => [c.workflowId, c.input])).toEqual([
        [plan.workflowId, { runId: plan.runId, status: 'COMPLETED', reason: null, notRun: [] }],
      ]);
      expect(t.calls.names()).not.toContain('awaitUpstream');
      expect(t.calls.names()).not.toContain('endScheduledRun');
    });
  });

  it('fails SCHEDULED_RUN_FAILED when its run ends otherwise than completed (pause-on-failure sees it)', async () => {
    const plan = scheduledRun();
    await env.run(
      stubs(plan, {
        completeStep: async () => ({ ok: false, kind: 'THRESHOLD', message: 'too many failed' }),
      }),
      async (t) => {
        const handle = await t.start<ScheduledTaskWorkflow>('scheduledTaskWorkflow', {
          scheduleId: 'sched-1',
        });
        const error = await t.result(handle).then(
          () => undefined,
          (e: unknown) => e,
        );

        expect(error).toBeInstanceOf(WorkflowFailedError);
        const cause = (error as WorkflowFailedError).cause;
        expect(cause).toBeInstanceOf(ApplicationFailure);
        expect((cause as ApplicationFailure).type).toBe('SCHEDULED_RUN_FAILED');
        expect(cause?.message).toBe(`run ${plan.runId} ended FAILED`);
        expect(t.calls.inputs('finishTaskRun').map((f) => f.status)).toEqual(['FAILED']);
      },
    );
  });

  it('upstream UNMET with onUnmet SKIP: the run ends SKIPPED and its workflow never starts', async () => {
    const plan = scheduledRun(upstreamPolicy({ onUnmet: 'SKIP', onTimeout: 'FAIL' }));
    await env.run(
      stubs(plan, { awaitUpstream: async () => upstreamOutcome('UNMET', 'nightly-backup ended FAILED') }),
      async (t) => {
        const handle = await t.start<ScheduledTaskWorkflow>('scheduledTaskWorkflow', {
          scheduleId: 'sched-1',
        });
        const result = await t.result(handle);

        expect(result).toEqual({ runId: plan.runId, status: 'SKIPPED' });
        const [wait] = t.calls.inputs('awaitUpstream');
        expect(wait).toMatchObject({ runId: plan.runId, upstream: plan.upstream });
        // The wait ends by itself at the slot (or the firing) plus the policy's timeout.
        const waitMs = Date.parse(wait.deadline) - Date.parse(wait.scheduledAt);
        expect(waitMs).toBeGreaterThanOrEqual(600_000);
        expect(waitMs).toBeLessThan(660_000);
        expect(t.calls.inputs('endScheduledRun')).toEqual([
          {
            runId: plan.runId,
            status: 'SKIPPED',
            reason: 'upstream ended otherwise than required: nightly-backup ended FAILED',
          },
        ]);
        expect(t.calls.names()).not.toContain('upstreamPassed');
        await childNeverStarted(t, plan);
      },
    );
  });

  it('upstream TIMED_OUT with onTimeout FAIL: the run ends FAILED and the wrapper fails UPSTREAM_NOT_MET', async () => {
    const plan = scheduledRun(upstreamPolicy({ onUnmet: 'SKIP', onTimeout: 'FAIL', timeoutSeconds: 60 }));
    await env.run(
      stubs(plan, {
        awaitUpstream: async () => upstreamOutcome('TIMED_OUT', 'no run of nightly-backup came'),
      }),
      async (t) => {
        const handle = await t.start<ScheduledTaskWorkflow>('scheduledTaskWorkflow', {
          scheduleId: 'sched-1',
        });
        const error = await t.result(handle).then(
          () => undefined,
          (e: unknown) => e,
        );

        expect(error).toBeInstanceOf(WorkflowFailedError);
        expect(((error as WorkflowFailedError).cause as ApplicationFailure).type).toBe('UPSTREAM_NOT_MET');
        const [ended] = t.calls.inputs('endScheduledRun');
        expect(ended.status).toBe('FAILED');
        expect(ended.reason).toMatch(
          /^upstream not ended as required within 60 s \(slot .*\): no run of nightly-backup came$/,
        );
        await childNeverStarted(t, plan);
      },
    );
  });

  it('upstream MET: upstreamPassed, then the child runs', async () => {
    const plan = scheduledRun(upstreamPolicy());
    await env.run(
      stubs(plan, { awaitUpstream: async () => upstreamOutcome('MET', 'nightly-backup COMPLETED') }),
      async (t) => {
        const handle = await t.start<ScheduledTaskWorkflow>('scheduledTaskWorkflow', {
          scheduleId: 'sched-1',
        });
        const result = await t.result(handle);

        expect(result).toEqual({ runId: plan.runId, status: 'COMPLETED' });
        expect(t.calls.inputs('upstreamPassed')).toEqual([
          { runId: plan.runId, level: 'INFO', message: 'upstream met: nightly-backup COMPLETED' },
        ]);
        expect(t.calls.indexOf('upstreamPassed')).toBeGreaterThan(t.calls.indexOf('awaitUpstream'));
        expect(t.calls.indexOf('taskRunStarted')).toBeGreaterThan(t.calls.indexOf('upstreamPassed'));
        expect(t.calls.of('taskRunStarted').map((c) => c.workflowId)).toEqual([plan.workflowId]);
        expect(t.calls.names()).not.toContain('endScheduledRun');
      },
    );
  });

  it('cancelled while it waits for upstream: the wait stops, the run ends CANCELLED, the wrapper ends cancelled', async () => {
    const plan = scheduledRun(upstreamPolicy());
    const never = new Gate();
    await env.run(
      stubs(plan, {
        // Like the real wait (Context.sleep between polls), it ends when cancelled.
        awaitUpstream: async () => {
          await hold(never, 'cancel');
          return upstreamOutcome('MET', 'never');
        },
      }),
      async (t) => {
        const handle = await t.start<ScheduledTaskWorkflow>('scheduledTaskWorkflow', {
          scheduleId: 'sched-1',
        });
        await t.calls.until('the wrapper waits for upstream', (log) => log.of('awaitUpstream').length === 1);
        await handle.cancel();
        const error = await t.result(handle).then(
          () => undefined,
          (e: unknown) => e,
        );

        expect(error).toBeInstanceOf(WorkflowFailedError);
        expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
        expect(t.calls.inputs('endScheduledRun')).toEqual([
          { runId: plan.runId, status: 'CANCELLED', reason: 'cancelled before it started' },
        ]);
        await t.calls.until('the wait to be cancelled', (log) =>
          log.of('awaitUpstream').every((c) => c.cancelRequested && c.outcome === 'failed'),
        );
        expect(t.calls.names()).not.toContain('upstreamPassed');
        await childNeverStarted(t, plan);
      },
    );
  });
});
