/**
 * validateDefinition: every problem in a task definition at once, each at a field path
 * (`steps[2].params.commands`) and, under a step, with the step's id in the message
 * (`step "push": unknown step "bakup" in dependsOn`).
 *
 * The passes are independent — structure (zod), graph, params per kind, inputSchema,
 * references — and read the raw input leniently, so one mistake does not hide the others.
 * Before them, the limits (limits.ts: steps, size, nesting); a definition beyond a limit gets only
 * those errors. Within the limits every pass is about linear in the size of the definition.
 */
import type { FieldError } from '../../common/src/errors';
import { DEFAULT_RETRY, MAX_DEPENDENCY_DEPTH, STEP_KINDS } from './definition';
import type { StepKind, TaskDefinition } from './definition';
import { formatField } from './field-path';
import type { FieldSegment } from './field-path';
import { findCycles, stepReachability } from './graph';
import type { StepGraph, StepReachability } from './graph';
import { schemaProblem } from './inputs';
import { fromZod, zodMessages } from './issues';
import type { Issue } from './issues';
import { limitProblems } from './limits';
import { conditionProblem, hasMarkup } from './liquid';
import { checkParams } from './params';
import { referenceProblems } from './references';
import type { ReferencedStep, ReferenceScope } from './references';
import { definitionSchema } from './schema';
import { copyData, isPlainObject, nonJsonPath } from './values';

/** What the checks need from a step, read leniently from raw input. */
interface LooseStep {
  index: number;
  id?: string;
  kind?: StepKind;
  dependsOn: string[];
  params?: Record<string, unknown>;
  when?: unknown;
  retry?: unknown;
  compensate?: { kind?: StepKind; params?: Record<string, unknown>; retry?: unknown };
}

function asKind(value: unknown): StepKind | undefined {
  return (STEP_KINDS as readonly unknown[]).includes(value) ? (value as StepKind) : undefined;
}

function looseStep(raw: unknown, index: number): LooseStep {
  const step = isPlainObject(raw) ? raw : {};
  const compensate = isPlainObject(step.compensate) ? step.compensate : undefined;
  return {
    index,
    id: typeof step.id === 'string' ? step.id : undefined,
    kind: asKind(step.kind),
    dependsOn: Array.isArray(step.dependsOn)
      ? step.dependsOn.filter((d): d is string => typeof d === 'string')
      : [],
    params: step.params === undefined ? {} : isPlainObject(step.params) ? step.params : undefined,
    when: step.when,
    retry: step.retry,
    compensate: compensate && {
      kind: asKind(compensate.kind),
      params:
        compensate.params === undefined
          ? {}
          : isPlainObject(compensate.params)
            ? compensate.params
            : undefined,
      retry: compensate.retry,
    },
  };
}

function checkGraph(steps: LooseStep[], graph: StepGraph, reach: StepReachability, issues: Issue[]): void {
  const first = new Map<string, number>();
  for (const step of steps) {
    if (step.id === undefined) continue;
    const earlier = first.get(step.id);
    if (earlier === undefined) first.set(step.id, step.index);
    else
      issues.push({
        path: ['steps', step.index, 'id'],
        message: `duplicate id: steps[${earlier}] has it too`,
      });
  }
  for (const step of steps) {
    const seen = new Set<string>();
    step.dependsOn.forEach((dep, k) => {
      const path: FieldSegment[] = ['steps', step.index, 'dependsOn', k];
      if (dep === step.id) issues.push({ path, message: 'depends on itself' });
      else if (!first.has(dep)) issues.push({ path, message: `unknown step "${dep}" in dependsOn` });
      else if (seen.has(dep)) issues.push({ path, message: `"${dep}" is listed twice in dependsOn` });
      seen.add(dep);
    });
  }
  for (const cycle of findCycles(graph)) {
    issues.push({
      path: ['steps', first.get(cycle[0])!, 'dependsOn'],
      message: `cycle: ${cycle.join(' → ')}`,
    });
  }
  // Reported where a chain first gets too long; the steps after it are too deep as well.
  for (const [id, index] of first) {
    const chain = reach.depthOf(id);
    if (chain?.depth === MAX_DEPENDENCY_DEPTH + 1) {
      issues.push({
        path: ['steps', index, 'dependsOn'],
        message: `is step ${chain.depth} of a dependsOn chain from "${chain.from}": chains have at most ${MAX_DEPENDENCY_DEPTH} steps`,
      });
    }
  }
}

