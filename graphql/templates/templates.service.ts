import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { DataSource, type EntityManager } from 'typeorm';
import { SwitchboardError, type FieldError } from '../../libs/common/src/errors';
import { builtinTemplatesDir } from '../../libs/common/src/paths';
import type { Platform } from '../../libs/common/src/platforms';
import {
  bindVariables,
  checkVariables,
  explainBinding,
  exportConfigs,
  lintConfig,
  loadBuiltinTemplates,
  renderConfig,
  TemplateError,
  validateTemplate,
  type BindingLayers,
  type BuiltinTemplate,
  type Variables,
} from '../../libs/templating/src';
import { decodeCursor, encodeCursor, toConnection, type ConnectionShape } from '../common/pagination';
import { DevicesService } from '../devices/devices.service';
import type { DeviceEntity } from '../devices/device.entity';
import { ConfigTemplateVersionEntity } from './config-template-version.entity';
import { ConfigTemplateEntity } from './config-template.entity';
import type { CreateConfigTemplateInput, UpdateConfigTemplateInput } from './dto/config-template.input';
import {
  ConfigArchiveFormat,
  type ExportRenderedConfigsInput,
  type RenderConfigInput,
} from './dto/render.input';
import { VariableScope } from './dto/variables.args';
import type { RenderedConfig, RenderedConfigsExport } from './models/rendered-config.model';
import { VariableSetEntity, type VariableScopeName } from './variable-set.entity';

/** No user identity behind the shared API token yet. */
const CREATED_BY = 'api';

/** What a render needs from a template, stored or built-in. */
export interface TemplateToRender {
  name: string;
  version: number | null;
  platforms: readonly string[];
  source: string;
  schema: Record<string, unknown>;
}

