import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { RunConnection } from '../runs/models/run.model';
import { ConflictModel } from '../safety/conflicts.model';
import { ConflictsService } from '../safety/conflicts.service';
import {
  CreateScheduleInput,
  ScheduleRunsArgs,
  SchedulesArgs,
  UpdateScheduleInput,
} from './dto/schedule.input';
import {
  ScheduleActionModel,
  ScheduleConnection,
  ScheduleModel,
  ScheduleOverlapEnum,
  ScheduleSpecModel,
} from './models/schedule.model';
import { temporalScheduleId, type ScheduleEntity } from '../../core/schedules/schedule.entity';
import type { OverlapPolicy } from '../../core/schedules/schedule-spec';
import { SchedulesRepository, type CheckScheduleTarget } from '../../core/schedules/schedules.repository';
import { assertDevicesInScope, scheduleVisibleIn, scopeOfRequest } from '../../core/accounts/device-scope';
import { SwitchboardError } from '../../libs/common/src/errors';
import { RunsService } from '../runs/runs.service';
import { Requires, type AuthContext } from '../common/auth.guard';
import type { RunEntity } from '../../core/runs/run.entity';

@Resolver(() => ScheduleModel)
export class SchedulesResolver {
  constructor(
    private readonly service: SchedulesRepository,
    private readonly conflictReport: ConflictsService,
    private readonly runsService: RunsService,
  ) {}

  /** The runs of a schedule's actions that the caller may see (scoped bindings hide the others). */
  private async visibleRuns(runs: Map<string, RunEntity>, ctx: AuthContext): Promise<Map<string, RunEntity>> {
    const keys = [...runs.keys()];
    const visible = new Set(await this.runsService.visibleOnly([...runs.values()], ctx.principal));
    return new Map(keys.filter((k) => visible.has(runs.get(k)!)).map((k) => [k, runs.get(k)!]));
  }

  /**
   * Whether the caller sees the schedule: with schedules:read bound to sites or tags, only when
   * every device its runs would work on (as known before a run) is inside them; one naming no
   * device only by its creator (scheduleVisibleIn, docs/security.md).
   */
  private async visible(ctx: AuthContext, schedule: ScheduleEntity): Promise<boolean> {
    const scope = scopeOfRequest(ctx.principal, 'schedules:read');
    if (scope.all) return true;
    const devices = await this.conflictReport.scheduleDevices(schedule);
    return scheduleVisibleIn(scope, ctx.principal!.userId, schedule, devices);
  }

  /** The schedule by id or name; NOT_FOUND when there is none or the caller may not see it. */
  private async readable(ctx: AuthContext, id: string): Promise<ScheduleEntity> {
    const schedule = await this.service.get(id);
    if (!(await this.visible(ctx, schedule))) throw SwitchboardError.notFound('schedule', id);
    return schedule;
  }

  /**
   * A conflict report without the schedules the caller may not see: an overlap with one of them
   * keeps the caller's devices but neither its id nor its name.
   */
  private async withoutHiddenSchedules(ctx: AuthContext, report: ConflictModel[]): Promise<ConflictModel[]> {
    if (scopeOfRequest(ctx.principal, 'schedules:read').all) return report;
    const out: ConflictModel[] = [];
    for (const entry of report) {
      if (!entry.otherScheduleId) {
        out.push(entry);
        continue;
      }
      const other = await this.service.get(entry.otherScheduleId).catch(() => null);
      if (other && (await this.visible(ctx, other))) {
        out.push(entry);
        continue;
      }
      const names = await this.service.deviceNames(entry.deviceIds);
      out.push({
        ...entry,
        otherScheduleId: null,
        otherScheduleName: null,
        message:
          `Runs of another schedule overlap this schedule's runs on ${entry.deviceCount} of your device(s) ` +
          `(${names.join(', ')}); that schedule also works on devices outside the sites and tags of your ` +
          'roles, so it is not named.',
      });
    }
    return out;
  }

  @Requires('schedules:read')
  @Query(() => ScheduleModel, {
    description: 'NOT_FOUND when there is none, or when it works on devices outside your sites and tags.',
  })
  schedule(
    @Args('id', { description: 'Id or name.' }) id: string,
    @Context() ctx: AuthContext,
  ): Promise<ScheduleEntity> {
    return this.readable(ctx, id);
  }

  @Requires('schedules:read')
  @Query(() => [ConflictModel], {
    description:
      'The conflicts a schedule would meet, without saving it: the checks and the report of createSchedule.',
  })
  async scheduleConflicts(
    @Args('input') input: CreateScheduleInput,
    @Context() ctx: AuthContext,
  ): Promise<ConflictModel[]> {
    const { task, spec } = await this.service.checkCreate(input);
    const report = await this.conflictReport.forSchedule({
      id: null,
      name: input.name,
      taskId: task.id,
      taskVersion: input.taskVersion ?? null,
      inputs: input.inputs ?? {},
      spec,
      remainingActions: input.remainingActions ?? null,
    });
    return this.withoutHiddenSchedules(ctx, await this.conflictReport.scopedFor(ctx.principal, report));
  }

