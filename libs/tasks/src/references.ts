/**
 * Save-time checks of references (Liquid in params, compensation params and `when`): the syntax,
 * and that every variable names something that will exist when the step runs — a declared input,
 * a field of `run`, or the declared output of a step that is guaranteed to have finished (an
 * ancestor through dependsOn). Variables are read with liquidjs' static analysis, so loop
 * variables and `assign`s are not mistaken for globals.
 */
import type { LiquidVariable } from './liquid';
import { DEVICE_ITEM_FIELDS, RUN_FIELDS, STEP_OUTPUT_FIELDS } from './definition';
import type { StepKind } from './definition';
import { conditionTemplate, liquidGlobals, liquidMessages } from './liquid';

type SegmentArray = LiquidVariable['segments'];

export interface ReferencedStep {
  kind?: StepKind;
  /** For http.request: the names under `extract`; undefined when they cannot be known (a reference). */
  extract?: ReadonlySet<string>;
}

export interface ReferenceScope {
  steps: ReadonlyMap<string, ReferencedStep>;
  /** Input names declared by the inputSchema; undefined when any name is allowed. */
  inputs?: ReadonlySet<string>;
  /** The referencing step (for messages and self-references). */
  stepId?: string;
  /** Steps that have finished whenever the referencing step runs. */
  ancestors: { has(stepId: string): boolean };
  /** A compensation runs after its own step, so it may read that step's output. */
  allowSelf?: boolean;
  /** Inside a fanout's step or task: `item` and `index` exist; for a devices fanout `item` is a device. */
  item?: 'items' | 'devices';
  /** Replaces the usual roots (an aggregate expression sees only acc, item, output and index). */
  roots?: readonly string[];
}

function list(values: Iterable<string>): string {
  return [...values].join(', ');
}

function checkSteps(segments: SegmentArray, text: string, scope: ReferenceScope): string | undefined {
  const id = segments[1];
  if (segments.length === 1 || typeof id !== 'string') {
    return `"${text}": name the step literally, as in steps.<id>.output`;
  }
  const step = scope.steps.get(id);
  if (!step) return `"${text}": unknown step "${id}"`;
  if (id === scope.stepId) {
    if (!scope.allowSelf) return `"${text}": a step cannot read its own output`;
  } else if (!scope.ancestors.has(id)) {
    const who = scope.stepId ? `"${scope.stepId}"` : 'this step';
    return `"${text}": step "${id}" is not an ancestor of ${who}; add it to dependsOn`;
  }
  if (segments.length === 2) return undefined;
  if (segments[2] !== 'output') return `"${text}": only steps.${id}.output can be read`;
  const field = segments[3];
  if (typeof field !== 'string' || !step.kind) return undefined;
  const fields = STEP_OUTPUT_FIELDS[step.kind];
  if (!fields.includes(field)) {
    return `"${text}": step "${id}" (${step.kind}) has no output field "${field}" (fields: ${list(fields)})`;
  }
  const name = segments[4];
  if (step.kind === 'http.request' && field === 'extracted' && typeof name === 'string' && step.extract) {
    if (!step.extract.has(name)) {
      const declared = step.extract.size > 0 ? `extract: ${list(step.extract)}` : 'it extracts nothing';
      return `"${text}": step "${id}" does not extract "${name}" (${declared})`;
    }
  }
  return undefined;
}

function checkVariable(segments: SegmentArray, text: string, scope: ReferenceScope): string | undefined {
  const root = segments[0];
  const field = segments[1];
  if (scope.roots) {
    return typeof root === 'string' && scope.roots.includes(root)
      ? undefined
      : `unknown variable "${text}": use ${list(scope.roots)}`;
  }
  switch (root) {
    case 'inputs':
      if (typeof field === 'string' && scope.inputs && !scope.inputs.has(field)) {
        return `"${text}": input "${field}" is not declared in inputSchema.properties`;
      }
      return undefined;
    case 'run':
      if (typeof field === 'string' && !(RUN_FIELDS as readonly string[]).includes(field)) {
        return `"${text}": run has no field "${field}" (fields: ${list(RUN_FIELDS)})`;
      }
      return undefined;
    case 'steps':
      return checkSteps(segments, text, scope);
    case 'item':
    case 'index':
      if (!scope.item) return `"${text}": item and index exist only inside a fanout's step or task`;
      if (
        root === 'item' &&
        scope.item === 'devices' &&
        typeof field === 'string' &&
        !(DEVICE_ITEM_FIELDS as readonly string[]).includes(field)
      ) {
        return `"${text}": a device item has no field "${field}" (fields: ${list(DEVICE_ITEM_FIELDS)})`;
      }
      return undefined;
    default: {
      const roots = ['inputs', 'steps', 'run', ...(scope.item ? ['item', 'index'] : [])];
      return `unknown variable "${text}": references start with ${list(roots)}`;
    }
  }
}

/**
 * Problems in one Liquid source (or, with `condition`, one `when` expression): syntax errors as
 * `line L, column C: …`, then one message per bad variable.
 */
export function referenceProblems(source: string, scope: ReferenceScope, condition = false): string[] {
  let globals;
  try {
    globals = liquidGlobals(condition ? conditionTemplate(source) : source);
  } catch (error) {
    return liquidMessages(error, condition);
  }
  const problems = new Set<string>();
  for (const variable of globals) {
    const problem = checkVariable(variable.segments, variable.text, scope);
    if (problem) problems.add(problem);
  }
  return [...problems];
}

/**
 * The ids of the steps a Liquid source reads (`steps.<id>…`, `steps['<id>']…`), by the same static
 * analysis; [] when it does not parse (save-time validation reports that).
 */
export function referencedStepIds(source: string): string[] {
  let globals;
  try {
    globals = liquidGlobals(source);
  } catch {
    return [];
  }
  const ids = new Set<string>();
  for (const { segments } of globals) {
    const [root, id] = segments;
    if (root === 'steps' && typeof id === 'string') ids.add(id);
  }
  return [...ids];
}
