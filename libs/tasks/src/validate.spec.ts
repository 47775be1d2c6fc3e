import { PLATFORMS } from '../../common/src/platforms';
import type { TaskDefinition } from './definition';
import { topologicalOrder } from './graph';
import { validateDefinition } from './validate';

const SITE = { site: 'lab' };

/** A valid diamond: backup → (api, approve) → push. */
function diamond(): Record<string, unknown> {
  return {
    name: 'vlan-push',
    inputSchema: {
      type: 'object',
      required: ['site'],
      properties: { site: { type: 'string' }, env: { type: 'string', default: 'lab' } },
    },
    steps: [
      {
        id: 'backup',
        kind: 'ssh.commands',
        params: { devices: { site: '{{ inputs.site }}' }, backupReason: 'before VLAN push' },
      },
      {
        id: 'api',
        kind: 'http.request',
        dependsOn: ['backup'],
        params: {
          url: 'https://ipam.example/api/vlans?site={{ inputs.site }}',
          extract: { vlan: 'data.items[0].id' },
        },
      },
      {
        id: 'approve',
        kind: 'approval',
        dependsOn: ['backup'],
        params: { timeoutSeconds: 3600, message: 'Push VLAN {{ steps.api.output.extracted.vlan }}?' },
      },
      {
        id: 'push',
        kind: 'ssh.configure',
        dependsOn: ['api', 'approve'],
        when: "inputs.env == 'prod' and steps.backup.output.failed == 0",
        params: {
          devices: { site: '{{ inputs.site }}' },
          lines: ['vlan {{ steps.api.output.extracted.vlan }}'],
        },
        compensate: {
          kind: 'ssh.configure',
          params: {
            devices: { site: '{{ inputs.site }}' },
            lines: ['no vlan {{ steps.api.output.extracted.vlan }}'],
          },
          retry: { maximumAttempts: 10 },
        },
      },
    ],
  };
}

/** A definition with one step `s`. */
function single(kind: string, params: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'one', steps: [{ id: 's', kind, params, ...extra }] };
}

function errorsOf(raw: unknown) {
  const result = validateDefinition(raw);
  if (result.errors.length > 0) expect(result.definition).toBeUndefined();
  return result.errors;
}

