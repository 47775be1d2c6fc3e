/**
 * How deep a Liquid template nests, found before liquidjs parses it: liquidjs parses, analyses and
 * renders nested tags and expressions by recursion, and near the stack limit V8 may abort the whole
 * process (compiling a regular expression) instead of throwing a RangeError. This reads liquidjs'
 * own tokens (found without recursion) and stops at the first tag or output past the limit.
 */
import { TokenKind, Tokenizer } from 'liquidjs';
import type { Liquid, TagToken, TopLevelToken } from 'liquidjs';

/** Levels of block tags (and of brackets in their expressions) a template may nest. */
export const MAX_LIQUID_NESTING = 32;

/** Tags that hold other tags until their `end<name>`. */
const BLOCK_TAGS = new Set([
  'if',
  'unless',
  'case',
  'for',
  'tablerow',
  'capture',
  'comment',
  'block',
  'layout',
]);

/** The deepest nesting of ( and [ in an expression, outside quoted strings. */
function bracketDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let quote: string | undefined;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '(' || c === '[') {
      deepest = Math.max(deepest, ++depth);
    } else if ((c === ')' || c === ']') && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

/**
 * The token (line and column, 1-based) where `source` first nests deeper than `max`, or null.
 * Tokenizer errors are left for liquid.parse to report.
 */
export function liquidNestingProblem(
  source: string,
  engine: Liquid,
  max: number = MAX_LIQUID_NESTING,
): { line: number; column: number; message: string } | null {
  const options = engine.options;
  let lists: { tokens: TopLevelToken[]; next: number }[];
  try {
    const tokenizer = new Tokenizer(
      source,
      options.operators,
      undefined,
      undefined,
      options.groupedExpressions,
    );
    lists = [{ tokens: tokenizer.readTopLevelTokens(options), next: 0 }];
  } catch {
    return null;
  }
  const message = `tags and brackets are nested more than ${max} levels deep`;
  const at = (token: TopLevelToken) => {
    const [line, column] = token.getPosition();
    return { line, column, message };
  };
  let depth = 0;
  while (lists.length > 0) {
    const list = lists[lists.length - 1];
    if (list.next >= list.tokens.length) {
      lists.pop();
      if (lists.length > 0) depth--; // the end of a `liquid` tag's lines
      continue;
    }
    const token = list.tokens[list.next++];
    if (token.kind === TokenKind.Output) {
      if (depth + bracketDepth(token.getText()) > max) return at(token);
    } else if (token.kind === TokenKind.Tag) {
      const tag = token as TagToken;
      if (depth + bracketDepth(tag.args) > max) return at(token);
      if (BLOCK_TAGS.has(tag.name) || tag.name === 'liquid') depth++;
      else if (tag.name.startsWith('end') && depth > 0) depth--;
      if (depth > max) return at(token);
      if (tag.name === 'liquid') {
        let lines: TopLevelToken[];
        try {
          lines = tag.tokenizer.readLiquidTagTokens(options);
        } catch {
          lines = []; // liquid.parse reports it
        }
        lists.push({ tokens: lines, next: 0 });
      }
    }
  }
  return null;
}
