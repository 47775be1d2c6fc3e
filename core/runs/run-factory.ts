import type { EntityManager } from 'typeorm';
import { RunDeviceEntity } from './run-device.entity';
import { RunEntity } from './run.entity';
import { currentActorId } from '../accounts/actor';

/** A device as a run records it: name, platform and host are copied so history survives edits. */
export interface RunDeviceSeed {
  id: string;
  name: string;
  platform: string;
  host: string;
}

export type NewRun = Pick<
  RunEntity,
  'id' | 'kind' | 'workflowId' | 'concurrency' | 'selector' | 'totalDevices'
> &
  Partial<RunEntity>;

/**
 * Store a new run, PENDING, with one row per device (1000 per statement), in the caller's
 * transaction: the one way a run is created. Every optional column starts at its empty value;
 * `fields` says what the run is. Its workflow is started after commit.
 */
export async function createRun(
  manager: EntityManager,
  fields: NewRun,
  devices: RunDeviceSeed[] = [],
  intended?: Map<string, string>,
): Promise<RunEntity> {
  const run = manager.create(RunEntity, {
    status: 'PENDING',
    commands: [],
    commandsByPlatform: {},
    commandTimeoutMs: null,
    backupReason: null,
    changeSpec: null,
    taskId: null,
    taskVersion: null,
    inputs: null,
    priority: null,
    parentRunId: null,
    parentStepId: null,
    sourceRunId: null,
    scheduleId: null,
    scheduledAt: null,
    scheduleWorkflowId: null,
    scheduleWorkflowRunId: null,
    paused: false,
    error: null,
    startedAt: null,
    finishedAt: null,
    createdBy: currentActorId(),
    ...fields,
  });
  // A child run (a task step's collection, a subtask) is made for whoever made its parent.
  if (!run.createdBy && run.parentRunId) {
    const [parent]: { created_by: string | null }[] = await manager.query(
      `SELECT created_by FROM runs WHERE id = $1`,
      [run.parentRunId],
    );
    run.createdBy = parent?.created_by ?? null;
  }
  await manager.insert(RunEntity, run);
  for (let i = 0; i < devices.length; i += 1000) {
    await manager.insert(
      RunDeviceEntity,
      devices.slice(i, i + 1000).map((d) => ({
        runId: run.id,
        deviceId: d.id,
        deviceName: d.name,
        platform: d.platform,
        host: d.host,
        status: 'PENDING' as const,
        intended: intended?.get(d.id) ?? null,
      })),
    );
  }
  return run;
}
