import { SwitchboardError } from '../../common/src/errors';
import {
  MAX_DEFINITION_BYTES,
  MAX_DEPENDENCY_DEPTH,
  MAX_INPUT_SCHEMA_BYTES,
  MAX_NESTING_DEPTH,
  MAX_STEPS,
  MAX_TEXT_NESTING_DEPTH,
  MAX_YAML_ALIAS_COUNT,
} from './definition';
import { topologicalOrder } from './graph';
import { parseDefinitionText } from './text';
import { validateDefinition } from './validate';

const SCHEMA = { type: 'object', properties: { site: { type: 'string' } } };

function sleep(id: string, dependsOn: string[] = [], seconds: unknown = 1): Record<string, unknown> {
  return { id, kind: 'sleep', dependsOn, params: { seconds } };
}

/**
 * `n` steps, each depending on the one before and reading its output; every step after the
 * second also reads the first (a transitive ancestor) in `when`.
 */
function chain(n: number): Record<string, unknown> {
  const steps = Array.from({ length: n }, (_, i) => {
    if (i === 0) return sleep('s0');
    const step = sleep(`s${i}`, [`s${i - 1}`], `{{ steps.s${i - 1}.output.seconds }}`);
    if (i > 1) step.when = 'steps.s0.output.seconds >= 0';
    return step;
  });
  return { name: 'chain', inputSchema: SCHEMA, steps };
}

/** `levels` objects inside one another, built without recursion: `{ a: { a: ... 1 } }`. */
function nested(levels: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/** A valid one-step definition whose compact JSON is exactly `bytes` long (padding one command). */
function ofSize(bytes: number): Record<string, unknown> {
  const def = {
    name: 'big',
    steps: [
      { id: 's', kind: 'ssh.commands', params: { devices: { site: 'lab' }, commands: ['show version', ''] } },
    ],
  };
  const commands = def.steps[0].params.commands;
  commands[1] = 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(def)));
  expect(Buffer.byteLength(JSON.stringify(def))).toBe(bytes);
  return def;
}

function textError(text: string, format: 'yaml' | 'json'): string {
  try {
    parseDefinitionText(text, format);
  } catch (error) {
    if (error instanceof SwitchboardError) {
      expect(error.fields.map((f) => f.field)).toEqual(['definition']);
      return error.message;
    }
    throw error;
  }
  throw new Error('expected an error');
}

describe('limits: dependency chains', () => {
  it(`validates a chain of ${MAX_DEPENDENCY_DEPTH} steps, each reading the one before and the first`, () => {
    const { definition, errors } = validateDefinition(chain(MAX_DEPENDENCY_DEPTH));
    expect(errors).toEqual([]);
    expect(topologicalOrder(definition!)).toEqual(
      Array.from({ length: MAX_DEPENDENCY_DEPTH }, (_, i) => `s${i}`),
    );
  });

  it('refuses a chain one step longer, at the step that makes it too long', () => {
    expect(validateDefinition(chain(MAX_DEPENDENCY_DEPTH + 1)).errors).toEqual([
      {
        field: `steps[${MAX_DEPENDENCY_DEPTH}].dependsOn`,
        message: `step "s${MAX_DEPENDENCY_DEPTH}": is step ${MAX_DEPENDENCY_DEPTH + 1} of a dependsOn chain from "s0": chains have at most ${MAX_DEPENDENCY_DEPTH} steps`,
      },
    ]);
  });

  it(`validates ${MAX_STEPS} steps in ${MAX_DEPENDENCY_DEPTH} layers, each step depending on every step of the layer before`, () => {
    const width = MAX_STEPS / MAX_DEPENDENCY_DEPTH;
    const steps = Array.from({ length: MAX_STEPS }, (_, i) => {
      const layer = Math.floor(i / width);
      const before =
        layer === 0 ? [] : Array.from({ length: width }, (_, k) => `s${(layer - 1) * width + k}`);
      const step = sleep(
        `s${i}`,
        before,
        layer === 0 ? 1 : `{{ steps.${before[i % width]}.output.seconds }}`,
      );
      if (layer > 1) step.when = `steps.s${i % width}.output.seconds >= 0`; // a step of the first layer
      return step;
    });
    expect(validateDefinition({ name: 'layers', steps }).errors).toEqual([]);
    // A step two layers up is an ancestor; a step of the same layer is not.
    steps[width * 2].params = { seconds: `{{ steps.s${width * 2 + 1}.output.seconds }}` };
    expect(validateDefinition({ name: 'layers', steps }).errors).toEqual([
      {
        field: `steps[${width * 2}].params.seconds`,
        message: `step "s${width * 2}": "steps.s${width * 2 + 1}.output.seconds": step "s${width * 2 + 1}" is not an ancestor of "s${width * 2}"; add it to dependsOn`,
      },
    ]);
  });
});

