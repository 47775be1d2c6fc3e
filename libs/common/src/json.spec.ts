import { ErrorCode, SwitchboardError } from './errors';
import {
  MAX_JSON_DEPTH,
  inputValueProblem,
  joinField,
  parseJson,
  parseJsonObject,
  storableString,
  stringProblem,
} from './json';

const nested = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

describe('inputValueProblem', () => {
  it('names the path of a string with a NUL, an unpaired surrogate or a key with a NUL', () => {
    expect(inputValueProblem({ tags: ['a', 'b', 'c\u0000'] }, '')).toEqual({
      field: 'tags[2]',
      message: expect.stringMatching(/NUL/),
    });
    expect(inputValueProblem({ a: { 'x y': 'z\ud800' } }, 'inputs')).toEqual({
      field: 'inputs.a["x y"]',
      message: expect.stringMatching(/surrogate/),
    });
    expect(inputValueProblem({ a: { 'k\u0000': 1 } }, 'inputs')?.field).toBe('inputs.a');
    expect(inputValueProblem('\u0000', 'reason')?.field).toBe('reason');
  });

  it('takes paired surrogates (emoji), right-to-left text and other objects (dates)', () => {
    expect(inputValueProblem({ s: '🔥 مرحبا \u202e', d: new Date(0) }, '')).toBeNull();
  });

  it('refuses an invalid date', () => {
    expect(inputValueProblem({ since: new Date('nope') }, '')?.field).toBe('since');
  });

  it('bounds nesting at MAX_JSON_DEPTH, without recursion, reported below an unnamed root', () => {
    expect(inputValueProblem(nested(MAX_JSON_DEPTH), 'v')).toBeNull();
    expect(inputValueProblem(nested(MAX_JSON_DEPTH + 1), 'v')).toEqual({
      field: 'v',
      message: expect.stringMatching(/64 levels/),
    });
    expect(inputValueProblem({ inputs: nested(1_000_000) }, '')?.field).toBe('inputs');
  });
});

describe('parseJson / parseJsonObject', () => {
  const refused = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(SwitchboardError);
      expect((error as SwitchboardError).code).toBe(ErrorCode.BAD_USER_INPUT);
      return (error as SwitchboardError).fields[0];
    }
    throw new Error('not refused');
  };

  it('parses text 1,000,000 levels deep and refuses it, naming the field', () => {
    const text = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(refused(() => parseJson('variablesJson', text))).toEqual({
      field: 'variablesJson',
      message: expect.stringMatching(/64 levels/),
    });
  });

  it('says where inside the text a string cannot be taken', () => {
    expect(refused(() => parseJsonObject('inputsJson', '{"a":["\\u0000"]}')).message).toMatch(
      /^a\[0\]: .*NUL/,
    );
  });

  it('refuses text that is not JSON, and JSON that is not an object', () => {
    expect(refused(() => parseJsonObject('x', '{')).field).toBe('x');
    expect(refused(() => parseJsonObject('x', '[]')).message).toBe('must be a JSON object');
  });
});

describe('joinField', () => {
  it('writes identifiers with dots, indexes and other keys in brackets', () => {
    expect(joinField('', 'a')).toBe('a');
    expect(joinField('a', 'b')).toBe('a.b');
    expect(joinField('a', 3)).toBe('a[3]');
    expect(joinField('a', 'x-y')).toBe('a["x-y"]');
  });
});

describe('storableString', () => {
  it('makes NUL and unpaired surrogates visible and keeps paired ones', () => {
    expect(storableString('a\u0000b\ud800c\udc00 😀')).toBe('a\u2400b\ufffdc\ufffd 😀');
    expect(stringProblem(storableString('x\u0000\udfff'))).toBeNull();
  });
});
