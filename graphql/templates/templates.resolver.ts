import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { PageArgs } from '../common/pagination';
import type { ConfigTemplateVersionEntity } from '../../core/templates/config-template-version.entity';
import { CreateConfigTemplateInput, UpdateConfigTemplateInput } from './dto/config-template.input';
import { ExportRenderedConfigsInput, RenderConfigInput } from './dto/render.input';
import { SetVariablesArgs, VariableScope, VariableSetArgs } from './dto/variables.args';
import {
  BuiltinConfigTemplate,
  ConfigTemplate,
  ConfigTemplateConnection,
  ConfigTemplateVersion,
  VariableSet,
} from './models/config-template.model';
import { RenderedConfig, RenderedConfigsExport } from './models/rendered-config.model';
import { TemplatesService } from './templates.service';
import type { VariableSetEntity } from '../../core/templates/variable-set.entity';
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';

function toVersionModel(entity: ConfigTemplateVersionEntity): ConfigTemplateVersion {
  return { ...entity, variablesSchema: JSON.stringify(entity.variablesSchema, null, 2) };
}

function toVariableSetModel(entity: VariableSetEntity): VariableSet {
  return {
    scope: entity.scope.toUpperCase() as VariableScope,
    key: entity.scopeKey,
    variablesJson: JSON.stringify(entity.variables),
    updatedAt: entity.updatedAt,
  };
}

@Resolver(() => ConfigTemplate)
export class ConfigTemplatesResolver {
  constructor(private readonly templates: TemplatesService) {}

  @Requires('templates:read')
  @Query(() => ConfigTemplateConnection, { description: 'Stored config templates, sorted by name.' })
  configTemplates(@Args() args: PageArgs) {
    return this.templates.list(args);
  }

  @Requires('templates:read')
  @Query(() => ConfigTemplate, { description: 'NOT_FOUND when there is no template with this id.' })
  configTemplate(@Args('id', { type: () => ID }) id: string) {
    return this.templates.get(id);
  }

  @Requires('templates:read')
  @Query(() => [BuiltinConfigTemplate], {
    description: 'The read-only templates shipped in templates/config.',
  })
  builtinConfigTemplates(): BuiltinConfigTemplate[] {
    return this.templates.listBuiltins().map((t) => ({
      name: t.name,
      description: t.description,
      platforms: t.platforms,
      source: t.source,
      variablesSchema: JSON.stringify(t.variables, null, 2),
      exampleJson: t.example ? JSON.stringify(t.example, null, 2) : null,
    }));
  }

  @Requires('templates:write')
  @Mutation(() => ConfigTemplate, {
    description:
      'Version 1 of a new template. BAD_USER_INPUT for a Liquid syntax error (field source, with line and column), ' +
      'a schema that does not compile (field variablesSchema) or an unknown platform (field platforms).',
  })
  createConfigTemplate(@Args('input') input: CreateConfigTemplateInput) {
    return this.templates.create(input);
  }

  @Requires('templates:write')
  @Mutation(() => ConfigTemplate, {
    description: 'Saves the next version; validated as createConfigTemplate.',
  })
  updateConfigTemplate(
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateConfigTemplateInput,
  ) {
    return this.templates.update(id, input);
  }

  @Requires('templates:write')
  @Mutation(() => Boolean, { description: 'Deletes the template and all its versions.' })
  deleteConfigTemplate(@Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return this.templates.delete(id);
  }

  @Requires('templates:write')
  @Mutation(() => VariableSet, { description: 'Replaces the variables at one scope.' })
  async setVariables(@Args() args: SetVariablesArgs): Promise<VariableSet> {
    return toVariableSetModel(await this.templates.setVariables(args.scope, args.key, args.variablesJson));
  }

  @Requires('templates:read')
  @Query(() => VariableSet, { nullable: true, description: 'Null when nothing is set at this scope.' })
  async variables(@Args() args: VariableSetArgs): Promise<VariableSet | null> {
    const set = await this.templates.getVariables(args.scope, args.key);
    return set && toVariableSetModel(set);
  }

  @Requires('templates:read')
  @Query(() => [RenderedConfig], {
    description:
      'Renders a template for each device with variables bound from inputs > device > site > global > facts, ' +
      'checked against the variables schema, then linted. Errors are per device.',
  })
  async renderConfigPreview(
    @Context() ctx: AuthContext,
    @Args('input') input: RenderConfigInput,
  ): Promise<RenderedConfig[]> {
    return (await this.templates.preview(input, principalOf(ctx))).rendered;
  }

  @Requires('templates:read')
  @Mutation(() => RenderedConfigsExport, {
    description: 'Renders as renderConfigPreview and packs one <deviceName>.cfg per rendered device.',
  })
  exportRenderedConfigs(
    @Context() ctx: AuthContext,
    @Args('input') input: ExportRenderedConfigsInput,
  ): Promise<RenderedConfigsExport> {
    return this.templates.export(input, principalOf(ctx));
  }

  @ResolveField(() => [ConfigTemplateVersion], { description: 'Newest first.' })
  async versions(@Parent() template: ConfigTemplate): Promise<ConfigTemplateVersion[]> {
    return (await this.templates.versions(template.id)).map(toVersionModel);
  }

  @ResolveField(() => ConfigTemplateVersion)
  async latest(@Parent() template: ConfigTemplate): Promise<ConfigTemplateVersion> {
    return toVersionModel(await this.templates.version(template.id));
  }

  @ResolveField(() => ConfigTemplateVersion, { description: 'NOT_FOUND when there is no such version.' })
  async version(
    @Parent() template: ConfigTemplate,
    @Args('version', { type: () => Int }) version: number,
  ): Promise<ConfigTemplateVersion> {
    return toVersionModel(await this.templates.version(template.id, version));
  }
}