describe('validateDefinition', () => {
  it('accepts a diamond, applies defaults, and orders it by dependencies', () => {
    const raw = diamond();
    // The approval step refers to api, which is not its ancestor: make it one for this test.
    (raw.steps as Record<string, unknown>[])[2].dependsOn = ['api'];
    const { definition, errors } = validateDefinition(raw);
    expect(errors).toEqual([]);
    expect(definition).toEqual({
      name: 'vlan-push',
      description: '',
      owner: '',
      priority: 3,
      tags: [],
      inputSchema: raw.inputSchema,
      concurrency: 4,
      safety: {
        onLocked: 'WAIT',
        lockTimeoutSeconds: 3600,
        onClosedWindow: 'WAIT',
        windowTimeoutSeconds: 604800,
      },
      steps: [
        {
          id: 'backup',
          kind: 'ssh.commands',
          dependsOn: [],
          params: { devices: { site: '{{ inputs.site }}' }, backupReason: 'before VLAN push' },
          continueOnError: false,
        },
        {
          id: 'api',
          kind: 'http.request',
          dependsOn: ['backup'],
          params: {
            url: 'https://ipam.example/api/vlans?site={{ inputs.site }}',
            extract: { vlan: 'data.items[0].id' },
          },
          continueOnError: false,
        },
        {
          id: 'approve',
          kind: 'approval',
          dependsOn: ['api'],
          params: { timeoutSeconds: 3600, message: 'Push VLAN {{ steps.api.output.extracted.vlan }}?' },
          continueOnError: false,
        },
        {
          id: 'push',
          kind: 'ssh.configure',
          dependsOn: ['api', 'approve'],
          when: "inputs.env == 'prod' and steps.backup.output.failed == 0",
          params: {
            devices: { site: '{{ inputs.site }}' },
            lines: ['vlan {{ steps.api.output.extracted.vlan }}'],
          },
          continueOnError: false,
          compensate: {
            kind: 'ssh.configure',
            params: {
              devices: { site: '{{ inputs.site }}' },
              lines: ['no vlan {{ steps.api.output.extracted.vlan }}'],
            },
            retry: { maximumAttempts: 10 },
          },
        },
      ],
    });
    expect(topologicalOrder(definition as TaskDefinition)).toEqual(['backup', 'api', 'approve', 'push']);
  });

  it('reports a reference to a step that is not an ancestor', () => {
    expect(errorsOf(diamond())).toEqual([
      {
        field: 'steps[2].params.message',
        message:
          'step "approve": "steps.api.output.extracted.vlan": step "api" is not an ancestor of "approve"; add it to dependsOn',
      },
    ]);
  });

  it('does not mutate or share the input', () => {
    const raw = diamond();
    (raw.steps as Record<string, unknown>[])[2].dependsOn = ['api'];
    const before = JSON.stringify(raw);
    const { definition } = validateDefinition(raw);
    expect(JSON.stringify(raw)).toBe(before);
    expect(Object.getPrototypeOf(definition!.steps[0].params)).toBe(Object.prototype);
    expect(definition!.steps[0].params.devices).not.toBe(
      ((raw.steps as Record<string, unknown>[])[0].params as Record<string, unknown>).devices,
    );
  });

  it('names the cycle and reports it on the dependsOn of its first step', () => {
    const raw = {
      name: 'loop',
      steps: [
        { id: 'a', kind: 'sleep', dependsOn: ['c'], params: { seconds: 1 } },
        { id: 'b', kind: 'sleep', dependsOn: ['a'], params: { seconds: 1 } },
        { id: 'c', kind: 'sleep', dependsOn: ['b'], params: { seconds: 1 } },
        { id: 'd', kind: 'sleep', dependsOn: ['a'], params: { seconds: 1 } },
      ],
    };
    expect(errorsOf(raw)).toEqual([
      { field: 'steps[0].dependsOn', message: 'step "a": cycle: a → c → b → a' },
    ]);
  });

  it('reports unknown, self and repeated dependencies at the entry', () => {
    const raw = {
      name: 'deps',
      steps: [
        { id: 'backup', kind: 'sleep', params: { seconds: 0 } },
        {
          id: 'push',
          kind: 'sleep',
          dependsOn: ['bakup', 'push', 'backup', 'backup'],
          params: { seconds: 0 },
        },
      ],
    };
    expect(errorsOf(raw)).toEqual([
      { field: 'steps[1].dependsOn[0]', message: 'step "push": unknown step "bakup" in dependsOn' },
      { field: 'steps[1].dependsOn[1]', message: 'step "push": depends on itself' },
      { field: 'steps[1].dependsOn[3]', message: 'step "push": "backup" is listed twice in dependsOn' },
    ]);
  });

  it('applies the upstream defaults, and reports a repeated task, a bad condition and a bad timeout', () => {
    const ok = validateDefinition({
      ...single('sleep', { seconds: 0 }),
      upstream: { tasks: [{ task: 'backup' }, { task: 'audit', when: 'COMPLETED', offsetSeconds: 300 }] },
    });
    expect(ok.errors).toEqual([]);
    expect(ok.definition!.upstream).toEqual({
      tasks: [
        { task: 'backup', when: 'SUCCEEDED', offsetSeconds: 0 },
        { task: 'audit', when: 'COMPLETED', offsetSeconds: 300 },
      ],
      timeoutSeconds: 3600,
      onTimeout: 'SKIP',
      onUnmet: 'SKIP',
    });
    expect(validateDefinition(single('sleep', { seconds: 0 })).definition!.upstream).toBeUndefined();
    const fields = errorsOf({
      ...single('sleep', { seconds: 0 }),
      upstream: {
        tasks: [{ task: 'backup' }, { task: 'backup', when: 'SOMETIMES' }, { task: 'Bad Name' }],
        timeoutSeconds: 0,
        onTimeout: 'RETRY',
      },
    }).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'upstream.tasks[1].when',
        'upstream.tasks[2].task',
        'upstream.timeoutSeconds',
        'upstream.onTimeout',
      ]),
    );
    expect(errorsOf({ ...single('sleep', { seconds: 0 }), upstream: { tasks: [] } })).toEqual([
      expect.objectContaining({ field: 'upstream.tasks' }),
    ]);
  });

  it('accepts capabilities on steps that run on nodes, and refuses them elsewhere', () => {
    expect(errorsOf(single('script', { devices: SITE, script: 'true' }, { requires: ['mgmt-net'] }))).toEqual(
      [],
    );
    expect(errorsOf(single('sleep', { seconds: 0 }, { requires: ['mgmt-net'] }))).toEqual([
      {
        field: 'steps[0].requires',
        message: expect.stringContaining('sleep steps run no work on a node'),
      },
    ]);
    const script = (requires: string[]) => single('script', { devices: SITE, script: 'true' }, { requires });
    expect(errorsOf(script(['Mgmt'])).map((e) => e.field)).toEqual(['steps[0].requires[0]']);
    expect(errorsOf(script(['a', 'b', 'c', 'd', 'e'])).map((e) => e.field)).toEqual(['steps[0].requires']);
  });

  it('reports an upstream task listed twice', () => {
    expect(
      errorsOf({
        ...single('sleep', { seconds: 0 }),
        upstream: { tasks: [{ task: 'backup' }, { task: 'backup' }] },
      }),
    ).toEqual([{ field: 'upstream.tasks[1].task', message: '"backup" is listed twice' }]);
  });

  it('lists the known kinds for an unknown kind', () => {
    expect(errorsOf(single('ssh.command', {}))).toEqual([
      {
        field: 'steps[0].kind',
        message:
          'step "s": unknown kind "ssh.command" (known kinds: ssh.commands, ssh.configure, http.request, script, approval, sleep, subtask, fanout, device.check, file.upload, file.download, deploy.release)',
      },
    ]);
  });

  it('reports duplicate step ids at the later step', () => {
    const raw = {
      name: 'dup',
      steps: [
        { id: 'a', kind: 'sleep', params: { seconds: 1 } },
        { id: 'b', kind: 'sleep', params: { seconds: 1 } },
        { id: 'a', kind: 'sleep', params: { seconds: 2 } },
      ],
    };
    expect(errorsOf(raw)).toEqual([
      { field: 'steps[2].id', message: 'step "a": duplicate id: steps[0] has it too' },
    ]);
  });

  it('reports every problem at once, definition fields first', () => {
    const raw = {
      name: 'Bad Name',
      priority: 9,
      concurrency: 0,
      stpes: [],
      steps: [
        { id: '1st', kind: 'sleep', params: { seconds: -1 } },
        { id: 'ok', kind: 'sleep', params: { seconds: 1 }, timeoutSeconds: 1.5, continueOnError: 'yes' },
      ],
    };
    expect(errorsOf(raw)).toEqual([
      {
        field: 'name',
        message: 'must be 1-100 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
      },
      { field: 'priority', message: 'must be <= 5' },
      { field: 'concurrency', message: 'must be >= 1' },
      { field: 'stpes', message: 'unknown field "stpes"' },
      {
        field: 'steps[0].id',
        message:
          'step "1st": must start with a letter and have only letters, digits and _ (at most 64 characters)',
      },
      { field: 'steps[0].params.seconds', message: 'step "1st": must be >= 0' },
      { field: 'steps[1].timeoutSeconds', message: 'step "ok": must be an integer' },
      { field: 'steps[1].continueOnError', message: 'step "ok": must be a boolean' },
    ]);
  });

  it('rejects a definition that is not an object, and one without steps', () => {
    expect(errorsOf('name: x')).toEqual([{ field: 'definition', message: 'must be an object' }]);
    expect(errorsOf({ name: 'x' })).toEqual([{ field: 'steps', message: 'is required' }]);
    expect(errorsOf({ name: 'x', steps: [] })).toEqual([
      { field: 'steps', message: 'must have at least 1 item' },
    ]);
  });

  it('checks that the effective retry intervals are ordered', () => {
    expect(
      errorsOf(
        single('sleep', { seconds: 1 }, { retry: { initialIntervalSeconds: 120, backoffCoefficient: 0.5 } }),
      ),
    ).toEqual([
      { field: 'steps[0].retry.backoffCoefficient', message: 'step "s": must be >= 1' },
      {
        field: 'steps[0].retry.initialIntervalSeconds',
        message: 'step "s": maximumIntervalSeconds (60) must be >= initialIntervalSeconds (120)',
      },
    ]);
  });

  it('reports an inputSchema that does not compile with ajv', () => {
    const errors = errorsOf({
      name: 'x',
      inputSchema: { type: 'object', properties: { site: { type: 'strin' } } },
      steps: [{ id: 's', kind: 'sleep', params: { seconds: 1 } }],
    });
    expect(errors).toHaveLength(1);
    expect(errors[0].field).toBe('inputSchema');
    expect(errors[0].message).toMatch(/^schema is invalid: data\/properties\/site\/type must be/);
    expect(
      errorsOf({
        name: 'x',
        inputSchema: { type: 'array' },
        steps: [{ id: 's', kind: 'sleep', params: { seconds: 1 } }],
      }),
    ).toEqual([{ field: 'inputSchema.type', message: 'must be "object": run inputs are an object' }]);
  });
});

