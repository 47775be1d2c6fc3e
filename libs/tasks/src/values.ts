/** Small checks on plain data shared by validation, resolution and templates. */
import type { FieldSegment } from './field-path';

/** An object literal (from any realm: structuredClone and Jest's sandbox use different ones). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || (Object.getPrototypeOf(proto) === null && Object.hasOwn(proto, 'hasOwnProperty'));
}

/**
 * The path of the first value that is not JSON data (string, finite number, boolean, null, array,
 * plain object), or undefined. Params travel through Temporal payloads and the database as JSON.
 */
export function nonJsonPath(value: unknown, path: FieldSegment[] = []): FieldSegment[] | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonJsonPath(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const found = nonJsonPath(child, [...path, key]);
      if (found) return found;
    }
    return undefined;
  }
  return path;
}

/**
 * A deep copy of arrays and plain objects (other values are shared). Unlike structuredClone the
 * copy's objects belong to this realm, so `instanceof Object` and prototype checks hold in Jest.
 */
export function copyData<T>(value: T): T {
  if (Array.isArray(value)) return value.map((element: unknown) => copyData(element)) as T;
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    Object.defineProperty(out, key, {
      value: copyData(child),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as T;
}
