import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { REACHABILITY_STATUSES, ReachabilityStatus } from '../models/device-reachability.model';
import { PLATFORMS } from '../../../libs/common/src/platforms';
import { PageArgs } from '../../common/pagination';
import { PLATFORM_RULE, SITE_MAX, TAGS_MAX, TAG_MAX } from '../../../core/devices/device-import';
import { IsName } from '../../common/names';
import type { DeviceFilter as CoreDeviceFilter } from '../../../core/devices/device-inputs';
import type { DeviceQuery } from '../../../core/devices/device-inputs';

@InputType()
export class DeviceFilter implements CoreDeviceFilter {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsName({ max: SITE_MAX, allowEmpty: true })
  site?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(PLATFORMS, { message: `$property ${PLATFORM_RULE}` })
  platform?: string | null;

  @Field(() => [String], { nullable: true, description: 'Devices that carry all of these tags.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TAGS_MAX)
  @IsName({ each: true, max: TAG_MAX })
  tags?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the name or host.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  search?: string | null;

  @Field(() => ReachabilityStatus, { nullable: true, description: 'Devices whose last check says this.' })
  @IsOptional()
  @IsIn(REACHABILITY_STATUSES)
  reachability?: ReachabilityStatus | null;
}

/** `devices(filter, first, after)`: sorted by name; `first` is bounded by PageArgs. */
@ArgsType()
export class DevicesArgs extends PageArgs implements DeviceQuery {
  @Field(() => DeviceFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => DeviceFilter)
  filter?: DeviceFilter | null;
}

/** `deviceChecks(deviceId, first, since)`: a device's reachability checks, newest first. */
@ArgsType()
export class DeviceChecksArgs {
  @Field(() => ID)
  @IsString()
  deviceId!: string;

  @Field(() => Int, { defaultValue: 50, description: 'At most this many checks, 1 to 1000.' })
  @IsInt()
  @Min(1)
  @Max(1000)
  first: number = 50;

  @Field(() => Date, { nullable: true, description: 'Only checks at or after this time.' })
  @IsOptional()
  @IsDate()
  since?: Date | null;
}
