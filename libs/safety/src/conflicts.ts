/**
 * The conflict report, pure part (no I/O): what a task touches, when two schedules' runs overlap,
 * which devices' maintenance windows never open, and how long a run is expected to take. The
 * API's `graphql/safety/conflicts.service.ts` feeds it from PostgreSQL and Temporal.
 */
import { CHANGE_KINDS, type StepKind, type TaskDefinition } from '../../tasks/src/definition';
import { hasMarkup } from '../../tasks/src/liquid';
import { referencedStepIds } from '../../tasks/src/references';
import { resolveParams } from '../../tasks/src/resolve';
import { windowState, type MaintenanceWindow } from './windows';

/** How far ahead schedules are compared and windows looked for. */
export const CONFLICT_HORIZON_MS = 7 * 86_400_000;
/** At most this many fire times per schedule within the horizon. */
export const MAX_FIRE_TIMES = 500;
/** Overlaps reported per pair of schedules (the first ones). */
export const MAX_OVERLAPS = 3;
/** Devices listed in one conflict (deviceCount has them all). */
export const MAX_CONFLICT_DEVICES = 20;
/** Duration estimate without history and without step timeouts. */
export const DEFAULT_RUN_DURATION_MS = 10 * 60_000;
/** The sum of step timeouts is capped at this. */
export const MAX_TIMEOUT_ESTIMATE_MS = 6 * 3600_000;
/** Finished runs the median is taken over. */
export const DURATION_HISTORY = 20;

// ---------------------------------------------------------------------------------------------
// What a task touches

export interface DeviceTarget {
  /** The resolved `devices` param (a device selector), when it can be known before the run. */
  selector?: Record<string, unknown>;
  /** Why it cannot be known in advance (it reads other steps' outputs, or does not resolve). */
  unknown?: string;
}

export interface StepFootprint extends DeviceTarget {
  /** The step id; `<id>#compensate` for its compensation. */
  stepId: string;
  kind: StepKind;
  compensation: boolean;
  /** It changes the devices (a change kind, or a fan-out of one). */
  changes: boolean;
  /**
   * It is guarded like the workflow guards it (`guardDevices`): locks its devices and, unless it
   * is a compensation, waits for their maintenance windows.
   */
  guarded: boolean;
}

function markupOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (hasMarkup(value)) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) markupOf(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) markupOf(v, out);
  }
  return out;
}

/** The steps whose outputs a value reads (`{{ steps.facts.output.failed }}`), in order of appearance. */
export function referencedSteps(value: unknown): string[] {
  const found: string[] = [];
  for (const text of markupOf(value)) {
    for (const id of referencedStepIds(text)) if (!found.includes(id)) found.push(id);
  }
  return found;
}

/** A step's `devices` param resolved against the inputs, or why it cannot be known in advance. */
export function resolveDeviceTarget(
  devices: unknown,
  inputs: Record<string, unknown>,
  run: { id: string; taskName: string; taskVersion: number },
): DeviceTarget {
  const steps = referencedSteps(devices);
  if (steps.length) {
    return {
      unknown: `its devices depend on the output of step${steps.length > 1 ? 's' : ''} ${steps.join(', ')}`,
    };
  }
  let resolved: unknown;
  try {
    resolved = (resolveParams({ devices }, { inputs, steps: {}, run }) as { devices: unknown }).devices;
  } catch (error) {
    return { unknown: `its devices do not resolve: ${(error as Error).message}` };
  }
  if (resolved === null || typeof resolved !== 'object' || Array.isArray(resolved)) {
    return { unknown: 'its devices param is not a device selector object' };
  }
  return { selector: resolved as Record<string, unknown> };
}

/**
 * The devices each step works on (steps with a `devices` param: ssh.commands, ssh.configure,
 * script, device fan-outs) and each compensation that has one, with whether it changes them.
 * `when` conditions are not evaluated: a step is assumed to run. Subtasks are not followed.
 */
