import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import os from 'node:os';
import type { DataSource } from 'typeorm';
import { createChangeActivities } from '../../../activities/change.activities';
import { createCollectionActivities } from '../../../activities/collection.activities';
import { createTaskActivities } from '../../../activities/task.activities';
import type { AppConfig } from '../../../libs/config/src/config';
import type { SecretBox } from '../../../libs/crypto/src/secret-box';
import { TemplateIndex } from '../../../libs/textfsm/src/index';
import { applyVolatileRulesFile } from '../../../libs/configs/src/volatile-file';

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
  return {
    ...createTaskActivities({
      dataSource: deps.dataSource,
      secrets: deps.secrets,
      ssh: deps.config.ssh,
      config: deps.config,
      identity: deps.identity,
    }),
    ...createChangeActivities({ dataSource: deps.dataSource, secrets: deps.secrets, ssh: deps.config.ssh }),
    ...createCollectionActivities({
      dataSource: deps.dataSource,
      secrets: deps.secrets,
      ssh: deps.config.ssh,
      templates: TemplateIndex.load(deps.config.textfsmTemplatesDir),
    }),
  };
}

export const WORKFLOWS_PATH = require.resolve('../../../workflows');

export function createSwitchboardWorker(deps: SwitchboardWorkerDeps): Promise<Worker> {
  const { config } = deps;
  // Backups, verification and restores compare configs with the same rules as the API.
  applyVolatileRulesFile(config.volatileRulesFile);
  const identity = deps.identity ?? `switchboard-worker@${os.hostname()}:${process.pid}`;
  return Worker.create({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    identity,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({ ...deps, identity }),
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    shutdownGraceTime: config.worker.shutdownGraceMs,
  });
}
