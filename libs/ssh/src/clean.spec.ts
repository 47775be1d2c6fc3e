import { readFileSync } from 'fs';
import { join } from 'path';
import { Platform } from '../../common/src/platforms';
import {
  cleanOutput,
  detectCommandError,
  endsWithAnyPrompt,
  endsWithPager,
  endsWithPrompt,
  findBasePrompt,
  normalizeTerminalOutput,
  removePagerPrompts,
  renderLine,
  stripAnsi,
  stripCommandEcho,
  stripTrailingPrompt,
} from './clean';
import { getProfile, hasPrivilegedMode } from './profiles';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');

describe('renderLine / terminal controls', () => {
  it('applies backspaces', () => {
    expect(renderLine('abc\b\bx')).toBe('ax');
    expect(renderLine('abc\b')).toBe('abc'.slice(0, 3)); // cursor moved, nothing written: text stays
    expect(renderLine('show verr\b \bsion')).toBe('show version');
  });

  it('drops the \\r of \\r\\n and applies carriage-return overwrites', () => {
    expect(renderLine('text\r')).toBe('text');
    expect(renderLine('text\r\r')).toBe('text');
    expect(renderLine(' --More-- \r          \rnext line')).toBe('next line');
    expect(renderLine('---(more 58%)---\r                \r')).toBe('');
  });

  it('strips ANSI/VT100 sequences and applies cursor-left and erase-in-line', () => {
    expect(renderLine('\x1b[01;32madmin@srv1\x1b[00m:\x1b[01;34m~\x1b[00m$ ')).toBe('admin@srv1:~$ ');
    expect(renderLine('\x1b]0;admin@srv1: ~\x07\x1b[?2004hprompt$ ')).toBe('prompt$ ');
    expect(renderLine('  ---- More ----\x1b[16D                \x1b[16Dinterface Gi0/0/2')).toBe(
      'interface Gi0/0/2',
    );
    expect(renderLine('  ---- More ----\x1b[42D' + ' '.repeat(42) + '\x1b[42D')).toBe('');
    expect(renderLine('progress 10%\r\x1b[Kdone')).toBe('done');
    expect(renderLine('a\x07b\x00c')).toBe('abc');
  });

  it('stripAnsi removes sequences without moving the cursor', () => {
    expect(stripAnsi('\x1b[1mbold\x1b[0m\r\n')).toBe('bold\r\n');
  });

  it('normalizes a whole capture to \\n lines', () => {
    expect(normalizeTerminalOutput('a\r\nb\r\n\x1b[1mc\x1b[0m')).toBe('a\nb\nc');
    expect(normalizeTerminalOutput('plain\ntext')).toBe('plain\ntext');
  });
});

describe('recorded transcripts: login and base prompt', () => {
  const cases: Array<[Platform, string]> = [
    ['cisco_ios', 'R1'],
    ['arista_eos', 'sw1'],
    ['huawei', 'HW1'],
    ['hp_comware', 'H3C1'],
    ['juniper_junos', 'admin@mx1'],
    ['linux', 'admin@srv1'],
  ];
  it.each(cases)('%s login banner ends with a prompt; base prompt %s', (platform, base) => {
    const login = fixture(`${platform}.login.log`);
    expect(endsWithAnyPrompt(login, platform)).toBe(true);
    expect(findBasePrompt(platform, login)).toBe(base);
    expect(endsWithPrompt(login.slice(-512), base, platform)).toBe(true);
  });

  it('the Cisco banner line ending in # is not taken for the prompt', () => {
    const login = fixture('cisco_ios.login.log');
    const bannerOnly = login.slice(0, login.indexOf('user#') + 'user#'.length);
    expect(endsWithAnyPrompt(bannerOnly + '\r\n', 'cisco_ios')).toBe(false);
  });

  it('linux: sudo -s changes the base prompt to root@host', () => {
    expect(findBasePrompt('linux', fixture('linux.root-prompt.log'))).toBe('root@srv1');
    expect(getProfile('linux').privileged?.passwordPrompt.test('[sudo] password for admin: ')).toBe(true);
  });

  it('returns null when the last line is not a prompt of the platform', () => {
    expect(findBasePrompt('cisco_ios', 'Welcome\r\n<HW1>')).toBeNull();
    expect(findBasePrompt('huawei', 'Welcome\r\nR1#')).toBeNull();
    expect(findBasePrompt('cisco_ios', 'Password: ')).toBeNull();
  });
});