describe('limits: steps and size', () => {
  it(`refuses more than ${MAX_STEPS} steps before any other check`, () => {
    const steps = Array.from({ length: MAX_STEPS + 1 }, (_, i) => sleep(`s${i}`));
    steps[3].kind = 'teleport';
    expect(validateDefinition({ name: 'many', steps }).errors).toEqual([
      { field: 'steps', message: `must have at most ${MAX_STEPS} items` },
    ]);
    // The defect's definition: a chain of 5,000 steps (too large as well).
    expect(validateDefinition(chain(5000)).errors).toEqual([
      { field: 'definition', message: `must be at most ${MAX_DEFINITION_BYTES} bytes as JSON` },
      { field: 'steps', message: `must have at most ${MAX_STEPS} items` },
    ]);
    expect(validateDefinition({ name: 'many', steps: steps.slice(4, 4 + MAX_STEPS) }).errors).toEqual([]);
  });

  it(`accepts a definition of ${MAX_DEFINITION_BYTES} bytes as JSON and refuses one byte more`, () => {
    expect(validateDefinition(ofSize(MAX_DEFINITION_BYTES)).errors).toEqual([]);
    const tooLarge = {
      field: 'definition',
      message: `must be at most ${MAX_DEFINITION_BYTES} bytes as JSON`,
    };
    expect(validateDefinition(ofSize(MAX_DEFINITION_BYTES + 1)).errors).toEqual([tooLarge]);
    // Bytes, not characters: "é" is two bytes in UTF-8.
    const def = ofSize(MAX_DEFINITION_BYTES) as { steps: { params: { commands: string[] } }[] };
    const commands = def.steps[0].params.commands;
    commands[1] = `é${commands[1].slice(1)}`;
    expect(validateDefinition(def).errors).toEqual([tooLarge]);
  });

  it(`refuses an inputSchema of more than ${MAX_INPUT_SCHEMA_BYTES} bytes as JSON`, () => {
    const properties: Record<string, unknown> = {};
    for (let i = 0; JSON.stringify(properties).length <= MAX_INPUT_SCHEMA_BYTES; i++) {
      properties[`p${i}`] = { type: 'string' };
    }
    expect(
      validateDefinition({ name: 'x', inputSchema: { properties }, steps: [sleep('s')] }).errors,
    ).toEqual([{ field: 'inputSchema', message: `must be at most ${MAX_INPUT_SCHEMA_BYTES} bytes as JSON` }]);
  });
});

