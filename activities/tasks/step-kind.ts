import type { EntityManager } from 'typeorm';
import type { PlacementNode } from '../../libs/temporal/src/placement';
import type { CompensationDefinition, StepDefinition } from '../../libs/tasks/src';
import type { StepPlan } from '../../workflows/contracts';
import type { TaskActivityDeps, TaskRunRow } from './task-context';

/**
 * One kind of step (ssh.commands, approval, fanout, ...): how it is prepared before the workflow
 * carries it out, and how its output is built once it is done. `prepareStep` and `completeStep`
 * (task.activities.ts) do what every kind shares and hand over to the kind's handler.
 */
export interface StepKindHandler {
  /** Set up what the step needs (items, a child run) and say how the workflow carries it out. */
  prepare(ctx: PrepareContext): Promise<StepPlan>;
  /** Build the step's output from what was stored, and say whether it failed. Default: the workflow's output. */
  complete?(ctx: CompleteContext): Promise<StepResult>;
  /** The work of one device item, for kinds that bring their own (runStepItem calls it). */
  runItem?: ItemRunner;
}

export interface StepResult {
  output: unknown;
  failure?: { kind: string; message: string };
}

interface StepContext {
  deps: TaskActivityDeps;
  run: TaskRunRow;
  step: StepDefinition;
  /** The step itself, or its compensation. */
  spec: StepDefinition | CompensationDefinition;
  compensation: boolean;
  /** `<id>`, or `<id>#compensate` for the compensation: its items and outputs are kept apart. */
  stepKey: string;
}

export interface PrepareContext extends StepContext {
  /** The spec's params, references resolved (a fanout's sub-step and task stay unresolved: per item). */
  params: Record<string, unknown>;
  /** The spec's params as written. */
  raw: Record<string, unknown>;
  /** Capabilities the step requires of the nodes that run its work. */
  requires: string[];
  /** Live nodes, when the step requires capabilities (otherwise empty). */
  nodes: PlacementNode[];
  /**
   * Record that the step (or its compensation) started with `params` (default: the resolved
   * params), in the caller's transaction when given.
   */
  started(options?: {
    m?: EntityManager;
    status?: 'RUNNING' | 'WAITING_APPROVAL';
    params?: unknown;
    message?: string;
  }): Promise<void>;
}

export interface CompleteContext extends StepContext {
  /** The params stored when the step (or compensation) started. */
  params: Record<string, unknown>;
  /** The step's row: the run it started, and an output stored before completion (HTTP). */
  row: { child_run_id: string | null; output: unknown };
  /** What the workflow itself reports (a sleep's duration, an approval's decision). */
  output: unknown;
}

/** One item of a per-device step whose kind does its own work (file transfer, releases). */
export interface ItemRunContext {
  deps: TaskActivityDeps;
  runId: string;
  stepKey: string;
  deviceId: string;
  /** The step's resolved params. */
  params: Record<string, unknown>;
  /** The activity's attempt (events name it). */
  attempt: number;
  /** Aborted when the activity is cancelled. */
  signal: AbortSignal;
}

/** A kind's own per-device work (see StepKindHandler.runItem): the item's output, as stored. */
export type ItemRunner = (ctx: ItemRunContext) => Promise<Record<string, unknown>>;

/** A number param, or a default. */
export const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);

/** Per-device steps over more devices than this run in shards of child workflows. */
export const INLINE_ITEMS_MAX = 100;
