import { Injectable } from '@nestjs/common';
import { scopeOfRequest } from '../../core/accounts/device-scope';
import type { Principal } from '../../core/accounts/principal';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import { builtinTemplatesDir } from '../../libs/common/src/paths';
import {
  bindVariables,
  checkVariables,
  explainBinding,
  exportConfigs,
  lintConfig,
  loadBuiltinTemplates,
  renderConfig,
  TemplateError,
  type BindingLayers,
  type BuiltinTemplate,
  type Variables,
} from '../../libs/templating/src';
import { DevicesRepository } from '../../core/devices/devices.repository';
import { TemplatesRepository } from '../../core/templates/templates.repository';
import { parseJsonObject } from '../../libs/common/src/json';
import type { DeviceEntity } from '../../core/devices/device.entity';
import { ConfigTemplateVersionEntity } from '../../core/templates/config-template-version.entity';
import { ConfigTemplateEntity } from '../../core/templates/config-template.entity';
import type { CreateConfigTemplateInput, UpdateConfigTemplateInput } from './dto/config-template.input';
import {
  ConfigArchiveFormat,
  type ExportRenderedConfigsInput,
  type RenderConfigInput,
} from './dto/render.input';
import { VariableScope } from './dto/variables.args';
import type { RenderedConfig, RenderedConfigsExport } from './models/rendered-config.model';
import { VariableSetEntity, type VariableScopeName } from '../../core/templates/variable-set.entity';
import {
  decodeCursor,
  encodeCursor,
  toConnection,
  type ConnectionShape,
} from '../../libs/common/src/pagination';

/** What a render needs from a template, stored or built-in. */
export interface TemplateToRender {
  name: string;
  version: number | null;
  platforms: readonly string[];
  source: string;
  schema: Record<string, unknown>;
}

/** Layers below run inputs for one device, plus its facts. */
export interface DeviceLayers {
  device?: Variables;
  site?: Variables;
  global?: Variables;
  facts?: Variables;
}

/**
 * Binds, checks, renders and lints one device's config. Pure; problems are reported on the
 * device (never thrown), so one device's error never fails the others.
 */
export function renderForDevice(
  template: TemplateToRender,
  device: Pick<DeviceEntity, 'id' | 'name' | 'platform'>,
  inputs: Variables | undefined,
  layers: DeviceLayers,
): RenderedConfig {
  const base = { deviceId: device.id, deviceName: device.name, platform: device.platform };
  // Facts fill only variables the schema declares, so they never trip `additionalProperties: false`.
  const declared = template.schema.properties as Record<string, unknown> | undefined;
  const facts = layers.facts
    ? Object.fromEntries(
        Object.entries(layers.facts).filter(
          ([key, value]) => value !== null && (!declared || Object.hasOwn(declared, key)),
        ),
      )
    : undefined;
  const bindingLayers: BindingLayers = { runInputs: inputs, ...layers, facts };
  const binding = explainBinding(bindingLayers).map(({ key, layer }) => ({ key, layer }));
  const failed = (errors: RenderedConfig['errors']): RenderedConfig => ({
    ...base,
    config: null,
    errors,
    lint: [],
    binding,
  });

  if (!template.platforms.includes(device.platform)) {
    return failed([
      {
        message: `template ${template.name} does not support platform ${device.platform} (only ${template.platforms.join(', ')})`,
        line: null,
        column: null,
        field: 'platform',
      },
    ]);
  }
  const variables = bindVariables(bindingLayers);
  const check = checkVariables(template.schema, variables);
  if (!check.ok) {
    return failed(
      check.errors.map((e) => ({
        message: `${e.field}: ${e.message}`,
        line: null,
        column: null,
        field: e.field,
      })),
    );
  }
  let config: string;
  try {
    config = renderConfig({
      source: template.source,
      variables,
      platform: device.platform,
      name: template.name,
    });
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    const { issue } = error;
    return failed([
      {
        message: `line ${issue.line}, column ${issue.column}: ${issue.message}`,
        line: issue.line,
        column: issue.column,
        field: issue.variable ?? 'source',
      },
    ]);
  }
  return { ...base, config, errors: [], lint: lintConfig(device.platform, config), binding };
}

const SCOPE_NAMES: Record<VariableScope, VariableScopeName> = {
  [VariableScope.GLOBAL]: 'global',
  [VariableScope.SITE]: 'site',
  [VariableScope.DEVICE]: 'device',
};

