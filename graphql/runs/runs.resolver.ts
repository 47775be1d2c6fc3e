import {
  Args,
  ID,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
  Context,
} from '@nestjs/graphql';
import { RESTORE_ORDERS, RunEntity, type RestoreOrder } from '../../core/runs/run.entity';
import { SwitchboardError } from '../../libs/common/src/errors';
import { StartBackupInput, StartCollectionInput } from './dto/start-collection.input';
import { RunDevicesArgs, RunsArgs } from './dto/runs.args';
import {
  CommandOutputModel,
  PlatformCommands,
  RunConnection,
  RunDeviceConnection,
  RunDeviceModel,
  RunEventModel,
  RunModel,
  RunProgress,
  RunUpdate,
} from './models/run.model';
import { RunNotifications } from './run-notifications';
import { ChangesService } from './changes.service';
import { CollectionsService } from './collections.service';
import { RunsService } from './runs.service';
import { isFinalRunStatus } from '../../core/runs/run-states';
import { StartChangeInput } from './dto/start-change.input';
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';
import { UsernameLoader } from '../accounts/username.loader';
import type { Principal } from '../../core/accounts/principal';

@Resolver(() => RunModel)
export class RunsResolver {
  constructor(
    private readonly service: RunsService,
    private readonly collections: CollectionsService,
    private readonly changes: ChangesService,
    private readonly notifications: RunNotifications,
    private readonly usernames: UsernameLoader,
  ) {}

  @Requires('runs:start')
  @Mutation(() => RunModel, { description: 'Collect command output from devices; returns the run at once.' })
  startCollection(
    @Context() ctx: AuthContext,
    @Args('input') input: StartCollectionInput,
  ): Promise<RunEntity> {
    return this.collections.startCollection(input, {}, principalOf(ctx));
  }

  @Requires('runs:start')
  @Mutation(() => RunModel, {
    description: 'Back up running configs into versioned snapshots; returns the run at once.',
  })
  startBackup(@Context() ctx: AuthContext, @Args('input') input: StartBackupInput): Promise<RunEntity> {
    return this.collections.startBackup(input, principalOf(ctx));
  }

  @Requires('changes:start')
  @Mutation(() => RunModel, {
    description:
      'Push an intended config: plan, optional approval, backup, push line by line, verify, automatic restore on failure.',
  })
  startChange(@Context() ctx: AuthContext, @Args('input') input: StartChangeInput): Promise<RunEntity> {
    return this.changes.startChange(input, principalOf(ctx));
  }

  @Requires('changes:start')
  @Mutation(() => RunModel, {
    description:
      'Put a device back to a stored config version (a change run: backup, push, verify, restore on failure).',
  })
  rollbackToSnapshot(
    @Context() ctx: AuthContext,
    @Args('snapshotId', { type: () => ID }) snapshotId: string,
    @Args('reason') reason: string,
    @Args('restoreOrder', {
      type: () => String,
      nullable: true,
      description: 'EXACT (default) or MINIMAL; see StartChangeInput.restoreOrder.',
    })
    restoreOrder?: string,
  ): Promise<RunEntity> {
    if (
      restoreOrder !== undefined &&
      restoreOrder !== null &&
      !(RESTORE_ORDERS as readonly string[]).includes(restoreOrder)
    ) {
      throw SwitchboardError.badInput('restoreOrder', 'must be EXACT or MINIMAL');
    }
    return this.changes.rollbackToSnapshot(
      snapshotId,
      reason,
      (restoreOrder as RestoreOrder | undefined) ?? 'EXACT',
      principalOf(ctx),
    );
  }

  @Requires('changes:approve')
  @Mutation(() => RunModel, { description: 'Approve or reject a change that is AWAITING_APPROVAL.' })
  approveChange(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('approved') approved: boolean,
    @Args('comment', { type: () => String, nullable: true }) comment?: string,
  ): Promise<RunEntity> {
    return this.changes.decideChange(id, { approved, comment: comment ?? undefined }, principalOf(ctx));
  }

  @Requires('runs:control')
  @Mutation(() => RunModel, {
    description: 'Cancel a run: running devices stop and their SSH sessions close.',
  })
  cancelRun(@Context() ctx: AuthContext, @Args('id', { type: () => ID }) id: string): Promise<RunEntity> {
    return this.service.cancel(id, principalOf(ctx));
  }

  @Requires('runs:read')
  @Query(() => RunModel)
  run(@Context() ctx: AuthContext, @Args('id', { type: () => ID }) id: string): Promise<RunEntity> {
    return this.service.get(id, principalOf(ctx));
  }

