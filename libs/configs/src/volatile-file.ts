import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { configureVolatileRules, type VolatileRule } from './volatile';

/**
 * Load VOLATILE_RULES_FILE (YAML or JSON: a list of `{ pattern, flags?, platform? }`) and make its
 * rules apply process-wide. No file: only the built-in rules. Errors name the file and the rule.
 */
export function applyVolatileRulesFile(file: string | null): readonly VolatileRule[] {
  if (!file) {
    configureVolatileRules([]);
    return [];
  }
  let rules: unknown;
  try {
    rules = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`VOLATILE_RULES_FILE ${file}: ${(error as Error).message}`);
  }
  if (!Array.isArray(rules)) throw new Error(`VOLATILE_RULES_FILE ${file}: must be a list of rules`);
  try {
    configureVolatileRules(rules as VolatileRule[]);
  } catch (error) {
    throw new Error(`VOLATILE_RULES_FILE ${file}: ${(error as Error).message}`);
  }
  return rules as VolatileRule[];
}
