import { Column, Entity, PrimaryColumn } from 'typeorm';

export const STEP_STATUSES = [
  'PENDING',
  'RUNNING',
  'WAITING_APPROVAL',
  'WAITING_LOCK',
  'WAITING_WINDOW',
  'SUCCEEDED',
  'FAILED',
  'SKIPPED',
  'CANCELLED',
  'REUSED',
  'NOT_RUN',
] as const;
export type RunStepStatus = (typeof STEP_STATUSES)[number];
/** Statuses that say nothing more will happen to a step. */
export const FINAL_STEP_STATUSES: readonly RunStepStatus[] = [
  'SUCCEEDED',
  'FAILED',
  'SKIPPED',
  'CANCELLED',
  'REUSED',
  'NOT_RUN',
];
export const COMPENSATION_STATUSES = [
  'PENDING',
  'RUNNING',
  'WAITING_APPROVAL',
  'COMPENSATED',
  'FAILED',
] as const;
export type CompensationStatus = (typeof COMPENSATION_STATUSES)[number];

/** The state of one step of one task run; its output is what later steps reference. */
@Entity({ name: 'run_steps' })
export class RunStepEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ name: 'step_id', type: 'text' })
  stepId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  status!: RunStepStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'jsonb', nullable: true })
  params!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  output!: unknown;

  @Column({ name: 'error_kind', type: 'text', nullable: true })
  errorKind!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'child_run_id', type: 'uuid', nullable: true })
  childRunId!: string | null;

  @Column({ name: 'completion_seq', type: 'integer', nullable: true })
  completionSeq!: number | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'compensation_status', type: 'text', nullable: true })
  compensationStatus!: CompensationStatus | null;

  @Column({ name: 'compensation_error', type: 'text', nullable: true })
  compensationError!: string | null;

  /** The compensation's resolved params (set when it starts); not exposed by the API. */
  @Column({ name: 'compensation_params', type: 'jsonb', nullable: true })
  compensationParams!: unknown;

  @Column({ name: 'compensated_at', type: 'timestamptz', nullable: true })
  compensatedAt!: Date | null;
}

export const ITEM_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type RunStepItemStatus = (typeof ITEM_STATUSES)[number];

/** One item a step works through: a device of a per-device step, or an item of a fan-out. */
@Entity({ name: 'run_step_items' })
export class RunStepItemEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  /** The step id, or `<step id>#compensate` for its compensation's items. */
  @PrimaryColumn({ name: 'step_key', type: 'text' })
  stepKey!: string;

  @PrimaryColumn({ name: 'item_index', type: 'integer' })
  itemIndex!: number;

  /** The item itself: a device (id, name, platform, host, site, tags, credential) or a fan-out value. */
  @Column({ type: 'jsonb' })
  item!: unknown;

  @Column({ type: 'text' })
  status!: RunStepItemStatus;

  @Column({ type: 'jsonb', nullable: true })
  output!: unknown;

  @Column({ name: 'error_kind', type: 'text', nullable: true })
  errorKind!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  /** Attempts of the current execution (Temporal's attempt number). */
  @Column({ type: 'integer' })
  attempts!: number;

  /** How many times the item's work began (across shard restarts and retried runs). */
  @Column({ type: 'integer' })
  executions!: number;

  /** The node (worker identity) that last worked on it. */
  @Column({ type: 'text', nullable: true })
  worker!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
