import { verifyChange } from './verify';

const before = [
  'hostname R1',
  '!',
  'interface Gi0/1',
  ' description old',
  '!',
  'ntp server 10.0.0.1',
  '',
].join('\n');

describe('verifyChange', () => {
  const intended = ['interface Gi0/1', ' description uplink', 'ntp server 10.0.0.2'].join('\n');
  const pushed = ['interface Gi0/1', ' description uplink', 'exit', 'ntp server 10.0.0.2'];

  it('accepts a push that added exactly what was intended (replacing a single-valued line)', () => {
    const after = [
      'hostname R1',
      '!',
      'interface Gi0/1',
      ' description uplink',
      '!',
      'ntp server 10.0.0.1',
      'ntp server 10.0.0.2',
      '',
    ].join('\n');
    expect(verifyChange('cisco_ios', { before, after, intended, pushed })).toEqual({
      ok: true,
      missing: [],
      unexpected: [],
    });
  });

  it('reports intended lines that did not land', () => {
    const after = [
      'hostname R1',
      '!',
      'interface Gi0/1',
      ' description uplink',
      '!',
      'ntp server 10.0.0.1',
      '',
    ].join('\n');
    const result = verifyChange('cisco_ios', { before, after, intended, pushed });
    expect(result.ok).toBe(false);
    expect(result.missing).toEqual(['ntp server 10.0.0.2']);
  });

  it('reports anything else that changed meanwhile', () => {
    const after = [
      'hostname R1',
      '!',
      'interface Gi0/1',
      ' description uplink',
      '!',
      'ntp server 10.0.0.2',
      'logging host 10.9.9.9',
      '',
    ].join('\n');
    const result = verifyChange('cisco_ios', { before, after, intended, pushed });
    expect(result.ok).toBe(false);
    expect(result.unexpected).toEqual(
      expect.arrayContaining(['+ logging host 10.9.9.9', '- ntp server 10.0.0.1']),
    );
  });

  it('understands VRP vlan batch folding and Junos containers', () => {
    const vrpBefore = ['sysname HW1', '#', 'vlan batch 10 20', '#', ''].join('\n');
    const vrpAfter = [
      'sysname HW1',
      '#',
      'vlan batch 10 20 555',
      '#',
      'vlan 555',
      ' description x',
      '#',
      '',
    ].join('\n');
    const intended = 'vlan 555\n description x';
    const vrp = verifyChange('huawei', {
      before: vrpBefore,
      after: vrpAfter,
      intended,
      pushed: ['vlan 555', ' description x', 'quit'],
    });
    expect(vrp.unexpected).toEqual([]);
    const sneaky = verifyChange('huawei', {
      before: vrpBefore,
      after: vrpAfter.replace('vlan batch 10 20 555', 'vlan batch 10 555 900'),
      intended,
      pushed: [],
    });
    expect(sneaky.unexpected.sort()).toEqual(['+ vlan 900 (vlan batch)', '- vlan 20 (vlan batch)']);

    const junos = verifyChange('juniper_junos', {
      before: 'system {\n    host-name mx1;\n}\n',
      after: 'system {\n    host-name mx1;\n}\nvlans {\n    sb-change {\n        vlan-id 555;\n    }\n}\n',
      intended: 'set vlans sb-change vlan-id 555',
      pushed: ['set vlans sb-change vlan-id 555'],
    });
    expect(junos).toEqual({ ok: true, missing: [], unexpected: [] });
  });
});
