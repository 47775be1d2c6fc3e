/**
 * Configuration text → hierarchy.
 *
 * - Indentation vendors (cisco_ios, arista_eos, huawei, hp_comware): a line is a child of the
 *   nearest line above it with less indentation. A separator at column 0 (`!` on IOS/EOS, `#` on
 *   VRP/Comware) closes every open block, so Comware's indented global lines after `#`
 *   (` sysname X`) are top-level. `!`/`#` lines are comments/separators and are not nodes; the
 *   final `end` (IOS/EOS) or `return` (VRP/Comware) is not a node either. IOS/EOS multi-line
 *   banners (`banner motd ^C` … `^C`) become one node whose line holds the whole text.
 * - Junos: `name {` opens a container, `}` closes it, `leaf;` is a statement; `##`, `#` and
 *   `/* … *\/` comments are skipped; `inactive:`/`protect:` markers are dropped (documented gap:
 *   the marker itself is not compared).
 * - Linux: every non-empty, non-comment line is a top-level node.
 *
 * Lines are stored trimmed (indentation is the tree shape, not content).
 */
import type { Platform } from '../../common/src/platforms';

export interface ConfigNode {
  line: string;
  children: ConfigNode[];
  /** Junos only: written as `name { … }` (a container), even when empty. */
  container?: boolean;
}

export type ConfigStyle = 'indent' | 'brace' | 'flat';

export function styleOf(platform: Platform): ConfigStyle {
  if (platform === 'juniper_junos') return 'brace';
  if (platform === 'linux') return 'flat';
  return 'indent';
}

/** Separator/comment character for indentation vendors. */
export function separatorOf(platform: Platform): string {
  return platform === 'huawei' || platform === 'hp_comware' ? '#' : '!';
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function parseIndented(platform: Platform, lines: string[]): ConfigNode[] {
  const sep = separatorOf(platform);
  const terminator = sep === '#' ? 'return' : 'end';
  const root: ConfigNode[] = [];
  let stack: { indent: number; node: ConfigNode }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const text = raw.trim();
    if (!text) continue;
    const indent = indentOf(raw);
    // ASA comments start with `:` (`: Saved`, `: Serial Number: ...`, `: end`).
    if (text.startsWith('!') || text.startsWith('#') || (platform === 'cisco_asa' && text.startsWith(':'))) {
      if (indent === 0) stack = [];
      continue;
    }
    if (indent === 0 && text === terminator) {
      stack = [];
      continue;
    }
    let line = text;
    const banner = sep === '!' ? /^banner \S+ (\^C|\S)/.exec(text) : null;
    if (banner) {
      const delim = banner[1]!;
      const after = text.slice(banner[0].length);
      if (!after.includes(delim)) {
        const body = [text];
        while (++i < lines.length) {
          body.push(lines[i]!.replace(/\s+$/, ''));
          if (lines[i]!.includes(delim)) break;
        }
        line = body.join('\n');
      }
    }
    while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const node: ConfigNode = { line, children: [] };
    if (stack.length) stack[stack.length - 1]!.node.children.push(node);
    else root.push(node);
    stack.push({ indent, node });
  }
  return root;
}

function parseBraces(lines: string[]): ConfigNode[] {
  const root: ConfigNode[] = [];
  const stack: ConfigNode[][] = [root];
  let inComment = false;
  for (const raw of lines) {
    let text = raw.trim();
    if (inComment) {
      if (text.includes('*/')) inComment = false;
      continue;
    }
    if (text.startsWith('/*')) {
      if (!text.includes('*/')) inComment = true;
      continue;
    }
    if (!text || text.startsWith('#')) continue;
    text = text.replace(/^(inactive|protect): /, '');
    const here = stack[stack.length - 1]!;
    if (text === '}') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    if (text.endsWith('{')) {
      const node: ConfigNode = { line: text.slice(0, -1).trim(), children: [], container: true };
      here.push(node);
      stack.push(node.children);
      continue;
    }
    here.push({ line: text.replace(/;\s*$/, ''), children: [] });
  }
  return root;
}

/** Parses configuration text (normalise it first to drop volatile lines). */
export function parseConfig(platform: Platform, text: string): ConfigNode[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  switch (styleOf(platform)) {
    case 'brace':
      return parseBraces(lines);
    case 'flat':
      return lines
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
        .map((line) => ({ line, children: [] }));
    case 'indent':
      return parseIndented(platform, lines);
  }
}

/** Junos statement: the container path and the leaf (the `set` line is `[...path, leaf].join(' ')`). */
export interface JunosStatement {
  path: string[];
  leaf: string;
}

export function statementText(s: JunosStatement): string {
  return [...s.path, s.leaf].filter(Boolean).join(' ');
}

/** Flattens a Junos hierarchy into statements, depth first (leaves before sub-containers, as Junos prints). */
export function junosStatements(nodes: readonly ConfigNode[], path: string[] = []): JunosStatement[] {
  const out: JunosStatement[] = [];
  for (const n of nodes) {
    if (n.children.length) out.push(...junosStatements(n.children, [...path, n.line]));
    else if (n.container) out.push({ path: [...path, n.line], leaf: '' });
    else out.push({ path, leaf: n.line });
  }
  return out;
}

/** Whitespace-normalised `set` text of one statement line (`set ` prefix removed, quotes kept). */
export function normaliseSetLine(line: string): string {
  return (line.match(/"[^"]*"?|\S+/g) ?? []).join(' ').replace(/^set /, '');
}

/**
 * Parses a Junos snippet written either in braces or as `set` lines. `set` lines have no known
 * container path: each statement comes back with an empty path and the whole text as the leaf.
 */
export function parseJunosSnippet(text: string): { statements: JunosStatement[]; setForm: boolean } {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (lines.length && lines.every((l) => /^(set|delete) /.test(l))) {
    return {
      setForm: true,
      statements: lines
        .filter((l) => l.startsWith('set '))
        .map((l) => ({ path: [], leaf: normaliseSetLine(l) })),
    };
  }
  return { setForm: false, statements: junosStatements(parseConfig('juniper_junos', text)) };
}
