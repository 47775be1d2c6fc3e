import type { EntityManager } from 'typeorm';
import { WorkFailure } from '../../libs/common/src/failures';
import { isPlatform, type Platform } from '../../libs/common/src/platforms';
import type { DeviceFacts } from '../../libs/textfsm/src/facts';
import type { DeviceRow } from '../devices/device-target';
import type { RunEventLevel } from './run-event.entity';
import { inTransaction, runEvent, type Db } from './run-log';
import {
  decideRunDeviceTransition,
  IllegalTransitionError,
  type ChangeOutcome,
  type RunDeviceStatus,
  type RunDeviceTransitionName,
} from './run-states';
import type { ChangeSpec } from './run.entity';

/**
 * The one owner of a run's device rows (`run_devices`) and of what they collected
 * (`command_outputs`). Status changes are named transitions (core/runs/run-states.ts) applied under
 * a row lock; every change is logged on the run.
 */

/** One device of one run, with what activities need to reach it (secrets still encrypted). */
export interface RunDeviceRow extends DeviceRow {
  backup_reason: string | null;
  change_spec: ChangeSpec | null;
  run_device_id: string;
  run_device_status: RunDeviceStatus;
  outcome: ChangeOutcome | null;
  backup_snapshot_id: string | null;
  /** Change runs from a template: the device's rendered intended config. */
  intended: string | null;
}

/** A run's device with its device and credential; a deleted device or an unknown platform fails for good. */
export async function loadRunDevice(db: Db, runId: string, deviceId: string): Promise<RunDeviceRow> {
  const rows: RunDeviceRow[] = await db.query(
    `SELECT r.backup_reason, r.change_spec, rd.id AS run_device_id, rd.status AS run_device_status, rd.outcome,
            rd.backup_snapshot_id, rd.intended, d.id AS device_id, d.name, d.host, d.port, d.platform, d.enable_secret_enc,
            c.id AS credential_id, c.username, c.kind, c.secret_enc, c.passphrase_enc
       FROM run_devices rd
       JOIN runs r ON r.id = rd.run_id
       JOIN devices d ON d.id = rd.device_id
       JOIN credentials c ON c.id = d.credential_id
      WHERE rd.run_id = $1 AND rd.device_id = $2`,
    [runId, deviceId],
  );
  if (!rows[0]) {
    throw new WorkFailure('DEVICE_GONE', `device ${deviceId} is not part of run ${runId} or was deleted`);
  }
  if (!isPlatform(rows[0].platform)) {
    throw new WorkFailure('UNKNOWN_PLATFORM', `platform "${rows[0].platform}" is not supported`);
  }
  return rows[0] as RunDeviceRow & { platform: Platform };
}

type Column = { value: unknown } | { sql: string };
const v = (value: unknown): Column => ({ value });
const NOW: Column = { sql: 'now()' };

interface Note {
  level: RunEventLevel;
  message: string;
}

async function transition(
  db: Db,
  device: { runId: string; runDeviceId: string; name: string | null },
  name: RunDeviceTransitionName,
  target: RunDeviceStatus,
  columns: Record<string, Column>,
  note: Note | null,
): Promise<boolean> {
  return inTransaction(db, async (m) => {
    const [row]: { status: RunDeviceStatus }[] = await m.query(
      `SELECT status FROM run_devices WHERE id = $1 FOR UPDATE`,
      [device.runDeviceId],
    );
    if (!row) throw new IllegalTransitionError(`run device ${device.runDeviceId}`, name, 'missing', target);
    const decision = decideRunDeviceTransition(name, row.status, target);
    if (decision === 'illegal') {
      throw new IllegalTransitionError(
        `device ${device.name} of run ${device.runId}`,
        name,
        row.status,
        target,
      );
    }
    if (decision === 'noop') return false;
    await setColumns(m, device.runDeviceId, { status: v(target), ...columns });
    if (note) await runEvent(m, device.runId, note.level, device.name, note.message);
    return true;
  });
}

async function setColumns(db: Db, runDeviceId: string, columns: Record<string, Column>): Promise<void> {
  const params: unknown[] = [runDeviceId];
  const sets = Object.entries(columns).map(([column, c]) => {
    if ('sql' in c) return `${column} = ${c.sql}`;
    params.push(c.value);
    return `${column} = $${params.length}`;
  });
  await db.query(`UPDATE run_devices SET ${sets.join(', ')} WHERE id = $1`, params);
}

