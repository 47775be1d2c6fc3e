import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import type { TaskDefinition } from '../../libs/tasks/src';
import type { ChangeWorkflow, CollectionWorkflow, TaskRunWorkflow } from '../../workflows/contracts';
import { deviceQueues } from '../routing/nodes';
import * as lifecycle from './run-lifecycle';
import type { RunEntity } from './run.entity';
import { changeInputOf, collectionInputOf, taskRunInputOf } from './workflow-inputs';

/**
 * Starts the workflow of a stored run: the API after storing one, and the reconciler for runs
 * stored but never started. Idempotent: the workflow id derives from the run id and the conflict
 * policy is USE_EXISTING, so starting a run that has its workflow (running or closed) changes
 * nothing. The input is built from the stored run alone, so every caller builds the same.
 */
@Injectable()
export class RunStarter {
  private readonly logger = new Logger(RunStarter.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Start the workflow of `run`; `deviceIds` defaults to the run's device rows. */
  async start(run: RunEntity, deviceIds?: string[]): Promise<void> {
    const ids = deviceIds ?? (run.kind === 'task' ? [] : await this.deviceIdsOf(run.id));
    const options = {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: run.workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING' as const,
      // A closed workflow (finished, or terminated by an operator) is never started again.
      workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
      memo: { runId: run.id, kind: run.kind, devices: ids.length },
    };
    try {
      if (run.kind === 'task') {
        await this.temporal.workflow.start<TaskRunWorkflow>('taskRunWorkflow', {
          ...options,
          args: [await this.taskRunInput(run)],
          // Lower runs first when tasks queue up; activities and child workflows inherit it.
          priority: { priorityKey: run.priority ?? 3 },
        });
        return;
      }
      const queues = await deviceQueues(this.dataSource, this.config, ids);
      if (run.kind === 'change' && run.changeSpec) {
        await this.temporal.workflow.start<ChangeWorkflow>('changeWorkflow', {
          ...options,
          args: [changeInputOf(run, ids, this.config, queues)],
        });
        return;
      }
      await this.temporal.workflow.start<CollectionWorkflow>('collectionWorkflow', {
        ...options,
        args: [collectionInputOf(run, ids, this.config, queues)],
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return; // it ran and closed already
      const message = error instanceof Error ? error.message : String(error);
      await lifecycle.failToStart(this.dataSource, run.id, `could not start workflow: ${message}`);
      this.logger.error(`starting workflow ${run.workflowId} failed: ${message}`);
      throw error;
    }
  }

  private async deviceIdsOf(runId: string): Promise<string[]> {
    const rows: { device_id: string }[] = await this.dataSource.query(
      `SELECT device_id FROM run_devices WHERE run_id = $1 AND device_id IS NOT NULL ORDER BY device_name`,
      [runId],
    );
    return rows.map((r) => r.device_id);
  }

  /** A task run's input: the pinned definition, and the steps an earlier run did, in completion order. */
  private async taskRunInput(run: RunEntity) {
    const [version]: { definition: TaskDefinition }[] = await this.dataSource.query(
      `SELECT definition FROM task_versions WHERE task_id = $1 AND version = $2`,
      [run.taskId, run.taskVersion],
    );
    const reused: { step_id: string }[] = await this.dataSource.query(
      `SELECT step_id FROM run_steps WHERE run_id = $1 AND status = 'REUSED' ORDER BY completion_seq`,
      [run.id],
    );
    return taskRunInputOf(
      run.id,
      version.definition,
      reused.map((r) => r.step_id),
      this.config,
    );
  }
}
