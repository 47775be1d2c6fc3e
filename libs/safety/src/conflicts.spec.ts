import type { TaskDefinition } from '../../tasks/src/definition';
import {
  DEFAULT_RUN_DURATION_MS,
  MAX_TIMEOUT_ESTIMATE_MS,
  describeEstimate,
  devicesWithoutOpening,
  estimateDuration,
  findOverlaps,
  formatDuration,
  listSome,
  median,
  referencedSteps,
  resolveDeviceTarget,
  taskFootprint,
} from './conflicts';
import { devicesWindowState, type MaintenanceWindow } from './windows';

const at = (iso: string) => new Date(iso);
const min = 60_000;
const hourly = (fromIso: string, n: number, everyMs = 3600_000) =>
  Array.from({ length: n }, (_, i) => new Date(Date.parse(fromIso) + i * everyMs));

describe('findOverlaps', () => {
  it('finds runs fired at the same times', () => {
    const times = hourly('2026-11-28T00:00:00Z', 5);
    const found = findOverlaps(
      { fireTimes: times, durationMs: 10 * min },
      { fireTimes: times, durationMs: 5 * min },
    );
    expect(found).toHaveLength(3);
    expect(found[0]).toEqual({
      start: at('2026-11-28T00:00:00Z'),
      end: at('2026-11-28T00:05:00Z'),
      a: at('2026-11-28T00:00:00Z'),
      b: at('2026-11-28T00:00:00Z'),
    });
    expect(found.map((o) => o.start.toISOString())).toEqual([
      '2026-11-28T00:00:00.000Z',
      '2026-11-28T01:00:00.000Z',
      '2026-11-28T02:00:00.000Z',
    ]);
  });

  it('finds a run that starts while the other is still going, in either order', () => {
    const a = { fireTimes: [at('2026-11-28T02:00:00Z')], durationMs: 30 * min };
    const b = { fireTimes: [at('2026-11-28T02:20:00Z')], durationMs: 30 * min };
    const ab = findOverlaps(a, b);
    expect(ab).toEqual([
      {
        start: at('2026-11-28T02:20:00Z'),
        end: at('2026-11-28T02:30:00Z'),
        a: a.fireTimes[0],
        b: b.fireTimes[0],
      },
    ]);
    const ba = findOverlaps(b, a);
    expect(ba[0].start).toEqual(at('2026-11-28T02:20:00Z'));
    expect(ba[0].end).toEqual(at('2026-11-28T02:30:00Z'));
  });

  it('does not count runs that only touch, or are apart', () => {
    const a = { fireTimes: [at('2026-11-28T02:00:00Z')], durationMs: 20 * min };
    expect(findOverlaps(a, { fireTimes: [at('2026-11-28T02:20:00Z')], durationMs: min })).toEqual([]);
    expect(findOverlaps(a, { fireTimes: [at('2026-11-28T05:00:00Z')], durationMs: min })).toEqual([]);
    expect(findOverlaps(a, { fireTimes: [], durationMs: min })).toEqual([]);
  });

  it('returns the earliest overlaps first, at most `limit`', () => {
    // a every hour from 00:00, b every 90 min from 00:30; runs of 40 min.
    const a = { fireTimes: hourly('2026-11-28T00:00:00Z', 24), durationMs: 40 * min };
    const b = { fireTimes: hourly('2026-11-28T00:30:00Z', 16, 90 * min), durationMs: 40 * min };
    const found = findOverlaps(a, b, 2);
    expect(found.map((o) => [o.start.toISOString(), o.end.toISOString()])).toEqual([
      ['2026-11-28T00:30:00.000Z', '2026-11-28T00:40:00.000Z'],
      ['2026-11-28T01:00:00.000Z', '2026-11-28T01:10:00.000Z'],
    ]);
    expect(findOverlaps(a, b, 0)).toEqual([]);
  });

  it('finds the earliest overlap even when the first runs of a do not overlap anything', () => {
    const a = { fireTimes: hourly('2026-11-28T00:00:00Z', 48), durationMs: 5 * min };
    const b = { fireTimes: [at('2026-11-29T10:02:00Z'), at('2026-11-29T20:00:00Z')], durationMs: 5 * min };
    expect(findOverlaps(a, b).map((o) => o.start.toISOString())).toEqual([
      '2026-11-29T10:02:00.000Z',
      '2026-11-29T20:00:00.000Z',
    ]);
  });

  it('handles runs longer than the interval between firings (runs of one schedule overlap each other)', () => {
    const a = { fireTimes: hourly('2026-11-28T00:00:00Z', 3), durationMs: 150 * min };
    const b = { fireTimes: [at('2026-11-28T02:10:00Z')], durationMs: 10 * min };
    const found = findOverlaps(a, b, 5);
    expect(found.map((o) => o.a.toISOString())).toEqual([
      '2026-11-28T00:00:00.000Z',
      '2026-11-28T01:00:00.000Z',
      '2026-11-28T02:00:00.000Z',
    ]);
    expect(found.every((o) => o.start.getTime() === Date.parse('2026-11-28T02:10:00Z'))).toBe(true);
  });
});

