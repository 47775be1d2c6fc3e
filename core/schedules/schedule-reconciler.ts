import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { cancelUnfinishedDevices } from '../runs/run-devices';
import * as lifecycle from '../runs/run-lifecycle';
import { inTransaction } from '../runs/run-log';
import { FINAL_RUN_STATUSES } from '../runs/run-states';
import { stepsTerminated } from '../runs/run-steps';

/**
 * Runs of a schedule whose workflows were closed without the run recording its end. That happens
 * when Temporal terminates the wrapper workflow (overlap policy TERMINATE_OTHER, or an operator):
 * the wrapper's child `task-<run id>` is terminated with it (parent close policy) and no code of
 * either runs again, so the run row would stay RUNNING (or PENDING) for ever. At boot and every
 * RUNS_RECONCILE_INTERVAL_MS, such a run is recorded as FAILED (CANCELLED if its workflow never
 * started), with the reason, and so are the runs it started (collections, subtasks); steps that
 * were running become CANCELLED (error kind TERMINATED). No compensation runs.
 */
@Injectable()
export class ScheduleReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ScheduleReconciler.name);
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.runsReconcileIntervalMs;
    if (interval === 0) return;
    const tick = () => {
      if (this.busy) return;
      this.busy = true;
      this.reconcile()
        .then((n) => n > 0 && this.logger.log(`recorded the end of ${n} terminated scheduled run(s)`))
        .catch((error: Error) => this.logger.warn(`reconciling scheduled runs failed: ${error.message}`))
        .finally(() => (this.busy = false));
    };
    tick();
    this.timer = setInterval(tick, interval);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass; returns how many runs it ended. */
  async reconcile(): Promise<number> {
    const runs: {
      id: string;
      workflow_id: string;
      schedule_workflow_id: string;
      schedule_workflow_run_id: string;
    }[] = await this.dataSource.query(
      `SELECT id, workflow_id, schedule_workflow_id, schedule_workflow_run_id FROM runs
        WHERE schedule_workflow_id IS NOT NULL AND status <> ALL($1::text[])
          AND created_at < now() - interval '2 seconds'
        ORDER BY created_at LIMIT 500`,
      [FINAL_RUN_STATUSES],
    );
    let ended = 0;
    for (const run of runs) {
      const wrapper = await this.statusOf(run.schedule_workflow_id, run.schedule_workflow_run_id);
      if (wrapper === 'RUNNING') continue;
      const own = await this.statusOf(run.workflow_id);
      if (own === 'RUNNING') continue;
      const cause =
        wrapper === 'TERMINATED'
          ? `its schedule workflow ${run.schedule_workflow_id} was terminated (overlap policy TERMINATE_OTHER, or an operator)`
          : `its schedule workflow ${run.schedule_workflow_id} ended ${wrapper.toLowerCase().replace(/_/g, ' ')}`;
      const ok =
        own === 'NOT_FOUND'
          ? await this.end(run.id, 'CANCELLED', `never started: ${cause}`)
          : await this.end(
              run.id,
              'FAILED',
              `workflow ${run.workflow_id} was ${own.toLowerCase().replace(/_/g, ' ')}: ${cause}; no compensation ran`,
            );
      if (ok) ended++;
    }
    return ended;
  }

  private async statusOf(workflowId: string, runId?: string): Promise<string> {
    try {
      return (await this.temporal.workflow.getHandle(workflowId, runId).describe()).status.name;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw error;
    }
  }

  /** End the run and the runs it started, if still not ended; false when it had ended meanwhile. */
  private async end(runId: string, status: 'FAILED' | 'CANCELLED', reason: string): Promise<boolean> {
    return inTransaction(this.dataSource, async (m) => {
      if (!(await lifecycle.abandonRun(m, runId, status, reason))) return false;
      const children: { id: string }[] = await m.query(
        `WITH RECURSIVE tree AS (
           SELECT id FROM runs WHERE parent_run_id = $1
           UNION ALL SELECT r.id FROM runs r JOIN tree t ON r.parent_run_id = t.id)
         SELECT id FROM tree`,
        [runId],
      );
      const ended = [runId];
      for (const child of children) {
        const why = `its parent run ${runId} was terminated`;
        if (await lifecycle.abandonRun(m, child.id, 'FAILED', why)) ended.push(child.id);
      }
      await stepsTerminated(m, ended);
      await cancelUnfinishedDevices(m, ended, {
        error: { kind: 'TERMINATED', message: 'the run was terminated' },
      });
      return true;
    });
  }
}
