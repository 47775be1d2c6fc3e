import type { EntityManager } from 'typeorm';
import type { TaskDefinition } from '../../libs/tasks/src/definition';
import { inTransaction, runEvent, type Db } from './run-log';
import { FINAL_STEP_STATUSES } from './run-step.entity';

/**
 * The one owner of a task run's steps (`run_steps`) and of the items a step works through
 * (`run_step_items`). Every change is a named function here; each says in the run log what
 * happened. A step's key is its id, or `<id>#compensate` for its compensation's items.
 */

export const stepKeyOf = (stepId: string, compensation: boolean) =>
  compensation ? `${stepId}#compensate` : stepId;

/** The step id of a step key. */
export const stepIdOf = (stepKey: string) => stepKey.split('#')[0];

/** One row per step: PENDING, or REUSED with the output of the run it repeats. */
export async function insertStepRows(
  db: Db,
  runId: string,
  definition: TaskDefinition,
  reused: Map<string, unknown>,
): Promise<void> {
  await db.query(
    `INSERT INTO run_steps (run_id, step_id, kind, status, output, completion_seq, finished_at)
     SELECT $1, e.value->>'id', e.value->>'kind',
            CASE WHEN (e.value->>'reused')::boolean THEN 'REUSED' ELSE 'PENDING' END, e.value->'output',
            CASE WHEN (e.value->>'reused')::boolean THEN e.ord::int END,
            CASE WHEN (e.value->>'reused')::boolean THEN now() END
       FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(value, ord)`,
    [
      runId,
      JSON.stringify(
        definition.steps.map((s) => ({
          id: s.id,
          kind: s.kind,
          reused: reused.has(s.id),
          output: reused.get(s.id) ?? null,
        })),
      ),
    ],
  );
}

/** The step (or its compensation) starts: RUNNING or WAITING_APPROVAL, with its resolved params. */
export async function stepStarted(
  m: EntityManager,
  step: { runId: string; stepId: string; compensation: boolean },
  params: unknown,
  status: 'RUNNING' | 'WAITING_APPROVAL',
  message: string,
): Promise<void> {
  if (step.compensation) {
    await m.query(
      `UPDATE run_steps SET compensation_status = $4, compensation_params = $3 WHERE run_id = $1 AND step_id = $2`,
      [step.runId, step.stepId, JSON.stringify(params), status],
    );
  } else {
    await m.query(
      `UPDATE run_steps SET status = $4, params = $3, attempts = attempts + 1, started_at = COALESCE(started_at, now())
        WHERE run_id = $1 AND step_id = $2`,
      [step.runId, step.stepId, JSON.stringify(params), status],
    );
  }
  await runEvent(m, step.runId, 'INFO', null, message, { stepId: step.stepId });
}

/** The step's condition is false: SKIPPED. */
export function stepSkipped(db: Db, runId: string, stepId: string, message: string): Promise<void> {
  return inTransaction(db, async (m) => {
    await m.query(
      `UPDATE run_steps SET status = 'SKIPPED', started_at = now(), finished_at = now() WHERE run_id = $1 AND step_id = $2`,
      [runId, stepId],
    );
    await runEvent(m, runId, 'INFO', null, message, { stepId });
  });
}

/** The run this step started (a collection, a subtask). */
export async function setStepChildRun(
  db: Db,
  runId: string,
  stepId: string,
  childRunId: string,
): Promise<void> {
  await db.query(`UPDATE run_steps SET child_run_id = $3 WHERE run_id = $1 AND step_id = $2`, [
    runId,
    stepId,
    childRunId,
  ]);
}

/** A step waits for a lock or a maintenance window, or goes on. */
export function stepWaiting(
  db: Db,
  input: {
    runId: string;
    stepId: string;
    status: 'WAITING_LOCK' | 'WAITING_WINDOW' | 'RUNNING';
    message: string;
  },
): Promise<void> {
  return inTransaction(db, async (m) => {
    await m.query(`UPDATE run_steps SET status = $3 WHERE run_id = $1 AND step_id = $2`, [
      input.runId,
      input.stepId,
      input.status,
    ]);
    await runEvent(m, input.runId, input.status === 'RUNNING' ? 'INFO' : 'WARN', null, input.message, {
      stepId: input.stepId,
    });
  });
}

