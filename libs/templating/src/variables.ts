/**
 * Template variables: checking them against a template's JSON Schema, and binding them from the
 * layers a run draws on. Pure: no I/O.
 *
 * Precedence, highest first: run inputs > device variables > site variables > global variables >
 * collected facts. Plain objects are merged key by key (deeply); any other value — arrays
 * included — replaces the lower layer's value whole. `undefined` means "not set"; `null` is a value.
 */
import { createHash } from 'node:crypto';
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { SwitchboardError } from '../../common/src/errors';
import type { FieldError } from '../../common/src/errors';
import { schemaReferenceProblem } from './schema-cycles';

export type Variables = Record<string, unknown>;
export type VariablesCheck = { ok: true } | { ok: false; errors: FieldError[] };

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

/**
 * Compiled validators by a hash of the schema's JSON text, least recently used first out: a template's schema
 * is read from the database (a new object) at every render, and compiling is what costs.
 */
const CACHE_LIMIT = 256;
const compiled = new Map<string, ValidateFunction>();

/**
 * Compiles (or takes from the cache) a variables schema; throws BAD_USER_INPUT if it is not valid,
 * or is recursive without end (schema-cycles.ts: validating would overflow the stack). Each schema
 * leaves ajv's own cache at once, so memory stays bounded and a schema with an `$id` compiles again.
 */
export function compileVariablesSchema(schema: object): ValidateFunction {
  const key = createHash('sha256').update(JSON.stringify(schema)).digest('base64');
  let validate = compiled.get(key);
  if (validate) {
    compiled.delete(key);
    compiled.set(key, validate);
    return validate;
  }
  const problem = schemaReferenceProblem(schema);
  if (problem) throw SwitchboardError.badInput('variables schema', problem);
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw SwitchboardError.badInput('variables schema', (error as Error).message);
  } finally {
    ajv.removeSchema(schema);
  }
  compiled.set(key, validate);
  if (compiled.size > CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
  return validate;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function joinPath(path: string, key: string): string {
  if (/^\d+$/.test(key)) return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** `/interfaces/3/vlan` to `interfaces[3].vlan` (JSON Pointer unescaped). */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(joinPath, '');
}

function toFieldError(error: ErrorObject): FieldError {
  let field = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') field = joinPath(field, String(params.missingProperty));
  if (error.keyword === 'additionalProperties') field = joinPath(field, String(params.additionalProperty));
  const message =
    error.keyword === 'enum'
      ? `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
      : error.keyword === 'required'
        ? 'is required'
        : error.keyword === 'additionalProperties'
          ? 'is not allowed'
          : (error.message ?? 'is invalid');
  return { field: field || '(root)', message };
}

/** Checks variables against a JSON Schema (all errors, formats such as `ipv4` included). */
export function checkVariables(schema: object, variables: unknown): VariablesCheck {
  const validate = compileVariablesSchema(schema);
  if (validate(variables)) return { ok: true };
  const seen = new Set<string>();
  const errors = (validate.errors ?? []).map(toFieldError).filter((e) => {
    const key = `${e.field}\0${e.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return { ok: false, errors };
}

/** Throws SwitchboardError BAD_USER_INPUT listing every bad variable. */
export function assertVariables(schema: object, variables: unknown): void {
  const result = checkVariables(schema, variables);
  if (!result.ok) throw SwitchboardError.invalidFields(result.errors);
}

export const BINDING_LAYERS = ['runInputs', 'device', 'site', 'global', 'facts'] as const;
/** Highest precedence first. */
export type BindingLayer = (typeof BINDING_LAYERS)[number];
export type BindingLayers = Partial<Record<BindingLayer, Variables | undefined>>;

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value: unknown): value is Variables {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function mergeInto(target: Variables, source: Variables): Variables {
  for (const [key, value] of Object.entries(source)) {
    if (UNSAFE_KEYS.has(key) || value === undefined) continue;
    const current = target[key];
    target[key] =
      isPlainObject(value) && isPlainObject(current)
        ? mergeInto(current, value)
        : isPlainObject(value)
          ? mergeInto({}, value)
          : value;
  }
  return target;
}

/** Merges the layers (see the module comment for precedence). Inputs are not modified. */
export function bindVariables(layers: BindingLayers): Variables {
  const result: Variables = {};
  for (const layer of [...BINDING_LAYERS].reverse()) {
    const values = layers[layer];
    if (values) mergeInto(result, values);
  }
  return result;
}

export interface BindingExplanation {
  key: string;
  /** The highest-precedence layer that sets the key: its value (or, for objects, its keys) wins. */
  layer: BindingLayer;
  /** Every layer that sets the key, highest first; more than one means an override or a merge. */
  layers: BindingLayer[];
  /** True when plain objects from several layers were merged rather than one replacing the rest. */
  merged: boolean;
}

/** Which layer each top-level key of `bindVariables(layers)` came from, sorted by key. */
export function explainBinding(layers: BindingLayers): BindingExplanation[] {
  const keys = new Set<string>();
  for (const layer of BINDING_LAYERS) {
    for (const [key, value] of Object.entries(layers[layer] ?? {})) {
      if (!UNSAFE_KEYS.has(key) && value !== undefined) keys.add(key);
    }
  }
  return [...keys].sort().map((key) => {
    const valueIn = (layer: BindingLayer): unknown => {
      const values = layers[layer];
      return values && Object.hasOwn(values, key) ? values[key] : undefined;
    };
    const setting = BINDING_LAYERS.filter((layer) => valueIn(layer) !== undefined);
    // Objects merge down the layers until the first non-object value, which replaces the rest.
    let merging = 0;
    while (merging < setting.length && isPlainObject(valueIn(setting[merging]))) merging++;
    return { key, layer: setting[0], layers: setting, merged: merging > 1 };
  });
}
