import { Field, ID, InputType, Int } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PLATFORMS } from '../../../libs/common/src/platforms';
import {
  DEVICE_NAME_PATTERN,
  DEVICE_NAME_RULE,
  ENABLE_SECRET_MAX,
  PLATFORM_RULE,
  PORT_RULE,
  SITE_MAX,
  TAGS_MAX,
  TAG_PATTERN,
  TAG_RULE,
} from '../../../core/devices/device-import';
import { IsDeviceHost } from './device-validators';
import type { DeviceInput } from '../../../core/devices/device-inputs';

@InputType()
export class CreateDeviceInput implements DeviceInput {
  @Field({ description: "Unique; up to 128 characters of letters, digits, '.', '_', ':' or '-'." })
  @IsString()
  @Matches(DEVICE_NAME_PATTERN, { message: `$property ${DEVICE_NAME_RULE}` })
  name!: string;

  @Field({ description: 'Hostname or IP address.' })
  @IsString()
  @IsDeviceHost()
  host!: string;

  @Field(() => Int, { defaultValue: 22 })
  @IsInt({ message: `$property ${PORT_RULE}` })
  @Min(1, { message: `$property ${PORT_RULE}` })
  @Max(65535, { message: `$property ${PORT_RULE}` })
  port: number = 22;

  @Field({ description: `One of ${PLATFORMS.join(', ')}.` })
  @IsIn(PLATFORMS, { message: `$property ${PLATFORM_RULE}` })
  platform!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(SITE_MAX)
  site?: string | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TAGS_MAX)
  @Matches(TAG_PATTERN, { each: true, message: `$property ${TAG_RULE}` })
  tags?: string[] | null;

  @Field(() => ID)
  @IsUUID('all', { message: '$property must be a UUID' })
  credentialId!: string;

  @Field(() => String, { nullable: true, description: 'Privileged-mode (enable) secret. Write-only.' })
  @IsOptional()
  @IsString()
  @MaxLength(ENABLE_SECRET_MAX)
  enableSecret?: string | null;
}
