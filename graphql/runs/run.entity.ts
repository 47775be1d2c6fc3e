import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const RUN_STATUSES = [
  'PENDING',
  'RUNNING',
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'CANCELLING',
  'CANCELLED',
  'FAILED',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINAL_RUN_STATUSES: readonly RunStatus[] = [
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'CANCELLED',
  'FAILED',
];

export interface RunSelector {
  deviceIds?: string[];
  site?: string;
  tags?: string[];
  platform?: string;
}

@Entity({ name: 'runs' })
export class RunEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  kind!: 'collection';

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

  @Column({ name: 'total_devices', type: 'integer' })
  totalDevices!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
