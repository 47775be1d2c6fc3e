import { ActivityFailure, ApplicationFailure, sleep, TimeoutFailure } from '@temporalio/workflow';

/**
 * Run `work` over `items` with at most `limit` in flight; `stop()` starts no new item. Waits for
 * every lane (on cancellation each activity first closes its session), then rethrows the first
 * failure of a lane.
 */
export async function pool<T>(
  items: T[],
  limit: number,
  work: (item: T, stop: () => void) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  const lane = async () => {
    while (queue.length > 0 && !stopped) await work(queue.shift()!, stop);
  };
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The error kind and message of a device activity that failed for good. */
export function describeFailure(error: unknown): { kind: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { kind: cause.type ?? 'ERROR', message: cause.message };
  if (cause instanceof TimeoutFailure) {
    return { kind: 'ACTIVITY_TIMEOUT', message: `device did not finish in time (${cause.timeoutType})` };
  }
  return { kind: 'ERROR', message: cause instanceof Error ? cause.message : String(cause) };
}

/** The type activities give a failure that only means PostgreSQL could not be reached (activities/failures.ts). */
const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/** Whether an activity failed only because the database was unreachable (not the device's fault). */
export function databaseUnavailable(error: unknown): boolean {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  return cause instanceof ApplicationFailure && cause.type === DATABASE_UNAVAILABLE;
}

/**
 * Call a device's (or item's) activity again, after a durable pause that grows to a minute, for
 * as long as its failures only say the database is down: an outage of PostgreSQL is an
 * infrastructure failure that the run waits out, never a failure of the device.
 */
export async function untilDatabaseAnswers<T>(call: () => Promise<T>): Promise<T> {
  for (let pause = 2000; ; pause = Math.min(pause * 2, 60_000)) {
    try {
      return await call();
    } catch (error) {
      if (!databaseUnavailable(error)) throw error;
      await sleep(pause);
    }
  }
}
