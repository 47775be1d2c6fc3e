import { randomUUID } from 'node:crypto';
import { isUUID } from 'class-validator';
import type { EntityManager } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import { validateInputs, type TaskDefinition } from '../../libs/tasks/src';
import { createRun } from '../runs/run-factory';
import { insertStepRows } from '../runs/run-steps';
import type { RunEntity } from '../runs/run.entity';
import { TaskEntity, TaskVersionEntity } from './task.entity';

/** What a task run is started with, by the API (start, restart, retry, batches) and by a schedule. */
export interface TaskRunRequest {
  /** Task name or id. */
  task: string;
  /** Default: the task's latest version. */
  version?: number | null;
  inputs?: unknown;
  priority?: number | null;
}

/** Where a task run comes from, besides its request. */
export interface TaskRunOrigin {
  /** Restarts and retries: the run repeated, and the outputs kept from it (by step id). */
  sourceRunId?: string | null;
  reused?: Map<string, unknown>;
  /** Runs started by a step of another run (a subtask, a fan-out item): inherit its priority. */
  parent?: { runId: string; stepId: string };
  /** Runs of a schedule: the schedule, the time it fired for, and the wrapper workflow execution. */
  schedule?: { id: string; scheduledAt: Date; workflowId: string; workflowRunId: string };
}

/**
 * Validate and store a task run (PENDING, with its step rows) in the caller's transaction. The one
 * way a task run is stored: by the API, by a parent run's step and by a schedule's wrapper workflow. The caller starts the
 * workflow after commit.
 */
export async function storeTaskRun(
  manager: EntityManager,
  request: TaskRunRequest,
  origin: TaskRunOrigin = {},
): Promise<{ run: RunEntity; taskName: string; definition: TaskDefinition }> {
  if (request.priority !== undefined && request.priority !== null) {
    if (!Number.isInteger(request.priority) || request.priority < 1 || request.priority > 5) {
      throw SwitchboardError.badInput('priority', 'must be an integer from 1 (most urgent) to 5');
    }
  }
  const task = await manager
    .createQueryBuilder(TaskEntity, 't')
    .where('t.deleted_at IS NULL')
    .andWhere(isUUID(request.task, 'all') ? 't.id = :key' : 't.name = :key', { key: request.task })
    .getOne();
  if (!task) throw SwitchboardError.notFound('task', request.task);
  const version = await manager.findOne(TaskVersionEntity, {
    where: { taskId: task.id, version: request.version ?? task.latestVersion },
  });
  if (!version) {
    throw SwitchboardError.badInput('version', `task ${task.name} has no version ${request.version}`);
  }
  const { inputs, errors } = validateInputs(version.definition, request.inputs ?? {});
  if (errors.length) throw SwitchboardError.invalidFields(errors);
  const runId = randomUUID();
  const { schedule } = origin;
  const run = await createRun(manager, {
    id: runId,
    kind: 'task',
    workflowId: `task-${runId}`,
    concurrency: version.definition.concurrency,
    selector: {},
    totalDevices: 0,
    taskId: task.id,
    taskVersion: version.version,
    inputs,
    priority: request.priority ?? task.priority,
    sourceRunId: origin.sourceRunId ?? null,
    scheduleId: schedule?.id ?? null,
    scheduledAt: schedule?.scheduledAt ?? null,
    scheduleWorkflowId: schedule?.workflowId ?? null,
    scheduleWorkflowRunId: schedule?.workflowRunId ?? null,
    parentRunId: origin.parent?.runId ?? null,
    parentStepId: origin.parent?.stepId ?? null,
  });
  await insertStepRows(manager, runId, version.definition, origin.reused ?? new Map());
  return { run, taskName: task.name, definition: version.definition };
}
