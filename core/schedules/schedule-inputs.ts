import type { OverlapPolicy, PolicyInput, SpecInput } from './schedule-spec';

/** A schedule as the API creates it (graphql/schedules/dto implements this). */
export interface ScheduleInput {
  name: string;
  /** Task name or id. */
  task: string;
  /** Default: the task's latest version at each firing. */
  taskVersion?: number | null;
  inputs?: Record<string, unknown> | null;
  spec: SpecInput;
  policy?: PolicyInput | null;
  remainingActions?: number | null;
  paused?: boolean | null;
  note?: string | null;
}

/** Only the fields given change. */
export interface SchedulePatch {
  name?: string | null;
  task?: string | null;
  taskVersion?: number | null;
  inputs?: Record<string, unknown> | null;
  spec?: SpecInput | null;
  policy?: PolicyInput | null;
  remainingActions?: number | null;
  note?: string | null;
}

export type { OverlapPolicy };
