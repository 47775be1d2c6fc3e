import { SimDevice } from './device';
import { CliSession, createShell, PAGE_LINES } from './session';
import type { LabDeviceInfo } from './types';
import type { Platform } from '../../../libs/common/src/platforms';

function setup(platform: Platform, name = `t-${platform}`) {
  const info: LabDeviceInfo = {
    name,
    platform,
    host: '127.0.0.1',
    port: 0,
    username: 'admin',
    password: 'admin123',
    enableSecret: 'enable123',
    hostname: name,
  };
  const device = new SimDevice(info);
  const sink = {
    out: '',
    ended: false,
    destroyed: false,
    write: (d: string) => void (sink.out += d),
    end: () => void (sink.ended = true),
    destroy: () => void (sink.destroyed = true),
  };
  const session = new CliSession(createShell(device, 'admin'), device, sink);
  /** Types keys and returns what the device printed in response. */
  const type = (keys: string): string => {
    const mark = sink.out.length;
    session.input(keys);
    return sink.out.slice(mark);
  };
  return { device, sink, session, type };
}

describe('CliSession (no sockets)', () => {
  afterEach(() => jest.useRealTimers());

  it('IOS: banner, echo, enable, paging and pager keys', () => {
    const { sink, session, type } = setup('cisco_ios', 'R1');
    session.start();
    expect(sink.out).toMatch(/Authorized access only[\s\S]*\r\nR1>$/);
    expect(type('enable\r')).toBe('enable\r\nPassword: ');
    expect(type('bad\r')).toBe('\r\n% Access denied\r\n\r\nR1>');
    type('enable\r');
    expect(type('enable123\r')).toBe('\r\nR1#');
    const page = type('show interfaces\r');
    expect(page.endsWith('\r\n --More-- ')).toBe(true);
    expect(page.split('\r\n')).toHaveLength(PAGE_LINES + 2);
    const next = type(' ');
    expect(next.startsWith('\b'.repeat(10) + ' '.repeat(10) + '\b'.repeat(10))).toBe(true);
    expect(type('q').endsWith('R1#')).toBe(true);
    expect(type('term len 0\r')).toBe('term len 0\r\nR1#');
    expect(type('show interfaces\r')).not.toContain('--More--');
  });

  it('IOS: backspace editing, invalid/incomplete/ambiguous commands', () => {
    const { session, type } = setup('cisco_ios', 'R1');
    session.start();
    expect(type('shox\x7fw bogus\r')).toBe(
      "shox\b \bw bogus\r\n        ^\r\n% Invalid input detected at '^' marker.\r\n\r\nR1>",
    );
    expect(type('show\r')).toContain('% Incomplete command.');
    expect(type('co\r')).toContain('% Ambiguous command:  "co"');
  });

  it('IOS: configuration changes the running config and the prompt', () => {
    const { device, session, type } = setup('cisco_ios', 'R1');
    session.start();
    type('enable\renable123\r');
    expect(type('conf t\r')).toMatch(/R1\(config\)#$/);
    expect(
      type('interface Gi1/0/1\r').endsWith('R1(config-if)#') ||
        type('interface Gi0/1\r').endsWith('R1(config-if)#'),
    ).toBe(true);
    type('description changed-by-test\r');
    type('shutdown\r');
    expect(type('vlan 345\r')).toMatch(/R1\(config-vlan\)#$/);
    type('name TEST-VLAN\r');
    expect(type('hostname CORE1\r')).toMatch(/CORE1\(config\)#$/);
    type('snmp-server community s3cret RO\r');
    type('end\r');
    const config = device.runningConfig();
    expect(config).toMatch(/ description changed-by-test\n( .*\n)* shutdown\n!/);
    expect(config).toContain('vlan 345\n name TEST-VLAN\n!');
    expect(config).toContain('hostname CORE1');
    expect(config).toContain('snmp-server community s3cret RO');
    type('conf t\r');
    type('no snmp-server community s3cret\r');
    type('end\r');
    expect(device.runningConfig()).not.toContain('s3cret');
  });

  it('Huawei: super, system-view, undo shutdown, sysname', () => {
    const { device, session, type } = setup('huawei', 'HW1');
    session.start();
    expect(type('super\r')).toBe('super\r\nPassword:');
    expect(type('enable123\r')).toContain('Now user privilege is 3 level');
    expect(type('system-view\r')).toMatch(/\[HW1\]$/);
    const port = device.profile.interfaces[1]!.name;
    expect(type(`interface ${port}\r`)).toContain(`[HW1-${port}]`);
    type('shutdown\r');
    expect(device.runningConfig()).toMatch(new RegExp(`interface ${port}\\n( .*\\n)* shutdown\\n#`));
    type('undo shutdown\r');
    expect(device.runningConfig()).not.toMatch(new RegExp(`interface ${port}\\n( .*\\n)* shutdown\\n#`));
    expect(type('sysname HW2\r')).toMatch(/\[HW2\]$/);
    expect(type('bogus\r')).toBe(
      "bogus\r\n     ^\r\nError: Unrecognized command found at '^' position.\r\n[HW2]",
    );
  });

  it('Junos: set + commit changes show configuration; exit discards uncommitted changes', () => {
    const { device, session, type } = setup('juniper_junos', 'mx1');
    session.start();
    expect(type('configure\r')).toBe('configure\r\nEntering configuration mode\r\n\r\n[edit]\r\nadmin@mx1# ');
    type('set snmp location lab-rack-7\r');
    expect(device.runningConfig()).not.toContain('lab-rack-7');
    expect(type('commit\r')).toContain('commit complete');
    expect(device.runningConfig()).toContain('    location lab-rack-7;');
    type('delete snmp location\r');
    expect(type('exit\r')).toContain('Exiting configuration mode');
    expect(device.runningConfig()).toContain('lab-rack-7');
    expect(type('bogus\r')).toBe('bogus\r\n           ^\r\nunknown command.\r\n\r\nadmin@mx1> ');
  });

  it('Linux: sudo with retries, hostnamectl changes the prompt, exit logs out', () => {
    const { sink, session, type } = setup('linux', 'srv1');
    session.start();
    expect(type('sudo -s\r')).toBe('sudo -s\r\n[sudo] password for admin: ');
    expect(type('wrong\r')).toBe('\r\nSorry, try again.\r\n[sudo] password for admin: ');
    expect(type('enable123\r')).toBe('\r\nroot@srv1:/home/admin# ');
    type('hostnamectl set-hostname srv2\r');
    expect(type('exit\r')).toBe('exit\r\nexit\r\nadmin@srv2:~$ ');
    type('exit\r');
    expect(sink.ended).toBe(true);
  });

  it('faults: hang stops output after the first real command, drop cuts and destroys, latency delays', () => {
    jest.useFakeTimers();
    const hung = setup('arista_eos', 'sw1');
    hung.device.faults = { hang: true };
    hung.session.start();
    expect(hung.type('terminal length 0\r')).toContain('sw1>');
    expect(hung.type('show version\r')).toBe('show version\r\n');
    expect(hung.type('\r')).toBe('');
    expect(hung.session.isHung).toBe(true);

    const dropped = setup('hp_comware', 'h3c');
    dropped.device.faults = { dropMidOutput: true };
    dropped.session.start();
    dropped.type('screen-length disable\r');
    expect(dropped.type('display version\r')).toContain('<h3c>');
    const cut = dropped.type('display current-configuration\r');
    expect(dropped.sink.destroyed).toBe(true);
    expect(cut.length).toBeLessThan(dropped.device.runningConfig().length * 0.6);

    const slow = setup('huawei', 'hw');
    slow.device.faults = { bannerDelayMs: 100, commandLatencyMs: 200 };
    slow.session.start();
    expect(slow.sink.out).toBe('');
    jest.advanceTimersByTime(100);
    expect(slow.sink.out.endsWith('<hw>')).toBe(true);
    expect(slow.type('display version\rdisplay clock\r')).toBe('display version\r\n');
    jest.advanceTimersByTime(199);
    expect(slow.sink.out.endsWith('display version\r\n')).toBe(true);
    jest.advanceTimersByTime(1);
    expect(slow.sink.out).toContain('Huawei Versatile Routing Platform Software');
    expect(slow.sink.out.endsWith('display clock\r\n')).toBe(true);
    jest.advanceTimersByTime(200);
    expect(slow.sink.out.endsWith('<hw>')).toBe(true);
    slow.session.close();
  });
});