describe('step params', () => {
  const devices = { site: 'lab' };
  it.each<[string, string, unknown, string, string]>([
    [
      'ssh.commands without commands',
      'ssh.commands',
      { devices },
      'params.commands',
      'is required (or commandsByPlatform; or backupReason to save running configs)',
    ],
    [
      'ssh.commands with an unknown param',
      'ssh.commands',
      { devices, commands: ['show version'], comands: [] },
      'params.comands',
      'unknown param "comands"',
    ],
    [
      'ssh.commands with empty commands',
      'ssh.commands',
      { devices, commands: [] },
      'params.commands',
      'must have at least 1 item',
    ],
    [
      'ssh.commands with a non-string command',
      'ssh.commands',
      { devices, commands: ['show version', 7] },
      'params.commands[1]',
      'must be a string',
    ],
    [
      'ssh.commands without devices',
      'ssh.commands',
      { commands: ['show version'] },
      'params.devices',
      'is required',
    ],
    [
      'ssh.commands with an empty device target',
      'ssh.commands',
      { devices: {}, commands: ['x'] },
      'params.devices',
      'must select devices with at least one of deviceIds, names, site, tags, platform',
    ],
    [
      'ssh.commands with an unknown target key',
      'ssh.commands',
      { devices: { site: 'a', role: 'core' }, commands: ['x'] },
      'params.devices.role',
      'unknown param "role"',
    ],
    [
      'ssh.commands with an unknown platform',
      'ssh.commands',
      { devices: { platform: 'ios' }, commands: ['x'] },
      'params.devices.platform',
      `must be one of ${PLATFORMS.map((p) => `"${p}"`).join(', ')}`,
    ],
    [
      'ssh.commands with a misspelt platform key',
      'ssh.commands',
      { devices, commandsByPlatform: { cisco_iso: ['show version'] } },
      'params.commandsByPlatform.cisco_iso',
      `unknown platform "cisco_iso" (platforms: ${PLATFORMS.join(', ')})`,
    ],
    [
      'ssh.commands with concurrency 0',
      'ssh.commands',
      { devices, commands: ['x'], concurrency: 0 },
      'params.concurrency',
      'must be >= 1',
    ],
    [
      'ssh.commands with a negative maxFailedDevices',
      'ssh.commands',
      { devices, commands: ['x'], maxFailedDevices: -1 },
      'params.maxFailedDevices',
      'must be >= 0',
    ],
    [
      'ssh.configure without lines',
      'ssh.configure',
      { devices },
      'params.lines',
      'is required (or linesByPlatform)',
    ],
    ['script without script', 'script', { devices }, 'params.script', 'is required'],
    [
      'script with a fractional exit code',
      'script',
      { devices, script: 'true', expectExitCode: 1.5 },
      'params.expectExitCode',
      'must be an integer',
    ],
    [
      'http.request with an ftp url',
      'http.request',
      { url: 'ftp://files.example/x' },
      'params.url',
      'must be an http:// or https:// URL',
    ],
    ['http.request without url', 'http.request', { method: 'GET' }, 'params.url', 'is required'],
    [
      'http.request with an unknown method',
      'http.request',
      { url: 'https://a.example', method: 'FETCH' },
      'params.method',
      'must be one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"',
    ],
    [
      'http.request with two kinds of auth',
      'http.request',
      { url: 'https://a.example', auth: { credential: 'c', bearerToken: 't' } },
      'params.auth',
      'must have exactly one of credential or bearerToken',
    ],
    [
      'http.request with a numeric header',
      'http.request',
      { url: 'https://a.example', headers: { 'X-Api-Key': 5 } },
      'params.headers["X-Api-Key"]',
      'must be a string',
    ],
    [
      'http.request with a bad extract path',
      'http.request',
      { url: 'https://a.example', extract: { id: 'data..id' } },
      'params.extract.id',
      '"data..id" is not a path such as data.items[0].name',
    ],
    [
      'http.request with a bad expected status',
      'http.request',
      { url: 'https://a.example', expectStatus: [200, 99] },
      'params.expectStatus[1]',
      'must be >= 100',
    ],
    [
      'approval without timeoutSeconds',
      'approval',
      { message: 'ok?' },
      'params.timeoutSeconds',
      'is required',
    ],
    [
      'approval with an unknown default decision',
      'approval',
      { timeoutSeconds: 60, defaultDecision: 'maybe' },
      'params.defaultDecision',
      'must be one of "approve", "reject"',
    ],
    ['sleep with negative seconds', 'sleep', { seconds: -1 }, 'params.seconds', 'must be >= 0'],
    ['sleep with text seconds', 'sleep', { seconds: 'ten' }, 'params.seconds', 'must be a number'],
    [
      'subtask with a bad task name',
      'subtask',
      { task: 'Backup All' },
      'params.task',
      'must be a task name: lower-case letters, digits, ".", "_" and "-"',
    ],
    ['subtask with version 0', 'subtask', { task: 'backup', version: 0 }, 'params.version', 'must be >= 1'],
    [
      'params that are not JSON',
      'sleep',
      { seconds: 1, at: new Date(0) },
      'params.at',
      'must be JSON data (string, number, boolean, null, array or object)',
    ],
  ])('%s', (_title, kind, params, field, message) => {
    const errors = errorsOf(single(kind, params));
    expect(errors).toContainEqual({ field: `steps[0].${field}`, message: `step "s": ${message}` });
  });

  it('accepts a reference in place of any typed value, at any depth', () => {
    const raw = {
      name: 'refs',
      inputSchema: { type: 'object' },
      steps: [
        { id: 'a', kind: 'sleep', params: { seconds: '{{ inputs.delay }}' } },
        {
          id: 'b',
          kind: 'ssh.commands',
          params: {
            devices: '{{ inputs.target }}',
            commands: '{{ inputs.commands }}',
            concurrency: '{{ inputs.concurrency }}',
          },
        },
        {
          id: 'c',
          kind: 'http.request',
          params: {
            url: '{{ inputs.url }}',
            expectStatus: ['{{ inputs.status }}'],
            headers: '{{ inputs.headers }}',
          },
        },
        {
          id: 'd',
          kind: 'ssh.configure',
          params: { devices: { deviceIds: ['{{ inputs.id }}'] }, lines: ['x'] },
        },
      ],
    };
    expect(errorsOf(raw)).toEqual([]);
  });

  it('reports a Liquid syntax error in a param with its position', () => {
    expect(errorsOf(single('ssh.commands', { devices: SITE, commands: ['show {{ inputs.x '] }))).toEqual([
      {
        field: 'steps[0].params.commands[0]',
        message: 'step "s": line 1, column 6: output "{{ inputs.x " not closed',
      },
    ]);
  });
});

