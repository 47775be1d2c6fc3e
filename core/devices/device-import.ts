import { isIP } from 'node:net';
import { parse as parseCsv } from 'csv-parse/sync';
import { isUUID } from 'class-validator';
import { SwitchboardError } from '../../libs/common/src/errors';
import { MAX_JSON_DEPTH, TOO_DEEP_RULE, inputValueProblem } from '../../libs/common/src/json';
import { checkName as checkNameRule } from '../../libs/common/src/names';
import { PLATFORMS, isPlatform, type Platform } from '../../libs/common/src/platforms';

/**
 * Pure device rules and the bulk-import parser: no Nest, no database. The service looks up
 * credentials and existing names, then hands them in as a `RowContext`.
 */

export const DEVICE_NAME_MAX = 128;
export const DEVICE_NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const DEVICE_NAME_RULE = `must be 1 to ${DEVICE_NAME_MAX} characters of letters, digits, '.', '_', ':' or '-'`;
export const HOST_RULE = 'must be a hostname or an IP address';
export const PORT_RULE = 'must be an integer between 1 and 65535';
export const PLATFORM_RULE = `must be one of: ${PLATFORMS.join(', ')}`;
export const SITE_MAX = 128;
export const CREDENTIAL_NAME_MAX = 128;
/** A tag: a name (libs/common/src/names.ts) without spaces, ',', ';' or '|' (the import's separators). */
export const TAG_MAX = 64;
export const TAG_PATTERN = /^[^\s;|,\p{Cc}]{1,64}$/u;
export const TAG_RULE = "must each be 1 to 64 characters without spaces, ',', ';' or '|'";
export const TAGS_MAX = 64;
export const ENABLE_SECRET_MAX = 1024;
export const IMPORT_MAX_ROWS = 10_000;

export type Check<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const bad = (message: string): Check<never> => ({ ok: false, message });

const isBlank = (value: unknown) => value === undefined || value === null || value === '';

/** RFC 1123 hostname (optionally with a trailing dot) or an IPv4/IPv6 address. */
export function isHost(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  if (isIP(value) !== 0) return true;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (!labels.every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label))) return false;
  // A numeric last label is a mistyped IPv4 address (10.0.0.256), never a top-level domain.
  return !/^\d+$/.test(labels[labels.length - 1]);
}

/** A device name: the name rule (trimmed, ...) and DEVICE_NAME_PATTERN. */
export function checkName(value: unknown): Check<string> {
  if (isBlank(value)) return bad('is required');
  const name = checkNameRule(value, {
    max: DEVICE_NAME_MAX,
    pattern: DEVICE_NAME_PATTERN,
    rule: DEVICE_NAME_RULE,
  });
  return name.ok ? name : bad(typeof value === 'string' ? name.message : DEVICE_NAME_RULE);
}

export function checkHost(value: unknown): Check<string> {
  if (isBlank(value)) return bad('is required');
  return isHost(value) ? ok(value) : bad(HOST_RULE);
}

/** Port from a number or a decimal string; blank means the SSH default, 22. */
export function checkPort(value: unknown): Check<number> {
  if (isBlank(value)) return ok(22);
  const port = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value;
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535
    ? ok(port)
    : bad(PORT_RULE);
}

export function checkPlatform(value: unknown): Check<Platform> {
  if (isBlank(value)) return bad(`is required and ${PLATFORM_RULE}`);
  return isPlatform(value) ? ok(value) : bad(PLATFORM_RULE);
}

/**
 * Site is optional; absent, null or "" means none. Otherwise a name (libs/common/src/names.ts):
 * stored trimmed, so that " a " is site "a"; whitespace only is an error, not a site.
 */
export function checkSite(value: unknown): Check<string | null> {
  if (isBlank(value)) return ok(null);
  const site = checkNameRule(value, { max: SITE_MAX });
  return site.ok ? site : bad(site.message);
}

/** A credential's name as an import row refers to it: a name (trimmed). */
export function checkCredentialName(value: unknown): Check<string> {
  const name = checkNameRule(value, { max: CREDENTIAL_NAME_MAX });
  return name.ok ? name : bad(name.message);
}

/** Tags from an array or from one string separated by ';' or '|'. Order kept, duplicates removed. */
export function checkTags(value: unknown): Check<string[]> {
  if (isBlank(value)) return ok([]);
  let tags: unknown[];
  if (typeof value === 'string') tags = value.split(/[;|]/).map((t) => t.trim());
  else if (Array.isArray(value)) tags = value.map((t) => (typeof t === 'string' ? t.trim() : t));
  else return bad('must be a list of strings or a string separated by ";" or "|"');
  const nonEmpty = tags.filter((t) => t !== '');
  if (!nonEmpty.every((t): t is string => typeof t === 'string' && TAG_PATTERN.test(t))) return bad(TAG_RULE);
  const unique = [...new Set(nonEmpty)];
  return unique.length <= TAGS_MAX ? ok(unique) : bad(`must be at most ${TAGS_MAX} tags`);
}

