import { Field, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('RenderProblem', { description: 'Why a device has no rendered config.' })
export class RenderProblem {
  @Field() message!: string;
  @Field(() => Int, { nullable: true, description: '1-based line in the template source.' }) line!:
    number | null;
  @Field(() => Int, { nullable: true, description: '1-based column in the template source.' })
  column!: number | null;
  @Field(() => String, {
    nullable: true,
    description: 'The variable path (e.g. interfaces[2].vlan), `source`, or `platform`.',
  })
  field!: string | null;
}

@ObjectType('ConfigLintIssue')
export class ConfigLintIssue {
  @Field(() => Int, { description: '1-based line in the rendered config; 0 for the whole text.' })
  line!: number;
  @Field() message!: string;
  @Field() rule!: string;
  @Field({ description: 'error or warning' }) severity!: string;
}

@ObjectType('VariableBinding', { description: 'Which layer set a top-level variable.' })
export class VariableBinding {
  @Field() key!: string;
  @Field({ description: 'runInputs, device, site, global or facts: the highest that sets the key.' })
  layer!: string;
}

@ObjectType('RenderedConfig')
export class RenderedConfig {
  @Field(() => ID) deviceId!: string;
  @Field() deviceName!: string;
  @Field() platform!: string;
  @Field(() => String, { nullable: true, description: 'Null when the device has errors.' }) config!:
    string | null;
  @Field(() => [RenderProblem]) errors!: RenderProblem[];
  @Field(() => [ConfigLintIssue]) lint!: ConfigLintIssue[];
  @Field(() => [VariableBinding]) binding!: VariableBinding[];
}

@ObjectType('RenderedConfigsExport')
export class RenderedConfigsExport {
  @Field() fileName!: string;
  @Field() contentBase64!: string;
  @Field(() => Int, { description: 'Configs in the archive.' }) files!: number;
  @Field(() => [String], { description: 'Devices that did not render (not in the archive).' })
  failed!: string[];
}
