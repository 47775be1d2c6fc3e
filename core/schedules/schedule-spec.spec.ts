import {
  calendarToTemporal,
  canonicalTimeZone,
  cronToTemporal,
  normalisePolicy,
  normaliseSpec,
  oneOffCalendar,
  specToTemporal,
  temporalRefusal,
  temporalTimeZone,
} from './schedule-spec';
import { SwitchboardError } from '../../libs/common/src/errors';

describe('schedule specs', () => {
  it('canonicalises time zones (case only) and refuses unknown ones', () => {
    expect(canonicalTimeZone('asia/shanghai')).toBe('Asia/Shanghai');
    expect(canonicalTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeUndefined();
    expect(canonicalTimeZone('')).toBeUndefined();
  });

  it('passes 5-field cron through, turns 6 fields (seconds first) into Temporal 7-field form', () => {
    expect(cronToTemporal('0 9 * * MON-FRI', 'UTC')).toEqual({ cron: '0 9 * * MON-FRI' });
    expect(cronToTemporal('  */10   * * * * * ', 'UTC')).toEqual({ cron: '*/10 * * * * * *' });
    expect(cronToTemporal('@daily', 'UTC')).toEqual({ cron: '@daily' });
  });

  it('refuses what cron-parser refuses and what Temporal does not support', () => {
    expect(cronToTemporal('61 * * * *', 'UTC').error).toMatch(/61/);
    expect(cronToTemporal('', 'UTC').error).toBe('is empty');
    for (const unsupported of ['0 0 L * *', '0 0 ? * MON#2', 'H * * * *']) {
      expect(cronToTemporal(unsupported, 'UTC').error).toMatch(/not supported by Temporal/);
    }
    expect(cronToTemporal('@every 10s', 'UTC').error).toMatch(/spec.intervals/);
    expect(cronToTemporal('CRON_TZ=UTC 0 9 * * *', 'UTC').error).toMatch(/spec.timezone/);
    expect(cronToTemporal('0 0 0 * * * 2030', 'UTC').error).toBeDefined();
    expect(cronToTemporal('0 0 15W * *', 'UTC').error).toBeDefined();
  });

  it('turns calendar fields into Temporal ranges, with month and day names and Sunday as 7', () => {
    const cal = calendarToTemporal({
      second: '0',
      minute: '*/15',
      hour: '8-18/2',
      dayOfMonth: '*',
      month: 'jan,JUL-sep',
      dayOfWeek: '5-7',
      year: '*',
      comment: 'office hours',
    });
    expect(cal).toEqual({
      comment: 'office hours',
      second: [{ start: 0, end: 0, step: 1 }],
      minute: [{ start: 0, end: 59, step: 15 }],
      hour: [{ start: 8, end: 18, step: 2 }],
      dayOfMonth: '*',
      month: [
        { start: 'JANUARY', end: 'JANUARY', step: 1 },
        { start: 'JULY', end: 'SEPTEMBER', step: 1 },
      ],
      dayOfWeek: [
        { start: 'SUNDAY', end: 'SUNDAY', step: 1 },
        { start: 'FRIDAY', end: 'SATURDAY', step: 1 },
      ],
      year: '*',
    });
  });

  it('makes a one-off time an exact calendar in the time zone', () => {
    expect(oneOffCalendar(new Date('2026-12-31T16:30:05Z'), 'Asia/Shanghai')).toEqual({
      year: { start: 2027, end: 2027, step: 1 },
      month: { start: 'JANUARY', end: 'JANUARY', step: 1 },
      dayOfMonth: { start: 1, end: 1, step: 1 },
      hour: { start: 0, end: 0, step: 1 },
      minute: { start: 30, end: 30, step: 1 },
      second: { start: 5, end: 5, step: 1 },
      dayOfWeek: '*',
      comment: 'one-off at 2026-12-31T16:30:05.000Z',
    });
  });

  it('normalises a spec with defaults and reports every problem at its field', () => {
    const ok = normaliseSpec(
      {
        cron: ['0 9 * * *'],
        intervals: [{ everySeconds: 60 }],
        calendars: [{ hour: '2', minute: '30' }],
        oneOffAt: [new Date('2030-01-01T00:00:00.750Z'), new Date('2030-01-01T00:00:00Z')],
      },
      'Asia/Shanghai',
    );
    expect(ok.errors).toEqual([]);
    expect(ok.spec).toEqual({
      cron: ['0 9 * * *'],
      intervals: [{ everySeconds: 60, offsetSeconds: 0 }],
      calendars: [
        {
          second: '0',
          minute: '30',
          hour: '2',
          dayOfMonth: '*',
          month: '*',
          dayOfWeek: '*',
          year: '*',
          comment: null,
        },
      ],
      timezone: 'Asia/Shanghai',
      startAt: null,
      endAt: null,
      jitterSeconds: 0,
      oneOffAt: ['2030-01-01T00:00:00.000Z'],
    });

    const bad = normaliseSpec(
      {
        cron: ['nope'],
        intervals: [{ everySeconds: 10, offsetSeconds: 10 }],
        calendars: [{ hour: '24', dayOfWeek: 'FRI-MON' }],
        timezone: 'Nowhere/Town',
        startAt: new Date('2030-01-02T00:00:00Z'),
        endAt: new Date('2030-01-01T00:00:00Z'),
        oneOffAt: [new Date('2150-01-01T00:00:00Z')],
      },
      'UTC',
    );
    expect(bad.spec).toBeUndefined();
    expect(bad.errors.map((e) => e.field)).toEqual([
      'spec.timezone',
      'spec.cron[0]',
      'spec.intervals[0].offsetSeconds',
      'spec.calendars[0].hour',
      'spec.calendars[0].dayOfWeek',
      'spec.endAt',
      'spec.oneOffAt[0]',
    ]);
  });

  it('policy defaults to SKIP, one year of catch-up, no pause on failure', () => {
    expect(normalisePolicy(undefined).policy).toEqual({
      overlap: 'SKIP',
      catchupWindowSeconds: 365 * 24 * 3600,
      pauseOnFailure: false,
    });
    expect(normalisePolicy({ catchupWindowSeconds: 5 }).errors).toEqual([
      { field: 'policy.catchupWindowSeconds', message: expect.stringMatching(/≥ 10/) },
    ]);
  });

  it('compiles the stored spec for the Temporal client', () => {
    const { spec } = normaliseSpec(
      {
        cron: ['*/5 * * * * *'],
        intervals: [{ everySeconds: 3600, offsetSeconds: 60 }],
        jitterSeconds: 30,
        timezone: 'Europe/Paris',
        startAt: new Date('2030-01-01T00:00:00Z'),
      },
      'UTC',
    );
    expect(specToTemporal(spec!)).toEqual({
      cronExpressions: ['*/5 * * * * * *'],
      intervals: [{ every: 3_600_000, offset: 60_000 }],
      calendars: [],
      timezone: 'Europe/Paris',
      startAt: new Date('2030-01-01T00:00:00Z'),
      endAt: undefined,
      jitter: 30_000,
    });
  });

  it('gives Temporal the canonical id of a zone (aliases Go no longer has work too)', () => {
    expect(temporalTimeZone('Asia/Shanghai')).toBe('Asia/Shanghai');
    expect(temporalTimeZone('US/Pacific-New')).toBe('America/Los_Angeles');
  });

  it("maps Temporal's refusal of a spec to BAD_USER_INPUT at spec; other errors pass through", () => {
    const grpc = (code: number, details: string) =>
      Object.assign(new Error('Failed to create schedule'), {
        cause: Object.assign(new Error(details), { code, details }),
      });
    const spec = temporalRefusal(
      grpc(3, 'Invalid schedule spec: invalid calendar spec: comment is too long'),
    );
    expect(spec).toBeInstanceOf(SwitchboardError);
    expect((spec as SwitchboardError).fields).toEqual([
      { field: 'spec', message: 'Invalid schedule spec: invalid calendar spec: comment is too long' },
    ]);
    expect((temporalRefusal(grpc(3, 'WorkflowId is too long')) as SwitchboardError).code).toBe(
      'BAD_USER_INPUT',
    );
    const down = grpc(14, 'connection refused');
    expect(temporalRefusal(down)).toBe(down);
  });
});
