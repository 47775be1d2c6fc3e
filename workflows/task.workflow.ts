import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { CHANGE_KINDS, type StepDefinition } from '../libs/tasks/src/definition';
import { guardDevices } from './safety';
import { BOOKKEEPING_OPTIONS, PERMANENT_ERROR_TYPES } from './activity-options';
import { describeFailure, pool, untilDatabaseAnswers } from './pool';
import type {
  CollectionWorkflow,
  ItemActivities,
  ItemPlan,
  PauseRequest,
  ResumeRequest,
  RollbackRequest,
  ShardInput,
  StepDecision,
  StepPlan,
  StepRetrySpec,
  StepStatus,
  TaskActivities,
  TaskRunInput,
  TaskRunResult,
  TaskRunState,
  TaskRunStatus,
  TaskRunWorkflow,
} from './contracts';

export const pauseSignal = defineSignal<[PauseRequest]>('pause');
export const resumeSignal = defineSignal<[ResumeRequest]>('resume');
export const rollbackSignal = defineSignal<[RollbackRequest]>('rollback');
export const stepDecisionSignal = defineSignal<[StepDecision]>('stepDecision');
export const taskStateQuery = defineQuery<TaskRunState>('state');

/** Done, as far as the steps that depend on it are concerned. */
const SATISFIED: StepStatus[] = ['SUCCEEDED', 'SKIPPED', 'REUSED'];

function seconds(s: number | undefined): number | undefined {
  return s === undefined ? undefined : s * 1000;
}

/** Activity options for the work a step does itself (HTTP, per device, per item). */
function stepOptions(step: StepRetrySpec, timeouts: TaskRunInput['timeouts']): ActivityOptions {
  const retry = step.retry ?? {};
  return {
    startToCloseTimeout: seconds(step.timeoutSeconds) ?? timeouts.itemStartToCloseMs,
    heartbeatTimeout: timeouts.heartbeatMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: retry.maximumAttempts ?? 3,
      initialInterval: seconds(retry.initialIntervalSeconds) ?? 1000,
      backoffCoefficient: retry.backoffCoefficient ?? 2,
      maximumInterval: seconds(retry.maximumIntervalSeconds) ?? 60_000,
      nonRetryableErrorTypes: PERMANENT_ERROR_TYPES,
    },
  };
}

/**
 * Runs any task definition. Every step whose dependencies are satisfied starts, up to the
 * definition's concurrency; outputs stay in PostgreSQL and later steps read them by reference.
 * A step that fails for good (without `continueOnError`), a rollback request or a cancel stops new
 * steps, lets running ones end (cancel cancels them), then runs the compensations of completed
 * steps in reverse completion order in a scope that cannot be cancelled.
 */
