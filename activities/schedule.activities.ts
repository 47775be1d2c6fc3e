import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { isUniqueViolation } from '../core/database/db-errors';
import * as lifecycle from '../core/runs/run-lifecycle';
import { inTransaction, runEvent } from '../core/runs/run-log';
import { stepsNotRun } from '../core/runs/run-steps';
import { taskRunInputOf } from '../core/runs/workflow-inputs';
import { describeUpstream, firesOnSpec, upstreamStates } from '../core/schedules/upstream';
import { storeTaskRun } from '../core/tasks/task-runs';
import { SwitchboardError } from '../libs/common/src/errors';
import { WorkFailure } from '../libs/common/src/failures';
import type { AppConfig } from '../libs/config/src/config';
import type { TaskDefinition } from '../libs/tasks/src';
import type { ScheduleActivities, ScheduledRunPlan } from '../workflows/contracts';

export interface ScheduleActivityDeps {
  dataSource: DataSource;
  config: Pick<AppConfig, 'collection' | 'ssh'>;
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

/** What a schedule's wrapper workflow (workflows/schedule.workflow.ts) does outside its sandbox. */
export function createScheduleActivities(deps: ScheduleActivityDeps): ScheduleActivities {
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

  return {
    /**
     * Store the run of one firing of a schedule, exactly as the API stores a task run (same
     * validation, same rows), with the schedule, the scheduled time and this wrapper execution.
     * Idempotent per wrapper execution: a retried attempt returns the run the first one stored.
     * A schedule that is gone, a deleted task, or inputs the task's current schema refuses fail
     * for good (the wrapper fails; with pauseOnFailure the schedule pauses).
     */
    async storeScheduledRun(input) {
      const existing = await storedBy(input.workflowId, input.workflowRunId);
      if (existing) return existing;
      const [schedule]: ScheduleRow[] = await dataSource.query(
        `SELECT id, name, task_id, task_version, inputs FROM schedules WHERE id = $1`,
        [input.scheduleId],
      );
      if (!schedule) throw new WorkFailure('SCHEDULE_GONE', `schedule ${input.scheduleId} no longer exists`);
      const scheduledAt = new Date(input.scheduledAt);
      try {
        const { run, definition } = await inTransaction(dataSource, async (m) => {
          const stored = await storeTaskRun(
            m,
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
            m,
            stored.run.id,
            'INFO',
            null,
            `started by schedule ${schedule.name} for ${scheduledAt.toISOString()} (${input.workflowId})`,
          );
          const upstream = stored.definition.upstream;
          if (upstream) {
            const waits = upstream.tasks
              .map(
                (t) => `${t.task} (${t.when}${t.offsetSeconds ? `, slot ${t.offsetSeconds} s earlier` : ''})`,
              )
              .join(', ');
            await lifecycle.waitForUpstream(m, stored.run.id, {
              level: 'INFO',
              message: `waits up to ${upstream.timeoutSeconds} s after its slot for ${waits}`,
            });
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
          throw new WorkFailure(
            error.code === 'NOT_FOUND' ? 'TASK_GONE' : 'INVALID_INPUTS',
            `schedule ${schedule.name}: ${error.message}`,
          );
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
    async awaitUpstream(input) {
      const ctx = Context.current();
      const slot = new Date(input.scheduledAt);
      const deadline = Date.parse(input.deadline);
      const exact = await firesOnSpec(dataSource, input.runId, slot);
      let noted = exact
        ? ''
        : `not a time its schedule fires at (a trigger): waits for the latest runs of its upstream tasks`;
      if (noted) await runEvent(dataSource, input.runId, 'INFO', null, noted);
      for (;;) {
        const states = await upstreamStates(dataSource, slot, input.upstream, exact);
        const summary = describeUpstream(states);
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
    async upstreamPassed(input) {
      await lifecycle.upstreamPassed(dataSource, input.runId, { level: input.level, message: input.message });
    },

    /**
     * A stored run whose workflow never starts ends here: CANCELLED (the wrapper was cancelled
     * first), or SKIPPED / FAILED by its upstream policy. Its steps are NOT_RUN.
     */
    async endScheduledRun(input) {
      await lifecycle.endBeforeStart(dataSource, input.runId, input.status, input.reason, (m) =>
        stepsNotRun(m, input.runId),
      );
    },
  };
}
