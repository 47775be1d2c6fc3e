import type { EntityManager } from 'typeorm';
import type { RunEventLevel } from './run-event.entity';
import { inTransaction, runEvent, type Db } from './run-log';
import {
  decideRunTransition,
  IllegalTransitionError,
  type FinalRunStatus,
  type RunStatus,
  type RunTransitionName,
} from './run-states';

/**
 * The one owner of a run's status. Each change is a named transition (core/runs/run-states.ts)
 * applied under a row lock: it happens, is a no-op (retried, or overtaken by a cancel), or is
 * refused with an IllegalTransitionError. The run log says what happened, and listeners are told.
 */

/** A column set with the status: a value, or SQL evaluated by PostgreSQL. */
type Column = { value: unknown } | { sql: string };
const value = (v: unknown): Column => ({ value: v });
const NOW: Column = { sql: 'now()' };
const STARTED: Column = { sql: 'COALESCE(started_at, now())' };
const FINISHED: Column = { sql: 'COALESCE(finished_at, now())' };

export interface RunEventNote {
  level: RunEventLevel;
  message: string;
}

/**
 * Apply one transition. Returns whether the status changed; `note` is logged only then (and
 * `always` also when it did not, for events the caller wants in every case).
 */
async function transition(
  db: Db,
  runId: string,
  name: RunTransitionName,
  target: RunStatus,
  columns: Record<string, Column>,
  note?: RunEventNote | null,
  more?: (m: EntityManager) => Promise<void>,
): Promise<boolean> {
  return inTransaction(db, async (m) => {
    const [row]: { status: RunStatus }[] = await m.query(`SELECT status FROM runs WHERE id = $1 FOR UPDATE`, [
      runId,
    ]);
    if (!row) throw new IllegalTransitionError(`run ${runId}`, name, 'missing', target);
    const decision = decideRunTransition(name, row.status, target);
    if (decision === 'illegal') throw new IllegalTransitionError(`run ${runId}`, name, row.status, target);
    if (decision === 'noop') return false;
    const params: unknown[] = [runId, target];
    const sets = Object.entries(columns).map(([column, c]) => {
      if ('sql' in c) return `${column} = ${c.sql}`;
      params.push(c.value);
      return `${column} = $${params.length}`;
    });
    await m.query(`UPDATE runs SET ${['status = $2', ...sets].join(', ')} WHERE id = $1`, params);
    await more?.(m);
    if (note) await runEvent(m, runId, note.level, null, note.message);
    return true;
  });
}

/** PENDING → RUNNING: the workflow began. */
export function startRun(db: Db, runId: string): Promise<boolean> {
  return transition(
    db,
    runId,
    'start',
    'RUNNING',
    { started_at: STARTED },
    { level: 'INFO', message: 'run started' },
  );
}

/** A scheduled run waits for its upstream tasks (set right after it is stored). */
export function waitForUpstream(db: Db, runId: string, note: RunEventNote): Promise<boolean> {
  return transition(db, runId, 'waitUpstream', 'WAITING_UPSTREAM', {}, note);
}

/** WAITING_UPSTREAM → PENDING: its workflow may start. */
export function upstreamPassed(db: Db, runId: string, note: RunEventNote): Promise<boolean> {
  return transition(db, runId, 'upstreamPassed', 'PENDING', {}, note);
}

/** A change waits for approval, or was approved. */
export function setApprovalState(
  db: Db,
  runId: string,
  status: 'AWAITING_APPROVAL' | 'RUNNING',
  message: string,
): Promise<boolean> {
  return transition(
    db,
    runId,
    status === 'RUNNING' ? 'approved' : 'awaitApproval',
    status,
    {},
    {
      level: 'INFO',
      message,
    },
  );
}

/** A task run paused (no new step starts) or resumed. */
export function setPaused(db: Db, runId: string, paused: boolean): Promise<boolean> {
  return transition(
    db,
    runId,
    paused ? 'pause' : 'resume',
    paused ? 'PAUSED' : 'RUNNING',
    { paused: value(paused) },
    {
      level: 'INFO',
      message: paused ? 'run paused: no new step starts; running steps finish' : 'run resumed',
    },
  );
}

/** An operator asked to cancel: the run shows CANCELLING until its workflow ends it. */
export function requestCancel(db: Db, runId: string): Promise<boolean> {
  return transition(
    db,
    runId,
    'requestCancel',
    'CANCELLING',
    {},
    { level: 'WARN', message: 'cancel requested' },
  );
}

/** A task run undoes its completed steps. */
export function startRollback(
  db: Db,
  runId: string,
  note: RunEventNote,
  more?: (m: EntityManager) => Promise<void>,
): Promise<boolean> {
  return transition(db, runId, 'startRollback', 'ROLLING_BACK', { paused: value(false) }, note, more);
}

/**
 * The workflow ends the run. `more` runs in the same transaction when the status changes (devices
 * left unfinished, locks released); `note` is the last line of its log.
 */
export function finishRun(
  db: Db,
  runId: string,
  status: FinalRunStatus,
  options: { error?: string | null; note?: RunEventNote; more?: (m: EntityManager) => Promise<void> } = {},
): Promise<boolean> {
  return transition(
    db,
    runId,
    'finish',
    status,
    { error: value(options.error ?? null), paused: value(false), finished_at: NOW, started_at: STARTED },
    options.note,
    options.more,
  );
}

/** The API could not start the run's workflow. */
export function failToStart(db: Db, runId: string, error: string): Promise<boolean> {
  return transition(
    db,
    runId,
    'failToStart',
    'FAILED',
    { error: value(error), finished_at: NOW },
    {
      level: 'ERROR',
      message: `run failed: ${error}`,
    },
  );
}

/** A scheduled run whose workflow never starts ends CANCELLED, SKIPPED or FAILED. */
export function endBeforeStart(
  db: Db,
  runId: string,
  status: 'CANCELLED' | 'SKIPPED' | 'FAILED',
  reason: string,
  more?: (m: EntityManager) => Promise<void>,
): Promise<boolean> {
  return transition(
    db,
    runId,
    'endBeforeStart',
    status,
    { error: value(reason), finished_at: NOW },
    { level: status === 'FAILED' ? 'ERROR' : 'WARN', message: `run ${status.toLowerCase()}: ${reason}` },
    more,
  );
}

/** Its workflow closed without ending the run: recorded as ended with the reason. */
export function abandonRun(
  db: Db,
  runId: string,
  status: 'FAILED' | 'CANCELLED',
  reason: string,
  more?: (m: EntityManager) => Promise<void>,
): Promise<boolean> {
  return transition(
    db,
    runId,
    'abandon',
    status,
    { error: value(reason), paused: value(false), finished_at: FINISHED },
    { level: 'ERROR', message: `run ${status.toLowerCase()}: ${reason}` },
    more,
  );
}
