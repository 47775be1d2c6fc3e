/**
 * Schedule specs and policies: validated here (every problem a BAD_USER_INPUT naming its field),
 * stored as the user gave them (normalised), and compiled into Temporal's ScheduleSpec. Pure
 * functions, no I/O.
 */
import {
  DAYS_OF_WEEK,
  MONTHS,
  ScheduleNotFoundError,
  type CalendarSpec,
  type DayOfWeek,
  type Month,
  type Range,
  type ScheduleSpec,
} from '@temporalio/client';
import { CronExpressionParser } from 'cron-parser';
import { ErrorCode, SwitchboardError, type FieldError } from '../../libs/common/src/errors';

export const OVERLAP_POLICIES = [
  'SKIP',
  'BUFFER_ONE',
  'BUFFER_ALL',
  'CANCEL_OTHER',
  'TERMINATE_OTHER',
  'ALLOW_ALL',
] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Calendar fields in cron syntax (`*`, `5`, `1-5`, `*\/15`, `MON-FRI`, lists with commas). */
export interface StoredCalendar {
  second: string;
  minute: string;
  hour: string;
  dayOfMonth: string;
  month: string;
  dayOfWeek: string;
  year: string;
  comment: string | null;
}

/** The spec as stored in `schedules.spec` and shown by the API. */
export interface StoredSpec {
  cron: string[];
  intervals: { everySeconds: number; offsetSeconds: number }[];
  calendars: StoredCalendar[];
  timezone: string;
  startAt: string | null;
  endAt: string | null;
  jitterSeconds: number;
  /** Whole seconds, ISO 8601 UTC. */
  oneOffAt: string[];
}

export interface StoredPolicy {
  overlap: OverlapPolicy;
  catchupWindowSeconds: number;
  pauseOnFailure: boolean;
}

/** What the API accepts (GraphQL inputs are this shape; everything optional has a default). */
export interface SpecInput {
  cron?: string[] | null;
  intervals?: { everySeconds: number; offsetSeconds?: number | null }[] | null;
  calendars?: Partial<Record<keyof StoredCalendar, string | null>>[] | null;
  timezone?: string | null;
  startAt?: Date | null;
  endAt?: Date | null;
  jitterSeconds?: number | null;
  oneOffAt?: Date[] | null;
}

export interface PolicyInput {
  overlap?: OverlapPolicy | null;
  catchupWindowSeconds?: number | null;
  pauseOnFailure?: boolean | null;
}

/** Temporal's own default catch-up window (one year), and the least it honours (shorter is raised to it). */
export const DEFAULT_CATCHUP_WINDOW_SECONDS = 365 * 24 * 3600;
export const MIN_CATCHUP_WINDOW_SECONDS = 10;
export const MAX_SPEC_ENTRIES = 100;
/** Temporal refuses longer calendar comments. */
export const MAX_COMMENT = 200;
/** Temporal calendars match years 2000-2100 only. */
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

/**
 * The name Temporal is given: ICU's canonical id of the zone. Every canonical id is in the tz
 * database Temporal (Go) reads, while some aliases ICU still accepts are not (US/Pacific-New).
 */
export function temporalTimeZone(name: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return name;
  }
}