/** The device of a run a transition applies to. */
export interface RunDeviceRef {
  runId: string;
  runDeviceId: string;
  /** For the run log. */
  name: string;
}

export const refOf = (runId: string, d: Pick<RunDeviceRow, 'run_device_id' | 'name'>): RunDeviceRef => ({
  runId,
  runDeviceId: d.run_device_id,
  name: d.name,
});

/** An attempt begins: RUNNING, with its attempt number. */
export function startDeviceAttempt(
  db: Db,
  d: RunDeviceRef,
  attempt: number,
  message: string,
): Promise<boolean> {
  return transition(
    db,
    d,
    'startAttempt',
    'RUNNING',
    { attempts: v(attempt), started_at: { sql: 'COALESCE(started_at, now())' } },
    { level: 'INFO', message },
  );
}

/** An attempt failed (the workflow decides whether another follows): its error is kept on the row. */
export async function noteDeviceAttemptFailed(
  db: Db,
  d: RunDeviceRef,
  failure: { kind: string; message: string },
  note: Note,
): Promise<void> {
  await inTransaction(db, async (m) => {
    await setColumns(m, d.runDeviceId, { error_kind: v(failure.kind), error_message: v(failure.message) });
    await runEvent(m, d.runId, note.level, d.name, note.message);
  });
}

/** One command's stored output, with what parsing made of it. */
export interface StoredOutput {
  command: string;
  output: string;
  error: string | null;
  durationMs: number;
  parse: {
    status: 'PARSED' | 'ANOMALY';
    template: string | null;
    parsed: unknown;
    anomalyReason: string | null;
    anomalyMessage: string | null;
  } | null;
}

/**
 * A collection stored the device's outputs (replacing what an earlier attempt may have left) and
 * its facts: SUCCEEDED. Call inside the transaction that stores anything else of the device's
 * result (a config snapshot), so that the device succeeds exactly when its result is stored.
 */
