/**
 * JSON Schemas for run inputs (and template parameters): draft-07 with formats, every error at
 * once, defaults filled in. Validators are cached per schema object; each compiled schema is
 * removed from ajv's own cache at once, so saving many definitions does not grow memory and a
 * schema with an `$id` can be compiled again after an edit.
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FieldError } from '../../common/src/errors';
import { schemaReferenceProblem } from '../../templating/src/schema-cycles';
import type { TaskDefinition } from './definition';
import { formatField, pointerSegments } from './field-path';
import { copyData, isPlainObject } from './values';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
addFormats(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object); throws ajv's error (or a $ref cycle's) when the schema is not valid. */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    // A $ref cycle that consumes no input ({"allOf": [{"$ref": "#"}]}) compiles, and then
    // overflows the stack on the first value it checks.
    const problem = schemaReferenceProblem(schema);
    if (problem) throw new Error(problem);
    try {
      validate = ajv.compile(schema);
    } finally {
      ajv.removeSchema(schema);
    }
    compiled.set(schema, validate);
  }
  return validate;
}

/** ajv's message when `schema` does not compile, else undefined. */
export function schemaProblem(schema: Record<string, unknown>): string | undefined {
  try {
    compileSchema(schema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function toFieldError(error: ErrorObject, root: string): FieldError {
  const segments: string[] = pointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    segments.push(String(params.missingProperty));
    message = 'is required';
  } else if (error.keyword === 'additionalProperties') {
    segments.push(String(params.additionalProperty));
    message = 'is not allowed';
  } else if (error.keyword === 'enum') {
    message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { field: formatField(segments, root), message };
}

/**
 * Checks `value` against `schema` with defaults applied to a copy. Field paths start at `root`:
 * `inputs.devices[2]`, and a missing required property is reported at `inputs.<name>`.
 */
export function checkAgainstSchema(
  schema: Record<string, unknown>,
  value: unknown,
  root: string,
): { value: Record<string, unknown>; errors: FieldError[] } {
  const copy: unknown = value === undefined || value === null ? {} : copyData(value);
  if (!isPlainObject(copy)) return { value: {}, errors: [{ field: root, message: 'must be an object' }] };
  let validate: ValidateFunction;
  try {
    validate = compileSchema(schema);
  } catch (error) {
    return {
      value: copy,
      errors: [{ field: root, message: `schema is not valid: ${(error as Error).message}` }],
    };
  }
  if (validate(copy)) return { value: copy, errors: [] };
  const seen = new Set<string>();
  const errors = (validate.errors ?? [])
    .map((e) => toFieldError(e, root))
    .filter((e) => {
      const key = `${e.field}\0${e.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
  return { value: copy, errors };
}

/** Validates run inputs against the definition's inputSchema; `inputs` has the schema's defaults. */
export function validateInputs(
  definition: TaskDefinition,
  inputs: unknown,
): { inputs: Record<string, unknown>; errors: FieldError[] } {
  const result = checkAgainstSchema(definition.inputSchema, inputs, 'inputs');
  return { inputs: result.value, errors: result.errors };
}
