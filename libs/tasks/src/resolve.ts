/**
 * Run-time reference resolution, in activities (it renders Liquid, which the workflow sandbox
 * should not). A string that is exactly `{{ path }}` becomes the value at that path with its type
 * (a device list stays a list); any other string with markup is rendered to text; strings
 * without markup are kept. Undefined variables are errors, never empty strings.
 *
 * The interpreter resolves a fanout's `items`/`devices` once, its `step`/`task` once per item
 * (with `item` and `index`), and never its `aggregate` (see aggregate.ts).
 */
import { SwitchboardError } from '../../common/src/errors';
import { joinField } from './field-path';
import {
  conditionProblem,
  conditionTemplate,
  hasMarkup,
  liquid,
  liquidMessages,
  parseLiquid,
  wholeReference,
} from './liquid';
import { formatPath, readLiquidPath } from './path';
import { isPlainObject } from './values';

export interface ResolveScope {
  inputs: Record<string, unknown>;
  steps: Record<string, { output: unknown }>;
  run: { id: string; taskName: string; taskVersion: number };
  /** Inside a fanout's step or task: the current item. */
  item?: unknown;
  /** Inside a fanout's step or task: the current item's position. */
  index?: number;
}

function variables(scope: ResolveScope): Record<string, unknown> {
  const out: Record<string, unknown> = { inputs: scope.inputs, steps: scope.steps, run: scope.run };
  if (scope.item !== undefined) out.item = scope.item;
  if (scope.index !== undefined) out.index = scope.index;
  return out;
}

/** Renders Liquid source; liquidjs errors become BAD_USER_INPUT at `field`. */
export function renderLiquid(
  source: string,
  vars: Record<string, unknown>,
  field: string,
  condition = false,
): string {
  try {
    return liquid.renderSync(parseLiquid(source), vars) as string;
  } catch (error) {
    throw SwitchboardError.badInput(field, liquidMessages(error, condition)[0] ?? String(error));
  }
}

function resolveString(value: string, vars: Record<string, unknown>, field: string): unknown {
  if (!hasMarkup(value)) return value;
  const path = wholeReference(value);
  if (path) {
    const { value: found, definedSegments } = readLiquidPath(vars, path);
    if (found === undefined) {
      throw SwitchboardError.badInput(
        field,
        `undefined variable "${formatPath(path.slice(0, definedSegments + 1))}"`,
      );
    }
    return found;
  }
  return renderLiquid(value, vars, field);
}

function resolveValue(value: unknown, vars: Record<string, unknown>, field: string): unknown {
  if (typeof value === 'string') return resolveString(value, vars, field);
  if (Array.isArray(value))
    return value.map((element, i) => resolveValue(element, vars, joinField(field, i)));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: resolveValue(child, vars, joinField(field, key)),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/**
 * Resolves references in `value` (objects and arrays walked, new objects returned). Throws
 * BAD_USER_INPUT at the value's path (`params.commands[1]`; `field` names the root) with
 * `undefined variable "steps.a.output.x"` or a Liquid error.
 */
export function resolveParams(value: unknown, scope: ResolveScope, field = 'params'): unknown {
  return resolveValue(value, variables(scope), field);
}

/**
 * Evaluates a `when` expression (`inputs.env == 'prod' and steps.a.output.failed == 0`) as
 * `{% if <expression> %}`. Undefined variables are errors (BAD_USER_INPUT at `when`).
 */
export function evaluateCondition(expression: string, scope: ResolveScope): boolean {
  const problem = conditionProblem(expression);
  if (problem) throw SwitchboardError.badInput('when', problem);
  return renderLiquid(conditionTemplate(expression), variables(scope), 'when', true) === 'true';
}
