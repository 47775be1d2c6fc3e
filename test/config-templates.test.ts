import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startStack, type Stack } from './support/harness';

interface Rendered {
  deviceId: string;
  deviceName: string;
  platform: string;
  config: string | null;
  errors: { message: string; line: number | null; column: number | null; field: string | null }[];
  lint: { line: number; rule: string; severity: string }[];
  binding: { key: string; layer: string }[];
}

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['hostname', 'ntp'],
  properties: {
    hostname: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$' },
    ntp: { type: 'string', format: 'ipv4' },
    location: { type: 'string' },
    role: { type: 'string' },
  },
});

const V1 = ['hostname {{ hostname }}', 'ntp server {{ ntp }}', ''].join('\n');
// Line 5, column 15: `role` is set per device, and one device has none.
const V2 = [
  '{%- if platform == "cisco_ios" %}',
  'hostname {{ hostname }}',
  'ntp server {{ ntp }}',
  'snmp-server location {{ location }}',
  'snmp-server contact {{ role }}',
  '{%- else %}',
  'sysname {{ hostname }}',
  'ntp-service unicast-server {{ ntp }}',
  'snmp-agent sys-info location {{ location }}',
  'snmp-agent sys-info contact {{ role }}',
  '{%- endif %}',
  '',
].join('\n');

const RENDER_FIELDS = `deviceId deviceName platform config errors { message line column field }
  lint { line rule severity } binding { key layer }`;

