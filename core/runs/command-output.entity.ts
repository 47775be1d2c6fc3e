import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Raw command output, per device and command. Large outputs live here, never in workflow history. */
@Entity({ name: 'command_outputs' })
export class CommandOutputEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'run_device_id', type: 'uuid' })
  runDeviceId!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'text' })
  command!: string;

  @Column({ type: 'text' })
  output!: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  /** The vendor's invalid-command line, when the device refused the command. */
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ name: 'collected_at', type: 'timestamptz' })
  collectedAt!: Date;

  /** PARSED, ANOMALY (no template, template rejected it, or no rows), or null (the device refused the command). */
  @Column({ name: 'parse_status', type: 'text', nullable: true })
  parseStatus!: 'PARSED' | 'ANOMALY' | null;

  @Column({ name: 'parse_template', type: 'text', nullable: true })
  parseTemplate!: string | null;

  /** `{ rows, facts?, interfaces? }` from libs/textfsm. */
  @Column({ type: 'jsonb', nullable: true })
  parsed!: { rows: unknown[]; facts?: unknown; interfaces?: unknown[] } | null;

  @Column({ name: 'anomaly_reason', type: 'text', nullable: true })
  anomalyReason!: string | null;

  @Column({ name: 'anomaly_message', type: 'text', nullable: true })
  anomalyMessage!: string | null;
}
