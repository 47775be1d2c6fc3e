import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createAlertActivities } from '../../../activities/alerts.activities';
import { createChangeActivities } from '../../../activities/change.activities';
import { createCollectionActivities } from '../../../activities/collection.activities';
import { failureInterceptor } from '../../../activities/failures';
import { createRunActivities } from '../../../activities/run.activities';
import { createSafetyActivities } from '../../../activities/safety.activities';
import { createScheduleActivities } from '../../../activities/schedule.activities';
import { createItemActivities } from '../../../activities/tasks/item.activities';
import { createTaskActivities } from '../../../activities/tasks/task.activities';
import type { AppConfig } from '../../../libs/config/src/config';
import type { SecretBox } from '../../../libs/crypto/src/secret-box';
import { TemplateIndex } from '../../../libs/textfsm/src/index';
import { applyVolatileRulesFile } from '../../../libs/configs/src/volatile-file';
import { nodeQueues } from '../../../libs/temporal/src/routing';

export interface SwitchboardWorkerDeps {
  config: AppConfig;
  dataSource: DataSource;
  secrets: SecretBox;
  connection: NativeConnection;
  /** A pre-built bundle (tests bundle once per file); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

/** Every activity the worker serves, built from its dependencies. */
export function createActivities(
  deps: Pick<SwitchboardWorkerDeps, 'config' | 'dataSource' | 'secrets'> & { identity: string },
) {
  const templates = TemplateIndex.load(deps.config.textfsmTemplatesDir);
  const { dataSource, secrets, config } = deps;
  const task = { dataSource, secrets, config, identity: deps.identity, templates };
  return {
    ...createRunActivities({ dataSource }),
    ...createCollectionActivities({ dataSource, secrets, ssh: config.ssh, templates }),
    ...createChangeActivities({ dataSource, secrets, ssh: config.ssh }),
    ...createTaskActivities(task),
    ...createItemActivities(task),
    ...createSafetyActivities({ dataSource }),
    ...createScheduleActivities({ dataSource, config }),
    ...createAlertActivities({ dataSource, secrets, config }),
  };
}

export const WORKFLOWS_PATH = require.resolve('../../../workflows');

/**
 * Every Temporal worker of this node, one per task queue of `nodeQueues`: the shared queue
 * (workflows and all activities) unless NODE_SHARED_QUEUE=false, then activity-only workers for
 * each site it serves (NODE_SITES), each set of its capabilities (NODE_CAPABILITIES), and its own
 * queue (work placed on this node by latency). One set of activities serves them all.
 */
export async function createSwitchboardWorkers(deps: SwitchboardWorkerDeps): Promise<Worker[]> {
  const { config } = deps;
  if (!config.nodes.sharedQueue && config.nodes.sites.length === 0) {
    throw new Error('NODE_SHARED_QUEUE=false needs NODE_SITES: this node would serve no task queue');
  }
  applyVolatileRulesFile(config.volatileRulesFile);
  const identity = deps.identity ?? config.nodes.id;
  const activities = createActivities({ ...deps, identity });
  const workers: Worker[] = [];
  const queues = nodeQueues({
    id: identity,
    sharedQueue: config.temporal.taskQueue,
    shared: config.nodes.sharedQueue,
    sites: config.nodes.sites,
    capabilities: config.nodes.capabilities,
  });
  for (const taskQueue of queues) {
    if (taskQueue === config.temporal.taskQueue) {
      workers.push(await createSwitchboardWorker({ ...deps, identity }, activities));
      continue;
    }
    workers.push(
      await Worker.create({
        connection: deps.connection,
        namespace: config.temporal.namespace,
        taskQueue,
        identity,
        activities,
        maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
        shutdownGraceTime: config.worker.shutdownGraceMs,
        interceptors: { activity: [failureInterceptor] },
      }),
    );
  }
  return workers;
}

/** The worker of the shared task queue: every workflow and every activity. */
export function createSwitchboardWorker(
  deps: SwitchboardWorkerDeps,
  activities?: ReturnType<typeof createActivities>,
): Promise<Worker> {
  const { config } = deps;
  // Backups, verification and restores compare configs with the same rules as the API.
  applyVolatileRulesFile(config.volatileRulesFile);
  const identity = deps.identity ?? config.nodes.id;
  return Worker.create({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    identity,
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : config.worker.workflowBundle
        ? { workflowBundle: { codePath: config.worker.workflowBundle } }
        : { workflowsPath: WORKFLOWS_PATH }),
    activities: activities ?? createActivities({ ...deps, identity }),
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    shutdownGraceTime: config.worker.shutdownGraceMs,
    interceptors: { activity: [failureInterceptor] },
  });
}
