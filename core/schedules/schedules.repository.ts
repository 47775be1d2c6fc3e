import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  Client,
  ScheduleNotFoundError,
  encodeScheduleOverlapPolicy,
  type ScheduleDescription,
  type ScheduleOptions,
} from '@temporalio/client';
import { isUUID } from 'class-validator';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { optionalDateToTs, tsToDate } from '@temporalio/common/lib/time';
import { DataSource, type EntityManager } from 'typeorm';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { INVALID_DATE_RULE } from '../../libs/common/src/json';
import { SwitchboardError, type FieldError } from '../../libs/common/src/errors';
import { validateInputs } from '../../libs/tasks/src';
import { RunEntity } from '../runs/run.entity';
import { TaskEntity, TaskVersionEntity } from '../tasks/task.entity';
import type { ScheduleInput, SchedulePatch } from './schedule-inputs';
import { ScheduleEntity, scheduledWorkflowIdPrefix, temporalScheduleId } from './schedule.entity';
import {
  canonicalTimeZone,
  normalisePolicy,
  normaliseSpec,
  specToTemporal,
  temporalRefusal,
  type OverlapPolicy,
  type StoredPolicy,
  type StoredSpec,
} from './schedule-spec';
import {
  decodeCursor,
  encodeCursor,
  toConnection,
  type ConnectionShape,
} from '../../libs/common/src/pagination';
import { currentActorId } from '../accounts/actor';

/** The live part of a schedule, from Temporal. */
export interface ScheduleLive {
  paused: boolean;
  note: string | null;
  remainingActions: number | null;
  nextActionTimes: Date[];
  recentActions: { workflowId: string; runId: string; scheduledAt: Date; takenAt: Date }[];
  running: { workflowId: string; runId: string }[];
  actionsTaken: number;
  actionsSkippedOverlap: number;
  actionsMissedCatchupWindow: number;
}

interface ScheduleState {
  paused: boolean;
  note: string;
  remainingActions: number | null;
}

const NEXT_FIRE_TIMES_MAX = 100;

/**
 * The Temporal reads of one API request: each schedule is described at most once in it (however
 * many aliases or entity objects ask for it), and none is started once `signal` has aborted (the
 * client has gone).
 */
interface ScheduleReads {
  described: Map<string, Promise<ScheduleLive | null>>;
  signal?: AbortSignal;
}

const requestReads = new AsyncLocalStorage<ScheduleReads>();

/**
 * Run `fn` as one request: SchedulesRepository.live() describes each schedule once within it, and
 * starts no Temporal read after `signal` aborts (it throws the signal's reason instead). The API
 * wraps each GraphQL HTTP request in it.
 */
export function withScheduleReads<T>(fn: () => T, signal?: AbortSignal): T {
  return requestReads.run({ described: new Map(), signal }, fn);
}

/**
 * Schedules: a task with its inputs, run on a Temporal Schedule. PostgreSQL holds what the user
 * owns, Temporal the live state; every change writes PostgreSQL and Temporal in one PostgreSQL
 * transaction that rolls back when Temporal refuses.
 */
/** A check of what a schedule would run (its task, version and inputs), made before it is saved. */
export type CheckScheduleTarget = (target: {
  taskId: string;
  taskVersion: number | null;
  inputs: object;
}) => Promise<void>;

@Injectable()
export class SchedulesRepository {
  private readonly logger = new Logger(SchedulesRepository.name);
  /** Outside withScheduleReads: one describe per entity object (the resolver asks for several live fields). */
  private readonly described = new WeakMap<ScheduleEntity, Promise<ScheduleLive | null>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get defaultTimezone(): string {
    return canonicalTimeZone(this.config.scheduleDefaultTimezone) ?? this.config.scheduleDefaultTimezone;
  }

  private handle(id: string) {
    return this.temporal.schedule.getHandle(temporalScheduleId(id));
  }