describe('fanout params', () => {
  const step = { kind: 'ssh.commands', params: { commands: ['show version'] } };

  it('accepts a devices fanout whose sub-step omits devices and reads item fields', () => {
    const raw = single('fanout', {
      devices: { tags: ['core'] },
      step: {
        kind: 'ssh.commands',
        params: { commands: ['ping {{ item.host }} repeat {{ index | plus: 1 }}'] },
      },
      aggregate: { mode: 'count', field: 'failed' },
    });
    expect(errorsOf(raw)).toEqual([]);
  });

  it('requires devices in the sub-step of an items fanout', () => {
    expect(errorsOf(single('fanout', { items: [1, 2], step }))).toEqual([
      { field: 'steps[0].params.step.params.devices', message: 'step "s": is required' },
    ]);
  });

  it('wants exactly one of items or devices, and one of step or task', () => {
    expect(errorsOf(single('fanout', { step }))).toEqual([
      { field: 'steps[0].params.items', message: 'step "s": is required (or devices)' },
    ]);
    expect(
      errorsOf(
        single('fanout', { items: [1], devices: SITE, step: { kind: 'sleep', params: { seconds: 1 } } }),
      ),
    ).toEqual([{ field: 'steps[0].params.devices', message: 'step "s": give items or devices, not both' }]);
    expect(errorsOf(single('fanout', { devices: SITE }))).toEqual([
      { field: 'steps[0].params.step', message: 'step "s": is required (or task)' },
    ]);
    expect(errorsOf(single('fanout', { devices: SITE, step, task: { task: 'backup' } }))).toEqual([
      { field: 'steps[0].params.task', message: 'step "s": give step or task, not both' },
    ]);
  });

  it('checks the sub-step kind and its params with that kind’s rules', () => {
    expect(errorsOf(single('fanout', { items: [1], step: { kind: 'approval', params: {} } }))).toEqual([
      {
        field: 'steps[0].params.step.kind',
        message:
          'step "s": a fanout runs one of ssh.commands, ssh.configure, script, http.request, sleep per item, not "approval"',
      },
    ]);
    expect(
      errorsOf(
        single('fanout', {
          items: [1],
          step: { kind: 'http.request', params: { url: 'ldap://x', verb: 'GET' } },
        }),
      ),
    ).toEqual([
      { field: 'steps[0].params.step.params.url', message: 'step "s": must be an http:// or https:// URL' },
      { field: 'steps[0].params.step.params.verb', message: 'step "s": unknown param "verb"' },
    ]);
  });

  it('requires field for count and expression for reduce', () => {
    expect(
      errorsOf(
        single('fanout', {
          items: [1],
          step: { kind: 'sleep', params: { seconds: 1 } },
          aggregate: { mode: 'count' },
        }),
      ),
    ).toEqual([
      { field: 'steps[0].params.aggregate.field', message: 'step "s": is required when mode is "count"' },
    ]);
    expect(
      errorsOf(
        single('fanout', {
          items: [1],
          step: { kind: 'sleep', params: { seconds: 1 } },
          aggregate: { mode: 'reduce' },
        }),
      ),
    ).toEqual([
      {
        field: 'steps[0].params.aggregate.expression',
        message: 'step "s": is required when mode is "reduce"',
      },
    ]);
  });

  it('checks a reduce expression against acc, item, output and index, written bare', () => {
    const fanout = (expression: string) =>
      single('fanout', {
        items: [1],
        step: { kind: 'sleep', params: { seconds: 1 } },
        aggregate: { mode: 'reduce', expression },
      });
    expect(errorsOf(fanout('acc | plus: output.seconds | plus: index'))).toEqual([]);
    expect(errorsOf(fanout('acc | plus: inputs.x'))).toEqual([
      {
        field: 'steps[0].params.aggregate.expression',
        message: 'step "s": unknown variable "inputs.x": use acc, item, output, index',
      },
    ]);
    expect(errorsOf(fanout('{{ acc }}'))).toEqual([
      {
        field: 'steps[0].params.aggregate.expression',
        message:
          'step "s": is a Liquid expression such as "acc | plus: output.total": write it without {{ }} or {% %}',
      },
    ]);
  });

  it('allows item and index only inside a fanout step or task', () => {
    expect(errorsOf(single('sleep', { seconds: '{{ item.delay }}' }))).toEqual([
      {
        field: 'steps[0].params.seconds',
        message: 'step "s": "item.delay": item and index exist only inside a fanout\'s step or task',
      },
    ]);
    expect(
      errorsOf(
        single('fanout', { items: '{{ index }}', task: { task: 'child', inputs: { n: '{{ item }}' } } }),
      ),
    ).toEqual([
      {
        field: 'steps[0].params.items',
        message: 'step "s": "index": item and index exist only inside a fanout\'s step or task',
      },
    ]);
  });

  it('knows the fields of a device item', () => {
    expect(
      errorsOf(
        single('fanout', {
          devices: SITE,
          step: { kind: 'sleep', params: { seconds: '{{ item.uptime }}' } },
        }),
      ),
    ).toEqual([
      {
        field: 'steps[0].params.step.params.seconds',
        message:
          'step "s": "item.uptime": a device item has no field "uptime" (fields: id, name, platform, host, site, tags, credential)',
      },
    ]);
  });
});