describe('config templates: versions, variable binding, preview and export', () => {
  let stack: Stack;
  let templateId: string;
  let sites: Map<string, string>;

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 4, mix: { cisco_ios: 1, huawei: 1 } }, worker: false });
    const { rows } = await stack.db.query<{ name: string; site: string }>('SELECT name, site FROM devices');
    sites = new Map(rows.map((r) => [r.name, r.site]));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const names = () => [...stack.deviceIds.keys()].sort();
  const setVariables = (scope: string, key: string, variables: Record<string, unknown>) =>
    stack.gql.request(
      `mutation ($scope: VariableScope!, $key: String, $json: String!) {
        setVariables(scope: $scope, key: $key, variablesJson: $json) { scope key } }`,
      { scope, key, json: JSON.stringify(variables) },
    );
  const preview = async (input: Record<string, unknown>): Promise<Map<string, Rendered>> => {
    const { renderConfigPreview } = await stack.gql.request<{ renderConfigPreview: Rendered[] }>(
      `query ($input: RenderConfigInput!) { renderConfigPreview(input: $input) { ${RENDER_FIELDS} } }`,
      { input: { deviceIds: names().map((n) => stack.deviceIds.get(n)), ...input } },
    );
    return new Map(renderConfigPreview.map((r) => [r.deviceName, r]));
  };
  const layerOf = (r: Rendered, key: string) => r.binding.find((b) => b.key === key)?.layer;

  it('creates a template and keeps every update as a new readable version', async () => {
    const { createConfigTemplate } = await stack.gql.request<{
      createConfigTemplate: { id: string; latest: { version: number } };
    }>(
      `mutation ($input: CreateConfigTemplateInput!) { createConfigTemplate(input: $input) { id latest { version } } }`,
      {
        input: {
          name: 'edge-base',
          platforms: ['cisco_ios', 'huawei'],
          source: V1,
          variablesSchema: SCHEMA,
          note: 'first',
        },
      },
    );
    templateId = createConfigTemplate.id;
    expect(createConfigTemplate.latest.version).toBe(1);

    await stack.gql.request(
      `mutation ($id: ID!, $input: UpdateConfigTemplateInput!) { updateConfigTemplate(id: $id, input: $input) { id } }`,
      { id: templateId, input: { source: V2, note: 'per platform' } },
    );
    const { configTemplate } = await stack.gql.request<{
      configTemplate: {
        name: string;
        latest: { version: number; source: string };
        versions: { version: number; source: string; note: string; variablesSchema: string }[];
        v1: { source: string };
      };
    }>(
      `query ($id: ID!) { configTemplate(id: $id) { name latest { version source }
        versions { version source note variablesSchema } v1: version(version: 1) { source } } }`,
      { id: templateId },
    );
    expect(configTemplate.latest).toEqual({ version: 2, source: V2 });
    expect(configTemplate.versions.map((v) => [v.version, v.source, v.note])).toEqual([
      [2, V2, 'per platform'],
      [1, V1, 'first'],
    ]);
    expect(JSON.parse(configTemplate.versions[0].variablesSchema)).toEqual(JSON.parse(SCHEMA));
    expect(configTemplate.v1.source).toBe(V1);

    const { configTemplates } = await stack.gql.request<{
      configTemplates: { totalCount: number; edges: { node: { name: string } }[] };
    }>(`{ configTemplates(first: 10) { totalCount edges { node { name } } } }`);
    expect(configTemplates.edges.map((e) => e.node.name)).toEqual(['edge-base']);
  });

  it('refuses a syntax error with its line and column, a bad schema and an unknown platform', async () => {
    const result = await stack.gql.raw(
      `mutation ($input: CreateConfigTemplateInput!) { createConfigTemplate(input: $input) { id } }`,
      {
        input: {
          name: 'broken',
          platforms: ['cisco_ios'],
          source: 'hostname {{ hostname }}\nntp server {{ ntp \n',
          variablesSchema: '{"type": "nonsense"}',
        },
      },
    );
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const fields = result.errors?.[0].extensions?.fields as { field: string; message: string }[];
    expect(fields).toEqual(
      expect.arrayContaining([
        { field: 'source', message: expect.stringMatching(/^line 2, column 12: output .* not closed/) },
        { field: 'variablesSchema', message: expect.any(String) },
      ]),
    );
    const update = await stack.gql.raw(
      `mutation ($id: ID!) { updateConfigTemplate(id: $id, input: { platforms: ["ios"] }) { id } }`,
      { id: templateId },
    );
    expect(update.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'platforms' });
    // Refused updates add no version.
    const { rows } = await stack.db.query(
      'SELECT version FROM config_template_versions WHERE template_id = $1',
      [templateId],
    );
    expect(rows).toHaveLength(2);
  });

  it('binds global < site < device < inputs, and reports an undefined variable for one device only', async () => {
    const [withoutRole, ...others] = names();
    const siteA = 'lab-a';
    // A device outside lab-a sets its own location; the lab-a devices take the site's.
    const overridden = others.find((n) => sites.get(n) !== siteA)!;
    expect(others.some((n) => sites.get(n) === siteA)).toBe(true);
    await setVariables('GLOBAL', '', { hostname: 'unnamed', ntp: '10.0.0.1', location: 'global' });
    await setVariables('SITE', siteA, { location: `site ${siteA}`, ntp: '10.0.0.2' });
    for (const name of names()) {
      await setVariables('DEVICE', stack.deviceIds.get(name)!, {
        hostname: name.replace(/[^A-Za-z0-9]/g, '_'),
        ...(name === withoutRole ? {} : { role: `role-${name}` }),
        ...(name === overridden ? { location: 'rack 7' } : {}),
      });
    }
    const { variables } = await stack.gql.request<{ variables: { variablesJson: string } }>(
      `query ($key: String) { variables(scope: SITE, key: $key) { variablesJson } }`,
      { key: siteA },
    );
    expect(JSON.parse(variables.variablesJson)).toEqual({ location: 'site lab-a', ntp: '10.0.0.2' });

    const rendered = await preview({ templateId, inputsJson: JSON.stringify({ ntp: '192.0.2.9' }) });
    expect(new Set([...rendered.values()].map((r) => r.platform))).toEqual(new Set(['cisco_ios', 'huawei']));

    const failed = rendered.get(withoutRole)!;
    expect(failed.config).toBeNull();
    // Where `{{ role }}` is in the branch this platform takes (1-based, at the variable name).
    const marker =
      failed.platform === 'cisco_ios' ? 'snmp-server contact {{ role }}' : 'sys-info contact {{ role }}';
    const lines = V2.split('\n');
    const line = lines.findIndex((l) => l.includes(marker)) + 1;
    const column = lines[line - 1].indexOf('role }}') + 1;
    expect([line, column]).toEqual(failed.platform === 'cisco_ios' ? [5, 24] : [10, 32]);
    expect(failed.errors).toEqual([
      { field: 'role', line, column, message: `line ${line}, column ${column}: undefined variable: role` },
    ]);

    const locationLayers = new Set<string>();
    for (const name of others) {
      const r = rendered.get(name)!;
      expect(r.errors).toEqual([]);
      expect(layerOf(r, 'ntp')).toBe('runInputs');
      expect(layerOf(r, 'hostname')).toBe('device');
      expect(layerOf(r, 'role')).toBe('device');
      const location =
        name === overridden ? 'rack 7' : sites.get(name) === siteA ? `site ${siteA}` : 'global';
      const layer = name === overridden ? 'device' : sites.get(name) === siteA ? 'site' : 'global';
      expect(layerOf(r, 'location')).toBe(layer);
      locationLayers.add(layer);
      const hostname = name.replace(/[^A-Za-z0-9]/g, '_');
      if (r.platform === 'cisco_ios') {
        expect(r.config).toContain(
          `hostname ${hostname}\nntp server 192.0.2.9\nsnmp-server location ${location}`,
        );
      } else {
        expect(r.config).toContain(`sysname ${hostname}\nntp-service unicast-server 192.0.2.9`);
        expect(r.config).toContain(`snmp-agent sys-info location ${location}`);
      }
      expect(r.lint.filter((l) => l.severity === 'error')).toEqual([]);
    }

    expect(locationLayers).toEqual(new Set(['device', 'site', 'global']));

    // Without inputs, the site's ntp wins over the global one for lab-a devices.
    const noInputs = await preview({ templateId, version: 2 });
    for (const name of others) {
      expect(layerOf(noInputs.get(name)!, 'ntp')).toBe(sites.get(name) === siteA ? 'site' : 'global');
    }
    // Version 1 is still renderable, and a schema violation names the variable.
    const v1 = await preview({ templateId, version: 1, inputsJson: JSON.stringify({ ntp: 'not-an-ip' }) });
    for (const r of v1.values()) {
      expect(r.config).toBeNull();
      expect(r.errors).toEqual([
        expect.objectContaining({ field: 'ntp', message: expect.stringMatching(/^ntp: /) }),
      ]);
    }
  });

  it('previews a built-in template read from templates/config', async () => {
    const { builtinConfigTemplates } = await stack.gql.request<{
      builtinConfigTemplates: { name: string; platforms: string[] }[];
    }>(`{ builtinConfigTemplates { name platforms } }`);
    expect(builtinConfigTemplates.map((t) => t.name)).toContain('ios-base');
    const rendered = await preview({ builtinName: 'ios-base' });
    for (const r of rendered.values()) {
      if (r.platform === 'huawei') expect(r.errors[0].field).toBe('platform');
      // ios-base requires interfaces, which no layer sets.
      else expect(r.errors).toContainEqual(expect.objectContaining({ field: 'interfaces' }));
    }
  });

  it.each([
    ['ZIP', (file: string) => execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' })],
    ['TAR_GZ', (file: string) => execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })],
  ])('exports the rendered configs as %s', async (format, list) => {
    const [withoutRole, ...others] = names();
    const { exportRenderedConfigs } = await stack.gql.request<{
      exportRenderedConfigs: { fileName: string; contentBase64: string; files: number; failed: string[] };
    }>(
      `mutation ($input: ExportRenderedConfigsInput!) {
        exportRenderedConfigs(input: $input) { fileName contentBase64 files failed } }`,
      { input: { templateId, format, deviceIds: names().map((n) => stack.deviceIds.get(n)) } },
    );
    expect(exportRenderedConfigs.failed).toEqual([withoutRole]);
    expect(exportRenderedConfigs.files).toBe(others.length);
    expect(exportRenderedConfigs.fileName).toBe(`edge-base-v2.${format === 'ZIP' ? 'zip' : 'tar.gz'}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-export-'));
    try {
      const file = path.join(dir, exportRenderedConfigs.fileName);
      writeFileSync(file, Buffer.from(exportRenderedConfigs.contentBase64, 'base64'));
      const entries = list(file).split('\n').filter(Boolean).sort();
      expect(entries).toEqual(others.map((n) => `${n}.cfg`).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
