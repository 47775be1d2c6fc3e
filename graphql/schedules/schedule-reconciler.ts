import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { runEvent } from '../../activities/device-session';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { FINAL_RUN_STATUSES } from '../runs/run.entity';

/** Step statuses that say nothing more will happen to the step. */
const FINAL_STEP_STATUSES = ['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED', 'REUSED', 'NOT_RUN'];

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
    return this.dataSource.transaction(async (m) => {
      // TypeORM answers an UPDATE ... RETURNING with [rows, affected count].
      const [rows]: [{ id: string }[], number] = await m.query(
        `WITH RECURSIVE tree AS (
           SELECT id FROM runs WHERE id = $1
           UNION ALL SELECT r.id FROM runs r JOIN tree t ON r.parent_run_id = t.id)
         UPDATE runs SET status = CASE WHEN id = $1 THEN $2 ELSE 'FAILED' END,
                error = CASE WHEN id = $1 THEN $3 ELSE 'its parent run ' || $1 || ' was terminated' END,
                paused = false, finished_at = now()
          WHERE id IN (SELECT id FROM tree) AND status <> ALL($4::text[])
          RETURNING id`,
        [runId, status, reason, FINAL_RUN_STATUSES],
      );
      if (!rows.some((r) => r.id === runId)) return false;
      const ids = rows.map((r) => r.id);
      await m.query(
        `UPDATE run_steps SET status = CASE WHEN status = 'PENDING' THEN 'NOT_RUN' ELSE 'CANCELLED' END,
                error_kind = CASE WHEN status = 'PENDING' THEN error_kind ELSE 'TERMINATED' END,
                error_message = CASE WHEN status = 'PENDING' THEN error_message ELSE 'the run was terminated' END,
                finished_at = COALESCE(finished_at, now())
          WHERE run_id = ANY($1::uuid[]) AND status <> ALL($2::text[])`,
        [ids, FINAL_STEP_STATUSES],
      );
      await m.query(
        `UPDATE run_devices SET status = 'CANCELLED', error_kind = 'TERMINATED', error_message = 'the run was terminated',
                finished_at = COALESCE(finished_at, now())
          WHERE run_id = ANY($1::uuid[]) AND status IN ('PENDING', 'RUNNING')`,
        [ids],
      );
      for (const id of ids) {
        await runEvent(
          m,
          id,
          'ERROR',
          null,
          id === runId
            ? `run ${status.toLowerCase()}: ${reason}`
            : 'run failed: its parent run was terminated',
        );
      }
      return true;
    });
  }
}
