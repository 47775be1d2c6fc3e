import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export const REACHABILITY_STATUSES = ['UNKNOWN', 'UP', 'DOWN'] as const;
export type ReachabilityStatusValue = (typeof REACHABILITY_STATUSES)[number];

export enum ReachabilityStatus {
  UNKNOWN = 'UNKNOWN',
  UP = 'UP',
  DOWN = 'DOWN',
}
registerEnumType(ReachabilityStatus, {
  name: 'ReachabilityStatus',
  description:
    'UNKNOWN: never checked. UP: the last check connected and read an SSH identification line. DOWN: it did not.',
});

/** A device's current reachability, from its last device.check (see docs/reachability.md). */
@ObjectType('DeviceReachability')
export class DeviceReachability {
  @Field(() => ReachabilityStatus)
  status!: ReachabilityStatus;

  @Field(() => Date, { nullable: true, description: 'When the last check finished.' })
  checkedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the status last changed (UNKNOWN to UP counts).' })
  changedAt!: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Milliseconds until the SSH identification line arrived, at the last check; null when DOWN.',
  })
  latencyMs!: number | null;

  @Field(() => String, { nullable: true, description: '"KIND: message" of the last check when DOWN.' })
  error!: string | null;
}

/** One reachability check of a device. */
@ObjectType('DeviceCheck')
export class DeviceCheck {
  @Field(() => ID)
  id!: string;

  @Field()
  checkedAt!: Date;

  @Field(() => ReachabilityStatus, { description: 'UP or DOWN.' })
  status!: ReachabilityStatus;

  @Field(() => Int, { nullable: true, description: 'Milliseconds until the TCP connection was established.' })
  connectMs!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Milliseconds from the start until the SSH identification line arrived.',
  })
  bannerMs!: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'The SSH identification line, e.g. SSH-2.0-OpenSSH_9.2.',
  })
  banner!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why it was DOWN: REFUSED, TIMEOUT, UNREACHABLE, NO_BANNER or UNKNOWN.',
  })
  errorKind!: string | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => String, { nullable: true, description: 'The execution node (worker) that probed.' })
  nodeId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The task run that checked.' })
  runId!: string | null;
}
