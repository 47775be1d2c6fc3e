import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { RunStatus } from './run-states';

export const RESTORE_ORDERS = ['EXACT', 'MINIMAL'] as const;
export type RestoreOrder = (typeof RESTORE_ORDERS)[number];

/** What a change run intends; stored on the run so the workflow and retries see the same intent. */
export interface ChangeSpec {
  /** Intended config snippet per platform (device config syntax; Junos braces or `set` lines). */
  configByPlatform: Record<string, string>;
  dryRun: boolean;
  requireApproval: boolean;
  approvalTimeoutSeconds: number;
  /** Stop starting new devices once more than this many devices failed. */
  maxFailures: number;
  /** KEEP_SUCCEEDED: devices that changed keep the change. ROLLBACK_ALL: they are restored too once the rollout stops. */
  failurePolicy: 'KEEP_SUCCEEDED' | 'ROLLBACK_ALL';
  reason: string;
  /** Changes from a template: which one (each device's rendered config is on its run_devices row). */
  template?: { name: string; version: number | null };
  /** Rollback runs: restore this config snapshot (the whole config) instead of pushing a snippet. */
  restoreSnapshotId?: string;
  /** How restores are planned and checked (default EXACT); see libs/configs/src/plan.ts. */
  restoreOrder?: RestoreOrder;
}

export interface RunSelector {
  deviceIds?: string[];
  site?: string;
  tags?: string[];
  platform?: string;
}

export type RunKind = 'collection' | 'change' | 'task';

@Entity({ name: 'runs' })
export class RunEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  kind!: RunKind;

  @Column({ type: 'text' })
  status!: RunStatus;

  @Column({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @Column({ type: 'text', array: true })
  commands!: string[];

  /** Overrides of `commands` for some platforms, e.g. `display version` on huawei. */
  @Column({ name: 'commands_by_platform', type: 'jsonb', default: {} })
  commandsByPlatform!: Record<string, string[]>;

  @Column({ type: 'integer' })
  concurrency!: number;

  @Column({ name: 'command_timeout_ms', type: 'integer', nullable: true })
  commandTimeoutMs!: number | null;

  @Column({ type: 'jsonb' })
  selector!: RunSelector;

  /** Set on backup runs: the running config of each device is stored as a config snapshot. */
  @Column({ name: 'backup_reason', type: 'text', nullable: true })
  backupReason!: string | null;

  /** Set on change runs. */
  @Column({ name: 'change_spec', type: 'jsonb', nullable: true })
  changeSpec!: ChangeSpec | null;

  /** Task runs: the task and the version this run is pinned to. */
  @Column({ name: 'task_id', type: 'uuid', nullable: true })
  taskId!: string | null;

  @Column({ name: 'task_version', type: 'integer', nullable: true })
  taskVersion!: number | null;

  /** Task runs: the validated inputs (defaults applied). */
  @Column({ type: 'jsonb', nullable: true })
  inputs!: object | null;

  /** Task runs: 1 (most urgent) to 5; sent to Temporal as the priority key. */
  @Column({ type: 'integer', nullable: true })
  priority!: number | null;

  /** Runs started by a step of a task run (ssh.commands, subtask). */
  @Column({ name: 'parent_run_id', type: 'uuid', nullable: true })
  parentRunId!: string | null;

  @Column({ name: 'parent_step_id', type: 'text', nullable: true })
  parentStepId!: string | null;

  /** Restarts and retries: the run this one repeats. */
  @Column({ name: 'source_run_id', type: 'uuid', nullable: true })
  sourceRunId!: string | null;

  /** Runs started by a schedule: the schedule (null once it is deleted) and the time it fired for. */
  @Column({ name: 'schedule_id', type: 'uuid', nullable: true })
  scheduleId!: string | null;

  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true })
  scheduledAt!: Date | null;

  /** The schedule's wrapper workflow execution that stored this run (one run per execution). */
  @Column({ name: 'schedule_workflow_id', type: 'text', nullable: true })
  scheduleWorkflowId!: string | null;

  @Column({ name: 'schedule_workflow_run_id', type: 'text', nullable: true })
  scheduleWorkflowRunId!: string | null;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  @Column({ name: 'total_devices', type: 'integer' })
  totalDevices!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** The user who created it (null: the system, or before accounts existed). */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
