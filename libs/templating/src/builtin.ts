/**
 * Built-in templates: `templates/config/<name>/` with `template.liquid` and `meta.json`
 * (`{ name, description, platforms, variables: <JSON Schema>, example? }`). The loader checks each
 * folder — meta against META_SCHEMA, name equal to the folder, variables a valid schema, template
 * free of syntax errors, example valid against the variables — and reports every problem at once.
 */
import Ajv from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { SwitchboardError } from '../../common/src/errors';
import type { FieldError } from '../../common/src/errors';
import { PLATFORMS } from '../../common/src/platforms';
import type { Platform } from '../../common/src/platforms';
import { validateTemplate } from './render';
import { checkVariables, compileVariablesSchema, pointerToPath } from './variables';

export interface TemplateMeta {
  name: string;
  description: string;
  platforms: Platform[];
  /** JSON Schema of the variables. */
  variables: Record<string, unknown>;
  /** Variables that render a typical config; tests render every built-in with its example. */
  example?: Record<string, unknown>;
}

export interface BuiltinTemplate extends TemplateMeta {
  source: string;
}

export const META_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'platforms', 'variables'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    description: { type: 'string', minLength: 1, maxLength: 500 },
    platforms: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...PLATFORMS] } },
    variables: { type: 'object' },
    example: { type: 'object' },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validateMeta = ajv.compile<TemplateMeta>(META_SCHEMA);

function loadOne(dir: string, name: string, errors: FieldError[]): BuiltinTemplate | undefined {
  const where = (file: string, path = '') => `${name}/${file}${path ? `: ${path}` : ''}`;
  const metaFile = join(dir, name, 'meta.json');
  const templateFile = join(dir, name, 'template.liquid');
  for (const [file, path] of [
    ['meta.json', metaFile],
    ['template.liquid', templateFile],
  ]) {
    if (!existsSync(path)) errors.push({ field: where(file), message: 'is missing' });
  }
  if (!existsSync(metaFile) || !existsSync(templateFile)) return undefined;

  let meta: unknown;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch (error) {
    errors.push({ field: where('meta.json'), message: `is not JSON: ${(error as Error).message}` });
    return undefined;
  }
  if (!validateMeta(meta)) {
    for (const e of validateMeta.errors ?? []) {
      const params = e.params as { missingProperty?: string; additionalProperty?: string };
      const path = [pointerToPath(e.instancePath), params.missingProperty ?? params.additionalProperty]
        .filter(Boolean)
        .join('.');
      errors.push({ field: where('meta.json', path), message: e.message ?? 'is invalid' });
    }
    return undefined;
  }
  const before = errors.length;
  if (meta.name !== name) {
    errors.push({ field: where('meta.json', 'name'), message: `must equal the folder name "${name}"` });
  }
  let schemaOk = true;
  try {
    compileVariablesSchema(meta.variables);
  } catch (error) {
    schemaOk = false;
    errors.push({
      field: where('meta.json', 'variables'),
      message: `is not a valid JSON Schema: ${(error as SwitchboardError).fields[0]?.message ?? String(error)}`,
    });
  }
  if (schemaOk && meta.example) {
    const check = checkVariables(meta.variables, meta.example);
    if (!check.ok) {
      for (const e of check.errors)
        errors.push({ field: where('meta.json', `example.${e.field}`), message: e.message });
    }
  }
  const source = readFileSync(templateFile, 'utf8');
  const syntax = validateTemplate(source);
  if (!syntax.ok) {
    for (const e of syntax.errors) {
      errors.push({
        field: where('template.liquid', `line ${e.line}, column ${e.column}`),
        message: e.message,
      });
    }
  }
  return errors.length === before ? { ...meta, source } : undefined;
}

/**
 * Loads every template folder under `dir` (sorted by name). Throws SwitchboardError BAD_USER_INPUT
 * listing every problem if any folder is invalid.
 */
export function loadBuiltinTemplates(dir: string): BuiltinTemplate[] {
  const errors: FieldError[] = [];
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const templates = names.map((name) => loadOne(dir, name, errors));
  if (errors.length > 0) throw SwitchboardError.invalidFields(errors);
  return templates.filter((t): t is BuiltinTemplate => t !== undefined);
}