describe('references', () => {
  function chain(reference: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      name: 'chain',
      inputSchema: { type: 'object', properties: { site: { type: 'string' } } },
      steps: [
        {
          id: 'api',
          kind: 'http.request',
          params: { url: 'https://a.example', extract: { vlan: 'data.id' } },
        },
        {
          id: 'show',
          kind: 'ssh.commands',
          dependsOn: ['api'],
          params: { devices: SITE, commands: ['show version'] },
        },
        {
          id: 'use',
          kind: 'ssh.commands',
          dependsOn: ['show'],
          params: { devices: SITE, commands: [reference] },
          ...extra,
        },
      ],
    };
  }

  it('accepts declared outputs of transitive ancestors, inputs and run fields', () => {
    const refs = [
      'show vlan {{ steps.api.output.extracted.vlan }}',
      '{{ steps.show.output.devices[0].name }} {{ steps.show.output.outputs | json }}',
      '{% for d in steps.show.output.devices %}{{ d.name }}{% endfor %}',
      '{{ inputs.site | upcase }} {{ run.id }} {{ run.taskName }} {{ run.taskVersion }}',
    ];
    for (const ref of refs) expect(errorsOf(chain(ref))).toEqual([]);
  });

  it('rejects an output field the step kind does not have', () => {
    expect(errorsOf(chain('{{ steps.show.output.stdout }}'))).toEqual([
      {
        field: 'steps[2].params.commands[0]',
        message:
          'step "use": "steps.show.output.stdout": step "show" (ssh.commands) has no output field "stdout" (fields: runId, status, total, succeeded, failed, devices, outputs)',
      },
    ]);
    expect(errorsOf(chain('{{ steps.show.result }}'))).toEqual([
      {
        field: 'steps[2].params.commands[0]',
        message: 'step "use": "steps.show.result": only steps.show.output can be read',
      },
    ]);
  });

  it('rejects an extracted name that the http.request step does not extract', () => {
    expect(errorsOf(chain('{{ steps.api.output.extracted.vlanId }}'))).toEqual([
      {
        field: 'steps[2].params.commands[0]',
        message:
          'step "use": "steps.api.output.extracted.vlanId": step "api" does not extract "vlanId" (extract: vlan)',
      },
    ]);
  });

  it('rejects an input the inputSchema does not declare, unless it allows additional properties', () => {
    expect(errorsOf(chain('{{ inputs.sitee }}'))).toEqual([
      {
        field: 'steps[2].params.commands[0]',
        message: 'step "use": "inputs.sitee": input "sitee" is not declared in inputSchema.properties',
      },
    ]);
    const open = chain('{{ inputs.sitee }}');
    open.inputSchema = {
      type: 'object',
      properties: { site: { type: 'string' } },
      additionalProperties: true,
    };
    expect(errorsOf(open)).toEqual([]);
  });

  it('rejects unknown roots, unknown steps, run fields and dynamic step names', () => {
    expect(errorsOf(chain('{{ input.site }}'))[0].message).toBe(
      'step "use": unknown variable "input.site": references start with inputs, steps, run',
    );
    expect(errorsOf(chain('{{ steps.nope.output }}'))[0].message).toBe(
      'step "use": "steps.nope.output": unknown step "nope"',
    );
    expect(errorsOf(chain('{{ run.name }}'))[0].message).toBe(
      'step "use": "run.name": run has no field "name" (fields: id, taskName, taskVersion)',
    );
    expect(errorsOf(chain('{{ steps[inputs.site].output }}'))[0].message).toBe(
      'step "use": "steps[inputs.site].output": name the step literally, as in steps.<id>.output',
    );
  });

  it('lets a compensation, but not the step, read its own output', () => {
    const own = '{{ steps.use.output.devices }}';
    expect(errorsOf(chain(own))).toEqual([
      {
        field: 'steps[2].params.commands[0]',
        message: 'step "use": "steps.use.output.devices": a step cannot read its own output',
      },
    ]);
    const compensated = chain('show version', {
      compensate: {
        kind: 'ssh.configure',
        params: { devices: own, lines: ['no vlan {{ steps.api.output.extracted.vlan }}'] },
      },
    });
    expect(errorsOf(compensated)).toEqual([]);
  });

  it('checks when: references and Liquid syntax, with the column in the expression', () => {
    expect(errorsOf(chain('x', { when: 'steps.show.output.failed == 0 and inputs.site' }))).toEqual([]);
    expect(errorsOf(chain('x', { when: "inputs.site == 'lab' and (steps.show.output.failed" }))).toEqual([
      { field: 'steps[2].when', message: 'step "use": line 1, column 51: invalid range syntax' },
    ]);
    expect(errorsOf(chain('x', { when: 'steps.api.output.code == 200' }))).toEqual([
      {
        field: 'steps[2].when',
        message:
          'step "use": "steps.api.output.code": step "api" (http.request) has no output field "code" (fields: status, headers, body, json, extracted)',
      },
    ]);
    expect(errorsOf(chain('x', { when: '{{ inputs.site }}' }))).toEqual([
      {
        field: 'steps[2].when',
        message:
          'step "use": is a Liquid expression such as "inputs.env == \'prod\'": write it without {{ }} or {% %}',
      },
    ]);
  });
});

