import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expandCompletion, parseIndexTable, TemplateIndex, TemplateIndexError } from './index';
import { TextFsm } from './textfsm';

const DIR = '/virtual/templates';

/** An index over in-memory templates. */
function memoryIndex(indexText: string, files: Record<string, string>, fullMatch = false): TemplateIndex {
  return TemplateIndex.fromText(
    indexText,
    DIR,
    (abs) => {
      const body = files[path.relative(DIR, abs)];
      if (body === undefined) throw new Error(`no such template ${abs}`);
      return body;
    },
    { fullMatch },
  );
}

const VERSION_TPL = 'Value VERSION (\\S+)\n\nStart\n  ^Version ${VERSION} -> Record\n';

const INDEX = [
  '# Comment lines and a blank line before the header, as in ntc-templates.',
  '',
  'Template, Hostname, Platform, Command # trailing comment on the header',
  '',
  'core_version.textfsm, core-.*, cisco_ios, sh[[ow]] ver[[sion]]',
  'version.textfsm, .*, cisco_(ios|xe), sh[[ow]] ver[[sion]]',
  'interfaces.textfsm, .*, cisco_ios, sh[[ow]] int[[erfaces]]',
  '# a comment row',
  'broken row with too few columns',
  'merge_a.textfsm:merge_b.textfsm, .*, keyed, sh[[ow]] merge',
  'pos_a.textfsm:pos_b.textfsm, .*, positional, sh[[ow]] merge',
].join('\n');

const FILES: Record<string, string> = {
  'core_version.textfsm': 'Value CORE (\\S+)\n\nStart\n  ^Version ${CORE} -> Record\n',
  'version.textfsm': VERSION_TPL,
  'interfaces.textfsm': 'Value INTERFACE (\\S+)\n\nStart\n  ^${INTERFACE} is -> Record\n',
  'merge_a.textfsm':
    'Value Key PORT (\\S+)\nValue STATE (\\S+)\n\nStart\n  ^${PORT} state ${STATE} -> Record\n',
  'merge_b.textfsm':
    'Value PORT (\\S+)\nValue SPEED (\\S+)\nValue STATE (\\S+)\n\nStart\n  ^${PORT} speed ${SPEED} -> Record\n',
  'pos_a.textfsm': 'Value PORT (\\S+)\n\nStart\n  ^${PORT} state -> Record\n',
  'pos_b.textfsm': 'Value SPEED (\\S+)\n\nStart\n  ^\\S+ speed ${SPEED} -> Record\n',
};

describe('TemplateIndex (clitable semantics)', () => {
  const index = memoryIndex(INDEX, FILES);

  it('expands command completion like clitable', () => {
    expect(expandCompletion('sh[[ow]] ver[[sion]]')).toBe('sh(o(w)?)? ver(s(i(o(n)?)?)?)?');
    expect(expandCompletion('dis[[play]] int[[erface]] br[[ief]]')).toBe(
      'dis(p(l(a(y)?)?)?)? int(e(r(f(a(c(e)?)?)?)?)?)? br(i(e(f)?)?)?',
    );
  });

  it('reads the header after comments and blank lines and drops malformed rows', () => {
    const table = parseIndexTable(INDEX);
    expect(table.header).toEqual(['Template', 'Hostname', 'Platform', 'Command']);
    expect(table.rows.map((r) => r.cells[0])).toEqual([
      'core_version.textfsm',
      'version.textfsm',
      'interfaces.textfsm',
      'merge_a.textfsm:merge_b.textfsm',
      'pos_a.textfsm:pos_b.textfsm',
    ]);
    expect(index.size).toBe(5);
  });

  it('matches abbreviated commands, platform regexes and returns absolute paths', () => {
    for (const command of ['sh ver', 'show version', 'sho vers'])
      expect(index.find({ platform: 'cisco_ios', command, hostname: 'edge-1' })).toEqual([
        path.join(DIR, 'version.textfsm'),
      ]);
    expect(index.find({ platform: 'cisco_xe', command: 'show version' })).toEqual([
      path.join(DIR, 'version.textfsm'),
    ]);
    expect(index.find({ platform: 'cisco_nxos', command: 'show version' })).toEqual([]);
    expect(index.find({ platform: 'cisco_ios', command: 'show vlan' })).toEqual([]);
  });

  it('first matching row wins; Hostname only counts when a hostname is given', () => {
    expect(index.find({ platform: 'cisco_ios', command: 'show version', hostname: 'core-1' })).toEqual([
      path.join(DIR, 'core_version.textfsm'),
    ]);
    expect(index.find({ platform: 'cisco_ios', command: 'show version', hostname: 'edge-1' })).toEqual([
      path.join(DIR, 'version.textfsm'),
    ]);
    // No hostname attribute: the Hostname column is not consulted (clitable skips absent attributes).
    expect(index.find({ platform: 'cisco_ios', command: 'show version' })).toEqual([
      path.join(DIR, 'core_version.textfsm'),
    ]);
  });

  it('matches from the start only (re.match); fullMatch anchors the end too', () => {
    expect(index.find({ platform: 'cisco_ios', command: 'show interfaces status' })).toHaveLength(1);
    expect(index.find({ platform: 'cisco_ios', command: 'xshow interfaces' })).toEqual([]);
    const strict = memoryIndex(INDEX, FILES, true);
    expect(strict.find({ platform: 'cisco_ios', command: 'show interfaces status' })).toEqual([]);
    expect(strict.find({ platform: 'cisco_ios', command: 'sh int' })).toHaveLength(1);
  });

  it('parses with the matching template', () => {
    const r = index.parse({ platform: 'cisco_xe', command: 'sh ver', text: 'Version 17.3\n' });
    expect(r.template).toBe('version.textfsm');
    expect(r.rows).toEqual([{ VERSION: '17.3' }]);
  });

  it('throws NO_TEMPLATE when no row matches', () => {
    expect(() => index.parse({ platform: 'linux', command: 'ls', text: '' })).toThrow(TemplateIndexError);
    try {
      index.parse({ platform: 'linux', command: 'ls', text: '' });
    } catch (err) {
      expect((err as TemplateIndexError).code).toBe('NO_TEMPLATE');
    }
  });

  it('merges several templates by Key: later templates only add columns', () => {
    const text = 'ge1 state up\nge2 state down\nge2 speed 10G\nge9 speed 1G\n';
    const r = index.parse({ platform: 'keyed', command: 'show merge', text });
    expect(r.templates).toHaveLength(2);
    expect(r.header).toEqual(['PORT', 'STATE', 'SPEED']);
    expect(r.rows).toEqual([
      { PORT: 'ge1', STATE: 'up', SPEED: '' },
      { PORT: 'ge2', STATE: 'down', SPEED: '10G' },
    ]);
  });

  it('without keys, merges templates row by row', () => {
    const text = 'ge1 state\nge2 state\nge1 speed 1G\n';
    const r = index.parse({ platform: 'positional', command: 'show merge', text });
    expect(r.rows).toEqual([
      { PORT: 'ge1', SPEED: '1G' },
      { PORT: 'ge2', SPEED: '' },
    ]);
  });

  it('rejects an index without a Template column', () => {
    expect(() => memoryIndex('Hostname, Platform, Command\n.*, x, y\n', {})).toThrow(/Template/);
  });
});

