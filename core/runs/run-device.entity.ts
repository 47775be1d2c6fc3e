import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DeviceFacts } from '../../libs/textfsm/src/facts';
import type { ChangeOutcome, RunDeviceStatus } from './run-states';

/** One device in one run. Name, platform and host are copied so history survives device edits. */
@Entity({ name: 'run_devices' })
export class RunDeviceEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ name: 'device_id', type: 'uuid', nullable: true })
  deviceId!: string | null;

  @Column({ name: 'device_name', type: 'text' })
  deviceName!: string;

  @Column({ type: 'text' })
  platform!: string;

  @Column({ type: 'text' })
  host!: string;

  @Column({ type: 'text' })
  status!: RunDeviceStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'error_kind', type: 'text', nullable: true })
  errorKind!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /** Vendor-neutral facts merged from every parsed output of this device in this run. */
  @Column({ type: 'jsonb', nullable: true })
  facts!: DeviceFacts | null;

  /** Change runs: what happened to the device. */
  @Column({ type: 'text', nullable: true })
  outcome!: ChangeOutcome | null;

  /** Change runs: the configuration lines planned (only what was missing). */
  @Column({ type: 'text', array: true, nullable: true })
  plan!: string[] | null;

  /** Change runs: the snapshot taken before pushing, restored on failure. */
  @Column({ name: 'backup_snapshot_id', type: 'uuid', nullable: true })
  backupSnapshotId!: string | null;

  @Column({ name: 'pushed_lines', type: 'integer', nullable: true })
  pushedLines!: number | null;

  @Column({ name: 'restore_plan', type: 'text', array: true, nullable: true })
  restorePlan!: string[] | null;

  /** Change runs from a template: this device's rendered intended config. */
  @Column({ type: 'text', nullable: true })
  intended!: string | null;
}
