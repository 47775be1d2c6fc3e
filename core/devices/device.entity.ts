import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Platform } from '../../libs/common/src/platforms';
import { CredentialEntity } from './credential.entity';

@Entity({ name: 'devices' })
export class DeviceEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  host!: string;

  @Column({ type: 'integer', default: 22 })
  port!: number;

  @Column({ type: 'text' })
  platform!: Platform;

  @Column({ type: 'text', nullable: true })
  site!: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags!: string[];

  @Column({ name: 'credential_id', type: 'uuid' })
  credentialId!: string;

  @ManyToOne(() => CredentialEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'credential_id' })
  credential?: CredentialEntity;

  @Column({ name: 'enable_secret_enc', type: 'text', nullable: true })
  enableSecretEnc!: string | null;

  // Reachability (device.check). Written only by the check, never by inventory inserts or updates.
  @Column({ name: 'reach_status', type: 'text', insert: false, update: false })
  reachStatus!: 'UNKNOWN' | 'UP' | 'DOWN';

  @Column({ name: 'reach_checked_at', type: 'timestamptz', nullable: true, insert: false, update: false })
  reachCheckedAt!: Date | null;

  @Column({ name: 'reach_changed_at', type: 'timestamptz', nullable: true, insert: false, update: false })
  reachChangedAt!: Date | null;

  @Column({ name: 'reach_latency_ms', type: 'integer', nullable: true, insert: false, update: false })
  reachLatencyMs!: number | null;

  @Column({ name: 'reach_error', type: 'text', nullable: true, insert: false, update: false })
  reachError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