/** The canonical name of an IANA time zone (case fixed), or undefined when it is not one. */
export function canonicalTimeZone(name: string): string | undefined {
  if (!name.trim()) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat(undefined, { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  // Keep the user's name when it is another spelling of the same zone (Asia/Kolkata, not ICU's
  // Asia/Calcutta); only fix the case, which Temporal's (Go's) lookup is sensitive to.
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

const CRON_ALIASES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'];
/** One comma-separated part of a cron field that Temporal understands too. */
const CRON_PART = /^(\*|(\d+|[A-Za-z]{3})(-(\d+|[A-Za-z]{3}))?)(\/\d+)?$/;

/**
 * A cron expression checked with cron-parser (in the schedule's time zone) and turned into the
 * form Temporal reads: 5 fields pass through; 6 fields are read as cron-parser reads them (seconds
 * first) and sent as Temporal's 7-field form with year `*`. Extensions Temporal lacks (`L`, `W`,
 * `#`, `?`, `H`, `@every`, a `TZ=` prefix) are refused.
 */
export function cronToTemporal(expression: string, timezone: string): { cron?: string; error?: string } {
  const text = expression.trim().replace(/\s+/g, ' ');
  if (!text) return { error: 'is empty' };
  if (/^(CRON_)?TZ=/i.test(text))
    return { error: 'give the time zone in spec.timezone, not in the expression' };
  if (text.startsWith('@every')) return { error: '@every is not supported here; use spec.intervals' };
  if (text.startsWith('@')) {
    if (!CRON_ALIASES.includes(text))
      return { error: `unknown alias; use one of ${CRON_ALIASES.join(', ')}` };
    return { cron: text };
  }
  try {
    CronExpressionParser.parse(text, { tz: timezone, strict: false });
  } catch (error) {
    return { error: `not a valid cron expression: ${(error as Error).message}` };
  }
  const fields = text.split(' ');
  if (fields.length !== 5 && fields.length !== 6) {
    return { error: 'must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first)' };
  }
  for (const field of fields) {
    for (const part of field.split(',')) {
      if (!CRON_PART.test(part)) {
        return {
          error: `"${part}" is not supported by Temporal schedules (no L, W, #, ? or H; use numbers, ranges, steps and 3-letter names)`,
        };
      }
    }
  }
  return { cron: fields.length === 5 ? text : `${text} *` };
}

interface FieldRule {
  key: keyof Omit<StoredCalendar, 'comment'>;
  min: number;
  max: number;
  fallback: string;
  names?: readonly string[];
  /** Shortest accepted prefix of a name (as Temporal: 3 for months, 2 for days). */
  prefix?: number;
}

const CALENDAR_FIELDS: FieldRule[] = [
  { key: 'second', min: 0, max: 59, fallback: '0' },
  { key: 'minute', min: 0, max: 59, fallback: '0' },
  { key: 'hour', min: 0, max: 23, fallback: '0' },
  { key: 'dayOfMonth', min: 1, max: 31, fallback: '*' },
  { key: 'month', min: 1, max: 12, fallback: '*', names: MONTHS, prefix: 3 },
  { key: 'dayOfWeek', min: 0, max: 7, fallback: '*', names: DAYS_OF_WEEK, prefix: 2 },
  { key: 'year', min: MIN_YEAR, max: MAX_YEAR, fallback: '*' },
];

function parseValue(text: string, rule: FieldRule): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= rule.min && n <= rule.max ? n : undefined;
  }
  if (rule.names && text.length >= (rule.prefix ?? 3)) {
    const i = rule.names.findIndex((name) => name.startsWith(text.toUpperCase()));
    // Months are 1-12, days of the week 0 (Sunday) to 6.
    if (i >= 0) return rule.key === 'month' ? i + 1 : i;
  }
  return undefined;
}

/**
 * One calendar field in cron syntax as Temporal ranges, the way Temporal parses its own calendar
 * strings: `*`, `n`, `a-b`, with `/step` (`n/step` runs from n to the maximum); day 7 is Sunday.
 */
export function parseCalendarField(
  text: string,
  rule: FieldRule,
): { ranges?: Range<number>[]; error?: string } {
  const ranges: Range<number>[] = [];
  const bounds = `${rule.min}-${rule.max}${rule.names ? ' or a name' : ''}`;
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const [body, stepText, extra] = part.split('/');
    if (extra !== undefined) return { error: `"${part}" has more than one /` };
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1)
        return { error: `"${part}": the step must be an integer ≥ 1` };
      step = Number(stepText);
    }
    let start = rule.min;
    let end = rule.max;
    if (body !== '*') {
      const bounds2 = body.split('-');
      if (bounds2.length > 2) return { error: `"${part}" has more than one -` };
      const a = parseValue(bounds2[0], rule);
      if (a === undefined) return { error: `"${bounds2[0]}" is not in range ${bounds}` };
      start = a;
      if (bounds2.length === 2) {
        const b = parseValue(bounds2[1], rule);
        if (b === undefined || b < a)
          return { error: `"${part}": the end is before the start or not in range ${bounds}` };
        end = b;
      } else if (stepText === undefined) {
        end = a;
      }
    }
    if (rule.key === 'dayOfWeek' && end === 7) {
      // 7 is Sunday (0): Temporal ranges run 0-6.
      if ((7 - start) % step === 0) ranges.push({ start: 0, end: 0, step: 1 });
      if (start === 7) continue;
      end = 6;
    }
    ranges.push({ start, end, step });
  }
  return { ranges };
}

