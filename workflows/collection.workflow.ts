import {
  CancellationScope,
  defineQuery,
  isCancellation,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type {
  CollectionActivities,
  CollectionInput,
  CollectionProgress,
  CollectionResult,
  RunActivities,
} from './contracts';
import { BOOKKEEPING_OPTIONS, deviceActivityOptions } from './activity-options';
import { describeFailure, pool, untilDatabaseAnswers } from './pool';

export const collectionProgressQuery = defineQuery<CollectionProgress>('progress');

/**
 * Collect command output from many devices: one activity per device, at most `concurrency` at once.
 * A device that fails is recorded and the run goes on; outputs live in PostgreSQL, only summaries
 * pass through the workflow history. Cancelling the run cancels the activities, which close their
 * SSH sessions before the run is marked cancelled.
 */
export async function collectionWorkflow(input: CollectionInput): Promise<CollectionResult> {
  const bookkeeping = proxyActivities<RunActivities & CollectionActivities>(BOOKKEEPING_OPTIONS);
  const devices = proxyActivities<CollectionActivities>(deviceActivityOptions(input));

  const progress: CollectionProgress = { total: input.deviceIds.length, running: 0, succeeded: 0, failed: 0 };
  setHandler(collectionProgressQuery, () => progress);

  let cancelled = false;
  try {
    await bookkeeping.markRunStarted({ runId: input.runId });
  } catch (error) {
    if (!isCancellation(error)) throw error;
    cancelled = true;
  }

  const collectOne = async (deviceId: string): Promise<void> => {
    progress.running++;
    try {
      const queue = input.queues?.[deviceId];
      const on = queue
        ? proxyActivities<CollectionActivities>({ ...deviceActivityOptions(input), taskQueue: queue })
        : devices;
      await untilDatabaseAnswers(() =>
        on.collectDevice({
          runId: input.runId,
          deviceId,
          commands: input.commands,
          commandsByPlatform: input.commandsByPlatform,
          commandTimeoutMs: input.commandTimeoutMs,
        }),
      );
      progress.succeeded++;
    } catch (error) {
      if (isCancellation(error)) throw error;
      progress.failed++;
      await bookkeeping.recordDeviceFailure({ runId: input.runId, deviceId, ...describeFailure(error) });
    } finally {
      progress.running--;
    }
  };

  let unexpected: unknown;
  if (!cancelled) {
    try {
      await pool(input.deviceIds, input.concurrency, (deviceId) => collectOne(deviceId));
    } catch (error) {
      if (isCancellation(error)) cancelled = true;
      else unexpected = error;
    }
  }
  if (CancellationScope.current().consideredCancelled) cancelled = true;

  const result = await CancellationScope.nonCancellable(() =>
    bookkeeping.finishRun({
      runId: input.runId,
      cancelled,
      error: unexpected ? String((unexpected as Error)?.message ?? unexpected) : undefined,
    }),
  );
  if (unexpected) throw unexpected;
  return result;
}
