import { SimDevice } from './device';
import { createShell } from './session';
import type { CommandResult } from './shells/base';
import { XR_UNCOMMITTED_QUESTION } from './shells/cisco';

/** IOS XR's candidate configuration in the lab: commit, commit confirmed, clear, abort, rollback. */
describe('IOS XR commit model', () => {
  const xr = () => {
    const device = new SimDevice({
      name: 'xr1',
      platform: 'cisco_xr',
      host: '127.0.0.1',
      port: 0,
      username: 'admin',
      password: 'admin123',
      enableSecret: 'enable123',
      hostname: 'xr1',
    });
    const shell = createShell(device, 'admin');
    const type = (...lines: string[]): CommandResult[] => lines.map((l) => shell.execute(l));
    return { device, shell, type };
  };

  afterEach(() => jest.useRealTimers());

  it('changes stay in the candidate until commit; clear and abort discard them', () => {
    const { device, shell, type } = xr();
    type('configure terminal', 'hostname XR-A');
    expect(device.hostname).toBe('xr1');
    type('clear', 'commit');
    expect(device.hostname).toBe('xr1');
    type('hostname XR-B', 'abort');
    expect(shell.prompt()).toBe('RP/0/RP0/CPU0:xr1#');
    type('configure terminal', 'hostname XR-C', 'commit', 'end');
    expect(device.hostname).toBe('XR-C');
    expect(shell.prompt()).toBe('RP/0/RP0/CPU0:XR-C#');
    expect(device.commits.map((c) => c.id)).toEqual([1000000001]);
  });

  it('asks before leaving with uncommitted changes', () => {
    const { device, type } = xr();
    const [, , , end] = type('configure terminal', 'ntp', 'server 10.1.2.3', 'end');
    expect(end!.password?.prompt).toBe(XR_UNCOMMITTED_QUESTION);
    expect(device.runningConfig()).not.toContain('10.1.2.3');
    end!.password!.check('yes');
    expect(device.runningConfig()).toMatch(/^ntp\n( server \S+\n)* server 10\.1\.2\.3$/m);
  });

  it('commit confirmed rolls back by itself unless a plain commit follows in time', () => {
    jest.useFakeTimers();
    const { device, type } = xr();
    type('configure terminal', 'hostname XR-TRY', 'commit confirmed 30', 'end');
    expect(device.hostname).toBe('XR-TRY');
    expect(device.commitPending).toBe(true);
    jest.advanceTimersByTime(30_000);
    expect(device.hostname).toBe('xr1');
    expect(device.commitPending).toBe(false);

    type('configure terminal', 'hostname XR-KEEP', 'commit confirmed 30', 'commit', 'end');
    jest.advanceTimersByTime(60_000);
    expect(device.hostname).toBe('XR-KEEP');
    expect(device.commits.map((c) => c.comment)).toEqual(['Confirmed', 'Rollback', 'Confirmed']);
  });

  it('refuses a commit with one address on two interfaces and keeps the running config', () => {
    const { device, type } = xr();
    const before = device.runningConfig();
    const taken = /ipv4 address (\S+) 255\.255\.255\.255/.exec(before)![1];
    const [, , , commit] = type(
      'configure terminal',
      'interface Loopback9',
      `ipv4 address ${taken} 255.255.255.255`,
      'commit',
    );
    expect(commit).toMatchObject({ kind: 'error' });
    expect(commit!.output).toMatch(/^% Failed to commit one or more configuration items/m);
    expect(device.runningConfig()).toBe(before);
  });

  it('rollback configuration last 1 returns to the configuration before the last commit', () => {
    const { device, type } = xr();
    const before = device.runningConfig().split('\n').slice(4).join('\n');
    type('configure terminal', 'interface Loopback7', 'description sb-rollback', 'commit', 'end');
    expect(device.runningConfig()).toContain('sb-rollback');
    const [rollback] = type('rollback configuration last 1');
    expect(rollback!.output).toContain('Configuration successfully rolled back 1 commits.');
    expect(device.runningConfig().split('\n').slice(4).join('\n')).toBe(before);
  });
});