  @Requires('runs:read')
  @Query(() => RunConnection, { description: 'Runs, newest first.' })
  runs(@Context() ctx: AuthContext, @Args() args: RunsArgs) {
    return this.service.list(args, principalOf(ctx));
  }

  @ResolveField(() => String, {
    nullable: true,
    description:
      'The username of who started it (a child run: of who started its parent); null: a schedule or the system.',
  })
  createdBy(@Parent() run: RunEntity, @Context() ctx: object): Promise<string | null> | null {
    return run.createdBy ? this.usernames.load(ctx, run.createdBy) : null;
  }

  /** The run's error, without the names of its devices outside a scoped reader's sites and tags. */
  @ResolveField(() => String, { nullable: true })
  error(@Parent() run: RunEntity, @Context() ctx: AuthContext): Promise<string | null> {
    return this.service.errorOf(run, ctx.principal);
  }

  @ResolveField(() => RunProgress)
  progress(@Parent() run: RunEntity, @Context() ctx: AuthContext): Promise<RunProgress> {
    return this.service.progress(run.id, ctx.principal);
  }

  @ResolveField(() => [PlatformCommands])
  commandsByPlatform(@Parent() run: RunEntity): PlatformCommands[] {
    return Object.entries(run.commandsByPlatform ?? {}).map(([platform, commands]) => ({
      platform,
      commands,
    }));
  }

  @ResolveField(() => String, { description: "This run's page in the Temporal Web UI." })
  temporalUrl(@Parent() run: RunEntity): string {
    return this.service.temporalUrl(run);
  }

  @ResolveField(() => RunDeviceConnection)
  devices(@Parent() run: RunEntity, @Args() args: RunDevicesArgs, @Context() ctx: AuthContext) {
    return this.service.devicesOf(run.id, args, ctx.principal);
  }

  @ResolveField(() => [RunEventModel], { description: 'The run log, oldest first.' })
  events(
    @Parent() run: RunEntity,
    @Args('afterId', { type: () => ID, nullable: true }) afterId?: string,
    @Args('first', { type: () => Int, defaultValue: 200 }) first = 200,
    @Context() ctx?: AuthContext,
  ): Promise<RunEventModel[]> {
    if (afterId != null && !/^\d{1,18}$/.test(afterId)) {
      throw SwitchboardError.badInput('afterId', 'must be the id of an event of this run (digits)');
    }
    return this.service.eventsOf(run.id, afterId, Math.min(Math.max(first, 1), 1000), ctx?.principal);
  }

  @Requires('runs:read')
  @Subscription(() => RunUpdate, {
    description: 'Progress and log events of a run as they happen; the first update is the current state.',
    resolve: (value: RunUpdate) => value,
  })
  runUpdated(
    @Context() ctx: AuthContext,
    @Args('runId', { type: () => ID }) runId: string,
  ): AsyncIterableIterator<RunUpdate> {
    return this.follow(runId, principalOf(ctx));
  }

  private async *follow(runId: string, principal: Principal): AsyncIterableIterator<RunUpdate> {
    let run = await this.service.get(runId, principal);
    let events = await this.service.latestEvents(runId, 50, principal);
    let lastEventId = events.at(-1)?.id;
    let wake: (() => void) | undefined;
    let dirty = false;
    const unsubscribe = this.notifications.subscribe(runId, () => {
      dirty = true;
      wake?.();
    });
    try {
      yield { run, events };
      while (!isFinalRunStatus(run.status)) {
        if (!dirty) {
          // Wake on a notification, or re-check every few seconds in case one was missed.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 5000);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
        dirty = false;
        run = await this.service.get(runId);
        events = await this.service.eventsOf(runId, lastEventId, 1000, principal);
        lastEventId = events.at(-1)?.id ?? lastEventId;
        yield { run, events };
      }
    } finally {
      unsubscribe();
    }
  }
}

@Resolver(() => RunDeviceModel)
export class RunDeviceResolver {
  constructor(private readonly runs: RunsService) {}

  @ResolveField(() => [CommandOutputModel])
  outputs(
    @Parent() runDevice: RunDeviceModel,
    @Args('maxBytes', { type: () => Int, nullable: true, description: 'Cut each output to this many bytes.' })
    maxBytes?: number,
  ): Promise<CommandOutputModel[]> {
    return this.runs.outputsOf(runDevice.id, maxBytes ?? undefined);
  }
}
