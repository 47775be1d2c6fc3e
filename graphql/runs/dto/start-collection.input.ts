import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PLATFORMS } from '../../../libs/common/src/platforms';
import { SITE_MAX, TAGS_MAX, TAG_MAX } from '../../../core/devices/device-import';
import { IsName } from '../../common/names';

@InputType({ description: 'Which devices: every field given must match (tags: all of them).' })
export class DeviceSelectorInput {
  @Field(() => String, { nullable: true }) @IsOptional() @IsName({ max: SITE_MAX }) site?: string;
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TAGS_MAX)
  @IsName({ each: true, max: TAG_MAX })
  tags?: string[];
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @IsNotEmpty() platform?: string;
}

@InputType({ description: 'Commands for the devices of one platform, instead of the default list.' })
export class PlatformCommandsInput {
  @Field() @IsString() @IsNotEmpty() platform!: string;

  @Field(() => [String])
  @IsArray()
  @ArrayNotEmpty({ message: 'commands must contain at least one command' })
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @IsNotEmpty({ each: true, message: 'commands must not contain empty commands' })
  @MaxLength(1024, { each: true })
  @Matches(/^[^\r\n]*$/, { each: true, message: 'commands must be single lines' })
  commands!: string[];
}

/** Which devices: by id, or every device matching a selector (exactly one of the two). */
@InputType({ isAbstract: true })
export abstract class DeviceTargetInput {
  @Field(() => [ID], { nullable: true, description: 'Devices by id; or use selector.' })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty({ message: 'deviceIds must not be empty when given' })
  @ArrayMaxSize(20000)
  @IsUUID('all', { each: true, message: 'deviceIds must contain only device ids (UUIDs)' })
  deviceIds?: string[];

  @Field(() => DeviceSelectorInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => DeviceSelectorInput)
  selector?: DeviceSelectorInput;
}

@InputType()
export class StartCollectionInput extends DeviceTargetInput {
  @Field(() => [String], { description: 'Commands to run on every device, in order.' })
  @IsArray()
  @ArrayNotEmpty({ message: 'commands must contain at least one command' })
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @IsNotEmpty({ each: true, message: 'commands must not contain empty commands' })
  @MaxLength(1024, { each: true })
  @Matches(/^[^\r\n]*$/, { each: true, message: 'commands must be single lines' })
  commands!: string[];

  @Field(() => [PlatformCommandsInput], {
    nullable: true,
    description: 'Per-platform commands that replace `commands` for devices of that platform.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PLATFORMS.length)
  @ValidateNested({ each: true })
  @Type(() => PlatformCommandsInput)
  commandsByPlatform?: PlatformCommandsInput[];

  @Field(() => Int, {
    nullable: true,
    description: 'Devices collected at the same time (default from config).',
  })
  @IsOptional()
  @IsInt()
  @Min(1, { message: 'concurrency must be at least 1' })
  concurrency?: number;

  @Field(() => Int, { nullable: true, description: 'Per-command timeout in seconds (default from config).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  commandTimeoutSeconds?: number;
}

@InputType({ description: 'Back up the running config of devices into versioned config snapshots.' })
export class StartBackupInput extends DeviceTargetInput {
  @Field({ description: 'Why: kept with every snapshot this backup stores.' })
  @IsString()
  @IsNotEmpty({ message: 'reason must not be empty' })
  @MaxLength(500)
  reason!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Devices backed up at the same time (default from config).',
  })
  @IsOptional()
  @IsInt()
  @Min(1, { message: 'concurrency must be at least 1' })
  concurrency?: number;
}
