import { Field, ID, InputType, Int } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PLATFORMS } from '../../../libs/common/src/platforms';
import {
  DEVICE_NAME_MAX,
  DEVICE_NAME_PATTERN,
  DEVICE_NAME_RULE,
  ENABLE_SECRET_MAX,
  PLATFORM_RULE,
  PORT_RULE,
  SITE_MAX,
  TAGS_MAX,
  TAG_MAX,
  TAG_PATTERN,
  TAG_RULE,
} from '../../../core/devices/device-import';
import { IsName } from '../../common/names';
import { IsDeviceHost } from './device-validators';
import type { DevicePatch } from '../../../core/devices/device-inputs';

/** Absent or null fields are left alone. `site: ""` or null clears the site; `enableSecret: ""` clears the secret. */
@InputType()
export class UpdateDeviceInput implements DevicePatch {
  @Field({ nullable: true })
  @IsOptional()
  @IsName({ max: DEVICE_NAME_MAX, pattern: DEVICE_NAME_PATTERN, rule: DEVICE_NAME_RULE })
  name?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @IsDeviceHost()
  host?: string;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt({ message: `$property ${PORT_RULE}` })
  @Min(1, { message: `$property ${PORT_RULE}` })
  @Max(65535, { message: `$property ${PORT_RULE}` })
  port?: number;

  @Field({ nullable: true })
  @IsOptional()
  @IsIn(PLATFORMS, { message: `$property ${PLATFORM_RULE}` })
  platform?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsName({ max: SITE_MAX, allowEmpty: true })
  site?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the tags.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TAGS_MAX)
  @IsName({ each: true, max: TAG_MAX, pattern: TAG_PATTERN, rule: TAG_RULE })
  tags?: string[] | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID('all', { message: '$property must be a UUID' })
  credentialId?: string;

  @Field(() => String, {
    nullable: true,
    description: 'A string sets the enable secret; "" clears it. Write-only.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(ENABLE_SECRET_MAX)
  enableSecret?: string | null;
}
