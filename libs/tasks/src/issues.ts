/**
 * Zod issues to short, lower-case messages (`is required`, `must be an integer`) with paths, so
 * definition errors read like the rest of Switchboard's FieldErrors rather than zod's defaults.
 */
import type { z } from 'zod';
import type { FieldSegment } from './field-path';

/** A problem at a path relative to whatever was checked; callers add the base path. */
export interface Issue {
  path: FieldSegment[];
  message: string;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

function bound(value: number | bigint, inclusive: boolean | undefined, op: '>' | '<'): string {
  return `must be ${op}${inclusive === false ? '' : '='} ${value}`;
}

/** Per-parse error map: schema-level messages (regexes, enums with a custom text) still win. */
export const zodMessages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      const min = issue.minimum;
      if (issue.origin === 'array') return `must have at least ${min} item${Number(min) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') {
        return Number(min) <= 1 ? 'must not be empty' : `must be at least ${min} characters long`;
      }
      return bound(min, issue.inclusive, '>');
    }
    case 'too_big': {
      const max = issue.maximum;
      if (issue.origin === 'array') return `must have at most ${max} items`;
      if (issue.origin === 'string') return `must be at most ${max} characters long`;
      return bound(max, issue.inclusive, '<');
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern
        ? `must match ${issue.pattern}`
        : `must be a ${issue.format}`;
    default:
      return undefined;
  }
};

function isParamsPath(path: readonly PropertyKey[], base: readonly FieldSegment[]): boolean {
  return [...base, ...path].includes('params');
}

/**
 * Flattens zod issues; an unrecognized-keys issue becomes one issue per key, at that key
 * (`unknown param "foo"` under `params`, `unknown field "foo"` elsewhere).
 */
export function fromZod(issues: readonly z.core.$ZodIssue[], base: readonly FieldSegment[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    if (issue.code === 'unrecognized_keys') {
      const noun = isParamsPath(path, base) ? 'param' : 'field';
      for (const key of issue.keys) out.push({ path: [...path, key], message: `unknown ${noun} "${key}"` });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}
