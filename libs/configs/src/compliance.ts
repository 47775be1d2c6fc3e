/**
 * Compliance of a device against an intended (partial) configuration, e.g. a rendered template.
 *
 * - missing: intended lines not present under the same parents in the actual configuration (a
 *   missing block reports its own line and every line inside it).
 * - extra: actual lines inside the blocks the intended snippet defines (a block with at least one
 *   line in the snippet) that the snippet does not have. Top-level extras only with `strict`.
 * - Junos is compared statement by statement (`set` form), so a snippet written in braces or as
 *   `set` lines gives the same answer. For `set` lines the reported path is the deepest container
 *   of the actual configuration the statement falls in; a missing statement defines that block
 *   (extras are reported in it) only when what remains is one leaf (`keyword [value]`), since
 *   without the schema `unit 5 family inet address …` cannot be told from a leaf.
 * Sibling order is not compared (see hierarchicalDiff for ordered blocks).
 */
import type { Platform } from '../../common/src/platforms';
import { junosStatements, parseConfig, parseJunosSnippet, statementText } from './tree';
import type { ConfigNode, JunosStatement } from './tree';
import { normaliseConfig } from './volatile';
import type { VolatileRule } from './volatile';

export interface ComplianceLine {
  path: string[];
  line: string;
}

export interface ComplianceResult {
  compliant: boolean;
  missing: ComplianceLine[];
  extra: ComplianceLine[];
}

export interface ComplianceOptions {
  /** Also report top-level lines of the actual configuration that the snippet does not have. */
  strict?: boolean;
  extraRules?: readonly VolatileRule[];
}

function allMissing(node: ConfigNode, path: string[], out: ComplianceLine[]): void {
  out.push({ path, line: node.line });
  for (const c of node.children) allMissing(c, [...path, node.line], out);
}

function compareNodes(
  intended: readonly ConfigNode[],
  actual: readonly ConfigNode[],
  path: string[],
  definesBlock: boolean,
  result: { missing: ComplianceLine[]; extra: ComplianceLine[] },
): void {
  const used = new Set<ConfigNode>();
  for (const i of intended) {
    const match = actual.find((a) => !used.has(a) && a.line === i.line);
    if (!match) {
      allMissing(i, path, result.missing);
      continue;
    }
    used.add(match);
    if (i.children.length) compareNodes(i.children, match.children, [...path, i.line], true, result);
  }
  if (definesBlock) for (const a of actual) if (!used.has(a)) result.extra.push({ path, line: a.line });
}

/** Deepest container path of `known` that the statement text falls in. */
export function junosContainerOf(text: string, containers: readonly string[][]): JunosStatement {
  let best: string[] = [];
  for (const c of containers) {
    const prefix = c.join(' ');
    if (c.length > best.length && text.startsWith(prefix + ' ')) best = c;
  }
  return { path: best, leaf: text.slice(best.join(' ').length).trim() };
}

/** Container paths of a list of statements (every prefix of every path). */
export function junosContainers(statements: readonly JunosStatement[]): string[][] {
  const seen = new Map<string, string[]>();
  for (const s of statements)
    for (let n = 1; n <= s.path.length; n++) seen.set(s.path.slice(0, n).join('\u0000'), s.path.slice(0, n));
  return [...seen.values()];
}

function junosCompliance(intendedText: string, actualText: string, strict: boolean): ComplianceResult {
  const actual = junosStatements(parseConfig('juniper_junos', actualText));
  const actualTexts = new Set(actual.map(statementText));
  const snippet = parseJunosSnippet(intendedText);
  const containers = junosContainers(actual);
  const intended = snippet.setForm
    ? snippet.statements.map((s) => {
        const text = statementText(s);
        return actualTexts.has(text)
          ? actual.find((a) => statementText(a) === text)!
          : junosContainerOf(text, containers);
      })
    : snippet.statements;
  const intendedTexts = new Set(intended.map(statementText));
  const defined = new Set<string>();
  for (const s of intended) {
    // A `set` line whose container exists and whose remainder is one leaf (`keyword [value]`).
    const exact =
      !snippet.setForm ||
      actualTexts.has(statementText(s)) ||
      (s.path.length > 0 && (s.leaf.match(/"[^"]*"?|\S+/g) ?? []).length <= 2);
    if (exact && (s.path.length > 0 || strict)) defined.add(s.path.join('\u0000'));
  }
  const missing = intended
    .filter((s) => !actualTexts.has(statementText(s)))
    .map((s) => ({ path: s.path, line: s.leaf }));
  const extra = actual
    .filter((a) => !intendedTexts.has(statementText(a)))
    .filter((a) => {
      for (let n = a.path.length; n >= 0; n--)
        if (defined.has(a.path.slice(0, n).join('\u0000'))) return true;
      return false;
    })
    .map((a) => ({ path: a.path, line: a.leaf }));
  return { compliant: !missing.length && !extra.length, missing, extra };
}

/** Compares an intended snippet with the actual (full) configuration. */
export function compliance(
  platform: Platform,
  intended: string,
  actual: string,
  options: ComplianceOptions = {},
): ComplianceResult {
  const i = normaliseConfig(platform, intended, options.extraRules);
  const a = normaliseConfig(platform, actual, options.extraRules);
  if (platform === 'juniper_junos') return junosCompliance(i, a, options.strict ?? false);
  const result = { missing: [] as ComplianceLine[], extra: [] as ComplianceLine[] };
  compareNodes(parseConfig(platform, i), parseConfig(platform, a), [], options.strict ?? false, result);
  return { compliant: !result.missing.length && !result.extra.length, ...result };
}