describe('device selectors', () => {
  it('refuses a selector that mixes ids, names and site/tags/platform', () => {
    const { errors } = validateDefinition({
      name: 'mixed',
      steps: [
        {
          id: 'a',
          kind: 'ssh.commands',
          params: { devices: { names: ['r1'], site: 'lab-a' }, commands: ['show clock'] },
        },
      ],
    });
    expect(errors).toEqual([
      {
        field: 'steps[0].params.devices',
        message: expect.stringContaining(
          'give one of deviceIds, names or a selector (site, tags, platform), not several',
        ),
      },
    ]);
  });

  it('refuses backupReason on a fanout item (backups are their own ssh.commands step)', () => {
    const { errors } = validateDefinition({
      name: 'fan-backup',
      steps: [
        {
          id: 'f',
          kind: 'fanout',
          params: { devices: { site: 'a' }, step: { kind: 'ssh.commands', params: { backupReason: 'x' } } },
        },
      ],
    });
    expect(errors.map((e) => e.field)).toContain('steps[0].params.step.params.backupReason');
  });
});

describe('device.check params', () => {
  it('accepts a selector, no selector (every device), {} and a reference', () => {
    for (const params of [
      { devices: { site: 'lab-a' }, timeoutSeconds: 3, concurrency: 100 },
      { devices: { names: ['r1', 'r2'] } },
      {},
      { devices: {} },
      { devices: '{{ inputs.selector }}', timeoutSeconds: '{{ inputs.timeout }}' },
    ]) {
      expect(errorsOf(single('device.check', params, {}))).toEqual([]);
    }
  });

  it('checks each param and refuses unknown ones', () => {
    expect(
      errorsOf(
        single('device.check', {
          devices: { site: 'a', names: ['r1'] },
          timeoutSeconds: 0,
          concurrency: 1001,
          lines: ['x'],
        }),
      ),
    ).toEqual([
      {
        field: 'steps[0].params.devices',
        message: 'step "s": give one of deviceIds, names or a selector (site, tags, platform), not several',
      },
      { field: 'steps[0].params.timeoutSeconds', message: 'step "s": must be >= 1' },
      { field: 'steps[0].params.concurrency', message: 'step "s": must be <= 1000' },
      { field: 'steps[0].params.lines', message: 'step "s": unknown param "lines"' },
    ]);
    expect(errorsOf(single('device.check', { timeoutSeconds: 301, devices: { sitee: 'a' } }))).toEqual([
      { field: 'steps[0].params.devices.sitee', message: expect.stringContaining('sitee') },
      { field: 'steps[0].params.timeoutSeconds', message: 'step "s": must be <= 300' },
    ]);
    expect(errorsOf(single('device.check', { timeoutSeconds: 2.5, devices: { platform: 'cisco' } }))).toEqual(
      [
        { field: 'steps[0].params.devices.platform', message: expect.stringContaining('cisco_ios') },
        { field: 'steps[0].params.timeoutSeconds', message: expect.stringContaining('integer') },
      ],
    );
  });

  it('has the outputs total, up, down and devices', () => {
    const raw = {
      name: 'check-then-report',
      steps: [
        { id: 'check', kind: 'device.check', params: {} },
        {
          id: 'nap',
          kind: 'sleep',
          dependsOn: ['check'],
          params: { seconds: '{{ steps.check.output.down }}' },
          when: 'steps.check.output.up > 0 and steps.check.output.total > 0',
        },
        {
          id: 'bad',
          kind: 'sleep',
          dependsOn: ['check'],
          params: { seconds: '{{ steps.check.output.succeeded }}' },
        },
      ],
    };
    expect(errorsOf(raw)).toEqual([
      {
        field: 'steps[2].params.seconds',
        message:
          'step "bad": "steps.check.output.succeeded": step "check" (device.check) has no output field "succeeded" (fields: total, up, down, devices)',
      },
    ]);
  });

  it('is not a fanout item kind', () => {
    const { errors } = validateDefinition({
      name: 'fan-check',
      steps: [
        {
          id: 'f',
          kind: 'fanout',
          params: { devices: { site: 'a' }, step: { kind: 'device.check', params: {} } },
        },
      ],
    });
    expect(errors.map((e) => e.field)).toEqual(['steps[0].params.step.kind']);
  });
});