  @Requires('schedules:read')
  @Query(() => ScheduleConnection, {
    description: 'Schedules by name (with scoped bindings, those you may see: see `schedule`).',
  })
  schedules(@Args() args: SchedulesArgs, @Context() ctx: AuthContext) {
    const scoped = !scopeOfRequest(ctx.principal, 'schedules:read').all;
    return this.service.list(args, scoped ? (s) => this.visible(ctx, s) : undefined);
  }

  @Requires('schedules:write')
  @Mutation(() => ScheduleModel, {
    description: "Run a task on a schedule; its inputs are checked against the task's input schema.",
  })
  createSchedule(
    @Args('input') input: CreateScheduleInput,
    @Context() ctx: AuthContext,
  ): Promise<ScheduleEntity> {
    return this.service.create(input, this.targetInScope(ctx));
  }

  @Requires('schedules:write')
  @Mutation(() => ScheduleModel)
  async updateSchedule(
    @Args('id', { description: 'Id or name.' }) id: string,
    @Args('input') input: UpdateScheduleInput,
    @Context() ctx: AuthContext,
  ): Promise<ScheduleEntity> {
    await this.readable(ctx, id);
    return this.service.update(id, input, this.targetInScope(ctx));
  }

  /**
   * For a principal scoped in schedules:write: FORBIDDEN when a device the schedule's steps would
   * work on (as far as known before a run) lies outside the scope.
   */
  private targetInScope(ctx: AuthContext): CheckScheduleTarget | undefined {
    const principal = ctx.principal;
    if (!principal || scopeOfRequest(principal, 'schedules:write').all) return undefined;
    return async (target) =>
      assertDevicesInScope(principal, 'schedules:write', await this.conflictReport.scheduleDevices(target));
  }

  @Requires('schedules:write')
  @Mutation(() => ID, {
    description: 'Delete the schedule (runs in flight go on; its runs stay, their scheduleId becomes null).',
  })
  async deleteSchedule(
    @Args('id', { description: 'Id or name.' }) id: string,
    @Context() ctx: AuthContext,
  ): Promise<string> {
    await this.readable(ctx, id);
    return this.service.delete(id);
  }

  @Requires('schedules:write')
  @Mutation(() => ScheduleModel, { description: 'Stop firing (triggers and backfills still work).' })
  async pauseSchedule(
    @Args('id', { description: 'Id or name.' }) id: string,
    @Context() ctx: AuthContext,
    @Args('note', { type: () => String, nullable: true }) note?: string | null,
  ): Promise<ScheduleEntity> {
    await this.readable(ctx, id);
    return this.service.pause(id, note);
  }

  @Requires('schedules:write')
  @Mutation(() => ScheduleModel)
  async unpauseSchedule(
    @Args('id', { description: 'Id or name.' }) id: string,
    @Context() ctx: AuthContext,
    @Args('note', { type: () => String, nullable: true }) note?: string | null,
  ): Promise<ScheduleEntity> {
    await this.readable(ctx, id);
    return this.service.unpause(id, note);
  }

  @Requires('schedules:write')
  @Mutation(() => ScheduleModel, {
    description:
      "Fire once now, even when paused (not counted in remainingActions). overlap: default the schedule's policy.",
  })
  async triggerSchedule(
    @Args('id', { description: 'Id or name.' }) id: string,
    @Context() ctx: AuthContext,
    @Args('overlap', { type: () => ScheduleOverlapEnum, nullable: true }) overlap?: OverlapPolicy | null,
  ): Promise<ScheduleEntity> {
    await this.readable(ctx, id);
    return this.service.trigger(id, overlap);
  }

  @Requires('schedules:write')
  @Mutation(() => ScheduleModel, {
    description:
      "Take now every firing the spec matches from start to end (both included), as if that time were passing. overlap: default the schedule's policy.",
  })
  async backfillSchedule(
    @Args('id', { description: 'Id or name.' }) id: string,
    @Args('start') start: Date,
    @Args('end') end: Date,
    @Context() ctx: AuthContext,
    @Args('overlap', { type: () => ScheduleOverlapEnum, nullable: true }) overlap?: OverlapPolicy | null,
  ): Promise<ScheduleEntity> {
    this.service.checkBackfillWindow(start, end);
    await this.readable(ctx, id);
    return this.service.backfill(id, start, end, overlap);
  }

  @ResolveField(() => String)
  taskName(@Parent() schedule: ScheduleEntity): Promise<string> {
    return this.service.taskName(schedule.taskId);
  }

  @ResolveField(() => ScheduleSpecModel)
  spec(@Parent() schedule: ScheduleEntity): ScheduleSpecModel {
    const s = schedule.spec;
    return {
      ...s,
      startAt: s.startAt ? new Date(s.startAt) : null,
      endAt: s.endAt ? new Date(s.endAt) : null,
      oneOffAt: s.oneOffAt.map((t) => new Date(t)),
    };
  }

