/**
 * Task templates: YAML files `{ name, title, description, parameters, definition }` in which the
 * definition's string values hold `[[ path ]]` placeholders for the parameters. Instantiating
 * fills them in and validates the result like any definition.
 *
 * Placeholders use `[[ ]]` and `[% %]` so they never collide with the run-time references
 * (`{{ }}`), which pass through untouched. A value that is exactly `[[ name ]]` takes the
 * parameter's value with its type (a list stays a list); when that parameter is declared but
 * not given (and has no default) the key — or array element — is left out, so optional
 * parameters map onto optional fields. Anything else is rendered as Liquid text with strict
 * variables. Parameters are validated (with defaults) against the `parameters` JSON Schema first.
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { Liquid } from 'liquidjs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { SwitchboardError } from '../../common/src/errors';
import type { FieldError } from '../../common/src/errors';
import { NETWORK_FILTERS } from '../../templating/src/filters';
import { toTemplateIssues } from '../../templating/src/render';
import type { TaskDefinition } from './definition';
import { formatField, joinField } from './field-path';
import { checkAgainstSchema, schemaProblem } from './inputs';
import { fromZod, zodMessages } from './issues';
import { wholeReference } from './liquid';
import { formatPath, readLiquidPath } from './path';
import { validateDefinition } from './validate';
import { isPlainObject } from './values';

export interface TaskTemplate {
  name: string;
  title: string;
  description: string;
  /** JSON Schema of the parameters. */
  parameters: Record<string, unknown>;
  /** A task definition with `[[ ]]` placeholders. */
  definition: unknown;
}

/** `templates/tasks` at the repository root, from sources (libs/tasks/src) or compiled code (dist/…). */
export const BUILTIN_TASK_TEMPLATES_DIR: string = (() => {
  const candidates = [
    resolve(__dirname, '../../../templates/tasks'),
    resolve(__dirname, '../../../../templates/tasks'),
  ];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0];
})();

const templateFileSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and "-"'),
  title: z.string().min(1).max(200),
  description: z.string().max(2000),
  parameters: z.record(z.string(), z.unknown()),
  definition: z.record(z.string(), z.unknown()),
});

function loadFile(dir: string, file: string, errors: FieldError[]): TaskTemplate | undefined {
  const where = (path = '') => `${file}${path ? `: ${path}` : ''}`;
  const doc = parseDocument(readFileSync(join(dir, file), 'utf8'), { prettyErrors: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const [pos] = syntax.linePos ?? [{ line: 1, col: 1 }];
    const message = syntax.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
    errors.push({ field: where(), message: `line ${pos.line}, column ${pos.col}: ${message}` });
    return undefined;
  }
  const parsed = templateFileSchema.safeParse(doc.toJS(), { error: zodMessages });
  if (!parsed.success) {
    for (const issue of fromZod(parsed.error.issues)) {
      errors.push({ field: where(formatField(issue.path)), message: issue.message });
    }
    return undefined;
  }
  const template = parsed.data;
  const before = errors.length;
  if (`${template.name}.yaml` !== file) {
    errors.push({
      field: where('name'),
      message: `must equal the file name without .yaml ("${file.slice(0, -5)}")`,
    });
  }
  const problem = schemaProblem(template.parameters);
  if (problem) errors.push({ field: where('parameters'), message: `is not a valid JSON Schema: ${problem}` });
  return errors.length === before ? template : undefined;
}

/**
 * Loads every `*.yaml` file in `dir`, sorted by name. Throws BAD_USER_INPUT listing every broken
 * file (each error's field starts with the file name).
 */
export function loadTaskTemplates(dir: string): TaskTemplate[] {
  const errors: FieldError[] = [];
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => entry.name)
    .sort();
  const templates = files.map((file) => loadFile(dir, file, errors));
  if (errors.length > 0) throw SwitchboardError.invalidFields(errors);
  return templates
    .filter((t): t is TaskTemplate => t !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
}

const placeholders = new Liquid({
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  lenientIf: true,
  outputDelimiterLeft: '[[',
  outputDelimiterRight: ']]',
  tagDelimiterLeft: '[%',
  tagDelimiterRight: '%]',
});
for (const [name, filter] of Object.entries(NETWORK_FILTERS)) placeholders.registerFilter(name, filter);

const WHOLE_PLACEHOLDER = /^\[\[-?\s*([^[\]|\s]+(?:\[[^[\]]*\][^[\]|\s]*)*)\s*-?\]\]$/;
/** Left out of the instantiated definition (an optional parameter that was not given). */
const OMIT = Symbol('omit');

interface Substitution {
  params: Record<string, unknown>;
  declared: ReadonlySet<string>;
  errors: FieldError[];
}

function substituteString(value: string, field: string, s: Substitution): unknown {
  if (!value.includes('[[') && !value.includes('[%')) return value;
  const path = wholeReference(value, WHOLE_PLACEHOLDER);
  if (path) {
    const { value: found, definedSegments } = readLiquidPath(s.params, path);
    if (found !== undefined) return found;
    const root = 'key' in path[0] ? path[0].key : '';
    if (definedSegments === 0 && s.declared.has(root)) return OMIT;
    s.errors.push({
      field,
      message: `undefined variable "${formatPath(path.slice(0, definedSegments + 1))}"`,
    });
    return OMIT;
  }
  try {
    return placeholders.parseAndRenderSync(value, s.params) as string;
  } catch (error) {
    const issue = toTemplateIssues(error)[0];
    const message =
      issue.kind === 'undefined-variable'
        ? `undefined variable "${issue.variable ?? ''}"`
        : `line ${issue.line}, column ${issue.column}: ${issue.message}`;
    s.errors.push({ field, message });
    return OMIT;
  }
}

function substitute(value: unknown, field: string, s: Substitution): unknown {
  if (typeof value === 'string') return substituteString(value, field, s);
  if (Array.isArray(value)) {
    return value.map((element, i) => substitute(element, joinField(field, i), s)).filter((v) => v !== OMIT);
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const resolved = substitute(child, joinField(field, key), s);
      if (resolved !== OMIT) {
        Object.defineProperty(out, key, {
          value: resolved,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return out;
  }
  return value;
}

/**
 * Fills a template's placeholders with `params` and validates the result. Parameter errors are at
 * `params.<name>`, placeholder errors at `definition.<path>`, then definition errors as from
 * validateDefinition. `overrides.name` replaces the definition's name.
 */
export function instantiateTemplate(
  template: TaskTemplate,
  params: unknown,
  overrides?: { name?: string },
): { definition?: TaskDefinition; errors: FieldError[] } {
  const checked = checkAgainstSchema(template.parameters, params, 'params');
  if (checked.errors.length > 0) return { errors: checked.errors };
  const properties = template.parameters.properties;
  const declared = new Set(isPlainObject(properties) ? Object.keys(properties) : []);
  const s: Substitution = { params: checked.value, declared, errors: [] };
  const raw = substitute(template.definition, 'definition', s);
  if (s.errors.length > 0) return { errors: s.errors };
  if (overrides?.name !== undefined && isPlainObject(raw)) raw.name = overrides.name;
  return validateDefinition(raw);
}
