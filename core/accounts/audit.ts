import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import { storableString } from '../../libs/common/src/json';
import { inTransaction, type Db } from '../runs/run-log';
import type { AuditOutcome } from './account.entities';

/**
 * The audit log: append-only (a trigger refuses UPDATE and DELETE), and hash-chained: each row's
 * hash covers its content and the hash of the row before it, so an edited, deleted or inserted row
 * breaks the chain from there on (verifyAuditLog). The only code that writes `audit_log`.
 */

export interface AuditEvent {
  actorId: string | null;
  actorName: string | null;
  roles: string[];
  address: string | null;
  userAgent: string | null;
  /** mutation, login, logout, denied, token, account. */
  kind: string;
  operation: string;
  arguments: unknown;
  outcome: AuditOutcome;
  errorCode: string | null;
  durationMs: number | null;
}

export const GENESIS = '0'.repeat(64);

/** Keys whose values never reach the log: passwords, secrets, keys, tokens. */
const SECRET_KEY = /pass(word|phrase)?|secret|token|private.?key|credential.?value|otp|code$/i;
const REDACTED = '[redacted]';

/** A copy of `value` with every secret-looking field replaced (iteratively; deep input is cut off). */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 16) return '[too deep]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        storableString(k),
        SECRET_KEY.test(k) && v !== null && v !== undefined ? REDACTED : redact(v, depth + 1),
      ]),
    );
  }
  if (typeof value === 'string' && value.length > 2000)
    return storableString(`${value.slice(0, 2000)}… (${value.length} chars)`);
  if (typeof value === 'string') return storableString(value);
  return value;
}

/** JSON with object keys sorted (PostgreSQL's jsonb keeps its own key order). */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The row's canonical content, as hashed. */
function canonical(e: AuditEvent & { ts: string; prevHash: string }): string {
  return stable([
    e.ts,
    e.actorId,
    e.actorName,
    e.roles,
    e.address,
    e.userAgent,
    e.kind,
    e.operation,
    e.arguments ?? null,
    e.outcome,
    e.errorCode,
    e.durationMs,
    e.prevHash,
  ]);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Append one event (serialised: the chain has one order). */
export async function appendAudit(db: Db, event: AuditEvent): Promise<void> {
  await inTransaction(db, async (m) => {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('switchboard:audit_log'))`);
    const [last]: { hash: string }[] = await m.query(`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`);
    const prevHash = last?.hash ?? GENESIS;
    const [{ ts }]: { ts: string }[] = await m.query(
      `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts`,
    );
    // Through JSON once, so that what is hashed is what jsonb stores (no undefined, dates as text).
    const args = JSON.parse(JSON.stringify(redact(event.arguments ?? null)) ?? 'null') as unknown;
    const row = { ...event, arguments: args, ts, prevHash };
    await m.query(
      `INSERT INTO audit_log (ts, actor_id, actor_name, roles, address, user_agent, kind, operation, arguments,
                              outcome, error_code, duration_ms, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        ts,
        event.actorId,
        event.actorName,
        event.roles,
        event.address,
        event.userAgent?.slice(0, 500) ?? null,
        event.kind,
        event.operation,
        JSON.stringify(args),
        event.outcome,
        event.errorCode,
        event.durationMs,
        prevHash,
        sha256(canonical(row)),
      ],
    );
  });
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The first row whose hash or link does not match (an edit, a deletion, an insertion). */
  firstBadId: string | null;
  reason: string | null;
}

/** Walk the whole chain in order, in pages. */
export async function verifyAuditLog(dataSource: DataSource): Promise<AuditVerification> {
  let prevHash = GENESIS;
  let after = '0';
  let checked = 0;
  for (;;) {
    const rows: (Record<string, unknown> & {
      id: string;
      hash: string;
      prev_hash: string;
      ts_text: string;
    })[] = await dataSource.query(
      `SELECT *, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts_text FROM audit_log
          WHERE id > $1 ORDER BY id LIMIT 1000`,
      [after],
    );
    if (rows.length === 0) return { ok: true, checked, firstBadId: null, reason: null };
    for (const r of rows) {
      if (r.prev_hash !== prevHash) {
        return {
          ok: false,
          checked,
          firstBadId: r.id,
          reason: 'does not follow the row before it (a row was removed or inserted)',
        };
      }
      const expected = sha256(
        canonical({
          ts: r.ts_text,
          actorId: r.actor_id as string | null,
          actorName: r.actor_name as string | null,
          roles: r.roles as string[],
          address: r.address as string | null,
          userAgent: r.user_agent as string | null,
          kind: r.kind as string,
          operation: r.operation as string,
          arguments: r.arguments,
          outcome: r.outcome as AuditOutcome,
          errorCode: r.error_code as string | null,
          durationMs: r.duration_ms as number | null,
          prevHash: r.prev_hash,
        }),
      );
      if (expected !== r.hash)
        return { ok: false, checked, firstBadId: r.id, reason: 'its content was changed' };
      prevHash = r.hash;
      after = r.id;
      checked++;
    }
  }
}

export interface AuditQuery {
  since?: Date | null;
  until?: Date | null;
  user?: string | null;
  operation?: string | null;
  outcome?: string | null;
  first?: number | null;
  before?: string | null;
}

/** Entries newest first, filtered; `before` pages backwards by id. */
export function listAudit(db: Db, q: AuditQuery): Promise<(Record<string, unknown> & { id: string })[]> {
  const first = Math.min(Math.max(q.first ?? 100, 1), 1000);
  if (q.before != null && !/^[1-9]\d{0,17}$/.test(q.before)) {
    throw SwitchboardError.badInput('filter.before', 'must be the id of an audit entry (a positive integer)');
  }
  if (q.outcome != null && !['OK', 'ERROR', 'DENIED'].includes(q.outcome)) {
    throw SwitchboardError.badInput('filter.outcome', 'must be OK, ERROR or DENIED');
  }
  return db.query(
    `SELECT * FROM audit_log
      WHERE ($1::timestamptz IS NULL OR ts >= $1) AND ($2::timestamptz IS NULL OR ts < $2)
        AND ($3::text IS NULL OR lower(actor_name) = lower($3))
        AND ($4::text IS NULL OR operation ILIKE '%' || $4 || '%')
        AND ($5::text IS NULL OR outcome = $5)
        AND ($6::bigint IS NULL OR id < $6)
      ORDER BY id DESC LIMIT $7`,
    [
      q.since ?? null,
      q.until ?? null,
      q.user ?? null,
      q.operation ?? null,
      q.outcome ?? null,
      q.before ?? null,
      first,
    ],
  );
}

/** One CSV cell (RFC 4180); a cell a spreadsheet would run as a formula is quoted. */
export const csvCell = (value: unknown): string => {
  const text =
    value === null || value === undefined
      ? ''
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  // Cells a spreadsheet would run as a formula start with a quote.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** Entries as CSV (RFC 4180), one header line then one line per entry. */
export function auditCsv(rows: Record<string, unknown>[]): string {
  const columns = [
    'id',
    'ts',
    'actor_name',
    'roles',
    'address',
    'user_agent',
    'kind',
    'operation',
    'arguments',
    'outcome',
    'error_code',
    'duration_ms',
  ];
  return (
    [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n'
  );
}
