import { Field, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsName } from '../../common/names';
import { PLATFORMS } from '../../../libs/common/src/platforms';
import type { TemplateInput, TemplatePatch } from '../../../core/templates/templates.repository';

export const TEMPLATE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const TEMPLATE_SOURCE_MAX = 200_000;
export const VARIABLES_SCHEMA_MAX = 200_000;
const PLATFORM_RULE = `must be one of ${PLATFORMS.join(', ')}`;

@InputType()
export class CreateConfigTemplateInput implements TemplateInput {
  @Field({ description: "Unique; lower-case letters, digits and '-', up to 63 characters." })
  @IsName({
    max: 63,
    pattern: TEMPLATE_NAME_PATTERN,
    rule: "must be lower-case letters, digits and '-' (1-63)",
  })
  name!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @Field(() => [String], { description: `Platforms the template renders for: ${PLATFORMS.join(', ')}.` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(PLATFORMS.length)
  @IsIn(PLATFORMS, { each: true, message: `$property ${PLATFORM_RULE}` })
  platforms!: string[];

  @Field({ description: 'Liquid source.' })
  @IsString()
  @MaxLength(TEMPLATE_SOURCE_MAX)
  source!: string;

  @Field({ description: 'JSON Schema of the variables, as JSON text.' })
  @IsString()
  @MaxLength(VARIABLES_SCHEMA_MAX)
  variablesSchema!: string;

  @Field(() => String, { nullable: true, description: 'Why this version exists.' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string | null;
}

/** Every update makes a new version; fields left out are carried over from the latest version. */
@InputType()
export class UpdateConfigTemplateInput implements TemplatePatch {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(PLATFORMS.length)
  @IsIn(PLATFORMS, { each: true, message: `$property ${PLATFORM_RULE}` })
  platforms?: string[] | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(TEMPLATE_SOURCE_MAX)
  source?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(VARIABLES_SCHEMA_MAX)
  variablesSchema?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string | null;
}
