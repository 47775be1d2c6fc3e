import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One reachability check of a device from a node (the `device.check` step kind). */
@Entity({ name: 'device_checks' })
export class DeviceCheckEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'device_id', type: 'uuid' })
  deviceId!: string;

  @Column({ name: 'checked_at', type: 'timestamptz' })
  checkedAt!: Date;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;

  @Column({ name: 'node_id', type: 'text', nullable: true })
  nodeId!: string | null;

  @Column({ type: 'text' })
  status!: 'UP' | 'DOWN';

  @Column({ name: 'connect_ms', type: 'integer', nullable: true })
  connectMs!: number | null;

  @Column({ name: 'banner_ms', type: 'integer', nullable: true })
  bannerMs!: number | null;

  @Column({ type: 'text', nullable: true })
  banner!: string | null;

  @Column({ name: 'error_kind', type: 'text', nullable: true })
  errorKind!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;
}