export function taskFootprint(
  definition: TaskDefinition,
  inputs: Record<string, unknown>,
  run: { id: string; taskName: string; taskVersion: number },
): StepFootprint[] {
  const out: StepFootprint[] = [];
  for (const step of definition.steps) {
    const params = step.params ?? {};
    if (params.devices !== undefined) {
      const sub = step.kind === 'fanout' ? (params.step as { kind?: StepKind } | undefined) : undefined;
      const guarded = CHANGE_KINDS.includes(step.kind);
      out.push({
        stepId: step.id,
        kind: step.kind,
        compensation: false,
        changes: guarded || (sub?.kind !== undefined && CHANGE_KINDS.includes(sub.kind)),
        guarded,
        ...resolveDeviceTarget(params.devices, inputs, run),
      });
    }
    const comp = step.compensate;
    if (comp && comp.params?.devices !== undefined) {
      const changes = CHANGE_KINDS.includes(comp.kind);
      out.push({
        stepId: `${step.id}#compensate`,
        kind: comp.kind,
        compensation: true,
        changes,
        guarded: changes,
        ...resolveDeviceTarget(comp.params.devices, inputs, run),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Run durations

export interface DurationEstimate {
  ms: number;
  source: 'history' | 'timeouts' | 'default';
  /** For `history`: how many finished runs the median is taken over. */
  runs?: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * How long a run of the task is expected to take: the median of its last finished runs (the
 * caller passes up to DURATION_HISTORY durations), else the sum of its steps' timeouts (capped),
 * else DEFAULT_RUN_DURATION_MS.
 */
export function estimateDuration(
  pastDurationsMs: number[],
  definition: Pick<TaskDefinition, 'steps'> | null,
): DurationEstimate {
  const past = pastDurationsMs.filter((d) => Number.isFinite(d) && d >= 0).slice(0, DURATION_HISTORY);
  if (past.length) return { ms: Math.max(1000, median(past)), source: 'history', runs: past.length };
  const timeouts = (definition?.steps ?? [])
    .map((s) => s.timeoutSeconds)
    .filter((t): t is number => typeof t === 'number' && t > 0);
  if (timeouts.length) {
    const sum = timeouts.reduce((a, b) => a + b, 0) * 1000;
    return { ms: Math.min(sum, MAX_TIMEOUT_ESTIMATE_MS), source: 'timeouts' };
  }
  return { ms: DEFAULT_RUN_DURATION_MS, source: 'default' };
}

/** `12 min`, `1 h 30 min`, `45 s`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
}

/** `about 12 min (median of its last 7 finished runs)`. */
export function describeEstimate(e: DurationEstimate): string {
  const why =
    e.source === 'history'
      ? `median of its last ${e.runs} finished run${e.runs === 1 ? '' : 's'}`
      : e.source === 'timeouts'
        ? `sum of its step timeouts${e.ms >= MAX_TIMEOUT_ESTIMATE_MS ? `, capped at ${formatDuration(MAX_TIMEOUT_ESTIMATE_MS)}` : ''}; no finished runs yet`
        : `default; no finished runs and no step timeouts`;
  return `about ${formatDuration(e.ms)} (${why})`;
}

// ---------------------------------------------------------------------------------------------
// Overlapping runs

export interface ScheduledRuns {
  /** Fire times, sorted ascending. */
  fireTimes: Date[];
  /** How long each run is expected to last (jitter may be added by the caller). */
  durationMs: number;
}

export interface Overlap {
  /** When both runs are going: [start, end). */
  start: Date;
  end: Date;
  /** The fire times of the two runs. */
  a: Date;
  b: Date;
}

/** The index of the first run of `runs` still going at or after `t` (its end is after t). */
function firstEndingAfter(runs: ScheduledRuns, t: number): number {
  let lo = 0;
  let hi = runs.fireTimes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs.fireTimes[mid].getTime() + runs.durationMs > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The first `limit` times a run of `a` and a run of `b` are going at once, earliest first. A run
 * of a lasts [fire time, fire time + durationMs); runs that only touch (one ends when the other
 * starts) do not overlap.
 */
export function findOverlaps(a: ScheduledRuns, b: ScheduledRuns, limit = MAX_OVERLAPS): Overlap[] {
  const found: Overlap[] = [];
  if (limit < 1 || a.durationMs <= 0 || b.durationMs <= 0) return found;
  const kth = () => (found.length >= limit ? found[limit - 1].start.getTime() : Infinity);
  for (const fa of a.fireTimes) {
    const aStart = fa.getTime();
    // Later runs of a start later still: nothing they overlap can come earlier.
    if (aStart >= kth()) break;
    const aEnd = aStart + a.durationMs;
    for (let j = firstEndingAfter(b, aStart); j < b.fireTimes.length; j++) {
      const bStart = b.fireTimes[j].getTime();
      if (bStart >= aEnd) break;
      const start = Math.max(aStart, bStart);
      if (start >= kth()) break;
      found.push({
        start: new Date(start),
        end: new Date(Math.min(aEnd, bStart + b.durationMs)),
        a: fa,
        b: b.fireTimes[j],
      });
      found.sort((x, y) => x.start.getTime() - y.start.getTime() || x.b.getTime() - y.b.getTime());
      found.length = Math.min(found.length, limit);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Maintenance windows

export interface DeviceOpening {
  device: string;
  /** The next opening of one of its windows (null: none of them opens again). */
  opensAt: Date | null;
}

/**
 * Devices whose windows stay shut from `from` to `until`: each has at least one window (a device
 * that no window covers needs none, as `devicesWindowState` and the guard read it), none is open
 * at `from`, and none opens before `until`. Sorted by device.
 */
export function devicesWithoutOpening(
  windowsByDevice: Map<string, MaintenanceWindow[]>,
  from: Date,
  until: Date,
): DeviceOpening[] {
  const out: DeviceOpening[] = [];
  for (const [device, windows] of windowsByDevice) {
    if (windows.length === 0) continue;
    const states = windows.map((w) => windowState(w, from));
    if (states.some((s) => s.open)) continue;
    const next = states
      .map((s) => s.opensAt)
      .filter((d): d is Date => d !== null)
      .sort((x, y) => x.getTime() - y.getTime())[0];
    if (!next || next.getTime() > until.getTime()) out.push({ device, opensAt: next ?? null });
  }
  return out.sort((x, y) => (x.device < y.device ? -1 : x.device > y.device ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Messages

/** `a, b, c and 4 more`. */
export function listSome(items: string[], max = 5): string {
  if (items.length <= max) {
    return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
  }
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