describe('limits: nesting', () => {
  const tooDeep = `must not nest objects and arrays more than ${MAX_NESTING_DEPTH} levels deep`;

  it('reports params nested 10,000 levels deep at the params, without a RangeError', () => {
    const def = {
      name: 'deep',
      steps: [{ id: 's', kind: 'http.request', params: { url: 'https://x', body: nested(10_000) } }],
    };
    expect(validateDefinition(def).errors).toEqual([
      { field: 'steps[0].params', message: `step "s": ${tooDeep}` },
    ]);
  });

  it(`accepts ${MAX_NESTING_DEPTH} levels in params, objects and arrays alike, and refuses one more`, () => {
    const params = (body: unknown) => ({
      name: 'deep',
      steps: [{ id: 's', kind: 'http.request', params: { url: 'https://x', body } }],
    });
    // params itself is the first level.
    expect(validateDefinition(params(nested(MAX_NESTING_DEPTH - 1))).errors).toEqual([]);
    expect(validateDefinition(params(nested(MAX_NESTING_DEPTH))).errors).toEqual([
      { field: 'steps[0].params', message: `step "s": ${tooDeep}` },
    ]);
    let list: unknown = [];
    for (let i = 1; i < MAX_NESTING_DEPTH; i++) list = [list];
    expect(validateDefinition(params(list)).errors).toEqual([
      { field: 'steps[0].params', message: `step "s": ${tooDeep}` },
    ]);
  });

  it('names the field that nests too deep: compensation params, inputSchema, any field', () => {
    const def = {
      name: 'deep',
      inputSchema: nested(1000, { type: 'object' }),
      owner: nested(1000),
      steps: [
        sleep('a'),
        {
          ...sleep('b'),
          compensate: { kind: 'http.request', params: { url: 'https://x', body: nested(1000) } },
        },
      ],
    };
    expect(validateDefinition(def).errors).toEqual([
      { field: 'inputSchema', message: tooDeep },
      { field: 'owner', message: tooDeep },
      { field: 'steps[1].compensate.params', message: `step "b": ${tooDeep}` },
    ]);
  });

  it('gives the same error for 10,000 levels of JSON text', () => {
    const body = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const text = `{"name":"deep","steps":[{"id":"s","kind":"http.request","params":{"url":"https://x","body":${body}}}]}`;
    expect(validateDefinition(parseDefinitionText(text, 'json')).errors).toEqual([
      { field: 'steps[0].params', message: `step "s": ${tooDeep}` },
    ]);
    expect(textError('['.repeat(100_000), 'json')).toBe(
      'definition: line 1, column 100001: Unexpected end of JSON input',
    );
  });

  it(`refuses YAML nested more than ${MAX_TEXT_NESTING_DEPTH} levels while parsing it`, () => {
    const flow = (levels: number) => `name: x\nsteps: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
    // The document's map is the first level.
    expect(parseDefinitionText(flow(MAX_TEXT_NESTING_DEPTH - 1), 'yaml')).toMatchObject({ name: 'x' });
    expect(textError(flow(MAX_TEXT_NESTING_DEPTH), 'yaml')).toBe(
      `definition: line 2, column ${7 + MAX_TEXT_NESTING_DEPTH}: collections are nested more than ${MAX_TEXT_NESTING_DEPTH} levels deep`,
    );
    expect(textError(flow(60_000), 'yaml')).toBe(
      `definition: line 2, column ${7 + MAX_TEXT_NESTING_DEPTH}: collections are nested more than ${MAX_TEXT_NESTING_DEPTH} levels deep`,
    );
    const block = Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
    expect(textError(block, 'yaml')).toBe(
      `definition: line ${MAX_TEXT_NESTING_DEPTH + 1}, column ${MAX_TEXT_NESTING_DEPTH + 1}: collections are nested more than ${MAX_TEXT_NESTING_DEPTH} levels deep`,
    );
  });

  it('refuses Liquid tags nested too deep with an error at the field, before liquidjs recurses', () => {
    const commands = (levels: number) => ({
      name: 'deep',
      inputSchema: SCHEMA,
      steps: [
        {
          id: 's',
          kind: 'ssh.commands',
          params: {
            devices: { site: 'lab' },
            commands: [`${'{% if inputs.site %}'.repeat(levels)}x${'{% endif %}'.repeat(levels)}`],
          },
        },
      ],
    });
    const error = {
      field: 'steps[0].params.commands[0]',
      message: `step "s": Liquid tags and brackets are nested more than ${MAX_NESTING_DEPTH} levels deep`,
    };
    expect(validateDefinition(commands(MAX_NESTING_DEPTH)).errors).toEqual([]);
    expect(validateDefinition(commands(MAX_NESTING_DEPTH + 1)).errors).toEqual([error]);
    // Deep enough to overflow the stack in liquidjs, which can abort the process.
    expect(validateDefinition(commands(3000)).errors).toEqual([error]);
  });
});

describe('limits: text', () => {
  it(`refuses text of more than ${MAX_DEFINITION_BYTES} bytes before parsing it`, () => {
    const text = (bytes: number) => {
      const head = 'name: big\nsteps:\n  - id: s\n    kind: sleep\n    params: { seconds: 1 }\n# ';
      return head + 'x'.repeat(bytes - head.length - 1) + '\n';
    };
    expect(parseDefinitionText(text(MAX_DEFINITION_BYTES), 'yaml')).toMatchObject({ name: 'big' });
    const tooLarge = `definition: must be at most ${MAX_DEFINITION_BYTES} bytes of text`;
    expect(textError(text(MAX_DEFINITION_BYTES + 1), 'yaml')).toBe(tooLarge);
    // Bytes, not characters; and before parsing (this is not JSON).
    expect(textError(`${'é'.repeat(MAX_DEFINITION_BYTES / 2)}x`, 'json')).toBe(tooLarge);
  });

  it(`refuses YAML aliases past maxAliasCount ${MAX_YAML_ALIAS_COUNT}`, () => {
    const aliases = (n: number) => `name: x\nsite: &s lab\ntags: [${Array(n).fill('*s').join(', ')}]\n`;
    // The anchor counts as one use.
    expect(parseDefinitionText(aliases(MAX_YAML_ALIAS_COUNT - 1), 'yaml')).toMatchObject({ name: 'x' });
    expect(textError(aliases(MAX_YAML_ALIAS_COUNT), 'yaml')).toBe(
      'definition: line 3, column 8: Excessive alias count indicates a resource exhaustion attack',
    );
  });

  it('finds a duplicate key in a map of a thousand keys', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i}: ${i}`);
    expect(Object.keys(parseDefinitionText(keys.join('\n'), 'yaml') as object)).toHaveLength(1000);
    expect(textError([...keys.slice(0, 900), 'k7: again', ...keys.slice(900)].join('\n'), 'yaml')).toBe(
      'definition: line 901, column 1: Map keys must be unique',
    );
  });
});
