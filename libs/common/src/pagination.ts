import { SwitchboardError } from './errors';
import { parseJson } from './json';

/** A page of a keyset-paginated list, as the API's Relay-style connections carry it. */
export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

/** Keyset cursors: an opaque base64url of the sort key values. */
export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * The sort key values of a cursor: JSON from the client, so parsed and checked like any other
 * (libs/common/src/json.ts), and only strings and finite numbers; else BAD_USER_INPUT on `after`.
 */
export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  let values: unknown;
  try {
    values = parseJson('after', Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  const key = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  if (Array.isArray(values) && values.length === arity && values.every(key))
    return values as (string | number)[];
  throw SwitchboardError.badInput('after', 'is not a cursor returned by this API');
}

/**
 * A page from keyset-queried rows: ask the database for `first + 1` rows, and the extra row (if any)
 * says there is a next page.
 */
export function toConnection<T>(
  rows: T[],
  first: number,
  totalCount: number,
  cursorOf: (row: T) => string,
): ConnectionShape<T> {
  const edges = rows.slice(0, first).map((node) => ({ node, cursor: cursorOf(node) }));
  return {
    edges,
    totalCount,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
