/**
 * The Liquid engine for task references, shared by save-time checks and run-time resolution so
 * both agree on syntax. Strict like config templates (libs/templating/src/render.ts): unknown
 * variables and filters are errors, own properties only, and the network filters are available.
 * Unlike config templates there is no `lenientIf`: a condition on a missing value is a mistake
 * in a task, not an optional section.
 */
import { Liquid, Token } from 'liquidjs';
import { liquidNestingProblem } from '../../templating/src/nesting';
import type { Template, Variable } from 'liquidjs';
import { NETWORK_FILTERS } from '../../templating/src/filters';
import { toTemplateIssues } from '../../templating/src/render';
import type { TemplateIssue } from '../../templating/src/render';
import { MAX_NESTING_DEPTH } from './definition';
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

/** A template whose tags and brackets nest deeper than MAX_NESTING_DEPTH. */
export class LiquidNestingError extends Error {
  constructor() {
    super(`Liquid tags and brackets are nested more than ${MAX_NESTING_DEPTH} levels deep`);
    this.name = 'LiquidNestingError';
  }
}

/**
 * Throws LiquidNestingError when block tags (and brackets inside them) nest deeper than
 * MAX_NESTING_DEPTH, before liquidjs parses the template (libs/templating/src/nesting.ts, which
 * config templates use too). A template liquidjs cannot tokenize passes: liquid.parse reports it.
 */
export function checkLiquidNesting(source: string): void {
  if (liquidNestingProblem(source, liquid, MAX_NESTING_DEPTH)) throw new LiquidNestingError();
}

/**
 * Parses (or takes from a small LRU cache) a template; throws liquidjs errors, and
 * LiquidNestingError for a template nested too deep.
 */
export function parseLiquid(source: string): Template[] {
  const cached = parsed.get(source);
  if (cached) {
    parsed.delete(source);
    parsed.set(source, cached);
    return cached;
  }
  checkLiquidNesting(source);
  const templates = liquid.parse(source);
  parsed.set(source, templates);
  if (parsed.size > CACHE_LIMIT) parsed.delete(parsed.keys().next().value as string);
  return templates;
}

/** Offsets where the lines of `source` start. */
function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * liquidjs' static analysis notes where each variable is with Token.getPosition, which counts
 * lines from the start of the template at every call: quadratic in the size of a template (a
 * 200 KB condition of 5,000 comparisons took 2.5 s). During our analysis it answers the same
 * from the template's line starts, found once; the prototype is restored afterwards.
 */
function withLinePositions<T>(run: () => T): T {
  const original = Object.getOwnPropertyDescriptor(Token.prototype, 'getPosition')!;
  let input: string | undefined;
  let starts: number[] = [];
  Token.prototype.getPosition = function (this: Token): [number, number] {
    if (this.input !== input) {
      input = this.input;
      starts = lineStarts(input);
    }
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= this.begin) low = mid;
      else high = mid - 1;
    }
    return [low + 1, this.begin - starts[low] + 1];
  };
  try {
    return run();
  } finally {
    Object.defineProperty(Token.prototype, 'getPosition', original);
  }
}

/** A global variable of a template: its path (nested arrays for nested paths) and its text. */
export interface LiquidVariable {
  segments: ReturnType<Variable['toArray']>;
  text: string;
}

const analysed = new Map<string, LiquidVariable[]>();

/** `{{ a.b.c }}`: an output of a plain dotted path, nothing else. */
const SIMPLE_OUTPUT =
  /\{\{-?[ \t\n\r]*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)[ \t\n\r]*-?\}\}/g;

/**
 * The globals of a source whose only markup is `{{ a.b.c }}` outputs, as liquidjs' static
 * analysis reports them (grouped by root, in order of appearance); undefined for any other source.
 * Most references look like this, and liquidjs takes far longer to parse and analyse them.
 */
function simpleGlobals(source: string): LiquidVariable[] | undefined {
  const byRoot = new Map<string, LiquidVariable[]>();
  let last = 0;
  for (const match of source.matchAll(SIMPLE_OUTPUT)) {
    const text = source.slice(last, match.index);
    if (text.includes('{{') || text.includes('{%') || text.endsWith('{')) return undefined;
    last = match.index + match[0].length;
    const segments = match[1].split('.');
    if (LITERALS.has(segments[0])) return undefined;
    const group = byRoot.get(segments[0]);
    const variable = { segments, text: match[1] };
    if (group) group.push(variable);
    else byRoot.set(segments[0], [variable]);
  }
  const rest = source.slice(last);
  if (rest.includes('{{') || rest.includes('{%')) return undefined;
  return [...byRoot.values()].flat();
}

/**
 * The global variables of a template (what references read), from a small LRU cache, as
 * liquidjs' static analysis finds them: loop variables and `assign`s are not globals. Throws
 * liquidjs errors when the source does not parse.
 */
export function liquidGlobals(source: string): LiquidVariable[] {
  const cached = analysed.get(source);
  if (cached) {
    analysed.delete(source);
    analysed.set(source, cached);
    return cached;
  }
  let globals = simpleGlobals(source);
  if (!globals) {
    const templates = parseLiquid(source);
    const analysis = withLinePositions(() => liquid.analyzeSync(templates));
    globals = Object.values(analysis.globals).flatMap((variables) =>
      variables.map((variable) => ({ segments: variable.toArray(), text: variable.toString() })),
    );
  }
  analysed.set(source, globals);
  if (analysed.size > CACHE_LIMIT) analysed.delete(analysed.keys().next().value as string);
  return globals;
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
  if (error instanceof LiquidNestingError) return [error.message];
  return toTemplateIssues(error).map((issue: TemplateIssue) => {
    if (issue.kind === 'undefined-variable') return `undefined variable "${issue.variable ?? ''}"`;
    const column =
      conditionShift && issue.line === 1 ? Math.max(1, issue.column - CONDITION_PREFIX.length) : issue.column;
    return `line ${issue.line}, column ${column}: ${issue.message}`;
  });
}
