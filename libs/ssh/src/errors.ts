/**
 * Errors raised by the SSH driver. Every failure carries a `kind` the caller (a Temporal activity) can
 * branch on, and `retryable` telling whether trying again later may help.
 *
 * Messages are written for humans and never contain passwords, enable secrets or keys.
 */

export type SshErrorKind =
  | 'AUTH_FAILED'
  | 'UNKNOWN_PLATFORM'
  | 'ENABLE_FAILED'
  | 'CONNECT_FAILED'
  | 'CONNECT_TIMEOUT'
  | 'PROMPT_TIMEOUT'
  | 'COMMAND_TIMEOUT'
  | 'CONNECTION_LOST'
  | 'CANCELLED'
  | 'PROTOCOL';

export const SSH_ERROR_KINDS: readonly SshErrorKind[] = [
  'AUTH_FAILED',
  'UNKNOWN_PLATFORM',
  'ENABLE_FAILED',
  'CONNECT_FAILED',
  'CONNECT_TIMEOUT',
  'PROMPT_TIMEOUT',
  'COMMAND_TIMEOUT',
  'CONNECTION_LOST',
  'CANCELLED',
  'PROTOCOL',
];

/**
 * Failures that happen before a session could run anything on the device (no command sent): what
 * a rollback need not undo. The others (a timeout or a lost connection mid-command, a cancel, a
 * protocol error) may have come after something ran.
 */
export const BEFORE_SESSION_KINDS: readonly SshErrorKind[] = SSH_ERROR_KINDS.filter(
  (k) => !['COMMAND_TIMEOUT', 'CONNECTION_LOST', 'CANCELLED', 'PROTOCOL'].includes(k),
);

const RETRYABLE: Record<SshErrorKind, boolean> = {
  AUTH_FAILED: false,
  UNKNOWN_PLATFORM: false,
  ENABLE_FAILED: false,
  CONNECT_FAILED: true,
  CONNECT_TIMEOUT: true,
  PROMPT_TIMEOUT: true,
  COMMAND_TIMEOUT: true,
  CONNECTION_LOST: true,
  CANCELLED: false,
  PROTOCOL: true,
};

export function isRetryableKind(kind: SshErrorKind): boolean {
  return RETRYABLE[kind];
}

export class SshError extends Error {
  override readonly name = 'SshError';
  readonly kind: SshErrorKind;
  readonly retryable: boolean;

  constructor(kind: SshErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryable = RETRYABLE[kind];
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export function isSshError(value: unknown): value is SshError {
  return value instanceof SshError;
}

/** Where the failure happened: before the SSH session was ready, or during it. */
export type SshPhase = 'connect' | 'session';

const CONNECT_FAILED_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EADDRNOTAVAIL',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ETIME']);
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED']);

interface Ssh2LikeError {
  message?: unknown;
  level?: unknown;
  code?: unknown;
}

/**
 * Maps an error emitted by ssh2 (or the socket under it) to an SshError. `where` names the target
 * (e.g. `admin@10.0.0.1:22`) for the message; never pass credentials in it.
 */
export function toSshError(err: unknown, phase: SshPhase, where: string): SshError {
  if (err instanceof SshError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as Ssh2LikeError;
  const level = typeof e.level === 'string' ? e.level : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const raw = typeof e.message === 'string' ? e.message : String(err);
  const detail = sanitize(raw);

  if (level === 'client-authentication') {
    return new SshError('AUTH_FAILED', `SSH authentication failed for ${where}`, { cause: err });
  }
  if (level === 'client-dns') {
    return new SshError('CONNECT_FAILED', `Cannot resolve host for ${where}: ${detail}`, { cause: err });
  }
  if (level === 'client-timeout') {
    return phase === 'connect'
      ? new SshError('CONNECT_TIMEOUT', `Timed out connecting to ${where} (${detail})`, { cause: err })
      : new SshError('CONNECTION_LOST', `Connection to ${where} stopped responding (${detail})`, {
          cause: err,
        });
  }
  if (code !== undefined) {
    if (CONNECT_FAILED_CODES.has(code)) {
      return new SshError('CONNECT_FAILED', `Cannot connect to ${where}: ${detail}`, { cause: err });
    }
    if (TIMEOUT_CODES.has(code)) {
      return phase === 'connect'
        ? new SshError('CONNECT_TIMEOUT', `Timed out connecting to ${where}: ${detail}`, { cause: err })
        : new SshError('CONNECTION_LOST', `Connection to ${where} timed out: ${detail}`, { cause: err });
    }
    if (LOST_CODES.has(code)) {
      return new SshError('CONNECTION_LOST', `Connection to ${where} was lost: ${detail}`, { cause: err });
    }
  }
  if (level === 'protocol' || level === 'handshake') {
    if (/connection lost/i.test(raw)) {
      return new SshError('CONNECTION_LOST', `Connection to ${where} was lost: ${detail}`, { cause: err });
    }
    return new SshError('PROTOCOL', `SSH protocol error with ${where}: ${detail}`, { cause: err });
  }
  if (level === 'client-socket') {
    return phase === 'connect'
      ? new SshError('CONNECT_FAILED', `Cannot connect to ${where}: ${detail}`, { cause: err })
      : new SshError('CONNECTION_LOST', `Connection to ${where} was lost: ${detail}`, { cause: err });
  }
  return phase === 'connect'
    ? new SshError('CONNECT_FAILED', `Cannot connect to ${where}: ${detail}`, { cause: err })
    : new SshError('CONNECTION_LOST', `Connection to ${where} failed: ${detail}`, { cause: err });
}

/** Keeps library messages short and on one line. ssh2 messages carry no secrets. */
function sanitize(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}
