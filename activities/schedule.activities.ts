import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import type { AppConfig } from '../libs/config/src/config';
import { SwitchboardError } from '../libs/common/src/errors';
import type { TaskDefinition, UpstreamCondition, UpstreamPolicy } from '../libs/tasks/src';
import type { TaskRunInput } from '../workflows/task.workflow';
import { FINAL_RUN_STATUSES } from '../graphql/runs/run.entity';
import { specFireTimes } from '../graphql/schedules/fire-times';
import type { StoredSpec } from '../graphql/schedules/schedule-spec';
import { runEvent } from './device-session';
import { storeTaskRun, taskRunInputOf } from './task.activities';

export interface ScheduleActivityDeps {
  dataSource: DataSource;
  config: Pick<AppConfig, 'collection' | 'ssh'>;
}

/** What the wrapper workflow needs to run the stored run as its child. */
export interface ScheduledRunPlan {
  runId: string;
  workflowId: string;
  priority: number;
  input: TaskRunInput;
  /** The slot (scheduled time) of the run. */
  scheduledAt: string;
  /** The task's upstream dependencies, when it has any: the run waits for them first. */
  upstream?: UpstreamPolicy;
}

/** How one upstream task's run of the slot stands. */
export interface UpstreamState {
  task: string;
  when: UpstreamCondition;
  /** The upstream slot: this run's slot minus the dependency's offset. */
  slot: string;
  /** The run that decided it (or the newest one still going); null when none has come. */
  runId: string | null;
  status: string | null;
  state: 'MET' | 'UNMET' | 'WAITING';
}

export interface UpstreamOutcome {
  outcome: 'MET' | 'UNMET' | 'TIMED_OUT';
  upstream: UpstreamState[];
  /** A sentence naming each upstream run and how it ended (or that none came). */
  summary: string;
}

const FINAL: readonly string[] = FINAL_RUN_STATUSES;

/**
 * Whether an ended upstream run satisfies a condition. SUCCEEDED: COMPLETED only. COMPLETED: it
 * ran to an end, whatever the outcome. FAILED: it failed, was rolled back or rejected. A SKIPPED
 * upstream run never ran, so it satisfies none: a skip travels down a chain.
 */
export function satisfies(status: string, when: UpstreamCondition): boolean {
  if (status === 'SKIPPED') return false;
  if (when === 'SUCCEEDED') return status === 'COMPLETED';
  if (when === 'FAILED') return ['FAILED', 'ROLLED_BACK', 'ROLLBACK_FAILED', 'REJECTED'].includes(status);
  return FINAL.includes(status);
}

/** Poll interval while waiting for upstream runs. */
const UPSTREAM_POLL_MS = 1000;

interface ScheduleRow {
  id: string;
  name: string;
  task_id: string;
  task_version: number | null;
  inputs: Record<string, unknown>;
}

const isUniqueViolation = (error: unknown) =>
  error instanceof QueryFailedError && (error.driverError as { code?: string })?.code === '23505';

