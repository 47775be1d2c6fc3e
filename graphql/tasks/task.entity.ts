import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { TaskDefinition } from '../../libs/tasks/src';

/** A task: its identity and the latest of its immutable versions. */
@Entity({ name: 'tasks' })
export class TaskEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'text', default: '' })
  owner!: string;

  @Column({ type: 'integer', default: 3 })
  priority!: number;

  @Column({ type: 'text', array: true, default: '{}' })
  tags!: string[];

  @Column({ name: 'latest_version', type: 'integer' })
  latestVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}

/** One version of a task's definition. Never updated: a change is a new version. */
@Entity({ name: 'task_versions' })
export class TaskVersionEntity {
  @PrimaryColumn({ name: 'task_id', type: 'uuid' })
  taskId!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'jsonb' })
  definition!: TaskDefinition;

  @Column({ type: 'text', default: '' })
  comment!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

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