describe('ntc-templates index conventions', () => {
  // Row shapes found in networktocode/ntc-templates' index: a comment block before the header, a blank line
  // after it, regex groups and completion mixed, completion of punctuation, a space before the comma.
  const ntc = memoryIndex(
    [
      '# First line is the header fields for columns and is mandatory.',
      '# abc[[xyz]] is expanded to abc(x(y(z)?)?)?',
      '#',
      'Template, Hostname, Platform, Command',
      '',
      'a_bgp.textfsm, .*, arista_eos, sh[[ow]] (?:i[[p]] bg[[p]]|bg[[p]] ev[[pn]]) su[[mmary]]',
      'a_df.textfsm, .*, arista_eos, bas[[h]] d[[f]] [[-h]]',
      'x_lldp.textfsm , .*, aruba_aoscx, sh[[ow]] ll[[dp]] nei[[ghbor]]s?[[-info]] d[[etail]]',
      'asa_a.textfsm:asa_b.textfsm:asa_c.textfsm, .*, cisco_asa, sh[[ow]] modu[[le]]',
    ].join('\n'),
    {},
  );

  it.each([
    ['arista_eos', 'show bgp evpn summary', ['a_bgp.textfsm']],
    ['arista_eos', 'sh ip bgp sum', ['a_bgp.textfsm']],
    ['arista_eos', 'bash df -h', ['a_df.textfsm']],
    ['arista_eos', 'bash df ', ['a_df.textfsm']],
    ['aruba_aoscx', 'show lldp neighbors-info detail', ['x_lldp.textfsm']],
    ['aruba_aoscx', 'sh lldp neighbor d', ['x_lldp.textfsm']],
    ['cisco_asa', 'show module', ['asa_a.textfsm', 'asa_b.textfsm', 'asa_c.textfsm']],
  ])('%s %j', (platform, command, templates) => {
    expect(ntc.find({ platform, command })).toEqual(templates.map((t) => path.join(DIR, t)));
  });
});

describe('templates/textfsm/index', () => {
  const dir = path.resolve(__dirname, '../../../templates/textfsm');
  const index = TemplateIndex.load(dir);

  it('loads, and every template it names exists and compiles', () => {
    const { rows } = parseIndexTable(readFileSync(path.join(dir, 'index'), 'utf8'));
    expect(rows.length).toBeGreaterThanOrEqual(25);
    for (const row of rows)
      for (const t of row.cells[0]!.split(':')) {
        const abs = path.join(dir, t);
        expect(existsSync(abs)).toBe(true);
        expect(index.fsm(abs)).toBeInstanceOf(TextFsm);
      }
  });

  it.each([
    ['cisco_ios', 'sh ip int br', 'cisco_ios_show_ip_interface_brief.textfsm'],
    ['cisco_ios', 'show interfaces GigabitEthernet1/0/1', 'cisco_ios_show_interfaces.textfsm'],
    ['arista_eos', 'show ver', 'arista_eos_show_version.textfsm'],
    ['huawei', 'dis int brief', 'huawei_display_interface_brief.textfsm'],
    ['huawei', 'display interface', 'huawei_display_interface.textfsm'],
    ['hp_comware', 'display version', 'hp_comware_display_version.textfsm'],
    ['juniper_junos', 'show interfaces terse', 'juniper_junos_show_interfaces_terse.textfsm'],
    ['juniper_junos', 'show interfaces', 'juniper_junos_show_interfaces.textfsm'],
    ['linux', 'ip -br a', 'linux_ip_-brief_address.textfsm'],
    ['linux', 'uname -a', 'linux_uname_-a.textfsm'],
  ])('%s %s → %s', (platform, command, template) => {
    expect(index.find({ platform, command })).toEqual([path.join(dir, template)]);
  });
});