/** An HTTP step's response, stored before the step completes (a retried attempt finds it). */
export async function setStepOutput(db: Db, runId: string, stepId: string, output: unknown): Promise<void> {
  await db.query(`UPDATE run_steps SET output = $3 WHERE run_id = $1 AND step_id = $2`, [
    runId,
    stepId,
    JSON.stringify(output ?? null),
  ]);
}

/** The step succeeded: SUCCEEDED with its output, next in completion order (compensation runs the reverse). */
export function stepSucceeded(db: Db, runId: string, stepId: string, output: unknown): Promise<void> {
  return inTransaction(db, async (m) => {
    await m.query(
      `UPDATE run_steps SET status = 'SUCCEEDED', output = $3, error_kind = NULL, error_message = NULL, finished_at = now(),
              completion_seq = (SELECT COALESCE(max(completion_seq), 0) + 1 FROM run_steps WHERE run_id = $1)
        WHERE run_id = $1 AND step_id = $2`,
      [runId, stepId, JSON.stringify(output ?? null)],
    );
    await runEvent(m, runId, 'INFO', null, `step ${stepId} succeeded`, { stepId });
  });
}

/** The step failed for good (or was cancelled); its output, if any, is kept so failures can be read. */
export function stepFailed(
  db: Db,
  input: { runId: string; stepId: string; kind: string; message: string; output?: unknown },
): Promise<void> {
  const cancelled = input.kind === 'CANCELLED';
  return inTransaction(db, async (m) => {
    await m.query(
      `UPDATE run_steps SET status = $3, error_kind = $4, error_message = $5, finished_at = now(),
              output = COALESCE($6::jsonb, output)
        WHERE run_id = $1 AND step_id = $2`,
      [
        input.runId,
        input.stepId,
        cancelled ? 'CANCELLED' : 'FAILED',
        input.kind,
        input.message,
        input.output === undefined ? null : JSON.stringify(input.output),
      ],
    );
    await runEvent(
      m,
      input.runId,
      cancelled ? 'WARN' : 'ERROR',
      null,
      cancelled
        ? `step ${input.stepId} cancelled`
        : `step ${input.stepId} failed: ${input.kind}: ${input.message}`,
      { stepId: input.stepId },
    );
  });
}

/** Rollback begins: the steps to compensate are PENDING compensation. */
export async function compensationsPlanned(
  m: EntityManager,
  runId: string,
  stepIds: string[],
): Promise<void> {
  await m.query(
    `UPDATE run_steps SET compensation_status = 'PENDING' WHERE run_id = $1 AND step_id = ANY($2::text[])`,
    [runId, stepIds],
  );
}

export function stepCompensated(db: Db, runId: string, stepId: string): Promise<void> {
  return inTransaction(db, async (m) => {
    await m.query(
      `UPDATE run_steps SET compensation_status = 'COMPENSATED', compensated_at = now() WHERE run_id = $1 AND step_id = $2`,
      [runId, stepId],
    );
    await runEvent(m, runId, 'INFO', null, `step ${stepId} compensated`, { stepId });
  });
}

export function compensationFailed(
  db: Db,
  input: { runId: string; stepId: string; kind: string; message: string },
): Promise<void> {
  return inTransaction(db, async (m) => {
    await m.query(
      `UPDATE run_steps SET compensation_status = 'FAILED', compensation_error = $3 WHERE run_id = $1 AND step_id = $2`,
      [input.runId, input.stepId, `${input.kind}: ${input.message}`],
    );
    await runEvent(
      m,
      input.runId,
      'ERROR',
      null,
      `compensation of step ${input.stepId} failed: ${input.kind}: ${input.message}`,
      { stepId: input.stepId },
    );
  });
}

/** Steps that never started because the run ended first: NOT_RUN (all PENDING ones, or those named). */
export async function stepsNotRun(db: Db, runId: string, stepIds?: string[]): Promise<void> {
  await db.query(
    `UPDATE run_steps SET status = 'NOT_RUN'
      WHERE run_id = $1 AND status = 'PENDING' AND ($2::text[] IS NULL OR step_id = ANY($2::text[]))`,
    [runId, stepIds ?? null],
  );
}

