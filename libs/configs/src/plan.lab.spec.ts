/**
 * Plans checked against the simulated devices of apps/device-lab, driven through their CLI state
 * machine (no sockets): every planned line must be accepted, and the result must be the backup
 * byte for byte once volatile lines are dropped.
 */
import type { Platform } from '../../common/src/platforms';
import { compliance } from './compliance';
import { labCli } from './lab-cli.testing';
import type { LabCli } from './lab-cli.testing';
import { planPush, planRestore } from './plan';
import { contentHash, normaliseConfig } from './volatile';

interface Scenario {
  platform: Platform;
  /** Lines that must be in the backup for the changes below to mean what they say. */
  expects: (lab: LabCli) => string[];
  /** Configuration-mode lines that change the device after the backup. */
  changes: (lab: LabCli) => string[];
}

const scenarios: Scenario[] = [
  {
    platform: 'cisco_ios',
    expects: (lab) => [
      `ntp server ${lab.device.profile.ntpServers[0]}\nntp server ${lab.device.profile.ntpServers[1]}`,
      'vlan 40\n name PRINTERS\n!\nvlan 200',
      'interface GigabitEthernet0/3\n description to-dist-25\n switchport',
      'interface GigabitEthernet0/8\n switchport access vlan 300\n switchport mode access\n spanning-tree portfast\n shutdown',
    ],
    changes: (lab) => [
      'interface GigabitEthernet0/2',
      'description CHANGED',
      'shutdown',
      'exit',
      `no ntp server ${lab.device.profile.ntpServers[0]}`,
      'snmp-server community extra RO',
      'vlan 345',
      'name TEST',
      'exit',
      'interface Loopback9',
      'ip address 10.9.9.9 255.255.255.255',
      'exit',
      'interface GigabitEthernet0/8',
      'no shutdown',
      'description new-desc',
      'exit',
      'hostname CHANGED',
      'no vlan 40',
      'interface GigabitEthernet0/3',
      'no description',
      'exit',
    ],
  },
  {
    platform: 'huawei',
    expects: () => [
      'vlan batch 20 30 40 300 999',
      'interface GigabitEthernet0/0/3\n port link-type access\n port default vlan 300\n shutdown',
      'interface GigabitEthernet0/0/4\n description voip-phone-17\n port link-type access',
    ],
    changes: () => [
      'interface GigabitEthernet0/0/2',
      'description CHANGED',
      'shutdown',
      'quit',
      'vlan 77',
      'name SEVENTY',
      'quit',
      'snmp-agent community read extra',
      'sysname CHANGED',
      'interface LoopBack3',
      'ip address 10.3.3.3 255.255.255.255',
      'quit',
      'interface GigabitEthernet0/0/3',
      'undo shutdown',
      'quit',
      'interface GigabitEthernet0/0/4',
      'undo description',
      'quit',
      'ntp-service unicast-server 10.1.1.1',
      'undo vlan 30',
    ],
  },
  {
    platform: 'juniper_junos',
    expects: (lab) => [
      '    ge-0/0/2 {\n        disable;',
      '    ge-0/0/4 {\n        description uplink-core-01;',
      `        host ${lab.device.profile.loggingHost} {`,
      'snmp {\n    community ',
    ],
    changes: (lab) => [
      'set interfaces ge-0/0/1 description CHANGED',
      'set interfaces ge-0/0/3 disable',
      'set snmp location lab-rack-7',
      'delete interfaces ge-0/0/4 description',
      'delete interfaces ge-0/0/2 disable',
      'set interfaces ge-0/0/0 unit 0 family inet address 10.99.0.1/30',
      `delete system syslog host ${lab.device.profile.loggingHost}`,
      'set system host-name CHANGED',
      'set vlans NEW vlan-id 77',
      'delete snmp community',
    ],
  },
  {
    platform: 'arista_eos',
    expects: () => ['interface Ethernet3\n   description desk-36\n   switchport access vlan 10'],
    changes: () => [
      'interface Ethernet2',
      'description CHANGED',
      'shutdown',
      'exit',
      'vlan 345',
      'name TEST',
      'exit',
      'interface Loopback9',
      'ip address 10.9.9.9/32',
      'exit',
      'hostname CHANGED',
      'snmp-server community extra ro',
      'interface Ethernet3',
      'no description',
      'exit',
    ],
  },
  {
    platform: 'hp_comware',
    expects: () => ['interface GigabitEthernet1/0/3\n port link-mode bridge\n description uplink-core-02'],
    changes: () => [
      'interface GigabitEthernet1/0/2',
      'description CHANGED',
      'shutdown',
      'quit',
      'vlan 77',
      'name SEVENTY',
      'quit',
      'sysname CHANGED',
      'interface LoopBack3',
      'ip address 10.3.3.3 255.255.255.255',
      'quit',
      'snmp-agent community read extra',
      'interface GigabitEthernet1/0/3',
      'undo description',
      'quit',
    ],
  },
];

