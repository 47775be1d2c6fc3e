import { PLATFORMS } from '../../../libs/common/src/platforms';
import { SimDevice } from './device';
import { DEFAULT_MIX_PLATFORMS, numberedSpecs, platformSequence } from './lab';
import { generateProfile } from './profile';
import { createShell } from './session';
import type { LabDeviceInfo } from './types';

const info = (name: string, platform: LabDeviceInfo['platform']): LabDeviceInfo => ({
  name,
  platform,
  host: '127.0.0.1',
  port: 0,
  username: 'admin',
  password: 'admin123',
  enableSecret: 'enable123',
  hostname: name,
});

function run(device: SimDevice, command: string): string {
  const shell = createShell(device, 'admin');
  shell.pagingOff = true;
  if ('privileged' in shell) (shell as { privileged: boolean }).privileged = true;
  return shell.execute(command).output;
}

describe('device profiles and outputs', () => {
  it('are deterministic per name and varied across names', () => {
    expect(generateProfile('r1', 'cisco_ios')).toEqual(generateProfile('r1', 'cisco_ios'));
    const serials = new Set(Array.from({ length: 50 }, (_, i) => generateProfile(`r${i}`, 'huawei').serial));
    expect(serials.size).toBe(50);
    expect(generateProfile('r1', 'cisco_ios', undefined, 7).serial).not.toBe(
      generateProfile('r1', 'cisco_ios').serial,
    );
  });

  it.each(PLATFORMS.filter((p) => p !== 'linux').map((p) => [p]))('%s has 8-48 interfaces', (platform) => {
    for (let i = 0; i < 30; i++) {
      const n = generateProfile(`d${i}`, platform).interfaces.length;
      expect(n).toBeGreaterThanOrEqual(8);
      expect(n).toBeLessThanOrEqual(48);
    }
  });

  it.each([
    [
      'cisco_ios',
      'show version',
      [
        /^Cisco IOS Software, C\w+ Software \(C\w+-UNIVERSALK9-M\), Version 15\.\d\(\d+\)\w+, RELEASE SOFTWARE/m,
        / uptime is /,
        /^System serial number\s+: FOC\w+$/m,
      ],
    ],
    [
      'huawei',
      'display version',
      [
        /^Huawei Versatile Routing Platform Software$/m,
        /^VRP \(R\) software, Version 5\.170 \(S57\d\d V200R0\d\dC10SPC[56]00\)$/m,
        /Routing Switch uptime is \d+ weeks?/,
      ],
    ],
    [
      'hp_comware',
      'display version',
      [/^H3C Comware Software, Version 7\.1\.070, Release 66\d\dP0\d$/m, /^H3C S5\S+ uptime is \d+ weeks/m],
    ],
    ['juniper_junos', 'show version', [/^Junos: 2\d\.\dR\d-S\d$/m, /^Model: \S+$/m]],
    [
      'arista_eos',
      'show version',
      [/^Arista (DCS|CCS)-\S+$/m, /^Software image version: 4\.\d\d\.\d[MF]$/m, /^Uptime: /m],
    ],
    ['linux', 'uname -a', [/^Linux lab-x \d\.\d+\.0-\d+-generic #\d+-Ubuntu SMP .* x86_64 GNU\/Linux$/]],
  ] as const)('%s %s looks like the vendor', (platform, command, patterns) => {
    const device = new SimDevice(info('lab-x', platform));
    const out = run(device, command);
    for (const re of patterns) expect(out).toMatch(re);
    expect(run(device, command)).toBe(out);
  });

  it('config texts carry the volatile lines a backup must ignore', () => {
    expect(new SimDevice(info('a', 'cisco_ios')).runningConfig()).toMatch(
      /^! Last configuration change at \d\d:\d\d:\d\d UTC \w{3} \w{3} \d+ \d{4} by admin$/m,
    );
    expect(new SimDevice(info('a', 'cisco_ios')).runningConfig()).toMatch(/^ntp clock-period \d+$/m);
    expect(new SimDevice(info('a', 'huawei')).runningConfig()).toMatch(
      /^!Software Version V200R0\d\dC10SPC\d00\n!Last configuration was updated at /,
    );
    expect(new SimDevice(info('a', 'juniper_junos')).runningConfig()).toMatch(
      /^## Last commit: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by admin\nversion /,
    );
    expect(new SimDevice(info('a', 'arista_eos')).runningConfig()).toMatch(
      /^! Command: show running-config\n! device: a \(/,
    );
  });

  it('pads the running config to largeOutputBytes with realistic blocks', () => {
    for (const platform of PLATFORMS) {
      const device = new SimDevice(info('big', platform));
      device.faults = { largeOutputBytes: 200_000 };
      const text = device.runningConfig();
      expect(text.length).toBeGreaterThanOrEqual(200_000);
      expect(text.length).toBeLessThan(400_000);
      expect(device.runningConfig()).toBe(text);
    }
  });

  it('spreads numbered devices round-robin by weight', () => {
    expect(platformSequence(6)).toEqual([...DEFAULT_MIX_PLATFORMS]);
    expect(platformSequence(PLATFORMS.length, Object.fromEntries(PLATFORMS.map((p) => [p, 1])))).toEqual([
      ...PLATFORMS,
    ]);
    const seq = platformSequence(10, { cisco_ios: 3, huawei: 1, linux: 1 });
    expect(seq.filter((p) => p === 'cisco_ios')).toHaveLength(6);
    expect(seq.slice(0, 5).sort()).toEqual(['cisco_ios', 'cisco_ios', 'cisco_ios', 'huawei', 'linux']);
    expect(numberedSpecs(3, { juniper_junos: 1 }).map((s) => s.name)).toEqual([
      'lab-juniper-junos-001',
      'lab-juniper-junos-002',
      'lab-juniper-junos-003',
    ]);
    expect(() => platformSequence(3, { nope: 1 } as never)).toThrow(/unknown platform "nope"/);
  });
});
