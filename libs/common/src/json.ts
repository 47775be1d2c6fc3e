import { SwitchboardError, type FieldError } from './errors';

/**
 * Input rules for values a client sends (docs/architecture.md, "Input rules"): one walk, without
 * recursion, that every GraphQL argument (JSON scalars included) and every JSON text the API
 * parses goes through.
 */

/**
 * Levels of objects and arrays a value may nest: `{}` is 1 level, `{"a": [1]}` 2. Counted from a
 * GraphQL argument (its input objects included), or from the root of a JSON text. Code past the
 * boundary (JSON.stringify, ajv, merges, Liquid) recurses into values: this keeps it far from
 * the stack limit.
 */
export const MAX_JSON_DEPTH = 64;

export const NUL_RULE = 'must not contain NUL characters (\\u0000)';
export const SURROGATE_RULE = 'must not contain unpaired UTF-16 surrogates (invalid Unicode)';
export const TOO_DEEP_RULE = `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;
export const INVALID_DATE_RULE = 'must be a date-time such as 2019-12-03T09:54:33Z';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be taken, or null: PostgreSQL refuses NUL in text and JSON, and an unpaired
 * surrogate in JSON (in text it would silently become U+FFFD).
 */
export function stringProblem(value: string): string | null {
  if (value.includes('\u0000')) return NUL_RULE;
  if (LONE_SURROGATE.test(value)) return SURROGATE_RULE;
  return null;
}

/**
 * A string PostgreSQL can store whatever it held: NUL becomes U+2400 (␀) and each unpaired
 * surrogate U+FFFD. For records of refused input (the audit log), never for input that is taken.
 */
export function storableString(value: string): string {
  return value.split('\u0000').join('\u2400').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A field path one step down: `a.b`, `a[3]`, `a["x y"]` (and `b`, `[3]` from the root ''). */
export function joinField(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The first problem of a value from a client, or null: objects and arrays nested deeper than
 * `maxDepth` (reported at `root`, or at the field one level below an unnamed root), a string or an object key that cannot be taken, or an invalid
 * date (each reported at its path under `root`). Walks with its own stack, so any depth is safe;
 * other objects are leaves.
 */
export function inputValueProblem(
  value: unknown,
  root: string,
  maxDepth: number = MAX_JSON_DEPTH,
): FieldError | null {
  // `top`: the path one level below the root, where nesting too deep is reported (`inputs`, not
  // the whole argument `input`, whose path is '').
  const stack: { value: unknown; path: string; top: string; depth: number }[] = [
    { value, path: root, top: root, depth: 0 },
  ];
  while (stack.length > 0) {
    const { value: current, path, top, depth } = stack.pop()!;
    const below = (key: string | number) => {
      const child = joinField(path, key);
      return { path: child, top: depth === 0 && !root ? child : top };
    };
    if (typeof current === 'string') {
      const problem = stringProblem(current);
      if (problem) return { field: path || root, message: problem };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (current instanceof Date) {
      // The DateTime scalar turns a string it cannot read into an Invalid Date.
      if (Number.isNaN(current.getTime())) return { field: path || root, message: INVALID_DATE_RULE };
      continue;
    }
    if (Array.isArray(current)) {
      if (depth >= maxDepth) return { field: top, message: TOO_DEEP_RULE };
      for (let i = current.length - 1; i >= 0; i--) {
        stack.push({ value: current[i], ...below(i), depth: depth + 1 });
      }
    } else if (isPlainObject(current)) {
      if (depth >= maxDepth) return { field: top, message: TOO_DEEP_RULE };
      const keys = Object.keys(current);
      for (let i = keys.length - 1; i >= 0; i--) {
        const problem = stringProblem(keys[i]);
        if (problem) return { field: path || root, message: `keys ${problem}` };
        stack.push({ value: current[keys[i]], ...below(keys[i]), depth: depth + 1 });
      }
    }
  }
  return null;
}

/** Throws BAD_USER_INPUT naming the field (its path under `root`) when inputValueProblem finds one. */
export function assertInputValue(root: string, value: unknown): void {
  const problem = inputValueProblem(value, root);
  if (problem) throw SwitchboardError.badInput(problem.field, problem.message);
}

/**
 * JSON given as text in field `field`, parsed (V8's parser does not recurse) and checked like any
 * other input value: BAD_USER_INPUT naming the field when it is not JSON, nests deeper than
 * MAX_JSON_DEPTH, or has a string that cannot be taken (the message says where inside).
 */
export function parseJson(field: string, text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw SwitchboardError.badInput(field, `is not JSON: ${(error as Error).message}`);
  }
  const problem = inputValueProblem(value, '');
  if (problem) {
    throw SwitchboardError.badInput(
      field,
      problem.field ? `${problem.field}: ${problem.message}` : problem.message,
    );
  }
  return value;
}

/** A JSON object given as text in field `field`: anything else is a BAD_USER_INPUT naming the field. */
export function parseJsonObject(field: string, text: string): Record<string, unknown> {
  const value = parseJson(field, text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw SwitchboardError.badInput(field, 'must be a JSON object');
  }
  return value as Record<string, unknown>;
}