describe('file transfer and release params', () => {
  const health = {
    http: { port: 8080, path: '/health', expectStatus: [200], bodyContains: 'ok' },
    retries: 5,
  };

  it('accepts file.upload, file.download and deploy.release as documented', () => {
    expect(
      errorsOf(
        single('file.upload', {
          devices: { platform: 'linux' },
          artifact: 'web@1.2.3',
          path: '/opt/web/web.tar.gz',
          mode: '0644',
          owner: 'web:web',
          bandwidthLimitKBps: 1024,
        }),
      ),
    ).toEqual([]);
    expect(
      errorsOf(
        single('file.upload', { devices: { site: 'a' }, artifact: `sha256:${'a'.repeat(64)}`, path: 'x' }),
      ),
    ).toEqual([]);
    expect(
      errorsOf(
        single('file.download', {
          devices: { site: 'a' },
          path: '/var/log/syslog',
          name: 'syslog',
          retainDays: 7,
        }),
      ),
    ).toEqual([]);
    expect(
      errorsOf(
        single('deploy.release', {
          devices: { tags: ['web'] },
          artifact: 'web@{{ inputs.version }}',
          baseDir: '/srv/web',
          preStart: 'npm ci',
          restart: 'systemctl restart web',
          healthCheck: health,
          keepReleases: 3,
        }),
      ),
    ).toEqual([]);
  });

  it('names each bad param', () => {
    const fields = (kind: string, params: unknown) => errorsOf(single(kind, params)).map((e) => e.field);
    expect(
      fields('file.upload', { devices: { site: 'a' }, artifact: 'web', path: '', mode: '9', owner: 'a b' }),
    ).toEqual([
      'steps[0].params.artifact',
      'steps[0].params.path',
      'steps[0].params.mode',
      'steps[0].params.owner',
    ]);
    expect(fields('file.download', { devices: { site: 'a' }, path: '/x', name: '../x' })).toEqual([
      'steps[0].params.name',
    ]);
    expect(
      fields('deploy.release', { devices: { site: 'a' }, artifact: 'web@1', baseDir: '/srv', restart: 'x' }),
    ).toEqual(['steps[0].params.healthCheck']);
  });

  it('wants exactly one of http, tcp or command in a health check', () => {
    const release = (healthCheck: unknown) =>
      errorsOf(
        single('deploy.release', {
          devices: { site: 'a' },
          artifact: 'web@1',
          baseDir: '/srv',
          restart: 'x',
          healthCheck,
        }),
      );
    expect(release({ tcp: { port: 80 }, command: { run: 'true' } })).toEqual([
      {
        field: 'steps[0].params.healthCheck',
        message: 'step "s": must have exactly one of http, tcp or command',
      },
    ]);
    expect(release({})).toHaveLength(1);
    expect(release({ command: { run: 'curl -fs localhost/health', expectOutput: 'ok' } })).toEqual([]);
  });
});
