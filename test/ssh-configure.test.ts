import { DeviceLab, type LabDeviceInfo } from '../apps/device-lab/src';
import type { Platform } from '../libs/common/src/platforms';
import { SshSession } from '../libs/ssh/src';

/** Configuration mode through the driver, against the lab's stateful devices. */
const TWELVE_LINES: Record<Exclude<Platform, 'linux'>, (bad?: number) => string[]> = {
  cisco_ios: () => [
    'vlan 310',
    'name sb-users',
    'exit',
    'vlan 311',
    'name sb-voice',
    'exit',
    'ntp server 10.9.9.1',
    'ntp server 10.9.9.2',
    'logging host 10.9.9.3',
    'snmp-server community sb-ro RO',
    'vlan 312',
    'name sb-mgmt',
  ],
  arista_eos: () => TWELVE_LINES.cisco_ios(),
  ruijie_os: () => [
    'vlan 310',
    'name sb-users',
    'exit',
    'vlan 311',
    'name sb-voice',
    'exit',
    'ntp server 10.9.9.1',
    'ntp server 10.9.9.2',
    'logging server 10.9.9.3',
    'snmp-server community sb-ro ro',
    // RGOS names carry a space: the prompt becomes `RG1(config-if-VLAN 312)#`.
    'interface VLAN 312',
    'description sb-mgmt',
  ],
  huawei: () => [
    'vlan 310',
    'description sb-users',
    'quit',
    'vlan 311',
    'description sb-voice',
    'quit',
    'ntp-service unicast-server 10.9.9.1',
    'ntp-service unicast-server 10.9.9.2',
    'info-center loghost 10.9.9.3',
    'snmp-agent community read sb-ro',
    'vlan 312',
    'description sb-mgmt',
  ],
  hp_comware: () => TWELVE_LINES.huawei(),
  cisco_nxos: () => [
    'vlan 310',
    'name sb-users',
    'exit',
    'vlan 311',
    'name sb-voice',
    'exit',
    'ntp server 10.9.9.1 use-vrf management',
    'ntp server 10.9.9.2 use-vrf management',
    'logging server 10.9.9.3 5 use-vrf management',
    'snmp-server community sb-ro group network-operator',
    'vlan 312',
    'name sb-mgmt',
  ],
  aruba_aoscx: () => [
    'vlan 310',
    'name sb-users',
    'exit',
    'vlan 311',
    'name sb-voice',
    'exit',
    'ntp server 10.9.9.1',
    'ntp server 10.9.9.2',
    'logging 10.9.9.3',
    'snmp-server community sb-ro',
    'vlan 312',
    'name sb-mgmt',
  ],
  dell_os10: () => [
    'interface vlan310',
    'description sb-users',
    'exit',
    'interface vlan311',
    'description sb-voice',
    'exit',
    'ntp server 10.9.9.1',
    'ntp server 10.9.9.2',
    'logging server 10.9.9.3',
    'snmp-server community sb-ro ro',
    'interface vlan312',
    'description sb-mgmt',
  ],
  cisco_asa: () => [
    'object network sb-users',
    'host 10.9.9.10',
    'exit',
    'object network sb-voice',
    'host 10.9.9.11',
    'exit',
    'ntp server 10.9.9.1',
    'ntp server 10.9.9.2',
    'logging host management 10.9.9.3',
    'snmp-server community sb-ro',
    'object network sb-mgmt',
    'host 10.9.9.12',
  ],
  // Global commands typed in a sub-mode leave it, as on IOS: no `exit` lines, every line unique.
  cisco_xr: () => [
    'interface Loopback310',
    'description sb-users',
    'interface Loopback311',
    'description sb-voice',
    'ntp',
    'server 10.9.9.1',
    'server 10.9.9.2',
    'interface Loopback312',
    'description sb-mgmt',
    'logging 10.9.9.3 vrf default severity info',
    'snmp-server community sb-ro RO',
    'interface Loopback313',
  ],
  juniper_junos: () => [
    'set vlans sb-users vlan-id 310',
    'set vlans sb-voice vlan-id 311',
    'set vlans sb-mgmt vlan-id 312',
    'set system ntp server 10.9.9.1',
    'set system ntp server 10.9.9.2',
    'set system syslog host 10.9.9.3 any any',
    'set snmp community sb-ro authorization read-only',
    'set vlans sb-a vlan-id 313',
    'set vlans sb-b vlan-id 314',
    'set vlans sb-c vlan-id 315',
    'set vlans sb-d vlan-id 316',
    'set vlans sb-e vlan-id 317',
  ],
};

