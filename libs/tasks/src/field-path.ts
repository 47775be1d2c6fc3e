/**
 * Field paths in FieldErrors: `steps[2].params.commands[0]`, `params.headers["X-Api-Key"]`.
 * One spelling everywhere so clients can map an error back to the field that caused it.
 */

export type FieldSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Appends one segment: numbers (and digit strings) as `[n]`, identifiers as `.name`, else `["key"]`. */
export function joinField(path: string, segment: FieldSegment): string {
  if (typeof segment === 'number' || /^\d+$/.test(segment)) return `${path}[${segment}]`;
  if (IDENTIFIER.test(segment)) return path ? `${path}.${segment}` : segment;
  return `${path}[${JSON.stringify(segment)}]`;
}

export function formatField(segments: readonly FieldSegment[], base = ''): string {
  return segments.reduce<string>(joinField, base);
}

/** `/devices/2` (a JSON Pointer, as ajv reports) to segments `['devices', '2']`. */
export function pointerSegments(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}
