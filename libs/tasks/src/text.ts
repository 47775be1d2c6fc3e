/**
 * Definitions as text (import/export, the editor): YAML 1.2 or JSON. Syntax errors carry a line
 * and column; serialisation uses one key order so exported files diff cleanly.
 *
 * Parsing is bounded: the text's size is checked before anything else (MAX_DEFINITION_BYTES),
 * YAML nesting before the document is composed (MAX_TEXT_NESTING_DEPTH: composing recurses), and
 * duplicate keys are found with one Set per map (the `yaml` package's own check compares each key
 * with every earlier one, quadratic in a map's size).
 */
import {
  Composer,
  Lexer,
  LineCounter,
  Parser,
  YAMLParseError,
  isCollection,
  isMap,
  isPair,
  isScalar,
  stringify,
  visit,
} from 'yaml';
import type { CST, Document } from 'yaml';
import { SwitchboardError } from '../../common/src/errors';
import { MAX_DEFINITION_BYTES, MAX_TEXT_NESTING_DEPTH, MAX_YAML_ALIAS_COUNT } from './definition';
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
 * Iterative, so deeply nested text cannot overflow the stack.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const skip = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  /** Reads a string from its opening quote; false when it is not valid. */
  const string = (): boolean => {
    i++; // opening quote
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i++;
        return true;
      }
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) return false;
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) return false;
      } else if (c < ' ') {
        return false;
      }
      i++;
    }
    return false;
  };
  /** Reads a scalar (string, number, literal); false when it is not valid. */
  const scalar = (): boolean => {
    const c = text[i];
    if (c === '"') return string();
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = i;
    if (number.exec(text)) {
      i = number.lastIndex;
      return true;
    }
    const literal = ['true', 'false', 'null'].find((word) => word[0] === c);
    if (!literal) return false;
    // Character by character, like V8: `tru}` fails at the `}`.
    for (const expected of literal) {
      if (text[i] !== expected) return false;
      i++;
    }
    return true;
  };
  /** Reads `"key":` in an object; false when it is not there. */
  const member = (): boolean => {
    skip();
    if (text[i] !== '"' || !string()) return false;
    skip();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };
  // The closing bracket of each open container, innermost last.
  const open: string[] = [];
  for (;;) {
    // A value is expected.
    skip();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      skip();
      const close = c === '{' ? '}' : ']';
      if (text[i] !== close) {
        open.push(close);
        if (close === '}' && !member()) return i;
        continue;
      }
      i++; // an empty container
    } else if (!scalar()) {
      return i;
    }
    // A value is complete: close containers until a comma asks for the next one.
    for (;;) {
      skip();
      if (open.length === 0) return i < text.length ? i : -1;
      const close = open[open.length - 1];
      if (text[i] === close) {
        i++;
        open.pop();
        continue;
      }
      if (text[i] !== ',') return i;
      i++;
      if (close === '}' && !member()) return i;
      break;
    }
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

/**
 * Key comparisons the `yaml` package's duplicate-key check may make (each key with every earlier
 * key of its map) before it is cheaper to find duplicates with a Set: far more than any real
 * definition needs (a map of 700 keys), and a few milliseconds.
 */
const KEY_COMPARISONS = 250_000;

const COLLECTIONS: ReadonlySet<string> = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * YAML text to tokens (as `new Parser().parse(text)`), lexeme by lexeme so that it stops at the
 * first collection nested deeper than MAX_TEXT_NESTING_DEPTH (returning its offset): the parser's
 * stack holds the collections open at that point. Past the limit every level costs time and
 * composing the document recurses.
 */
function yamlTokens(text: string, lineCounter: LineCounter): CST.Token[] | { tooDeep: number } {
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > MAX_TEXT_NESTING_DEPTH) {
      const open = parser.stack.filter((token) => COLLECTIONS.has(token.type));
      if (open.length > MAX_TEXT_NESTING_DEPTH) return { tooDeep: open[MAX_TEXT_NESTING_DEPTH].offset };
    }
  }
  for (const token of parser.end()) tokens.push(token);
  return tokens;
}

