/**
 * Textual and structural differences between two configurations of one device.
 *
 * - `unifiedDiff`: standard unified diff (jsdiff) of the texts; pass `platform` to normalise both
 *   first (volatile lines dropped), as backups are compared.
 * - `hierarchicalDiff`: differences per block. Sibling lines are compared as sets (vendors print
 *   them in their own canonical order, so order alone is not a change), except inside blocks
 *   whose entries are evaluated in order (ACLs, route-maps, Junos filter/policy terms), where a
 *   moved line shows as removed and added. Order-only changes elsewhere appear in the unified
 *   diff only.
 */
import { createTwoFilesPatch, diffArrays } from 'diff';
import type { Platform } from '../../common/src/platforms';
import { parseConfig } from './tree';
import type { ConfigNode } from './tree';
import { normaliseConfig } from './volatile';
import type { VolatileRule } from './volatile';

export interface UnifiedDiffOptions {
  fromLabel: string;
  toLabel: string;
  /** Lines of context around each hunk (default 3). */
  context?: number;
  /** When given, both texts are normalised for this platform first. */
  platform?: Platform;
  extraRules?: readonly VolatileRule[];
}

/**
 * Unified diff (`--- from`/`+++ to` headers, `@@` hunks). Returns '' when the texts are equal, so
 * "no change" needs no parsing. jsdiff's leading `====` line is left out.
 */
export function unifiedDiff(a: string, b: string, options: UnifiedDiffOptions): string {
  const from = options.platform ? normaliseConfig(options.platform, a, options.extraRules) : a;
  const to = options.platform ? normaliseConfig(options.platform, b, options.extraRules) : b;
  if (from === to) return '';
  const patch = createTwoFilesPatch(options.fromLabel, options.toLabel, from, to, undefined, undefined, {
    context: options.context ?? 3,
  });
  return patch.replace(/^=+\n/, '');
}

export interface HierarchicalChange {
  /** Parent lines, outermost first ([] for top level). */
  path: string[];
  added: string[];
  removed: string[];
}

const ORDERED_BLOCK =
  /^((ip|ipv6|mac) access-list |access-list |route-map |acl |traffic classifier |policy-statement |filter |prefix-list )/;

/** True when the order of the children of this block is significant to the device. */
export function isOrderedBlock(line: string): boolean {
  return ORDERED_BLOCK.test(line);
}

function countLines(nodes: readonly ConfigNode[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of nodes) m.set(n.line, (m.get(n.line) ?? 0) + 1);
  return m;
}

/** Nodes of `from` not matched in `to` (multiset difference, first occurrences matched first). */
function unmatched(from: readonly ConfigNode[], to: readonly ConfigNode[]): ConfigNode[] {
  const left = countLines(to);
  const out: ConfigNode[] = [];
  for (const n of from) {
    const c = left.get(n.line) ?? 0;
    if (c > 0) left.set(n.line, c - 1);
    else out.push(n);
  }
  return out;
}

function subtree(
  node: ConfigNode,
  path: string[],
  side: 'added' | 'removed',
  out: HierarchicalChange[],
): void {
  if (!node.children.length) return;
  const here = [...path, node.line];
  out.push({
    path: here,
    added: side === 'added' ? node.children.map((c) => c.line) : [],
    removed: side === 'removed' ? node.children.map((c) => c.line) : [],
  });
  for (const c of node.children) subtree(c, here, side, out);
}

/** Structural diff of two node lists (exported for compliance and plans). */
export function diffNodes(
  a: readonly ConfigNode[],
  b: readonly ConfigNode[],
  path: string[],
  ordered: boolean,
  out: HierarchicalChange[],
): void {
  let removed: ConfigNode[];
  let added: ConfigNode[];
  const pairs: [ConfigNode, ConfigNode][] = [];
  if (ordered) {
    removed = [];
    added = [];
    let i = 0;
    let j = 0;
    for (const part of diffArrays(
      a.map((n) => n.line),
      b.map((n) => n.line),
    )) {
      const count = part.count ?? part.value.length;
      if (part.removed) removed.push(...a.slice(i, (i += count)));
      else if (part.added) added.push(...b.slice(j, (j += count)));
      else for (let k = 0; k < count; k++) pairs.push([a[i++]!, b[j++]!]);
    }
  } else {
    removed = unmatched(a, b);
    added = unmatched(b, a);
    const pool = new Map<string, ConfigNode[]>();
    for (const n of a) if (!removed.includes(n)) pool.set(n.line, [...(pool.get(n.line) ?? []), n]);
    for (const n of b) {
      if (added.includes(n)) continue;
      const match = pool.get(n.line)?.shift();
      if (match) pairs.push([match, n]);
    }
  }
  if (added.length || removed.length)
    out.push({ path, added: added.map((n) => n.line), removed: removed.map((n) => n.line) });
  for (const [x, y] of pairs)
    if (x.children.length || y.children.length)
      diffNodes(x.children, y.children, [...path, y.line], isOrderedBlock(y.line), out);
  for (const n of removed) subtree(n, path, 'removed', out);
  for (const n of added) subtree(n, path, 'added', out);
}

/**
 * What changed from `a` to `b`, block by block. A changed line inside `interface Gi0/1` comes back
 * as `{ path: ['interface Gi0/1'], added: [...], removed: [...] }`; a new block comes back as the
 * block line added at its parent's path plus one entry per level for its contents.
 */
export function hierarchicalDiff(
  platform: Platform,
  a: string,
  b: string,
  extraRules?: readonly VolatileRule[],
): HierarchicalChange[] {
  const out: HierarchicalChange[] = [];
  diffNodes(
    parseConfig(platform, normaliseConfig(platform, a, extraRules)),
    parseConfig(platform, normaliseConfig(platform, b, extraRules)),
    [],
    false,
    out,
  );
  return out;
}
