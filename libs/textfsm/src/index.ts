/**
 * Template index in the ntc-templates / TextFSM `clitable` layout, plus the public surface of the library.
 *
 * Index file (textfsm texttable.CsvToTable + clitable.IndexTable): the first non-blank line with its `#…`
 * comment removed is the header (`Template, Hostname, Platform, Command`); later lines starting with `#` are
 * comments; every other line is split on `,`, and lines with the wrong number of columns (blank lines
 * included) are silently dropped. Command cells expand `sh[[ow]]` to `sh(o(w)?)?`. Every non-Template cell is
 * a Python regex matched with `re.match`, i.e. anchored at the start but NOT at the end (a prefix match:
 * that is why ntc-templates lists longer commands first); pass `{ fullMatch: true }` to anchor both ends.
 * Attributes absent from the index header, empty cells and attributes not supplied are skipped; the first
 * matching row wins. A Template cell may list several templates separated by `:`; the first template's
 * rows are kept and later templates only add new columns, joined on the Key values (the first template
 * that declares Keys supplies them), or by row position when no template declares Keys (clitable
 * `TextTable.extend`).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { compilePythonRegex, translatePythonRegex } from './pyregex';
import { TextFsm } from './textfsm';
import type { CellValue, ParsedDict } from './textfsm';

export { TextFsm, TextFsmError, TextFsmTemplateError, splitLines } from './textfsm';
export type { CellValue, ListItem, ParsedDict, ParsedRow } from './textfsm';
export { translatePythonRegex, compilePythonRegex, PythonRegexError } from './pyregex';
export * from './facts';

export interface FindOptions {
  platform: string;
  command: string;
  hostname?: string;
}

export interface ParseOptions extends FindOptions {
  text: string;
}

export interface IndexParseResult {
  /** The Template cell of the matching index row (`a.textfsm` or `a.textfsm:b.textfsm`). */
  template: string;
  /** Absolute paths of the templates used, in order. */
  templates: string[];
  header: string[];
  rows: ParsedDict[];
}

export interface TemplateIndexOptions {
  /** Index file name inside the directory (default `index`). */
  indexFile?: string;
  /** Anchor Hostname/Platform/Command at both ends instead of clitable's prefix match. */
  fullMatch?: boolean;
}

export type TemplateIndexErrorCode = 'NO_TEMPLATE' | 'BAD_INDEX';

export class TemplateIndexError extends Error {
  constructor(
    readonly code: TemplateIndexErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TemplateIndexError';
  }
}

interface IndexRow {
  /** 1-based line in the index file. */
  line: number;
  cells: Record<string, string>;
  compiled: Record<string, RegExp | null>;
}

/** `sh[[ow]]` → `sh(o(w)?)?` (clitable `_Completion`). */
export function expandCompletion(command: string): string {
  return command.replace(/\[\[.+?\]\]/g, (m) => {
    const word = [...m.slice(2, -2)];
    return '(' + word.join('(') + ')?'.repeat(word.length);
  });
}

/** Splits the index text into header and rows exactly as texttable.CsvToTable does. */
export function parseIndexTable(text: string): {
  header: string[];
  rows: Array<{ line: number; cells: string[] }>;
} {
  const lines = text.split('\n');
  let i = 0;
  let headerStr = '';
  while (!headerStr && i < lines.length) headerStr = lines[i++]!.split('#')[0]!.trim();
  if (!headerStr) throw new TemplateIndexError('BAD_INDEX', 'index file has no header line');
  const header = headerStr.split(',').map((h) => h.trim());
  if (new Set(header).size !== header.length)
    throw new TemplateIndexError('BAD_INDEX', `duplicate header entry in ${headerStr}`);
  const rows: Array<{ line: number; cells: string[] }> = [];
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== header.length) continue;
    rows.push({ line: i + 1, cells });
  }
  return { header, rows };
}

export class TemplateIndex {
  private readonly rows: IndexRow[];
  private readonly fsmCache = new Map<string, TextFsm>();

  private constructor(
    readonly dir: string,
    readonly header: string[],
    rows: Array<{ line: number; cells: string[] }>,
    private readonly readTemplate: (absPath: string) => string,
    fullMatch: boolean,
  ) {
    if (!header.includes('Template'))
      throw new TemplateIndexError('BAD_INDEX', "Index file does not have 'Template' column.");
    this.rows = rows.map(({ line, cells }) => {
      const record: Record<string, string> = {};
      header.forEach((h, k) => (record[h] = cells[k]!));
      const compiled: Record<string, RegExp | null> = {};
      for (const h of header) {
        if (h === 'Template') continue;
        const raw = h === 'Command' ? expandCompletion(record[h]!) : record[h]!;
        if (!raw) {
          compiled[h] = null;
          continue;
        }
        try {
          if (fullMatch) {
            const t = translatePythonRegex(raw);
            compiled[h] = new RegExp(`(?:${t.source})$`, t.flags + 'y');
          } else compiled[h] = compilePythonRegex(raw, 'y');
        } catch (err) {
          throw new TemplateIndexError(
            'BAD_INDEX',
            `index line ${line}: invalid ${h} regex '${raw}': ${(err as Error).message}`,
          );
        }
      }
      return { line, cells: record, compiled };
    });
  }