describe('estimateDuration', () => {
  const definition = (timeouts: (number | undefined)[]) =>
    ({
      steps: timeouts.map((t, i) => ({
        id: `s${i}`,
        kind: 'sleep',
        params: {},
        dependsOn: [],
        continueOnError: false,
        timeoutSeconds: t,
      })),
    }) as Pick<TaskDefinition, 'steps'>;

  it('takes the median of past runs first', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(estimateDuration([60_000, 180_000, 120_000], definition([600]))).toEqual({
      ms: 120_000,
      source: 'history',
      runs: 3,
    });
  });

  it('uses at most 20 past runs, and never less than a second', () => {
    const past = [...Array.from({ length: 20 }, () => 1000), ...Array.from({ length: 30 }, () => 999_999)];
    expect(estimateDuration(past, null)).toMatchObject({ ms: 1000, runs: 20 });
    expect(estimateDuration([0], null).ms).toBe(1000);
  });

  it('falls back to the sum of step timeouts, capped, then to 10 minutes', () => {
    expect(estimateDuration([], definition([120, undefined, 60]))).toEqual({
      ms: 180_000,
      source: 'timeouts',
    });
    expect(estimateDuration([], definition([86_400, 86_400]))).toEqual({
      ms: MAX_TIMEOUT_ESTIMATE_MS,
      source: 'timeouts',
    });
    expect(estimateDuration([], definition([undefined]))).toEqual({
      ms: DEFAULT_RUN_DURATION_MS,
      source: 'default',
    });
    expect(estimateDuration([NaN, -5], null)).toEqual({ ms: DEFAULT_RUN_DURATION_MS, source: 'default' });
  });

  it('says which estimate it is', () => {
    expect(describeEstimate({ ms: 120_000, source: 'history', runs: 3 })).toBe(
      'about 2 min (median of its last 3 finished runs)',
    );
    expect(describeEstimate({ ms: DEFAULT_RUN_DURATION_MS, source: 'default' })).toBe(
      'about 10 min (default; no finished runs and no step timeouts)',
    );
    expect(describeEstimate({ ms: MAX_TIMEOUT_ESTIMATE_MS, source: 'timeouts' })).toMatch(
      /^about 6 h \(sum of its step timeouts, capped at 6 h; no finished runs yet\)$/,
    );
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(90 * min)).toBe('1 h 30 min');
  });
});

describe('devicesWithoutOpening', () => {
  const now = at('2026-11-28T12:00:00Z'); // a Saturday
  const until = at('2026-12-05T12:00:00Z');
  const weekly = (cron: string): MaintenanceWindow => ({
    name: cron,
    cron,
    durationSeconds: 3600,
    timezone: 'UTC',
    startAt: null,
    endAt: null,
  });
  const once = (start: string, end: string): MaintenanceWindow => ({
    name: `${start}`,
    cron: null,
    durationSeconds: null,
    timezone: 'UTC',
    startAt: at(start),
    endAt: at(end),
  });

  it('ignores devices no window covers (they need none), and devices inside a window now', () => {
    const map = new Map([
      ['free', []],
      ['open', [once('2026-11-28T11:00:00Z', '2026-11-28T13:00:00Z')]],
    ]);
    expect(devicesWithoutOpening(map, now, until)).toEqual([]);
  });

  it('reports a one-off window in the past: it never opens again', () => {
    const map = new Map([['sw1', [once('2026-11-01T00:00:00Z', '2026-11-01T02:00:00Z')]]]);
    expect(devicesWithoutOpening(map, now, until)).toEqual([{ device: 'sw1', opensAt: null }]);
    // As the guard sees it: closed, and never opens.
    expect(devicesWindowState(map, now)).toEqual({ open: false, opensAt: null, closed: ['sw1'] });
  });

  it('reports windows opening only after the horizon, with when they open', () => {
    const map = new Map([
      ['later', [once('2026-12-24T00:00:00Z', '2026-12-24T02:00:00Z')]],
      ['soon', [weekly('0 22 * * 6')]],
      // Two windows: one long gone, one in 3 days.
      [
        'either',
        [
          once('2026-11-01T00:00:00Z', '2026-11-01T02:00:00Z'),
          once('2026-12-01T00:00:00Z', '2026-12-01T01:00:00Z'),
        ],
      ],
    ]);
    expect(devicesWithoutOpening(map, now, until)).toEqual([
      { device: 'later', opensAt: at('2026-12-24T00:00:00Z') },
    ]);
    // A shorter horizon (a schedule that ends sooner) leaves out more.
    expect(devicesWithoutOpening(map, now, at('2026-11-28T20:00:00Z')).map((d) => d.device)).toEqual([
      'either',
      'later',
      'soon',
    ]);
  });

  it('yearly crons that open within the horizon are fine', () => {
    const map = new Map([
      ['b', [weekly('0 0 1 12 *')]],
      ['a', [weekly('0 0 1 1 *')]],
    ]);
    expect(devicesWithoutOpening(map, now, until)).toEqual([
      { device: 'a', opensAt: at('2027-01-01T00:00:00Z') },
    ]);
  });
});

