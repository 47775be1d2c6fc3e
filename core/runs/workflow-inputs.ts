import type { AppConfig } from '../../libs/config/src/config';
import type { TaskDefinition } from '../../libs/tasks/src/definition';
import type { ChangeInput, CollectionInput, TaskRunInput } from '../../workflows/contracts';
import type { RunEntity } from './run.entity';

/**
 * Workflow inputs, built from a stored run and the configuration alone, so that the API, a parent
 * run, a schedule and the reconciler (restarting a stranded run) all build the same input.
 */

type Timing = Pick<AppConfig, 'collection' | 'ssh'>;

const retryOf = ({ collection }: Timing) => ({
  maximumAttempts: collection.maxAttempts,
  initialIntervalMs: collection.retryInitialMs,
});

/** The collection workflow's input. */
export function collectionInputOf(
  run: Pick<RunEntity, 'id' | 'commands' | 'commandsByPlatform' | 'concurrency' | 'commandTimeoutMs'>,
  deviceIds: string[],
  config: Timing,
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
    retry: retryOf(config),
    ...(Object.keys(queues).length ? { queues } : {}),
  };
}

/** The change workflow's input; the intent itself stays on the run (`change_spec`). */
export function changeInputOf(
  run: Pick<RunEntity, 'id' | 'concurrency' | 'commandTimeoutMs' | 'changeSpec'>,
  deviceIds: string[],
  config: Timing,
  queues: Record<string, string> = {},
): ChangeInput {
  const { collection, ssh } = config;
  const spec = run.changeSpec!;
  const commandTimeoutMs = run.commandTimeoutMs ?? ssh.commandTimeoutMs;
  return {
    runId: run.id,
    deviceIds,
    concurrency: run.concurrency,
    commandTimeoutMs,
    dryRun: spec.dryRun,
    requireApproval: spec.requireApproval,
    approvalTimeoutMs: spec.approvalTimeoutSeconds * 1000,
    maxFailures: spec.maxFailures,
    failurePolicy: spec.failurePolicy,
    // Backup, push, verify and possibly restore: several config reads and a push per device.
    timeouts: {
      deviceStartToCloseMs: ssh.connectTimeoutMs + ssh.promptTimeoutMs + commandTimeoutMs * 10 + 60_000,
      heartbeatMs: collection.heartbeatTimeoutMs,
    },
    retry: retryOf(config),
    ...(Object.keys(queues).length ? { queues } : {}),
  };
}

/** The task-run workflow's input (the pinned definition and the steps an earlier run did). */
export function taskRunInputOf(
  runId: string,
  definition: TaskDefinition,
  reused: string[],
  config: Timing,
): TaskRunInput {
  return {
    runId,
    definition,
    reused,
    timeouts: {
      heartbeatMs: config.collection.heartbeatTimeoutMs,
      itemStartToCloseMs:
        config.ssh.connectTimeoutMs + config.ssh.promptTimeoutMs + config.ssh.commandTimeoutMs * 20 + 60_000,
    },
  };
}