function checkRetry(retry: unknown, path: FieldSegment[], issues: Issue[]): void {
  if (!isPlainObject(retry)) return;
  const initial = typeof retry.initialIntervalSeconds === 'number' ? retry.initialIntervalSeconds : undefined;
  const maximum = typeof retry.maximumIntervalSeconds === 'number' ? retry.maximumIntervalSeconds : undefined;
  const effectiveInitial = initial ?? DEFAULT_RETRY.initialIntervalSeconds;
  const effectiveMaximum = maximum ?? DEFAULT_RETRY.maximumIntervalSeconds;
  if (effectiveMaximum < effectiveInitial) {
    issues.push({
      path: [...path, maximum === undefined ? 'initialIntervalSeconds' : 'maximumIntervalSeconds'],
      message: `maximumIntervalSeconds (${effectiveMaximum}) must be >= initialIntervalSeconds (${effectiveInitial})`,
    });
  }
}

function checkParamsOf(
  kind: StepKind | undefined,
  params: Record<string, unknown> | undefined,
  path: FieldSegment[],
  issues: Issue[],
): void {
  if (!params) return;
  const bad = nonJsonPath(params);
  if (bad)
    issues.push({
      path: [...path, ...bad],
      message: 'must be JSON data (string, number, boolean, null, array or object)',
    });
  if (!kind) return;
  for (const issue of checkParams(kind, params))
    issues.push({ path: [...path, ...issue.path], message: issue.message });
}

/** Input names references may use; undefined when the schema allows any. */
function declaredInputs(schema: unknown): Set<string> | undefined {
  if (!isPlainObject(schema) || !isPlainObject(schema.properties)) return undefined;
  const extra = schema.additionalProperties;
  if (extra === true || isPlainObject(extra)) return undefined;
  return new Set(Object.keys(schema.properties));
}

function checkInputSchema(schema: unknown, issues: Issue[]): void {
  if (!isPlainObject(schema)) return; // the structure pass reports it
  if (schema.type !== undefined && schema.type !== 'object') {
    issues.push({ path: ['inputSchema', 'type'], message: 'must be "object": run inputs are an object' });
  }
  const problem = schemaProblem(schema);
  if (problem) issues.push({ path: ['inputSchema'], message: problem });
}

function referencedStep(step: LooseStep): ReferencedStep {
  let extract: Set<string> | undefined;
  if (step.kind === 'http.request' && step.params) {
    const declared = step.params.extract;
    if (declared === undefined) extract = new Set();
    else if (isPlainObject(declared)) extract = new Set(Object.keys(declared));
  }
  return { kind: step.kind, extract };
}

const AGGREGATE_ROOTS = ['acc', 'item', 'output', 'index'] as const;

/** Checks every Liquid string under `value`; fanout step/task and aggregate get their own scopes. */
function checkValueReferences(
  value: unknown,
  path: FieldSegment[],
  scope: ReferenceScope,
  issues: Issue[],
  fanout?: { params: Record<string, unknown> },
): void {
  if (typeof value === 'string') {
    if (!hasMarkup(value)) return;
    for (const message of referenceProblems(value, scope)) issues.push({ path, message });
  } else if (Array.isArray(value)) {
    value.forEach((element, i) => checkValueReferences(element, [...path, i], scope, issues));
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (fanout && (key === 'step' || key === 'task')) {
        const item = fanout.params.devices !== undefined ? 'devices' : 'items';
        checkValueReferences(child, [...path, key], { ...scope, item }, issues);
      } else if (
        fanout &&
        key === 'aggregate' &&
        isPlainObject(child) &&
        typeof child.expression === 'string'
      ) {
        const { expression, ...rest } = child;
        // Bare, like `when`: the interpreter resolves a fanout's other params when it starts, before any acc exists.
        const messages = /\{\{|\}\}|\{%|%\}/.test(expression)
          ? ['is a Liquid expression such as "acc | plus: output.total": write it without {{ }} or {% %}']
          : referenceProblems(`{{ ${expression} }}`, { ...scope, roots: AGGREGATE_ROOTS });
        for (const message of messages) issues.push({ path: [...path, key, 'expression'], message });
        checkValueReferences(rest, [...path, key], scope, issues);
      } else {
        checkValueReferences(child, [...path, key], scope, issues);
      }
    }
  }
}