describe('SshSession.configure against the lab', () => {
  let lab: DeviceLab;
  beforeAll(async () => {
    lab = await DeviceLab.start({
      devices: 24,
      mix: {
        ruijie_os: 1,
        dell_os10: 1,
        aruba_aoscx: 1,
        cisco_asa: 1,
        cisco_ios: 1,
        arista_eos: 1,
        huawei: 1,
        hp_comware: 1,
        juniper_junos: 1,
        linux: 1,
        cisco_nxos: 1,
        cisco_xr: 1,
      },
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const open = (d: LabDeviceInfo) =>
    SshSession.open(
      {
        host: d.host,
        port: d.port,
        username: d.username,
        password: d.password,
        enableSecret: d.enableSecret,
        platform: d.platform as Platform,
      },
      { connectTimeoutMs: 5000, promptTimeoutMs: 5000, commandTimeoutMs: 5000 },
    );

  const devicesOf = (platform: string) => lab.devices().filter((d) => d.platform === platform);

  it.each(Object.keys(TWELVE_LINES))(
    '%s: applies every line and the running config shows them',
    async (platform) => {
      const [device] = devicesOf(platform);
      const before = lab.runningConfig(device.name);
      const session = await open(device);
      try {
        const result = await session.configure(TWELVE_LINES[platform as keyof typeof TWELVE_LINES]());
        expect(result.failed).toBeNull();
        expect(result.applied).toBe(12);
        expect(result.committed).toBe(platform === 'juniper_junos' || platform === 'cisco_xr');
      } finally {
        await session.close();
      }
      const after = lab.runningConfig(device.name);
      expect(after).not.toBe(before);
      expect(after).toContain('10.9.9.2');
      expect(after).toMatch(/sb-mgmt/);
    },
  );

  it.each(Object.keys(TWELVE_LINES))(
    '%s: stops at an invalid line 7 of 12 and sends nothing after it',
    async (platform) => {
      const [, device] = devicesOf(platform);
      const lines = TWELVE_LINES[platform as keyof typeof TWELVE_LINES]();
      lines[6] = 'bogus-command 1';
      const session = await open(device);
      let result;
      try {
        result = await session.configure(lines);
      } finally {
        await session.close();
      }
      expect(result.applied).toBe(6);
      expect(result.failed).toMatchObject({ index: 6, line: lines[6] });
      expect(result.failed!.error).toMatch(/Invalid input|Invalid command|Unrecognized command|syntax error/);
      const sent = lab.commandLog(device.name);
      for (const line of lines.slice(7)) expect(sent).not.toContain(line);
      // Junos and IOS XR discard the uncommitted candidate; the others applied lines 1-6 as they came.
      const config = lab.runningConfig(device.name);
      if (platform === 'juniper_junos' || platform === 'cisco_xr') expect(config).not.toContain('sb-users');
      else expect(config).toContain('sb-voice');
    },
  );

  it('cisco_xr: commit confirmed, then confirmCommit keeps the change', async () => {
    const [device] = devicesOf('cisco_xr');
    const sim = lab.simDevice(device.name);
    const session = await open(device);
    try {
      const result = await session.configure(['interface Loopback330', 'description sb-confirm'], {
        confirmSeconds: 120,
      });
      expect(result).toMatchObject({ failed: null, applied: 2, committed: true });
      expect(lab.commandLog(device.name)).toContain('commit confirmed 120');
      expect(sim.commitPending).toBe(true);
      expect(lab.runningConfig(device.name)).toContain('sb-confirm');
      expect(await session.confirmCommit()).toMatchObject({ failed: null, committed: true });
      expect(sim.commitPending).toBe(false);
      expect(lab.runningConfig(device.name)).toContain('sb-confirm');
    } finally {
      await session.close();
    }
  });

  it('commit confirmed is refused where the platform has no commit', async () => {
    const [device] = devicesOf('cisco_ios');
    const session = await open(device);
    try {
      await expect(session.configure(['ntp server 10.9.9.9'], { confirmSeconds: 60 })).rejects.toMatchObject({
        kind: 'UNKNOWN_PLATFORM',
      });
    } finally {
      await session.close();
    }
  });

  it('refuses configuration mode on linux', async () => {
    const [device] = devicesOf('linux');
    const session = await open(device);
    try {
      await expect(session.configure(['echo hi'])).rejects.toMatchObject({ kind: 'UNKNOWN_PLATFORM' });
    } finally {
      await session.close();
    }
  });
});
