import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Connection } from '../../common/pagination';
import { VariableScope } from '../dto/variables.args';

@ObjectType('ConfigTemplateVersion', { description: 'One immutable version of a stored config template.' })
export class ConfigTemplateVersion {
  @Field(() => ID) id!: string;
  @Field(() => ID) templateId!: string;
  @Field(() => Int, { description: 'From 1; every update makes the next one.' }) version!: number;
  @Field({ description: 'Liquid source.' }) source!: string;
  @Field({ description: 'JSON Schema of the variables, as JSON text.' }) variablesSchema!: string;
  @Field() createdAt!: Date;
  @Field() createdBy!: string;
  @Field(() => String, { nullable: true }) note!: string | null;
}

@ObjectType('ConfigTemplate', { description: 'A stored, versioned config template.' })
export class ConfigTemplate {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() description!: string;
  @Field(() => [String]) platforms!: string[];
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  // `latest` and `versions` are resolved by ConfigTemplatesResolver.
}

@ObjectType()
export class ConfigTemplateConnection extends Connection(ConfigTemplate, 'ConfigTemplate') {}

@ObjectType('BuiltinConfigTemplate', { description: 'A read-only template shipped in templates/config.' })
export class BuiltinConfigTemplate {
  @Field() name!: string;
  @Field() description!: string;
  @Field(() => [String]) platforms!: string[];
  @Field() source!: string;
  @Field({ description: 'JSON Schema of the variables, as JSON text.' }) variablesSchema!: string;
  @Field(() => String, {
    nullable: true,
    description: 'Variables that render a typical config, as JSON text.',
  })
  exampleJson!: string | null;
}

@ObjectType('VariableSet', { description: 'Variables bound at one scope.' })
export class VariableSet {
  @Field(() => VariableScope) scope!: VariableScope;
  @Field({ description: "'' for GLOBAL, the site name for SITE, the device id for DEVICE." }) key!: string;
  @Field({ description: 'A JSON object.' }) variablesJson!: string;
  @Field() updatedAt!: Date;
}
