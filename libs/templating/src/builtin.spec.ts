import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SwitchboardError } from '../../common/src/errors';
import { loadBuiltinTemplates } from './builtin';
import { lintConfig } from './lint';
import { renderConfig } from './render';
import { checkVariables } from './variables';

const BUILTIN_DIR = join(__dirname, '..', '..', '..', 'templates', 'config');
const templates = loadBuiltinTemplates(BUILTIN_DIR);
const cases = templates.flatMap((t) => t.platforms.map((platform) => [t.name, platform, t] as const));

describe('built-in templates', () => {
  it('include the base and access-port templates', () => {
    expect(templates.map((t) => t.name)).toEqual(['access-port', 'ios-base', 'junos-base', 'vrp-base']);
    for (const t of templates) expect(t.example).toBeDefined();
  });

  it.each(cases)('%s renders its example for %s and lints clean', (_name, platform, template) => {
    expect(checkVariables(template.variables, template.example)).toEqual({ ok: true });
    const text = renderConfig({
      source: template.source,
      variables: template.example!,
      platform,
      name: template.name,
    });
    expect(text.trim().split('\n').length).toBeGreaterThan(3);
    expect(text).not.toMatch(/^\s*$\n/m); // no blank lines
    expect(lintConfig(platform, text)).toEqual([]);
  });

  it('ios-base renders the documented config', () => {
    const ios = templates.find((t) => t.name === 'ios-base')!;
    const text = renderConfig({ source: ios.source, variables: ios.example!, platform: 'cisco_ios' });
    expect(text).toContain(
      [
        'interface GigabitEthernet1/0/48',
        ' description uplink to dist-sw01',
        ' switchport mode trunk',
        ' switchport trunk native vlan 99',
        ' switchport trunk allowed vlan 10,20,99',
        ' no shutdown',
        '!',
      ].join('\n'),
    );
    expect(text).toContain(' ip address 10.255.0.1 255.255.255.252\n');
    expect(text).toContain('ip access-list extended MGMT\n permit tcp 10.0.99.0 0.0.0.255 any eq 22\n');
    expect(text).toContain(' permit udp host 192.0.2.10 host 10.0.99.2 eq 161\n');
  });

  it('vrp-base uses # separators, undo shutdown and Huawei ACL rules', () => {
    const vrp = templates.find((t) => t.name === 'vrp-base')!;
    const text = renderConfig({ source: vrp.source, variables: vrp.example!, platform: 'huawei' });
    expect(text.startsWith('sysname acc-sw01\n#\n')).toBe(true);
    expect(text).toContain(
      'interface GigabitEthernet0/0/1\n description desk 1-01\n port link-type access\n',
    );
    expect(text).toContain(' port default vlan 10\n undo shutdown\n#\n');
    expect(text).toContain(
      ' rule 10 permit udp source 192.0.2.10 0 destination 10.0.99.2 0 destination-port eq 161\n',
    );
  });

  it('junos-base renders only set commands', () => {
    const junos = templates.find((t) => t.name === 'junos-base')!;
    const text = renderConfig({ source: junos.source, variables: junos.example!, platform: 'juniper_junos' });
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^set /);
    expect(text).toContain('set firewall family inet filter MGMT term 40 then discard\n');
  });

  it('renders minimal variables (optional sections left out)', () => {
    for (const name of ['ios-base', 'vrp-base', 'junos-base']) {
      const t = templates.find((x) => x.name === name)!;
      const variables = { hostname: 'sw9', interfaces: [{ name: 'ge-0/0/0', vlan: 5 }] };
      expect(checkVariables(t.variables, variables)).toEqual({ ok: true });
      const text = renderConfig({ source: t.source, variables, platform: t.platforms[0] });
      expect(lintConfig(t.platforms[0], text)).toEqual([]);
      expect(text).toMatch(/5/);
    }
  });

  it("rejects variables that break a template's schema, by path", () => {
    const ios = templates.find((t) => t.name === 'ios-base')!;
    const bad = { hostname: 'sw1', interfaces: [{ name: 'Gi1/0/1', mode: 'trunk' }] };
    expect(checkVariables(ios.variables, bad)).toEqual({
      ok: false,
      errors: expect.arrayContaining([{ field: 'interfaces[0].allowed_vlans', message: 'is required' }]),
    });
  });
});

describe('loadBuiltinTemplates', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'templating-builtin-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function folder(name: string, meta: unknown, template = 'hostname {{ hostname }}\n'): void {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'meta.json'), typeof meta === 'string' ? meta : JSON.stringify(meta));
    writeFileSync(join(dir, name, 'template.liquid'), template);
  }
  const good = (name: string) => ({
    name,
    description: 'x',
    platforms: ['cisco_ios'],
    variables: { type: 'object', required: ['hostname'], properties: { hostname: { type: 'string' } } },
    example: { hostname: 'a' },
  });

  it('loads valid folders sorted by name', () => {
    folder('b', good('b'));
    folder('a', good('a'));
    expect(loadBuiltinTemplates(dir).map((t) => [t.name, t.source])).toEqual([
      ['a', 'hostname {{ hostname }}\n'],
      ['b', 'hostname {{ hostname }}\n'],
    ]);
  });

  it('reports every problem in every folder at once', () => {
    folder('bad-platform', { ...good('bad-platform'), platforms: ['no_such_platform'] });
    folder('wrong-name', good('other'));
    folder('bad-json', '{ nope');
    folder('bad-example', { ...good('bad-example'), example: { hostname: 5 } });
    folder('bad-template', good('bad-template'), 'hostname {{ hostname }\n{% if x %}');
    folder('bad-schema', { ...good('bad-schema'), variables: { type: 'wat' } });
    mkdirSync(join(dir, 'missing'));
    let error: SwitchboardError | undefined;
    try {
      loadBuiltinTemplates(dir);
    } catch (e) {
      error = e as SwitchboardError;
    }
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error!.fields.map((f) => f.field)).toEqual([
      'bad-example/meta.json: example.hostname',
      'bad-json/meta.json',
      'bad-platform/meta.json: platforms[0]',
      'bad-schema/meta.json: variables',
      'bad-template/template.liquid: line 1, column 10',
      'missing/meta.json',
      'missing/template.liquid',
      'wrong-name/meta.json: name',
    ]);
  });
});
