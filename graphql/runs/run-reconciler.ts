import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { RunsService } from './runs.service';

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
    private readonly runs: RunsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.runsReconcileIntervalMs;
    if (interval === 0) return;
    const tick = () =>
      Promise.all([
        this.runs
          .resumeStranded(interval)
          .then((n) => n > 0 && this.logger.log(`checked ${n} pending run(s) for a missing workflow`))
          .catch((error: Error) => this.logger.warn(`reconciling pending runs failed: ${error.message}`)),
        this.runs
          .releaseLocksOfEndedRuns()
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
}
