import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SwitchboardError } from '../../common/src/errors';
import { BUILTIN_TASK_TEMPLATES_DIR, instantiateTemplate, loadTaskTemplates } from './templates';
import type { TaskTemplate } from './templates';

const builtins = loadTaskTemplates(BUILTIN_TASK_TEMPLATES_DIR);
const byName = (name: string) => builtins.find((t) => t.name === name)!;

const EXAMPLES: Record<string, Record<string, unknown>> = {
  'collect-site-facts': { site: 'lab' },
  'device-reachability': {},
  'run-on-linux-servers': { command: 'uptime', tag: 'web' },
  'save-running-configs': { site: 'lab' },
  'vlan-change-with-rollback': { vlanId: 120, vlanName: 'users', site: 'lab' },
};

describe('built-in task templates', () => {
  it('are the five documented ones, sorted by name', () => {
    expect(BUILTIN_TASK_TEMPLATES_DIR).toBe(join(__dirname, '..', '..', '..', 'templates', 'tasks'));
    expect(builtins.map((t) => t.name)).toEqual(Object.keys(EXAMPLES));
    for (const t of builtins) expect(t.title.length).toBeGreaterThan(0);
  });

  it.each(Object.entries(EXAMPLES))('%s instantiates to a valid definition', (name, params) => {
    const { definition, errors } = instantiateTemplate(byName(name), params);
    expect(errors).toEqual([]);
    expect(definition!.name).toBe(name);
    expect(JSON.stringify(definition)).not.toContain('[[');
  });

  it('collect-site-facts asks every lab platform with its own commands', () => {
    const step = instantiateTemplate(byName('collect-site-facts'), { site: 'hq' }).definition!.steps[0];
    expect(step.params).toEqual({
      devices: { site: 'hq' },
      commandsByPlatform: {
        cisco_ios: ['show version', 'show inventory'],
        arista_eos: ['show version', 'show inventory'],
        huawei: ['display version', 'display esn'],
        hp_comware: ['display version', 'display device manuinfo'],
        juniper_junos: ['show version', 'show chassis hardware'],
        linux: ['uname -a', 'hostname'],
      },
      concurrency: 20,
    });
  });

  it('device-reachability checks the devices of its selector input, every device by default', () => {
    const def = instantiateTemplate(byName('device-reachability'), {}).definition!;
    expect(def.steps.map((s) => [s.id, s.kind])).toEqual([['check', 'device.check']]);
    expect(def.steps[0].params).toEqual({
      devices: '{{ inputs.selector }}',
      timeoutSeconds: 5,
      concurrency: 50,
    });
    const selector = (def.inputSchema.properties as Record<string, { default?: unknown }>).selector;
    expect(selector.default).toEqual({});
    const custom = instantiateTemplate(byName('device-reachability'), { timeoutSeconds: 2, concurrency: 10 });
    expect(custom.definition!.steps[0].params).toMatchObject({ timeoutSeconds: 2, concurrency: 10 });
  });

  it('vlan-change-with-rollback adds, removes on compensation, then verifies', () => {
    const def = instantiateTemplate(byName('vlan-change-with-rollback'), {
      vlanId: 120,
      vlanName: 'users',
      site: 'hq',
    }).definition!;
    expect(def.steps.map((s) => [s.id, s.kind, s.dependsOn])).toEqual([
      ['add_vlan', 'ssh.configure', []],
      ['verify', 'ssh.commands', ['add_vlan']],
    ]);
    expect(def.steps[0].params.linesByPlatform).toEqual({
      cisco_ios: ['vlan 120', ' name users'],
      arista_eos: ['vlan 120', ' name users'],
    });
    expect(def.steps[0].compensate).toEqual({
      kind: 'ssh.configure',
      params: {
        devices: { site: 'hq' },
        linesByPlatform: { cisco_ios: ['no vlan 120'], arista_eos: ['no vlan 120'] },
      },
    });
    expect(def.steps[1].params.commandsByPlatform).toEqual({
      cisco_ios: ['show vlan id 120'],
      arista_eos: ['show vlan 120'],
    });
  });

  it('save-running-configs selects by site, tags or both, and keeps list types', () => {
    const tagged = instantiateTemplate(byName('save-running-configs'), {
      tags: ['core', 'dc1'],
      reason: 'pre-upgrade',
    });
    expect(tagged.definition!.steps[0].params).toEqual({
      devices: { tags: ['core', 'dc1'] },
      backupReason: 'pre-upgrade',
      concurrency: 20,
    });
    expect(instantiateTemplate(byName('save-running-configs'), {}).errors).toEqual([
      { field: 'params.site', message: 'is required' },
      { field: 'params.tags', message: 'is required' },
      { field: 'params', message: 'must match a schema in anyOf' },
    ]);
  });

  it('reports a missing or bad parameter at params.<name>', () => {
    expect(
      instantiateTemplate(byName('vlan-change-with-rollback'), {
        vlanName: 'users',
        site: 'hq',
        vlanId: 5000,
      }).errors,
    ).toEqual([{ field: 'params.vlanId', message: 'must be <= 4094' }]);
    expect(
      instantiateTemplate(byName('vlan-change-with-rollback'), { vlanName: 'users', site: 'hq' }).errors,
    ).toEqual([{ field: 'params.vlanId', message: 'is required' }]);
    expect(
      instantiateTemplate(byName('run-on-linux-servers'), { command: 'uptime', tag: 'web', user: 'x' })
        .errors,
    ).toEqual([{ field: 'params.user', message: 'is not allowed' }]);
  });

  it('applies a name override', () => {
    const { definition } = instantiateTemplate(
      byName('collect-site-facts'),
      { site: 'hq' },
      { name: 'facts-hq' },
    );
    expect(definition!.name).toBe('facts-hq');
    expect(
      instantiateTemplate(byName('collect-site-facts'), { site: 'hq' }, { name: 'Facts HQ' }).errors,
    ).toEqual([
      {
        field: 'name',
        message: 'must be 1-100 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
      },
    ]);
  });
});

