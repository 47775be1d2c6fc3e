import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { isUUID } from 'class-validator';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { CommandOutputEntity } from '../../core/runs/command-output.entity';
import { RunDeviceEntity } from '../../core/runs/run-device.entity';
import { RunEventEntity } from '../../core/runs/run-event.entity';
import * as lifecycle from '../../core/runs/run-lifecycle';
import { RunStarter } from '../../core/runs/run-starter';
import { isFinalRunStatus, type RunDeviceStatus, type RunStatus } from '../../core/runs/run-states';
import { RunEntity } from '../../core/runs/run.entity';
import { SwitchboardError } from '../../libs/common/src/errors';
import {
  assertMayActOnRun,
  deviceNamesOutsideRun,
  redactDeviceNames,
  runVisible,
  runVisibleCondition,
  scopeOfRequest,
  scopeWhere,
} from '../../core/accounts/device-scope';
import type { Principal } from '../../core/accounts/principal';
import { temporalWorkflowUrl, type AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import type {
  CommandOutputModel,
  RunDeviceModel,
  RunEventModel,
  RunModel,
  RunProgress,
} from './models/run.model';
import {
  decodeCursor,
  encodeCursor,
  toConnection,
  type ConnectionShape,
} from '../../libs/common/src/pagination';

@Injectable()
export class RunsService {
  private readonly logger = new Logger(RunsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: Client,
    private readonly starter: RunStarter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Start the workflow of a stored run (idempotent; see RunStarter). */
  startRunWorkflow(run: RunEntity): Promise<void> {
    return this.starter.start(run);
  }

  async cancel(id: string, principal?: Principal | null): Promise<RunEntity> {
    await assertMayActOnRun(this.dataSource, principal, id, 'runs:control');
    const run = await this.get(id);
    if (isFinalRunStatus(run.status)) {
      throw SwitchboardError.conflict(`run ${id} already ended (${run.status})`);
    }
    if (run.status === 'WAITING_UPSTREAM' && run.scheduleWorkflowId) {
      // Its own workflow has not started: cancel the schedule's wrapper, which ends it CANCELLED.
      await this.temporal.workflow
        .getHandle(run.scheduleWorkflowId, run.scheduleWorkflowRunId ?? undefined)
        .cancel();
      return this.get(id);
    }
    await this.temporal.workflow.getHandle(run.workflowId).cancel();
    await lifecycle.requestCancel(this.dataSource, id);
    return this.get(id);
  }

  /** NOT_FOUND also for a run the principal may not see (runs:read scope, see core/accounts/device-scope). */
  async get(id: string, principal?: Principal | null): Promise<RunEntity> {
    const run = await this.find(id);
    if (!run || !(await runVisible(this.dataSource, principal, run.id)))
      throw SwitchboardError.notFound('run', id);
    return run;
  }

  /** Of these runs, the ones the principal may see (see runVisible); all without a scoped principal. */
  async visibleOnly<T extends { id: string }>(runs: T[], principal?: Principal | null): Promise<T[]> {
    if (scopeOfRequest(principal, 'runs:read').all) return runs;
    const seen = await Promise.all(runs.map((r) => runVisible(this.dataSource, principal, r.id)));
    return runs.filter((_, i) => seen[i]);
  }

  async find(id: string): Promise<RunEntity | null> {
    if (!isUUID(id)) return null;
    return this.dataSource.getRepository(RunEntity).findOneBy({ id });
  }

  async list(
    args: {
      status?: RunStatus;
      kind?: string;
      taskId?: string;
      scheduleId?: string;
      first: number;
      after?: string;
    },
    principal?: Principal | null,
  ): Promise<ConnectionShape<RunModel>> {
    const qb = this.dataSource.getRepository(RunEntity).createQueryBuilder('r');
    const scope = scopeOfRequest(principal, 'runs:read');
    if (!scope.all) {
      const visible = runVisibleCondition(scope, principal!.userId, 'r');
      const params: Record<string, unknown> = {};
      visible.params.forEach((value, i) => (params[`visible${i + 1}`] = value));
      qb.andWhere(
        visible.sql.replace(/\$(\d+)/g, (_, n: string) => `:visible${n}`),
        params,
      );
    }
    if (args.status) qb.andWhere('r.status = :status', { status: args.status });
    if (args.kind) qb.andWhere('r.kind = :kind', { kind: args.kind });
    if (args.taskId) qb.andWhere('r.task_id = :taskId', { taskId: args.taskId });
    if (args.scheduleId) qb.andWhere('r.schedule_id = :scheduleId', { scheduleId: args.scheduleId });
    const totalCount = await qb.clone().getCount();
    if (args.after) {
      const [createdAt, id] = decodeCursor(args.after, 2);
      qb.andWhere('(r.created_at, r.id) < (:createdAt::timestamptz, :id::uuid)', { createdAt, id });
    }
    const rows = await qb
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .take(args.first + 1)
      .getMany();
    return toConnection(rows, args.first, totalCount, (r) => encodeCursor([r.createdAt.toISOString(), r.id]));
  }

  /** Counts of the run's devices; with a scoped principal, of those inside its runs:read scope. */
  async progress(runId: string, principal?: Principal | null): Promise<RunProgress> {
    const scope = scopeOfRequest(principal, 'runs:read');
    const where = scope.all ? { sql: 'TRUE', params: {} } : scopeWhere(scope, 'd');
    const qb = this.dataSource
      .getRepository(RunDeviceEntity)
      .createQueryBuilder('rd')
      .select('rd.status', 'status')
      .addSelect('count(*)::int', 'n')
      .where('rd.run_id = :runId', { runId })
      .groupBy('rd.status');
    if (!scope.all) qb.innerJoin('devices', 'd', 'd.id = rd.device_id').andWhere(where.sql, where.params);
    const rows: { status: RunDeviceStatus; n: number }[] = await qb.getRawMany();
    const count = (s: RunDeviceStatus) => rows.find((r) => r.status === s)?.n ?? 0;
    return {
      total: rows.reduce((sum, r) => sum + r.n, 0),
      pending: count('PENDING'),
      running: count('RUNNING'),
      succeeded: count('SUCCEEDED'),
      failed: count('FAILED'),
      cancelled: count('CANCELLED'),
    };
  }

  async devicesOf(
    runId: string,
    args: { status?: RunDeviceStatus; first: number; after?: string },
    principal?: Principal | null,
  ): Promise<ConnectionShape<RunDeviceModel>> {
    const qb = this.dataSource
      .getRepository(RunDeviceEntity)
      .createQueryBuilder('rd')
      .where('rd.run_id = :runId', { runId });
    // Within a run it may see, a scoped principal sees only its own devices' rows (and outputs).
    const scope = scopeOfRequest(principal, 'runs:read');
    if (!scope.all) {
      const where = scopeWhere(scope, 'd');
      qb.innerJoin('devices', 'd', 'd.id = rd.device_id').andWhere(where.sql, where.params);
    }
    if (args.status) qb.andWhere('rd.status = :status', { status: args.status });
    const totalCount = await qb.clone().getCount();
    if (args.after) {
      const [name] = decodeCursor(args.after, 1);
      qb.andWhere('rd.device_name > :name', { name });
    }
    const rows = await qb
      .orderBy('rd.device_name', 'ASC')
      .take(args.first + 1)
      .getMany();
    return toConnection(rows, args.first, totalCount, (r) => encodeCursor([r.deviceName]));
  }

  async outputsOf(runDeviceId: string, maxBytes?: number): Promise<CommandOutputModel[]> {
    const rows = await this.dataSource
      .getRepository(CommandOutputEntity)
      .find({ where: { runDeviceId }, order: { seq: 'ASC' } });
    return rows.map((r) => {
      const truncated = maxBytes !== undefined && r.sizeBytes > maxBytes;
      return {
        seq: r.seq,
        command: r.command,
        output: truncated ? Buffer.from(r.output).subarray(0, maxBytes).toString('utf8') : r.output,
        truncated,
        sizeBytes: r.sizeBytes,
        error: r.error,
        durationMs: r.durationMs,
        collectedAt: r.collectedAt,
        parseStatus: r.parseStatus,
        parseTemplate: r.parseTemplate,
        parsedJson: r.parsed ? JSON.stringify(r.parsed.rows) : null,
        facts: (r.parsed?.facts as CommandOutputModel['facts']) ?? null,
        interfaces: (r.parsed?.interfaces as CommandOutputModel['interfaces']) ?? null,
        anomalyReason: r.anomalyReason,
        anomalyMessage: r.anomalyMessage,
      };
    });
  }

  /**
   * With a scoped principal, the events about a device (device_name set) only for devices inside
   * its runs:read scope; events of the run as a whole stay.
   */
  private scopeEvents(qb: SelectQueryBuilder<RunEventEntity>, principal?: Principal | null): void {
    const scope = scopeOfRequest(principal, 'runs:read');
    if (scope.all) return;
    const where = scopeWhere(scope, 'd');
    qb.andWhere(
      `(e.device_name IS NULL OR EXISTS (SELECT 1 FROM devices d WHERE d.name = e.device_name AND ${where.sql}))`,
      where.params,
    );
  }

  async eventsOf(
    runId: string,
    afterId: string | undefined,
    first: number,
    principal?: Principal | null,
  ): Promise<RunEventModel[]> {
    const qb = this.dataSource
      .getRepository(RunEventEntity)
      .createQueryBuilder('e')
      .where('e.run_id = :runId', { runId })
      .orderBy('e.id', 'ASC')
      .take(first);
    if (afterId) qb.andWhere('e.id > :afterId', { afterId });
    this.scopeEvents(qb, principal);
    return this.redactEvents(runId, await qb.getMany(), principal);
  }

  /** The run's error text, without the names of its devices outside the reader's runs:read scope. */
  async errorOf(
    run: { id: string; error: string | null },
    principal?: Principal | null,
  ): Promise<string | null> {
    const scope = scopeOfRequest(principal, 'runs:read');
    if (scope.all || !run.error) return run.error;
    return redactDeviceNames(run.error, await deviceNamesOutsideRun(this.dataSource, scope, run.id));
  }

  /**
   * For a scoped reader, the events left (its devices' and the run's own) with the names of the
   * run's devices outside its scope replaced in their messages (a run-level line may name them).
   */
  private async redactEvents(
    runId: string,
    events: RunEventEntity[],
    principal?: Principal | null,
  ): Promise<RunEventModel[]> {
    const scope = scopeOfRequest(principal, 'runs:read');
    if (scope.all || events.length === 0) return events;
    const hidden = await deviceNamesOutsideRun(this.dataSource, scope, runId);
    return hidden.length
      ? events.map((e) => ({ ...e, message: redactDeviceNames(e.message, hidden) }))
      : events;
  }

  /** The newest `last` events, oldest first (for a subscriber's first update). */
  async latestEvents(runId: string, last: number, principal?: Principal | null): Promise<RunEventModel[]> {
    const qb = this.dataSource
      .getRepository(RunEventEntity)
      .createQueryBuilder('e')
      .where('e.run_id = :runId', { runId })
      .orderBy('e.id', 'DESC')
      .take(last);
    this.scopeEvents(qb, principal);
    return this.redactEvents(runId, (await qb.getMany()).reverse(), principal);
  }

  temporalUrl(run: RunEntity): string {
    return temporalWorkflowUrl(this.config.temporal, run.workflowId);
  }
}
