/**
 * Task definitions: a task is a DAG of steps run by the interpreter workflow. Types and constants
 * only — no imports — so the workflow sandbox can import this file directly.
 */

export const STEP_KINDS = [
  'ssh.commands',
  'ssh.configure',
  'http.request',
  'script',
  'approval',
  'sleep',
  'subtask',
  'fanout',
  'device.check',
  'file.upload',
  'file.download',
  'deploy.release',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Kinds a fanout may run per item. */
export const FANOUT_ITEM_KINDS = [
  'ssh.commands',
  'ssh.configure',
  'script',
  'http.request',
  'sleep',
] as const;
export type FanoutItemKind = (typeof FANOUT_ITEM_KINDS)[number];

export interface RetryPolicy {
  maximumAttempts: number;
  initialIntervalSeconds: number;
  backoffCoefficient: number;
  maximumIntervalSeconds: number;
}

export interface CompensationDefinition {
  kind: StepKind;
  params: Record<string, unknown>;
  retry?: Partial<RetryPolicy>;
  timeoutSeconds?: number;
}

export interface StepDefinition {
  /** Matches STEP_ID: it appears in Liquid paths (`steps.<id>.output`). */
  id: string;
  name?: string;
  kind: StepKind;
  params: Record<string, unknown>;
  /** Default []. */
  dependsOn: string[];
  retry?: Partial<RetryPolicy>;
  /** Positive integer. */
  timeoutSeconds?: number;
  /** Default false. */
  continueOnError: boolean;
  /** Liquid condition expression, e.g. `inputs.env == 'prod' and steps.a.output.failed == 0`. */
  when?: string;
  compensate?: CompensationDefinition;
  /**
   * Capabilities (NODE_CAPABILITIES tags) a node must have to run this step's work (and its
   * compensation's). At most 4; only for kinds that run on nodes (ROUTED_KINDS).
   */
  requires?: string[];
}

/** Kinds whose work runs in activities on execution nodes, so `requires` can route it. */
export const ROUTED_KINDS: readonly StepKind[] = [
  'ssh.commands',
  'ssh.configure',
  'script',
  'http.request',
  'fanout',
  'device.check',
  'file.upload',
  'file.download',
  'deploy.release',
];

/** A capability tag, as in NODE_CAPABILITIES. */
export const CAPABILITY_TAG = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface TaskDefinition {
  /** Matches TASK_NAME. */
  name: string;
  /** Default ''. */
  description: string;
  /** Default ''. */
  owner: string;
  /** 1 (most urgent) .. 5, default 3. */
  priority: number;
  /** Default []. */
  tags: string[];
  /** A JSON Schema (draft-07) for the run inputs, default `{ type: 'object' }`. */
  inputSchema: Record<string, unknown>;
  /** Steps running at once, 1..100, default 4. */
  concurrency: number;
  /**
   * What change steps (ssh.configure, script, and compensations) do when one of their devices is
   * locked by another run, or outside its maintenance window: wait (up to the timeout) or refuse.
   */
  safety: SafetyPolicy;
  /**
   * Dependencies on other tasks' runs of the same time slot. Only runs started by a schedule have
   * a slot (their scheduled time); they wait for their upstream runs before their first step.
   */
  upstream?: UpstreamPolicy;
  /** 1..MAX_STEPS steps. */
  steps: StepDefinition[];
}

/** What an upstream run must have ended as: COMPLETED; any final status; or a failure. */
export const UPSTREAM_CONDITIONS = ['SUCCEEDED', 'COMPLETED', 'FAILED'] as const;
export type UpstreamCondition = (typeof UPSTREAM_CONDITIONS)[number];

/** What a run does when an upstream run does not come in time, or ends otherwise than required. */
export const UPSTREAM_ACTIONS = ['SKIP', 'FAIL', 'RUN'] as const;
export type UpstreamAction = (typeof UPSTREAM_ACTIONS)[number];

export interface UpstreamDependency {
  /** The upstream task's name. */
  task: string;
  /** Default SUCCEEDED. */
  when: UpstreamCondition;
  /** The upstream slot is this many seconds before this run's slot. Default 0 (the same slot). */
  offsetSeconds: number;
}

export interface UpstreamPolicy {
  /** 1..20 tasks, each at most once. */
  tasks: UpstreamDependency[];
  /** How long a run waits, from its slot or its firing when later. Default 3600. */
  timeoutSeconds: number;
  /** Default SKIP. */
  onTimeout: UpstreamAction;
  /** An upstream run ended otherwise than required. Default SKIP. */
  onUnmet: UpstreamAction;
}

export interface SafetyPolicy {
  /** Default WAIT. */
  onLocked: 'WAIT' | 'REFUSE';
  /** Default 3600. */
  lockTimeoutSeconds: number;
  /** Default WAIT. */
  onClosedWindow: 'WAIT' | 'REFUSE';
  /** Default 7 days. */
  windowTimeoutSeconds: number;
  /** Blast radius: a change step works on at most this many devices at the same time. */
  maxDevicesAtOnce?: number;
  /** Blast radius: ... and on at most this share of any site's devices at the same time (at least one). */
  maxPercentOfSite?: number;
}

/**
 * What a definition without `safety` gets (and change runs, and definitions saved before the
 * policy existed): wait for locks up to an hour, for windows up to 7 days.
 */
export const DEFAULT_SAFETY: SafetyPolicy = {
  onLocked: 'WAIT',
  lockTimeoutSeconds: 3600,
  onClosedWindow: 'WAIT',
  windowTimeoutSeconds: 7 * 86_400,
};

/** Step kinds that change devices: they lock their devices for the run and respect maintenance windows. */
export const CHANGE_KINDS: readonly StepKind[] = ['ssh.configure', 'script', 'file.upload', 'deploy.release'];

export const DEFAULT_RETRY: RetryPolicy = {
  maximumAttempts: 3,
  initialIntervalSeconds: 1,
  backoffCoefficient: 2,
  maximumIntervalSeconds: 60,
};

export const TASK_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const STEP_ID = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

// Limits on a definition, checked before anything else so that parsing and validation stay cheap
// (about linear in the size of the definition) whatever is sent. See docs/tasks.md, "Limits".

/** Steps in one definition (`steps`). */
export const MAX_STEPS = 500;
/** Steps in the longest `dependsOn` chain: a step without dependencies is 1 deep. */
export const MAX_DEPENDENCY_DEPTH = 100;
/**
 * Size of a definition: the text given to `importTask` (UTF-8 bytes, before YAML or JSON is
 * parsed), or the definition object as compact JSON.
 */
export const MAX_DEFINITION_BYTES = 128 * 1024;
/**
 * Size of `inputSchema` as compact JSON: ajv compiles it to code, in time that grows faster than
 * its size (patterns, enums, anyOf).
 */
export const MAX_INPUT_SCHEMA_BYTES = 16 * 1024;
/**
 * Levels of objects and arrays in the value of one field: a step's `params` (and its
 * compensation's), `inputSchema`, or any other field. `{}` is 1 level, `{ a: [1] }` 2.
 */
export const MAX_NESTING_DEPTH = 32;
/** Levels of collections in definition text (YAML), counted from the document: checked before composing it. */
export const MAX_TEXT_NESTING_DEPTH = 2 * MAX_NESTING_DEPTH;
/**
 * YAML aliases (`*name`): uses of anchors, an alias inside an anchored node counting as many times
 * as that node is used (the `yaml` package's maxAliasCount). The expanded result must also fit
 * MAX_DEFINITION_BYTES.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/** What each kind's activity returns as `steps.<id>.output`; references are checked against it. */
export const STEP_OUTPUT_FIELDS: Record<StepKind, readonly string[]> = {
  'ssh.commands': ['runId', 'status', 'total', 'succeeded', 'failed', 'devices', 'outputs'],
  'ssh.configure': ['total', 'succeeded', 'failed', 'devices'],
  script: ['total', 'succeeded', 'failed', 'devices'],
  'http.request': ['status', 'headers', 'body', 'json', 'extracted'],
  approval: ['decision', 'by', 'comment', 'decidedAt'],
  sleep: ['seconds'],
  subtask: ['runId', 'status', 'outputs'],
  fanout: ['total', 'succeeded', 'failed', 'failures', 'result'],
  'device.check': ['total', 'up', 'down', 'devices'],
  'file.upload': ['total', 'succeeded', 'failed', 'devices'],
  'file.download': ['total', 'succeeded', 'failed', 'devices'],
  'deploy.release': ['total', 'succeeded', 'failed', 'devices'],
};

/** Fields of `run` in references. */
export const RUN_FIELDS = ['id', 'taskName', 'taskVersion'] as const;

/** Fields of `item` in a devices fanout (one item per device). */
/** What `item` holds in a device fan-out; `credential` is the name of the device's credential (for http.request auth). */
export const DEVICE_ITEM_FIELDS = ['id', 'name', 'platform', 'host', 'site', 'tags', 'credential'] as const;

export type AggregateMode = 'collect' | 'count' | 'merge' | 'reduce';

export interface AggregateSpec {
  mode: AggregateMode;
  /** For `count`: a path into each output, e.g. `status` or `result.code`. */
  field?: string;
  /** For `reduce`: Liquid rendered per item with `acc`, `item`, `output` and `index`. */
  expression?: string;
  /** For `reduce`: the starting accumulator, default null. */
  initial?: unknown;
}

/**
 * Defaults of optional params. Validation does not write them into `params` (a definition keeps
 * what its author wrote); executors apply them.
 */
export const PARAM_DEFAULTS = {
  'http.request': { method: 'GET' },
  script: { expectExitCode: 0 },
  approval: { defaultDecision: 'reject' },
  fanout: { shardSize: 100, concurrency: 10, aggregate: { mode: 'collect' } },
} as const;