export async function deviceCollected(
  m: EntityManager,
  d: RunDeviceRef,
  outputs: StoredOutput[],
  facts: DeviceFacts | null,
  note: Note,
): Promise<void> {
  await m.query(`DELETE FROM command_outputs WHERE run_device_id = $1`, [d.runDeviceId]);
  for (const [seq, o] of outputs.entries()) {
    await m.query(
      `INSERT INTO command_outputs (run_device_id, run_id, seq, command, output, size_bytes, error, duration_ms,
                                    parse_status, parse_template, parsed, anomaly_reason, anomaly_message)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        d.runDeviceId,
        d.runId,
        seq,
        o.command,
        o.output,
        Buffer.byteLength(o.output),
        o.error,
        Math.round(o.durationMs),
        o.parse?.status ?? null,
        o.parse?.template ?? null,
        o.parse?.parsed === undefined || o.parse?.parsed === null ? null : JSON.stringify(o.parse.parsed),
        o.parse?.anomalyReason ?? null,
        o.parse?.anomalyMessage ?? null,
      ],
    );
  }
  await transition(
    m,
    d,
    'collected',
    'SUCCEEDED',
    {
      error_kind: v(null),
      error_message: v(null),
      facts: v(facts ? JSON.stringify(facts) : null),
      finished_at: NOW,
    },
    note,
  );
}

/** Counts of what an earlier attempt stored for a device (its outputs were committed). */
export async function storedOutputSummary(
  db: Db,
  runDeviceId: string,
): Promise<{ commands: number; errors: number; bytes: number }> {
  const [summary]: { commands: number; errors: number; bytes: number }[] = await db.query(
    `SELECT count(*)::int AS commands, count(error)::int AS errors, COALESCE(sum(size_bytes), 0)::int AS bytes
       FROM command_outputs WHERE run_device_id = $1`,
    [runDeviceId],
  );
  return summary;
}

/** The device failed for good (kept as it is if it succeeded meanwhile). */
export async function failDevice(
  db: Db,
  runId: string,
  deviceId: string,
  failure: { kind: string; message: string },
): Promise<void> {
  await inTransaction(db, async (m) => {
    const [row]: { id: string; device_name: string }[] = await m.query(
      `SELECT id, device_name FROM run_devices WHERE run_id = $1 AND device_id = $2`,
      [runId, deviceId],
    );
    if (!row) return;
    await transition(
      m,
      { runId, runDeviceId: row.id, name: row.device_name },
      'fail',
      'FAILED',
      { error_kind: v(failure.kind), error_message: v(failure.message), finished_at: NOW },
      { level: 'ERROR', message: `failed: ${failure.kind}: ${failure.message}` },
    );
  });
}

/** A change planned the device: what it would push; nothing to do (or a dry run) ends it SUCCEEDED. */
export function devicePlanned(db: Db, d: RunDeviceRef, plan: string[], dryRun: boolean): Promise<boolean> {
  const done = plan.length === 0 || dryRun;
  return transition(
    db,
    d,
    'planned',
    done ? 'SUCCEEDED' : 'PENDING',
    {
      plan: v(plan),
      outcome: v(plan.length ? 'PLANNED' : 'NO_CHANGE'),
      finished_at: done ? NOW : v(null),
    },
    {
      level: 'INFO',
      message: plan.length ? `planned ${plan.length} line(s)` : 'already in place: nothing to change',
    },
  );
}

/** The snapshot a change takes before pushing; recorded before the first line is sent. */
export async function recordBackup(db: Db, d: RunDeviceRef, snapshotId: string, note: Note): Promise<void> {
  await inTransaction(db, async (m) => {
    await setColumns(m, d.runDeviceId, { backup_snapshot_id: v(snapshotId) });
    await runEvent(m, d.runId, note.level, d.name, note.message);
  });
}

/** What a change pushed (the plan and how many lines the device took). */
export function recordPush(db: Db, d: RunDeviceRef, plan: string[], pushedLines: number): Promise<void> {
  return setColumns(db, d.runDeviceId, { plan: v(plan), pushed_lines: v(pushedLines) });
}

/** The lines a restore pushes back. */
export function recordRestorePlan(db: Db, d: RunDeviceRef, lines: string[]): Promise<void> {
  return setColumns(db, d.runDeviceId, { restore_plan: v(lines) });
}

/** A change left the device as intended: CHANGED (pushed and verified) or NO_CHANGE. */
export function deviceChanged(
  db: Db,
  d: RunDeviceRef,
  outcome: 'CHANGED' | 'NO_CHANGE',
  message: string,
): Promise<boolean> {
  return transition(
    db,
    d,
    'changed',
    'SUCCEEDED',
    {
      outcome: v(outcome),
      error_kind: v(null),
      error_message: v(null),
      finished_at: NOW,
      ...(outcome === 'NO_CHANGE' ? { plan: v([]) } : {}),
    },
    { level: 'INFO', message },
  );
}

/** A change was undone on the device: restored to its backup (verified), or the restore failed. */
export function deviceRestored(
  db: Db,
  d: RunDeviceRef,
  restored: boolean,
  errorMessage: string,
  message: string,
): Promise<boolean> {
  return transition(
    db,
    d,
    'restored',
    'FAILED',
    {
      outcome: v(restored ? 'ROLLED_BACK' : 'ROLLBACK_FAILED'),
      error_kind: v(restored ? 'CHANGE_ROLLED_BACK' : 'ROLLBACK_FAILED'),
      error_message: v(errorMessage),
      finished_at: NOW,
    },
    { level: 'ERROR', message },
  );
}

/**
 * The run ends: its devices still PENDING or RUNNING are CANCELLED (never left pending). Change
 * runs mark a device never reached SKIPPED; a terminated run says why.
 */
export async function cancelUnfinishedDevices(
  db: Db,
  runIds: string[],
  options: { skipOutcome?: boolean; error?: { kind: string; message: string } } = {},
): Promise<void> {
  await db.query(
    `UPDATE run_devices SET status = 'CANCELLED', finished_at = COALESCE(finished_at, now())
            ${options.skipOutcome ? `, outcome = COALESCE(NULLIF(outcome, 'PLANNED'), 'SKIPPED')` : ''}
            ${options.error ? ', error_kind = $2, error_message = $3' : ''}
      WHERE run_id = ANY($1::uuid[]) AND status IN ('PENDING', 'RUNNING')`,
    options.error ? [runIds, options.error.kind, options.error.message] : [runIds],
  );
}

/** How many of a run's devices are in each status. */
export async function deviceCounts(db: Db, runId: string): Promise<Record<RunDeviceStatus, number>> {
  const rows: { status: RunDeviceStatus; n: number }[] = await db.query(
    `SELECT status, count(*)::int AS n FROM run_devices WHERE run_id = $1 GROUP BY status`,
    [runId],
  );
  const counts = { PENDING: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}
