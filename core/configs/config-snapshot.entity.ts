import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SnapshotSource = 'backup' | 'import';

@Entity({ name: 'config_snapshots' })
export class ConfigSnapshotEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'device_id', type: 'uuid' })
  deviceId!: string;

  @Column({ type: 'integer' })
  version!: number;

  /** sha256 of the normalised config (volatile lines removed); the content lives in config_blobs. */
  @Column({ type: 'text' })
  hash!: string;

  @Column({ type: 'text' })
  source!: SnapshotSource;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;
}
