import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type RunEventLevel = 'INFO' | 'WARN' | 'ERROR';

/** The run's log: what happened, per device, in order. */
@Entity({ name: 'run_events' })
export class RunEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  ts!: Date;

  @Column({ type: 'text' })
  level!: RunEventLevel;

  @Column({ name: 'device_name', type: 'text', nullable: true })
  deviceName!: string | null;

  @Column({ type: 'text' })
  message!: string;

  @Column({ name: 'step_id', type: 'text', nullable: true })
  stepId!: string | null;

  @Column({ type: 'integer', nullable: true })
  attempt!: number | null;
}
