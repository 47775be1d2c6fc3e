import type { SimDevice } from '../device';

/**
 * What a command did. `mode`/`paging`/`empty` commands never trigger the hang fault; `output` and
 * `config` do. Output is lines joined with '\n' (the session turns them into '\r\n').
 */
export type CommandKind = 'mode' | 'paging' | 'empty' | 'output' | 'config' | 'error';

export interface CommandResult {
  kind: CommandKind;
  output: string;
  /** Ask for a password (not echoed) and continue with `check`. */
  password?: { prompt: string; check(password: string): CommandResult };
  /** Close the session after printing the output. */
  close?: boolean;
}

export const result = (kind: CommandKind, output = ''): CommandResult => ({ kind, output });

export interface PagerStyle {
  prompt: string;
  /** Written to remove the pager prompt before the next output. */
  erase: string;
}

export abstract class Shell {
  pagingOff = false;

  constructor(
    readonly device: SimDevice,
    readonly username: string,
  ) {}

  abstract readonly pager: PagerStyle | null;
  /** Post-login banner/MOTD lines ('\n'-joined, may be empty). */
  abstract banner(): string;
  abstract prompt(): string;
  /** Runs one input line (without the line terminator). */
  abstract execute(line: string): CommandResult;

  /** Text printed after the output of a command, before the user can type (normally the prompt). */
  trailer(_result: CommandResult): string {
    return this.prompt();
  }

  /** Caret under `column` of the typed line, as devices print it below the echoed command. */
  caret(column: number): string {
    return ' '.repeat(this.prompt().length + column) + '^';
  }

  get hostname(): string {
    return this.device.hostname;
  }
}

// ----------------------------------------------------------------------------------------------
// Command matching with abbreviations (`sh run`, `conf t`, `dis cur`).

export interface CommandSpec<T> {
  words: string[];
  id: T;
  /** 'none' (default): no arguments; 'any': optional; 'required': at least one. */
  args?: 'none' | 'any' | 'required';
}

export type MatchResult<T> =
  | { ok: true; id: T; args: string[]; words: string[] }
  | { ok: false; reason: 'invalid' | 'incomplete' | 'ambiguous'; column: number; token: string };

export interface Token {
  text: string;
  column: number;
}

export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  const re = /"[^"]*"?|\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push({ text: m[0], column: m.index });
  return out;
}

export function matchCommand<T>(line: string, specs: readonly CommandSpec<T>[]): MatchResult<T> {
  const tokens = tokenize(line);
  let cands = [...specs];
  for (let i = 0; ; i++) {
    const tok = tokens[i];
    const complete = cands.filter((s) => s.words.length === i);
    if (!tok) {
      const done = complete.find((s) => s.args !== 'required');
      if (done) return { ok: true, id: done.id, args: [], words: done.words };
      return { ok: false, reason: 'incomplete', column: line.length, token: '' };
    }
    const t = tok.text.toLowerCase();
    const next = cands.filter((s) => s.words.length > i && s.words[i]!.startsWith(t));
    if (next.length === 0) {
      const withArgs = complete.find((s) => s.args === 'any' || s.args === 'required');
      if (withArgs)
        return { ok: true, id: withArgs.id, args: tokens.slice(i).map((x) => x.text), words: withArgs.words };
      return { ok: false, reason: 'invalid', column: tok.column, token: tok.text };
    }
    const exact = next.filter((s) => s.words[i] === t);
    if (exact.length) cands = exact;
    else if (new Set(next.map((s) => s.words[i])).size > 1)
      return { ok: false, reason: 'ambiguous', column: tok.column, token: tok.text };
    else cands = next;
  }
}

/** Expands an abbreviated first word against a keyword list (`desc` → `description`). */
export function expandKeyword(word: string, keywords: readonly string[]): string | 'ambiguous' | null {
  const w = word.toLowerCase();
  if (keywords.includes(w)) return w;
  const found = keywords.filter((k) => k.startsWith(w));
  if (found.length === 1) return found[0]!;
  return found.length > 1 ? 'ambiguous' : null;
}

/** Applies `| include X`, `| exclude X`, `| begin X` (IOS/EOS) and `| include`/`| exclude` style filters. */
export function applyPipe(output: string, pipe: string | undefined): string {
  if (!pipe) return output;
  const m = /^\s*(\S+)\s+(.*)$/.exec(pipe);
  if (!m) return output;
  const op = m[1]!.toLowerCase();
  const pattern = m[2]!.trim();
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch {
    re = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
  const lines = output.split('\n');
  if ('include'.startsWith(op) || op === 'match') return lines.filter((l) => re.test(l)).join('\n');
  if ('exclude'.startsWith(op) || op === 'except') return lines.filter((l) => !re.test(l)).join('\n');
  if ('begin'.startsWith(op)) {
    const at = lines.findIndex((l) => re.test(l));
    return at < 0 ? '' : lines.slice(at).join('\n');
  }
  return output;
}

export function splitPipe(line: string): [string, string | undefined] {
  const at = line.indexOf(' | ');
  return at < 0 ? [line, undefined] : [line.slice(0, at), line.slice(at + 3)];
}
