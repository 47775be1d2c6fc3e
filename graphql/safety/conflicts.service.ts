import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import { scopeConflictReport } from '../../core/accounts/device-scope';
import type { Principal } from '../../core/accounts/principal';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, ScheduleNotFoundError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import {
  CONFLICT_HORIZON_MS,
  MAX_CONFLICT_DEVICES,
  MAX_FIRE_TIMES,
  DURATION_HISTORY,
  describeEstimate,
  devicesWithoutOpening,
  estimateDuration,
  findOverlaps,
  formatDuration,
  listSome,
  plural,
  taskFootprint,
  type DurationEstimate,
  type StepFootprint,
} from '../../libs/safety/src/conflicts';
import { devicesWindowState, type MaintenanceWindow } from '../../libs/safety/src/windows';
import { DEFAULT_SAFETY, type SafetyPolicy, type TaskDefinition } from '../../libs/tasks/src/definition';
import { validateInputs } from '../../libs/tasks/src/inputs';
import { DeviceEntity } from '../../core/devices/device.entity';
import { resolveDeviceSelection, type DeviceSelector } from '../../core/devices/device-selection';
import { type RunEntity } from '../../core/runs/run.entity';
import { specFireTimes } from '../../core/schedules/fire-times';
import { temporalScheduleId } from '../../core/schedules/schedule.entity';
import type { StoredSpec } from '../../core/schedules/schedule-spec';
import { ConflictKind, type ConflictModel } from './conflicts.model';
import { FINAL_RUN_STATUSES, isFinalRunStatus } from '../../core/runs/run-states';
import { deviceWindows } from '../../core/safety/windows';

/** The schedule being checked: saved (id) or a preview (id null). */
export interface ScheduleTarget {
  id: string | null;
  name: string;
  taskId: string;
  taskVersion: number | null;
  inputs: object;
  spec: StoredSpec;
  /** Firings left (null: unlimited). */
  remainingActions?: number | null;
}

interface Device {
  id: string;
  name: string;
}

interface StepDevices {
  step: StepFootprint;
  devices: Device[] | null;
  unknown?: string;
}

interface Version {
  taskId: string;
  taskName: string;
  version: number;
  definition: TaskDefinition;
}

/** Steps of a run that have not passed their guard yet. */
const NOT_STARTED = ['PENDING', 'WAITING_LOCK', 'WAITING_WINDOW'];
const HORIZON = `the next ${CONFLICT_HORIZON_MS / 86_400_000} days`;
/** Schedules compared at most (the others are not looked at). */
const MAX_SCHEDULES = 1000;

const iso = (d: Date) => d.toISOString();

function conflict(kind: ConflictKind, message: string, extra: Partial<ConflictModel> = {}): ConflictModel {
  return {
    kind,
    message,
    stepId: null,
    deviceIds: [],
    deviceCount: 0,
    otherScheduleId: null,
    otherScheduleName: null,
    otherRunId: null,
    at: null,
    ...extra,
  };
}

/** Devices in name order (as listed in messages and deviceIds). */
const byName = (devices: Device[]) => [...devices].sort((a, b) => a.name.localeCompare(b.name));

function withDevices(unsorted: Device[]): Pick<ConflictModel, 'deviceIds' | 'deviceCount'> {
  const devices = byName(unsorted);
  return { deviceIds: devices.slice(0, MAX_CONFLICT_DEVICES).map((d) => d.id), deviceCount: devices.length };
}

const names = (devices: Device[]) => listSome(byName(devices).map((d) => d.name));

/**
 * The conflict report: what a schedule or a task run will meet (overlapping schedules on the same
 * devices, maintenance windows that never open or are shut, devices locked by other runs).
 * Computed on every read; the arithmetic is in libs/safety/src/conflicts.ts.
 */
