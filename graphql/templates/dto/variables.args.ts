import { ArgsType, Field, registerEnumType } from '@nestjs/graphql';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';

export enum VariableScope {
  GLOBAL = 'GLOBAL',
  SITE = 'SITE',
  DEVICE = 'DEVICE',
}
registerEnumType(VariableScope, { name: 'VariableScope' });

@ArgsType()
export class VariableSetArgs {
  @Field(() => VariableScope)
  @IsEnum(VariableScope)
  scope!: VariableScope;

  @Field(() => String, {
    nullable: true,
    description: 'GLOBAL: empty or left out; SITE: the site name; DEVICE: the device id.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  key?: string | null;
}

@ArgsType()
export class SetVariablesArgs extends VariableSetArgs {
  @Field({ description: 'A JSON object.' })
  @IsString()
  @MaxLength(1_000_000)
  variablesJson!: string;
}