/** Enable secret: blank means "not given". The value is never echoed in a message. */
export function checkEnableSecret(value: unknown): Check<string | null> {
  if (isBlank(value)) return ok(null);
  if (typeof value !== 'string') return bad('must be a string');
  return value.length <= ENABLE_SECRET_MAX
    ? ok(value)
    : bad(`must be at most ${ENABLE_SECRET_MAX} characters`);
}

// ---------------------------------------------------------------------------------------------
// Import documents
// ---------------------------------------------------------------------------------------------

export type ImportFormatName = 'JSON' | 'CSV';

/** The column names of an import, as written in a CSV header (case-insensitive) or as JSON keys. */
export const IMPORT_COLUMNS = [
  'name',
  'host',
  'port',
  'platform',
  'site',
  'tags',
  'credential',
  'enable_secret',
] as const;
const REQUIRED_CSV_COLUMNS = ['name', 'host', 'platform', 'credential'] as const;
/** Extra JSON keys, lower-cased, and the column they stand for. */
const JSON_KEY_ALIASES: Record<string, string> = {
  credentialid: 'credentialId',
  credential_id: 'credentialId',
  enablesecret: 'enable_secret',
};

export interface ImportRowError {
  /** 1-based data row: the first row after a CSV header, or the first element of a JSON array. */
  row: number;
  name: string | null;
  field: string | null;
  message: string;
}

export interface RawImportRow {
  row: number;
  values: Record<string, unknown>;
  /** Problems found while reading the row (wrong number of CSV values, unknown JSON keys). */
  problems: { field: string | null; message: string }[];
}

/** Reads a whole document. A malformed document is one BAD_USER_INPUT on `data` with a line number. */
export function parseImportDocument(format: ImportFormatName, data: string): RawImportRow[] {
  const rows = format === 'CSV' ? parseCsvDocument(data) : parseJsonDocument(data);
  if (rows.length === 0) throw SwitchboardError.badInput('data', 'contains no device rows');
  if (rows.length > IMPORT_MAX_ROWS) {
    throw SwitchboardError.badInput(
      'data',
      `has ${rows.length} rows; import at most ${IMPORT_MAX_ROWS} at a time`,
    );
  }
  return rows;
}

const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted value is not closed',
  INVALID_OPENING_QUOTE: 'a quote appears inside an unquoted value',
  CSV_INVALID_CLOSING_QUOTE: 'unexpected character after a closing quote',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'unexpected character after a closing quote',
  CSV_MAX_RECORD_SIZE: 'a row is too large',
};

function parseCsvDocument(data: string): RawImportRow[] {
  let header: string[] = [];
  let records: { record: Record<string, string | undefined>; info: { lines: number; error?: unknown } }[];
  try {
    records = parseCsv(data, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      columns: (names: string[]) => {
        header = names.map((n) => String(n).trim().toLowerCase());
        return header;
      },
    }) as typeof records;
  } catch (error) {
    const e = error as { code?: string; lines?: number };
    // The parser's own message can quote the offending value (maybe a secret): say what, not what it was.
    const what = (e.code && CSV_ERRORS[e.code]) ?? `malformed CSV${e.code ? ` (${e.code})` : ''}`;
    throw SwitchboardError.badInput('data', `invalid CSV at line ${e.lines ?? 1}: ${what}`);
  }
  if (header.length === 0) throw SwitchboardError.badInput('data', 'contains no device rows');
  checkHeader(header);
  return records.map(({ record, info }, index) => {
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (key !== '') values[key] = value;
    const problems: RawImportRow['problems'] = [];
    if (info.error) {
      const given = (info.error as { record?: unknown[] }).record?.length;
      problems.push({
        field: null,
        message: `line ${info.lines}: has ${given ?? 'a different number of'} values but the header has ${header.length} columns`,
      });
    }
    return { row: index + 1, values, problems };
  });
}

function checkHeader(header: string[]): void {
  const named = header.filter((h) => h !== '');
  const unknown = named.filter((h) => !(IMPORT_COLUMNS as readonly string[]).includes(h));
  if (unknown.length) {
    throw SwitchboardError.badInput(
      'data',
      `line 1: unknown column(s) ${unknown.map((u) => `"${u}"`).join(', ')}; columns are ${IMPORT_COLUMNS.join(', ')}`,
    );
  }
  const repeated = named.filter((h, i) => named.indexOf(h) !== i);
  if (repeated.length) {
    throw SwitchboardError.badInput(
      'data',
      `line 1: column(s) ${[...new Set(repeated)].join(', ')} appear more than once`,
    );
  }
  const missing = REQUIRED_CSV_COLUMNS.filter((c) => !named.includes(c));
  if (missing.length)
    throw SwitchboardError.badInput('data', `line 1: missing required column(s) ${missing.join(', ')}`);
}

