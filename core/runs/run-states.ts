/**
 * The run state machine, as pure rules: every status a run and a run's device can have, and the
 * named transitions between them. core/runs/run-lifecycle.ts applies them to the database; nothing
 * else changes a run's status.
 */

export const RUN_STATUSES = [
  'PENDING',
  'WAITING_UPSTREAM',
  'RUNNING',
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'AWAITING_APPROVAL',
  'PAUSED',
  'REJECTED',
  'ROLLING_BACK',
  'ROLLED_BACK',
  'ROLLBACK_FAILED',
  'CANCELLING',
  'CANCELLED',
  'FAILED',
  'SKIPPED',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const FINAL_RUN_STATUSES = [
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'REJECTED',
  'ROLLED_BACK',
  'ROLLBACK_FAILED',
  'CANCELLED',
  'FAILED',
  'SKIPPED',
] as const satisfies readonly RunStatus[];
export type FinalRunStatus = (typeof FINAL_RUN_STATUSES)[number];

export const isFinalRunStatus = (status: string): status is FinalRunStatus =>
  (FINAL_RUN_STATUSES as readonly string[]).includes(status);

const NOT_FINAL = RUN_STATUSES.filter((s) => !isFinalRunStatus(s));

/**
 * A named transition: the statuses it moves a run from, where to, and the statuses in which it
 * is a no-op because the run has already moved on (a cancel that overtook it, say). From any
 * other status it is illegal: a bug, reported as an error, never a silent UPDATE. Applying a
 * transition to a run that already has its target status is a no-op too (a retried activity).
 */
export interface RunTransition {
  from: readonly RunStatus[];
  /** The target status, or the set of final statuses the caller chooses from. */
  to: RunStatus | readonly RunStatus[];
  ignore: readonly RunStatus[];
}

export const RUN_TRANSITIONS = {
  /** The workflow began its work. A run cancelled before that stays as it is. */
  start: { from: ['PENDING'], to: 'RUNNING', ignore: ['CANCELLING'] },
  /** A scheduled run waits for its upstream tasks' runs before its own workflow starts. */
  waitUpstream: { from: ['PENDING'], to: 'WAITING_UPSTREAM', ignore: [] },
  /** The upstream wait is over and the run goes ahead. */
  upstreamPassed: { from: ['WAITING_UPSTREAM'], to: 'PENDING', ignore: ['CANCELLING'] },
  /** A change waits for an operator's decision. */
  awaitApproval: { from: ['RUNNING'], to: 'AWAITING_APPROVAL', ignore: ['CANCELLING', 'CANCELLED'] },
  approved: { from: ['AWAITING_APPROVAL'], to: 'RUNNING', ignore: ['CANCELLING', 'CANCELLED'] },
  /** A task run starts no new step until resumed. */
  pause: { from: ['RUNNING'], to: 'PAUSED', ignore: ['CANCELLING', 'ROLLING_BACK'] },
  resume: { from: ['PAUSED'], to: 'RUNNING', ignore: ['CANCELLING', 'ROLLING_BACK'] },
  /** An operator asked to cancel; the workflow ends the run. Ignored once it is rolling back or over. */
  requestCancel: {
    from: ['PENDING', 'RUNNING', 'PAUSED', 'AWAITING_APPROVAL'],
    to: 'CANCELLING',
    ignore: ['WAITING_UPSTREAM', 'ROLLING_BACK', ...FINAL_RUN_STATUSES],
  },
  /** A task run undoes its completed steps. */
  startRollback: {
    from: ['PENDING', 'RUNNING', 'PAUSED', 'CANCELLING'],
    to: 'ROLLING_BACK',
    ignore: [],
  },
  /** The workflow ended the run. */
  finish: { from: NOT_FINAL, to: FINAL_RUN_STATUSES, ignore: [] },
  /** The API could not start the run's workflow. Once the workflow moved the run on, ignored. */
  failToStart: { from: ['PENDING'], to: 'FAILED', ignore: RUN_STATUSES.filter((s) => s !== 'PENDING') },
  /** A scheduled run whose own workflow never starts: cancelled first, or skipped or failed by its upstream policy. */
  endBeforeStart: {
    from: ['PENDING', 'WAITING_UPSTREAM', 'CANCELLING'],
    to: ['CANCELLED', 'SKIPPED', 'FAILED'],
    ignore: ['RUNNING', 'PAUSED', 'AWAITING_APPROVAL', 'ROLLING_BACK', ...FINAL_RUN_STATUSES],
  },
  /** Its workflow closed without ending the run (terminated, timed out): the run is recorded as ended. */
  abandon: { from: NOT_FINAL, to: ['FAILED', 'CANCELLED'], ignore: FINAL_RUN_STATUSES },
} as const satisfies Record<string, RunTransition>;

export type RunTransitionName = keyof typeof RUN_TRANSITIONS;

/** The statuses a transition may lead to. */
export type TargetOf<T extends RunTransitionName> =
  (typeof RUN_TRANSITIONS)[T]['to'] extends readonly (infer S)[] ? S : (typeof RUN_TRANSITIONS)[T]['to'];

export type TransitionDecision = 'apply' | 'noop' | 'illegal';

/** What applying `name` (towards `target`) to a run in status `current` does. */
export function decideRunTransition(
  name: RunTransitionName,
  current: RunStatus,
  target: RunStatus,
): TransitionDecision {
  const t: RunTransition = RUN_TRANSITIONS[name];
  const targets: readonly RunStatus[] = typeof t.to === 'string' ? [t.to] : t.to;
  if (!targets.includes(target)) return 'illegal';
  if (current === target) return 'noop';
  if (t.from.includes(current)) return 'apply';
  return t.ignore.includes(current) ? 'noop' : 'illegal';
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly subject: string,
    readonly transition: string,
    readonly current: string,
    readonly target: string,
  ) {
    super(`illegal transition ${transition} of ${subject}: ${current} → ${target}`);
    this.name = 'IllegalTransitionError';
  }
}

