import { SwitchboardError } from '../../common/src/errors';
import { fixture } from './fixtures.testing';
import { enterConfig, exitConfig, negate, planPush, planRestore } from './plan';

describe('enterConfig / exitConfig', () => {
  it('uses each vendor’s configuration mode commands', () => {
    expect([enterConfig('cisco_ios'), exitConfig('cisco_ios')]).toEqual([['configure terminal'], ['end']]);
    expect([enterConfig('arista_eos'), exitConfig('arista_eos')]).toEqual([['configure terminal'], ['end']]);
    expect([enterConfig('huawei'), exitConfig('huawei')]).toEqual([['system-view'], ['return']]);
    expect([enterConfig('hp_comware'), exitConfig('hp_comware')]).toEqual([['system-view'], ['return']]);
    expect([enterConfig('juniper_junos'), exitConfig('juniper_junos')]).toEqual([
      ['configure'],
      ['commit', 'exit'],
    ]);
    expect([enterConfig('linux'), exitConfig('linux')]).toEqual([[], []]);
  });
});

describe('negate', () => {
  it.each([
    ['cisco_ios', 'ntp server 10.0.0.1', 'no ntp server 10.0.0.1'],
    ['cisco_ios', 'no ip http server', 'ip http server'],
    ['cisco_ios', 'description to core', 'no description'],
    ['cisco_ios', 'username bob privilege 15 secret 5 $1$x', 'no username bob'],
    ['arista_eos', 'snmp-server community public ro', 'no snmp-server community public'],
    ['huawei', 'ntp-service unicast-server 10.0.0.1', 'undo ntp-service unicast-server 10.0.0.1'],
    ['huawei', 'undo portswitch', 'portswitch'],
    ['hp_comware', 'description uplink', 'undo description'],
    ['juniper_junos', 'system ntp server 10.0.0.1', 'delete system ntp server 10.0.0.1'],
  ] as const)('%s: %s → %s', (platform, line, expected) => {
    expect(negate(platform, line)).toBe(expected);
  });
});

