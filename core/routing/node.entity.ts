import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A worker process as an execution node: what it serves, its capacity and its last heartbeat. */
@Entity({ name: 'nodes' })
export class NodeEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  host!: string;

  @Column({ type: 'integer' })
  pid!: number;

  @Column({ type: 'text' })
  version!: string;

  @Column({ name: 'task_queues', type: 'text', array: true })
  taskQueues!: string[];

  @Column({ type: 'text', array: true })
  sites!: string[];

  @Column({ type: 'text', array: true })
  capabilities!: string[];

  /** Activity slots across its task queues. */
  @Column({ type: 'integer' })
  capacity!: number;

  /** Activities in flight at its last heartbeat. */
  @Column({ type: 'integer' })
  load!: number;

  @Column({ type: 'boolean' })
  draining!: boolean;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'heartbeat_at', type: 'timestamptz' })
  heartbeatAt!: Date;

  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt!: Date | null;

  @Column({ name: 'down_reported_at', type: 'timestamptz', nullable: true })
  downReportedAt!: Date | null;
}

/** What happened to a node: UP, DOWN, DRAINING, DRAINED, STOPPED, ... */
@Entity({ name: 'node_events' })
export class NodeEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'node_id', type: 'text' })
  nodeId!: string;

  @Column({ type: 'timestamptz' })
  ts!: Date;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  message!: string;
}