// ---------------------------------------------------------------------------------------------
// One device of a run.

export const RUN_DEVICE_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type RunDeviceStatus = (typeof RUN_DEVICE_STATUSES)[number];

/** What a change did to a device. */
export const CHANGE_OUTCOMES = [
  'NO_CHANGE',
  'PLANNED',
  'CHANGED',
  'ROLLED_BACK',
  'ROLLBACK_FAILED',
  'SKIPPED',
] as const;
export type ChangeOutcome = (typeof CHANGE_OUTCOMES)[number];

export interface RunDeviceTransition {
  from: readonly RunDeviceStatus[];
  to: readonly RunDeviceStatus[];
  ignore: readonly RunDeviceStatus[];
}

export const RUN_DEVICE_TRANSITIONS = {
  /** An attempt at the device's work begins (again, after a failed attempt). */
  startAttempt: { from: ['PENDING', 'RUNNING'], to: ['RUNNING'], ignore: [] },
  /** A collection stored the device's outputs. */
  collected: { from: ['PENDING', 'RUNNING'], to: ['SUCCEEDED'], ignore: [] },
  /** A change planned the device: PENDING (to apply) or SUCCEEDED (nothing to do, or a dry run). */
  planned: { from: ['PENDING'], to: ['PENDING', 'SUCCEEDED'], ignore: [] },
  /** A change left the device as intended: changed and verified, or already in place. */
  changed: { from: ['RUNNING'], to: ['SUCCEEDED'], ignore: [] },
  /** A change was undone on the device (its push failed, or ROLLBACK_ALL after it succeeded). */
  restored: { from: ['RUNNING', 'SUCCEEDED'], to: ['FAILED'], ignore: [] },
  /** The device failed for good; a device that succeeded meanwhile keeps its result. */
  fail: { from: ['PENDING', 'RUNNING', 'CANCELLED'], to: ['FAILED'], ignore: ['SUCCEEDED'] },
} as const satisfies Record<string, RunDeviceTransition>;

export type RunDeviceTransitionName = keyof typeof RUN_DEVICE_TRANSITIONS;

export function decideRunDeviceTransition(
  name: RunDeviceTransitionName,
  current: RunDeviceStatus,
  target: RunDeviceStatus,
): TransitionDecision {
  const t: RunDeviceTransition = RUN_DEVICE_TRANSITIONS[name];
  if (!t.to.includes(target)) return 'illegal';
  if (t.from.includes(current)) return 'apply';
  if (current === target) return 'noop';
  return t.ignore.includes(current) ? 'noop' : 'illegal';
}
