import { assertMayApprove, decider } from '../../core/accounts/approvals';
import { deviceVisible, scopeOfRequest } from '../../core/accounts/device-scope';
import type { Principal } from '../../core/accounts/principal';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { isUUID } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DevicesRepository } from '../../core/devices/devices.repository';
import { createRun } from '../../core/runs/run-factory';
import { RunStarter } from '../../core/runs/run-starter';
import type { ChangeSpec, RestoreOrder, RunEntity, RunSelector } from '../../core/runs/run.entity';
import { SwitchboardError, type FieldError } from '../../libs/common/src/errors';
import { PLATFORMS, isPlatform } from '../../libs/common/src/platforms';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import type { ApprovalDecision } from '../../workflows/contracts';
import { RENDER_DEVICES_MAX } from '../templates/dto/render.input';
import { TemplatesService } from '../templates/templates.service';
import type { ChangeTemplateInput, StartChangeInput } from './dto/start-change.input';
import { resolveTargets, selectorOf } from './run-targets';
import { RunsService } from './runs.service';

/**
 * Config change runs: render and check the intended config of every device, store the run (its
 * intent on the run, each device's rendered config on its row), start its workflow
 * (workflows/change.workflow.ts); approvals; rollback of a device to a stored version.
 */
@Injectable()
export class ChangesService {
  private readonly logger = new Logger(ChangesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: Client,
    private readonly devices: DevicesRepository,
    private readonly templates: TemplatesService,
    private readonly starter: RunStarter,
    private readonly runs: RunsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A config change: plan each device against its intended config, optionally wait for approval,
   * then back up, push, verify and restore on failure (see workflows/change.workflow.ts).
   */
  async startChange(input: StartChangeInput, principal?: Principal | null): Promise<RunEntity> {
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
    const selector = selectorOf(input);
    const devices = await resolveTargets(this.devices, selector, principal, 'changes:start');
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
    principal?: Principal | null,
  ): Promise<RunEntity> {
    const [snapshot]: { device_id: string; version: number }[] = isUUID(snapshotId)
      ? await this.dataSource.query(`SELECT device_id, version FROM config_snapshots WHERE id = $1`, [
          snapshotId,
        ])
      : [];
    if (!snapshot) throw SwitchboardError.notFound('config snapshot', snapshotId);
    // A snapshot of a device the caller may not read (configs:read) does not exist for it.
    if (
      principal &&
      !(await deviceVisible(this.dataSource, scopeOfRequest(principal, 'configs:read'), snapshot.device_id))
    )
      throw SwitchboardError.notFound('config snapshot', snapshotId);
    const selector: RunSelector = { deviceIds: [snapshot.device_id] };
    const devices = await resolveTargets(this.devices, selector, principal, 'changes:start');
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
    const run = await this.dataSource.transaction((manager) =>
      createRun(
        manager,
        {
          id: runId,
          kind: 'change',
          workflowId: `change-${runId}`,
          concurrency,
          commandTimeoutMs: this.config.ssh.commandTimeoutMs,
          selector,
          changeSpec: spec,
          totalDevices: devices.length,
        },
        devices,
        intended,
      ),
    );
    await this.starter.start(
      run,
      devices.map((d) => d.id),
    );
    this.logger.log(`run ${runId}: change on ${devices.length} device(s)${spec.dryRun ? ' (dry run)' : ''}`);
    return run;
  }

  /** Approve or reject a change that waits for approval. */
  /** Approve or reject a change as `principal` (see assertMayApprove); the decider is recorded. */
  async decideChange(
    id: string,
    decision: { approved: boolean; comment?: string },
    principal: Principal,
  ): Promise<RunEntity> {
    const run = await this.runs.get(id);
    if (run.kind !== 'change') throw SwitchboardError.badInput('id', 'is not a change run');
    if (run.status !== 'AWAITING_APPROVAL') {
      throw SwitchboardError.conflict(`change ${id} is ${run.status}, not AWAITING_APPROVAL`);
    }
    await assertMayApprove(this.dataSource, principal, run);
    // Signalled by name: the API does not load workflow code (workflows/change.workflow.ts: approvalSignal).
    await this.temporal.workflow.getHandle(run.workflowId).signal<[ApprovalDecision]>('approval', {
      ...decision,
      by: decider(principal, null),
    });
    return run;
  }
}
