import { SwitchboardError } from './errors';

/** A JSON object given as text in field `field`: anything else is a BAD_USER_INPUT naming the field. */
export function parseJsonObject(field: string, text: string): Record<string, unknown> {
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
