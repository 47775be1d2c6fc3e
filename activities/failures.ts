import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { isDatabaseUnavailable } from '../core/database/db-errors';
import { IllegalTransitionError } from '../core/runs/run-states';
import { SwitchboardError } from '../libs/common/src/errors';
import { WorkFailure } from '../libs/common/src/failures';
import { HttpStepError } from '../libs/http/src';
import { SshError } from '../libs/ssh/src';

/** The failure type of an activity that could not reach PostgreSQL: retried until it answers. */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/**
 * An activity's error as the ApplicationFailure Temporal retries (or not) by its type. Device and
 * step failures keep their kind (AUTH_FAILED, CONFIG_REJECTED, ...); PostgreSQL being unreachable
 * is DATABASE_UNAVAILABLE, which workflows never count against a device; a refused state
 * transition is a bug and is not retried.
 */
export function toActivityFailure(error: unknown, cancelled = false): ApplicationFailure {
  if (cancelled)
    return ApplicationFailure.create({ type: 'CANCELLED', message: 'run cancelled', nonRetryable: true });
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof SshError || error instanceof HttpStepError) {
    return ApplicationFailure.create({
      type: error.kind,
      message: error.message,
      nonRetryable: !error.retryable,
    });
  }
  if (error instanceof WorkFailure) {
    return ApplicationFailure.create({
      type: error.kind,
      message: error.message,
      nonRetryable: !error.retryable,
    });
  }
  if (error instanceof IllegalTransitionError) {
    return ApplicationFailure.create({
      type: 'ILLEGAL_TRANSITION',
      message: error.message,
      nonRetryable: true,
    });
  }
  if (error instanceof SwitchboardError) {
    return ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: true });
  }
  if (isDatabaseUnavailable(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    return ApplicationFailure.create({
      type: DATABASE_UNAVAILABLE,
      message: `the database is unavailable (${detail})`,
      nonRetryable: false,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({ type: 'ERROR', message, nonRetryable: false });
}

/**
 * Every activity's errors go through toActivityFailure, in one place: activities throw what
 * happened (an SshError, a WorkFailure, a database error), never a stack trace for a user.
 * Cancellation is left as it is, so that Temporal records the activity as cancelled.
 */
export const failureInterceptor: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        if (error instanceof CancelledFailure) throw error;
        throw toActivityFailure(error);
      }
    },
  },
});
