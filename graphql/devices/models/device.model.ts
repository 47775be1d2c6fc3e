import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Connection } from '../../common/pagination';
import { Credential } from '../../credentials/models/credential.model';
import type { DeviceEntity } from '../../../core/devices/device.entity';
import { DeviceReachability, ReachabilityStatus } from './device-reachability.model';

/** A device in the inventory. The enable secret is write-only: only whether one is set shows. */
@ObjectType('Device')
export class Device {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  host!: string;

  @Field(() => Int)
  port!: number;

  @Field({ description: 'A netmiko device_type, e.g. cisco_ios.' })
  platform!: string;

  @Field(() => String, { nullable: true })
  site!: string | null;

  @Field(() => [String])
  tags!: string[];

  /** Resolved by DevicesResolver.credential. */
  @Field(() => Credential, { nullable: true })
  credential?: Credential | null;

  /** Not exposed: lets the resolver batch-load the credential. */
  credentialId!: string;

  @Field()
  hasEnableSecret!: boolean;

  @Field(() => DeviceReachability, { description: 'The last reachability check (device.check).' })
  reachability!: DeviceReachability;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class DeviceConnection extends Connection(Device, 'Device') {}

export function toDeviceModel(entity: DeviceEntity): Device {
  return Object.assign(new Device(), {
    id: entity.id,
    name: entity.name,
    host: entity.host,
    port: entity.port,
    platform: entity.platform,
    site: entity.site,
    tags: entity.tags,
    credentialId: entity.credentialId,
    hasEnableSecret: entity.enableSecretEnc !== null,
    reachability: Object.assign(new DeviceReachability(), {
      status: (entity.reachStatus ?? 'UNKNOWN') as ReachabilityStatus,
      checkedAt: entity.reachCheckedAt ?? null,
      changedAt: entity.reachChangedAt ?? null,
      latencyMs: entity.reachLatencyMs ?? null,
      error: entity.reachError ?? null,
    }),
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  });
}
