import type { UpstreamCondition, UpstreamPolicy } from '../../libs/tasks/src/definition';
import type { UpstreamState } from '../../workflows/contracts';
import type { Db } from '../runs/run-log';
import { isFinalRunStatus } from '../runs/run-states';
import { specFireTimes } from './fire-times';
import type { StoredSpec } from './schedule-spec';

/**
 * Whether an ended upstream run satisfies a condition. SUCCEEDED: COMPLETED only. COMPLETED: it
 * ran to an end, whatever the outcome. FAILED: it failed, was rolled back or rejected. A SKIPPED
 * upstream run never ran, so it satisfies none: a skip travels down a chain.
 */
export function satisfies(status: string, when: UpstreamCondition): boolean {
  if (status === 'SKIPPED') return false;
  if (when === 'SUCCEEDED') return status === 'COMPLETED';
  if (when === 'FAILED') return ['FAILED', 'ROLLED_BACK', 'ROLLBACK_FAILED', 'REJECTED'].includes(status);
  return isFinalRunStatus(status);
}

/**
 * Where each upstream task's run of the slot stands now. `exact`: the runs of that very slot.
 * Otherwise (a firing outside the schedule's spec: a trigger) the runs of the task's latest slot
 * at or before it, so that a triggered run goes when the upstream task's latest run went well.
 */
export async function upstreamStates(
  db: Db,
  scheduledAt: Date,
  policy: UpstreamPolicy,
  exact: boolean,
): Promise<UpstreamState[]> {
  const states: UpstreamState[] = [];
  for (const dep of policy.tasks) {
    const target = new Date(scheduledAt.getTime() - dep.offsetSeconds * 1000);
    // Top-level runs of the task for the slot (a task may have several schedules), newest first.
    const runs: { id: string; status: string; scheduled_at: Date }[] = await db.query(
      `WITH c AS (
         SELECT r.id, r.status, r.scheduled_at, r.created_at FROM runs r JOIN tasks t ON t.id = r.task_id
          WHERE t.name = $1 AND t.deleted_at IS NULL AND r.parent_run_id IS NULL
            AND ${exact ? 'r.scheduled_at = $2' : 'r.scheduled_at <= $2'})
       SELECT id, status, scheduled_at FROM c WHERE scheduled_at = (SELECT max(scheduled_at) FROM c)
        ORDER BY created_at DESC`,
      [dep.task, target],
    );
    const slot = runs[0]?.scheduled_at ?? target;
    const base = { task: dep.task, when: dep.when, slot: slot.toISOString() };
    const met = runs.find((r) => isFinalRunStatus(r.status) && satisfies(r.status, dep.when));
    const going = runs.find((r) => !isFinalRunStatus(r.status));
    if (met) states.push({ ...base, runId: met.id, status: met.status, state: 'MET' });
    else if (going) states.push({ ...base, runId: going.id, status: going.status, state: 'WAITING' });
    else if (runs[0]) states.push({ ...base, runId: runs[0].id, status: runs[0].status, state: 'UNMET' });
    else states.push({ ...base, runId: null, status: null, state: 'WAITING' });
  }
  return states;
}

/** Whether the run's slot is one its schedule's spec fires at (not a trigger); true when unknown. */
export async function firesOnSpec(db: Db, runId: string, slot: Date): Promise<boolean> {
  const [row]: { spec: StoredSpec | null }[] = await db.query(
    `SELECT s.spec FROM runs r LEFT JOIN schedules s ON s.id = r.schedule_id WHERE r.id = $1`,
    [runId],
  );
  if (!row?.spec) return true;
  return specFireTimes(row.spec, new Date(slot.getTime() - 1), slot, 1).length === 1;
}

/** One sentence naming each upstream run and how it stands (or that none came). */
export function describeUpstream(states: UpstreamState[]): string {
  return states
    .map((u) =>
      u.runId
        ? `${u.task} run ${u.runId} ${u.status}${u.state === 'WAITING' ? '' : ` (needs ${u.when})`}`
        : `no run of ${u.task} for ${u.slot}`,
    )
    .join('; ');
}
