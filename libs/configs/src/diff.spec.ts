import { hierarchicalDiff, unifiedDiff } from './diff';
import { fixture } from './fixtures.testing';

describe('unifiedDiff', () => {
  it('IOS: standard unified diff of the normalised configs (volatile lines ignored)', () => {
    const diff = unifiedDiff(fixture('ios-backup.cfg'), fixture('ios-current.cfg'), {
      fromLabel: 'R1@backup',
      toLabel: 'R1@running',
      platform: 'cisco_ios',
    });
    expect(diff.split('\n')).toEqual([
      '--- R1@backup',
      '+++ R1@running',
      '@@ -6,19 +6,24 @@',
      ' vlan 10',
      '  name USERS',
      ' !',
      '+vlan 20',
      '+ name VOICE',
      '+!',
      ' interface GigabitEthernet0/1',
      '- description uplink',
      '+ description uplink-core',
      '  switchport access vlan 10',
      '  switchport mode access',
      ' !',
      ' interface GigabitEthernet0/2',
      '- shutdown',
      '+ description spare',
      ' !',
      ' ip access-list extended MGMT',
      '  permit tcp 10.0.0.0 0.0.0.255 any eq 22',
      '+ permit tcp 10.9.0.0 0.0.0.255 any eq 22',
      '  deny   ip any any log',
      ' !',
      '-logging host 10.0.0.5',
      '+logging host 10.0.0.6',
      ' ntp server 10.0.0.1',
      '+ntp server 10.0.0.2',
      ' !',
      ' end',
      '',
    ]);
  });

  it('honours the context size and splits hunks', () => {
    const diff = unifiedDiff(fixture('ios-backup.cfg'), fixture('ios-current.cfg'), {
      fromLabel: 'a',
      toLabel: 'b',
      context: 0,
      platform: 'cisco_ios',
    });
    expect(diff.split('\n').filter((l) => l.startsWith('@@'))).toEqual([
      '@@ -8,0 +9,3 @@',
      '@@ -10,1 +13,1 @@',
      '@@ -15,1 +18,1 @@',
      '@@ -18,0 +22,1 @@',
      '@@ -21,1 +25,1 @@',
      '@@ -22,0 +27,1 @@',
    ]);
  });

  it('is empty when configs differ only in volatile lines', () => {
    expect(
      unifiedDiff(fixture('ios-backup.cfg'), fixture('ios-backup-later.cfg'), {
        fromLabel: 'a',
        toLabel: 'b',
        platform: 'cisco_ios',
      }),
    ).toBe('');
  });

  it('Junos: diff of the brace hierarchy', () => {
    const diff = unifiedDiff(fixture('junos-backup.cfg'), fixture('junos-current.cfg'), {
      fromLabel: 'mx1@backup',
      toLabel: 'mx1@running',
      platform: 'juniper_junos',
    });
    expect(diff.split('\n').filter((l) => /^[-+]/.test(l))).toEqual([
      '--- mx1@backup',
      '+++ mx1@running',
      '+        server 10.0.0.2;',
      '-        description uplink;',
      '+        description uplink-core;',
      '-        disable;',
      '+        unit 0 {',
      '+            family inet {',
      '+                address 10.2.2.1/30;',
      '+            }',
      '+        }',
    ]);
  });
});

