import { specFireTimes } from './fire-times';
import { normaliseSpec, type SpecInput, type StoredSpec } from './schedule-spec';

const spec = (input: SpecInput): StoredSpec => {
  const { spec: s, errors } = normaliseSpec(input, 'UTC');
  if (!s) throw new Error(JSON.stringify(errors));
  return s;
};
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const from = new Date('2026-11-27T00:00:00Z'); // a Friday
const to = new Date('2026-12-04T00:00:00Z');

describe('specFireTimes', () => {
  it('reads cron expressions in the time zone', () => {
    const times = specFireTimes(spec({ cron: ['0 2 * * *'], timezone: 'Asia/Shanghai' }), from, to, 100);
    expect(times).toHaveLength(7);
    expect(times[0].toISOString()).toBe('2026-11-27T18:00:00.000Z');
  });

  it('matches day-of-month AND day-of-week, as Temporal does', () => {
    // 1st of the month when it is a Tuesday: 2026-12-01 is one.
    const times = specFireTimes(spec({ cron: ['0 9 1 * TUE'] }), from, new Date('2027-12-31T00:00:00Z'), 100);
    expect(iso(times)).toEqual(['2026-12-01T09:00:00.000Z', '2027-06-01T09:00:00.000Z']);
  });

  it('takes 6-field crons with seconds, and aliases', () => {
    expect(
      specFireTimes(spec({ cron: ['*/20 * * * * *'] }), from, new Date(from.getTime() + 60_000), 100),
    ).toHaveLength(3);
    expect(
      iso(specFireTimes(spec({ cron: ['@daily'] }), from, new Date('2026-11-29T00:00:00Z'), 100)),
    ).toEqual(['2026-11-28T00:00:00.000Z', '2026-11-29T00:00:00.000Z']);
  });

  it('aligns intervals to the epoch', () => {
    const times = specFireTimes(
      spec({ intervals: [{ everySeconds: 3600, offsetSeconds: 900 }] }),
      from,
      new Date('2026-11-27T03:00:00Z'),
      100,
    );
    expect(iso(times)).toEqual([
      '2026-11-27T00:15:00.000Z',
      '2026-11-27T01:15:00.000Z',
      '2026-11-27T02:15:00.000Z',
    ]);
  });

  it('reads calendars with names, day AND weekday, and years', () => {
    const weekdays = specFireTimes(
      spec({ calendars: [{ hour: '9', minute: '30', dayOfWeek: 'MON-FRI' }], timezone: 'Europe/Paris' }),
      from,
      to,
      100,
    );
    expect(iso(weekdays)).toEqual([
      '2026-11-27T08:30:00.000Z',
      '2026-11-30T08:30:00.000Z',
      '2026-12-01T08:30:00.000Z',
      '2026-12-02T08:30:00.000Z',
      '2026-12-03T08:30:00.000Z',
    ]);
    const both = specFireTimes(
      spec({ calendars: [{ hour: '0', dayOfMonth: '1', dayOfWeek: 'TU' }] }),
      from,
      new Date('2027-12-31T00:00:00Z'),
      100,
    );
    expect(iso(both)).toEqual(['2026-12-01T00:00:00.000Z', '2027-06-01T00:00:00.000Z']);
    const nextYear = specFireTimes(
      spec({ calendars: [{ hour: '0', dayOfMonth: '1', year: '2027' }] }),
      from,
      new Date('2027-03-01T12:00:00Z'),
      100,
    );
    expect(iso(nextYear)).toEqual([
      '2027-01-01T00:00:00.000Z',
      '2027-02-01T00:00:00.000Z',
      '2027-03-01T00:00:00.000Z',
    ]);
  });

  it('keeps one-off times in range, and narrows by startAt and endAt (both included)', () => {
    const s = spec({
      oneOffAt: [new Date('2026-11-01T00:00:00Z'), new Date('2026-11-28T10:00:00Z')],
      cron: ['0 * * * *'],
      startAt: new Date('2026-11-28T10:00:00Z'),
      endAt: new Date('2026-11-28T12:00:00Z'),
    });
    expect(iso(specFireTimes(s, from, to, 100))).toEqual([
      '2026-11-28T10:00:00.000Z',
      '2026-11-28T11:00:00.000Z',
      '2026-11-28T12:00:00.000Z',
    ]);
  });

  it('merges, removes duplicates, and keeps the earliest `max`', () => {
    const s = spec({ cron: ['0 * * * *', '0 */2 * * *'], intervals: [{ everySeconds: 3600 }] });
    expect(iso(specFireTimes(s, from, to, 3))).toEqual([
      '2026-11-27T01:00:00.000Z',
      '2026-11-27T02:00:00.000Z',
      '2026-11-27T03:00:00.000Z',
    ]);
    expect(specFireTimes(spec({}), from, to, 10)).toEqual([]);
    expect(specFireTimes(s, to, from, 10)).toEqual([]);
  });
});
