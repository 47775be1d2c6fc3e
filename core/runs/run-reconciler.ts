import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { lockHolders, releaseDeviceLocks } from '../safety/locks';
import * as lifecycle from './run-lifecycle';
import { isFinalRunStatus } from './run-states';
import { RunEntity } from './run.entity';
import { RunStarter } from './run-starter';

/**
 * Nothing lost when the API stops between storing a run and starting its workflow: at boot and
 * every RUNS_RECONCILE_INTERVAL_MS, runs still PENDING after one interval get their workflow
 * (idempotently: a run that has one is left alone). On the same beat, device locks held by runs
 * that ended without releasing them (a workflow terminated by an operator) are released.
 */
@Injectable()
export class RunReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RunReconciler.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: Client,
    private readonly starter: RunStarter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.runsReconcileIntervalMs;
    if (interval === 0) return;
    const tick = () =>
      Promise.all([
        this.resumeStranded(interval)
          .then((n) => n > 0 && this.logger.log(`checked ${n} pending run(s) for a missing workflow`))
          .catch((error: Error) => this.logger.warn(`reconciling pending runs failed: ${error.message}`)),
        this.releaseLocksOfEndedRuns()
          .then((n) => n > 0 && this.logger.log(`released the device locks of ${n} ended run(s)`))
          .catch((error: Error) => this.logger.warn(`releasing device locks failed: ${error.message}`)),
      ]);
    void tick();
    this.timer = setInterval(() => void tick(), interval);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Runs stored as PENDING longer than `olderThanMs` are (re)started: a run whose workflow was never
   * started (the API stopped between storing it and starting it) gets it now; a run that has its
   * workflow is untouched (USE_EXISTING). Returns how many it checked.
   */
  async resumeStranded(olderThanMs: number): Promise<number> {
    const runs = await this.dataSource
      .getRepository(RunEntity)
      .createQueryBuilder('r')
      .where(`r.status = 'PENDING'`)
      // Child runs of a task step are started by their parent's workflow, never on their own.
      .andWhere('r.parent_run_id IS NULL')
      // So are runs of a schedule, by the schedule's wrapper workflow (see ScheduleReconciler).
      .andWhere('r.schedule_workflow_id IS NULL')
      .andWhere(`r.created_at < now() - make_interval(secs => :secs)`, { secs: olderThanMs / 1000 })
      .orderBy('r.created_at', 'ASC')
      .take(100)
      .getMany();
    for (const run of runs) {
      // A failure is recorded on the run by the starter; go on with the others.
      await this.starter.start(run).catch(() => undefined);
    }
    return runs.length;
  }

  /**
   * Device locks outlive nothing: a run that ended releases its locks itself; a run whose workflow
   * closed without doing so (terminated, or timed out) is recorded as FAILED here and its locks go.
   */
  async releaseLocksOfEndedRuns(): Promise<number> {
    let released = 0;
    for (const h of await lockHolders(this.dataSource)) {
      let ended = isFinalRunStatus(h.status);
      if (!ended) {
        const description = await this.temporal.workflow
          .getHandle(h.workflow_id)
          .describe()
          .catch(() => null);
        if (description && description.status.name !== 'RUNNING') {
          ended = true;
          await lifecycle.abandonRun(
            this.dataSource,
            h.run_id,
            'FAILED',
            `workflow ${description.status.name.toLowerCase()} without finishing the run`,
          );
        }
      }
      if (ended) {
        await releaseDeviceLocks(this.dataSource, h.run_id);
        released++;
      }
    }
    return released;
  }
}
