import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { isUUID } from 'class-validator';
import { DataSource } from 'typeorm';
import { temporalWorkflowUrl, type AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { SwitchboardError, type FieldError } from '../../libs/common/src/errors';
import { PLATFORMS, isPlatform } from '../../libs/common/src/platforms';
import { RUNNING_CONFIG_COMMAND } from '../../libs/common/src/running-config';
import type { ApprovalDecision, ChangeInput, changeWorkflow } from '../../workflows/change.workflow';
import type { collectionWorkflow } from '../../workflows/collection.workflow';
import type { taskRunWorkflow } from '../../workflows/task.workflow';
import { taskRunInputOf } from '../../activities/task.activities';
import { releaseDeviceLocks } from '../../activities/safety.activities';
import { deviceQueues } from '../../activities/routing';
import type { TaskDefinition } from '../../libs/tasks/src';
import { decodeCursor, encodeCursor, toConnection, type ConnectionShape } from '../common/pagination';
import { DevicesService } from '../devices/devices.service';
import { RENDER_DEVICES_MAX } from '../templates/dto/render.input';
import { TemplatesService } from '../templates/templates.service';
import { CommandOutputEntity } from './command-output.entity';
import type {
  CommandOutputModel,
  RunDeviceModel,
  RunEventModel,
  RunModel,
  RunProgress,
} from './models/run.model';
import { RunDeviceEntity, type RunDeviceStatus } from './run-device.entity';
import { RunEventEntity } from './run-event.entity';
import { collectionInputOf, insertRunDevices, newRun } from './run-factory';
import {
  FINAL_RUN_STATUSES,
  RunEntity,
  type ChangeSpec,
  type RestoreOrder,
  type RunSelector,
  type RunStatus,
} from './run.entity';
import type {
  ChangeTemplateInput,
  StartBackupInput,
  StartChangeInput,
  StartCollectionInput,
} from './dto/start-collection.input';

@Injectable()
export class RunsService {
  private readonly logger = new Logger(RunsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: Client,
    private readonly devices: DevicesService,
    private readonly templates: TemplatesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Create the run and its device rows, then start its workflow (workflow id derived from the run id). */
  /**
   * Back up running configs: a collection run of each platform's running-config command whose
   * outputs are stored as versioned config snapshots (a new version only when the config changed).
   */
  startBackup(input: StartBackupInput): Promise<RunEntity> {
    const commandsByPlatform = PLATFORMS.filter((p) => p !== 'cisco_ios').map((platform) => ({
      platform,
      commands: [RUNNING_CONFIG_COMMAND[platform]],
    }));
    return this.startCollection(
      {
        deviceIds: input.deviceIds,
        selector: input.selector,
        concurrency: input.concurrency,
        commands: [RUNNING_CONFIG_COMMAND.cisco_ios],
        commandsByPlatform,
      },
      { backupReason: input.reason },
    );
  }

  async startCollection(
    input: StartCollectionInput,
    options: { backupReason?: string } = {},
  ): Promise<RunEntity> {
    const { collection, ssh } = this.config;
    const concurrency = input.concurrency ?? collection.defaultConcurrency;
    if (concurrency > collection.maxConcurrency) {
      throw SwitchboardError.badInput('concurrency', `must be at most ${collection.maxConcurrency}`);
    }
    const selector = this.selectorOf(input);
    const commandsByPlatform: Record<string, string[]> = {};
    for (const [i, entry] of (input.commandsByPlatform ?? []).entries()) {
      if (!isPlatform(entry.platform)) {
        throw SwitchboardError.badInput(
          `commandsByPlatform[${i}].platform`,
          `unknown platform "${entry.platform}"; expected one of ${PLATFORMS.join(', ')}`,
        );
      }
      if (commandsByPlatform[entry.platform]) {
        throw SwitchboardError.badInput(
          `commandsByPlatform[${i}].platform`,
          `${entry.platform} is listed twice`,
        );
      }
      commandsByPlatform[entry.platform] = entry.commands;
    }
    const devices = await this.resolve(selector);

    const commandTimeoutMs = input.commandTimeoutSeconds
      ? input.commandTimeoutSeconds * 1000
      : ssh.commandTimeoutMs;
    const runId = randomUUID();
    const workflowId = `collection-${runId}`;
    const run = await this.dataSource.transaction(async (manager) => {
      const entity = newRun(manager, {
        id: runId,
        kind: 'collection',
        workflowId,
        commands: input.commands,
        commandsByPlatform,
        concurrency,
        commandTimeoutMs,
        selector,
        backupReason: options.backupReason ?? null,
        totalDevices: devices.length,
      });
      await manager.insert(RunEntity, entity);
      await insertRunDevices(manager, runId, devices);
      return entity;
    });

    await this.startWorkflow(
      run,
      devices.map((d) => d.id),
    );
    this.logger.log(
      `run ${runId}: collection of ${input.commands.length} command(s) from ${devices.length} device(s)`,
    );
    return run;
  }

  /**
   * A config change: plan each device against its intended config, optionally wait for approval,
   * then back up, push, verify and restore on failure (see workflows/change.workflow.ts).
   */
  async startChange(input: StartChangeInput): Promise<RunEntity> {
    const { collection } = this.config;
    const concurrency = input.concurrency ?? collection.defaultConcurrency;
    if (concurrency > collection.maxConcurrency) {
      throw SwitchboardError.badInput('concurrency', `must be at most ${collection.maxConcurrency}`);
    }
    if (!input.configByPlatform === !input.template) {
      throw SwitchboardError.badInput('configByPlatform', 'give either configByPlatform or template');
    }
    const configByPlatform: Record<string, string> = {};
    for (const [i, entry] of (input.configByPlatform ?? []).entries()) {
      if (!isPlatform(entry.platform) || entry.platform === 'linux') {
        throw SwitchboardError.badInput(
          `configByPlatform[${i}].platform`,
          `"${entry.platform}" has no configuration mode; expected one of ${PLATFORMS.filter((p) => p !== 'linux').join(', ')}`,
        );
      }
      if (configByPlatform[entry.platform] !== undefined) {
        throw SwitchboardError.badInput(
          `configByPlatform[${i}].platform`,
          `${entry.platform} is listed twice`,
        );
      }
      configByPlatform[entry.platform] = entry.config;
    }
    const selector = this.selectorOf(input);
    const devices = await this.resolve(selector);
    if (input.template) {
      const { name, version, intended } = await this.renderChange(input.template, devices);
      const spec: ChangeSpec = {
        ...this.changePolicy(input),
        configByPlatform: {},
        template: { name, version },
      };
      return this.createChangeRun(spec, devices, selector, concurrency, intended);
    }
    const uncovered = [
      ...new Set(devices.map((d) => d.platform).filter((p) => configByPlatform[p] === undefined)),
    ];
    if (uncovered.length) {
      throw SwitchboardError.badInput(
        'configByPlatform',
        `no intended config for platform(s) ${uncovered.join(', ')} of the selected devices`,
      );
    }
    const spec: ChangeSpec = { ...this.changePolicy(input), configByPlatform };
    return this.createChangeRun(spec, devices, selector, concurrency);
  }

  private changePolicy(input: StartChangeInput): Omit<ChangeSpec, 'configByPlatform'> {
    return {
      dryRun: input.dryRun ?? false,
      requireApproval: input.requireApproval ?? false,
      approvalTimeoutSeconds: input.approvalTimeoutSeconds ?? 3600,
      maxFailures: input.maxFailures ?? 0,
      failurePolicy: input.failurePolicy ?? 'KEEP_SUCCEEDED',
      restoreOrder: input.restoreOrder ?? 'EXACT',
      reason: input.reason,
    };
  }

  /**
   * Render → validate, before anything is pushed: every device is rendered with its own bound
   * variables, checked against the template's schema and linted. Any render error, or a lint finding
   * of severity error, refuses the whole change with each problem named by device, line and column.
   */
  private async renderChange(
    template: ChangeTemplateInput,
    devices: { id: string; name: string }[],
  ): Promise<{ name: string; version: number | null; intended: Map<string, string> }> {
    const intended = new Map<string, string>();
    const problems: FieldError[] = [];
    let rendered: { name: string; version: number | null } | undefined;
    for (let i = 0; i < devices.length; i += RENDER_DEVICES_MAX) {
      const { template: used, rendered: configs } = await this.templates.preview({
        templateId: template.templateId,
        builtinName: template.builtinName,
        version: template.version,
        inputsJson: template.inputsJson,
        deviceIds: devices.slice(i, i + RENDER_DEVICES_MAX).map((d) => d.id),
      });
      rendered = { name: used.name, version: used.version };
      for (const config of configs) {
        for (const e of config.errors) {
          const where = e.line ? ` (line ${e.line}, column ${e.column})` : '';
          problems.push({
            field: `template.${e.field ?? 'source'}`,
            message: `${config.deviceName}${where}: ${e.message}`,
          });
        }
        for (const l of config.lint.filter((issue) => issue.severity === 'error')) {
          problems.push({
            field: 'template',
            message: `${config.deviceName}: rendered line ${l.line}: ${l.message} (${l.rule})`,
          });
        }
        if (config.config !== null) intended.set(config.deviceId, config.config);
      }
    }
    if (problems.length) throw SwitchboardError.invalidFields(problems.slice(0, 50));
    return { ...rendered!, intended };
  }

  /** Put a device back to any stored config version: a change run whose target is the whole snapshot. */
  async rollbackToSnapshot(
    snapshotId: string,
    reason: string,
    restoreOrder: RestoreOrder = 'EXACT',
  ): Promise<RunEntity> {
    const [snapshot]: { device_id: string; version: number }[] = isUUID(snapshotId)
      ? await this.dataSource.query(`SELECT device_id, version FROM config_snapshots WHERE id = $1`, [
          snapshotId,
        ])
      : [];
    if (!snapshot) throw SwitchboardError.notFound('config snapshot', snapshotId);
    const selector: RunSelector = { deviceIds: [snapshot.device_id] };
    const devices = await this.resolve(selector);
    if (devices[0].platform === 'linux')
      throw SwitchboardError.badInput('snapshotId', 'linux devices have no configuration mode');
    const spec: ChangeSpec = {
      configByPlatform: {},
      restoreSnapshotId: snapshotId,
      dryRun: false,
      requireApproval: false,
      approvalTimeoutSeconds: 3600,
      maxFailures: 0,
      failurePolicy: 'KEEP_SUCCEEDED',
      restoreOrder,
      reason: `rollback to version ${snapshot.version}: ${reason}`,
    };
    return this.createChangeRun(spec, devices, selector, 1);
  }

  private async createChangeRun(
    spec: ChangeSpec,
    devices: { id: string; name: string; platform: string; host: string }[],
    selector: RunSelector,
    concurrency: number,
    intended?: Map<string, string>,
  ): Promise<RunEntity> {
    const runId = randomUUID();
    const run = await this.dataSource.transaction(async (manager) => {
      const entity = newRun(manager, {
        id: runId,
        kind: 'change',
        workflowId: `change-${runId}`,
        concurrency,
        commandTimeoutMs: this.config.ssh.commandTimeoutMs,
        selector,
        changeSpec: spec,
        totalDevices: devices.length,
      });
      await manager.insert(RunEntity, entity);
      await insertRunDevices(manager, runId, devices, intended);
      return entity;
    });
    await this.startWorkflow(
      run,
      devices.map((d) => d.id),
    );
    this.logger.log(`run ${runId}: change on ${devices.length} device(s)${spec.dryRun ? ' (dry run)' : ''}`);
    return run;
  }

  /** Approve or reject a change that waits for approval. */
  async decideChange(id: string, decision: { approved: boolean; comment?: string }): Promise<RunEntity> {
    const run = await this.get(id);
    if (run.kind !== 'change') throw SwitchboardError.badInput('id', 'is not a change run');
    if (run.status !== 'AWAITING_APPROVAL') {
      throw SwitchboardError.conflict(`change ${id} is ${run.status}, not AWAITING_APPROVAL`);
    }
    // Signalled by name: the API does not load workflow code (workflows/change.workflow.ts: approvalSignal).
    await this.temporal.workflow.getHandle(run.workflowId).signal<[ApprovalDecision]>('approval', decision);
    return run;
  }

  private selectorOf(input: {
    deviceIds?: string[];
    selector?: { site?: string; tags?: string[]; platform?: string };
  }) {
    if (input.deviceIds && input.selector) {
      throw SwitchboardError.badInput('selector', 'give either deviceIds or selector, not both');
    }
    if (!input.deviceIds && !input.selector) {
      throw SwitchboardError.badInput('deviceIds', 'give deviceIds or a selector');
    }
    const selector: RunSelector = input.deviceIds
      ? { deviceIds: input.deviceIds }
      : { site: input.selector?.site, tags: input.selector?.tags, platform: input.selector?.platform };
    return selector;
  }

  private async resolve(selector: RunSelector) {
    const devices = await this.devices.resolveSelection(selector);
    if (devices.length === 0) throw SwitchboardError.badInput('selector', 'matches no devices');
    return devices;
  }

  /**
   * Start (or find) the run's workflow. Idempotent: the workflow id derives from the run id and
   * the conflict policy is USE_EXISTING, so calling it again for a run that already has its
   * workflow changes nothing. The input is built from the stored run alone.
   */
  private async startWorkflow(run: RunEntity, deviceIds: string[]): Promise<void> {
    const { collection, temporal, ssh } = this.config;
    const queues = await deviceQueues(this.dataSource, this.config, deviceIds);
    const workflowInput = collectionInputOf(run, deviceIds, this.config, queues);
    const { commandTimeoutMs } = workflowInput;
    const options = {
      taskQueue: temporal.taskQueue,
      workflowId: run.workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING' as const,
      // A closed workflow (finished, or terminated by an operator) is never started again.
      workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
      memo: { runId: run.id, kind: run.kind, devices: deviceIds.length },
    };
    try {
      if (run.kind === 'task') {
        await this.startTaskWorkflow(run, options);
        return;
      }
      if (run.kind === 'change' && run.changeSpec) {
        const spec = run.changeSpec;
        const changeInput: ChangeInput = {
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
          retry: workflowInput.retry,
          queues: workflowInput.queues,
        };
        await this.temporal.workflow.start<typeof changeWorkflow>('changeWorkflow', {
          ...options,
          args: [changeInput],
        });
        return;
      }
      await this.temporal.workflow.start<typeof collectionWorkflow>('collectionWorkflow', {
        ...options,
        args: [workflowInput],
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return; // it ran and closed already
      const message = error instanceof Error ? error.message : String(error);
      await this.dataSource.query(
        `UPDATE runs SET status = 'FAILED', error = $2, finished_at = now() WHERE id = $1 AND status = 'PENDING'`,
        [run.id, `could not start workflow: ${message}`],
      );
      this.logger.error(`starting workflow ${run.workflowId} failed: ${message}`);
      throw error;
    }
  }

  /** Start the workflow of a stored run (idempotent; see startWorkflow). */
  async startRunWorkflow(run: RunEntity): Promise<void> {
    const rows: { device_id: string }[] =
      run.kind === 'task'
        ? []
        : await this.dataSource.query(
            `SELECT device_id FROM run_devices WHERE run_id = $1 AND device_id IS NOT NULL ORDER BY device_name`,
            [run.id],
          );
    await this.startWorkflow(
      run,
      rows.map((r) => r.device_id),
    );
  }

  /** A task run's workflow: the pinned definition, the reused steps in completion order, its priority. */
  private async startTaskWorkflow(
    run: RunEntity,
    options: { taskQueue: string; workflowId: string; memo: Record<string, unknown> } & Record<
      string,
      unknown
    >,
  ): Promise<void> {
    const [version]: { definition: TaskDefinition }[] = await this.dataSource.query(
      `SELECT definition FROM task_versions WHERE task_id = $1 AND version = $2`,
      [run.taskId, run.taskVersion],
    );
    const reused: { step_id: string }[] = await this.dataSource.query(
      `SELECT step_id FROM run_steps WHERE run_id = $1 AND status = 'REUSED' ORDER BY completion_seq`,
      [run.id],
    );
    await this.temporal.workflow.start<typeof taskRunWorkflow>('taskRunWorkflow', {
      ...options,
      args: [
        taskRunInputOf(
          run.id,
          version.definition,
          reused.map((r) => r.step_id),
          this.config,
        ),
      ],
      // Lower runs first when tasks queue up; activities and child workflows inherit it.
      priority: { priorityKey: run.priority ?? 3 },
    });
  }

  /**
   * Runs stored as PENDING longer than `olderThanMs` are (re)started: a run whose workflow was never
   * started (the API stopped between storing it and starting it) gets it now; a run that has its
   * workflow is untouched (USE_EXISTING). Called at boot and periodically; returns how many it checked.
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
      // A failure is recorded on the run by startWorkflow; go on with the others.
      await this.startRunWorkflow(run).catch(() => undefined);
    }
    return runs.length;
  }

  /**
   * Device locks outlive nothing: a run that ended releases its locks itself; a run whose workflow
   * closed without doing so (terminated, or timed out) is marked FAILED here and its locks go.
   */
  async releaseLocksOfEndedRuns(): Promise<number> {
    const holders: { run_id: string; status: RunStatus; workflow_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT r.id AS run_id, r.status, r.workflow_id FROM runs r
        WHERE r.id IN (SELECT run_id FROM device_locks UNION SELECT run_id FROM device_lock_waiters)`,
    );
    let released = 0;
    for (const h of holders) {
      let ended = FINAL_RUN_STATUSES.includes(h.status);
      if (!ended) {
        const description = await this.temporal.workflow
          .getHandle(h.workflow_id)
          .describe()
          .catch(() => null);
        if (description && description.status.name !== 'RUNNING') {
          ended = true;
          await this.dataSource.query(
            `UPDATE runs SET status = 'FAILED', error = $2, finished_at = COALESCE(finished_at, now()) WHERE id = $1`,
            [h.run_id, `workflow ${description.status.name.toLowerCase()} without finishing the run`],
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

  async cancel(id: string): Promise<RunEntity> {
    const run = await this.get(id);
    if (FINAL_RUN_STATUSES.includes(run.status)) {
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
    await this.dataSource.query(
      `UPDATE runs SET status = 'CANCELLING' WHERE id = $1 AND status IN ('PENDING', 'RUNNING', 'PAUSED', 'AWAITING_APPROVAL')`,
      [id],
    );
    return this.get(id);
  }

  async get(id: string): Promise<RunEntity> {
    const run = await this.find(id);
    if (!run) throw SwitchboardError.notFound('run', id);
    return run;
  }

  async find(id: string): Promise<RunEntity | null> {
    if (!isUUID(id)) return null;
    return this.dataSource.getRepository(RunEntity).findOneBy({ id });
  }

  async list(args: {
    status?: RunStatus;
    kind?: string;
    taskId?: string;
    scheduleId?: string;
    first: number;
    after?: string;
  }): Promise<ConnectionShape<RunModel>> {
    const qb = this.dataSource.getRepository(RunEntity).createQueryBuilder('r');
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

  async progress(runId: string): Promise<RunProgress> {
    const rows: { status: RunDeviceStatus; n: number }[] = await this.dataSource.query(
      `SELECT status, count(*)::int AS n FROM run_devices WHERE run_id = $1 GROUP BY status`,
      [runId],
    );
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
  ): Promise<ConnectionShape<RunDeviceModel>> {
    const qb = this.dataSource
      .getRepository(RunDeviceEntity)
      .createQueryBuilder('rd')
      .where('rd.run_id = :runId', { runId });
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

  async eventsOf(runId: string, afterId: string | undefined, first: number): Promise<RunEventModel[]> {
    const qb = this.dataSource
      .getRepository(RunEventEntity)
      .createQueryBuilder('e')
      .where('e.run_id = :runId', { runId })
      .orderBy('e.id', 'ASC')
      .take(first);
    if (afterId) qb.andWhere('e.id > :afterId', { afterId });
    return qb.getMany();
  }

  /** The newest `last` events, oldest first (for a subscriber's first update). */
  async latestEvents(runId: string, last: number): Promise<RunEventModel[]> {
    const rows = await this.dataSource
      .getRepository(RunEventEntity)
      .createQueryBuilder('e')
      .where('e.run_id = :runId', { runId })
      .orderBy('e.id', 'DESC')
      .take(last)
      .getMany();
    return rows.reverse();
  }

  temporalUrl(run: RunEntity): string {
    return temporalWorkflowUrl(this.config.temporal, run.workflowId);
  }
}
