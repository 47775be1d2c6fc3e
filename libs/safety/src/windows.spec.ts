import { checkWindowSpec, devicesWindowState, windowState, type MaintenanceWindow } from './windows';

const weekly: MaintenanceWindow = {
  name: 'sat-night',
  cron: '0 22 * * 6', // Saturdays 22:00
  durationSeconds: 4 * 3600,
  timezone: 'Asia/Shanghai',
  startAt: null,
  endAt: null,
};

describe('windowState', () => {
  it('is open from the cron time for its duration, in its time zone', () => {
    // Saturday 2026-11-28 23:30 in Shanghai = 15:30 UTC.
    expect(windowState(weekly, new Date('2026-11-28T15:30:00Z'))).toEqual({
      open: true,
      opensAt: null,
      closesAt: new Date('2026-11-28T18:00:00Z'),
    });
    // Sunday 03:00 Shanghai: still open (22:00 + 4 h = 02:00)? No: closed since 02:00.
    expect(windowState(weekly, new Date('2026-11-28T19:00:00Z'))).toEqual({
      open: false,
      opensAt: new Date('2026-12-05T14:00:00Z'),
      closesAt: null,
    });
  });

  it('handles one-off windows', () => {
    const once = {
      ...weekly,
      cron: null,
      durationSeconds: null,
      startAt: new Date('2026-12-01T00:00:00Z'),
      endAt: new Date('2026-12-01T02:00:00Z'),
    };
    expect(windowState(once, new Date('2026-11-30T00:00:00Z'))).toMatchObject({
      open: false,
      opensAt: once.startAt,
    });
    expect(windowState(once, new Date('2026-12-01T01:00:00Z'))).toMatchObject({
      open: true,
      closesAt: once.endAt,
    });
    expect(windowState(once, new Date('2026-12-02T00:00:00Z'))).toEqual({
      open: false,
      opensAt: null,
      closesAt: null,
    });
  });
});

describe('devicesWindowState', () => {
  it('is open when every restricted device is in a window; unrestricted devices never wait', () => {
    const now = new Date('2026-11-28T15:30:00Z');
    const map = new Map([
      ['r1', [weekly]],
      ['r2', []],
    ]);
    expect(devicesWindowState(map, now)).toEqual({ open: true, opensAt: null, closed: [] });
    const later = new Date('2026-11-28T19:00:00Z');
    expect(devicesWindowState(map, later)).toEqual({
      open: false,
      opensAt: new Date('2026-12-05T14:00:00Z'),
      closed: ['r1'],
    });
  });

  it('says never when a closed device has no window that opens again', () => {
    const past = {
      ...weekly,
      cron: null,
      durationSeconds: null,
      startAt: new Date('2020-01-01Z'),
      endAt: new Date('2020-01-02Z'),
    };
    expect(devicesWindowState(new Map([['r1', [past]]]), new Date('2026-11-28Z'))).toEqual({
      open: false,
      opensAt: null,
      closed: ['r1'],
    });
  });
});

describe('checkWindowSpec', () => {
  it('names a bad time zone or cron expression', () => {
    expect(checkWindowSpec({ cron: '0 22 * * 6', timezone: 'Asia/Shanghai' })).toBeNull();
    expect(checkWindowSpec({ timezone: 'Mars/Olympus' })).toBe('timezone: unknown time zone "Mars/Olympus"');
    expect(checkWindowSpec({ cron: '61 * * * *' })).toMatch(/^cron: /);
    // An empty time zone is no time zone: refused, never stored (it made cron-parser throw later).
    expect(checkWindowSpec({ cron: '0 22 * * 6', timezone: '' })).toMatch(
      /^timezone: must be an IANA time zone/,
    );
    expect(checkWindowSpec({ timezone: '  ' })).toMatch(/^timezone: /);
  });

  it('keeps a window it cannot read closed for good instead of throwing', () => {
    const bad = {
      name: 'bad',
      cron: '0 22 * * 6',
      durationSeconds: 3600,
      timezone: '',
      startAt: null,
      endAt: null,
    };
    const state = windowState(bad, new Date('2026-12-05T23:00:00Z'));
    expect(state).toMatchObject({ open: false, opensAt: null, closesAt: null });
    expect(state.error).toBeTruthy();
    expect(devicesWindowState(new Map([['r1', [bad]]]), new Date())).toEqual({
      open: false,
      opensAt: null,
      closed: ['r1'],
    });
  });
});
