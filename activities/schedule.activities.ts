import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import type { AppConfig } from '../libs/config/src/config';
import { SwitchboardError } from '../libs/common/src/errors';
import type { TaskDefinition } from '../libs/tasks/src';
import type { TaskRunInput } from '../workflows/task.workflow';
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
}

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
    const rows: { id: string; workflow_id: string; priority: number | null; definition: TaskDefinition }[] =
      await dataSource.query(
        `SELECT r.id, r.workflow_id, r.priority, v.definition
           FROM runs r JOIN task_versions v ON v.task_id = r.task_id AND v.version = r.task_version
          WHERE r.schedule_workflow_id = $1 AND r.schedule_workflow_run_id = $2`,
        [workflowId, workflowRunId],
      );
    const row = rows[0];
    if (!row) return undefined;
    return planOf(row.id, row.workflow_id, row.priority, row.definition);
  }

  function planOf(
    runId: string,
    workflowId: string,
    priority: number | null,
    definition: TaskDefinition,
  ): ScheduledRunPlan {
    return {
      runId,
      workflowId,
      priority: priority ?? 3,
      input: taskRunInputOf(runId, definition, [], deps.config),
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
          return stored;
        });
        return planOf(run.id, run.workflowId, run.priority, definition);
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

    /** A stored run whose workflow never started (the wrapper was cancelled first) ends CANCELLED. */
    async abandonScheduledRun(input: { runId: string; reason: string }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        // TypeORM answers an UPDATE ... RETURNING with [rows, affected count].
        const [rows]: [unknown[], number] = await manager.query(
          `UPDATE runs SET status = 'CANCELLED', error = $2, finished_at = now() WHERE id = $1 AND status = 'PENDING'
           RETURNING id`,
          [input.runId, input.reason],
        );
        if (!rows.length) return;
        await manager.query(
          `UPDATE run_steps SET status = 'NOT_RUN' WHERE run_id = $1 AND status = 'PENDING'`,
          [input.runId],
        );
        await runEvent(manager, input.runId, 'WARN', null, `run cancelled: ${input.reason}`);
      });
    },
  };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;