  async get(idOrName: string, manager: EntityManager = this.dataSource.manager, lock = false) {
    const query = manager
      .createQueryBuilder(ScheduleEntity, 's')
      .where(isUUID(idOrName, 'all') ? 's.id = :key' : 's.name = :key', { key: idOrName });
    if (lock) query.setLock('pessimistic_write');
    const schedule = await query.getOne();
    if (!schedule) throw SwitchboardError.notFound('schedule', idOrName);
    return schedule;
  }

  /** The names of devices by id, in name order (for messages about a reader's own devices). */
  async deviceNames(ids: readonly string[]): Promise<string[]> {
    if (!ids.length) return [];
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT name FROM devices WHERE id = ANY($1::uuid[]) ORDER BY name`,
      [ids],
    );
    return rows.map((r) => r.name);
  }

  /**
   * Schedules by name. `visible`: only those it accepts (a reader's scope, decided on devices
   * resolved in code): every schedule is then read and checked, and the page and totalCount are
   * taken from those it accepts.
   */
  async list(
    args: {
      task?: string | null;
      first: number;
      after?: string;
    },
    visible?: (schedule: ScheduleEntity) => Promise<boolean>,
  ): Promise<ConnectionShape<ScheduleEntity>> {
    const qb = this.dataSource.getRepository(ScheduleEntity).createQueryBuilder('s');
    if (args.task) {
      const task = await this.taskOf(args.task, this.dataSource.manager, 'task');
      qb.andWhere('s.task_id = :taskId', { taskId: task.id });
    }
    if (visible) {
      const seen = new Set<string>();
      for (const schedule of await qb.clone().getMany()) if (await visible(schedule)) seen.add(schedule.id);
      if (args.after) qb.andWhere('s.name > :name', { name: decodeCursor(args.after, 1)[0] });
      const rows = (await qb.orderBy('s.name', 'ASC').getMany()).filter((s) => seen.has(s.id));
      return toConnection(rows.slice(0, args.first + 1), args.first, seen.size, (s) =>
        encodeCursor([s.name]),
      );
    }
    const totalCount = await qb.clone().getCount();
    if (args.after) {
      const [name] = decodeCursor(args.after, 1);
      qb.andWhere('s.name > :name', { name });
    }
    const rows = await qb
      .orderBy('s.name', 'ASC')
      .take(args.first + 1)
      .getMany();
    return toConnection(rows, args.first, totalCount, (s) => encodeCursor([s.name]));
  }

  /**
   * The checks of createSchedule, without saving (every problem a BAD_USER_INPUT naming its field,
   * all at once): the spec, the policy, the task and the inputs against its schema.
   */
  async checkCreate(
    input: ScheduleInput,
    m: EntityManager = this.dataSource.manager,
  ): Promise<{ task: TaskEntity; spec: StoredSpec; policy: StoredPolicy }> {
    const spec = normaliseSpec(input.spec, this.defaultTimezone);
    const policy = normalisePolicy(input.policy);
    const problems: FieldError[] = [...spec.errors, ...policy.errors];
    const task = await this.findTask(input.task, m);
    if (!task) problems.push({ field: 'task', message: `no task "${input.task}"` });
    else problems.push(...(await this.inputProblems(task, input.taskVersion ?? null, input.inputs ?? {}, m)));
    if (problems.length || !task) throw SwitchboardError.invalidFields(problems);
    return { task, spec: spec.spec!, policy: policy.policy! };
  }

  /**
   * `checkTarget` (the caller's scope check of the devices the schedule would work on) runs before
   * anything is written.
   */
  async create(input: ScheduleInput, checkTarget?: CheckScheduleTarget): Promise<ScheduleEntity> {
    let created = false;
    const id = randomUUID();
    try {
      return await this.dataSource.transaction(async (m) => {
        const { task, spec, policy } = await this.checkCreate(input, m);
        await checkTarget?.({
          taskId: task.id,
          taskVersion: input.taskVersion ?? null,
          inputs: input.inputs ?? {},
        });
        if (await m.findOne(ScheduleEntity, { where: { name: input.name } })) {
          throw SwitchboardError.conflict(`a schedule named "${input.name}" already exists`, 'name');
        }
        await m.insert(ScheduleEntity, {
          id,
          name: input.name,
          taskId: task.id,
          taskVersion: input.taskVersion ?? null,
          inputs: input.inputs ?? {},
          spec,
          policy,
          note: input.note ?? '',
          createdBy: currentActorId(),
        });
        const schedule = await m.findOneOrFail(ScheduleEntity, { where: { id } });
        try {
          await this.temporal.schedule.create(
            this.scheduleOptions(schedule, {
              paused: input.paused ?? false,
              note: input.note ?? '',
              remainingActions: input.remainingActions ?? null,
            }),
          );
        } catch (error) {
          throw this.temporalError(error);
        }
        created = true;
        this.logger.log(`schedule ${schedule.name} (${id}) created for task ${task.name}`);
        return schedule;
      });
    } catch (error) {
      // The commit failed after Temporal accepted the schedule: take it back.
      if (created)
        await this.handle(id)
          .delete()
          .catch(() => undefined);
      throw error;
    }
  }

  async update(
    idOrName: string,
    input: SchedulePatch,
    checkTarget?: CheckScheduleTarget,
  ): Promise<ScheduleEntity> {
    let updated: ScheduleEntity | undefined;
    let previous: { schedule: ScheduleEntity; live: ScheduleDescription } | undefined;
    try {
      return await this.dataSource.transaction(async (m) => {
        const current = await this.get(idOrName, m, true);
        this.forget(current.id);
        const problems: FieldError[] = [];
        const next: ScheduleEntity = { ...current };
        if (input.name && input.name !== current.name) {
          if (await m.findOne(ScheduleEntity, { where: { name: input.name } })) {
            throw SwitchboardError.conflict(`a schedule named "${input.name}" already exists`, 'name');
          }
          next.name = input.name;
        }
        const task = input.task
          ? await this.taskOf(input.task, m, 'task')
          : await m.findOneOrFail(TaskEntity, { where: { id: current.taskId } });
        if (task.id !== current.taskId) next.taskVersion = null; // another task: its latest, unless given
        next.taskId = task.id;
        if (input.taskVersion !== undefined) next.taskVersion = input.taskVersion;
        if (input.inputs !== undefined && input.inputs !== null) next.inputs = input.inputs;
        if (input.spec) {
          const spec = normaliseSpec(input.spec, this.defaultTimezone);
          problems.push(...spec.errors);
          if (spec.spec) next.spec = spec.spec;
        }
        if (input.policy) {
          const policy = normalisePolicy(input.policy);
          problems.push(...policy.errors);
          if (policy.policy) next.policy = policy.policy;
        }
        if (task.deletedAt) problems.push({ field: 'task', message: `task ${task.name} was deleted` });
        else problems.push(...(await this.inputProblems(task, next.taskVersion, next.inputs, m)));
        if (problems.length) throw SwitchboardError.invalidFields(problems);
        await checkTarget?.({ taskId: next.taskId, taskVersion: next.taskVersion, inputs: next.inputs });
        if (input.note !== undefined && input.note !== null) next.note = input.note;
        await m.update(
          ScheduleEntity,
          { id: current.id },
          {
            name: next.name,
            taskId: next.taskId,
            taskVersion: next.taskVersion,
            inputs: next.inputs,
            spec: next.spec,
            policy: next.policy,
            note: next.note,
          },
        );
        const saved = await m.findOneOrFail(ScheduleEntity, { where: { id: current.id } });
        try {
          await this.handle(current.id).update((live) => {
            previous = { schedule: current, live };
            const {
              scheduleId: _id,
              memo: _memo,
              ...options
            } = this.scheduleOptions(saved, {
              paused: live.state.paused,
              note: input.note ?? live.state.note ?? '',
              remainingActions:
                input.remainingActions !== undefined
                  ? input.remainingActions
                  : (live.state.remainingActions ?? null),
            });
            return { ...options, state: options.state ?? {} };
          });
        } catch (error) {
          if (!(error instanceof ScheduleNotFoundError)) throw this.temporalError(error);
          // Temporal lost it (a new cluster, a wiped dev server): create it again.
          this.logger.warn(`schedule ${saved.name}: not in Temporal; creating it again`);
          try {
            await this.temporal.schedule.create(
              this.scheduleOptions(saved, {
                paused: false,
                note: input.note ?? saved.note,
                remainingActions: input.remainingActions ?? null,
              }),
            );
          } catch (createError) {
            throw this.temporalError(createError);
          }
        }
        updated = saved;
        return saved;
      });
    } catch (error) {
      // The commit failed after Temporal took the new definition: put the old one back.
      if (updated && previous) {
        const { schedule, live } = previous;
        await this.handle(schedule.id)
          .update(() => {
            const {
              scheduleId: _id,
              memo: _memo,
              ...options
            } = this.scheduleOptions(schedule, {
              paused: live.state.paused,
              note: live.state.note ?? '',
              remainingActions: live.state.remainingActions ?? null,
            });
            return { ...options, state: options.state ?? {} };
          })
          .catch(() => undefined);
      }
      throw error;
    }
  }

  /** Delete the schedule in both places; its runs stay (their scheduleId becomes null). */
  async delete(idOrName: string): Promise<string> {
    return this.dataSource.transaction(async (m) => {
      const schedule = await this.get(idOrName, m, true);
      this.forget(schedule.id);
      await m.delete(ScheduleEntity, { id: schedule.id });
      try {
        await this.handle(schedule.id).delete();
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
      this.logger.log(`schedule ${schedule.name} (${schedule.id}) deleted`);
      return schedule.id;
    });
  }

  async pause(idOrName: string, note?: string | null): Promise<ScheduleEntity> {
    const schedule = await this.get(idOrName);
    this.forget(schedule.id);
    const text = note?.trim() || 'paused';
    try {
      await this.handle(schedule.id).pause(text);
    } catch (error) {
      throw this.temporalError(error);
    }
    await this.dataSource.getRepository(ScheduleEntity).update({ id: schedule.id }, { note: text });
    return this.get(schedule.id);
  }

  async unpause(idOrName: string, note?: string | null): Promise<ScheduleEntity> {
    const schedule = await this.get(idOrName);
    this.forget(schedule.id);
    const text = note?.trim() || 'unpaused';
    try {
      await this.handle(schedule.id).unpause(text);
    } catch (error) {
      throw this.temporalError(error);
    }
    await this.dataSource.getRepository(ScheduleEntity).update({ id: schedule.id }, { note: text });
    return this.get(schedule.id);
  }

  /** Fire now (even when paused; it does not count against remainingActions). */
  async trigger(idOrName: string, overlap?: OverlapPolicy | null): Promise<ScheduleEntity> {
    const schedule = await this.get(idOrName);
    this.forget(schedule.id);
    try {
      await this.temporal.workflowService.patchSchedule({
        namespace: this.config.temporal.namespace,
        scheduleId: temporalScheduleId(schedule.id),
        identity: 'switchboard-api',
        requestId: randomUUID(),
        // Unspecified: Temporal applies the schedule's own overlap policy.
        patch: { triggerImmediately: { overlapPolicy: encodeScheduleOverlapPolicy(overlap ?? undefined) } },
      });
    } catch (error) {
      throw this.temporalError(error);
    }
    return schedule;
  }

  /** A backfill window's errors, named by field: checked before the schedule is looked up. */
  checkBackfillWindow(start: Date, end: Date): void {
    // The DateTime scalar reads a literal that is not a string (start: 0) as null.
    for (const [field, value] of [
      ['start', start],
      ['end', end],
    ] as const) {
      if (!(value instanceof Date) || Number.isNaN(value.getTime()))
        throw SwitchboardError.badInput(field, INVALID_DATE_RULE);
    }
    if (!(end.getTime() > start.getTime())) throw SwitchboardError.badInput('end', 'must be after start');
  }

  /** Take every action the spec matches in [start, end] now, as if that time were passing. */
  async backfill(
    idOrName: string,
    start: Date,
    end: Date,
    overlap?: OverlapPolicy | null,
  ): Promise<ScheduleEntity> {
    this.checkBackfillWindow(start, end);
    const schedule = await this.get(idOrName);
    this.forget(schedule.id);
    try {
      await this.handle(schedule.id).backfill({ start, end, overlap: overlap ?? undefined });
    } catch (error) {
      throw this.temporalError(error);
    }
    return schedule;
  }

  /**
   * Temporal's view of the schedule; null when Temporal has none. Described once per request and
   * schedule id (withScheduleReads), else once per entity object.
   */
  live(schedule: ScheduleEntity): Promise<ScheduleLive | null> {
    const reads = requestReads.getStore();
    if (reads) {
      let promise = reads.described.get(schedule.id);
      if (!promise) {
        promise = this.describe(schedule.id, reads.signal);
        reads.described.set(schedule.id, promise);
      }
      return promise;
    }
    let promise = this.described.get(schedule);
    if (!promise) {
      promise = this.describe(schedule.id);
      this.described.set(schedule, promise);
    }
    return promise;
  }

  /**
   * A write is changing the schedule: a later read in the same request describes it again.
   * (Mutations run one after the other, so nothing reads it while the write goes on.)
   */
  private forget(id: string): void {
    requestReads.getStore()?.described.delete(id);
  }

  private async describe(id: string, signal?: AbortSignal): Promise<ScheduleLive | null> {
    signal?.throwIfAborted();
    let d: ScheduleDescription;
    try {
      d = await this.handle(id).describe();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return null;
      // Cancelled because the client has gone: say so, not the gRPC error.
      signal?.throwIfAborted();
      throw error;
    }
    return {
      paused: d.state.paused,
      note: d.state.note ?? null,
      remainingActions: d.state.remainingActions ?? null,
      nextActionTimes: d.info.nextActionTimes,
      recentActions: d.info.recentActions.map((a) => ({
        workflowId: a.action.workflow.workflowId,
        runId: a.action.workflow.firstExecutionRunId,
        scheduledAt: a.scheduledAt,
        takenAt: a.takenAt,
      })),
      running: d.info.runningActions.map((a) => ({
        workflowId: a.workflow.workflowId,
        runId: a.workflow.firstExecutionRunId,
      })),
      actionsTaken: d.info.numActionsTaken,
      actionsSkippedOverlap: d.info.numActionsSkippedOverlap,
      actionsMissedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    };
  }

  /**
   * The next `count` times the schedule fires, as Temporal computes them (jitter, start and end,
   * remaining actions included): Temporal's describe lists up to 10; beyond that, Temporal's
   * ListScheduleMatchingTimes continues from the last one. Empty while paused.
   */
  async nextFireTimes(schedule: ScheduleEntity, count: number): Promise<Date[]> {
    if (!Number.isInteger(count) || count < 1 || count > NEXT_FIRE_TIMES_MAX) {
      throw SwitchboardError.badInput('count', `must be an integer from 1 to ${NEXT_FIRE_TIMES_MAX}`);
    }
    const live = await this.live(schedule);
    if (!live || live.paused) return [];
    const limit = Math.min(count, live.remainingActions ?? count);
    const times = live.nextActionTimes.slice(0, limit);
    // Fewer than Temporal lists means there are no more (end of the spec, or no actions left).
    if (times.length >= limit || live.nextActionTimes.length < 10) return times;
    const end = schedule.spec.endAt ? new Date(schedule.spec.endAt).getTime() : Infinity;
    const gap = (times[times.length - 1].getTime() - times[0].getTime()) / Math.max(1, times.length - 1);
    let span = Math.max(gap * (limit - times.length) * 2, 3600_000);
    const signal = requestReads.getStore()?.signal;
    for (let tries = 0; times.length < limit && tries < 12; tries++) {
      const from = times[times.length - 1].getTime();
      if (from >= end) break;
      const to = Math.min(from + span, end, Date.UTC(2101, 0, 1));
      signal?.throwIfAborted();
      const response = await this.temporal.workflowService
        .listScheduleMatchingTimes({
          namespace: this.config.temporal.namespace,
          scheduleId: temporalScheduleId(schedule.id),
          startTime: optionalDateToTs(new Date(from)),
          endTime: optionalDateToTs(new Date(to)),
        })
        .catch((error: unknown) => {
          signal?.throwIfAborted();
          throw error;
        });
      const found = (response.startTime ?? []).map((t) => tsToDate(t));
      times.push(...found.filter((t) => t.getTime() > from).slice(0, limit - times.length));
      if (to >= end || to >= Date.UTC(2101, 0, 1)) break;
      span *= 2;
    }
    return times;
  }

  /** The runs stored by these wrapper executions, by `<workflow id>/<run id>`. */
  async runsOf(executions: { workflowId: string; runId: string }[]): Promise<Map<string, RunEntity>> {
    if (!executions.length) return new Map();
    const rows = await this.dataSource
      .getRepository(RunEntity)
      .createQueryBuilder('r')
      .where('r.schedule_workflow_id = ANY(:ids)', { ids: executions.map((e) => e.workflowId) })
      .getMany();
    return new Map(rows.map((r) => [`${r.scheduleWorkflowId}/${r.scheduleWorkflowRunId}`, r]));
  }

  async taskName(taskId: string): Promise<string> {
    const task = await this.dataSource.getRepository(TaskEntity).findOneOrFail({ where: { id: taskId } });
    return task.name;
  }

  temporalUrl(schedule: ScheduleEntity): string {
    const { uiUrl, namespace } = this.config.temporal;
    return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/schedules/${encodeURIComponent(temporalScheduleId(schedule.id))}`;
  }