/** How many key comparisons the `yaml` package's `uniqueKeys: true` makes on these tokens. */
function keyComparisons(tokens: readonly CST.Token[]): number {
  let count = 0;
  const pending: (CST.Token | null | undefined)[] = [...tokens];
  while (pending.length > 0) {
    const token = pending.pop();
    if (!token) continue;
    if (token.type === 'document') pending.push(token.value);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      const keys = token.items.length;
      const map =
        token.type === 'block-map' || (token.type === 'flow-collection' && token.start.source === '{');
      if (map) count += (keys * (keys - 1)) / 2;
      for (const item of token.items) {
        if ('key' in item) pending.push(item.key);
        pending.push(item.value);
      }
    }
  }
  return count;
}

/** Offset of the first key that repeats an earlier key of its map (as `uniqueKeys: true` finds them), or undefined. */
function duplicateKeyOffset(doc: Document.Parsed): number | undefined {
  let first: number | undefined;
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isPair(node)) {
      pending.push(node.key, node.value);
    } else if (isCollection(node)) {
      const seen = new Set<unknown>();
      for (const item of node.items) {
        pending.push(item);
        if (!isMap(node) || !isPair(item) || !isScalar(item.key)) continue;
        // The yaml package compares scalar keys with ===: NaN never repeats.
        const value = item.key.value;
        if (Number.isNaN(value)) continue;
        if (seen.has(value)) {
          const offset = item.key.range?.[0];
          if (offset !== undefined && (first === undefined || offset < first)) first = offset;
        }
        seen.add(value);
      }
    }
  }
  return first;
}

function parseYaml(text: string): unknown {
  const lineCounter = new LineCounter();
  const tokens = yamlTokens(text, lineCounter);
  if (!Array.isArray(tokens)) {
    const pos = lineCounter.linePos(tokens.tooDeep);
    return fail(pos.line, pos.col, `collections are nested more than ${MAX_TEXT_NESTING_DEPTH} levels deep`);
  }
  // As parseDocument(text, { uniqueKeys: true }) does. With very large maps, duplicate keys are
  // found afterwards with Sets instead, and of a duplicate key and another error the one that
  // comes first in the text is reported (the yaml package reports the one it meets first).
  const bigMaps = keyComparisons(tokens) > KEY_COMPARISONS;
  const composer = new Composer({ uniqueKeys: !bigMaps });
  let doc: Document.Parsed | undefined; // always set: compose(…, true, …) ends with a document
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          'MULTIPLE_DOCS',
          'Source contains multiple documents; please use YAML.parseAllDocuments()',
        ),
      );
      break;
    }
  }
  const error = doc!.errors[0];
  const duplicate = bigMaps ? duplicateKeyOffset(doc!) : undefined;
  if (duplicate !== undefined && (!error || error.pos[0] < 0 || duplicate < error.pos[0])) {
    const pos = lineCounter.linePos(duplicate);
    return fail(pos.line, pos.col, 'Map keys must be unique');
  }
  if (error) {
    const pos = error.pos[0] >= 0 ? lineCounter.linePos(error.pos[0]) : { line: 1, col: 1 };
    return fail(pos.line, pos.col, error.message);
  }
  try {
    return doc!.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) as unknown;
  } catch (err) {
    // Unresolved or excessive aliases: point at the first alias.
    const pos = firstAliasPosition(doc!, lineCounter);
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

export const TEXT_TOO_LARGE = `must be at most ${MAX_DEFINITION_BYTES} bytes of text`;

/**
 * Parses definition text. Throws BAD_USER_INPUT at field `definition` with
 * `line L, column C: <message>` on a syntax error (or YAML nested too deep), and with
 * TEXT_TOO_LARGE, before parsing, when the text is larger than MAX_DEFINITION_BYTES. The result
 * still needs validateDefinition.
 */
export function parseDefinitionText(text: string, format: DefinitionFormat): unknown {
  // Bytes are at least UTF-16 units: only a text that may fit is measured.
  const bytes = text.length > MAX_DEFINITION_BYTES ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DEFINITION_BYTES) throw SwitchboardError.badInput('definition', TEXT_TOO_LARGE);
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