/** A stored calendar as the Temporal client takes it (month and day names, `*` for everything). */
export function calendarToTemporal(calendar: StoredCalendar): CalendarSpec {
  const out: CalendarSpec = { comment: calendar.comment ?? undefined };
  for (const rule of CALENDAR_FIELDS) {
    const text = calendar[rule.key];
    if (text === '*') {
      (out as Record<string, unknown>)[rule.key] = '*';
      continue;
    }
    const { ranges } = parseCalendarField(text, rule);
    if (rule.key === 'month') {
      out.month = ranges!.map((r) => ({
        start: MONTHS[r.start - 1],
        end: MONTHS[r.end - 1],
        step: r.step,
      })) as Range<Month>[];
    } else if (rule.key === 'dayOfWeek') {
      out.dayOfWeek = ranges!.map((r) => ({
        start: DAYS_OF_WEEK[r.start],
        end: DAYS_OF_WEEK[r.end],
        step: r.step,
      })) as Range<DayOfWeek>[];
    } else {
      (out as Record<string, unknown>)[rule.key] = ranges;
    }
  }
  return out;
}

/** The wall-clock fields of an instant in a time zone: a calendar that matches exactly that second. */
export function oneOffCalendar(at: Date, timezone: string): CalendarSpec {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const exact = (n: number) => ({ start: n, end: n, step: 1 });
  return {
    year: exact(get('year')),
    month: { start: MONTHS[get('month') - 1], end: MONTHS[get('month') - 1], step: 1 },
    dayOfMonth: exact(get('day')),
    hour: exact(get('hour')),
    minute: exact(get('minute')),
    second: exact(get('second')),
    dayOfWeek: '*',
    comment: `one-off at ${at.toISOString()}`,
  };
}

const isInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n);

/** Validate and normalise a spec; every problem is reported, each at its field. */
export function normaliseSpec(
  input: SpecInput,
  defaultTimezone: string,
  root = 'spec',
): { spec?: StoredSpec; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const bad = (field: string, message: string) => errors.push({ field: `${root}.${field}`, message });
  const tooMany = (field: string, list: unknown[] | null | undefined) => {
    if (list && list.length > MAX_SPEC_ENTRIES) bad(field, `at most ${MAX_SPEC_ENTRIES} entries`);
  };

  let timezone = defaultTimezone;
  if (input.timezone !== undefined && input.timezone !== null) {
    const canonical = canonicalTimeZone(input.timezone);
    if (canonical) timezone = canonical;
    else
      bad('timezone', `"${input.timezone}" is not an IANA time zone (e.g. Asia/Shanghai, Europe/Paris, UTC)`);
  }

  tooMany('cron', input.cron);
  const cron: string[] = [];
  for (const [i, expression] of (input.cron ?? []).entries()) {
    const result = cronToTemporal(expression, timezone);
    if (result.error) bad(`cron[${i}]`, result.error);
    else cron.push(expression.trim().replace(/\s+/g, ' '));
  }

  tooMany('intervals', input.intervals);
  const intervals: StoredSpec['intervals'] = [];
  for (const [i, interval] of (input.intervals ?? []).entries()) {
    const every = interval.everySeconds;
    const offset = interval.offsetSeconds ?? 0;
    if (!isInt(every) || every < 1) bad(`intervals[${i}].everySeconds`, 'must be an integer ≥ 1');
    else if (!isInt(offset) || offset < 0 || offset >= every) {
      bad(
        `intervals[${i}].offsetSeconds`,
        `must be an integer from 0 to ${every - 1} (less than everySeconds)`,
      );
    } else intervals.push({ everySeconds: every, offsetSeconds: offset });
  }

  tooMany('calendars', input.calendars);
  const calendars: StoredCalendar[] = [];
  for (const [i, calendar] of (input.calendars ?? []).entries()) {
    const stored = { comment: calendar.comment ?? null } as StoredCalendar;
    let ok = true;
    for (const rule of CALENDAR_FIELDS) {
      const text = (calendar[rule.key] ?? rule.fallback).trim().replace(/\s+/g, '') || rule.fallback;
      const { error } = parseCalendarField(text, rule);
      if (error) {
        bad(`calendars[${i}].${rule.key}`, error);
        ok = false;
      }
      stored[rule.key] = text;
    }
    if (stored.comment !== null && stored.comment.length > MAX_COMMENT) {
      bad(`calendars[${i}].comment`, `at most ${MAX_COMMENT} characters (Temporal's limit)`);
      ok = false;
    }
    if (ok) calendars.push(stored);
  }

  const startAt = input.startAt ?? null;
  const endAt = input.endAt ?? null;
  if (startAt && Number.isNaN(startAt.getTime())) bad('startAt', 'is not a date-time');
  if (endAt && Number.isNaN(endAt.getTime())) bad('endAt', 'is not a date-time');
  if (startAt && endAt && endAt.getTime() < startAt.getTime()) bad('endAt', 'is before startAt');

  const jitterSeconds = input.jitterSeconds ?? 0;
  if (!isInt(jitterSeconds) || jitterSeconds < 0) bad('jitterSeconds', 'must be an integer ≥ 0');

  tooMany('oneOffAt', input.oneOffAt);
  const oneOffAt: string[] = [];
  for (const [i, at] of (input.oneOffAt ?? []).entries()) {
    if (Number.isNaN(at.getTime())) {
      bad(`oneOffAt[${i}]`, 'is not a date-time');
      continue;
    }
    const whole = new Date(Math.floor(at.getTime() / 1000) * 1000);
    const year = Number(
      new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric' }).format(whole),
    );
    if (year < MIN_YEAR || year > MAX_YEAR)
      bad(`oneOffAt[${i}]`, `must be in the years ${MIN_YEAR}-${MAX_YEAR}`);
    else if (!oneOffAt.includes(whole.toISOString())) oneOffAt.push(whole.toISOString());
  }
  oneOffAt.sort();

  if (errors.length) return { errors };
  return {
    errors,
    spec: {
      cron,
      intervals,
      calendars,
      timezone,
      startAt: startAt?.toISOString() ?? null,
      endAt: endAt?.toISOString() ?? null,
      jitterSeconds,
      oneOffAt,
    },
  };
}