describe('hierarchicalDiff', () => {
  it('IOS: changes are reported under their block; new blocks with their contents', () => {
    expect(hierarchicalDiff('cisco_ios', fixture('ios-backup.cfg'), fixture('ios-current.cfg'))).toEqual([
      {
        path: [],
        added: ['vlan 20', 'logging host 10.0.0.6', 'ntp server 10.0.0.2'],
        removed: ['logging host 10.0.0.5'],
      },
      {
        path: ['interface GigabitEthernet0/1'],
        added: ['description uplink-core'],
        removed: ['description uplink'],
      },
      { path: ['interface GigabitEthernet0/2'], added: ['description spare'], removed: ['shutdown'] },
      {
        path: ['ip access-list extended MGMT'],
        added: ['permit tcp 10.9.0.0 0.0.0.255 any eq 22'],
        removed: [],
      },
      { path: ['vlan 20'], added: ['name VOICE'], removed: [] },
    ]);
  });

  it('is order-insensitive for siblings, order-sensitive inside ACLs', () => {
    const a =
      'interface Gi0/1\n description x\n shutdown\n!\nip access-list extended A\n permit ip any host 1.1.1.1\n deny ip any any\n!\nntp server 1\nntp server 2\n';
    const b =
      'ntp server 2\nntp server 1\n!\ninterface Gi0/1\n shutdown\n description x\n!\nip access-list extended A\n deny ip any any\n permit ip any host 1.1.1.1\n!\n';
    expect(hierarchicalDiff('cisco_ios', a, b)).toEqual([
      {
        path: ['ip access-list extended A'],
        added: ['permit ip any host 1.1.1.1'],
        removed: ['permit ip any host 1.1.1.1'],
      },
    ]);
  });

  it('EOS: nested blocks (router bgp / address-family)', () => {
    expect(hierarchicalDiff('arista_eos', fixture('eos-backup.cfg'), fixture('eos-current.cfg'))).toEqual([
      { path: ['router bgp 65001'], added: ['neighbor 10.0.0.3 remote-as 65003'], removed: [] },
      {
        path: ['router bgp 65001', 'address-family ipv4'],
        added: ['neighbor 10.0.0.3 activate'],
        removed: [],
      },
    ]);
  });

  it('Huawei: # separated sections', () => {
    expect(hierarchicalDiff('huawei', fixture('huawei-backup.cfg'), fixture('huawei-current.cfg'))).toEqual([
      { path: [], added: ['vlan batch 10 20 30'], removed: ['vlan batch 10 20'] },
      {
        path: ['interface GigabitEthernet0/0/1'],
        added: ['port default vlan 20'],
        removed: ['port default vlan 10'],
      },
      { path: ['interface GigabitEthernet0/0/2'], added: [], removed: ['shutdown'] },
    ]);
  });

  it('Comware: indented global lines after # are top level', () => {
    expect(
      hierarchicalDiff('hp_comware', fixture('comware-backup.cfg'), fixture('comware-current.cfg')),
    ).toEqual([
      { path: [], added: ['snmp-agent community write private'], removed: [] },
      { path: ['interface GigabitEthernet1/0/1'], added: ['shutdown'], removed: [] },
    ]);
  });

  it('Junos: paths follow the brace hierarchy', () => {
    expect(
      hierarchicalDiff('juniper_junos', fixture('junos-backup.cfg'), fixture('junos-current.cfg')),
    ).toEqual([
      { path: ['system', 'ntp'], added: ['server 10.0.0.2'], removed: [] },
      {
        path: ['interfaces', 'ge-0/0/0'],
        added: ['description uplink-core'],
        removed: ['description uplink'],
      },
      { path: ['interfaces', 'ge-0/0/1'], added: ['unit 0'], removed: ['disable'] },
      { path: ['interfaces', 'ge-0/0/1', 'unit 0'], added: ['family inet'], removed: [] },
      {
        path: ['interfaces', 'ge-0/0/1', 'unit 0', 'family inet'],
        added: ['address 10.2.2.1/30'],
        removed: [],
      },
    ]);
  });

  it('Linux: flat lines', () => {
    expect(
      hierarchicalDiff('linux', 'NAME="Ubuntu"\nVERSION_ID="22.04"\n', 'NAME="Ubuntu"\nVERSION_ID="24.04"\n'),
    ).toEqual([{ path: [], added: ['VERSION_ID="24.04"'], removed: ['VERSION_ID="22.04"'] }]);
  });

  it('is empty for equal configs', () => {
    expect(hierarchicalDiff('cisco_ios', fixture('ios-backup.cfg'), fixture('ios-backup-later.cfg'))).toEqual(
      [],
    );
  });
});