export function createScheduleActivities(deps: ScheduleActivityDeps) {
  const { dataSource } = deps;

  /** The run a wrapper execution already stored (an earlier attempt of this activity), if any. */
  async function storedBy(workflowId: string, workflowRunId: string): Promise<ScheduledRunPlan | undefined> {
    const rows: {
      id: string;
      workflow_id: string;
      priority: number | null;
      scheduled_at: Date;
      definition: TaskDefinition;
    }[] = await dataSource.query(
      `SELECT r.id, r.workflow_id, r.priority, r.scheduled_at, v.definition
           FROM runs r JOIN task_versions v ON v.task_id = r.task_id AND v.version = r.task_version
          WHERE r.schedule_workflow_id = $1 AND r.schedule_workflow_run_id = $2`,
      [workflowId, workflowRunId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return planOf(row.id, row.workflow_id, row.priority, row.definition, row.scheduled_at);
  }

  function planOf(
    runId: string,
    workflowId: string,
    priority: number | null,
    definition: TaskDefinition,
    scheduledAt: Date,
  ): ScheduledRunPlan {
    return {
      runId,
      workflowId,
      priority: priority ?? 3,
      input: taskRunInputOf(runId, definition, [], deps.config),
      scheduledAt: scheduledAt.toISOString(),
      ...(definition.upstream ? { upstream: definition.upstream } : {}),
    };
  }

  /** Where each upstream task's run of the slot stands now. */
  /**
   * Where each upstream task's run of the slot stands now. `exact`: the runs of that very slot.
   * Otherwise (a firing outside the schedule's spec: a trigger) the runs of the task's latest slot
   * at or before it, so that a triggered run goes when the upstream task's latest run went well.
   */
  async function upstreamStates(
    scheduledAt: Date,
    policy: UpstreamPolicy,
    exact: boolean,
  ): Promise<UpstreamState[]> {
    const states: UpstreamState[] = [];
    for (const dep of policy.tasks) {
      const target = new Date(scheduledAt.getTime() - dep.offsetSeconds * 1000);
      // Top-level runs of the task for the slot (a task may have several schedules), newest first.
      const runs: { id: string; status: string; scheduled_at: Date }[] = await dataSource.query(
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
      const met = runs.find((r) => FINAL.includes(r.status) && satisfies(r.status, dep.when));
      const going = runs.find((r) => !FINAL.includes(r.status));
      if (met) states.push({ ...base, runId: met.id, status: met.status, state: 'MET' });
      else if (going) states.push({ ...base, runId: going.id, status: going.status, state: 'WAITING' });
      else if (runs[0]) states.push({ ...base, runId: runs[0].id, status: runs[0].status, state: 'UNMET' });
      else states.push({ ...base, runId: null, status: null, state: 'WAITING' });
    }
    return states;
  }

  /** Whether the run's slot is one its schedule's spec fires at (not a trigger); true when unknown. */
  async function onSpec(runId: string, slot: Date): Promise<boolean> {
    const [row]: { spec: StoredSpec | null }[] = await dataSource.query(
      `SELECT s.spec FROM runs r LEFT JOIN schedules s ON s.id = r.schedule_id WHERE r.id = $1`,
      [runId],
    );
    if (!row?.spec) return true;
    return specFireTimes(row.spec, new Date(slot.getTime() - 1), slot, 1).length === 1;
  }

  function describe(states: UpstreamState[]): string {
    return states
      .map((u) =>
        u.runId
          ? `${u.task} run ${u.runId} ${u.status}${u.state === 'WAITING' ? '' : ` (needs ${u.when})`}`
          : `no run of ${u.task} for ${u.slot}`,
      )
      .join('; ');
  }

  return {
    /**
     * Store the run of one firing of a schedule, exactly as the API stores a task run (same
     * validation, same rows), with the schedule, the scheduled time and this wrapper execution.
     * Idempotent per wrapper execution: a retried attempt returns the run the first one stored.
     * A schedule that is gone, a deleted task, or inputs the task's current schema refuses fail
     * for good (the wrapper fails; with pauseOnFailure the schedule pauses).
     */
    async storeScheduledRun(input: {
      scheduleId: string;
      workflowId: string;
      workflowRunId: string;
      scheduledAt: string;
    }): Promise<ScheduledRunPlan> {
      const existing = await storedBy(input.workflowId, input.workflowRunId);
      if (existing) return existing;
      const [schedule]: ScheduleRow[] = await dataSource.query(
        `SELECT id, name, task_id, task_version, inputs FROM schedules WHERE id = $1`,
        [input.scheduleId],
      );
      if (!schedule) {
        throw ApplicationFailure.create({
          type: 'SCHEDULE_GONE',
          message: `schedule ${input.scheduleId} no longer exists`,
          nonRetryable: true,
        });
      }
      const scheduledAt = new Date(input.scheduledAt);
      try {
        const { run, definition } = await dataSource.transaction(async (manager) => {
          const stored = await storeTaskRun(
            manager,
            { task: schedule.task_id, version: schedule.task_version, inputs: schedule.inputs },
            {
              schedule: {
                id: schedule.id,
                scheduledAt,
                workflowId: input.workflowId,
                workflowRunId: input.workflowRunId,
              },
            },
          );
          await runEvent(
            manager,
            stored.run.id,
            'INFO',
            null,
            `started by schedule ${schedule.name} for ${scheduledAt.toISOString()} (${input.workflowId})`,
          );
          const upstream = stored.definition.upstream;
          if (upstream) {
            await manager.query(`UPDATE runs SET status = 'WAITING_UPSTREAM' WHERE id = $1`, [stored.run.id]);
            await runEvent(
              manager,
              stored.run.id,
              'INFO',
              null,
              `waits up to ${upstream.timeoutSeconds} s after its slot for ${upstream.tasks
                .map(
                  (t) =>
                    `${t.task} (${t.when}${t.offsetSeconds ? `, slot ${t.offsetSeconds} s earlier` : ''})`,
                )
                .join(', ')}`,
            );
          }
          return stored;
        });
        return planOf(run.id, run.workflowId, run.priority, definition, scheduledAt);
      } catch (error) {
        // Two attempts at once (one timed out but still ran): the first one's run wins.
        if (isUniqueViolation(error)) {
          const stored = await storedBy(input.workflowId, input.workflowRunId);
          if (stored) return stored;
        }
        if (error instanceof SwitchboardError) {
          throw ApplicationFailure.create({
            type: error.code === 'NOT_FOUND' ? 'TASK_GONE' : 'INVALID_INPUTS',
            message: `schedule ${schedule.name}: ${error.message}`,
            nonRetryable: true,
          });
        }
        throw error;
      }
    },

    /**
     * Wait until every upstream task's run of this run's slot has ended as required (MET), one has
     * ended otherwise and none of that task's runs of the slot can still satisfy it (UNMET), or the
     * deadline passes (TIMED_OUT; fixed by the workflow, so a retried attempt does not extend it).
     * Polls PostgreSQL and heartbeats; a worker crash moves the wait to another worker.
     */
    async awaitUpstream(input: {
      runId: string;
      scheduledAt: string;
      deadline: string;
      upstream: UpstreamPolicy;
    }): Promise<UpstreamOutcome> {
      const ctx = Context.current();
      const slot = new Date(input.scheduledAt);
      const deadline = Date.parse(input.deadline);
      const exact = await onSpec(input.runId, slot);
      let noted = exact
        ? ''
        : `not a time its schedule fires at (a trigger): waits for the latest runs of its upstream tasks`;
      if (noted) await runEvent(dataSource, input.runId, 'INFO', null, noted);
      for (;;) {
        const states = await upstreamStates(slot, input.upstream, exact);
        const summary = describe(states);
        if (states.every((u) => u.state === 'MET')) return { outcome: 'MET', upstream: states, summary };
        if (states.some((u) => u.state === 'UNMET')) return { outcome: 'UNMET', upstream: states, summary };
        if (Date.now() >= deadline) return { outcome: 'TIMED_OUT', upstream: states, summary };
        if (summary !== noted) {
          // What it waits for, each time that changes (an upstream run appears, ends, ...).
          await runEvent(dataSource, input.runId, 'INFO', null, `waiting for upstream: ${summary}`);
          noted = summary;
        }
        ctx.heartbeat(summary);
        await ctx.sleep(Math.min(UPSTREAM_POLL_MS, Math.max(deadline - Date.now(), 1)));
      }
    },

    /** The wait is over and the run goes ahead (MET, or the policy says RUN): PENDING again. */
    async upstreamPassed(input: { runId: string; message: string; level: 'INFO' | 'WARN' }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        const [rows]: [unknown[], number] = await manager.query(
          `UPDATE runs SET status = 'PENDING' WHERE id = $1 AND status = 'WAITING_UPSTREAM' RETURNING id`,
          [input.runId],
        );
        if (rows.length) await runEvent(manager, input.runId, input.level, null, input.message);
      });
    },

    /**
     * A stored run whose workflow never starts ends here: CANCELLED (the wrapper was cancelled
     * first), or SKIPPED / FAILED by its upstream policy. Its steps are NOT_RUN.
     */
    async endScheduledRun(input: {
      runId: string;
      status: 'CANCELLED' | 'SKIPPED' | 'FAILED';
      reason: string;
    }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        // TypeORM answers an UPDATE ... RETURNING with [rows, affected count].
        const [rows]: [unknown[], number] = await manager.query(
          `UPDATE runs SET status = $2, error = $3, finished_at = now()
            WHERE id = $1 AND status IN ('PENDING', 'WAITING_UPSTREAM', 'CANCELLING')
           RETURNING id`,
          [input.runId, input.status, input.reason],
        );
        if (!rows.length) return;
        await manager.query(
          `UPDATE run_steps SET status = 'NOT_RUN' WHERE run_id = $1 AND status = 'PENDING'`,
          [input.runId],
        );
        await runEvent(
          manager,
          input.runId,
          input.status === 'FAILED' ? 'ERROR' : 'WARN',
          null,
          `run ${input.status.toLowerCase()}: ${input.reason}`,
        );
      });
    },
  };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;
