import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowCancellationType,
  executeChild,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { BOOKKEEPING_OPTIONS } from './activity-options';
import type {
  ScheduleActivities,
  ScheduledRunPlan,
  ScheduledTaskInput,
  ScheduledTaskResult,
  TaskRunResult,
  TaskRunWorkflow,
} from './contracts';

/** Set by Temporal on every workflow a schedule starts: the nominal time it fired for (before jitter). */
const SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

/** The time this execution was scheduled for: Temporal's search attribute, else when it started. */
function scheduledTime(): Date {
  const info = workflowInfo();
  const typed = info.typedSearchAttributes.get(SCHEDULED_START_TIME);
  if (typed instanceof Date && !Number.isNaN(typed.getTime())) return typed;
  // Untyped payloads (no type metadata) only show up in the older, untyped map.
  const raw = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  if (raw !== undefined) {
    const date = raw instanceof Date ? raw : new Date(String(raw));
    if (!Number.isNaN(date.getTime())) return date;
  }
  return info.startTime;
}

/**
 * What a schedule's action starts: stores a task run exactly as the API does (with the schedule
 * and the scheduled time), then runs it as a child `taskRunWorkflow` (`task-<run id>`). It fails
 * when the run ends other than COMPLETED or COMPLETED_WITH_ERRORS, so that the schedule's
 * pause-on-failure sees the run's outcome.
 *
 * Cancelled (overlap policy CANCEL_OTHER, or an operator): the run is cancelled and rolls back as
 * any cancelled run, and this workflow ends cancelled (which does not pause the schedule).
 * Terminated (TERMINATE_OTHER): Temporal terminates the child too, and no code of either runs
 * again; the API's ScheduleReconciler then records the run as FAILED.
 */
export async function scheduledTaskWorkflow(input: ScheduledTaskInput): Promise<ScheduledTaskResult> {
  const info = workflowInfo();
  const book = proxyActivities<ScheduleActivities>(BOOKKEEPING_OPTIONS);
  // Stored even if a cancel arrives meanwhile, so that the run row always tells what happened.
  const plan = await CancellationScope.nonCancellable(() =>
    book.storeScheduledRun({
      scheduleId: input.scheduleId,
      workflowId: info.workflowId,
      workflowRunId: info.runId,
      scheduledAt: scheduledTime().toISOString(),
    }),
  );
  let result: TaskRunResult;
  try {
    if (plan.upstream) {
      const skipped = await awaitUpstream(plan, book);
      if (skipped) return skipped;
    }
    result = await executeChild<TaskRunWorkflow>('taskRunWorkflow', {
      workflowId: plan.workflowId,
      args: [plan.input],
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      priority: { priorityKey: plan.priority },
      memo: { runId: plan.runId, kind: 'task', devices: 0, scheduleId: input.scheduleId },
    });
  } catch (error) {
    if (isCancellation(error)) {
      // Cancelled before the run's workflow started: the run never ran.
      await CancellationScope.nonCancellable(() =>
        book.endScheduledRun({
          runId: plan.runId,
          status: 'CANCELLED',
          reason: 'cancelled before it started',
        }),
      );
    }
    throw error;
  }
  if (CancellationScope.current().consideredCancelled) {
    // The run handled the cancel (and rolled back); end as cancelled, not failed.
    throw new CancelledFailure(`run ${result.runId} ended ${result.status} (cancelled)`);
  }
  if (result.status !== 'COMPLETED' && result.status !== 'COMPLETED_WITH_ERRORS') {
    throw ApplicationFailure.create({
      type: 'SCHEDULED_RUN_FAILED',
      message: `run ${result.runId} ended ${result.status}`,
      nonRetryable: true,
    });
  }
  return result;
}

/**
 * Wait for the upstream tasks' runs of this slot, then apply the policy: go ahead (null), or end
 * the run SKIPPED (returned) or FAILED (thrown, so that pause-on-failure sees it). The wait is
 * one long activity that heartbeats; it ends by itself at the slot plus the policy's timeout.
 */
async function awaitUpstream(
  plan: ScheduledRunPlan,
  book: ReturnType<typeof proxyActivities<ScheduleActivities>>,
): Promise<ScheduledTaskResult | null> {
  const policy = plan.upstream!;
  // Counted from the slot, or from the firing when later (a backfill, a catch-up), so that a late
  // firing still waits. Workflow time: the same on replay.
  const deadline = Math.max(Date.parse(plan.scheduledAt), Date.now()) + policy.timeoutSeconds * 1000;
  const { awaitUpstream: wait } = proxyActivities<ScheduleActivities>({
    // The deadline is the activity's own; this only bounds an attempt that lost its worker.
    startToCloseTimeout: deadline - Date.now() + 120_000,
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  const outcome = await wait({
    runId: plan.runId,
    scheduledAt: plan.scheduledAt,
    deadline: new Date(deadline).toISOString(),
    upstream: policy,
  });
  if (outcome.outcome === 'MET') {
    await book.upstreamPassed({
      runId: plan.runId,
      level: 'INFO',
      message: `upstream met: ${outcome.summary}`,
    });
    return null;
  }
  const action = outcome.outcome === 'TIMED_OUT' ? policy.onTimeout : policy.onUnmet;
  const why =
    outcome.outcome === 'TIMED_OUT'
      ? `upstream not ended as required within ${policy.timeoutSeconds} s (slot ${plan.scheduledAt}): ${outcome.summary}`
      : `upstream ended otherwise than required: ${outcome.summary}`;
  if (action === 'RUN') {
    await book.upstreamPassed({
      runId: plan.runId,
      level: 'WARN',
      message: `${why}; runs anyway (policy RUN)`,
    });
    return null;
  }
  if (action === 'SKIP') {
    await CancellationScope.nonCancellable(() =>
      book.endScheduledRun({ runId: plan.runId, status: 'SKIPPED', reason: why }),
    );
    return { runId: plan.runId, status: 'SKIPPED' };
  }
  await CancellationScope.nonCancellable(() =>
    book.endScheduledRun({ runId: plan.runId, status: 'FAILED', reason: why }),
  );
  throw ApplicationFailure.create({
    type: 'UPSTREAM_NOT_MET',
    message: `run ${plan.runId}: ${why}`,
    nonRetryable: true,
  });
}
