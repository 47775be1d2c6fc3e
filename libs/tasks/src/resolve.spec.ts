import { SwitchboardError } from '../../common/src/errors';
import { evaluateCondition, resolveParams } from './resolve';
import type { ResolveScope } from './resolve';

const scope: ResolveScope = {
  inputs: { site: 'lab', vlan: 120, dryRun: false, tags: ['core', 'edge'], note: null },
  steps: {
    show: {
      output: {
        total: 2,
        failed: 0,
        devices: [
          { id: 'd1', name: 'sw1' },
          { id: 'd2', name: 'sw2' },
        ],
      },
    },
    api: { output: { status: 200, extracted: { vlan: 'users' } } },
  },
  run: { id: 'run-1', taskName: 'vlan-push', taskVersion: 4 },
};

function failure(fn: () => unknown): SwitchboardError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SwitchboardError) return error;
    throw error;
  }
  throw new Error('expected a SwitchboardError');
}

describe('resolveParams', () => {
  it('keeps the type of a whole-value reference', () => {
    expect(
      resolveParams(
        {
          devices: '{{ steps.show.output.devices }}',
          first: '{{steps.show.output.devices[0]}}',
          vlan: '{{ inputs.vlan }}',
          dryRun: '{{ inputs.dryRun }}',
          note: '{{ inputs.note }}',
          count: '{{ steps.show.output.devices.size }}',
          last: '{{ steps.show.output.devices.last.name }}',
          bracket: '{{ steps["api"].output.extracted.vlan }}',
          version: '{{ run.taskVersion }}',
        },
        scope,
      ),
    ).toEqual({
      devices: [
        { id: 'd1', name: 'sw1' },
        { id: 'd2', name: 'sw2' },
      ],
      first: { id: 'd1', name: 'sw1' },
      vlan: 120,
      dryRun: false,
      note: null,
      count: 2,
      last: 'sw2',
      bracket: 'users',
      version: 4,
    });
  });

  it('renders mixed strings and walks arrays and objects', () => {
    expect(
      resolveParams(
        {
          lines: ['vlan {{ inputs.vlan }}', ' name {{ steps.api.output.extracted.vlan | upcase }}'],
          body: {
            text: 'run {{ run.id }} on {{ inputs.tags | join: "," }}',
            json: '{{ inputs.tags | json }}',
          },
          plain: 'show version',
          braces: '{ not markup }',
          loop: '{% for d in steps.show.output.devices %}{{ d.name }} {% endfor %}',
          number: 5,
          nothing: null,
        },
        scope,
      ),
    ).toEqual({
      lines: ['vlan 120', ' name USERS'],
      body: { text: 'run run-1 on core,edge', json: '["core","edge"]' },
      plain: 'show version',
      braces: '{ not markup }',
      loop: 'sw1 sw2 ',
      number: 5,
      nothing: null,
    });
  });

  it('throws on an undefined variable, naming the field and the variable', () => {
    const whole = failure(() => resolveParams({ commands: ['x', '{{ steps.show.output.stdout }}'] }, scope));
    expect(whole.fields).toEqual([
      { field: 'params.commands[1]', message: 'undefined variable "steps.show.output.stdout"' },
    ]);
    const deep = failure(() => resolveParams({ devices: { site: '{{ inputs.region.name }}' } }, scope));
    expect(deep.fields).toEqual([
      { field: 'params.devices.site', message: 'undefined variable "inputs.region"' },
    ]);
    const mixed = failure(() =>
      resolveParams({ url: 'https://x/{{ steps.api.output.extracted.id }}' }, scope),
    );
    expect(mixed.message).toBe('params.url: undefined variable "steps.api.output.extracted.id"');
    expect(failure(() => resolveParams('{{ item.name }}', scope, 'inputs.n')).message).toBe(
      'inputs.n: undefined variable "item"',
    );
  });

  it('reports Liquid errors with their position', () => {
    expect(failure(() => resolveParams({ a: 'x {{ inputs.site | nope }}' }, scope)).message).toBe(
      'params.a: line 1, column 3: undefined filter: nope',
    );
  });

  it('resolves item and index inside a fanout', () => {
    const itemScope = { ...scope, item: { host: '10.0.0.1', name: 'sw1' }, index: 0 };
    expect(
      resolveParams({ target: '{{ item }}', label: '#{{ index | plus: 1 }} {{ item.name }}' }, itemScope),
    ).toEqual({
      target: { host: '10.0.0.1', name: 'sw1' },
      label: '#1 sw1',
    });
  });

  it('cannot reach prototype properties', () => {
    expect(failure(() => resolveParams('{{ inputs.constructor }}', scope)).message).toBe(
      'params: undefined variable "inputs.constructor"',
    );
  });
});

describe('evaluateCondition', () => {
  it.each<[string, boolean]>([
    ["inputs.site == 'lab' and steps.show.output.failed == 0", true],
    ["inputs.site == 'prod' or steps.show.output.total > 5", false],
    ['steps.api.output.status >= 200 and steps.api.output.status < 300', true],
    ['inputs.dryRun', false],
    ['inputs.tags contains "edge"', true],
    ['run.taskVersion == 4', true],
  ])('%s → %s', (expression, expected) => {
    expect(evaluateCondition(expression, scope)).toBe(expected);
  });

  it('treats undefined variables as errors', () => {
    expect(failure(() => evaluateCondition('inputs.env == "prod"', scope)).fields).toEqual([
      { field: 'when', message: 'undefined variable "inputs.env"' },
    ]);
  });

  it('rejects Liquid delimiters and empty expressions', () => {
    expect(failure(() => evaluateCondition('{{ inputs.site }}', scope)).message).toMatch(
      /^when: is a Liquid expression/,
    );
    expect(failure(() => evaluateCondition('  ', scope)).message).toBe('when: must not be empty');
  });
});
