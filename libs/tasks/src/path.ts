/**
 * Value paths such as `data.items[0].name` or `items[*].name`: used by http.request `extract`,
 * by the `count` aggregate, and for whole-value references (`{{ steps.a.output.devices }}`).
 * Reads own properties only, so a path cannot reach `constructor` or anything on a prototype.
 */
import { SwitchboardError } from '../../common/src/errors';

/** A property name, an array index, or `*` (every element of an array). */
export type PathSegment = { key: string } | { index: number } | { wildcard: true };

const NAME = /[A-Za-z_$][\w$?-]*/y;
const BRACKET = /\[\s*(?:(-?\d+)|\*|"((?:[^"\\]|\\.)*)"|'([^']*)')\s*\]/y;

/** Parses a path; undefined when it is not valid syntax. An empty path means the value itself. */
export function parsePath(path: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  let i = 0;
  const text = path.trim();
  while (i < text.length) {
    if (text[i] === '[') {
      BRACKET.lastIndex = i;
      const m = BRACKET.exec(text);
      if (!m) return undefined;
      if (m[1] !== undefined) segments.push({ index: Number(m[1]) });
      else if (m[2] !== undefined) segments.push({ key: JSON.parse(`"${m[2]}"`) as string });
      else if (m[3] !== undefined) segments.push({ key: m[3] });
      else segments.push({ wildcard: true });
      i = BRACKET.lastIndex;
      continue;
    }
    if (segments.length > 0) {
      if (text[i] !== '.') return undefined;
      i++;
    }
    if (text[i] === '*') {
      segments.push({ wildcard: true });
      i++;
      continue;
    }
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (!m) {
      // Numeric keys after a dot (`a.0.b`, liquidjs' own spelling) are indexes.
      const digits = /\d+/y;
      digits.lastIndex = i;
      const d = segments.length > 0 ? digits.exec(text) : null;
      if (!d) return undefined;
      segments.push({ index: Number(d[0]) });
      i = digits.lastIndex;
      continue;
    }
    segments.push({ key: m[0] });
    i = NAME.lastIndex;
  }
  return segments;
}

function own(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'string' && key === 'length' ? value.length : undefined;
  }
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function walk(value: unknown, segments: readonly PathSegment[]): unknown {
  let current = value;
  for (let i = 0; i < segments.length; i++) {
    if (current === undefined || current === null) return undefined;
    const segment = segments[i];
    if ('wildcard' in segment) {
      if (!Array.isArray(current)) return undefined;
      const rest = segments.slice(i + 1);
      return current.map((element: unknown) => walk(element, rest));
    }
    if ('index' in segment) {
      current = Array.isArray(current) && segment.index >= 0 ? current[segment.index] : undefined;
      continue;
    }
    current =
      Array.isArray(current) && /^\d+$/.test(segment.key)
        ? current[Number(segment.key)]
        : own(current, segment.key);
  }
  return current;
}

/**
 * The value at `path` (`a.b[0].c`; `items[*].name` maps over an array), or undefined when any part
 * is missing. Throws BAD_USER_INPUT when the path itself is not valid.
 */
export function extractPath(value: unknown, path: string): unknown {
  const segments = parsePath(path);
  if (!segments) throw SwitchboardError.badInput('path', `"${path}" is not a valid path`);
  return walk(value, segments);
}

/** Formats segments back into a path (`steps.a.output.devices[0]`), for messages. */
export function formatPath(segments: readonly PathSegment[]): string {
  return segments
    .map((s, i) =>
      'wildcard' in s
        ? '[*]'
        : 'index' in s
          ? `[${s.index}]`
          : /^[A-Za-z_$][\w$?-]*$/.test(s.key)
            ? `${i === 0 ? '' : '.'}${s.key}`
            : `[${JSON.stringify(s.key)}]`,
    )
    .join('');
}

/**
 * Reads a path the way Liquid does (used for whole-value references, so `{{ x.size }}` means the
 * same raw and rendered): own properties, negative indexes from the end, `size`/`first`/`last`,
 * and null stays null further down. Returns undefined exactly where Liquid (strictVariables)
 * reports an undefined variable, with the length of the prefix that was defined.
 */
export function readLiquidPath(
  root: Record<string, unknown>,
  segments: readonly PathSegment[],
): { value: unknown; definedSegments: number } {
  let current: unknown = root;
  for (let i = 0; i < segments.length; i++) {
    if (current === null || current === undefined) return { value: current, definedSegments: i };
    const segment = segments[i];
    let next: unknown;
    if ('wildcard' in segment) {
      next = undefined;
    } else if ('index' in segment) {
      if (Array.isArray(current)) {
        next = current[segment.index < 0 ? current.length + segment.index : segment.index];
      } else {
        next = own(current, String(segment.index));
      }
    } else {
      next = own(current, segment.key);
      if (next === undefined && segment.key === 'size') {
        if (Array.isArray(current) || typeof current === 'string') next = current.length;
        else if (typeof current === 'object') next = Object.keys(current).length;
      } else if (next === undefined && Array.isArray(current) && segment.key === 'first') {
        next = current[0];
      } else if (next === undefined && Array.isArray(current) && segment.key === 'last') {
        next = current[current.length - 1];
      }
    }
    if (next === undefined) return { value: undefined, definedSegments: i };
    current = next;
  }
  return { value: current, definedSegments: segments.length };
}