@Injectable()
export class TemplatesService {
  private builtins?: BuiltinTemplate[];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly devices: DevicesRepository,
    private readonly repository: TemplatesRepository,
  ) {}

  /** Read from templates/config once per process. */
  listBuiltins(): BuiltinTemplate[] {
    this.builtins ??= loadBuiltinTemplates(builtinTemplatesDir('config'));
    return this.builtins;
  }

  async list(args: { first: number; after?: string }): Promise<ConnectionShape<ConfigTemplateEntity>> {
    const repo = this.dataSource.getRepository(ConfigTemplateEntity);
    const totalCount = await repo.count();
    const qb = repo.createQueryBuilder('t');
    if (args.after) {
      const [name] = decodeCursor(args.after, 1);
      if (typeof name !== 'string')
        throw SwitchboardError.badInput('after', 'is not a cursor returned by this API');
      qb.where('t.name > :name', { name });
    }
    const rows = await qb
      .orderBy('t.name', 'ASC')
      .take(args.first + 1)
      .getMany();
    return toConnection(rows, args.first, totalCount, (node) => encodeCursor([node.name]));
  }

  get(id: string): Promise<ConfigTemplateEntity> {
    return this.repository.get(id);
  }

  versions(templateId: string): Promise<ConfigTemplateVersionEntity[]> {
    return this.repository.versions(templateId);
  }

  version(templateId: string, version?: number | null): Promise<ConfigTemplateVersionEntity> {
    return this.repository.version(templateId, version);
  }

  create(input: CreateConfigTemplateInput): Promise<ConfigTemplateEntity> {
    return this.repository.create(input);
  }

  update(id: string, input: UpdateConfigTemplateInput): Promise<ConfigTemplateEntity> {
    return this.repository.update(id, input);
  }

  delete(id: string): Promise<boolean> {
    return this.repository.delete(id);
  }

  setVariables(
    scope: VariableScope,
    key: string | null | undefined,
    variablesJson: string,
  ): Promise<VariableSetEntity> {
    return this.repository.setVariables(SCOPE_NAMES[scope], key, variablesJson);
  }

  getVariables(scope: VariableScope, key: string | null | undefined): Promise<VariableSetEntity | null> {
    return this.repository.getVariables(SCOPE_NAMES[scope], key);
  }

  private async templateToRender(input: RenderConfigInput): Promise<TemplateToRender> {
    const byId = input.templateId != null && input.templateId !== '';
    const byName = input.builtinName != null && input.builtinName !== '';
    if (byId === byName)
      throw SwitchboardError.badInput('templateId', 'give either templateId or builtinName');
    if (byName) {
      if (input.version != null)
        throw SwitchboardError.badInput('version', 'built-in templates have no versions');
      const builtin = this.listBuiltins().find((t) => t.name === input.builtinName);
      if (!builtin)
        throw SwitchboardError.badInput('builtinName', `no built-in template "${input.builtinName}"`);
      return {
        name: builtin.name,
        version: null,
        platforms: builtin.platforms,
        source: builtin.source,
        schema: builtin.variables,
      };
    }
    const template = await this.get(input.templateId!);
    const version = await this.version(template.id, input.version);
    return {
      name: template.name,
      version: version.version,
      platforms: template.platforms,
      source: version.source,
      schema: version.variablesSchema,
    };
  }

  /** Variable sets (global, the devices' sites, the devices) and the latest facts of each device. */
  private async layersFor(devices: DeviceEntity[]): Promise<Map<string, DeviceLayers>> {
    const ids = devices.map((d) => d.id);
    const sites = [...new Set(devices.map((d) => d.site).filter((s): s is string => !!s))];
    const sets: { scope: VariableScopeName; scope_key: string; variables: Variables }[] =
      await this.dataSource.query(
        `SELECT scope, scope_key, variables FROM variable_sets
       WHERE (scope = 'global' AND scope_key = '')
          OR (scope = 'site' AND scope_key = ANY($1::text[]))
          OR (scope = 'device' AND scope_key = ANY($2::text[]))`,
        [sites, ids],
      );
    const facts: { device_id: string; facts: Variables }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (device_id) device_id, facts FROM run_devices
       WHERE device_id = ANY($1::uuid[]) AND status = 'SUCCEEDED' AND facts IS NOT NULL
       ORDER BY device_id, finished_at DESC NULLS LAST`,
      [ids],
    );
    const find = (scope: VariableScopeName, key: string | null) =>
      key === null ? undefined : sets.find((s) => s.scope === scope && s.scope_key === key)?.variables;
    const factsById = new Map(facts.map((f) => [f.device_id, f.facts]));
    return new Map(
      devices.map((d) => [
        d.id,
        {
          global: find('global', ''),
          site: find('site', d.site),
          device: find('device', d.id),
          facts: factsById.get(d.id),
        },
      ]),
    );
  }

  /**
   * With a principal: only devices inside its templates:read scope; an id outside it is unknown
   * (a preview shows the device's variables and facts).
   */
  async preview(
    input: RenderConfigInput,
    principal?: Principal | null,
  ): Promise<{ template: TemplateToRender; rendered: RenderedConfig[] }> {
    const inputs = input.inputsJson != null ? parseJsonObject('inputsJson', input.inputsJson) : undefined;
    const template = await this.templateToRender(input);
    const devices = await this.devices.resolveVisibleSelection(
      { deviceIds: input.deviceIds },
      scopeOfRequest(principal, 'templates:read'),
    );
    const layers = await this.layersFor(devices);
    const rendered = devices.map((device) =>
      renderForDevice(template, device, inputs, layers.get(device.id)!),
    );
    return { template, rendered };
  }

  async export(
    input: ExportRenderedConfigsInput,
    principal?: Principal | null,
  ): Promise<RenderedConfigsExport> {
    const { template, rendered } = await this.preview(input, principal);
    const ok = rendered.filter((r) => r.config !== null);
    const format = input.format === ConfigArchiveFormat.ZIP ? 'zip' : 'tar.gz';
    const archive = await exportConfigs(
      ok.map((r) => ({ name: `${r.deviceName}.cfg`, content: r.config! })),
      format,
    );
    const stem = template.version === null ? template.name : `${template.name}-v${template.version}`;
    return {
      fileName: `${stem}.${format === 'zip' ? 'zip' : 'tar.gz'}`,
      contentBase64: archive.toString('base64'),
      files: ok.length,
      failed: rendered.filter((r) => r.config === null).map((r) => r.deviceName),
    };
  }
}