  /** Reads `<dir>/index` (ntc-templates layout); templates are read lazily, on first use. */
  static load(dir: string, opts: TemplateIndexOptions = {}): TemplateIndex {
    const abs = path.resolve(dir);
    const text = readFileSync(path.join(abs, opts.indexFile ?? 'index'), 'utf8');
    return TemplateIndex.fromText(text, abs, (p) => readFileSync(p, 'utf8'), opts);
  }

  /** An index from its text; `readTemplate` gets absolute paths under `dir` (lets tests stay in memory). */
  static fromText(
    indexText: string,
    dir: string,
    readTemplate: (absPath: string) => string,
    opts: TemplateIndexOptions = {},
  ): TemplateIndex {
    const { header, rows } = parseIndexTable(indexText);
    return new TemplateIndex(path.resolve(dir), header, rows, readTemplate, opts.fullMatch ?? false);
  }

  /** Number of usable rows. */
  get size(): number {
    return this.rows.length;
  }

  private matchRow(opts: FindOptions): IndexRow | undefined {
    const attributes: Record<string, string> = { Command: opts.command, Platform: opts.platform };
    if (opts.hostname !== undefined) attributes.Hostname = opts.hostname;
    return this.rows.find((row) =>
      Object.entries(attributes).every(([key, value]) => {
        const re = row.compiled[key];
        if (!re) return true;
        re.lastIndex = 0;
        return re.test(value);
      }),
    );
  }

  /** Absolute paths of the templates of the first matching row ([] when none matches). */
  find(opts: FindOptions): string[] {
    const row = this.matchRow(opts);
    return row ? row.cells.Template!.split(':').map((t) => path.join(this.dir, t)) : [];
  }

  /** The compiled FSM for a template path (cached; TextFsm.parseText resets its state). */
  fsm(absPath: string): TextFsm {
    let fsm = this.fsmCache.get(absPath);
    if (!fsm) {
      fsm = new TextFsm(this.readTemplate(absPath));
      this.fsmCache.set(absPath, fsm);
    }
    return fsm;
  }

  /**
   * Parses command output with the matching templates (clitable ParseCmd). Throws TemplateIndexError
   * (NO_TEMPLATE) when no row matches, TextFsmTemplateError for a broken template, TextFsmError when a
   * template's Error action fires.
   */
  parse(opts: ParseOptions): IndexParseResult {
    const row = this.matchRow(opts);
    if (!row)
      throw new TemplateIndexError(
        'NO_TEMPLATE',
        `No template found for attributes: platform=${opts.platform} command=${JSON.stringify(opts.command)}` +
          (opts.hostname !== undefined ? ` hostname=${opts.hostname}` : ''),
      );
    const templates = row.cells.Template!.split(':').map((t) => path.join(this.dir, t));
    let keys: string[] = [];
    let header: string[] = [];
    let rows: ParsedDict[] = [];
    templates.forEach((tpl, n) => {
      const fsm = this.fsm(tpl);
      if (!keys.length) keys = fsm.valuesByAttrib('Key');
      const table = fsm.parseTextToDicts(opts.text);
      if (n === 0) {
        header = [...fsm.header];
        rows = table;
        return;
      }
      for (const k of keys)
        if (!header.includes(k)) throw new TemplateIndexError('BAD_INDEX', `Unknown key: '${k}' (${tpl})`);
      const extendWith = fsm.header.filter((h) => !header.includes(h));
      if (!extendWith.length) return;
      header.push(...extendWith);
      for (const r of rows) for (const c of extendWith) r[c] = '';
      if (!keys.length) {
        rows.slice(0, table.length).forEach((r, k) => {
          for (const c of extendWith) r[c] = table[k]![c]!;
        });
        return;
      }
      for (const r of rows) {
        const other = table.find((o) => keys.every((k) => same(r[k], o[k])));
        if (other) for (const c of extendWith) r[c] = other[c]!;
      }
    });
    return { template: row.cells.Template!, templates, header, rows };
  }
}

function same(a: CellValue | undefined, b: CellValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
