import type { TaskDefinition } from './definition';
import { schemaProblem, validateInputs } from './inputs';

function withSchema(inputSchema: Record<string, unknown>): TaskDefinition {
  return {
    name: 't',
    description: '',
    owner: '',
    priority: 3,
    tags: [],
    inputSchema,
    concurrency: 4,
    safety: {
      onLocked: 'WAIT',
      lockTimeoutSeconds: 3600,
      onClosedWindow: 'WAIT',
      windowTimeoutSeconds: 604800,
    },
    steps: [{ id: 's', kind: 'sleep', params: { seconds: 1 }, dependsOn: [], continueOnError: false }],
  };
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['site', 'devices'],
  properties: {
    site: { type: 'string', minLength: 1 },
    devices: { type: 'array', items: { type: 'string', format: 'uuid' } },
    env: { enum: ['lab', 'prod'], default: 'lab' },
    retries: { type: 'integer', default: 2 },
  },
};

describe('validateInputs', () => {
  it('fills in defaults without touching the given object', () => {
    const given = { site: 'lab', devices: [] };
    const { inputs, errors } = validateInputs(withSchema(schema), given);
    expect(errors).toEqual([]);
    expect(inputs).toEqual({ site: 'lab', devices: [], env: 'lab', retries: 2 });
    expect(given).toEqual({ site: 'lab', devices: [] });
  });

  it('reports every error at inputs.<path>', () => {
    const { errors } = validateInputs(withSchema(schema), {
      site: '',
      devices: ['0b9d6f7e-2f4f-4a51-9b59-7f1c8a5d8e10', 'a', 'not-a-uuid'],
      env: 'staging',
      extra: 1,
    });
    expect(errors).toEqual([
      { field: 'inputs.extra', message: 'is not allowed' },
      { field: 'inputs.site', message: 'must NOT have fewer than 1 characters' },
      { field: 'inputs.devices[1]', message: 'must match format "uuid"' },
      { field: 'inputs.devices[2]', message: 'must match format "uuid"' },
      { field: 'inputs.env', message: 'must be one of "lab", "prod"' },
    ]);
  });

  it('reports a missing required input at inputs.<name>', () => {
    expect(validateInputs(withSchema(schema), { devices: [] }).errors).toEqual([
      { field: 'inputs.site', message: 'is required' },
    ]);
    expect(validateInputs(withSchema(schema), undefined).errors).toEqual([
      { field: 'inputs.site', message: 'is required' },
      { field: 'inputs.devices', message: 'is required' },
    ]);
  });

  it('wants an object', () => {
    expect(validateInputs(withSchema({ type: 'object' }), ['a']).errors).toEqual([
      { field: 'inputs', message: 'must be an object' },
    ]);
    expect(validateInputs(withSchema({ type: 'object' }), null)).toEqual({ inputs: {}, errors: [] });
  });

  it('compiles a schema with an $id more than once', () => {
    const withId = { $id: 'https://switchboard.example/inputs', type: 'object', required: ['a'] };
    expect(validateInputs(withSchema(withId), {}).errors).toEqual([
      { field: 'inputs.a', message: 'is required' },
    ]);
    expect(validateInputs(withSchema({ ...withId }), { a: 1 }).errors).toEqual([]);
  });
});

describe('a $ref cycle that consumes no input', () => {
  it('is a schema problem, not a stack overflow when inputs are checked', () => {
    const recursive = { type: 'object', allOf: [{ $ref: '#' }] };
    const { errors } = validateInputs(withSchema(recursive), { a: 1 });
    expect(errors).toEqual([{ field: 'inputs', message: expect.stringMatching(/^schema is not valid: /) }]);
    expect(schemaProblem(recursive)).toMatch(/recursive/);
  });
});
