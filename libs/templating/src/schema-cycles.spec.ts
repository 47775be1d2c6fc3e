import { SwitchboardError } from '../../common/src/errors';
import { schemaReferenceProblem } from './schema-cycles';
import { checkVariables, compileVariablesSchema } from './variables';

describe('schemaReferenceProblem', () => {
  it.each([
    [{ $ref: '#' }, '# → #'],
    [{ allOf: [{ $ref: '#' }] }, '# → #/allOf/0 → #'],
    [{ not: { anyOf: [{ $ref: '#' }] } }, '# → #/not → #/not/anyOf/0 → #'],
    [
      {
        definitions: { a: { $ref: '#/definitions/b' }, b: { $ref: '#/definitions/a' } },
        $ref: '#/definitions/a',
      },
      '#/definitions/a → #/definitions/b → #/definitions/a',
    ],
    [
      { properties: { x: { oneOf: [{ $ref: '#/properties/x' }] } } },
      '#/properties/x → #/properties/x/oneOf/0',
    ],
    [{ if: { $ref: '#' } }, '# → #/if → #'],
    [{ dependencies: { a: { $ref: '#' } } }, '# → #/dependencies/a → #'],
  ])('finds the cycle of %j', (schema, cycle) => {
    expect(schemaReferenceProblem(schema)).toContain(cycle);
  });

  it('takes references that apply to a part of the value (trees, lists)', () => {
    expect(schemaReferenceProblem({ properties: { children: { items: { $ref: '#' } } } })).toBeNull();
    expect(
      schemaReferenceProblem({ additionalProperties: { $ref: '#' }, definitions: { a: { $ref: '#' } } }),
    ).toBeNull();
    expect(
      schemaReferenceProblem({
        $id: 'https://x/y',
        properties: { a: { $ref: '#/definitions/s' } },
        definitions: { s: {} },
      }),
    ).toBeNull();
  });

  it('refuses references it cannot follow: other documents, nested $id', () => {
    expect(schemaReferenceProblem({ $ref: 'https://example.com/s.json' })).toMatch(/JSON Pointer/);
    expect(
      schemaReferenceProblem({ properties: { a: { $id: 'https://x/a', allOf: [{ $ref: '#' }] } } }),
    ).toMatch(/\$id is allowed at the root only/);
  });

  it('handles a long chain of references without recursion', () => {
    const definitions: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) definitions[`d${i}`] = { $ref: `#/definitions/d${i + 1}` };
    definitions.d20000 = { $ref: '#/definitions/d0' };
    expect(schemaReferenceProblem({ definitions })).toMatch(/recursive/);
  });
});

describe('compileVariablesSchema', () => {
  it('refuses a recursive schema with BAD_USER_INPUT instead of overflowing the stack on validate', () => {
    expect(() => checkVariables({ $ref: '#' }, {})).toThrow(SwitchboardError);
  });

  it('compiles a schema with an $id again (a new object each time, as read from the database)', () => {
    const schema = () => ({ $id: 'https://example.com/v', type: 'object', required: ['a'] });
    expect(checkVariables(schema(), {})).toEqual({
      ok: false,
      errors: [{ field: 'a', message: 'is required' }],
    });
    expect(checkVariables(schema(), { a: 1 })).toEqual({ ok: true });
    expect(compileVariablesSchema(schema())).toBe(compileVariablesSchema(schema()));
  });
});