@Injectable()
export class ConflictsService {
  private readonly logger = new Logger(ConflictsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A report as `principal` may read it: for a reader scoped to some sites or tags, without the
   * devices outside them (see scopeReports in core/accounts/device-scope.ts).
   */
  scopedFor(principal: Principal | null | undefined, report: ConflictModel[]): Promise<ConflictModel[]> {
    return scopeConflictReport(this.dataSource, principal, report);
  }

  /**
   * The devices a schedule's runs would work on, as far as they are known before a run (steps whose
   * devices come from other steps' outputs are resolved, and scope-checked, when they run).
   */
  async scheduleDevices(
    target: Pick<ScheduleTarget, 'taskId' | 'taskVersion' | 'inputs'>,
  ): Promise<{ name: string; site: string | null; tags: string[] }[]> {
    const ctx = new Lookup(this.dataSource);
    const version = await ctx.version(target.taskId, target.taskVersion);
    if (!version) return [];
    const ids = uniqueDevices(await ctx.stepDevices(version, target.inputs, '')).map((d) => d.id);
    if (!ids.length) return [];
    return this.dataSource.query(`SELECT name, site, tags FROM devices WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** Conflicts of a schedule (saved, or a preview of one), over the next 7 days. */
  async forSchedule(target: ScheduleTarget, now = new Date()): Promise<ConflictModel[]> {
    const ctx = new Lookup(this.dataSource);
    const version = await ctx.version(target.taskId, target.taskVersion);
    if (!version) return [];
    const until = new Date(now.getTime() + CONFLICT_HORIZON_MS);
    const steps = await ctx.stepDevices(version, target.inputs, '');
    const out: ConflictModel[] = unknownNotes(steps);
    const fires = specFireTimes(
      target.spec,
      now,
      until,
      Math.min(MAX_FIRE_TIMES, target.remainingActions ?? MAX_FIRE_TIMES),
    );

    // Windows that never open for the devices of change steps (compensations are never held back).
    const guarded = uniqueDevices(steps.filter((s) => s.step.guarded && !s.step.compensation));
    if (guarded.length) {
      const end = target.spec.endAt
        ? new Date(Math.min(until.getTime(), Date.parse(target.spec.endAt)))
        : until;
      const windows = await ctx.windows(guarded);
      const shut = devicesWithoutOpening(windows, now, end);
      if (shut.length) {
        const devices = shut.map((s) => guarded.find((d) => d.id === s.device)!);
        const reach = end < until ? 'before the schedule ends' : `within ${HORIZON}`;
        out.push(
          conflict(
            ConflictKind.WINDOW_NEVER_OPENS,
            `${plural(devices.length, 'device')} changed by this schedule (${names(devices)}) ` +
              `${devices.length === 1 ? 'has' : 'have'} maintenance windows and none of them opens ${reach}` +
              `${fires.length ? `; the run at ${iso(fires[0])} and later ones will fail their change steps (WINDOW_NEVER_OPENS or WINDOW_TIMEOUT)` : ''}.`,
            { ...withDevices(devices), at: fires[0] ?? null },
          ),
        );
      }
    }

    out.push(...(await this.overlaps(ctx, target, version, steps, fires, now, until)));
    return out;
  }

  private async overlaps(
    ctx: Lookup,
    target: ScheduleTarget,
    version: Version,
    steps: StepDevices[],
    fires: Date[],
    now: Date,
    until: Date,
  ): Promise<ConflictModel[]> {
    const mine = touchMap(steps);
    if (mine.size === 0 || fires.length === 0) return [];
    const others: {
      id: string;
      name: string;
      task_id: string;
      task_version: number | null;
      inputs: object;
      spec: StoredSpec;
    }[] = await this.dataSource.query(
      `SELECT s.id, s.name, s.task_id, s.task_version, s.inputs, s.spec FROM schedules s
         JOIN tasks t ON t.id = s.task_id AND t.deleted_at IS NULL
        WHERE ($1::uuid IS NULL OR s.id <> $1) ORDER BY s.name LIMIT ${MAX_SCHEDULES}`,
      [target.id],
    );
    const out: ConflictModel[] = [];
    let myEstimate: DurationEstimate | undefined;
    for (const other of others) {
      const otherVersion = await ctx.version(other.task_id, other.task_version);
      if (!otherVersion) continue;
      const theirs = touchMap(await ctx.stepDevices(otherVersion, other.inputs, ''));
      const shared: Device[] = [];
      for (const [id, t] of mine) {
        const o = theirs.get(id);
        if (o && (t.changes || o.changes)) shared.push(t.device);
      }
      if (!shared.length) continue;
      const live = await this.liveState(other.id);
      if (live.paused) continue;
      const otherFires = specFireTimes(
        other.spec,
        now,
        until,
        Math.min(MAX_FIRE_TIMES, live.remainingActions ?? MAX_FIRE_TIMES),
      );
      if (!otherFires.length) continue;
      myEstimate ??= await ctx.estimate(version);
      const theirEstimate = await ctx.estimate(otherVersion);
      const found = findOverlaps(
        { fireTimes: fires, durationMs: myEstimate.ms + target.spec.jitterSeconds * 1000 },
        { fireTimes: otherFires, durationMs: theirEstimate.ms + other.spec.jitterSeconds * 1000 },
      );
      if (!found.length) continue;
      const changedByMe = shared.filter((d) => mine.get(d.id)!.changes).length;
      const changedByThem = shared.filter((d) => theirs.get(d.id)!.changes).length;
      const who =
        changedByMe && changedByThem
          ? 'both change them'
          : changedByMe
            ? 'this schedule changes them'
            : `"${other.name}" changes them`;
      const more =
        found.length > 1
          ? ` (then ${found
              .slice(1)
              .map((o) => iso(o.start))
              .join(', ')})`
          : '';
      out.push(
        conflict(
          ConflictKind.SCHEDULE_OVERLAP,
          `Runs of schedule "${other.name}" (task ${otherVersion.taskName}) overlap this schedule's runs on ` +
            `${plural(shared.length, 'shared device')} (${names(shared)}; ${who}), first at ${iso(found[0].start)}${more}, ` +
            `within ${HORIZON}. Estimated run durations: this schedule's ${describeEstimate(myEstimate)}, ` +
            `"${other.name}"'s ${describeEstimate(theirEstimate)}. The later run's change steps wait for the device locks, or are refused (its task's safety.onLocked).`,
          {
            ...withDevices(shared),
            otherScheduleId: other.id,
            otherScheduleName: other.name,
            at: found[0].start,
          },
        ),
      );
    }
    return out;
  }

  /** Whether another schedule fires (unpaused), and how many more times; unknown counts as firing. */
  private async liveState(id: string): Promise<{ paused: boolean; remainingActions: number | null }> {
    try {
      const d = await this.temporal.schedule.getHandle(temporalScheduleId(id)).describe();
      return { paused: d.state.paused, remainingActions: d.state.remainingActions ?? null };
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return { paused: true, remainingActions: null };
      this.logger.warn(`schedule ${id}: cannot describe it (${(error as Error).message}); compared anyway`);
      return { paused: false, remainingActions: null };
    }
  }

  /** Conflicts of a task run that has not finished: locked devices, shut windows, unknown devices. */
  async forRun(run: RunEntity, now = new Date()): Promise<ConflictModel[]> {
    if (!run.taskId || run.taskVersion === null || isFinalRunStatus(run.status)) return [];
    const ctx = new Lookup(this.dataSource);
    const version = await ctx.version(run.taskId, run.taskVersion);
    if (!version) return [];
    const rows: { step_id: string; status: string }[] = await this.dataSource.query(
      `SELECT step_id, status FROM run_steps WHERE run_id = $1`,
      [run.id],
    );
    const status = new Map(rows.map((r) => [r.step_id, r.status]));
    const pending = (s: StepFootprint) =>
      NOT_STARTED.includes(status.get(s.stepId.replace(/#compensate$/, '')) ?? 'PENDING');
    const steps = (await ctx.stepDevices(version, run.inputs ?? {}, run.id)).filter(
      (s) => pending(s.step) && !s.step.compensation,
    );
    const out: ConflictModel[] = unknownNotes(steps);
    const guarded = steps.filter((s) => s.step.guarded && s.devices?.length);
    if (!guarded.length) return out;
    const safety: SafetyPolicy = { ...DEFAULT_SAFETY, ...version.definition.safety };
    const stepIds = listSome(guarded.map((s) => s.step.stepId));
    const devices = uniqueDevices(guarded);

    // Shut windows (the guard checks windows first, then locks).
    const windows = await ctx.windows(devices);
    const state = devicesWindowState(windows, now);
    if (!state.open) {
      const byId = new Map(devices.map((d) => [d.id, d]));
      if (!state.opensAt) {
        const never = devicesWithoutOpening(windows, now, new Date(8.64e15)).filter((d) => !d.opensAt);
        const shut = never.map((d) => byId.get(d.device)!);
        out.push(
          conflict(
            ConflictKind.WINDOW_NEVER_OPENS,
            `${plural(shut.length, 'device')} of step ${stepIds} (${names(shut)}) ${shut.length === 1 ? 'is' : 'are'} outside ${shut.length === 1 ? 'its' : 'their'} maintenance windows and none of them opens again: ` +
              `the step ${safety.onClosedWindow === 'REFUSE' ? 'will be refused (OUTSIDE_WINDOW)' : 'will fail (WINDOW_NEVER_OPENS)'}.`,
            withDevices(shut),
          ),
        );
      } else {
        const shut = state.closed.map((id) => byId.get(id)!);
        const wait = state.opensAt.getTime() - now.getTime();
        const what =
          safety.onClosedWindow === 'REFUSE'
            ? 'it will be refused (OUTSIDE_WINDOW; safety.onClosedWindow REFUSE)'
            : wait > safety.windowTimeoutSeconds * 1000
              ? `that is after its wait limit (safety.windowTimeoutSeconds ${safety.windowTimeoutSeconds}), so it will fail (WINDOW_TIMEOUT)`
              : `it will wait until then (safety.onClosedWindow WAIT, about ${formatDuration(wait)})`;
        out.push(
          conflict(
            ConflictKind.WINDOW_CLOSED,
            `${plural(shut.length, 'device')} of step ${stepIds} (${names(shut)}) ${shut.length === 1 ? 'is' : 'are'} outside ${shut.length === 1 ? 'its' : 'their'} maintenance window now; ` +
              `the next window opens at ${iso(state.opensAt)}: ${what}.`,
            { ...withDevices(shut), at: state.opensAt },
          ),
        );
      }
    }

    // Devices locked by other runs.
    const locks: { device_id: string; run_id: string; acquired_at: Date }[] = await this.dataSource.query(
      `SELECT device_id, run_id, acquired_at FROM device_locks
        WHERE device_id = ANY($1::uuid[]) AND run_id <> $2 ORDER BY acquired_at, run_id`,
      [devices.map((d) => d.id), run.id],
    );
    const byHolder = new Map<string, Device[]>();
    for (const l of locks) {
      const list = byHolder.get(l.run_id) ?? [];
      list.push(devices.find((d) => d.id === l.device_id)!);
      byHolder.set(l.run_id, list);
    }
    for (const [holder, held] of byHolder) {
      const what =
        safety.onLocked === 'REFUSE'
          ? 'the step will be refused (DEVICE_LOCKED; safety.onLocked REFUSE)'
          : `the step will wait in the queue until that run ends (safety.onLocked WAIT, at most ${formatDuration(safety.lockTimeoutSeconds * 1000)}, then LOCK_TIMEOUT)`;
      out.push(
        conflict(
          ConflictKind.DEVICE_LOCKED,
          `${plural(held.length, 'device')} of step ${stepIds} (${names(held)}) ${held.length === 1 ? 'is' : 'are'} locked by run ${holder}: ${what}.`,
          { ...withDevices(held), otherRunId: holder },
        ),
      );
    }
    return out;
  }
}

function unknownNotes(steps: StepDevices[]): ConflictModel[] {
  return steps
    .filter((s) => s.unknown)
    .map((s) =>
      conflict(
        ConflictKind.DEVICES_UNKNOWN,
        `Step ${s.step.stepId}: ${s.unknown}, so its devices cannot be checked in advance.`,
        { stepId: s.step.stepId },
      ),
    );
}

function uniqueDevices(steps: StepDevices[]): Device[] {
  const byId = new Map<string, Device>();
  for (const s of steps) for (const d of s.devices ?? []) byId.set(d.id, d);
  return [...byId.values()];
}

/** Each device a task's steps touch, and whether one of them changes it. */
function touchMap(steps: StepDevices[]): Map<string, { device: Device; changes: boolean }> {
  const out = new Map<string, { device: Device; changes: boolean }>();
  for (const s of steps) {
    for (const d of s.devices ?? []) {
      const seen = out.get(d.id);
      out.set(d.id, { device: d, changes: (seen?.changes ?? false) || s.step.changes });
    }
  }
  return out;
}

/** Reads for one report, each looked up once. */
class Lookup {
  private readonly versions = new Map<string, Promise<Version | null>>();
  private readonly selections = new Map<string, Promise<Device[] | string>>();
  private readonly estimates = new Map<string, Promise<DurationEstimate>>();

  constructor(private readonly dataSource: DataSource) {}

  /** A task's pinned version, or its latest (null when the task or version is gone). */
  version(taskId: string, version: number | null): Promise<Version | null> {
    const key = `${taskId}/${version ?? 'latest'}`;
    let found = this.versions.get(key);
    if (!found) {
      found = this.dataSource
        .query(
          `SELECT t.id AS "taskId", t.name AS "taskName", v.version, v.definition
             FROM tasks t JOIN task_versions v ON v.task_id = t.id AND v.version = COALESCE($2, t.latest_version)
            WHERE t.id = $1`,
          [taskId, version],
        )
        .then((rows: Version[]) => rows[0] ?? null);
      this.versions.set(key, found);
    }
    return found;
  }

  /** The devices of a selector, or the problem with it. */
  private select(selector: Record<string, unknown>): Promise<Device[] | string> {
    const key = JSON.stringify(selector);
    let found = this.selections.get(key);
    if (!found) {
      found = resolveDeviceSelection(
        this.dataSource.getRepository(DeviceEntity),
        selector as DeviceSelector,
      ).then(
        (devices) => devices.map((d) => ({ id: d.id, name: d.name })),
        (error: Error) => error.message,
      );
      this.selections.set(key, found);
    }
    return found;
  }

  /** Each step's devices (inputs with their defaults applied), or why they are unknown. */
  async stepDevices(version: Version, inputs: object, runId: string): Promise<StepDevices[]> {
    const withDefaults = validateInputs(version.definition, inputs ?? {}).inputs ?? {};
    const steps = taskFootprint(version.definition, withDefaults, {
      id: runId,
      taskName: version.taskName,
      taskVersion: version.version,
    });
    const out: StepDevices[] = [];
    for (const step of steps) {
      if (!step.selector) {
        out.push({ step, devices: null, unknown: step.unknown });
        continue;
      }
      const devices = await this.select(step.selector);
      if (typeof devices === 'string')
        out.push({ step, devices: null, unknown: `its devices do not resolve: ${devices}` });
      else out.push({ step, devices });
    }
    return out;
  }

  /** The maintenance windows that apply to each device (none: it needs none), by device id. */
  windows(devices: Device[]): Promise<Map<string, MaintenanceWindow[]>> {
    return deviceWindows(
      this.dataSource,
      devices.map((d) => d.id),
      'id',
    );
  }

  /** How long a run of the task takes: median of its last finished runs, else its step timeouts, else 10 min. */
  estimate(version: Version): Promise<DurationEstimate> {
    let found = this.estimates.get(version.taskId);
    if (!found) {
      found = this.dataSource
        .query(
          `SELECT EXTRACT(EPOCH FROM (finished_at - started_at)) * 1000 AS ms FROM runs
            WHERE task_id = $1 AND kind = 'task' AND status = ANY($2::text[])
              AND started_at IS NOT NULL AND finished_at IS NOT NULL
            ORDER BY finished_at DESC LIMIT ${DURATION_HISTORY}`,
          [version.taskId, FINAL_RUN_STATUSES],
        )
        .then((rows: { ms: string | number }[]) =>
          estimateDuration(
            rows.map((r) => Number(r.ms)),
            version.definition,
          ),
        );
      this.estimates.set(version.taskId, found);
    }
    return found;
  }
}

@Module({ providers: [ConflictsService], exports: [ConflictsService] })
export class ConflictsModule {}
