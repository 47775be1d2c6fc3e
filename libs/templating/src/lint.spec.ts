import { SwitchboardError } from '../../common/src/errors';
import { lintConfig } from './lint';
import type { LintIssue } from './lint';

const rules = (issues: LintIssue[]) => issues.map((i) => `${i.line}:${i.rule}`);
const text = (...lines: string[]) => lines.join('\n') + '\n';

describe('lintConfig: whole text', () => {
  it('flags empty output, including comment-only output', () => {
    expect(rules(lintConfig('cisco_ios', '\n  \n'))).toEqual(['0:empty-output']);
    expect(rules(lintConfig('huawei', '#\n#\n'))).toEqual(['0:empty-output']);
    expect(rules(lintConfig('linux', ''))).toEqual(['0:empty-output']);
  });

  it('flags overly long lines and template residue', () => {
    const issues = lintConfig(
      'cisco_ios',
      text('hostname sw1', `description ${'x'.repeat(600)}`, 'hostname {{ x }}'),
    );
    expect(rules(issues)).toEqual(['2:line-too-long', '3:template-residue']);
    expect(rules(lintConfig('cisco_ios', text('hostname abcdef'), { maxLineLength: 10 }))).toEqual([
      '1:line-too-long',
    ]);
  });
});

describe('lintConfig: forbidden commands', () => {
  it.each([
    ['cisco_ios', 'reload in 5'],
    ['cisco_ios', 'do write erase'],
    ['cisco_ios', 'erase startup-config'],
    ['cisco_ios', 'format flash:'],
    ['cisco_ios', 'delete /force /recursive flash:/vlan.dat'],
    ['arista_eos', 'reload now'],
    ['huawei', 'reset saved-configuration'],
    ['huawei', 'reboot'],
    ['hp_comware', 'reset saved-configuration'],
    ['hp_comware', 'delete /unreserved flash:/startup.cfg'],
    ['juniper_junos', 'request system zeroize'],
    ['juniper_junos', 'delete'],
    ['linux', 'sudo rm -rf /'],
    ['linux', 'rm -fr /*'],
    ['linux', 'mkfs.ext4 /dev/sda1'],
  ] as const)('%s: "%s"', (platform, command) => {
    const issues = lintConfig(platform, text('! a harmless line', command));
    const hit = issues.find((i) => i.rule === 'forbidden-command');
    expect(hit).toMatchObject({ line: 2, severity: 'error' });
  });

  it('does not flag look-alikes or comments', () => {
    const ios = text(
      'hostname reload-sw',
      'interface Gi1/0/1',
      ' description reload test',
      '! reload',
      'alias exec rl reload',
    );
    expect(lintConfig('cisco_ios', ios).filter((i) => i.rule === 'forbidden-command')).toEqual([]);
    expect(lintConfig('juniper_junos', text('delete interfaces ge-0/0/1 disable'))).toEqual([]);
    expect(lintConfig('linux', text('rm -rf /tmp/build', '# rm -rf /'))).toEqual([]);
  });

  it('adds custom patterns, and can drop the defaults', () => {
    const config = text('hostname sw1', 'no aaa new-model', 'reload');
    expect(
      rules(lintConfig('cisco_ios', config, { forbiddenCommands: ['^no\\s+aaa\\s+new-model'] })),
    ).toEqual(['2:forbidden-command', '3:forbidden-command']);
    expect(rules(lintConfig('cisco_ios', config, { defaultForbidden: false }))).toEqual([]);
  });

  it('rejects a bad pattern as bad input naming it', () => {
    expect(() => lintConfig('cisco_ios', 'x', { forbiddenCommands: ['ok', '(unclosed'] })).toThrow(
      expect.objectContaining({
        fields: [expect.objectContaining({ field: 'forbiddenCommands[1]' })],
      }) as SwitchboardError,
    );
  });
});