function parseJsonObject(field: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw SwitchboardError.badInput(field, `is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw SwitchboardError.badInput(field, 'must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Source (Liquid syntax) and variables schema (JSON, compiles) checks, every problem at once. */
function checkTemplateContent(
  source: string | undefined,
  schemaText: string | undefined,
): Record<string, unknown> | undefined {
  const errors: FieldError[] = [];
  if (source !== undefined) {
    const syntax = validateTemplate(source);
    if (!syntax.ok) {
      for (const e of syntax.errors) {
        errors.push({ field: 'source', message: `line ${e.line}, column ${e.column}: ${e.message}` });
      }
    }
  }
  let schema: Record<string, unknown> | undefined;
  if (schemaText !== undefined) {
    try {
      schema = parseJsonObject('variablesSchema', schemaText);
      // Compiles the schema (once per object); throws BAD_USER_INPUT when it is not a valid schema.
      checkVariables(schema, {});
    } catch (error) {
      if (!(error instanceof SwitchboardError)) throw error;
      const message = error.fields[0]?.message ?? error.message;
      errors.push({ field: 'variablesSchema', message: message.replace(/^variablesSchema: /, '') });
    }
  }
  if (errors.length) throw SwitchboardError.invalidFields(errors);
  return schema;
}

function insertVersion(
  manager: EntityManager,
  v: Pick<
    ConfigTemplateVersionEntity,
    'templateId' | 'version' | 'source' | 'variablesSchema' | 'createdBy' | 'note'
  >,
): Promise<unknown> {
  return manager.query(
    `INSERT INTO config_template_versions (template_id, version, source, variables_schema, created_by, note)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [v.templateId, v.version, v.source, JSON.stringify(v.variablesSchema), v.createdBy, v.note],
  );
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
    private readonly devices: DevicesService,
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

  async get(id: string): Promise<ConfigTemplateEntity> {
    const template = isUUID(id, 'all')
      ? await this.dataSource.getRepository(ConfigTemplateEntity).findOneBy({ id })
      : null;
    if (!template) throw SwitchboardError.notFound('config template', id);
    return template;
  }

  versions(templateId: string): Promise<ConfigTemplateVersionEntity[]> {
    return this.dataSource
      .getRepository(ConfigTemplateVersionEntity)
      .find({ where: { templateId }, order: { version: 'DESC' } });
  }

  /** The given version, or the latest; NOT_FOUND when there is no such version. */
  async version(templateId: string, version?: number | null): Promise<ConfigTemplateVersionEntity> {
    const row = await this.dataSource.getRepository(ConfigTemplateVersionEntity).findOne({
      where: { templateId, ...(version != null ? { version } : {}) },
      order: { version: 'DESC' },
    });
    if (!row)
      throw SwitchboardError.notFound(`config template ${templateId} version`, String(version ?? 'latest'));
    return row;
  }

  async create(input: CreateConfigTemplateInput): Promise<ConfigTemplateEntity> {
    const schema = checkTemplateContent(input.source, input.variablesSchema)!;
    const repo = this.dataSource.getRepository(ConfigTemplateEntity);
    if (await repo.existsBy({ name: input.name })) {
      throw SwitchboardError.conflict(`a config template named "${input.name}" already exists`, 'name');
    }
    const id = await this.dataSource.transaction(async (manager) => {
      const [row]: { id: string }[] = await manager.query(
        `INSERT INTO config_templates (name, description, platforms) VALUES ($1, $2, $3) RETURNING id`,
        [input.name, input.description ?? '', [...new Set(input.platforms)]],
      );
      await insertVersion(manager, {
        templateId: row.id,
        version: 1,
        source: input.source,
        variablesSchema: schema,
        createdBy: CREATED_BY,
        note: input.note ?? null,
      });
      return row.id;
    });
    return this.get(id);
  }

  /** A new immutable version; what the input leaves out is carried over from the latest one. */
  async update(id: string, input: UpdateConfigTemplateInput): Promise<ConfigTemplateEntity> {
    await this.get(id);
    const schema = checkTemplateContent(input.source ?? undefined, input.variablesSchema ?? undefined);
    await this.dataSource.transaction(async (manager) => {
      // Serialises updates of one template, so version numbers never collide.
      const locked: unknown[] = await manager.query(
        `SELECT id FROM config_templates WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (locked.length === 0) throw SwitchboardError.notFound('config template', id);
      const latest = await manager
        .getRepository(ConfigTemplateVersionEntity)
        .findOneOrFail({ where: { templateId: id }, order: { version: 'DESC' } });
      await insertVersion(manager, {
        templateId: id,
        version: latest.version + 1,
        source: input.source ?? latest.source,
        variablesSchema: schema ?? latest.variablesSchema,
        createdBy: CREATED_BY,
        note: input.note ?? null,
      });
      await manager.update(
        ConfigTemplateEntity,
        { id },
        {
          ...(input.description != null ? { description: input.description } : {}),
          ...(input.platforms != null ? { platforms: [...new Set(input.platforms)] as Platform[] } : {}),
          updatedAt: new Date(),
        },
      );
    });
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    await this.get(id);
    await this.dataSource.getRepository(ConfigTemplateEntity).delete({ id });
    return true;
  }

  private async scopeKey(scope: VariableScope, key: string | null | undefined): Promise<string> {
    const value = key?.trim() ?? '';
    if (scope === VariableScope.GLOBAL) {
      if (value !== '') throw SwitchboardError.badInput('key', 'must be empty for GLOBAL');
      return '';
    }
    if (value === '') throw SwitchboardError.badInput('key', `is required for ${scope}`);
    if (scope === VariableScope.DEVICE && !(await this.devices.findById(value))) {
      throw SwitchboardError.badInput('key', `no device with id ${value}`);
    }
    return value;
  }

  async setVariables(
    scope: VariableScope,
    key: string | null | undefined,
    variablesJson: string,
  ): Promise<VariableSetEntity> {
    const scopeKey = await this.scopeKey(scope, key);
    const variables = parseJsonObject('variablesJson', variablesJson);
    await this.dataSource.query(
      `INSERT INTO variable_sets (scope, scope_key, variables) VALUES ($1, $2, $3)
       ON CONFLICT (scope, scope_key) DO UPDATE SET variables = EXCLUDED.variables, updated_at = now()`,
      [SCOPE_NAMES[scope], scopeKey, JSON.stringify(variables)],
    );
    return this.dataSource
      .getRepository(VariableSetEntity)
      .findOneByOrFail({ scope: SCOPE_NAMES[scope], scopeKey });
  }

  async getVariables(
    scope: VariableScope,
    key: string | null | undefined,
  ): Promise<VariableSetEntity | null> {
    const scopeKey = await this.scopeKey(scope, key);
    return this.dataSource
      .getRepository(VariableSetEntity)
      .findOneBy({ scope: SCOPE_NAMES[scope], scopeKey });
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

  async preview(
    input: RenderConfigInput,
  ): Promise<{ template: TemplateToRender; rendered: RenderedConfig[] }> {
    const inputs = input.inputsJson != null ? parseJsonObject('inputsJson', input.inputsJson) : undefined;
    const template = await this.templateToRender(input);
    const devices = await this.devices.resolveSelection({ deviceIds: input.deviceIds });
    const layers = await this.layersFor(devices);
    const rendered = devices.map((device) =>
      renderForDevice(template, device, inputs, layers.get(device.id)!),
    );
    return { template, rendered };
  }

  async export(input: ExportRenderedConfigsInput): Promise<RenderedConfigsExport> {
    const { template, rendered } = await this.preview(input);
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
