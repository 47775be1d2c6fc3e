/**
 * A small path language for picking values out of a JSON response in a task step:
 *
 * - `a.b.c`, `ietf-interfaces:interfaces.interface`   object keys (anything but `.`, `[`, `]`, quotes, spaces)
 * - `items[0].name`       array index
 * - `items[*].name`       every element: the rest of the path is mapped over the array
 * - `["a.b"]`, `['x y']`  quoted keys, for keys with dots, brackets or spaces
 *
 * Kept to what step definitions need; no filters, slices or recursion. Paths are parsed once when a
 * step is validated, so a typo is reported before any request is sent.
 */

export type PathSegment = { key: string } | { index: number } | { wildcard: true };

export class PathSyntaxError extends Error {
  override readonly name = 'PathSyntaxError';
}

const IDENT = /^[^.[\]'"\s]+/;

/** Parses a path; throws PathSyntaxError naming the position of the problem. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  const bad = (what: string) => new PathSyntaxError(`invalid path ${JSON.stringify(path)} at ${i}: ${what}`);
  if (path.trim() === '') throw bad('the path is empty');
  while (i < path.length) {
    if (path[i] === '[') {
      const quote = path[i + 1];
      if (quote === '"' || quote === "'") {
        const end = path.indexOf(quote, i + 2);
        if (end === -1 || path[end + 1] !== ']') throw bad(`missing ${quote}]`);
        segments.push({ key: path.slice(i + 2, end) });
        i = end + 2;
        continue;
      }
      const close = path.indexOf(']', i);
      if (close === -1) throw bad('missing "]"');
      const inner = path.slice(i + 1, close);
      if (inner === '*') segments.push({ wildcard: true });
      else if (/^\d+$/.test(inner)) segments.push({ index: Number(inner) });
      else throw bad(`expected an index, "*" or a quoted key inside [], got ${JSON.stringify(inner)}`);
      i = close + 1;
    } else {
      if (segments.length > 0) {
        if (path[i] !== '.') throw bad('expected "." or "["');
        i++;
      }
      const m = IDENT.exec(path.slice(i));
      if (!m) throw bad('expected a key');
      segments.push({ key: m[0] });
      i += m[0].length;
    }
  }
  return segments;
}

/**
 * The value at `path` inside `value`, or undefined when any step is missing (a key on a non-object,
 * an index past the end). After `[*]`, elements the rest of the path does not reach become null, so
 * the result stays a JSON array of the same length. Throws PathSyntaxError for a malformed path.
 */
export function extractPath(value: unknown, path: string | PathSegment[]): unknown {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  return walk(value, segments, 0);
}

function walk(value: unknown, segments: PathSegment[], at: number): unknown {
  if (at === segments.length) return value;
  const segment = segments[at]!;
  if ('wildcard' in segment) {
    if (!Array.isArray(value)) return undefined;
    return value.map((item) => walk(item, segments, at + 1) ?? null);
  }
  if ('index' in segment) {
    if (!Array.isArray(value) || segment.index >= value.length) return undefined;
    return walk(value[segment.index], segments, at + 1);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (!Object.prototype.hasOwnProperty.call(value, segment.key)) return undefined;
  return walk((value as Record<string, unknown>)[segment.key], segments, at + 1);
}
