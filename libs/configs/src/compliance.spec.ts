import { compliance } from './compliance';
import { fixture } from './fixtures.testing';

describe('compliance', () => {
  const intended = [
    'interface GigabitEthernet0/1',
    ' description uplink',
    ' switchport access vlan 10',
    '!',
    'ntp server 10.0.0.1',
    'ntp server 10.0.0.9',
    'vlan 30',
    ' name CAMERAS',
  ].join('\n');

  it('IOS: missing lines under their parents, extra lines inside the blocks the snippet defines', () => {
    expect(compliance('cisco_ios', intended, fixture('ios-current.cfg'))).toEqual({
      compliant: false,
      missing: [
        { path: ['interface GigabitEthernet0/1'], line: 'description uplink' },
        { path: [], line: 'ntp server 10.0.0.9' },
        { path: [], line: 'vlan 30' },
        { path: ['vlan 30'], line: 'name CAMERAS' },
      ],
      extra: [
        { path: ['interface GigabitEthernet0/1'], line: 'description uplink-core' },
        { path: ['interface GigabitEthernet0/1'], line: 'switchport mode access' },
      ],
    });
  });

  it('IOS: top-level extras only when strict', () => {
    const strict = compliance('cisco_ios', intended, fixture('ios-current.cfg'), { strict: true });
    expect(strict.extra.filter((e) => e.path.length === 0).map((e) => e.line)).toEqual([
      'version 15.2',
      'hostname R1',
      'vlan 10',
      'vlan 20',
      'interface GigabitEthernet0/2',
      'ip access-list extended MGMT',
      'logging host 10.0.0.6',
      'ntp server 10.0.0.2',
    ]);
  });

  it('is compliant when the snippet is in place (order and volatile lines do not matter)', () => {
    const snippet =
      'ntp server 10.0.0.2\nntp server 10.0.0.1\ninterface GigabitEthernet0/2\n description spare\n';
    expect(compliance('cisco_ios', snippet, fixture('ios-current.cfg'))).toEqual({
      compliant: true,
      missing: [],
      extra: [],
    });
  });

  it('Huawei: blocks separated by #', () => {
    const snippet =
      '#\ninterface GigabitEthernet0/0/2\n shutdown\n#\nntp-service unicast-server 10.0.0.1\n#\n';
    expect(compliance('huawei', snippet, fixture('huawei-current.cfg'))).toEqual({
      compliant: false,
      missing: [{ path: ['interface GigabitEthernet0/0/2'], line: 'shutdown' }],
      extra: [],
    });
    expect(compliance('huawei', snippet, fixture('huawei-backup.cfg')).compliant).toBe(true);
  });

  it('Junos: braces and set lines give the same missing and extra statements', () => {
    const braces = 'interfaces {\n    ge-0/0/0 {\n        description uplink;\n    }\n}\n';
    const sets = 'set interfaces ge-0/0/0 description uplink\n';
    const expected = {
      compliant: false,
      missing: [{ path: ['interfaces', 'ge-0/0/0'], line: 'description uplink' }],
      extra: [
        { path: ['interfaces', 'ge-0/0/0'], line: 'description uplink-core' },
        { path: ['interfaces', 'ge-0/0/0', 'unit 0', 'family inet'], line: 'address 10.1.1.1/30' },
      ],
    };
    expect(compliance('juniper_junos', braces, fixture('junos-current.cfg'))).toEqual(expected);
    expect(compliance('juniper_junos', sets, fixture('junos-current.cfg'))).toEqual(expected);
  });

  it('Junos: a set line in a container that does not exist yet is missing, without extras', () => {
    expect(
      compliance(
        'juniper_junos',
        'set snmp location lab\nset system ntp server 10.0.0.1',
        fixture('junos-current.cfg'),
      ),
    ).toEqual({
      compliant: false,
      missing: [{ path: [], line: 'snmp location lab' }],
      extra: [{ path: ['system', 'ntp'], line: 'server 10.0.0.2' }],
    });
  });
});
