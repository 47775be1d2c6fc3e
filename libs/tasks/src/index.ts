/**
 * Task definitions: validation, the step graph, references, aggregation, text formats and
 * templates. Workflows should import `./definition`, `./graph` and `./retry` directly: this
 * index also pulls in liquidjs, ajv and the template loader (fs).
 */
export {
  CHANGE_KINDS,
  DEFAULT_RETRY,
  DEVICE_ITEM_FIELDS,
  FANOUT_ITEM_KINDS,
  MAX_DEFINITION_BYTES,
  MAX_DEPENDENCY_DEPTH,
  MAX_INPUT_SCHEMA_BYTES,
  MAX_NESTING_DEPTH,
  MAX_STEPS,
  MAX_TEXT_NESTING_DEPTH,
  MAX_YAML_ALIAS_COUNT,
  PARAM_DEFAULTS,
  ROUTED_KINDS,
  RUN_FIELDS,
  STEP_ID,
  STEP_KINDS,
  STEP_OUTPUT_FIELDS,
  TASK_NAME,
  UPSTREAM_ACTIONS,
  UPSTREAM_CONDITIONS,
} from './definition';
export type {
  AggregateMode,
  AggregateSpec,
  CompensationDefinition,
  FanoutItemKind,
  RetryPolicy,
  StepDefinition,
  StepKind,
  SafetyPolicy,
  TaskDefinition,
  UpstreamAction,
  UpstreamCondition,
  UpstreamDependency,
  UpstreamPolicy,
} from './definition';
export { validateDefinition } from './validate';
export { validateInputs } from './inputs';
export { AGGREGATE_MODES, HTTP_METHODS } from './params';
export { ancestorsOf, descendantsOf, findCycles, topologicalOrder } from './graph';
export type { StepGraph } from './graph';
export { retryPolicyOf } from './retry';
export { parseDefinitionText, serializeDefinition } from './text';
export type { DefinitionFormat } from './text';
export { evaluateCondition, resolveParams } from './resolve';
export type { ResolveScope } from './resolve';
export { aggregate } from './aggregate';
export type { FanoutResult } from './aggregate';
export { extractPath, parsePath } from './path';
export { hasMarkup as isReference } from './liquid';
export type { PathSegment } from './path';
export { BUILTIN_TASK_TEMPLATES_DIR, instantiateTemplate, loadTaskTemplates } from './templates';
export type { TaskTemplate } from './templates';