export function normalisePolicy(
  input: PolicyInput | null | undefined,
  root = 'policy',
): {
  policy?: StoredPolicy;
  errors: FieldError[];
} {
  const errors: FieldError[] = [];
  const overlap = input?.overlap ?? 'SKIP';
  if (!OVERLAP_POLICIES.includes(overlap)) {
    errors.push({ field: `${root}.overlap`, message: `must be one of ${OVERLAP_POLICIES.join(', ')}` });
  }
  const catchup = input?.catchupWindowSeconds ?? DEFAULT_CATCHUP_WINDOW_SECONDS;
  if (!isInt(catchup) || catchup < MIN_CATCHUP_WINDOW_SECONDS) {
    errors.push({
      field: `${root}.catchupWindowSeconds`,
      message: `must be an integer ≥ ${MIN_CATCHUP_WINDOW_SECONDS} (Temporal's minimum)`,
    });
  }
  if (errors.length) return { errors };
  return {
    errors,
    policy: { overlap, catchupWindowSeconds: catchup, pauseOnFailure: input?.pauseOnFailure ?? false },
  };
}

/** The stored spec as Temporal's ScheduleSpec. */
export function specToTemporal(spec: StoredSpec): ScheduleSpec {
  const calendars = [
    ...spec.calendars.map(calendarToTemporal),
    ...spec.oneOffAt.map((at) => oneOffCalendar(new Date(at), spec.timezone)),
  ];
  return {
    cronExpressions: spec.cron.map((c) => cronToTemporal(c, spec.timezone).cron!),
    intervals: spec.intervals.map((i) => ({ every: i.everySeconds * 1000, offset: i.offsetSeconds * 1000 })),
    calendars,
    timezone: temporalTimeZone(spec.timezone),
    startAt: spec.startAt ? new Date(spec.startAt) : undefined,
    endAt: spec.endAt ? new Date(spec.endAt) : undefined,
    jitter: spec.jitterSeconds * 1000,
  };
}

/** The gRPC status code and message under a Temporal client error. */
function grpcOf(error: unknown): { code?: number; details: string } {
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    const candidate = e as { code?: unknown; details?: unknown; cause?: unknown };
    if (typeof candidate.code === 'number' && typeof candidate.details === 'string') {
      return { code: candidate.code, details: candidate.details };
    }
    e = candidate.cause;
  }
  return { details: error instanceof Error ? error.message : String(error) };
}
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;

/**
 * What a refusal by Temporal means for the user: a spec problem (`Invalid schedule spec: ...`) is a
 * BAD_USER_INPUT at `spec`, another invalid argument a BAD_USER_INPUT without a field; anything
 * else (Temporal down, ...) is not the user's and is returned as it was.
 */
export function temporalRefusal(error: unknown): Error {
  const { code, details } = grpcOf(error);
  if (
    code === GRPC_INVALID_ARGUMENT &&
    /spec|calendar|interval|cron|time ?zone|location|jitter/i.test(details)
  ) {
    return SwitchboardError.badInput('spec', details);
  }
  if (code === GRPC_INVALID_ARGUMENT) return new SwitchboardError(ErrorCode.BAD_USER_INPUT, details);
  if (error instanceof ScheduleNotFoundError || code === GRPC_NOT_FOUND) {
    return new SwitchboardError(
      ErrorCode.CONFLICT,
      'the schedule has ended in Temporal (its one-off time or its remaining actions are used up): update it to schedule more',
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
