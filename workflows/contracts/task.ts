import type { RetryPolicy, TaskDefinition } from '../../libs/tasks/src/definition';
import type { Placement } from '../../libs/temporal/src/placement';
import type { CollectionInput } from './collection';

/** A task run, as the API, a parent run or a schedule starts it. */
export interface TaskRunInput {
  runId: string;
  /** The pinned version's definition: an edit of the task never changes a run in flight. */
  definition: TaskDefinition;
  /** Steps done by an earlier run (retry from failure), in the order they completed there. */
  reused: string[];
  timeouts: { heartbeatMs: number; itemStartToCloseMs: number };
}

export type TaskRunStatus =
  'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'FAILED' | 'CANCELLED' | 'ROLLED_BACK' | 'ROLLBACK_FAILED';

export interface TaskRunResult {
  runId: string;
  status: TaskRunStatus;
}

export type StepStatus =
  'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CANCELLED' | 'REUSED' | 'NOT_RUN';

/** The payload of the `stepDecision` signal. */
export interface StepDecision {
  stepId: string;
  /** A decision on the step's compensation (an approval run on rollback), not on the step. */
  compensation?: boolean;
  approve: boolean;
  by?: string;
  comment?: string;
}

/** Payloads of the `pause`, `resume` and `rollback` signals. */
export interface PauseRequest {
  by?: string;
  note?: string;
}
export interface ResumeRequest {
  by?: string;
}
export interface RollbackRequest {
  by?: string;
  reason?: string;
}

/** What the `state` query answers. */
export interface TaskRunState {
  paused: boolean;
  steps: Record<string, StepStatus>;
}

/** The part of a step (or compensation) that shapes the activities doing its work. */
export interface StepRetrySpec {
  retry?: Partial<RetryPolicy>;
  timeoutSeconds?: number;
}

/** How the workflow carries out a step that an activity prepared. */
export type StepPlan =
  | { type: 'skip' }
  | { type: 'sleep'; seconds: number }
  | { type: 'approval'; timeoutSeconds: number; defaultDecision: 'approve' | 'reject' }
  | { type: 'collection'; workflowId: string; input: CollectionInput }
  | { type: 'subtask'; workflowId: string; input: TaskRunInput }
  | { type: 'http'; stepKey: string; queue: string | null }
  | ItemPlan;

/** A step done per item (per device, or per fan-out item), items stored in run_step_items. */
export interface ItemPlan {
  type: 'items';
  stepKey: string;
  count: number;
  concurrency: number;
  shardSize: number;
  /** Capabilities the step requires of the nodes that run its items (routing). */
  requires?: string[];
  /** Child workflows per shard (fan-out), or activities straight from the run's workflow. */
  sharded: boolean;
  perItem: 'activity' | 'subtask';
}

/** One shard of a fan-out: items [from, to). */
export interface ShardInput {
  runId: string;
  plan: ItemPlan;
  from: number;
  to: number;
  concurrency: number;
  step: StepRetrySpec;
  timeouts: TaskRunInput['timeouts'];
}

export type StepOutcome = { ok: true } | { ok: false; kind: string; message: string };

/** Task-run bookkeeping: steps prepared and completed, failures, rollback, the run's end. */
export interface TaskActivities {
  taskRunStarted(input: { runId: string }): Promise<void>;
  notePause(input: { runId: string; paused: boolean }): Promise<void>;
  /**
   * Resolve a step's parameters, evaluate its condition and set up what it needs (items, a
   * child run). Idempotent: a retried preparation reuses what the first one stored.
   */
  prepareStep(input: { runId: string; stepId: string; compensation: boolean }): Promise<StepPlan>;
  /** A fan-out item whose work is a whole task: its child run (null when the item is done). */
  prepareItemSubtask(input: {
    runId: string;
    stepKey: string;
    index: number;
  }): Promise<{ workflowId: string; input: TaskRunInput } | null>;
  recordItemSubtask(input: { runId: string; stepKey: string; index: number }): Promise<void>;
  /** Where each item in [from, to) runs (see libs/temporal/src/placement.ts). */
  itemQueues(input: {
    runId: string;
    stepKey: string;
    from: number;
    to: number;
    requires?: string[];
  }): Promise<Placement[]>;
  recordItemFailure(input: {
    runId: string;
    stepKey: string;
    index: number;
    kind: string;
    message: string;
  }): Promise<void>;
  /** Build the step's output from what was stored, apply its failure threshold, store it. */
  completeStep(input: {
    runId: string;
    stepId: string;
    compensation: boolean;
    output?: unknown;
  }): Promise<StepOutcome>;
  stepFailed(input: {
    runId: string;
    stepId: string;
    kind: string;
    message: string;
    output?: unknown;
  }): Promise<void>;
  rollbackStarted(input: { runId: string; reason: string; steps: string[] }): Promise<void>;
  compensationFailed(input: { runId: string; stepId: string; kind: string; message: string }): Promise<void>;
  finishTaskRun(input: {
    runId: string;
    status: TaskRunStatus;
    reason: string | null;
    notRun: string[];
  }): Promise<void>;
}

/** The activities that do a step's real work: one item, or one HTTP request. */
export interface ItemActivities {
  runStepItem(input: { runId: string; stepKey: string; index: number }): Promise<{ reused: boolean }>;
  runHttpStep(input: { runId: string; stepKey: string }): Promise<void>;
}

export type TaskRunWorkflow = (input: TaskRunInput) => Promise<TaskRunResult>;
