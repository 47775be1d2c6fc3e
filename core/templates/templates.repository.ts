import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { DataSource, type EntityManager } from 'typeorm';
import { SwitchboardError, type FieldError } from '../../libs/common/src/errors';
import { parseJsonObject } from '../../libs/common/src/json';
import type { Platform } from '../../libs/common/src/platforms';
import { checkVariables, validateTemplate } from '../../libs/templating/src';
import { checkSite } from '../devices/device-import';
import { DevicesRepository } from '../devices/devices.repository';
import { ConfigTemplateVersionEntity } from './config-template-version.entity';
import { ConfigTemplateEntity } from './config-template.entity';
import { VariableSetEntity, type VariableScopeName } from './variable-set.entity';
import { currentActor } from '../accounts/actor';

/** A config template as the API creates it (graphql/templates/dto implements this). */
export interface TemplateInput {
  name: string;
  description?: string | null;
  platforms: string[];
  /** Liquid source. */
  source: string;
  /** JSON Schema of the variables, as JSON text. */
  variablesSchema: string;
  note?: string | null;
}

/** A new version: what is left out is carried over from the latest one. */
export interface TemplatePatch {
  description?: string | null;
  platforms?: string[] | null;
  source?: string | null;
  variablesSchema?: string | null;
  note?: string | null;
}

/** The username of who makes a version ('api' outside a request: imports at boot, scripts). */
const createdBy = (): string => currentActor()?.username ?? 'api';

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

/**
 * Config templates (every save an immutable new version) and variable sets: the only code that
 * writes `config_templates`, `config_template_versions` and `variable_sets`.
 */
@Injectable()
export class TemplatesRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly devices: DevicesRepository,
  ) {}

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

  async create(input: TemplateInput): Promise<ConfigTemplateEntity> {
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
        createdBy: createdBy(),
        note: input.note ?? null,
      });
      return row.id;
    });
    return this.get(id);
  }

  /** A new immutable version; what the input leaves out is carried over from the latest one. */
  async update(id: string, input: TemplatePatch): Promise<ConfigTemplateEntity> {
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
        createdBy: createdBy(),
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

  /** GLOBAL: ''; SITE: a site name (trimmed, as devices store their site); DEVICE: a device's id. */
  private async scopeKey(scope: VariableScopeName, key: string | null | undefined): Promise<string> {
    const value = key?.trim() ?? '';
    if (scope === 'global') {
      if (value !== '') throw SwitchboardError.badInput('key', 'must be empty for GLOBAL');
      return '';
    }
    if (value === '') throw SwitchboardError.badInput('key', `is required for ${scope.toUpperCase()}`);
    if (scope === 'site') {
      const site = checkSite(value);
      if (!site.ok) throw SwitchboardError.badInput('key', site.message);
    }
    if (scope === 'device' && !(await this.devices.findById(value))) {
      throw SwitchboardError.badInput('key', `no device with id ${value}`);
    }
    return value;
  }

  async setVariables(
    scope: VariableScopeName,
    key: string | null | undefined,
    variablesJson: string,
  ): Promise<VariableSetEntity> {
    const scopeKey = await this.scopeKey(scope, key);
    const variables = parseJsonObject('variablesJson', variablesJson);
    await this.dataSource.query(
      `INSERT INTO variable_sets (scope, scope_key, variables) VALUES ($1, $2, $3)
       ON CONFLICT (scope, scope_key) DO UPDATE SET variables = EXCLUDED.variables, updated_at = now()`,
      [scope, scopeKey, JSON.stringify(variables)],
    );
    return this.dataSource.getRepository(VariableSetEntity).findOneByOrFail({ scope: scope, scopeKey });
  }

  async getVariables(
    scope: VariableScopeName,
    key: string | null | undefined,
  ): Promise<VariableSetEntity | null> {
    const scopeKey = await this.scopeKey(scope, key);
    return this.dataSource.getRepository(VariableSetEntity).findOneBy({ scope: scope, scopeKey });
  }
}
