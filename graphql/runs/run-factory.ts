import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../libs/config/src/config';
import type { CollectionInput } from '../../workflows/collection.workflow';
import { RunDeviceEntity } from './run-device.entity';
import { RunEntity } from './run.entity';

export interface RunDeviceRef {
  id: string;
  name: string;
  platform: string;
  host: string;
}

/** A new run row with every optional column at its empty value; `fields` sets what the run is. */
export function newRun(
  manager: EntityManager,
  fields: Pick<RunEntity, 'id' | 'kind' | 'workflowId' | 'concurrency' | 'selector' | 'totalDevices'> &
    Partial<RunEntity>,
): RunEntity {
  return manager.create(RunEntity, {
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
    paused: false,
    error: null,
    startedAt: null,
    finishedAt: null,
    ...fields,
  });
}

/** One row per device of a run, 1000 per statement. */
export async function insertRunDevices(
  manager: EntityManager,
  runId: string,
  devices: RunDeviceRef[],
  intended?: Map<string, string>,
): Promise<void> {
  for (let i = 0; i < devices.length; i += 1000) {
    await manager.insert(
      RunDeviceEntity,
      devices.slice(i, i + 1000).map((d) => ({
        runId,
        deviceId: d.id,
        deviceName: d.name,
        platform: d.platform,
        host: d.host,
        status: 'PENDING' as const,
        intended: intended?.get(d.id) ?? null,
      })),
    );
  }
}

/** The collection workflow's input, built from the stored run alone (so a restart builds the same). */
export function collectionInputOf(
  run: Pick<RunEntity, 'id' | 'commands' | 'commandsByPlatform' | 'concurrency' | 'commandTimeoutMs'>,
  deviceIds: string[],
  config: Pick<AppConfig, 'collection' | 'ssh'>,
  queues: Record<string, string> = {},
): CollectionInput {
  const { collection, ssh } = config;
  const commandTimeoutMs = run.commandTimeoutMs ?? ssh.commandTimeoutMs;
  const overrides = Object.values(run.commandsByPlatform ?? {});
  const longest = Math.max(run.commands.length, ...overrides.map((c) => c.length));
  return {
    runId: run.id,
    deviceIds,
    commands: run.commands,
    commandsByPlatform: run.commandsByPlatform,
    concurrency: run.concurrency,
    commandTimeoutMs,
    timeouts: {
      // Connect, reach a prompt, then every command at its own timeout, plus margin.
      deviceStartToCloseMs:
        ssh.connectTimeoutMs + ssh.promptTimeoutMs + commandTimeoutMs * (longest + 2) + 30_000,
      heartbeatMs: collection.heartbeatTimeoutMs,
    },
    retry: { maximumAttempts: collection.maxAttempts, initialIntervalMs: collection.retryInitialMs },
    ...(Object.keys(queues).length ? { queues } : {}),
  };
}
