/**
 * Definitions as text (import/export, the editor): YAML 1.2 or JSON. Syntax errors carry a line
 * and column; serialisation uses one key order so exported files diff cleanly.
 */
import { LineCounter, parseDocument, stringify, visit } from 'yaml';
import type { Document } from 'yaml';
import { SwitchboardError } from '../../common/src/errors';
import type { CompensationDefinition, StepDefinition, TaskDefinition } from './definition';

export type DefinitionFormat = 'yaml' | 'json';

function syntaxError(line: number, column: number, message: string): SwitchboardError {
  return SwitchboardError.badInput('definition', `line ${line}, column ${column}: ${message}`);
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * Offset of the first character that makes `text` invalid JSON, or -1. Node 20's JSON.parse names
 * a position for some errors only ("Unexpected token '}', ... is not valid JSON" has none).
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new RangeError(String(i));
  };
  const skip = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      } else if (c < ' ') {
        fail();
      }
      i++;
    }
    fail();
  };
  const value = (): void => {
    skip();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      skip();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        skip();
        if (c === '{') {
          if (text[i] !== '"') fail();
          string();
          skip();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        skip();
        if (text[i] === ',') i++;
        else if (text[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') return string();
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = i;
    if (number.exec(text)) {
      i = number.lastIndex;
      return;
    }
    const literal = ['true', 'false', 'null'].find((word) => word[0] === c);
    if (!literal) fail();
    // Character by character, like V8: `tru}` fails at the `}`.
    for (const expected of literal!) {
      if (text[i] !== expected) fail();
      i++;
    }
  };
  try {
    value();
    skip();
    if (i < text.length) fail();
    return -1;
  } catch (error) {
    if (error instanceof RangeError && /^\d+$/.test(error.message)) return Number(error.message);
    throw error;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const raw = (error as Error).message;
    let offset = jsonErrorOffset(text);
    if (offset < 0) offset = Number(/at position (\d+)/.exec(raw)?.[1] ?? 0);
    const message = raw
      .replace(/(?: in JSON)? at position \d+.*$/s, '')
      .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
    const { line, column } = lineColumn(text, offset);
    return fail(line, column, message);
  }
}

function fail(line: number, column: number, message: string): never {
  throw syntaxError(line, column, message);
}

function parseYaml(text: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const [pos] = error.linePos ?? [{ line: 1, col: 1 }];
    return fail(pos.line, pos.col, error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, ''));
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    // Unresolved or excessive aliases: point at the first alias.
    const pos = firstAliasPosition(doc, lineCounter);
    return fail(pos.line, pos.col, (err as Error).message);
  }
}

function firstAliasPosition(doc: Document, lineCounter: LineCounter): { line: number; col: number } {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset);
}

/**
 * Parses definition text. Throws BAD_USER_INPUT at field `definition` with
 * `line L, column C: <message>` on a syntax error. The result still needs validateDefinition.
 */
export function parseDefinitionText(text: string, format: DefinitionFormat): unknown {
  return format === 'json' ? parseJson(text) : parseYaml(text);
}

const DEFINITION_KEYS = [
  'name',
  'description',
  'owner',
  'priority',
  'tags',
  'inputSchema',
  'concurrency',
  'safety',
  'upstream',
] as const;
const STEP_KEYS = [
  'id',
  'name',
  'kind',
  'dependsOn',
  'when',
  'params',
  'retry',
  'timeoutSeconds',
  'continueOnError',
  'compensate',
  'requires',
] as const;
const COMPENSATION_KEYS = ['kind', 'params', 'retry', 'timeoutSeconds'] as const;

function pick<T extends object>(source: T, keys: readonly (keyof T)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) out[key as string] = source[key];
  return out;
}

function ordered(def: TaskDefinition): Record<string, unknown> {
  const steps = def.steps.map((step: StepDefinition) => {
    const out = pick(step, STEP_KEYS);
    if (step.compensate) out.compensate = pick<CompensationDefinition>(step.compensate, COMPENSATION_KEYS);
    return out;
  });
  return { ...pick(def, DEFINITION_KEYS), steps };
}

/** Definition text in a stable key order (see the keys above); undefined values are left out. */
export function serializeDefinition(def: TaskDefinition, format: DefinitionFormat): string {
  const data = ordered(def);
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  return stringify(data, { lineWidth: 0, aliasDuplicateObjects: false });
}
