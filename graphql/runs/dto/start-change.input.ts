import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PLATFORMS } from '../../../libs/common/src/platforms';
import { RESTORE_ORDERS, type RestoreOrder } from '../../../core/runs/run.entity';
import { DeviceTargetInput } from './start-collection.input';

@InputType({ description: 'The intended config snippet for the devices of one platform.' })
export class PlatformConfigInput {
  @Field() @IsString() @IsNotEmpty() platform!: string;

  @Field({ description: 'Config lines in the device syntax (Junos: braces or set lines).' })
  @IsString()
  @IsNotEmpty({ message: 'config must not be empty' })
  @MaxLength(1_000_000)
  config!: string;
}

@InputType({ description: 'Render the intended config of every device from a config template.' })
export class ChangeTemplateInput {
  @Field(() => ID, { nullable: true, description: 'A stored template; or builtinName.' })
  @IsOptional()
  @IsUUID('all', { message: 'templateId must be a template id' })
  templateId?: string;

  @Field(() => String, { nullable: true, description: 'A built-in template under templates/config.' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  builtinName?: string;

  @Field(() => Int, { nullable: true, description: 'Version of a stored template; the latest if left out.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @Field(() => String, {
    nullable: true,
    description: 'Run inputs (JSON object): highest binding precedence.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1_000_000)
  inputsJson?: string;
}

@InputType({
  description: 'Push an intended config to devices, with backup, verification and automatic rollback.',
})
export class StartChangeInput extends DeviceTargetInput {
  @Field(() => [PlatformConfigInput], {
    nullable: true,
    description: 'Intended config per platform of the selected devices; or give template.',
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty({ message: 'configByPlatform must name at least one platform' })
  @ArrayMaxSize(PLATFORMS.length)
  @ValidateNested({ each: true })
  @Type(() => PlatformConfigInput)
  configByPlatform?: PlatformConfigInput[];

  @Field(() => ChangeTemplateInput, {
    nullable: true,
    description: 'Render each device from a template (variables bound per device); or give configByPlatform.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ChangeTemplateInput)
  template?: ChangeTemplateInput;

  @Field({ description: 'Why (change ticket): kept on the run and on every backup it takes.' })
  @IsString()
  @IsNotEmpty({ message: 'reason must not be empty' })
  @MaxLength(500)
  reason!: string;

  @Field({
    nullable: true,
    description: 'Plan only: record what would be pushed to each device, change nothing.',
  })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @Field({ nullable: true, description: 'Wait for approveChange after planning, before pushing anything.' })
  @IsOptional()
  @IsBoolean()
  requireApproval?: boolean;

  @Field(() => Int, {
    nullable: true,
    description: 'Without a decision in this many seconds the change is rejected (default 3600).',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 3600)
  approvalTimeoutSeconds?: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Stop the rollout once more than this many devices failed (default 0).',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  maxFailures?: number;

  @Field(() => String, {
    nullable: true,
    description:
      'When the rollout stops: KEEP_SUCCEEDED (default) keeps the change where it succeeded; ROLLBACK_ALL restores those devices too.',
  })
  @IsOptional()
  @IsIn(['KEEP_SUCCEEDED', 'ROLLBACK_ALL'], {
    message: 'failurePolicy must be KEEP_SUCCEEDED or ROLLBACK_ALL',
  })
  failurePolicy?: 'KEEP_SUCCEEDED' | 'ROLLBACK_ALL';

  @Field(() => String, {
    nullable: true,
    description:
      "How a failed device is restored: EXACT (default) reproduces the backup's line order, re-typing lines the device would otherwise append elsewhere; MINIMAL pushes only what differs and checks the result ignoring order (for devices that sort their configuration themselves).",
  })
  @IsOptional()
  @IsIn(RESTORE_ORDERS, { message: 'restoreOrder must be EXACT or MINIMAL' })
  restoreOrder?: RestoreOrder;

  @Field(() => Int, {
    nullable: true,
    description: 'Devices changed at the same time (default from config).',
  })
  @IsOptional()
  @IsInt()
  @Min(1, { message: 'concurrency must be at least 1' })
  concurrency?: number;
}
