/**
 * Fan-out results into one value (`steps.<fanout>.output.result`). Runs in an activity or after
 * all items are back; results arrive in item order.
 *
 * - collect (default): the outputs, in order;
 * - count: how many outputs have each value at `field` (missing or null count as "null");
 * - merge: the object outputs merged left to right (later keys win);
 * - reduce: `expression` rendered per item with `acc`, `item`, `output` and `index`, starting
 *   from `initial` (default null). The rendered text is parsed as JSON when it is JSON
 *   (`3`, `true`, `{"a":1}`), else kept as a string. The expression is bare, like `when`:
 *   `acc | plus: output.total` is rendered as `{{ acc | plus: output.total }}`. (Validation insists
 *   on the bare form, because a fanout's params are resolved when it starts and `{{ acc }}` would
 *   fail there; this function also renders a full template as written.)
 */
import { SwitchboardError } from '../../common/src/errors';
import type { AggregateSpec } from './definition';
import { hasMarkup } from './liquid';
import { extractPath } from './path';
import { renderLiquid } from './resolve';
import { isPlainObject } from './values';

export interface FanoutResult {
  item: unknown;
  output: unknown;
}

function countKey(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function count(results: readonly FanoutResult[], field: string | undefined): Record<string, number> {
  if (!field) throw SwitchboardError.badInput('aggregate.field', 'is required when mode is "count"');
  const counts = new Map<string, number>();
  for (const { output } of results) {
    const key = countKey(extractPath(output, field));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}

function merge(results: readonly FanoutResult[]): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  results.forEach(({ output }, index) => {
    if (!isPlainObject(output)) {
      const what = output === null ? 'null' : Array.isArray(output) ? 'an array' : typeof output;
      throw SwitchboardError.badInput(
        'aggregate',
        `merge needs object outputs; item ${index} returned ${what}`,
      );
    }
    entries.push(...Object.entries(output));
  });
  // fromEntries defines own properties: a "__proto__" key cannot change the result's prototype.
  return Object.fromEntries(entries);
}

function parseRendered(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function reduce(results: readonly FanoutResult[], expression: string | undefined, initial: unknown): unknown {
  if (!expression)
    throw SwitchboardError.badInput('aggregate.expression', 'is required when mode is "reduce"');
  const source = hasMarkup(expression) ? expression : `{{ ${expression} }}`;
  let acc: unknown = initial === undefined ? null : initial;
  results.forEach(({ item, output }, index) => {
    acc = parseRendered(renderLiquid(source, { acc, item, output, index }, 'aggregate.expression'));
  });
  return acc;
}

export function aggregate(results: FanoutResult[], spec: AggregateSpec | undefined): unknown {
  switch (spec?.mode ?? 'collect') {
    case 'collect':
      return results.map((r) => r.output);
    case 'count':
      return count(results, spec?.field);
    case 'merge':
      return merge(results);
    case 'reduce':
      return reduce(results, spec?.expression, spec?.initial);
    default:
      throw SwitchboardError.badInput('aggregate.mode', `unknown mode ${JSON.stringify(spec?.mode)}`);
  }
}
