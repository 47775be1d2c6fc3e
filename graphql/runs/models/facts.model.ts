import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'Vendor-neutral device facts normalised from parsed command output.' })
export class DeviceFactsModel {
  @Field(() => String, { nullable: true }) hostname!: string | null;
  @Field(() => String, { nullable: true }) vendor!: string | null;
  @Field(() => String, { nullable: true }) model!: string | null;
  @Field(() => String, { nullable: true }) osVersion!: string | null;
  @Field(() => String, { nullable: true }) serial!: string | null;
  @Field(() => Int, { nullable: true }) uptimeSeconds!: number | null;
}

@ObjectType({ description: 'A vendor-neutral interface normalised from parsed command output.' })
export class InterfaceModel {
  @Field() name!: string;
  @Field({ description: 'up or down' }) adminStatus!: string;
  @Field({ description: 'IF-MIB ifOperStatus name: up, down, lowerLayerDown, ...' }) operStatus!: string;
  @Field(() => [String], { description: 'CIDR where the output carries a mask or prefix.' })
  addresses!: string[];
  @Field(() => Int, { nullable: true }) mtu!: number | null;
  @Field(() => Int, { nullable: true }) speedMbps!: number | null;
  @Field(() => String, { nullable: true }) description!: string | null;
}
