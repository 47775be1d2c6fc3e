import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

/** Errors the SSH driver and activities mark permanent; retrying them only locks accounts or wastes time. */
export const PERMANENT_ERROR_TYPES = [
  'AUTH_FAILED',
  'UNKNOWN_PLATFORM',
  'ENABLE_FAILED',
  'NO_CREDENTIAL',
  'DEVICE_GONE',
  'BACKUP_FAILED',
  'NO_INTENDED_CONFIG',
];

/** Short database bookkeeping: retried until the database answers. */
export const BOOKKEEPING_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
};

/**
 * One activity per device: heartbeats (a dead worker is noticed after `heartbeatMs` and the
 * attempt moves elsewhere), cancellation waits until the activity closed its SSH session, and
 * transient failures are retried with backoff while permanent ones are not.
 */
export function deviceActivityOptions(input: {
  timeouts: { deviceStartToCloseMs: number; heartbeatMs: number };
  retry: { maximumAttempts: number; initialIntervalMs: number };
}): ActivityOptions {
  return {
    startToCloseTimeout: input.timeouts.deviceStartToCloseMs,
    heartbeatTimeout: input.timeouts.heartbeatMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: input.retry.maximumAttempts,
      initialInterval: input.retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: PERMANENT_ERROR_TYPES,
    },
  };
}
