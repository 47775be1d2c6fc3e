import { SwitchboardError } from '../../common/src/errors';
import type { TaskDefinition } from './definition';
import { jsonErrorOffset, parseDefinitionText, serializeDefinition } from './text';
import { validateDefinition } from './validate';

function parseError(text: string, format: 'yaml' | 'json'): SwitchboardError {
  try {
    parseDefinitionText(text, format);
  } catch (error) {
    if (error instanceof SwitchboardError) return error;
    throw error;
  }
  throw new Error('expected a parse error');
}

const definition: TaskDefinition = validateDefinition({
  name: 'round-trip',
  description: 'Multi-line\ndescription: with "quotes"',
  tags: ['yes', '012', 'on'],
  inputSchema: { type: 'object', properties: { site: { type: 'string', default: 'lab' } } },
  steps: [
    {
      id: 'show',
      kind: 'ssh.commands',
      params: {
        devices: { site: '{{ inputs.site }}' },
        commands: ['show version', ' name x', '{{ inputs.site }}'],
      },
    },
    {
      id: 'script',
      name: 'Run it',
      kind: 'script',
      dependsOn: ['show'],
      when: "steps.show.output.failed == 0 and inputs.site != 'x'",
      timeoutSeconds: 30,
      retry: { maximumAttempts: 1 },
      continueOnError: true,
      params: { devices: { platform: 'linux' }, script: '#!/bin/sh\nset -e\necho "{{ run.id }}"\n' },
      compensate: {
        kind: 'script',
        params: { devices: { platform: 'linux' }, script: 'true' },
        timeoutSeconds: 5,
      },
    },
  ],
}).definition!;

describe('parseDefinitionText', () => {
  it('parses YAML and JSON', () => {
    expect(parseDefinitionText('name: a\nsteps:\n  - id: s\n    kind: sleep\n', 'yaml')).toEqual({
      name: 'a',
      steps: [{ id: 's', kind: 'sleep' }],
    });
    expect(parseDefinitionText('{"name": "a", "priority": 2}', 'json')).toEqual({ name: 'a', priority: 2 });
  });

  it.each([
    [
      'name: a\nsteps:\n  - id: s\n   kind: sleep\n',
      'definition: line 4, column 1: Sequence item without - indicator',
    ],
    ['name: a: b\n', 'definition: line 1, column 7: Nested mappings are not allowed in compact mappings'],
    ['name: a\nname: b\n', 'definition: line 2, column 1: Map keys must be unique'],
    ['name: "a\n', 'definition: line 2, column 1: Missing closing "quote'],
    [
      'steps: *missing\n',
      'definition: line 1, column 8: Unresolved alias (the anchor must be set before the alias): missing',
    ],
  ])('reports YAML syntax errors with line and column: %j', (text, message) => {
    const error = parseError(text, 'yaml');
    expect(error.message).toBe(message);
    expect(error.fields).toEqual([{ field: 'definition', message: message.slice('definition: '.length) }]);
  });

  it.each([
    [
      '{\n  "name": "a",\n  "steps": [\n    {"id": "s",}\n  ]\n}',
      'line 4, column 16: Expected double-quoted property name',
    ],
    ['{\n  "name": "a",\n  "priority": }', "line 3, column 15: Unexpected token '}'"],
    ['{"name": "a"', "line 1, column 13: Expected ',' or '}' after property value"],
    ['', 'line 1, column 1: Unexpected end of JSON input'],
    ['{"name": "a"}\n}', 'line 2, column 1: Unexpected non-whitespace character after JSON'],
    ['{"name": tru}', "line 1, column 13: Unexpected token '}'"],
  ])('reports JSON syntax errors with line and column: %j', (text, message) => {
    expect(parseError(text, 'json').fields).toEqual([{ field: 'definition', message }]);
  });

  it('finds the offset of the first bad character', () => {
    expect(jsonErrorOffset('{"a": [1, 2,]}')).toBe(12);
    expect(jsonErrorOffset('{"a": "\\x"}')).toBe(8);
    expect(jsonErrorOffset('{"a": [1, {"b": null}], "c": -1.5e3}')).toBe(-1);
  });
});

describe('serializeDefinition', () => {
  it('writes keys in a stable order and leaves out undefined', () => {
    const shuffled = {
      steps: definition.steps.map((s) => ({ ...s, name: undefined })),
      concurrency: 2,
      inputSchema: { type: 'object' },
      tags: [],
      priority: 1,
      owner: 'netops',
      description: 'd',
      name: 'ordered',
    } as unknown as TaskDefinition;
    const text = serializeDefinition(shuffled, 'yaml');
    expect(text.split('\n').slice(0, 12)).toEqual([
      'name: ordered',
      'description: d',
      'owner: netops',
      'priority: 1',
      'tags: []',
      'inputSchema:',
      '  type: object',
      'concurrency: 2',
      'steps:',
      '  - id: show',
      '    kind: ssh.commands',
      '    dependsOn: []',
    ]);
    expect(text).not.toContain('name: Run it');
    const json = JSON.parse(serializeDefinition(shuffled, 'json')) as { steps: Record<string, unknown>[] };
    expect(Object.keys(json)).toEqual([
      'name',
      'description',
      'owner',
      'priority',
      'tags',
      'inputSchema',
      'concurrency',
      'steps',
    ]);
    expect(Object.keys(json.steps[1])).toEqual([
      'id',
      'kind',
      'dependsOn',
      'when',
      'params',
      'retry',
      'timeoutSeconds',
      'continueOnError',
      'compensate',
    ]);
  });

  it.each(['yaml', 'json'] as const)('round-trips through %s to an equal definition', (format) => {
    const text = serializeDefinition(definition, format);
    const again = validateDefinition(parseDefinitionText(text, format));
    expect(again.errors).toEqual([]);
    expect(again.definition).toEqual(definition);
  });

  it('writes multi-line strings as YAML block scalars', () => {
    expect(serializeDefinition(definition, 'yaml')).toContain(
      ['      script: |', '        #!/bin/sh', '        set -e', '        echo "{{ run.id }}"'].join('\n'),
    );
  });
});
