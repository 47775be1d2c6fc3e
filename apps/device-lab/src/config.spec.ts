import { BlockConfig, JunosConfig, renderItems, SEP } from './config';

describe('BlockConfig', () => {
  const make = (): BlockConfig =>
    new BlockConfig(
      [
        { head: 'hostname R1', children: null },
        { head: SEP, children: null },
        { head: 'interface Gi0/1', children: ['description old'] },
        { head: 'ntp server 10.0.0.1', children: null },
        { head: 'line vty 0 4', children: ['transport input ssh'] },
      ],
      ['line '],
    );

  it('replaces singletons, groups related lines and removes with no/undo', () => {
    const c = make();
    c.setGlobal('hostname R2');
    c.setGlobal('ntp server 10.0.0.2');
    c.setGlobal('snmp-server community public RO');
    const iface = c.block('interface Gi0/1')!;
    c.setChild(iface, 'description new one', 'no');
    c.setChild(iface, 'shutdown', 'no');
    c.setChild(iface, 'ip address 10.1.1.1 255.255.255.0', 'no');
    const out: string[] = [];
    renderItems(c.items, 'ios', out);
    expect(out).toEqual([
      'hostname R2',
      '!',
      'interface Gi0/1',
      ' description new one',
      ' ip address 10.1.1.1 255.255.255.0',
      ' shutdown',
      '!',
      'ntp server 10.0.0.1',
      'ntp server 10.0.0.2',
      '!',
      'snmp-server community public RO',
      '!',
      'line vty 0 4',
      ' transport input ssh',
      '!',
    ]);
    c.removeChild(iface, 'shutdown');
    expect(c.removeGlobal('ntp server 10.0.0.1')).toBe(true);
    expect(c.removeGlobal('ntp server 10.9.9.9')).toBe(false);
    expect(iface.children).not.toContain('shutdown');
    expect(c.items.map((i) => i.head)).not.toContain('ntp server 10.0.0.1');
  });

  it('renders VRP with # separators and Comware with indented globals', () => {
    const out: string[] = [];
    renderItems(make().items, 'comware', out);
    expect(out.slice(0, 4)).toEqual([' hostname R1', '#', 'interface Gi0/1', ' description old']);
  });
});

describe('JunosConfig', () => {
  it('renders set statements as the curly-brace hierarchy and deletes subtrees', () => {
    const c = new JunosConfig(['version 21.4R3-S5', 'system host-name mx1']);
    c.set('interfaces ge-0/0/1 description "to core"');
    c.set('interfaces ge-0/0/1 unit 0 family inet address 10.0.0.1/30');
    c.set('system host-name mx2');
    const out: string[] = [];
    c.render(out);
    expect(out.join('\n')).toBe(
      [
        'version 21.4R3-S5;',
        'system {',
        '    host-name mx2;',
        '}',
        'interfaces {',
        '    ge-0/0/1 {',
        '        description "to core";',
        '        unit 0 {',
        '            family inet {',
        '                address 10.0.0.1/30;',
        '            }',
        '        }',
        '    }',
        '}',
      ].join('\n'),
    );
    expect(c.delete('interfaces ge-0/0/1')).toBe(true);
    expect(c.delete('interfaces ge-0/0/9')).toBe(false);
    expect(c.statements).toEqual(['version 21.4R3-S5', 'system host-name mx2']);
  });
});