function parseJsonDocument(data: string): RawImportRow[] {
  let document: unknown;
  try {
    document = JSON.parse(data);
  } catch (error) {
    const found = locateJsonError(data) ?? {
      line: 1,
      column: 1,
      reason: (error as Error).message.split(',')[0],
    };
    throw SwitchboardError.badInput(
      'data',
      `invalid JSON at line ${found.line}, column ${found.column}: ${found.reason}`,
    );
  }
  const problem = inputValueProblem(document, '');
  if (problem) {
    throw SwitchboardError.badInput(
      'data',
      problem.field ? `${problem.field}: ${problem.message}` : problem.message,
    );
  }
  const list =
    document !== null && typeof document === 'object' && !Array.isArray(document) && 'devices' in document
      ? (document as { devices: unknown }).devices
      : document;
  if (!Array.isArray(list)) {
    throw SwitchboardError.badInput(
      'data',
      'JSON must be an array of device objects (or {"devices": [...]})',
    );
  }
  return list.map((item: unknown, index) => {
    const row = index + 1;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return { row, values: {}, problems: [{ field: null, message: 'must be a JSON object' }] };
    }
    const values: Record<string, unknown> = {};
    const problems: RawImportRow['problems'] = [];
    for (const [rawKey, value] of Object.entries(item)) {
      const lower = rawKey.toLowerCase();
      const key = JSON_KEY_ALIASES[lower] ?? lower;
      if (key !== 'credentialId' && !(IMPORT_COLUMNS as readonly string[]).includes(key)) {
        problems.push({
          field: rawKey,
          message: `is not a device field; fields are ${IMPORT_COLUMNS.join(', ')}, credentialId`,
        });
      } else if (key in values) {
        problems.push({ field: rawKey, message: 'is given more than once' });
      } else {
        values[key] = typeof value === 'string' ? value.trim() : value;
      }
    }
    return { row, values, problems };
  });
}

/**
 * Finds where a JSON document stops being valid, as a 1-based line and column. JSON.parse on
 * Node 20 does not always report a position and may quote the input, so we scan it ourselves.
 */
