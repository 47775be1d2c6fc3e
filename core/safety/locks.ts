import type { LockAttempt } from '../../workflows/contracts';
import { inTransaction, runEvent, type Db } from '../runs/run-log';

/**
 * Device locks, kept in PostgreSQL so they survive worker and API restarts: the only code that
 * writes `device_locks` and `device_lock_waiters`. A run that changes devices locks them until it
 * ends; runs wanting a locked device queue in order of arrival (per device), so a waiting run is
 * not overtaken by a later one.
 */

/** The devices a step works on (its items), or every device of a change run. */
export async function devicesOf(db: Db, runId: string, stepKey?: string): Promise<string[]> {
  const rows: { id: string }[] = stepKey
    ? await db.query(
        `SELECT DISTINCT (item->>'id')::uuid AS id FROM run_step_items
          WHERE run_id = $1 AND step_key = $2 AND item ? 'id' ORDER BY 1`,
        [runId, stepKey],
      )
    : await db.query(
        `SELECT device_id AS id FROM run_devices WHERE run_id = $1 AND device_id IS NOT NULL ORDER BY 1`,
        [runId],
      );
  return rows.map((r) => r.id);
}

/**
 * Lock the step's devices for the run, or queue for them: acquired only when no other run holds
 * any of them and no run queued earlier for any of them. Idempotent for the run.
 */
export function acquireDeviceLocks(
  db: Db,
  input: { runId: string; stepId: string; stepKey?: string },
): Promise<LockAttempt> {
  return inTransaction(db, async (m) => {
    const devices = await devicesOf(m, input.runId, input.stepKey);
    if (devices.length === 0) return { acquired: true, heldBy: [], position: 0 };
    // Serialise runs competing for the same devices (rows locked in one order: no deadlock).
    await m.query(`SELECT id FROM devices WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [devices]);
    await m.query(
      `INSERT INTO device_lock_waiters (device_id, run_id)
       SELECT d, $2 FROM unnest($1::uuid[]) AS d
        WHERE NOT EXISTS (SELECT 1 FROM device_locks l WHERE l.device_id = d AND l.run_id = $2)
       ON CONFLICT DO NOTHING`,
      [devices, input.runId],
    );
    const holders: { run_id: string }[] = await m.query(
      `SELECT DISTINCT run_id FROM device_locks WHERE device_id = ANY($1::uuid[]) AND run_id <> $2`,
      [devices, input.runId],
    );
    const ahead: { run_id: string }[] = await m.query(
      `SELECT DISTINCT o.run_id FROM device_lock_waiters o
         JOIN device_lock_waiters me ON me.device_id = o.device_id AND me.run_id = $2
        WHERE o.device_id = ANY($1::uuid[]) AND o.run_id <> $2 AND o.since < me.since`,
      [devices, input.runId],
    );
    const before = new Set([...holders, ...ahead].map((r) => r.run_id));
    if (before.size > 0) {
      return { acquired: false, heldBy: holders.map((h) => h.run_id), position: before.size };
    }
    await m.query(
      `INSERT INTO device_locks (device_id, run_id, step_id) SELECT d, $2, $3 FROM unnest($1::uuid[]) AS d
       ON CONFLICT (device_id) DO NOTHING`,
      [devices, input.runId, input.stepId],
    );
    await m.query(`DELETE FROM device_lock_waiters WHERE run_id = $1 AND device_id = ANY($2::uuid[])`, [
      input.runId,
      devices,
    ]);
    await runEvent(m, input.runId, 'INFO', null, `locked ${devices.length} device(s) for this run`, {
      stepId: input.stepId,
    });
    return { acquired: true, heldBy: [], position: 0 };
  });
}

/** Release every lock and queue place of a run (it ended, however it ended); how many devices it held. */
export async function releaseDeviceLocks(db: Db, runId: string): Promise<number> {
  const released: unknown[] = await db.query(
    `WITH gone AS (DELETE FROM device_locks WHERE run_id = $1 RETURNING device_id) SELECT device_id FROM gone`,
    [runId],
  );
  await db.query(`DELETE FROM device_lock_waiters WHERE run_id = $1`, [runId]);
  return released.length;
}

/** Runs that hold locks or wait for them, with their status and workflow. */
export function lockHolders(db: Db): Promise<{ run_id: string; status: string; workflow_id: string }[]> {
  return db.query(
    `SELECT DISTINCT r.id AS run_id, r.status, r.workflow_id FROM runs r
      WHERE r.id IN (SELECT run_id FROM device_locks UNION SELECT run_id FROM device_lock_waiters)`,
  );
}
