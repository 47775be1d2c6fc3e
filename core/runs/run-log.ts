import type { DataSource, EntityManager } from 'typeorm';
import { RUN_NOTIFY_CHANNEL } from '../database/notify';
import type { RunEventLevel } from './run-event.entity';

export type Db = EntityManager | DataSource;

/**
 * Append to a run's log and tell listeners (each API process LISTENs and pushes `runUpdated`).
 * Inside a transaction, the NOTIFY is delivered at commit, so a listener never sees a change
 * that was rolled back.
 */
export async function runEvent(
  db: Db,
  runId: string,
  level: RunEventLevel,
  deviceName: string | null,
  message: string,
  step?: { stepId: string; attempt?: number },
): Promise<void> {
  await db.query(
    `INSERT INTO run_events (run_id, level, device_name, message, step_id, attempt) VALUES ($1, $2, $3, $4, $5, $6)`,
    [runId, level, deviceName, message, step?.stepId ?? null, step?.attempt ?? null],
  );
  await db.query(`SELECT pg_notify($1, $2)`, [RUN_NOTIFY_CHANNEL, runId]);
}

/** Run `work` in a transaction: the caller's, or a new one. */
export function inTransaction<T>(db: Db, work: (m: EntityManager) => Promise<T>): Promise<T> {
  return 'queryRunner' in db && db.queryRunner?.isTransactionActive
    ? work(db as EntityManager)
    : (db as DataSource | EntityManager).transaction(work);
}