describe('recorded transcripts: paged output is cleaned', () => {
  const cases: Array<[Platform, string, string, string]> = [
    ['cisco_ios', 'show version', 'cisco_ios.show-version-paged.log', 'cisco_ios.show-version.expected.txt'],
    [
      'arista_eos',
      'show version',
      'arista_eos.show-version-paged.log',
      'arista_eos.show-version.expected.txt',
    ],
    ['huawei', 'display version', 'huawei.display-version-paged.log', 'huawei.display-version.expected.txt'],
    [
      'hp_comware',
      'display version',
      'hp_comware.display-version-paged.log',
      'hp_comware.display-version.expected.txt',
    ],
    [
      'juniper_junos',
      'show version',
      'juniper_junos.show-version-paged.log',
      'juniper_junos.show-version.expected.txt',
    ],
  ];
  it.each(cases)('%s %s', (platform, command, raw, expected) => {
    const base = findBasePrompt(platform, fixture(`${platform}.login.log`));
    expect(base).not.toBeNull();
    const output = cleanOutput(fixture(raw), { platform, command, basePrompt: base });
    expect(output).toBe(fixture(expected));
    expect(output).not.toMatch(/More|more|\r/);
    expect(output).not.toContain('\x1b');
    expect(output).not.toContain('\b');
    expect(detectCommandError(platform, output)).toBeNull();
  });

  it('the raw capture ends with the prompt, and a pager prompt is recognised at the end', () => {
    const raw = fixture('cisco_ios.show-version-paged.log');
    expect(endsWithPrompt(raw.slice(-512), 'R1', 'cisco_ios')).toBe(true);
    const atPager = raw.slice(0, raw.indexOf(' --More-- ') + ' --More-- '.length);
    expect(endsWithPager(atPager.slice(-512), 'cisco_ios')).toBe(true);
    expect(endsWithPrompt(atPager.slice(-512), 'R1', 'cisco_ios')).toBe(false);

    const hw = fixture('huawei.display-version-paged.log');
    expect(endsWithPager(hw.slice(0, hw.indexOf('\x1b[42D')), 'huawei')).toBe(true);
    const junos = fixture('juniper_junos.show-version-paged.log');
    expect(endsWithPager(junos.slice(0, junos.indexOf('---\r') + 3), 'juniper_junos')).toBe(true);
    expect(endsWithPager('foo\r\nsome --More-- text', 'cisco_ios')).toBe(false);
  });

  it('pager prompts that were not erased are removed from the output', () => {
    expect(removePagerPrompts('cisco_ios', 'a\n --More-- \nb\n --More-- c')).toBe('a\nb\nc');
    expect(removePagerPrompts('huawei', 'a\n  ---- More ----\nb')).toBe('a\nb');
    expect(removePagerPrompts('juniper_junos', 'a\n---(more 12%)---\nb')).toBe('a\nb');
    expect(removePagerPrompts('linux', 'a\n --More-- \nb')).toBe('a\n --More-- \nb');
  });

  it('linux output: bracketed-paste and colour sequences removed, prompt stripped', () => {
    expect(
      cleanOutput(fixture('linux.uname.log'), {
        platform: 'linux',
        command: 'uname -a',
        basePrompt: 'admin@srv1',
      }),
    ).toBe(
      'Linux srv1 5.15.0-105-generic #115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux',
    );
    expect(
      cleanOutput(fixture('linux.ls-color.log'), {
        platform: 'linux',
        command: 'ls --color=auto /etc/ssh',
        basePrompt: 'admin@srv1',
      }),
    ).toBe('moduli  ssh_config  ssh_config.d  sshd_config  sshd_config.d');
  });

  it('junos: the [edit] context line and prompt are removed, output kept', () => {
    const out = cleanOutput(fixture('juniper_junos.config.log'), {
      platform: 'juniper_junos',
      command: 'show interfaces ge-0/0/0',
      basePrompt: 'admin@mx1',
    });
    expect(out).toBe('description "syntax error. in a description";\nunit 0 {\n    family inet;\n}');
    expect(detectCommandError('juniper_junos', out)).toBeNull();
  });

  it('a 5 MB capture is cleaned quickly', () => {
    const line = 'interface GigabitEthernet0/0/1 description uplink to core switch number one\r\n';
    const raw = 'show running-config\r\n' + line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)) + 'R1#';
    const started = Date.now();
    const out = cleanOutput(raw, { platform: 'cisco_ios', command: 'show running-config', basePrompt: 'R1' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(out.startsWith('interface GigabitEthernet0/0/1')).toBe(true);
    expect(out.endsWith('switch number one')).toBe(true);
    expect(out.includes('\r')).toBe(false);
  });
});