  @ResolveField(() => Boolean, { description: 'Paused (by pauseSchedule, or by pause-on-failure).' })
  async paused(@Parent() schedule: ScheduleEntity): Promise<boolean> {
    return (await this.service.live(schedule))?.paused ?? true;
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'The note of the last pause or unpause, or why Temporal paused it (pause-on-failure).',
  })
  async note(@Parent() schedule: ScheduleEntity): Promise<string | null> {
    const live = await this.service.live(schedule);
    if (!live)
      return 'the Temporal schedule is missing: update the schedule to create it again, or delete it';
    return live.note || schedule.note || null;
  }

  @ResolveField(() => Int, {
    nullable: true,
    description: 'Firings left before the schedule stops; null: unlimited.',
  })
  async remainingActions(@Parent() schedule: ScheduleEntity): Promise<number | null> {
    return (await this.service.live(schedule))?.remainingActions ?? null;
  }

  @ResolveField(() => [Date], {
    description:
      'The next times it fires, as Temporal computes them (jitter, start/end and remainingActions included). Empty while paused.',
  })
  nextFireTimes(
    @Parent() schedule: ScheduleEntity,
    @Args('count', { type: () => Int, defaultValue: 5, description: '1 to 100.' }) count: number,
  ): Promise<Date[]> {
    return this.service.nextFireTimes(schedule, count);
  }

  @ResolveField(() => RunConnection, { description: 'The runs it started, newest first.' })
  runs(@Parent() schedule: ScheduleEntity, @Args() args: ScheduleRunsArgs, @Context() ctx: AuthContext) {
    return this.runsService.list({ ...args, scheduleId: schedule.id }, ctx.principal);
  }

  @ResolveField(() => [ScheduleActionModel], {
    description: 'The latest actions Temporal took (up to 10), newest first, with the run each stored.',
  })
  async recentActions(
    @Parent() schedule: ScheduleEntity,
    @Context() ctx: AuthContext,
  ): Promise<ScheduleActionModel[]> {
    const live = await this.service.live(schedule);
    if (!live) return [];
    const runs = await this.visibleRuns(await this.service.runsOf(live.recentActions), ctx);
    return [...live.recentActions].reverse().map((a) => ({
      workflowId: a.workflowId,
      scheduledAt: a.scheduledAt,
      takenAt: a.takenAt,
      run: runs.get(`${a.workflowId}/${a.runId}`) ?? null,
    }));
  }

  @ResolveField(() => [ScheduleActionModel], {
    description:
      'Actions still running that Temporal tracks for overlap (ALLOW_ALL actions are not tracked), with their runs.',
  })
  async running(
    @Parent() schedule: ScheduleEntity,
    @Context() ctx: AuthContext,
  ): Promise<ScheduleActionModel[]> {
    const live = await this.service.live(schedule);
    if (!live) return [];
    const runs = await this.visibleRuns(await this.service.runsOf(live.running), ctx);
    return live.running.map((a) => ({
      workflowId: a.workflowId,
      scheduledAt: null,
      takenAt: null,
      run: runs.get(`${a.workflowId}/${a.runId}`) ?? null,
    }));
  }

  @ResolveField(() => Int, {
    description: 'Actions Temporal has taken (scheduled, triggered and backfilled).',
  })
  async actionsTaken(@Parent() schedule: ScheduleEntity): Promise<number> {
    return (await this.service.live(schedule))?.actionsTaken ?? 0;
  }

  @ResolveField(() => Int, { description: 'Firings skipped by the overlap policy.' })
  async actionsSkippedOverlap(@Parent() schedule: ScheduleEntity): Promise<number> {
    return (await this.service.live(schedule))?.actionsSkippedOverlap ?? 0;
  }

  @ResolveField(() => Int, {
    description: 'Firings dropped because they were later than the catch-up window.',
  })
  async actionsMissedCatchupWindow(@Parent() schedule: ScheduleEntity): Promise<number> {
    return (await this.service.live(schedule))?.actionsMissedCatchupWindow ?? 0;
  }

  @ResolveField(() => [ConflictModel], {
    description:
      'What its runs will meet over the next 7 days (overlapping schedules on the same devices, windows that never open), computed on each read.',
  })
  async conflicts(@Parent() schedule: ScheduleEntity, @Context() ctx: AuthContext): Promise<ConflictModel[]> {
    const live = await this.service.live(schedule);
    const report = await this.conflictReport.forSchedule({
      ...schedule,
      remainingActions: live?.remainingActions ?? null,
    });
    return this.withoutHiddenSchedules(ctx, await this.conflictReport.scopedFor(ctx.principal, report));
  }

  @ResolveField(() => String, { description: 'The Temporal Schedule id (schedule-<id>).' })
  temporalScheduleId(@Parent() schedule: ScheduleEntity): string {
    return temporalScheduleId(schedule.id);
  }

  @ResolveField(() => String, { description: "The schedule's page in the Temporal Web UI." })
  temporalUrl(@Parent() schedule: ScheduleEntity): string {
    return this.service.temporalUrl(schedule);
  }
}
