import type { UpstreamCondition, UpstreamPolicy } from '../../libs/tasks/src/definition';
import type { TaskRunInput, TaskRunStatus } from './task';

export interface ScheduledTaskInput {
  /** The schedule's id in PostgreSQL (`schedules.id`). */
  scheduleId: string;
}

export interface ScheduledTaskResult {
  runId: string;
  /** SKIPPED: the upstream policy kept the run from running (not a failure). */
  status: TaskRunStatus | 'SKIPPED';
}

/** What the wrapper workflow needs to run the stored run as its child. */
export interface ScheduledRunPlan {
  runId: string;
  workflowId: string;
  priority: number;
  input: TaskRunInput;
  /** The slot (scheduled time) of the run. */
  scheduledAt: string;
  /** The task's upstream dependencies, when it has any: the run waits for them first. */
  upstream?: UpstreamPolicy;
}

/** How one upstream task's run of the slot stands. */
export interface UpstreamState {
  task: string;
  when: UpstreamCondition;
  /** The upstream slot: this run's slot minus the dependency's offset. */
  slot: string;
  /** The run that decided it (or the newest one still going); null when none has come. */
  runId: string | null;
  status: string | null;
  state: 'MET' | 'UNMET' | 'WAITING';
}

export interface UpstreamOutcome {
  outcome: 'MET' | 'UNMET' | 'TIMED_OUT';
  upstream: UpstreamState[];
  /** A sentence naming each upstream run and how it ended (or that none came). */
  summary: string;
}

export interface ScheduleActivities {
  /** Store the run of one firing, as the API stores a task run; idempotent per wrapper execution. */
  storeScheduledRun(input: {
    scheduleId: string;
    workflowId: string;
    workflowRunId: string;
    scheduledAt: string;
  }): Promise<ScheduledRunPlan>;
  /** Wait (heartbeating) until the upstream runs of the slot decide, or the deadline passes. */
  awaitUpstream(input: {
    runId: string;
    scheduledAt: string;
    deadline: string;
    upstream: UpstreamPolicy;
  }): Promise<UpstreamOutcome>;
  /** The wait is over and the run goes ahead: PENDING again. */
  upstreamPassed(input: { runId: string; message: string; level: 'INFO' | 'WARN' }): Promise<void>;
  /** A stored run whose workflow never starts ends here: CANCELLED, SKIPPED or FAILED. */
  endScheduledRun(input: {
    runId: string;
    status: 'CANCELLED' | 'SKIPPED' | 'FAILED';
    reason: string;
  }): Promise<void>;
}

export type ScheduledTaskWorkflow = (input: ScheduledTaskInput) => Promise<ScheduledTaskResult>;
