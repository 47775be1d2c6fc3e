/**
 * The limits on a definition object (definition.ts: MAX_STEPS, MAX_DEFINITION_BYTES,
 * MAX_INPUT_SCHEMA_BYTES, MAX_NESTING_DEPTH), checked before any other pass by one walk without
 * recursion that stops as soon as the size limit is passed: its cost is bounded by the limit
 * whatever the input. The other passes recurse into values, compile the inputSchema and read every
 * step, so they only run on a definition within these limits.
 */
import { MAX_DEFINITION_BYTES, MAX_INPUT_SCHEMA_BYTES, MAX_NESTING_DEPTH, MAX_STEPS } from './definition';
import type { FieldSegment } from './field-path';
import type { Issue } from './issues';
import { isPlainObject } from './values';

export const TOO_MANY_STEPS = `must have at most ${MAX_STEPS} items`;
export const TOO_LARGE = `must be at most ${MAX_DEFINITION_BYTES} bytes as JSON`;
export const SCHEMA_TOO_LARGE = `must be at most ${MAX_INPUT_SCHEMA_BYTES} bytes as JSON`;
export const TOO_DEEP = `must not nest objects and arrays more than ${MAX_NESTING_DEPTH} levels deep`;

/** UTF-8 bytes of a string in JSON, quotes and escapes included (as JSON.stringify writes it). */
function stringBytes(value: string): number {
  let bytes = Buffer.byteLength(value, 'utf8') + 2;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) {
      bytes += 1; // \" and \\
    } else if (c < 0x20) {
      bytes += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 1 : 5; // \n or \u0001
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const pair = c <= 0xdbff && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pair) i++;
      else bytes += 3; // a lone surrogate: \udxxx (6) where UTF-8 has a replacement character (3)
    }
  }
  return bytes;
}

/** Bytes in compact JSON of a value that is not an array or object. */
function leafBytes(value: unknown): number {
  if (typeof value === 'string') return stringBytes(value);
  if (typeof value === 'number') return String(value).length;
  if (typeof value === 'boolean') return value ? 4 : 5;
  return 4; // null, and values that are not JSON (the params pass reports those)
}

/**
 * The size of one field's value in compact JSON (as JSON.stringify writes it), counted up to
 * `limit` (it stops as soon as it is past it), and whether it nests objects and arrays deeper
 * than MAX_NESTING_DEPTH (`{}` is one level; it stops there too).
 */
function measure(value: unknown, limit: number): { bytes: number; tooDeep: boolean } {
  let bytes = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    if (bytes > limit) return { bytes, tooDeep: false };
    const { value: current, depth } = stack.pop()!;
    if (Array.isArray(current)) {
      if (depth === MAX_NESTING_DEPTH) return { bytes, tooDeep: true };
      bytes += 1 + Math.max(1, current.length); // brackets and commas
      if (bytes > limit) continue;
      for (let i = current.length - 1; i >= 0; i--) {
        // JSON writes undefined elements as null.
        const element: unknown = current[i];
        stack.push({ value: element === undefined ? null : element, depth: depth + 1 });
      }
    } else if (isPlainObject(current)) {
      if (depth === MAX_NESTING_DEPTH) return { bytes, tooDeep: true };
      let members = 0;
      for (const key of Object.keys(current)) {
        if (bytes > limit) break;
        const child = current[key];
        if (child === undefined) continue; // JSON leaves it out
        bytes += stringBytes(key) + 1; // "key":
        members++;
        stack.push({ value: child, depth: depth + 1 });
      }
      bytes += 1 + Math.max(1, members); // braces and commas
    } else {
      bytes += leafBytes(current);
    }
  }
  return { bytes, tooDeep: false };
}

/**
 * Problems with the limits of a raw definition object, at field paths: `steps` (more than
 * MAX_STEPS), the definition itself (path [], larger than MAX_DEFINITION_BYTES as compact JSON),
 * `inputSchema` (larger than MAX_INPUT_SCHEMA_BYTES), and each field whose value nests deeper than
 * MAX_NESTING_DEPTH (`steps[3].params`, `steps[3].compensate.params`, `inputSchema`, ...).
 * Empty when the definition is within them.
 */
export function limitProblems(raw: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const steps = raw.steps;
  if (Array.isArray(steps) && steps.length > MAX_STEPS)
    issues.push({ path: ['steps'], message: TOO_MANY_STEPS });

  let left = MAX_DEFINITION_BYTES;
  /** One field's value, reported at its own path when it nests too deep. */
  const field = (value: unknown, path: FieldSegment[], limit = left) => {
    const { bytes, tooDeep } = measure(value, limit);
    left -= bytes;
    if (tooDeep) issues.push({ path, message: TOO_DEEP });
    return bytes;
  };
  /** Each field of an object on its own (`except` is measured by the caller). */
  const fields = (object: Record<string, unknown>, base: FieldSegment[], except?: string) => {
    let members = 0;
    for (const key of Object.keys(object)) {
      if (left < 0) return;
      const value = object[key];
      if (value === undefined) continue; // JSON leaves it out
      members++;
      left -= stringBytes(key) + 1; // "key":
      if (key === except) continue;
      if (base.length === 0 && key === 'inputSchema') {
        if (field(value, [key], Math.min(left, MAX_INPUT_SCHEMA_BYTES)) > MAX_INPUT_SCHEMA_BYTES) {
          issues.push({ path: [key], message: SCHEMA_TOO_LARGE });
        }
      } else {
        field(value, [...base, key]);
      }
    }
    left -= 1 + Math.max(1, members); // braces and commas
  };

  fields(raw, [], 'steps');
  if (Array.isArray(steps)) {
    left -= 1 + Math.max(1, steps.length); // brackets and commas
    for (let i = 0; i < steps.length && left >= 0; i++) {
      const step: unknown = steps[i];
      if (!isPlainObject(step)) {
        field(step === undefined ? null : step, ['steps', i]);
        continue;
      }
      fields(step, ['steps', i], 'compensate');
      const compensate = step.compensate;
      if (isPlainObject(compensate)) fields(compensate, ['steps', i, 'compensate']);
      else if (compensate !== undefined) field(compensate, ['steps', i, 'compensate']);
    }
  } else if (steps !== undefined) {
    field(steps, ['steps']);
  }
  if (left < 0) issues.unshift({ path: [], message: TOO_LARGE });
  return issues;
}