describe('what a task touches', () => {
  const run = { id: 'r1', taskName: 't', taskVersion: 1 };
  const task = (steps: Partial<TaskDefinition['steps'][number]>[]): TaskDefinition =>
    ({
      name: 't',
      steps: steps.map((s) => ({ dependsOn: [], continueOnError: false, params: {}, ...s })),
    }) as TaskDefinition;

  it('finds the steps an expression reads', () => {
    expect(
      referencedSteps({ names: ['{{ steps.facts.output.devices }}', "{{ steps['pick'].output }}"] }),
    ).toEqual(['facts', 'pick']);
    expect(referencedSteps({ site: '{{ inputs.site }}', names: ['steps.a'] })).toEqual([]);
  });

  it('resolves a devices param against the inputs, keeping its type', () => {
    expect(resolveDeviceTarget({ site: '{{ inputs.site }}' }, { site: 'lab-a' }, run)).toEqual({
      selector: { site: 'lab-a' },
    });
    expect(resolveDeviceTarget('{{ inputs.target }}', { target: { names: ['sw1', 'sw2'] } }, run)).toEqual({
      selector: { names: ['sw1', 'sw2'] },
    });
  });

  it('reports devices that depend on outputs, or do not resolve, as unknown', () => {
    expect(resolveDeviceTarget({ names: '{{ steps.pick.output.json }}' }, {}, run)).toEqual({
      unknown: 'its devices depend on the output of step pick',
    });
    expect(resolveDeviceTarget({ site: '{{ inputs.site }}' }, {}, run).unknown).toMatch(
      /^its devices do not resolve: .*undefined variable "inputs.site"/,
    );
    expect(resolveDeviceTarget('{{ inputs.names }}', { names: ['a'] }, run)).toEqual({
      unknown: 'its devices param is not a device selector object',
    });
  });

  it('tells change steps (locks and windows) from read-only ones, with compensations and fan-outs', () => {
    const footprint = taskFootprint(
      task([
        {
          id: 'look',
          kind: 'ssh.commands',
          params: { devices: { site: '{{ inputs.site }}' }, commands: ['show run'] },
        },
        {
          id: 'push',
          kind: 'ssh.configure',
          params: { devices: { site: '{{ inputs.site }}' }, lines: ['vlan 5'] },
          compensate: {
            kind: 'ssh.configure',
            params: { devices: { site: '{{ inputs.site }}' }, lines: ['no vlan 5'] },
          },
        },
        {
          id: 'each',
          kind: 'fanout',
          params: { devices: { tags: ['core'] }, step: { kind: 'script', params: {} } },
        },
        { id: 'nap', kind: 'sleep', params: { seconds: 1 } },
        { id: 'later', kind: 'script', params: { devices: { names: '{{ steps.look.output.devices }}' } } },
      ]),
      { site: 'lab-a' },
      run,
    );
    expect(
      footprint.map(({ stepId, changes, guarded, compensation }) => ({
        stepId,
        changes,
        guarded,
        compensation,
      })),
    ).toEqual([
      { stepId: 'look', changes: false, guarded: false, compensation: false },
      { stepId: 'push', changes: true, guarded: true, compensation: false },
      { stepId: 'push#compensate', changes: true, guarded: true, compensation: true },
      // A fan-out of a change kind changes devices, but the guard does not lock for it.
      { stepId: 'each', changes: true, guarded: false, compensation: false },
      { stepId: 'later', changes: true, guarded: true, compensation: false },
    ]);
    expect(footprint[0].selector).toEqual({ site: 'lab-a' });
    expect(footprint[4].unknown).toBe('its devices depend on the output of step look');
  });
});

describe('listSome', () => {
  it('lists a few', () => {
    expect(listSome([])).toBe('');
    expect(listSome(['a'])).toBe('a');
    expect(listSome(['a', 'b', 'c'])).toBe('a, b and c');
    expect(listSome(['a', 'b', 'c', 'd'], 2)).toBe('a, b and 2 more');
  });
});