/** The runs were terminated: their steps still going are CANCELLED (TERMINATED), pending ones NOT_RUN. */
export async function stepsTerminated(m: EntityManager, runIds: string[]): Promise<void> {
  await m.query(
    `UPDATE run_steps SET status = CASE WHEN status = 'PENDING' THEN 'NOT_RUN' ELSE 'CANCELLED' END,
            error_kind = CASE WHEN status = 'PENDING' THEN error_kind ELSE 'TERMINATED' END,
            error_message = CASE WHEN status = 'PENDING' THEN error_message ELSE 'the run was terminated' END,
            finished_at = COALESCE(finished_at, now())
      WHERE run_id = ANY($1::uuid[]) AND status <> ALL($2::text[])`,
    [runIds, FINAL_STEP_STATUSES],
  );
}

// ---------------------------------------------------------------------------------------------
// Items of a step.

export interface ItemKey {
  runId: string;
  stepKey: string;
  index: number;
}

/** Store the items of a step once; a retried preparation finds them there. */
export async function storeItems(db: Db, runId: string, stepKey: string, items: unknown[]): Promise<void> {
  await db.query(
    `INSERT INTO run_step_items (run_id, step_key, item_index, item)
     SELECT $1, $2, (t.ord - 1)::int, t.value FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t(value, ord)
     ON CONFLICT DO NOTHING`,
    [runId, stepKey, JSON.stringify(items)],
  );
}

/** An attempt at an item begins on a worker. */
export async function itemStarted(db: Db, key: ItemKey, attempt: number, worker: string): Promise<void> {
  await db.query(
    `UPDATE run_step_items SET status = 'RUNNING', attempts = $4, executions = executions + 1, worker = $5,
            started_at = COALESCE(started_at, now())
      WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
    [key.runId, key.stepKey, key.index, attempt, worker],
  );
}

/** A fan-out item whose work is a whole task: its child run started. */
export async function itemSubtaskStarted(db: Db, key: ItemKey, childRunId: string): Promise<void> {
  await db.query(
    `UPDATE run_step_items SET status = 'RUNNING', output = $4, attempts = attempts + 1, executions = executions + 1,
            started_at = COALESCE(started_at, now())
      WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
    [key.runId, key.stepKey, key.index, JSON.stringify({ runId: childRunId })],
  );
}

/** The item is done, with its output; `event` logs it (with the item's device name, if any). */
export function itemSucceeded(
  db: Db,
  key: ItemKey,
  output: unknown,
  event?: { deviceName: string | null; message: string; attempt?: number },
): Promise<void> {
  return inTransaction(db, async (m) => {
    await m.query(
      `UPDATE run_step_items SET status = 'SUCCEEDED', output = $4, error_kind = NULL, error_message = NULL, finished_at = now()
        WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
      [key.runId, key.stepKey, key.index, JSON.stringify(output)],
    );
    if (event) {
      await runEvent(m, key.runId, 'INFO', event.deviceName, event.message, {
        stepId: stepIdOf(key.stepKey),
        attempt: event.attempt,
      });
    }
  });
}

/** An attempt at the item failed (another may follow): its error is kept. */
export function itemAttemptFailed(
  db: Db,
  key: ItemKey,
  failure: { kind: string; message: string },
  event: { deviceName: string | null; message: string; attempt: number },
): Promise<void> {
  return inTransaction(db, async (m) => {
    await m.query(
      `UPDATE run_step_items SET error_kind = $4, error_message = $5 WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
      [key.runId, key.stepKey, key.index, failure.kind, failure.message],
    );
    await runEvent(m, key.runId, 'WARN', event.deviceName, event.message, {
      stepId: stepIdOf(key.stepKey),
      attempt: event.attempt,
    });
  });
}

/** The item failed for good (an item that succeeded meanwhile keeps its result). */
export function itemFailed(db: Db, key: ItemKey, failure: { kind: string; message: string }): Promise<void> {
  return inTransaction(db, async (m) => {
    const rows: { item: { name?: string } }[] = await m.query(
      `WITH failed AS (
         UPDATE run_step_items SET status = 'FAILED', error_kind = $4, error_message = $5, finished_at = now()
          WHERE run_id = $1 AND step_key = $2 AND item_index = $3 AND status <> 'SUCCEEDED' RETURNING item)
       SELECT item FROM failed`,
      [key.runId, key.stepKey, key.index, failure.kind, failure.message],
    );
    const name = rows[0]?.item && typeof rows[0].item === 'object' ? (rows[0].item.name ?? null) : null;
    await runEvent(
      m,
      key.runId,
      'ERROR',
      name,
      `item ${key.index} of ${key.stepKey} failed: ${failure.kind}: ${failure.message}`,
      { stepId: stepIdOf(key.stepKey) },
    );
  });
}
