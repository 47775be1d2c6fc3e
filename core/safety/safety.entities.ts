import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A device a run changes, held until the run ends (core/safety/locks.ts). */
@Entity({ name: 'device_locks' })
export class DeviceLockEntity {
  @PrimaryColumn({ name: 'device_id', type: 'uuid' })
  deviceId!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ name: 'step_id', type: 'text', nullable: true })
  stepId!: string | null;

  @Column({ name: 'acquired_at', type: 'timestamptz' })
  acquiredAt!: Date;
}

/** A run queued for a locked device; first come, first served per device. */
@Entity({ name: 'device_lock_waiters' })
export class DeviceLockWaiterEntity {
  @PrimaryColumn({ name: 'device_id', type: 'uuid' })
  deviceId!: string;

  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ type: 'timestamptz' })
  since!: Date;
}

/**
 * When change steps may run on the devices it covers (its site, or every site, and its tags):
 * recurring (cron in a time zone, and a duration) or one-off (start and end).
 */
@Entity({ name: 'maintenance_windows' })
export class MaintenanceWindowEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  site!: string | null;

  @Column({ type: 'text', array: true })
  tags!: string[];

  @Column({ type: 'text', nullable: true })
  cron!: string | null;

  @Column({ name: 'duration_seconds', type: 'integer', nullable: true })
  durationSeconds!: number | null;

  @Column({ type: 'text' })
  timezone!: string;

  @Column({ name: 'start_at', type: 'timestamptz', nullable: true })
  startAt!: Date | null;

  @Column({ name: 'end_at', type: 'timestamptz', nullable: true })
  endAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
