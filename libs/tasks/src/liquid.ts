/**
 * The Liquid engine for task references, shared by save-time checks and run-time resolution so
 * both agree on syntax. Strict like config templates (libs/templating/src/render.ts): unknown
 * variables and filters are errors, own properties only, and the network filters are available.
 * Unlike config templates there is no `lenientIf`: a condition on a missing value is a mistake
 * in a task, not an optional section.
 */
import { Liquid } from 'liquidjs';
import type { Template } from 'liquidjs';
import { NETWORK_FILTERS } from '../../templating/src/filters';
import { toTemplateIssues } from '../../templating/src/render';
import type { TemplateIssue } from '../../templating/src/render';
import { parsePath } from './path';
import type { PathSegment } from './path';

export const liquid = new Liquid({ strictVariables: true, strictFilters: true, ownPropertyOnly: true });
for (const [name, filter] of Object.entries(NETWORK_FILTERS)) liquid.registerFilter(name, filter);

/** True for a string holding Liquid markup (`{{ }}` or `{% %}`): a reference, resolved at run time. */
export function hasMarkup(value: unknown): value is string {
  return typeof value === 'string' && (value.includes('{{') || value.includes('{%'));
}

const CACHE_LIMIT = 512;
const parsed = new Map<string, Template[]>();

/** Parses (or takes from a small LRU cache) a template; throws liquidjs errors. */
export function parseLiquid(source: string): Template[] {
  const cached = parsed.get(source);
  if (cached) {
    parsed.delete(source);
    parsed.set(source, cached);
    return cached;
  }
  const templates = liquid.parse(source);
  parsed.set(source, templates);
  if (parsed.size > CACHE_LIMIT) parsed.delete(parsed.keys().next().value as string);
  return templates;
}

const LITERALS = new Set(['true', 'false', 'nil', 'null', 'empty', 'blank']);
const WHOLE = /^\{\{-?\s*([^{}|\s]+)\s*-?\}\}$/;

/**
 * The path of a string that is exactly one `{{ path }}` (no filters, no literal), which resolves
 * to the raw value keeping its type; undefined for anything else.
 */
export function wholeReference(value: string, pattern: RegExp = WHOLE): PathSegment[] | undefined {
  const m = pattern.exec(value);
  if (!m) return undefined;
  const segments = parsePath(m[1]);
  if (!segments || segments.length === 0) return undefined;
  const root = segments[0];
  if (!('key' in root) || LITERALS.has(root.key)) return undefined;
  if (segments.some((s) => 'wildcard' in s)) return undefined;
  return segments;
}

const CONDITION_PREFIX = '{% if ';

/** The template a `when` expression is evaluated as. */
export function conditionTemplate(expression: string): string {
  return `${CONDITION_PREFIX}${expression} %}true{% else %}false{% endif %}`;
}

/** Why an expression cannot be a condition, or undefined when it can. */
export function conditionProblem(expression: string): string | undefined {
  if (expression.trim() === '') return 'must not be empty';
  if (/\{\{|\}\}|\{%|%\}/.test(expression)) {
    return 'is a Liquid expression such as "inputs.env == \'prod\'": write it without {{ }} or {% %}';
  }
  return undefined;
}

/**
 * One message per liquidjs error: `undefined variable "steps.a.output.x"` or
 * `line L, column C: <message>`. `conditionShift` maps positions in a condition template back to
 * the expression the user wrote.
 */
export function liquidMessages(error: unknown, conditionShift = false): string[] {
  return toTemplateIssues(error).map((issue: TemplateIssue) => {
    if (issue.kind === 'undefined-variable') return `undefined variable "${issue.variable ?? ''}"`;
    const column =
      conditionShift && issue.line === 1 ? Math.max(1, issue.column - CONDITION_PREFIX.length) : issue.column;
    return `line ${issue.line}, column ${column}: ${issue.message}`;
  });
}
