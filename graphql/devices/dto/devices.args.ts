import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PLATFORMS } from '../../../libs/common/src/platforms';
import { PageArgs } from '../../common/pagination';
import { PLATFORM_RULE, SITE_MAX, TAGS_MAX } from '../device-import';

@InputType()
export class DeviceFilter {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(SITE_MAX)
  site?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(PLATFORMS, { message: `$property ${PLATFORM_RULE}` })
  platform?: string | null;

  @Field(() => [String], { nullable: true, description: 'Devices that carry all of these tags.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TAGS_MAX)
  @IsString({ each: true })
  tags?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the name or host.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  search?: string | null;
}

/** `devices(filter, first, after)`: sorted by name; `first` is bounded by PageArgs. */
@ArgsType()
export class DevicesArgs extends PageArgs {
  @Field(() => DeviceFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => DeviceFilter)
  filter?: DeviceFilter | null;
}