describe.each(scenarios)('$platform on the lab', ({ platform, expects, changes }) => {
  it('planRestore brings the running config back to the backup exactly', () => {
    const lab = labCli(platform, 'X1');
    const backup = lab.running();
    for (const fact of expects(lab)) expect(backup).toContain(fact);

    lab.configure(changes(lab));
    const current = lab.running();
    expect(normaliseConfig(platform, current)).not.toBe(normaliseConfig(platform, backup));

    const plan = planRestore(platform, current, backup);
    expect(plan.length).toBeGreaterThan(0);
    lab.configure(plan);

    const restored = lab.running();
    expect(normaliseConfig(platform, restored)).toBe(normaliseConfig(platform, backup));
    expect(contentHash(platform, restored)).toBe(contentHash(platform, backup));
    expect(planRestore(platform, restored, backup)).toEqual([]);
  });
});

const pushes: { platform: Platform; snippet: string }[] = [
  {
    platform: 'cisco_ios',
    snippet:
      'interface GigabitEthernet0/5\n description pushed-by-test\n shutdown\n!\nvlan 901\n name PUSHED\n!\nntp server 10.99.0.1\nlogging host 10.99.0.2\n',
  },
  {
    platform: 'huawei',
    snippet:
      '#\ninterface GigabitEthernet0/0/5\n description pushed-by-test\n shutdown\n#\nvlan 901\n name PUSHED\n#\nntp-service unicast-server 10.99.0.1\n#\n',
  },
  {
    platform: 'juniper_junos',
    snippet:
      'system {\n    ntp {\n        server 10.99.0.1;\n    }\n}\ninterfaces {\n    ge-0/0/5 {\n        description pushed-by-test;\n        disable;\n    }\n}\nsnmp {\n    location pushed-rack;\n}\n',
  },
  {
    platform: 'juniper_junos',
    snippet: 'set interfaces ge-0/0/6 description "pushed by test"\nset vlans PUSHED vlan-id 901\n',
  },
  {
    platform: 'arista_eos',
    snippet:
      'interface Ethernet5\n   description pushed-by-test\n!\nvlan 901\n   name PUSHED\n!\nntp server 10.99.0.1\n',
  },
  {
    platform: 'hp_comware',
    snippet:
      '#\ninterface GigabitEthernet1/0/5\n description pushed-by-test\n#\n ntp-service unicast-server 10.99.0.1\n#\n',
  },
  {
    // RGOS interface names carry a space; the SVI does not exist before the push.
    platform: 'ruijie_os',
    snippet:
      'interface GigabitEthernet 0/5\n description pushed-by-test\n shutdown\n!\ninterface VLAN 901\n description PUSHED\n!\nntp server 10.99.0.1\n',
  },
];

describe.each(pushes)('$platform on the lab: planPush', ({ platform, snippet }) => {
  it('pushes only what is missing; pushing again plans nothing', () => {
    const lab = labCli(platform, 'X1');
    const before = lab.running();
    const plan = planPush(platform, snippet, before);
    expect(plan.length).toBeGreaterThan(0);
    expect(compliance(platform, snippet, before).missing.length).toBeGreaterThan(0);

    lab.configure(plan);
    const after = lab.running();
    expect(compliance(platform, snippet, after).missing).toEqual([]);
    expect(planPush(platform, snippet, after)).toEqual([]);

    // And the push is undone by restoring the earlier running config.
    lab.configure(planRestore(platform, after, before));
    expect(normaliseConfig(platform, lab.running())).toBe(normaliseConfig(platform, before));
  });
});

describe('volatile lines on the lab', () => {
  it('IOS: a change and its revert leave the hash unchanged though the raw text differs', () => {
    const lab = labCli('cisco_ios', 'X1');
    const before = lab.running();
    lab.configure(['snmp-server community temp RO']);
    lab.configure(['no snmp-server community temp']);
    const after = lab.running();
    expect(after).not.toBe(before);
    expect(contentHash('cisco_ios', after)).toBe(contentHash('cisco_ios', before));
  });
});
