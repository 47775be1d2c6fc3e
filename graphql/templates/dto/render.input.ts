import { Field, ID, InputType, Int, registerEnumType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  Min,
} from 'class-validator';

export const RENDER_DEVICES_MAX = 500;

export enum ConfigArchiveFormat {
  ZIP = 'ZIP',
  TAR_GZ = 'TAR_GZ',
}
registerEnumType(ConfigArchiveFormat, { name: 'ConfigArchiveFormat' });

/** Which template (a stored one by id, or a built-in by name) and which devices. */
@InputType()
export class RenderConfigInput {
  @Field(() => ID, { nullable: true, description: 'A stored template; give this or builtinName.' })
  @IsOptional()
  @IsUUID('all', { message: '$property must be a template id' })
  templateId?: string | null;

  @Field(() => String, { nullable: true, description: 'A built-in template; give this or templateId.' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  builtinName?: string | null;

  @Field(() => Int, { nullable: true, description: 'Version of a stored template; the latest if left out.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number | null;

  @Field(() => [ID], { description: `1 to ${RENDER_DEVICES_MAX} devices.` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(RENDER_DEVICES_MAX)
  @IsString({ each: true })
  deviceIds!: string[];

  @Field(() => String, {
    nullable: true,
    description: 'Inputs as a JSON object: the highest-precedence variables layer.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1_000_000)
  inputsJson?: string | null;
}

@InputType()
export class ExportRenderedConfigsInput extends RenderConfigInput {
  @Field(() => ConfigArchiveFormat)
  @IsEnum(ConfigArchiveFormat)
  format!: ConfigArchiveFormat;
}
