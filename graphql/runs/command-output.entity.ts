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
}