describe('lintConfig: Junos braces', () => {
  it('accepts balanced hierarchy, ignoring braces in quotes and comments', () => {
    const config = text(
      'system {',
      '    host-name sw1; # {',
      '    /* a { comment',
      '       spanning } lines */',
      '    login {',
      '        message "welcome { to } sw1";',
      '    }',
      '}',
      'interfaces { ge-0/0/0 { unit 0 { family inet { address 10.0.0.1/30; } } } }',
      'vlans { users { vlan-id 10; } }',
      'policy-options { prefix-list p { apply-path "x"; } community c members [ 65000:1 65000:2 ]; }',
    );
    expect(lintConfig('juniper_junos', config)).toEqual([]);
  });

  it('reports an unclosed block where it opened, and a stray close where it is', () => {
    const open = text('system {', '    host-name sw1;', '    services {', '        ssh;', '}');
    expect(rules(lintConfig('juniper_junos', open))).toEqual(['1:unbalanced-braces']);
    const stray = text('system {', '    host-name sw1;', '}', '}');
    expect(rules(lintConfig('juniper_junos', stray))).toEqual(['4:unbalanced-braces']);
  });

  it('reports unbalanced brackets and mixed styles', () => {
    expect(rules(lintConfig('juniper_junos', text('set vlans v members [ 10 20')))).toEqual([
      '1:unbalanced-brackets',
    ]);
    expect(
      rules(lintConfig('juniper_junos', text('set system host-name a', 'system { host-name b; }'))),
    ).toEqual(['0:junos-mixed-style']);
  });
});

describe('lintConfig: IOS/EOS blocks', () => {
  it('accepts running-config style and flat style with explicit exits', () => {
    const indented = text(
      'hostname sw1',
      '!',
      'interface Gi1/0/1',
      ' description x',
      ' exit',
      'router bgp 65000',
      ' neighbor 10.0.0.2 remote-as 65001',
      ' address-family ipv4',
      '  neighbor 10.0.0.2 activate',
      ' exit-address-family',
      '!',
      'banner motd ^C',
      'exit',
      '  authorised use only',
      '^C',
      'line vty 0 4',
      ' transport input ssh',
      'end',
    );
    expect(lintConfig('cisco_ios', indented)).toEqual([]);
    const flat = text(
      'interface Gi1/0/1',
      'description x',
      'exit',
      'router bgp 65000',
      'address-family ipv4',
      'neighbor 10.0.0.2 activate',
      'exit-address-family',
      'exit',
    );
    expect(lintConfig('arista_eos', flat)).toEqual([]);
  });

  it('flags an exit with no open block', () => {
    const config = text('interface Gi1/0/1', ' description x', ' exit', 'exit', 'hostname sw1');
    expect(rules(lintConfig('cisco_ios', config))).toEqual(['4:dangling-exit']);
    expect(rules(lintConfig('arista_eos', text('hostname sw1', 'exit')))).toEqual(['2:dangling-exit']);
  });

  it('flags commands after end, and indented commands after an exit', () => {
    expect(rules(lintConfig('cisco_ios', text('hostname a', 'end', 'hostname b')))).toEqual([
      '3:end-not-last',
    ]);
    const early = text('interface Gi1/0/1', ' description x', ' exit', ' shutdown');
    expect(rules(lintConfig('cisco_ios', early))).toEqual(['4:indent-outside-block']);
  });
});

describe('lintConfig: VRP/Comware views', () => {
  it('accepts display-style sections and explicit quits', () => {
    const config = text(
      'sysname sw1',
      '#',
      'interface GigabitEthernet0/0/1',
      ' port link-type access',
      ' quit',
      '#',
      'bgp 65000',
      ' peer 10.0.0.2 as-number 65001',
      ' #',
      ' ipv4-family unicast',
      '  peer 10.0.0.2 enable',
      '#',
      'interface GigabitEthernet0/0/2',
      ' undo shutdown',
      '#',
      'quit',
      'acl number 3000',
      'rule 5 permit ip',
      'quit',
      'return',
    );
    expect(lintConfig('huawei', config)).toEqual([]);
    expect(lintConfig('hp_comware', config)).toEqual([]);
  });

  it('flags a quit that would leave system view, and commands after return', () => {
    expect(rules(lintConfig('huawei', text('sysname a', 'quit', 'sysname b')))).toEqual(['2:dangling-exit']);
    const twice = text('interface Gi0/0/1', ' undo shutdown', ' quit', 'quit');
    expect(rules(lintConfig('hp_comware', twice))).toEqual(['4:dangling-exit']);
    expect(rules(lintConfig('huawei', text('sysname a', 'return', 'sysname b')))).toEqual(['3:end-not-last']);
  });

  it('flags an indented command after a top-level # separator', () => {
    const config = text('interface Gi0/0/1', ' undo shutdown', '#', ' port link-type access');
    const issues = lintConfig('huawei', config);
    expect(rules(issues)).toEqual(['4:indent-outside-block']);
    expect(issues[0].message).toMatch(/section separator/);
  });
});
