import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DevicesRepository } from '../../core/devices/devices.repository';
import { createRun } from '../../core/runs/run-factory';
import { RunStarter } from '../../core/runs/run-starter';
import type { RunEntity } from '../../core/runs/run.entity';
import { SwitchboardError } from '../../libs/common/src/errors';
import { PLATFORMS, isPlatform } from '../../libs/common/src/platforms';
import { RUNNING_CONFIG_COMMAND } from '../../libs/common/src/running-config';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import type { StartBackupInput, StartCollectionInput } from './dto/start-collection.input';
import { resolveTargets, selectorOf } from './run-targets';
import type { Principal } from '../../core/accounts/principal';

/**
 * Collection runs (and backups, which are collections of the running config): check the input,
 * store the run with its devices, start its workflow (workflows/collection.workflow.ts).
 */
@Injectable()
export class CollectionsService {
  private readonly logger = new Logger(CollectionsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly devices: DevicesRepository,
    private readonly starter: RunStarter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Back up running configs: a collection run of each platform's running-config command whose
   * outputs are stored as versioned config snapshots (a new version only when the config changed).
   */
  startBackup(input: StartBackupInput, principal?: Principal | null): Promise<RunEntity> {
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
      principal,
    );
  }

  async startCollection(
    input: StartCollectionInput,
    options: { backupReason?: string } = {},
    principal?: Principal | null,
  ): Promise<RunEntity> {
    const { collection, ssh } = this.config;
    const concurrency = input.concurrency ?? collection.defaultConcurrency;
    if (concurrency > collection.maxConcurrency) {
      throw SwitchboardError.badInput('concurrency', `must be at most ${collection.maxConcurrency}`);
    }
    const selector = selectorOf(input);
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
    const devices = await resolveTargets(this.devices, selector, principal, 'runs:start');

    const commandTimeoutMs = input.commandTimeoutSeconds
      ? input.commandTimeoutSeconds * 1000
      : ssh.commandTimeoutMs;
    const runId = randomUUID();
    const workflowId = `collection-${runId}`;
    const run = await this.dataSource.transaction((manager) =>
      createRun(
        manager,
        {
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
        },
        devices,
      ),
    );

    await this.starter.start(
      run,
      devices.map((d) => d.id),
    );
    this.logger.log(
      `run ${runId}: collection of ${input.commands.length} command(s) from ${devices.length} device(s)`,
    );
    return run;
  }
}
