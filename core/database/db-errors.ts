import { QueryFailedError } from 'typeorm';

/** SQLSTATE classes and codes that mean "the database is not there right now", not "this statement is wrong". */
const UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const MESSAGES = [
  'Connection terminated',
  'connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'terminating connection due to administrator command',
  'the database system is starting up',
  'the database system is shutting down',
  'Connection ended',
];

/**
 * Whether an error means PostgreSQL is unreachable or restarting: an infrastructure failure to
 * retry until it answers again, never a failure of the device or step being worked on.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const err = e as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    const code = typeof err.code === 'string' ? err.code : undefined;
    if (code && (UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code) || code.startsWith('08')))
      return true;
    const message = typeof err.message === 'string' ? err.message : '';
    if (MESSAGES.some((m) => message.includes(m))) return true;
    // A pool that could not connect to any address reports an AggregateError of the attempts.
    if (Array.isArray(err.errors) && err.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    e = e instanceof QueryFailedError ? err.driverError : (err.driverError ?? err.cause);
  }
  return false;
}

/** The PostgreSQL error code and constraint of a failed query, if it is one. */
export function pgError(error: unknown): { code?: string; constraint?: string } {
  return error instanceof QueryFailedError
    ? ((error.driverError ?? {}) as { code?: string; constraint?: string })
    : {};
}

export const isUniqueViolation = (error: unknown, constraint?: string): boolean => {
  const e = pgError(error);
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
};

/** Serialisation failures and deadlocks: the transaction may simply be tried again. */
export const isRetryableConflict = (error: unknown): boolean => {
  const { code } = pgError(error);
  return code === '40001' || code === '40P01';
};

/**
 * Run a transaction again when PostgreSQL aborted it as a deadlock victim or for a serialisation
 * failure (both mean: nothing was written, try again), up to `attempts` times with a short,
 * growing, jittered pause.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryableConflict(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt + Math.random() * 50));
    }
  }
}
