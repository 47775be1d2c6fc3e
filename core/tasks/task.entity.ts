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

  /** Whoever starts a run of it may also approve its steps (set by an administrator). */
  @Column({ name: 'self_approval', type: 'boolean', default: false })
  selfApproval!: boolean;

  @Column({ name: 'latest_version', type: 'integer' })
  latestVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** The user who created it (null: the system, or before accounts existed). */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

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

  /** The user who created it (null: the system, or before accounts existed). */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;
}