describe('echo and prompt stripping', () => {
  it('removes the echo, also when the device reprints the prompt before it', () => {
    expect(stripCommandEcho('show clock\n*10:00:00.000 UTC Fri May 10 2024', 'show clock')).toBe(
      '*10:00:00.000 UTC Fri May 10 2024',
    );
    expect(stripCommandEcho('\nR1#show clock\nx', 'show clock')).toBe('x');
    expect(stripCommandEcho('something else\nx', 'show clock')).toBe('something else\nx');
  });

  it('removes only the trailing prompt line', () => {
    expect(stripTrailingPrompt('R1#\nline\n\nR1#', 'R1', 'cisco_ios')).toBe('R1#\nline');
    expect(stripTrailingPrompt('line\nR2#', 'R1', 'cisco_ios')).toBe('line\nR2#');
    expect(stripTrailingPrompt('line\n[edit]\nadmin@mx1# ', 'admin@mx1', 'juniper_junos')).toBe('line');
  });
});

describe('prompt matching in each mode', () => {
  const cases: Array<[Platform, string, string, boolean]> = [
    ['cisco_ios', 'R1', 'R1>', true],
    ['cisco_ios', 'R1', 'R1#', true],
    ['cisco_ios', 'R1', 'R1(config)#', true],
    ['cisco_ios', 'R1', 'R1(config-if)#', true],
    ['cisco_ios', 'R1', 'R1(config-router)# ', true],
    ['cisco_ios', 'R1', 'R10#', false],
    ['cisco_ios', 'R1', 'R2#', false],
    ['cisco_ios', 'R1', ' *>  10.1.0.0/16      10.0.12.2', false],
    ['cisco_ios', 'R1', '  Description: link to R1>core', false],
    ['cisco_ios', 'R1', 'R1#show version', false],
    ['arista_eos', 'sw1', 'sw1>', true],
    ['arista_eos', 'sw1', 'sw1(config-if-Et1)#', true],
    ['arista_eos', 'sw1', 'sw1(config-s-foo)#', true],
    ['huawei', 'HW1', '<HW1>', true],
    ['huawei', 'HW1', '[HW1]', true],
    ['huawei', 'HW1', '[HW1-GigabitEthernet0/0/1]', true],
    ['huawei', 'HW1', '[~HW1-GigabitEthernet0/0/1]', true],
    ['huawei', 'HW1', 'HRP_M<HW1>', true],
    ['huawei', 'HW1', '<HW2>', false],
    ['huawei', 'HW1', '[HW10]', false],
    ['huawei', 'HW1', 'Info: <HW1> saved', false],
    ['hp_comware', 'H3C1', '<H3C1>', true],
    ['hp_comware', 'H3C1', '[H3C1-GigabitEthernet1/0/1]', true],
    ['juniper_junos', 'admin@mx1', 'admin@mx1> ', true],
    ['juniper_junos', 'admin@mx1', 'admin@mx1# ', true],
    ['juniper_junos', 'admin@mx1', '[edit]', false],
    ['juniper_junos', 'admin@mx1', 'admin@mx2> ', false],
    ['linux', 'admin@srv1', 'admin@srv1:~$ ', true],
    ['linux', 'admin@srv1', 'admin@srv1:/var/log$ ', true],
    ['linux', 'admin@srv1', '[admin@srv1 ~]$ ', true],
    ['linux', 'root@srv1', 'root@srv1:/home/admin# ', true],
    ['linux', 'admin@srv1', 'total 12$ not a prompt', false],
  ];
  it.each(cases)('%s base %s: %j → %s', (platform, base, line, expected) => {
    expect(endsWithPrompt(`output\r\n${line}`, base, platform)).toBe(expected);
  });

  it('matches the prompts as recorded in configuration modes', () => {
    expect(endsWithPrompt(fixture('cisco_ios.config.log'), 'R1', 'cisco_ios')).toBe(true);
    expect(endsWithPrompt(fixture('arista_eos.config.log'), 'sw1', 'arista_eos')).toBe(true);
    expect(endsWithPrompt(fixture('huawei.system-view.log'), 'HW1', 'huawei')).toBe(true);
    expect(endsWithPrompt(fixture('hp_comware.system-view.log'), 'H3C1', 'hp_comware')).toBe(true);
    expect(endsWithPrompt(fixture('juniper_junos.config.log'), 'admin@mx1', 'juniper_junos')).toBe(true);
  });

  it('a prompt-like line followed by a newline is not the end of output', () => {
    expect(endsWithPrompt('foo\r\nR1#\r\n', 'R1', 'cisco_ios')).toBe(false);
    expect(endsWithPrompt('foo\r\nR1#\r\nmore', 'R1', 'cisco_ios')).toBe(false);
  });

  it('output lines with ">" from recorded BGP output never look like the prompt', () => {
    const raw = fixture('cisco_ios.show-ip-bgp.log');
    // Every possible chunk boundary inside the output.
    const body = raw.slice(0, raw.lastIndexOf('R1#'));
    for (let i = 1; i <= body.length; i++) {
      expect(endsWithPrompt(body.slice(Math.max(0, i - 512), i), 'R1', 'cisco_ios')).toBe(false);
    }
  });
});