export async function taskRunWorkflow(input: TaskRunInput): Promise<TaskRunResult> {
  const { runId, definition } = input;
  const book = proxyActivities<TaskActivities>(BOOKKEEPING_OPTIONS);
  const steps = new Map(definition.steps.map((s) => [s.id, s]));
  const status: Record<string, StepStatus> = {};
  for (const step of definition.steps)
    status[step.id] = input.reused.includes(step.id) ? 'REUSED' : 'PENDING';
  // Steps to undo on rollback, in the order they ended: those that succeeded, and change steps that
  // failed or were cancelled part-way (their compensation runs on the devices they reached).
  const completed: string[] = [...input.reused];

  let paused = false;
  let tick = 0;
  const bump = () => {
    tick++;
  };
  let stopReason: string | undefined;
  let continuedFailures = 0;
  const decisions = new Map<string, StepDecision>();

  setHandler(taskStateQuery, () => ({ paused, steps: status }));
  setHandler(pauseSignal, () => {
    paused = true;
    bump();
  });
  setHandler(resumeSignal, () => {
    paused = false;
    bump();
  });
  setHandler(rollbackSignal, ({ by, reason }) => {
    stopReason ??= `rollback requested${by ? ` by ${by}` : ''}${reason ? `: ${reason}` : ''}`;
    bump();
  });
  // Keyed like items: `<step>` for the step, `<step>#compensate` for its compensation.
  setHandler(stepDecisionSignal, (d) => {
    const key = d.compensation ? `${d.stepId}#compensate` : d.stepId;
    if (!decisions.has(key)) decisions.set(key, d);
    bump();
  });

  const nonCancellable = <T>(fn: () => Promise<T>) => CancellationScope.nonCancellable(fn);

  /** Runs the step (or its compensation) and returns how it ended; throws when it failed. */
  const execute = async (step: StepDefinition, compensation: boolean): Promise<'SUCCEEDED' | 'SKIPPED'> => {
    const plan: StepPlan = await book.prepareStep({ runId, stepId: step.id, compensation });
    if (plan.type === 'skip') return 'SKIPPED';
    const spec = compensation ? step.compensate! : step;
    let output: unknown;
    switch (plan.type) {
      case 'sleep':
        if (plan.seconds > 0) await sleep(plan.seconds * 1000);
        output = { seconds: plan.seconds };
        break;
      case 'approval':
        output = await approve(compensation ? `${step.id}#compensate` : step.id, plan);
        break;
      case 'collection':
        await executeChild<CollectionWorkflow>('collectionWorkflow', {
          workflowId: plan.workflowId,
          args: [plan.input],
          cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        });
        break;
      case 'subtask': {
        const result = await executeChild<TaskRunWorkflow>('taskRunWorkflow', {
          workflowId: plan.workflowId,
          args: [plan.input],
          cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        });
        if (result.status !== 'COMPLETED' && result.status !== 'COMPLETED_WITH_ERRORS') {
          throw ApplicationFailure.create({
            type: 'SUBTASK_FAILED',
            message: `subtask run ${result.runId} ended ${result.status}`,
            nonRetryable: true,
          });
        }
        break;
      }
      case 'http': {
        const http = proxyActivities<ItemActivities>({
          ...stepOptions(spec, input.timeouts),
          ...(plan.queue ? { taskQueue: plan.queue } : {}),
        });
        await untilDatabaseAnswers(() => http.runHttpStep({ runId, stepKey: plan.stepKey }));
        break;
      }
      case 'items':
        if (CHANGE_KINDS.includes(spec.kind)) await guard(step.id, plan.stepKey, compensation);
        await runItems(plan, spec);
        break;
    }
    const done = await book.completeStep({ runId, stepId: step.id, compensation, output });
    if (!done.ok) {
      throw ApplicationFailure.create({ type: done.kind, message: done.message, nonRetryable: true });
    }
    return 'SUCCEEDED';
  };

  const guard = (stepId: string, stepKey: string, compensation: boolean) =>
    guardDevices({ runId, stepId, stepKey, safety: definition.safety, skipWindows: compensation });

  const approve = async (key: string, plan: Extract<StepPlan, { type: 'approval' }>) => {
    const decided = await condition(() => decisions.has(key), plan.timeoutSeconds * 1000);
    const d: StepDecision = decided
      ? decisions.get(key)!
      : {
          stepId: key.split('#')[0],
          approve: plan.defaultDecision === 'approve',
          by: 'timeout',
          comment: `no decision within ${plan.timeoutSeconds} s`,
        };
    const output = {
      decision: d.approve ? 'approved' : 'rejected',
      by: d.by ?? null,
      comment: d.comment ?? null,
      decidedAt: new Date().toISOString(),
    };
    if (!d.approve) {
      throw ApplicationFailure.create({
        type: 'APPROVAL_REJECTED',
        message: decided
          ? `rejected${d.by ? ` by ${d.by}` : ''}${d.comment ? `: ${d.comment}` : ''}`
          : d.comment!,
        nonRetryable: true,
        details: [output],
      });
    }
    return output;
  };

  const runItems = async (plan: ItemPlan, spec: StepRetrySpec) => {
    if (!plan.sharded) {
      await itemRange(runId, plan, 0, plan.count, plan.concurrency, stepOptions(spec, input.timeouts));
      return;
    }
    const shards = Math.ceil(plan.count / plan.shardSize);
    const perShard = Math.min(plan.concurrency, plan.shardSize);
    const parallel = Math.max(1, Math.floor(plan.concurrency / perShard));
    const ids = Array.from({ length: shards }, (_, i) => i);
    await pool(ids, parallel, async (shard) => {
      await executeChild(taskShardWorkflow, {
        workflowId: `${workflowInfo().workflowId}/${plan.stepKey}/shard-${shard}`,
        args: [
          {
            runId,
            plan,
            from: shard * plan.shardSize,
            to: Math.min(plan.count, (shard + 1) * plan.shardSize),
            concurrency: perShard,
            step: { retry: spec.retry, timeoutSeconds: spec.timeoutSeconds },
            timeouts: input.timeouts,
          },
        ],
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      });
    });
  };

  let running = 0;
  const runStep = async (step: StepDefinition) => {
    running++;
    status[step.id] = 'RUNNING';
    try {
      status[step.id] = await execute(step, false);
      if (status[step.id] === 'SUCCEEDED') completed.push(step.id);
    } catch (error) {
      if (isCancellation(error)) {
        status[step.id] = 'CANCELLED';
        if (CHANGE_KINDS.includes(step.kind) && step.compensate) completed.push(step.id);
        await nonCancellable(() =>
          book.stepFailed({ runId, stepId: step.id, kind: 'CANCELLED', message: 'cancelled' }),
        );
      } else {
        status[step.id] = 'FAILED';
        // A change step that failed may have changed some of its devices: undo it there too.
        if (CHANGE_KINDS.includes(step.kind) && step.compensate) completed.push(step.id);
        const failure = describeFailure(unwrapChild(error));
        await nonCancellable(() =>
          book.stepFailed({ runId, stepId: step.id, ...failure, output: failureDetails(error) }),
        );
        if (step.continueOnError) continuedFailures++;
        else stopReason ??= `step ${step.id} failed: ${failure.message}`;
      }
    } finally {
      running--;
      bump();
    }
  };

  const ready = (step: StepDefinition) =>
    status[step.id] === 'PENDING' &&
    step.dependsOn.every((d) => SATISFIED.includes(status[d]) || tolerated(d));
  const tolerated = (id: string) => status[id] === 'FAILED' && steps.get(id)!.continueOnError;

  let cancelled = false;
  const inFlight: Promise<void>[] = [];
  let recordedPause = false;
  try {
    await book.taskRunStarted({ runId });
    for (;;) {
      if (!paused && stopReason === undefined) {
        for (const step of definition.steps) {
          if (running >= definition.concurrency) break;
          if (ready(step)) inFlight.push(runStep(step));
        }
      }
      // Done when nothing runs and nothing more may start (paused or not).
      const startable = definition.steps.some((s) => ready(s));
      if (running === 0 && (stopReason !== undefined || !startable)) break;
      // Read before recording a pause: a step that ends while notePause runs still wakes the loop.
      const seen = tick;
      if (paused !== recordedPause) {
        recordedPause = paused;
        await book.notePause({ runId, paused });
      }
      await condition(() => tick !== seen);
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    cancelled = true;
    stopReason ??= 'run cancelled';
  }
  // Steps still running were cancelled with the run: wait until each has closed its sessions.
  await nonCancellable(() => Promise.all(inFlight));
  for (const step of definition.steps) if (status[step.id] === 'PENDING') status[step.id] = 'NOT_RUN';

  let final: TaskRunStatus;
  if (stopReason === undefined) {
    final = continuedFailures > 0 ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED';
  } else {
    const toUndo = [...completed].reverse().filter((id) => steps.get(id)!.compensate);
    if (toUndo.length === 0) {
      final = cancelled ? 'CANCELLED' : 'FAILED';
    } else {
      final = await nonCancellable(async () => {
        await book.rollbackStarted({ runId, reason: stopReason!, steps: toUndo });
        let ok = true;
        for (const id of toUndo) {
          try {
            await execute(steps.get(id)!, true);
          } catch (error) {
            ok = false;
            await book.compensationFailed({ runId, stepId: id, ...describeFailure(unwrapChild(error)) });
          }
        }
        return ok ? 'ROLLED_BACK' : 'ROLLBACK_FAILED';
      });
    }
  }
  await nonCancellable(() =>
    book.finishTaskRun({ runId, status: final, reason: stopReason ?? null, notRun: notRun() }),
  );
  return { runId, status: final };

  function notRun() {
    return definition.steps.filter((s) => status[s.id] === 'NOT_RUN').map((s) => s.id);
  }
}

function unwrapChild(error: unknown): unknown {
  return error instanceof ChildWorkflowFailure && error.cause ? error.cause : error;
}

function failureDetails(error: unknown): unknown {
  const cause = unwrapChild(error);
  return cause instanceof ApplicationFailure && cause.details?.length ? cause.details[0] : undefined;
}

/** Run items [from, to) of a step; a failed item is recorded and the others go on. */
async function itemRange(
  runId: string,
  plan: ItemPlan,
  from: number,
  to: number,
  concurrency: number,
  options: ActivityOptions,
  /** Shards start over with a fresh history when Temporal suggests it; the run's own workflow does not. */
  canContinueAsNew = false,
): Promise<{ next: number }> {
  const book = proxyActivities<TaskActivities>(BOOKKEEPING_OPTIONS);
  // Device items run on their route's queue (site, capabilities), or on the node placed for them
  // by latency and load (see libs/temporal/src/placement.ts).
  const placements =
    plan.perItem === 'activity'
      ? await book.itemQueues({ runId, stepKey: plan.stepKey, from, to, requires: plan.requires })
      : [];
  // An item placed on one node that is lost (dead, or its slots stay full) before the item starts
  // fails with a schedule-to-start timeout, then runs on its route instead.
  const heartbeat = typeof options.heartbeatTimeout === 'number' ? options.heartbeatTimeout : 10_000;
  const nodeOptions: ActivityOptions = {
    ...options,
    scheduleToStartTimeout: Math.max(10_000, 3 * heartbeat),
  };
  const proxies = new Map<string, ItemActivities>();
  const proxyFor = (queue: string | null, onNode = false): ItemActivities => {
    const key = `${queue ?? ''}|${onNode}`;
    if (!proxies.has(key)) {
      const base = onNode ? nodeOptions : options;
      proxies.set(key, proxyActivities<ItemActivities>(queue ? { ...base, taskQueue: queue } : base));
    }
    return proxies.get(key)!;
  };
  const runItem = async (index: number): Promise<void> => {
    const args = { runId, stepKey: plan.stepKey, index };
    const placement = placements[index - from];
    if (!placement?.node) {
      await untilDatabaseAnswers(() => proxyFor(placement?.queue ?? null).runStepItem(args));
      return;
    }
    try {
      await untilDatabaseAnswers(() => proxyFor(placement.queue, true).runStepItem(args));
    } catch (error) {
      if (!lostNode(error)) throw error;
      await untilDatabaseAnswers(() => proxyFor(placement.fallback).runStepItem(args));
    }
  };
  const indexes = Array.from({ length: to - from }, (_, i) => from + i);
  let next = from;
  await pool(indexes, concurrency, async (index, stop) => {
    next = Math.max(next, index + 1);
    try {
      if (plan.perItem === 'subtask') {
        const child = await book.prepareItemSubtask({ runId, stepKey: plan.stepKey, index });
        if (child) {
          await executeChild<TaskRunWorkflow>('taskRunWorkflow', {
            workflowId: child.workflowId,
            args: [child.input],
            cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
          });
          await book.recordItemSubtask({ runId, stepKey: plan.stepKey, index });
        }
      } else {
        await runItem(index);
      }
    } catch (error) {
      if (isCancellation(error)) throw error;
      await book.recordItemFailure({
        runId,
        stepKey: plan.stepKey,
        index,
        ...describeFailure(unwrapChild(error)),
      });
    }
    // A long shard starts over with a fresh history before it grows too large.
    if (canContinueAsNew && workflowInfo().continueAsNewSuggested) stop();
  });
  return { next };
}

/** The activity never started on its node: the node is gone, or kept no slot free in time. */
function lostNode(error: unknown): boolean {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  return cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START';
}

/**
 * One shard of a fan-out: items [from, to) with bounded concurrency. Items are idempotent (an item
 * that already succeeded is not run again), so a shard that continues as new, or an attempt that
 * moves to another worker, repeats no finished item.
 */
export async function taskShardWorkflow(input: ShardInput): Promise<void> {
  const options = stepOptions(input.step, input.timeouts);
  const { next } = await itemRange(
    input.runId,
    input.plan,
    input.from,
    input.to,
    input.concurrency,
    options,
    true,
  );
  if (next < input.to) await continueAsNew<typeof taskShardWorkflow>({ ...input, from: next });
}