function checkReferences(
  steps: LooseStep[],
  reach: StepReachability,
  inputSchema: unknown,
  issues: Issue[],
): void {
  const known = new Map<string, ReferencedStep>();
  for (const step of steps)
    if (step.id !== undefined && !known.has(step.id)) known.set(step.id, referencedStep(step));
  const inputs = declaredInputs(inputSchema);
  for (const step of steps) {
    // Its dependencies and theirs, from bitsets computed once (not a walk of the graph per step).
    const ancestors = reach.closureOf(step.dependsOn);
    const scope: ReferenceScope = { steps: known, inputs, stepId: step.id, ancestors };
    const base: FieldSegment[] = ['steps', step.index];
    if (step.params) {
      const fanout = step.kind === 'fanout' ? { params: step.params } : undefined;
      checkValueReferences(step.params, [...base, 'params'], scope, issues, fanout);
    }
    if (typeof step.when === 'string') {
      const problem = conditionProblem(step.when);
      const messages = problem ? [problem] : referenceProblems(step.when, scope, true);
      for (const message of messages) issues.push({ path: [...base, 'when'], message });
    }
    const compensate = step.compensate;
    if (compensate?.params) {
      const fanout = compensate.kind === 'fanout' ? { params: compensate.params } : undefined;
      const compensationScope = { ...scope, allowSelf: true };
      checkValueReferences(
        compensate.params,
        [...base, 'compensate', 'params'],
        compensationScope,
        issues,
        fanout,
      );
    }
  }
}

/** Definition-level problems first, then step by step (stable within a step). */
function sortIssues(issues: Issue[]): Issue[] {
  const stepOf = (issue: Issue) =>
    issue.path[0] === 'steps' && typeof issue.path[1] === 'number' ? issue.path[1] : -1;
  return issues
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => stepOf(a.issue) - stepOf(b.issue) || a.order - b.order)
    .map((x) => x.issue);
}

function toFieldErrors(issues: Issue[], idOf: (index: number) => string | undefined): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const field = formatField(issue.path) || 'definition';
    const [top, index] = issue.path;
    const id = top === 'steps' && typeof index === 'number' ? idOf(index) : undefined;
    const message = id !== undefined ? `step "${id}": ${issue.message}` : issue.message;
    const key = `${field}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push({ field, message });
  }
  return errors;
}

/**
 * Validates a task definition and applies its defaults. Returns the definition only when there
 * are no errors; otherwise every error found.
 */
export function validateDefinition(raw: unknown): { definition?: TaskDefinition; errors: FieldError[] } {
  if (!isPlainObject(raw)) return { errors: [{ field: 'definition', message: 'must be an object' }] };
  // First the limits, in time bounded by MAX_DEFINITION_BYTES: the passes below cost about the
  // size of the definition (steps² / 32 bits for reachability) and recurse into params.
  const limits = limitProblems(raw);
  if (limits.length > 0) {
    const rawSteps: unknown[] = Array.isArray(raw.steps) ? raw.steps : [];
    const idOf = (index: number) => {
      const step: unknown = rawSteps[index];
      return isPlainObject(step) && typeof step.id === 'string' ? step.id : undefined;
    };
    return { errors: toFieldErrors(sortIssues(limits), idOf) };
  }
  const issues: Issue[] = [];
  const parsed = definitionSchema.safeParse(raw, { error: zodMessages });
  if (!parsed.success) issues.push(...fromZod(parsed.error.issues));

  const steps = (Array.isArray(raw.steps) ? raw.steps : []).map(looseStep);
  const graph: StepGraph = {
    steps: steps.filter((s): s is LooseStep & { id: string } => s.id !== undefined),
  };
  const reach = stepReachability(graph);
  checkGraph(steps, graph, reach, issues);
  for (const step of steps) {
    const base: FieldSegment[] = ['steps', step.index];
    checkParamsOf(step.kind, step.params, [...base, 'params'], issues);
    checkRetry(step.retry, [...base, 'retry'], issues);
    if (step.compensate) {
      checkParamsOf(step.compensate.kind, step.compensate.params, [...base, 'compensate', 'params'], issues);
      checkRetry(step.compensate.retry, [...base, 'compensate', 'retry'], issues);
    }
  }
  const inputSchema = raw.inputSchema ?? { type: 'object' };
  checkInputSchema(inputSchema, issues);
  checkReferences(steps, reach, inputSchema, issues);

  const errors = toFieldErrors(sortIssues(issues), (index) => steps[index]?.id);
  if (errors.length > 0 || !parsed.success) return { errors };
  return { definition: copyData(parsed.data) as TaskDefinition, errors: [] };
}
