import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { StoredPolicy, StoredSpec } from './schedule-spec';

/**
 * A schedule of a task: what the user owns. Its Temporal Schedule (`schedule-<id>`) holds the live
 * state (paused, remaining actions, recent and running actions).
 */
@Entity({ name: 'schedules' })
export class ScheduleEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'task_id', type: 'uuid' })
  taskId!: string;

  /** Null: the task's latest version when the schedule fires. */
  @Column({ name: 'task_version', type: 'integer', nullable: true })
  taskVersion!: number | null;

  /** As given (defaults are applied when a run is stored, against the version it runs). */
  @Column({ type: 'jsonb', default: {} })
  inputs!: object;

  @Column({ type: 'jsonb' })
  spec!: StoredSpec;

  @Column({ type: 'jsonb' })
  policy!: StoredPolicy;

  /** The last note written through the API (creation, pause, unpause, update). */
  @Column({ type: 'text', default: '' })
  note!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** The user who created it (null: the system, or before accounts existed). */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** The Temporal Schedule id of a schedule. */
export const temporalScheduleId = (id: string) => `schedule-${id}`;
/** The wrapper workflows a schedule starts: Temporal appends `-<scheduled time>` to this. */
export const scheduledWorkflowIdPrefix = (id: string) => `scheduled-${id}`;
