import { fixture } from './fixtures.testing';
import { configureVolatileRules, contentHash, normaliseConfig } from './volatile';

describe('normaliseConfig', () => {
  it('drops IOS volatile lines, CRLF, trailing blanks and blank lines at both ends', () => {
    const raw =
      'Building configuration...\r\n\r\nCurrent configuration : 120 bytes\r\n!\r\n' +
      '! Last configuration change at 10:01:02 UTC Mon Mar 3 2025 by admin\r\n' +
      '! NVRAM config last updated at 10:01:02 UTC Mon Mar 3 2025 by admin\r\n' +
      '!\r\nhostname R1   \r\nntp clock-period 36029056\r\nntp server 10.0.0.1\r\n!\r\nend\r\n\r\n\r\n';
    expect(normaliseConfig('cisco_ios', raw)).toBe('!\n!\nhostname R1\nntp server 10.0.0.1\n!\nend\n');
  });

  it('drops the Huawei, Comware, EOS and Junos banners and timestamps', () => {
    expect(normaliseConfig('huawei', fixture('huawei-backup.cfg')).split('\n').slice(0, 3)).toEqual([
      '#',
      'sysname HW1',
      '#',
    ]);
    expect(normaliseConfig('hp_comware', fixture('comware-backup.cfg')).split('\n').slice(0, 3)).toEqual([
      '#',
      '#',
      ' sysname H3C1',
    ]);
    expect(normaliseConfig('arista_eos', fixture('eos-backup.cfg')).split('\n').slice(0, 3)).toEqual([
      '!',
      '!',
      'hostname sw1',
    ]);
    expect(normaliseConfig('juniper_junos', fixture('junos-backup.cfg')).split('\n')[0]).toBe(
      'version 21.4R3-S5;',
    );
  });

  it('is idempotent and keeps an empty config empty', () => {
    const once = normaliseConfig('cisco_ios', fixture('ios-current.cfg'));
    expect(normaliseConfig('cisco_ios', once)).toBe(once);
    expect(normaliseConfig('linux', '\n\n  \n')).toBe('');
  });
});

describe('contentHash', () => {
  it('is equal for IOS configs that differ only in volatile lines, line endings and trailing blanks', () => {
    const a = fixture('ios-backup.cfg');
    const b = fixture('ios-backup-later.cfg');
    expect(a).not.toBe(b);
    expect(contentHash('cisco_ios', a)).toBe(contentHash('cisco_ios', b));
    expect(contentHash('cisco_ios', a)).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash('cisco_ios', a)).not.toBe(contentHash('cisco_ios', fixture('ios-current.cfg')));
  });

  it.each([
    [
      'huawei',
      '!Software Version V200R019C10SPC500\n!Last configuration was updated at 2025-03-03 10:01:02+00:00 by admin\n#\nsysname HW1\n#\nreturn',
      '!Software Version V200R020C10SPC600\n!Last configuration was updated at 2025-04-01 00:00:00+00:00 by bob\n#\nsysname HW1\n#\nreturn',
    ],
    [
      'hp_comware',
      '#\n version 7.1.070, Release 6615P08\n#\n sysname H3C1\n#\nreturn',
      '#\n version 7.1.070, Release 6635P07\n#\n sysname H3C1\n#\nreturn',
    ],
    [
      'juniper_junos',
      '## Last commit: 2025-03-03 10:01:02 UTC by admin\nsystem {\n    host-name mx1;\n}',
      '## Last changed: 2025-03-04 11:00:00 UTC\nsystem {\n    host-name mx1;\n}',
    ],
    [
      'arista_eos',
      '! Command: show running-config\n! device: sw1 (DCS-7050, EOS-4.28.3M)\n!\nhostname sw1\nend',
      '! Command: show running-config\n! device: sw1 (DCS-7050, EOS-4.30.4M)\n! Time: Tue Mar  4 18:44:10 2025\n!\nhostname sw1\nend',
    ],
  ] as const)('%s: same hash when only volatile lines differ', (platform, a, b) => {
    expect(contentHash(platform, a)).toBe(contentHash(platform, b));
    expect(contentHash(platform, a)).not.toBe(contentHash(platform, a.replace(/1;|1\n/, '2\n')));
  });

  it('applies extra rules for their platform only', () => {
    const a = 'hostname R1\n! generated 2025-03-03 by ansible\n';
    const b = 'hostname R1\n! generated 2025-03-04 by ansible\n';
    const rules = [{ platform: 'cisco_ios', pattern: '^! generated \\S+ by ' }];
    expect(contentHash('cisco_ios', a)).not.toBe(contentHash('cisco_ios', b));
    expect(contentHash('cisco_ios', a, rules)).toBe(contentHash('cisco_ios', b, rules));
    expect(contentHash('arista_eos', a, rules)).not.toBe(contentHash('arista_eos', b, rules));
    expect(contentHash('arista_eos', a, [{ pattern: '^! generated ' }])).toBe(
      contentHash('arista_eos', b, [{ pattern: '^! generated ' }]),
    );
  });
});

describe('site rules (VOLATILE_RULES_FILE)', () => {
  afterEach(() => configureVolatileRules([]));

  it('apply to every comparison without extraRules, per platform', () => {
    configureVolatileRules([{ platform: 'cisco_ios', pattern: '^snmp-server location ' }]);
    const a = 'hostname r1\nsnmp-server location dc1\n';
    const b = 'hostname r1\nsnmp-server location dc2\n';
    expect(contentHash('cisco_ios', a)).toBe(contentHash('cisco_ios', b));
    expect(contentHash('arista_eos', a)).not.toBe(contentHash('arista_eos', b));
  });

  it('name the bad rule', () => {
    expect(() => configureVolatileRules([{ pattern: '^ok' }, { pattern: '(' }])).toThrow(
      /^volatile rule 1: /,
    );
    expect(() => configureVolatileRules([{ pattern: 'x', platform: 'ios' }])).toThrow(
      /volatile rule 0: unknown platform "ios"/,
    );
    expect(() => configureVolatileRules([{ pattern: '' }])).toThrow(
      /volatile rule 0: pattern must be a non-empty string/,
    );
  });
});
