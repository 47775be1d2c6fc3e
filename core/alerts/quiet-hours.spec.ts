import { quietHoursWaitMs } from './quiet-hours';

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (iso: string) => new Date(iso);

describe('quiet hours', () => {
  const night = { start: '22:00', end: '07:00' };

  it('waits until the end of quiet hours that span midnight, in the profile time zone', () => {
    // 23:30 in Shanghai (UTC+8) is 15:30 UTC: 7 h 30 min to 07:00.
    expect(quietHoursWaitMs(night, 'Asia/Shanghai', at('2026-12-03T15:30:00Z'))).toBe(7.5 * HOUR);
    // 02:15 local, after midnight: 4 h 45 min.
    expect(quietHoursWaitMs(night, 'Asia/Shanghai', at('2026-12-03T18:15:00Z'))).toBe(4.75 * HOUR);
    // The start is inside, the end is not.
    expect(quietHoursWaitMs(night, 'Asia/Shanghai', at('2026-12-03T14:00:00Z'))).toBe(9 * HOUR);
    expect(quietHoursWaitMs(night, 'Asia/Shanghai', at('2026-12-03T23:00:00Z'))).toBe(0);
    // Seconds count: 06:59:30 local waits 30 s.
    expect(quietHoursWaitMs(night, 'Asia/Shanghai', at('2026-12-03T22:59:30Z'))).toBe(30_000);
  });

  it('does not wait outside quiet hours, or without any', () => {
    expect(quietHoursWaitMs(night, 'Asia/Shanghai', at('2026-12-03T04:00:00Z'))).toBe(0); // 12:00
    expect(quietHoursWaitMs(night, 'Asia/Shanghai', at('2026-12-03T13:59:00Z'))).toBe(0); // 21:59
    expect(quietHoursWaitMs(null, 'Asia/Shanghai', at('2026-12-03T15:30:00Z'))).toBe(0);
  });

  it('reads the same instant in each user time zone', () => {
    const instant = at('2026-12-03T15:30:00Z'); // 23:30 Shanghai, 16:30 Berlin, 10:30 New York
    expect(quietHoursWaitMs(night, 'Asia/Shanghai', instant)).toBe(7.5 * HOUR);
    expect(quietHoursWaitMs(night, 'Europe/Berlin', instant)).toBe(0);
    expect(quietHoursWaitMs({ start: '09:00', end: '12:00' }, 'America/New_York', instant)).toBe(90 * MIN);
    expect(quietHoursWaitMs({ start: '09:00', end: '12:00' }, 'Asia/Shanghai', instant)).toBe(0);
  });

  it('handles quiet hours within one day', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(quietHoursWaitMs(lunch, 'UTC', at('2026-12-03T12:00:00Z'))).toBe(90 * MIN);
    expect(quietHoursWaitMs(lunch, 'UTC', at('2026-12-03T13:30:00Z'))).toBe(0);
    expect(quietHoursWaitMs(lunch, 'UTC', at('2026-12-03T11:59:59Z'))).toBe(0);
  });

  it('counts daylight-saving changes in the night', () => {
    // Berlin, night of 28–29 March 2026: clocks go from 02:00 to 03:00. 23:00 CET (22:00 UTC) to
    // 07:00 CEST (05:00 UTC) is 7 hours, not 8.
    expect(quietHoursWaitMs(night, 'Europe/Berlin', at('2026-03-28T22:00:00Z'))).toBe(7 * HOUR);
    // Night of 24–25 October 2026: clocks go back, 23:00 CEST (21:00 UTC) to 07:00 CET (06:00 UTC) is 9.
    expect(quietHoursWaitMs(night, 'Europe/Berlin', at('2026-10-24T21:00:00Z'))).toBe(9 * HOUR);
    // An end inside the spring gap (02:30 does not exist that night): the first minute after it.
    const gap = { start: '01:00', end: '02:30' };
    const wait = quietHoursWaitMs(gap, 'Europe/Berlin', at('2026-03-29T00:30:00Z')); // 01:30 CET
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(HOUR);
  });
});