describe('planRestore (fixtures)', () => {
  it('IOS: negates extras, restores lines in their block, exits each block', () => {
    expect(planRestore('cisco_ios', fixture('ios-current.cfg'), fixture('ios-backup.cfg'))).toEqual([
      'no vlan 20',
      'no logging host 10.0.0.6',
      'no ntp server 10.0.0.2',
      'interface GigabitEthernet0/1',
      'description uplink',
      'exit',
      'interface GigabitEthernet0/2',
      'no description',
      'shutdown',
      'exit',
      'ip access-list extended MGMT',
      'no permit tcp 10.9.0.0 0.0.0.255 any eq 22',
      'exit',
      'logging host 10.0.0.5',
    ]);
  });

  it('is empty when only volatile lines differ', () => {
    expect(planRestore('cisco_ios', fixture('ios-backup-later.cfg'), fixture('ios-backup.cfg'))).toEqual([]);
  });

  it('EOS: nested blocks are entered and left level by level', () => {
    expect(planRestore('arista_eos', fixture('eos-current.cfg'), fixture('eos-backup.cfg'))).toEqual([
      'router bgp 65001',
      'no neighbor 10.0.0.3 remote-as 65003',
      'address-family ipv4',
      'no neighbor 10.0.0.3 activate',
      'exit',
      'exit',
    ]);
  });

  it('Huawei: undo, quit, and vlan batch compared as VLAN ids', () => {
    expect(planRestore('huawei', fixture('huawei-current.cfg'), fixture('huawei-backup.cfg'))).toEqual([
      'interface GigabitEthernet0/0/1',
      'port default vlan 10',
      'quit',
      'interface GigabitEthernet0/0/2',
      'shutdown',
      'quit',
      'undo vlan batch 30',
    ]);
    expect(planRestore('huawei', fixture('huawei-backup.cfg'), fixture('huawei-current.cfg'))[0]).toBe(
      'vlan batch 30',
    );
  });

  it('Comware: top-level lines indented after #', () => {
    expect(planRestore('hp_comware', fixture('comware-current.cfg'), fixture('comware-backup.cfg'))).toEqual([
      'undo snmp-agent community write private',
      'interface GigabitEthernet1/0/1',
      'undo shutdown',
      'quit',
    ]);
  });

  it('Junos: delete the outermost extra container, replace single-valued leaves with set', () => {
    expect(planRestore('juniper_junos', fixture('junos-current.cfg'), fixture('junos-backup.cfg'))).toEqual([
      'delete system ntp server 10.0.0.2',
      'delete interfaces ge-0/0/1 unit 0',
      'set interfaces ge-0/0/0 description uplink',
      'set interfaces ge-0/0/1 disable',
    ]);
  });

  it('exactOrder: false gives the minimal plan; true re-types lines the device would append out of order', () => {
    const backup = 'ntp server 10.0.0.1\nntp server 10.0.0.2\n';
    const current = 'ntp server 10.0.0.2\n';
    expect(planRestore('cisco_ios', current, backup, { exactOrder: false })).toEqual(['ntp server 10.0.0.1']);
    expect(planRestore('cisco_ios', current, backup)).toEqual([
      'no ntp server 10.0.0.2',
      'ntp server 10.0.0.1',
      'ntp server 10.0.0.2',
    ]);
  });

  it('empties a physical interface instead of deleting it', () => {
    expect(
      planRestore('cisco_ios', 'interface GigabitEthernet0/9\n description temp\n shutdown\n!\n', '!\n'),
    ).toEqual(['interface GigabitEthernet0/9', 'no description', 'no shutdown', 'exit']);
  });

  it('refuses linux', () => {
    expect(() => planRestore('linux', 'a', 'b')).toThrow(SwitchboardError);
    expect(() => planPush('linux', 'a', 'b')).toThrow(/no configuration mode/);
  });
});

describe('planPush (fixtures)', () => {
  it('IOS: only what is missing, with parent context', () => {
    const snippet = [
      'interface GigabitEthernet0/1',
      ' description uplink',
      ' switchport access vlan 10',
      '!',
      'ntp server 10.0.0.1',
      'ntp server 10.0.0.9',
      'vlan 30',
      ' name CAMERAS',
    ].join('\n');
    expect(planPush('cisco_ios', snippet, fixture('ios-current.cfg'))).toEqual([
      'interface GigabitEthernet0/1',
      'description uplink',
      'exit',
      'ntp server 10.0.0.9',
      'vlan 30',
      'name CAMERAS',
      'exit',
    ]);
    expect(
      planPush('cisco_ios', 'ntp server 10.0.0.2\nvlan 20\n name VOICE\n', fixture('ios-current.cfg')),
    ).toEqual([]);
  });

  it('Huawei: vlan batch pushes only the missing ids', () => {
    expect(planPush('huawei', 'vlan batch 20 to 22\n', fixture('huawei-backup.cfg'))).toEqual([
      'vlan batch 21 22',
    ]);
  });

  it('Junos: braces and set lines become set lines; delete lines only when the target exists', () => {
    const actual = fixture('junos-current.cfg');
    const braces =
      'interfaces {\n    ge-0/0/0 {\n        description uplink;\n    }\n}\nsnmp {\n    location lab;\n}\n';
    const expected = ['set interfaces ge-0/0/0 description uplink', 'set snmp location lab'];
    expect(planPush('juniper_junos', braces, actual)).toEqual(expected);
    expect(
      planPush(
        'juniper_junos',
        'set interfaces ge-0/0/0 description uplink\nset snmp   location lab\nset system ntp server 10.0.0.1\ndelete system ntp server 10.0.0.2\ndelete snmp community x',
        actual,
      ),
    ).toEqual(['delete system ntp server 10.0.0.2', ...expected]);
  });
});
