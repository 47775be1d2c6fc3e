/**
 * When a stored spec fires between two instants, computed here (no Temporal call) the way Temporal
 * matches it: the union of cron expressions, intervals, calendars and one-off times, within
 * startAt/endAt; day-of-month AND day-of-week both match (not Vixie cron's OR); calendars' years.
 * Nominal times: jitter is not applied (the conflict report widens each run by it instead).
 * Used by the conflict report, also for a schedule that is not saved yet.
 */
import { DAYS_OF_WEEK, MONTHS } from '@temporalio/client';
import { CronExpressionParser } from 'cron-parser';
import { parseCalendarField, type StoredCalendar, type StoredSpec } from './schedule-spec';

/** Candidates looked at per cron expression or calendar (a day-of-month AND day-of-week filter skips many). */
const MAX_CANDIDATES = 20_000;

const CAL_RULES = {
  second: { key: 'second', min: 0, max: 59, fallback: '0' },
  minute: { key: 'minute', min: 0, max: 59, fallback: '0' },
  hour: { key: 'hour', min: 0, max: 23, fallback: '0' },
  dayOfMonth: { key: 'dayOfMonth', min: 1, max: 31, fallback: '*' },
  month: { key: 'month', min: 1, max: 12, fallback: '*', names: MONTHS, prefix: 3 },
  dayOfWeek: { key: 'dayOfWeek', min: 0, max: 7, fallback: '*', names: DAYS_OF_WEEK, prefix: 2 },
  year: { key: 'year', min: 2000, max: 2100, fallback: '*' },
} as const;

type CalKey = keyof typeof CAL_RULES;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Day of month, day of week (0 = Sunday) and year of an instant in a time zone. */
function localDay(at: Date, timezone: string): { day: number; weekday: number; year: number } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      day: 'numeric',
      weekday: 'short',
    });
    formatters.set(timezone, f);
  }
  const parts = f.formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { day: Number(get('day')), weekday, year: Number(get('year')) };
}

/** Numbers a calendar field matches (null: every value). */
function calendarValues(text: string, key: CalKey): number[] | null {
  if (text === '*') return null;
  const { ranges } = parseCalendarField(text, CAL_RULES[key]);
  const values = new Set<number>();
  for (const r of ranges ?? []) {
    for (let v = r.start; v <= r.end; v += r.step ?? 1) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/**
 * Times an expression matches in (from, to], cron-parser's reading (seconds first when 6 fields),
 * kept when `keep` accepts them.
 */
function cronTimes(
  expression: string,
  timezone: string,
  from: Date,
  to: Date,
  max: number,
  keep: (at: Date) => boolean,
): Date[] {
  const out: Date[] = [];
  let it;
  try {
    it = CronExpressionParser.parse(expression, {
      tz: timezone,
      currentDate: from,
      endDate: to,
      strict: false,
    });
  } catch {
    return out;
  }
  for (let n = 0; n < MAX_CANDIDATES && out.length < max; n++) {
    if (!it.hasNext()) break;
    const at = it.next().toDate();
    if (at.getTime() > to.getTime()) break;
    if (keep(at)) out.push(at);
  }
  return out;
}

/** Day-of-month AND day-of-week, as Temporal matches them, when both are restricted. */
function bothDays(
  dom: readonly number[] | null,
  dow: readonly number[] | null,
  timezone: string,
  years: readonly number[] | null = null,
): (at: Date) => boolean {
  if (!dom && !dow && !years) return () => true;
  const days = dom ? new Set(dom) : null;
  const weekdays = dow ? new Set(dow.map((d) => d % 7)) : null;
  const yearSet = years ? new Set(years) : null;
  return (at) => {
    const local = localDay(at, timezone);
    if (days && !days.has(local.day)) return false;
    if (weekdays && !weekdays.has(local.weekday)) return false;
    if (yearSet && !yearSet.has(local.year)) return false;
    return true;
  };
}

function cronExpressionTimes(
  expression: string,
  timezone: string,
  from: Date,
  to: Date,
  max: number,
): Date[] {
  const fields = expression.trim().split(/\s+/);
  let keep: (at: Date) => boolean = () => true;
  if (fields.length === 5 || fields.length === 6) {
    const dom = fields[fields.length - 3];
    const dow = fields[fields.length - 1];
    if (dom !== '*' && dow !== '*') {
      try {
        const parsed = CronExpressionParser.parse(expression, { tz: timezone, strict: false });
        const numbers = (values: readonly unknown[]) =>
          values.filter((v): v is number => typeof v === 'number');
        const domValues = numbers(parsed.fields.dayOfMonth.values);
        const dowValues = numbers(parsed.fields.dayOfWeek.values);
        keep = bothDays(domValues, dowValues, timezone);
      } catch {
        return [];
      }
    }
  }
  return cronTimes(expression, timezone, from, to, max, keep);
}

function calendarTimes(
  calendar: StoredCalendar,
  timezone: string,
  from: Date,
  to: Date,
  max: number,
): Date[] {
  const v = (key: CalKey) => calendarValues(calendar[key], key);
  const text = (key: CalKey) => v(key)?.join(',') ?? '*';
  const dom = v('dayOfMonth');
  const dow = v('dayOfWeek');
  const years = v('year');
  if (dow && dow.length === 0) return [];
  const expression = [
    text('second'),
    text('minute'),
    text('hour'),
    dom?.join(',') ?? '*',
    text('month'),
    dow ? [...new Set(dow.map((d) => d % 7))].join(',') : '*',
  ].join(' ');
  // cron-parser ORs the two day fields when both are given: filter for AND (and the year).
  const keep = bothDays(dom && dow ? dom : null, dom && dow ? dow : null, timezone, years);
  return cronTimes(expression, timezone, from, to, max, keep);
}

function intervalTimes(
  interval: { everySeconds: number; offsetSeconds: number },
  from: Date,
  to: Date,
  max: number,
): Date[] {
  const every = interval.everySeconds * 1000;
  const offset = interval.offsetSeconds * 1000;
  const out: Date[] = [];
  let n = Math.floor((from.getTime() - offset) / every) + 1;
  for (let t = offset + n * every; t <= to.getTime() && out.length < max; t = offset + ++n * every) {
    out.push(new Date(t));
  }
  return out;
}

/**
 * The times the spec fires in (from, to], sorted, without duplicates, at most `max` (the earliest).
 * `startAt` and `endAt` (both included) narrow the range.
 */
export function specFireTimes(spec: StoredSpec, from: Date, to: Date, max: number): Date[] {
  const start = spec.startAt ? new Date(Math.max(from.getTime(), Date.parse(spec.startAt) - 1)) : from;
  const end = spec.endAt ? new Date(Math.min(to.getTime(), Date.parse(spec.endAt))) : to;
  if (end.getTime() <= start.getTime() || max < 1) return [];
  const all: Date[] = [];
  for (const c of spec.cron) all.push(...cronExpressionTimes(c, spec.timezone, start, end, max));
  for (const i of spec.intervals) all.push(...intervalTimes(i, start, end, max));
  for (const c of spec.calendars) all.push(...calendarTimes(c, spec.timezone, start, end, max));
  for (const at of spec.oneOffAt) {
    const t = Date.parse(at);
    if (t > start.getTime() && t <= end.getTime()) all.push(new Date(t));
  }
  const unique = [...new Set(all.map((d) => d.getTime()))].sort((a, b) => a - b);
  return unique.slice(0, max).map((t) => new Date(t));
}
