import type { DataSource } from 'typeorm';
import { resolveDeviceSelection, type DeviceSelector } from '../../core/devices/device-selection';
import { assertRunCreatorMay } from '../../core/accounts/device-scope';
import { DeviceEntity } from '../../core/devices/device.entity';
import { runEvent, type Db } from '../../core/runs/run-log';
import { taskRunInputOf } from '../../core/runs/workflow-inputs';
import { storeTaskRun } from '../../core/tasks/task-runs';
import { SwitchboardError } from '../../libs/common/src/errors';
import { WorkFailure } from '../../libs/common/src/failures';
import type { AppConfig } from '../../libs/config/src/config';
import type { SecretBox } from '../../libs/crypto/src/secret-box';
import type { StepDefinition, TaskDefinition } from '../../libs/tasks/src';
import type { TemplateIndex } from '../../libs/textfsm/src/index';
import type { TaskRunInput } from '../../workflows/contracts';

/** What the task activities are built from. */
export interface TaskActivityDeps {
  dataSource: DataSource;
  secrets: SecretBox;
  config: Pick<AppConfig, 'collection' | 'ssh' | 'temporal' | 'nodes' | 'artifacts'>;
  /** Recorded on each item it works on (which worker did what). */
  identity: string;
  /** TextFSM templates: `ssh.commands` items parse their outputs as collection runs do. */
  templates: TemplateIndex;
}

/** A task run with its pinned definition. */
export interface TaskRunRow {
  id: string;
  priority: number | null;
  task_id: string;
  task_version: number;
  task_name: string;
  inputs: Record<string, unknown>;
  definition: TaskDefinition;
  workflow_id: string;
}

export async function loadTaskRun(db: Db, runId: string): Promise<TaskRunRow> {
  const rows: TaskRunRow[] = await db.query(
    `SELECT r.id, r.task_id, r.task_version, r.inputs, r.workflow_id, r.priority, t.name AS task_name, v.definition
       FROM runs r JOIN tasks t ON t.id = r.task_id
       JOIN task_versions v ON v.task_id = r.task_id AND v.version = r.task_version
      WHERE r.id = $1`,
    [runId],
  );
  if (!rows[0]) throw new WorkFailure('RUN_GONE', `task run ${runId} not found`);
  return rows[0];
}

export function stepOf(run: TaskRunRow, stepId: string): StepDefinition {
  const step = run.definition.steps.find((s) => s.id === stepId);
  if (!step) throw new WorkFailure('BAD_STEP', `no step ${stepId}`);
  return step;
}

/** A step's parameters that cannot work (a reference that does not resolve, a bad selector): not retried. */
export function badParams(stepId: string, error: unknown): WorkFailure {
  const message = error instanceof Error ? error.message : String(error);
  return new WorkFailure('BAD_PARAMS', `step ${stepId}: ${message}`);
}

/**
 * The devices a step's `devices` selector names (at least one), with their credentials; the run's
 * creator must hold tasks:run for each (a scoped binding: FORBIDDEN, see assertRunCreatorMay).
 */
export async function stepDevices(
  db: DataSource,
  stepId: string,
  target: unknown,
  runId: string,
): Promise<DeviceEntity[]> {
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    throw badParams(stepId, 'params.devices must be a device selector object');
  }
  try {
    const devices = await resolveDeviceSelection(db.getRepository(DeviceEntity), target as DeviceSelector);
    if (devices.length === 0) throw SwitchboardError.badInput('devices', 'matches no devices');
    await assertRunCreatorMay(db, runId, 'tasks:run', devices);
    return devices;
  } catch (error) {
    if (error instanceof SwitchboardError) throw badParams(stepId, `params.${error.message}`);
    throw error;
  }
}

/** A device as a step item: what references and the output see of it. */
export const deviceItem = (d: DeviceEntity) => ({
  id: d.id,
  name: d.name,
  platform: d.platform,
  host: d.host,
  site: d.site,
  tags: d.tags,
  credential: d.credential?.name ?? null,
});

/**
 * A child task run (a subtask step, or an item of a fan-out over a task), stored as any task run
 * is (core/tasks/task-runs.ts) before its workflow starts; it inherits the parent's priority.
 */
export async function createChildTaskRun(
  deps: Pick<TaskActivityDeps, 'dataSource' | 'config'>,
  parent: TaskRunRow,
  stepId: string,
  spec: { task: string; version?: number; inputs?: Record<string, unknown> },
): Promise<{ workflowId: string; input: TaskRunInput; runId: string }> {
  try {
    return await deps.dataSource.transaction(async (m) => {
      const { run, definition } = await storeTaskRun(
        m,
        {
          task: spec.task,
          version: spec.version ?? null,
          inputs: spec.inputs ?? {},
          priority: parent.priority,
        },
        { parent: { runId: parent.id, stepId } },
      );
      await runEvent(
        m,
        parent.id,
        'INFO',
        null,
        `started subtask ${spec.task} v${run.taskVersion} as run ${run.id}`,
        {
          stepId,
        },
      );
      return {
        runId: run.id,
        workflowId: run.workflowId,
        input: taskRunInputOf(run.id, definition, [], deps.config),
      };
    });
  } catch (error) {
    if (error instanceof SwitchboardError) throw badParams(stepId, error.message);
    throw error;
  }
}

/** The workflow input of an existing task run (a retried preparation finds its child run). */
export async function taskRunInput(deps: Pick<TaskActivityDeps, 'dataSource' | 'config'>, runId: string) {
  const run = await loadTaskRun(deps.dataSource, runId);
  return { workflowId: run.workflow_id, input: taskRunInputOf(run.id, run.definition, [], deps.config) };
}

/** A finished child task run as a step output: its status and each step's output. */
export async function childRunOutcome(
  db: Db,
  runId: string,
): Promise<{ runId: string; status: string; outputs: Record<string, unknown> }> {
  const [run]: { status: string }[] = await db.query(`SELECT status FROM runs WHERE id = $1`, [runId]);
  const steps: { step_id: string; output: unknown }[] = await db.query(
    `SELECT step_id, output FROM run_steps WHERE run_id = $1 AND status IN ('SUCCEEDED', 'REUSED')`,
    [runId],
  );
  return {
    runId,
    status: run?.status ?? 'UNKNOWN',
    outputs: Object.fromEntries(steps.map((s) => [s.step_id, s.output])),
  };
}

/** A step's item as stored, with its result. */
export interface ItemRow {
  item_index: number;
  item: Record<string, unknown>;
  status: string;
  output: unknown;
  error_kind: string | null;
  error_message: string | null;
}

export function stepItems(db: Db, runId: string, stepKey: string): Promise<ItemRow[]> {
  return db.query(
    `SELECT item_index, item, status, output, error_kind, error_message FROM run_step_items
      WHERE run_id = $1 AND step_key = $2 ORDER BY item_index`,
    [runId, stepKey],
  );
}

/** An item's error as the output shows it (null once it succeeded). */
export const itemError = (i: ItemRow): string | null =>
  i.status === 'SUCCEEDED' ? null : `${i.error_kind ?? i.status}: ${i.error_message ?? 'did not finish'}`;