describe('instantiateTemplate', () => {
  const template: TaskTemplate = {
    name: 'custom',
    title: 'Custom',
    description: '',
    parameters: {
      type: 'object',
      required: ['delays'],
      properties: { delays: { type: 'array', items: { type: 'number' } }, label: { type: 'string' } },
    },
    definition: {
      name: 'custom',
      inputSchema: { type: 'object', properties: { site: { type: 'string' } } },
      steps: [
        {
          id: 'wait',
          kind: 'fanout',
          params: { items: '[[ delays ]]', step: { kind: 'sleep', params: { seconds: '{{ item }}' } } },
        },
        {
          id: 'show',
          kind: 'ssh.commands',
          dependsOn: ['wait'],
          params: {
            devices: { site: '{{ inputs.site }}' },
            commands: ['[% for d in delays %]echo [[ d ]] {{ inputs.site }};[% endfor %]', '[[ label ]]'],
          },
        },
      ],
    },
  };

  it('keeps types, leaves {{ }} references alone, and omits optional parameters not given', () => {
    const { definition, errors } = instantiateTemplate(template, { delays: [1, 2.5] });
    expect(errors).toEqual([]);
    expect(definition!.steps[0].params).toEqual({
      items: [1, 2.5],
      step: { kind: 'sleep', params: { seconds: '{{ item }}' } },
    });
    expect(definition!.steps[1].params.commands).toEqual([
      'echo 1 {{ inputs.site }};echo 2.5 {{ inputs.site }};',
    ]);
    const labelled = instantiateTemplate(template, { delays: [3], label: 'show clock' }).definition!;
    expect(labelled.steps[1].params.commands).toEqual(['echo 3 {{ inputs.site }};', 'show clock']);
  });

  it('reports placeholders that do not resolve at definition.<path>', () => {
    const broken: TaskTemplate = {
      ...template,
      definition: {
        name: 'x',
        steps: [{ id: 'a', kind: 'sleep', params: { seconds: '[[ delay ]]', note: 'at [[ place ]]' } }],
      },
    };
    expect(instantiateTemplate(broken, { delays: [] }).errors).toEqual([
      { field: 'definition.steps[0].params.seconds', message: 'undefined variable "delay"' },
      { field: 'definition.steps[0].params.note', message: 'undefined variable "place"' },
    ]);
  });

  it('validates the instantiated definition', () => {
    const wrongType: TaskTemplate = {
      ...template,
      definition: { name: 'x', steps: [{ id: 'a', kind: 'sleep', params: { seconds: '[[ label ]]' } }] },
    };
    expect(instantiateTemplate(wrongType, { delays: [], label: 'soon' }).errors).toEqual([
      { field: 'steps[0].params.seconds', message: 'step "a": must be a number' },
    ]);
  });
});

describe('loadTaskTemplates', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'task-templates-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('throws naming each broken file', () => {
    writeFileSync(
      join(dir, 'good.yaml'),
      'name: good\ntitle: Good\ndescription: ""\nparameters: {}\ndefinition: {}\n',
    );
    writeFileSync(join(dir, 'bad-yaml.yaml'), 'name: bad-yaml\ntitle: [\n');
    writeFileSync(
      join(dir, 'wrong.yaml'),
      'name: other\ntitle: Wrong\ndescription: ""\nparameters: { type: 12 }\ndefinition: {}\n',
    );
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    let error: unknown;
    try {
      loadTaskTemplates(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SwitchboardError);
    const fields = (error as SwitchboardError).fields;
    expect(fields.map((f) => f.field)).toEqual([
      'bad-yaml.yaml',
      'wrong.yaml: name',
      'wrong.yaml: parameters',
    ]);
    expect(fields[0].message).toMatch(/^line 3, column 1: /);
    expect(fields[1].message).toBe('must equal the file name without .yaml ("wrong")');
    expect(fields[2].message).toMatch(/^is not a valid JSON Schema: schema is invalid: data\/type must be/);
  });

  it('loads valid files sorted by name', () => {
    for (const name of ['b', 'a']) {
      writeFileSync(
        join(dir, `${name}.yaml`),
        `name: ${name}\ntitle: T\ndescription: ""\nparameters: {}\ndefinition: {}\n`,
      );
    }
    expect(loadTaskTemplates(dir).map((t) => t.name)).toEqual(['a', 'b']);
  });
});
