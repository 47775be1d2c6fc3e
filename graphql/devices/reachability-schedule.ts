import {
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import type { CreateScheduleInput } from '../schedules/dto/schedule.input';
import { SchedulesModule } from '../schedules/schedules.module';
import { SchedulesRepository } from '../../core/schedules/schedules.repository';
import { TasksModule } from '../tasks/tasks.module';
import { TasksRepository } from '../../core/tasks/tasks.repository';
import { pruneDeviceChecks } from '../../core/devices/reachability';

/** The name of the built-in task, of the template it comes from and of its schedule. */
export const REACHABILITY_NAME = 'device-reachability';

/** How often the API deletes reachability history older than REACHABILITY_HISTORY_DAYS. */
const PRUNE_EVERY_MS = 3600_000;

/** How long to wait before trying again when Temporal or PostgreSQL refused at boot. */
const RETRY_MS = 30_000;

export type EnsureOutcome = 'created' | 'exists' | 'off';

/** A concurrent API created it first: a unique-name conflict, from the service's check or the index. */
function alreadyThere(error: unknown): boolean {
  if (error instanceof SwitchboardError) return error.code === ErrorCode.CONFLICT;
  if (error instanceof QueryFailedError) return (error.driverError as { code?: string })?.code === '23505';
  return false;
}

/**
 * The built-in device reachability check "as a schedule": at API start, unless
 * REACHABILITY_INTERVAL is `off`, the task `device-reachability` (from the template of that name)
 * and the schedule `device-reachability` (every REACHABILITY_INTERVAL, overlap SKIP) are created
 * when missing. Existing ones are never changed (an operator may have paused or edited them), and
 * several API processes starting together create them once: the loser of the race sees a
 * unique-name conflict, which is fine.
 */
@Injectable()
export class ReachabilitySchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReachabilitySchedule.name);
  private timer?: NodeJS.Timeout;
  private pruner?: NodeJS.Timeout;
  /** Settles when the boot-time attempt has finished (successfully or not); for tests. */
  ready: Promise<void> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tasks: TasksRepository,
    private readonly schedules: SchedulesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.reachability.historyDays > 0) {
      const prune = () =>
        void this.prune().catch((error: Error) =>
          this.logger.warn(`pruning the reachability history failed: ${error.message}`),
        );
      prune();
      this.pruner = setInterval(prune, PRUNE_EVERY_MS);
      this.pruner.unref();
    }
    if (this.config.reachability.intervalSeconds === null) return;
    const attempt = (): Promise<void> =>
      this.ensure().then(
        () => undefined,
        (error: Error) => {
          this.logger.warn(
            `could not create the ${REACHABILITY_NAME} schedule (trying again in ${RETRY_MS / 1000} s): ${error.message}`,
          );
          this.timer = setTimeout(() => void attempt(), RETRY_MS);
          this.timer.unref();
        },
      );
    this.ready = attempt();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
    clearInterval(this.pruner);
  }

  /**
   * Delete device_checks rows older than REACHABILITY_HISTORY_DAYS, in batches so that no
   * statement holds locks for long; returns how many. Devices keep their current status.
   */
  async prune(): Promise<number> {
    const days = this.config.reachability.historyDays;
    const total = await pruneDeviceChecks(this.dataSource, days);
    if (total > 0) this.logger.log(`pruned ${total} reachability check(s) older than ${days} days`);
    return total;
  }

  /** Create the task and the schedule when missing; idempotent, safe with concurrent callers. */
  async ensure(): Promise<{ task: EnsureOutcome; schedule: EnsureOutcome }> {
    const every = this.config.reachability.intervalSeconds;
    if (every === null) return { task: 'off', schedule: 'off' };
    const task = await this.ensureTask();
    const schedule = await this.ensureSchedule(every);
    if (task === 'created' || schedule === 'created') {
      this.logger.log(`${REACHABILITY_NAME}: task ${task}, schedule ${schedule} (every ${every} s)`);
    }
    return { task, schedule };
  }

  private async ensureTask(): Promise<EnsureOutcome> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM tasks WHERE name = $1 AND deleted_at IS NULL`,
      [REACHABILITY_NAME],
    );
    if (rows.length) return 'exists';
    try {
      await this.tasks.createFromTemplate(REACHABILITY_NAME, {});
      return 'created';
    } catch (error) {
      if (alreadyThere(error)) return 'exists';
      throw error;
    }
  }

  private async ensureSchedule(every: number): Promise<EnsureOutcome> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM schedules WHERE name = $1`, [
      REACHABILITY_NAME,
    ]);
    if (rows.length) return 'exists';
    const input: CreateScheduleInput = {
      name: REACHABILITY_NAME,
      task: REACHABILITY_NAME,
      inputs: {},
      spec: { intervals: [{ everySeconds: every, offsetSeconds: 0 }] },
      // A check missed during an outage is worth nothing later: catch up at most one interval.
      policy: { overlap: 'SKIP', catchupWindowSeconds: Math.max(10, every), pauseOnFailure: false },
      note: `built in: every ${every} s (REACHABILITY_INTERVAL)`,
    };
    try {
      await this.schedules.create(input);
      return 'created';
    } catch (error) {
      if (alreadyThere(error)) return 'exists';
      throw error;
    }
  }
}

@Module({
  imports: [TasksModule, SchedulesModule],
  providers: [ReachabilitySchedule],
})
export class ReachabilityModule {}