export function locateJsonError(text: string): { line: number; column: number; reason: string } | null {
  let i = 0;
  class Stop extends Error {}
  const fail = (reason: string): never => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    const column = i - before.lastIndexOf('\n');
    throw Object.assign(new Stop(reason), { line, column });
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const describe = () => (i >= text.length ? 'unexpected end of input' : `unexpected character '${text[i]}'`);
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i];
      if (c === '"') return void i++;
      if (c < ' ') fail('control character in string');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape in string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('bad escape in string');
      } else i++;
    }
  };
  // Recursion stops at MAX_JSON_DEPTH: deeper text is refused there (with its position) anyway.
  const value = (depth = 0): void => {
    space();
    const c = text[i];
    if ((c === '{' || c === '[') && depth >= MAX_JSON_DEPTH) fail(TOO_DEEP_RULE);
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe()}`);
        string();
        space();
        if (text[i] !== ':') fail(`expected ':' after a property name, found ${describe()}`);
        i++;
        value(depth + 1);
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail(`expected ',' or '}' after a property value, found ${describe()}`);
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (;;) {
        value(depth + 1);
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail(`expected ',' or ']' after an array element, found ${describe()}`);
      }
    }
    if (c === '"') return string();
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = i;
    if (number.test(text)) return void (i = number.lastIndex);
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) return void (i += literal.length);
    }
    fail(`expected a value, found ${describe()}`);
  };
  try {
    value();
    space();
    if (i < text.length) fail('unexpected content after the JSON value');
    return null;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const { line, column } = error as Stop & { line: number; column: number };
    return { line, column, reason: error.message };
  }
}

// ---------------------------------------------------------------------------------------------
// Row validation
// ---------------------------------------------------------------------------------------------

export interface RowContext {
  /** Credential id by exact name. */
  credentialIdsByName: ReadonlyMap<string, string>;
  /** Ids of the credentials that exist (for JSON `credentialId`). */
  credentialIds: ReadonlySet<string>;
  /** Id of the existing device with each name. */
  existingDeviceIdsByName: ReadonlyMap<string, string>;
  /** Names held by devices the importer may not read (a scoped principal): "not available", never "exists". */
  unavailableNames?: ReadonlySet<string>;
  upsert: boolean;
}

export interface PlannedDevice {
  row: number;
  /** Set when the row updates an existing device (upsert). */
  existingId: string | null;
  name: string;
  host: string;
  port: number;
  platform: Platform;
  site: string | null;
  tags: string[];
  credentialId: string;
  /** Null means "not given": a new device has none, an updated device keeps its own. */
  enableSecret: string | null;
}

export interface ImportPlan {
  devices: PlannedDevice[];
  errors: ImportRowError[];
  failed: number;
}

/** Names of credentials and devices the rows mention, so the caller can look them up. */
export function referencedNames(rows: RawImportRow[]): {
  credentialNames: string[];
  credentialIds: string[];
  deviceNames: string[];
} {
  // Only what passes its rule is looked up: the rows with anything else are reported, and a
  // string PostgreSQL refuses (a NUL) never reaches a query.
  const valid = (key: string, check: (value: unknown) => Check<string>) => [
    ...new Set(
      rows.flatMap((r) => {
        const checked = isBlank(r.values[key]) ? undefined : check(r.values[key]);
        return checked?.ok ? [checked.value] : [];
      }),
    ),
  ];
  return {
    credentialNames: valid('credential', checkCredentialName),
    credentialIds: valid('credentialId', (v) =>
      typeof v === 'string' && isUUID(v, 'all') ? ok(v) : bad(''),
    ),
    deviceNames: valid('name', checkName),
  };
}

/** Validates every row on its own; a row with any problem is reported and not written. */
export function planImport(rows: RawImportRow[], context: RowContext): ImportPlan {
  const devices: PlannedDevice[] = [];
  const errors: ImportRowError[] = [];
  const firstRowByName = new Map<string, number>();
  let failed = 0;
  for (const raw of rows) {
    const v = raw.values;
    const name = typeof v.name === 'string' && v.name !== '' ? v.name : null;
    const rowErrors: ImportRowError[] = raw.problems.map((p) => ({
      row: raw.row,
      name,
      field: p.field,
      message: p.message,
    }));
    const report = (field: string, message: string) => rowErrors.push({ row: raw.row, name, field, message });
    const take = <T>(field: string, check: Check<T>): T | undefined => {
      if (check.ok) return check.value;
      report(field, check.message);
      return undefined;
    };

    const checkedName = take('name', checkName(v.name));
    let existingId: string | null = null;
    if (checkedName !== undefined) {
      const first = firstRowByName.get(checkedName);
      if (first !== undefined) report('name', `duplicates the name in row ${first}`);
      else {
        firstRowByName.set(checkedName, raw.row);
        if (context.unavailableNames?.has(checkedName))
          report(
            'name',
            `the name "${checkedName}" is not available (device names are unique across all sites): choose another`,
          );
        else {
          existingId = context.existingDeviceIdsByName.get(checkedName) ?? null;
          if (existingId && !context.upsert)
            report('name', `device "${checkedName}" already exists (set upsert to update it)`);
        }
      }
    } else if (name !== null && !firstRowByName.has(name)) {
      firstRowByName.set(name, raw.row);
    }
    const host = take('host', checkHost(v.host));
    const port = take('port', checkPort(v.port));
    const platform = take('platform', checkPlatform(v.platform));
    const site = take('site', checkSite(v.site));
    const tags = take('tags', checkTags(v.tags));
    const enableSecret = take('enable_secret', checkEnableSecret(v.enable_secret));
    const credentialId = resolveCredential(v, context, report);

    if (rowErrors.length > 0) {
      errors.push(...rowErrors);
      failed++;
      continue;
    }
    devices.push({
      row: raw.row,
      existingId,
      name: checkedName!,
      host: host!,
      port: port!,
      platform: platform!,
      site: site!,
      tags: tags!,
      credentialId: credentialId!,
      enableSecret: enableSecret!,
    });
  }
  return { devices, errors, failed };
}

function resolveCredential(
  values: Record<string, unknown>,
  context: RowContext,
  report: (field: string, message: string) => void,
): string | undefined {
  const byName = values.credential;
  const byId = values.credentialId;
  let fromName: string | undefined;
  let fromId: string | undefined;
  if (!isBlank(byName)) {
    const name = typeof byName === 'string' ? checkCredentialName(byName) : undefined;
    if (!name) report('credential', 'must be the name of a credential');
    else if (!name.ok) report('credential', name.message);
    else {
      fromName = context.credentialIdsByName.get(name.value);
      if (!fromName) report('credential', `no credential named "${name.value}"`);
    }
  }
  if (!isBlank(byId)) {
    if (typeof byId !== 'string' || !isUUID(byId, 'all')) report('credentialId', 'must be a UUID');
    else if (!context.credentialIds.has(byId)) report('credentialId', `no credential with id ${byId}`);
    else fromId = byId;
  }
  if (isBlank(byName) && isBlank(byId)) {
    report('credential', 'is required (the name of an existing credential)');
    return undefined;
  }
  if (fromName && fromId && fromName !== fromId) {
    report('credentialId', 'names a different credential than "credential"');
    return undefined;
  }
  return fromName ?? fromId;
}