describe('vendor error detection', () => {
  const cases: Array<[Platform, string, string, string]> = [
    ['cisco_ios', 'cisco_ios.invalid.log', 'show versoin', "% Invalid input detected at '^' marker."],
    ['cisco_ios', 'cisco_ios.incomplete.log', 'show ip', '% Incomplete command.'],
    ['cisco_ios', 'cisco_ios.ambiguous.log', 'sh i', '% Ambiguous command:  "sh i"'],
    ['arista_eos', 'arista_eos.invalid.log', 'show versoin', '% Invalid input'],
    ['huawei', 'huawei.invalid.log', 'display versoin', "Error: Unrecognized command found at '^' position."],
    [
      'huawei',
      'huawei.wrong-parameter.log',
      'display interface GigabitEthernet9/9/9',
      "Error: Wrong parameter found at '^' position.",
    ],
    [
      'hp_comware',
      'hp_comware.invalid.log',
      'display versoin',
      "% Unrecognized command found at '^' position.",
    ],
    ['juniper_junos', 'juniper_junos.invalid.log', 'show versoin', 'syntax error, expecting <command>.'],
    ['juniper_junos', 'juniper_junos.unknown.log', 'shw version', 'unknown command.'],
    ['linux', 'linux.not-found.log', 'foo --bar', 'foo: command not found'],
    ['linux', 'linux.bash-not-found.log', 'foo --bar', '-bash: foo: command not found'],
  ];
  it.each(cases)('%s %s', (platform, file, command, expected) => {
    const base = findBasePrompt(platform, fixture(`${platform}.login.log`));
    const output = cleanOutput(fixture(file), { platform, command, basePrompt: base });
    expect(detectCommandError(platform, output)).toBe(expected);
  });

  it('keeps the caret line in the output', () => {
    const output = cleanOutput(fixture('cisco_ios.invalid.log'), {
      platform: 'cisco_ios',
      command: 'show versoin',
      basePrompt: 'R1',
    });
    expect(output).toBe("          ^\n% Invalid input detected at '^' marker.");
  });

  it('no false positives: "Error" in descriptions, counters and indented lines', () => {
    const ios = cleanOutput(fixture('cisco_ios.show-interfaces.log'), {
      platform: 'cisco_ios',
      command: 'show interfaces GigabitEthernet0/1',
      basePrompt: 'R1',
    });
    expect(ios).toContain('Description: Error: CRC storm on R2>core link');
    expect(detectCommandError('cisco_ios', ios)).toBeNull();

    const hw = cleanOutput(fixture('huawei.display-interface.log'), {
      platform: 'huawei',
      command: 'display interface GigabitEthernet0/0/1',
      basePrompt: 'HW1',
    });
    expect(hw).toContain('Description:Error: flapping link');
    expect(detectCommandError('huawei', hw)).toBeNull();
    expect(detectCommandError('huawei', fixture('huawei.display-version.expected.txt'))).toBeNull();

    expect(
      detectCommandError('cisco_ios', '*May 10 10:00:00.123: %SYS-5-CONFIG_I: Configured from console'),
    ).toBeNull();
    expect(detectCommandError('huawei', 'ok\nok\nok\nok\nok\nok\nError: far below the command')).toBeNull();
    expect(detectCommandError('linux', 'grep: x: No such file or directory')).toBeNull();
    expect(detectCommandError('cisco_ios', '')).toBeNull();
  });
});

describe('profiles', () => {
  it('privileged mode exists except on Junos', () => {
    expect(hasPrivilegedMode('cisco_ios')).toBe(true);
    expect(hasPrivilegedMode('huawei')).toBe(true);
    expect(hasPrivilegedMode('juniper_junos')).toBe(false);
    expect(getProfile('huawei').pagingOff).toBe('screen-length 0 temporary-display');
    expect(getProfile('hp_comware').pagingOff).toBe('screen-length disable');
    expect(getProfile('linux').pagingOff).toBeNull();
  });
});