  /** The Temporal Schedule of a stored schedule. */
  private scheduleOptions(schedule: ScheduleEntity, state: ScheduleState): ScheduleOptions {
    const policy: StoredPolicy = schedule.policy;
    const spec: StoredSpec = schedule.spec;
    return {
      scheduleId: temporalScheduleId(schedule.id),
      spec: specToTemporal(spec),
      action: {
        type: 'startWorkflow',
        // workflows/schedule.workflow.ts, by name: the API does not load workflow code.
        workflowType: 'scheduledTaskWorkflow',
        workflowId: scheduledWorkflowIdPrefix(schedule.id),
        taskQueue: this.config.temporal.taskQueue,
        args: [{ scheduleId: schedule.id }],
        memo: { scheduleId: schedule.id, scheduleName: schedule.name },
      },
      policies: {
        overlap: policy.overlap,
        catchupWindow: policy.catchupWindowSeconds * 1000,
        pauseOnFailure: policy.pauseOnFailure,
      },
      state: {
        paused: state.paused,
        note: state.note,
        remainingActions: state.remainingActions ?? undefined,
      },
      memo: { scheduleName: schedule.name },
    };
  }

  private temporalError(error: unknown): Error {
    return temporalRefusal(error);
  }

  private findTask(idOrName: string, m: EntityManager): Promise<TaskEntity | null> {
    return m
      .createQueryBuilder(TaskEntity, 't')
      .where('t.deleted_at IS NULL')
      .andWhere(isUUID(idOrName, 'all') ? 't.id = :key' : 't.name = :key', { key: idOrName })
      .getOne();
  }

  private async taskOf(idOrName: string, m: EntityManager, field: string): Promise<TaskEntity> {
    const task = await this.findTask(idOrName, m);
    if (!task) throw SwitchboardError.badInput(field, `no task "${idOrName}"`);
    return task;
  }

  /** The inputs checked against the version a run would use now (the pinned one, else the latest). */
  private async inputProblems(
    task: TaskEntity,
    version: number | null,
    inputs: object,
    m: EntityManager,
  ): Promise<FieldError[]> {
    const found = await m.findOne(TaskVersionEntity, {
      where: { taskId: task.id, version: version ?? task.latestVersion },
    });
    if (!found) return [{ field: 'taskVersion', message: `task ${task.name} has no version ${version}` }];
    return validateInputs(found.definition, inputs).errors;
  }
}
