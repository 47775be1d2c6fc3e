/**
 * Config rendering with Liquid. Pure: no I/O, no Temporal. One `Liquid` instance for the process,
 * strict about unknown variables and filters, reading own properties only (a template cannot reach
 * `constructor` or anything else on a prototype). Parsed templates are cached by source text.
 *
 * Undefined variables are errors, except as the condition of `if`/`elsif`/`unless` and as the
 * input of `default` (`lenientIf`), so optional values read naturally:
 * `{% if iface.description %} description {{ iface.description }}{% endif %}`.
 */
import { Liquid, LiquidError } from 'liquidjs';
import type { Template } from 'liquidjs';
import { ErrorCode, SwitchboardError } from '../../common/src/errors';
import type { Platform } from '../../common/src/platforms';
import { NETWORK_FILTERS } from './filters';
import { liquidNestingProblem } from './nesting';

export type TemplateErrorKind = 'syntax' | 'undefined-variable' | 'undefined-filter' | 'render';

/** A problem in a template, at a 1-based line and column of its source. */
export interface TemplateIssue {
  message: string;
  line: number;
  column: number;
  kind: TemplateErrorKind;
  /** For `undefined-variable`: the path that was undefined, e.g. `interfaces[3].vlan`. */
  variable?: string;
}

export type TemplateValidation = { ok: true } | { ok: false; errors: TemplateIssue[] };

export class TemplateError extends SwitchboardError {
  constructor(
    readonly issue: TemplateIssue,
    readonly template?: string,
  ) {
    const field = template ? `template ${template}` : 'template';
    const message = `line ${issue.line}, column ${issue.column}: ${issue.message}`;
    super(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, [{ field, message }]);
    this.name = 'TemplateError';
  }
}

export interface RenderInput {
  source: string;
  variables: Record<string, unknown>;
  /** Available to the template as `platform` (e.g. `{% case platform %}`); wins over a variable of that name. */
  platform?: Platform;
  /** Names the template in error messages. */
  name?: string;
}

/** Limits of one render (liquidjs' DoS options): its time, and what it may allocate (`(1..1e9)`). */
export const RENDER_LIMIT_MS = 1000;
export const RENDER_MEMORY_LIMIT = 1e7;

const liquid = new Liquid({
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  lenientIf: true,
  renderLimit: RENDER_LIMIT_MS,
  memoryLimit: RENDER_MEMORY_LIMIT,
});
for (const [name, filter] of Object.entries(NETWORK_FILTERS)) liquid.registerFilter(name, filter);

/** The filters added to Liquid's standard set. */
export const TEMPLATE_FILTERS = Object.keys(NETWORK_FILTERS);

const CACHE_LIMIT = 256;
const parsed = new Map<string, Template[]>();

function normalise(source: string): string {
  return source.replace(/\r\n?/g, '\n');
}

/** A template nested deeper than MAX_LIQUID_NESTING (nesting.ts), refused before liquidjs parses it. */
class TemplateNestingError extends Error {
  constructor(readonly issue: TemplateIssue) {
    super(issue.message);
  }
}

/** Parses (or takes from the cache) a template; throws liquidjs errors and TemplateNestingError. */
function parse(source: string): Template[] {
  const cached = parsed.get(source);
  if (cached) {
    // Least recently used goes first out: re-insert to mark as recent.
    parsed.delete(source);
    parsed.set(source, cached);
    return cached;
  }
  const deep = liquidNestingProblem(source, liquid);
  if (deep) throw new TemplateNestingError({ ...deep, kind: 'syntax' });
  const templates = liquid.parse(source);
  parsed.set(source, templates);
  if (parsed.size > CACHE_LIMIT) parsed.delete(parsed.keys().next().value as string);
  return templates;
}

/** `a.0.b` (liquidjs' spelling) to `a[0].b`. */
function variablePath(dotted: string): string {
  return dotted
    .split('.')
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

/** Maps anything thrown by liquidjs to issues with positions. Non-liquid errors are rethrown. */
export function toTemplateIssues(error: unknown): TemplateIssue[] {
  if (error instanceof TemplateNestingError) return [error.issue];
  if (!LiquidError.is(error)) throw error;
  const nested = (error as LiquidError & { errors?: unknown[] }).errors;
  if (error.name === 'LiquidErrors' && Array.isArray(nested)) return nested.flatMap(toTemplateIssues);

  const token = (error as LiquidError & { token?: { getPosition(): [number, number]; file?: string } }).token;
  let line = 0;
  let column = 0;
  let message = error.originalError?.message ?? error.message;
  if (token) {
    [line, column] = token.getPosition();
    // TokenizationError keeps liquidjs' suffix (", file:x, line:2, col:5") in its message.
    const suffix = `${token.file ? `, file:${token.file}` : ''}, line:${line}, col:${column}`;
    if (message.endsWith(suffix)) message = message.slice(0, -suffix.length);
  } else {
    const m = /line:(\d+), col:(\d+)$/.exec(message);
    if (m) [line, column] = [Number(m[1]), Number(m[2])];
    message = message.replace(/(, file:.*)?, line:\d+, col:\d+$/, '');
  }

  if (error.name === 'UndefinedVariableError') {
    const dotted = message.replace(/^undefined variable:\s*/, '');
    const variable = variablePath(dotted);
    return [
      { message: `undefined variable: ${variable}`, line, column, kind: 'undefined-variable', variable },
    ];
  }
  if (/^undefined filter:/.test(message)) return [{ message, line, column, kind: 'undefined-filter' }];
  if (error.name === 'RenderError') return [{ message, line, column, kind: 'render' }];
  return [{ message, line, column, kind: 'syntax' }];
}

/** Syntax check only (tags closed, outputs closed, known tags and filters). */
export function validateTemplate(source: string): TemplateValidation {
  try {
    parse(normalise(source));
    return { ok: true };
  } catch (error) {
    return { ok: false, errors: toTemplateIssues(error) };
  }
}

/**
 * Renders a template. Throws `TemplateError` (code BAD_USER_INPUT) with the line and column of the
 * first problem: a syntax error, an unknown filter, an undefined variable or a failing filter.
 */
export function renderConfig({ source, variables, platform, name }: RenderInput): string {
  try {
    const templates = parse(normalise(source));
    const scope = platform === undefined ? variables : { ...variables, platform };
    return liquid.renderSync(templates, scope) as string;
  } catch (error) {
    throw new TemplateError(toTemplateIssues(error)[0], name);
  }
}
