import {
  CancellationScope,
  condition,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type {
  ApprovalDecision,
  ChangeActivities,
  ChangeInput,
  ChangeResult,
  RunActivities,
} from './contracts';
import { BOOKKEEPING_OPTIONS, deviceActivityOptions } from './activity-options';
import { describeFailure, pool, untilDatabaseAnswers } from './pool';
import { guardDevices } from './safety';

export const approvalSignal = defineSignal<[ApprovalDecision]>('approval');

/** Histories started before these fixes replay as they ran (docs/reliability.md, D1 and D2). */
const PLAN_FAILURES_COUNT = 'change-plan-failures-count';
const RESTORE_FAILED_APPLY = 'change-restore-failed-apply';

/**
 * A config change across devices: plan every device (what is missing; nothing when already in
 * place), stop there for a dry run, wait for approval when asked, then apply with at most
 * `concurrency` devices at once: backup, push, verify, automatic restore on failure (also when
 * the apply fails for good after its backup). The rollout stops, or never starts, once more than
 * `maxFailures` devices failed (planning or applying); with ROLLBACK_ALL the devices that changed
 * are restored too.
 */
export async function changeWorkflow(input: ChangeInput): Promise<ChangeResult> {
  const book = proxyActivities<RunActivities & ChangeActivities>(BOOKKEEPING_OPTIONS);
  const shared = proxyActivities<ChangeActivities>(deviceActivityOptions(input));
  /** A device's activities, on its site's task queue when it has one. */
  const on = (deviceId: string) => {
    const queue = input.queues?.[deviceId];
    return queue
      ? proxyActivities<ChangeActivities>({ ...deviceActivityOptions(input), taskQueue: queue })
      : shared;
  };
  let decision: ApprovalDecision | undefined;
  setHandler(approvalSignal, (d) => {
    decision ??= d;
  });

  const deviceInput = (deviceId: string) => ({
    runId: input.runId,
    deviceId,
    commandTimeoutMs: input.commandTimeoutMs,
  });
  const failDevice = (deviceId: string, error: unknown) =>
    book.recordDeviceFailure({ runId: input.runId, deviceId, ...describeFailure(error) });
  const finish = (outcome: 'DONE' | 'DRY_RUN' | 'REJECTED' | 'CANCELLED' | 'STOPPED', message: string) =>
    CancellationScope.nonCancellable(() => book.finishChange({ runId: input.runId, outcome, message }));

  /** Devices that kept the change (pushed and verified), in the order they changed. */
  const changed: string[] = [];
  /**
   * ROLLBACK_ALL: every device that changed goes back to its backup. Compensation, so it runs in a
   * scope a cancel cannot interrupt; a device that cannot be restored is recorded ROLLBACK_FAILED.
   */
  const rollBackChanged = () =>
    CancellationScope.nonCancellable(() =>
      pool([...changed], input.concurrency, async (deviceId) => {
        try {
          await untilDatabaseAnswers(() => on(deviceId).rollbackChangeDevice(deviceInput(deviceId)));
        } catch (error) {
          await book.rollbackFailed({ runId: input.runId, deviceId, ...describeFailure(error) });
        }
      }),
    );

  /**
   * An apply that failed for good may have pushed lines after its backup: put the backup back (a
   * device is never left half-configured), or record ROLLBACK_FAILED; without a backup nothing was
   * pushed and the device simply failed.
   */
  const restoreFailedApply = (deviceId: string, error: unknown) =>
    CancellationScope.nonCancellable(async () => {
      const failure = describeFailure(error);
      try {
        const summary = await untilDatabaseAnswers(() =>
          on(deviceId).restoreFailedApply({ ...deviceInput(deviceId), error: failure }),
        );
        if (summary) return;
      } catch (restoreError) {
        await book.rollbackFailed({
          runId: input.runId,
          deviceId,
          ...describeFailure(restoreError),
          context: `the apply failed for good (${failure.kind}: ${failure.message})`,
        });
        return;
      }
      await failDevice(deviceId, error);
    });

  let failures = 0;
  try {
    await book.markRunStarted({ runId: input.runId });

    // 1. Plan every device.
    const toApply: string[] = [];
    await pool(input.deviceIds, input.concurrency, async (deviceId) => {
      try {
        const plan = await untilDatabaseAnswers(() => on(deviceId).planChangeDevice(deviceInput(deviceId)));
        if (plan.lines > 0) toApply.push(deviceId);
      } catch (error) {
        if (isCancellation(error)) throw error;
        await failDevice(deviceId, error);
        if (patched(PLAN_FAILURES_COUNT)) failures++;
      }
    });
    if (input.dryRun)
      return { status: (await finish('DRY_RUN', 'dry run: plans recorded, nothing pushed')).status };
    if (toApply.length === 0) return { status: (await finish('DONE', 'nothing to change')).status };

    // Too many devices failed planning already: the rollout does not start.
    if (failures > input.maxFailures) {
      const why = `rollout not started: ${failures} device(s) failed planning, more than maxFailures ${input.maxFailures}`;
      return { status: (await finish('STOPPED', why)).status };
    }

    // 2. Approval.
    if (input.requireApproval) {
      await book.setRunStatus({
        runId: input.runId,
        status: 'AWAITING_APPROVAL',
        message: `awaiting approval to change ${toApply.length} device(s)`,
      });
      const decided = await condition(() => decision !== undefined, input.approvalTimeoutMs);
      if (!decided || !decision!.approved) {
        const why = decided
          ? `rejected${decision!.by ? ` by ${decision!.by}` : ''}${decision!.comment ? `: ${decision!.comment}` : ''}`
          : 'approval timed out';
        return { status: (await finish('REJECTED', why)).status };
      }
      await book.setRunStatus({
        runId: input.runId,
        status: 'RUNNING',
        message: `approved${decision!.by ? ` by ${decision!.by}` : ''}${decision!.comment ? `: ${decision!.comment}` : ''}`,
      });
    }

    // 3. Lock the devices (and wait for their maintenance windows), then apply, stopping the
    // rollout after too many failures. The locks go when the run finishes.
    try {
      await guardDevices({ runId: input.runId, stepId: 'apply' });
    } catch (error) {
      if (isCancellation(error)) throw error;
      return { status: (await finish('STOPPED', describeFailure(error).message)).status };
    }
    await pool(toApply, input.concurrency, async (deviceId, stop) => {
      try {
        const result = await untilDatabaseAnswers(() =>
          on(deviceId).applyChangeDevice(deviceInput(deviceId)),
        );
        if (result.failed) failures++;
        if (result.outcome === 'CHANGED') changed.push(deviceId);
      } catch (error) {
        if (isCancellation(error)) throw error;
        failures++;
        if (patched(RESTORE_FAILED_APPLY)) await restoreFailedApply(deviceId, error);
        else await failDevice(deviceId, error);
      }
      if (failures > input.maxFailures) stop();
    });
    if (failures > input.maxFailures) {
      if (input.failurePolicy === 'ROLLBACK_ALL') await rollBackChanged();
      // A cancel that came while the changed devices were being restored ends the run CANCELLED.
      const cancelled = CancellationScope.current().consideredCancelled;
      const why = `rollout stopped after ${failures} failed device(s)`;
      return { status: (await finish(cancelled ? 'CANCELLED' : 'STOPPED', why)).status };
    }
    return { status: (await finish('DONE', 'change finished')).status };
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // A cancelled rollout stops too: with ROLLBACK_ALL, the devices that changed go back.
    if (input.failurePolicy === 'ROLLBACK_ALL') await rollBackChanged();
    return { status: (await finish('CANCELLED', 'change cancelled')).status };
  }
}
