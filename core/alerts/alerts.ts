/**
 * Alert rules, channels and alerts in the database: the only code that writes `alert_rules`,
 * `alert_channels` and the lifecycle columns of `alerts` (evaluator.ts creates alerts and their
 * events, notifications.ts the deliveries). Channel secrets are sealed with SecretBox, bound to
 * the channel's row, and never returned.
 */
import { randomUUID } from 'node:crypto';
import { SwitchboardError, type FieldError } from '../../libs/common/src/errors';
import {
  decodeCursor,
  encodeCursor,
  toConnection,
  type ConnectionShape,
} from '../../libs/common/src/pagination';
import type { SecretBox } from '../../libs/crypto/src/secret-box';
import { csvCell } from '../accounts/audit';
import { runVisibleCondition, scopeOfRequest } from '../accounts/device-scope';
import type { Principal } from '../accounts/principal';
import { scopeCondition } from '../accounts/scope-sql';
import { isUniqueViolation } from '../database/db-errors';
import { inTransaction, type Db } from '../runs/run-log';
import {
  ruleProblems,
  type AlertEventKind,
  type AlertFilters,
  type AlertLanguage,
  type AlertRule,
  type AlertSeverity,
  type ChannelKind,
  type Escalation,
  type MessageTemplate,
  type Recipients,
} from './alert-rules';
import { transitionOutcome, type AlertStatus, type AlertTransitionName } from './alert-states';
import { channelProblems, type ChannelSecret, type ChannelSettings } from './channels';
import { templateProblems } from './messages';

export const channelSecretContext = (id: string) => `alert-channel:${id}:secret`;

// ---------------------------------------------------------------------------------------------
// Rules

export interface AlertRuleInput {
  name: string;
  enabled?: boolean;
  eventKind: AlertEventKind;
  filters?: AlertFilters;
  severity: AlertSeverity;
  recipients: Partial<Recipients>;
  escalations?: (Partial<Recipients> & { afterSeconds: number })[];
  templates?: (Omit<MessageTemplate, 'channelKind'> & { channelKind?: ChannelKind | null })[];
  groupBy?: string[];
  groupWindowSeconds?: number;
  repeatIntervalSeconds?: number;
  language?: AlertLanguage;
}

interface RuleRow {
  id: string;
  name: string;
  enabled: boolean;
  event_kind: AlertEventKind;
  filters: AlertFilters;
  severity: AlertSeverity;
  recipients: Recipients;
  escalations: Escalation[];
  templates: MessageTemplate[];
  group_by: string[];
  group_window_seconds: number;
  repeat_interval_seconds: number;
  language: AlertLanguage;
  created_at: Date;
  updated_at: Date;
}

export type StoredAlertRule = AlertRule & { updatedAt: Date };

export function toRule(r: RuleRow): StoredAlertRule {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    eventKind: r.event_kind,
    filters: r.filters,
    severity: r.severity,
    recipients: { ...r.recipients, approvers: !!r.recipients.approvers },
    escalations: r.escalations.map((e) => ({ ...e, approvers: !!e.approvers })),
    templates: r.templates,
    groupBy: r.group_by,
    groupWindowSeconds: r.group_window_seconds,
    repeatIntervalSeconds: r.repeat_interval_seconds,
    language: r.language,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const recipientsOf = (r: Partial<Recipients>): Recipients => ({
  ...(r.approvers ? { approvers: true } : {}),
  userIds: [...new Set(r.userIds ?? [])],
  roles: [...new Set(r.roles ?? [])],
  channelIds: [...new Set(r.channelIds ?? [])],
});

/** Recipients that do not exist: unknown users, roles or channels, each naming its field. */
async function missingRecipients(db: Db, field: string, r: Recipients): Promise<FieldError[]> {
  const problems: FieldError[] = [];
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const known = async (sql: string, ids: string[]) =>
    new Set(((await db.query(sql, [ids])) as { id: string }[]).map((x) => x.id));
  const users = await known(
    `SELECT id::text AS id FROM users WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`,
    r.userIds.filter((id) => uuid.test(id)),
  );
  r.userIds.forEach((id, i) => {
    if (!users.has(id.toLowerCase()))
      problems.push({ field: `${field}.userIds[${i}]`, message: `no user ${id}` });
  });
  const roles = await known(`SELECT name AS id FROM roles WHERE name = ANY($1)`, r.roles);
  r.roles.forEach((name, i) => {
    if (!roles.has(name)) problems.push({ field: `${field}.roles[${i}]`, message: `no role ${name}` });
  });
  const channels = await known(
    `SELECT id::text AS id FROM alert_channels WHERE id = ANY($1::uuid[])`,
    r.channelIds.filter((id) => uuid.test(id)),
  );
  r.channelIds.forEach((id, i) => {
    if (!channels.has(id.toLowerCase()))
      problems.push({ field: `${field}.channelIds[${i}]`, message: `no alert channel ${id}` });
  });
  return problems;
}

/** The rule an input describes, checked: shape, templates, and that every recipient exists. */
async function checkedRule(db: Db, input: AlertRuleInput) {
  const rule = {
    name: input.name.trim(),
    enabled: input.enabled ?? true,
    eventKind: input.eventKind,
    filters: Object.fromEntries(
      Object.entries(input.filters ?? {}).filter(([, v]) => Array.isArray(v) && v.length > 0),
    ) as AlertFilters,
    severity: input.severity,
    recipients: recipientsOf(input.recipients),
    escalations: (input.escalations ?? []).map((e) => ({ afterSeconds: e.afterSeconds, ...recipientsOf(e) })),
    templates: (input.templates ?? []).map((t) => ({
      language: t.language,
      channelKind: t.channelKind ?? null,
      subject: t.subject,
      body: t.body,
    })),
    groupBy: input.groupBy ?? [],
    groupWindowSeconds: input.groupWindowSeconds ?? 0,
    repeatIntervalSeconds: input.repeatIntervalSeconds ?? 0,
    language: input.language ?? 'en',
  };
  const problems = [
    ...ruleProblems(rule),
    ...templateProblems(rule.templates, rule),
    ...(await missingRecipients(db, 'recipients', rule.recipients)),
  ];
  for (const [i, e] of rule.escalations.entries()) {
    problems.push(...(await missingRecipients(db, `escalations[${i}]`, e)));
  }
  if (problems.length) throw SwitchboardError.invalidFields(problems);
  return rule;
}

function ruleParams(rule: Awaited<ReturnType<typeof checkedRule>>): unknown[] {
  return [
    rule.name,
    rule.enabled,
    rule.eventKind,
    JSON.stringify(rule.filters),
    rule.severity,
    JSON.stringify(rule.recipients),
    JSON.stringify(rule.escalations),
    JSON.stringify(rule.templates),
    rule.groupBy,
    rule.groupWindowSeconds,
    rule.repeatIntervalSeconds,
    rule.language,
  ];
}

function nameTaken(error: unknown, what: string, name: string): never {
  if (isUniqueViolation(error)) throw SwitchboardError.conflict(`an ${what} named ${name} exists`, 'name');
  throw error;
}

export async function createAlertRule(db: Db, input: AlertRuleInput, createdBy: string | null) {
  const rule = await checkedRule(db, input);
  try {
    const [row]: RuleRow[] = await db.query(
      `INSERT INTO alert_rules (name, enabled, event_kind, filters, severity, recipients, escalations, templates,
                                group_by, group_window_seconds, repeat_interval_seconds, language, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
      [...ruleParams(rule), createdBy],
    );
    return toRule(row);
  } catch (error) {
    return nameTaken(error, 'alert rule', rule.name);
  }
}

/** Replaces a rule's definition; its open alerts keep going under the new one. */
export async function updateAlertRule(db: Db, id: string, input: AlertRuleInput) {
  await getAlertRule(db, id);
  const rule = await checkedRule(db, input);
  try {
    const [[row]]: [RuleRow[], number] = await db.query(
      `UPDATE alert_rules SET name = $2, enabled = $3, event_kind = $4, filters = $5, severity = $6, recipients = $7,
              escalations = $8, templates = $9, group_by = $10, group_window_seconds = $11,
              repeat_interval_seconds = $12, language = $13, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, ...ruleParams(rule)],
    );
    return toRule(row);
  } catch (error) {
    return nameTaken(error, 'alert rule', rule.name);
  }
}

/** Deletes a rule and its alerts' history. */
export async function deleteAlertRule(db: Db, id: string): Promise<boolean> {
  await getAlertRule(db, id);
  await db.query(`DELETE FROM alert_rules WHERE id = $1`, [id]);
  return true;
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export async function getAlertRule(db: Db, id: string): Promise<StoredAlertRule> {
  const rows: RuleRow[] = isUuid(id) ? await db.query(`SELECT * FROM alert_rules WHERE id = $1`, [id]) : [];
  if (!rows[0]) throw SwitchboardError.notFound('Alert rule', id);
  return toRule(rows[0]);
}

export async function listAlertRules(db: Db): Promise<StoredAlertRule[]> {
  const rows: RuleRow[] = await db.query(`SELECT * FROM alert_rules ORDER BY name`);
  return rows.map(toRule);
}

// ---------------------------------------------------------------------------------------------
// Channels

export interface AlertChannelInput {
  name: string;
  kind: ChannelKind;
  language?: AlertLanguage;
  enabled?: boolean;
  /** Write-only: the endpoint (it carries the robot's token or key). */
  url?: string;
  /** Write-only: the signing secret (webhook HMAC, DingTalk 加签, Feishu signature). */
  secret?: string;
  to?: string[];
  atMobiles?: string[];
}

export type AlertChannelPatch = Partial<Omit<AlertChannelInput, 'kind'>>;

export interface AlertChannelView {
  id: string;
  name: string;
  kind: ChannelKind;
  language: AlertLanguage;
  enabled: boolean;
  to: string[];
  atMobiles: string[];
  /** Whether a URL and a signing secret are stored (their values never leave the server). */
  hasUrl: boolean;
  signed: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface ChannelRow {
  id: string;
  name: string;
  kind: ChannelKind;
  language: AlertLanguage;
  enabled: boolean;
  settings: ChannelSettings & { hasUrl?: boolean; signed?: boolean };
  secret: string | null;
  created_at: Date;
  updated_at: Date;
}

function toChannel(r: ChannelRow): AlertChannelView {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    language: r.language,
    enabled: r.enabled,
    to: r.settings.to ?? [],
    atMobiles: r.settings.atMobiles ?? [],
    hasUrl: !!r.settings.hasUrl,
    signed: !!r.settings.signed,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A channel with its secret opened, for sending only (never for the API). */
export async function openChannel(
  db: Db,
  box: SecretBox,
  id: string,
): Promise<{ view: AlertChannelView; settings: ChannelSettings; secret: ChannelSecret } | null> {
  const rows: ChannelRow[] = await db.query(`SELECT * FROM alert_channels WHERE id = $1`, [id]);
  const r = rows[0];
  if (!r) return null;
  const secret = r.secret
    ? (JSON.parse(box.decrypt(r.secret, channelSecretContext(r.id))) as ChannelSecret)
    : {};
  return { view: toChannel(r), settings: r.settings, secret };
}

export async function getAlertChannel(db: Db, id: string): Promise<AlertChannelView> {
  const rows: ChannelRow[] = isUuid(id)
    ? await db.query(`SELECT * FROM alert_channels WHERE id = $1`, [id])
    : [];
  if (!rows[0]) throw SwitchboardError.notFound('Alert channel', id);
  return toChannel(rows[0]);
}

export async function listAlertChannels(db: Db): Promise<AlertChannelView[]> {
  const rows: ChannelRow[] = await db.query(`SELECT * FROM alert_channels ORDER BY name`);
  return rows.map(toChannel);
}

function sealed(box: SecretBox, id: string, secret: ChannelSecret) {
  const settings = { hasUrl: !!secret.url, signed: !!secret.secret };
  const empty = !secret.url && !secret.secret;
  return { settings, envelope: empty ? null : box.encrypt(JSON.stringify(secret), channelSecretContext(id)) };
}

export async function createAlertChannel(
  db: Db,
  box: SecretBox,
  input: AlertChannelInput,
  createdBy: string | null,
): Promise<AlertChannelView> {
  const settings: ChannelSettings = { to: input.to ?? [], atMobiles: input.atMobiles ?? [] };
  const secret: ChannelSecret = { url: input.url, secret: input.secret };
  const problems = channelProblems(input.kind, settings, secret, true);
  if (problems.length) throw SwitchboardError.invalidFields(problems);
  const id = randomUUID();
  const { settings: flags, envelope } = sealed(box, id, secret);
  try {
    const [row]: ChannelRow[] = await db.query(
      `INSERT INTO alert_channels (id, name, kind, language, enabled, settings, secret, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        id,
        input.name.trim(),
        input.kind,
        input.language ?? 'en',
        input.enabled ?? true,
        JSON.stringify({ ...settings, ...flags }),
        envelope,
        createdBy,
      ],
    );
    return toChannel(row);
  } catch (error) {
    return nameTaken(error, 'alert channel', input.name);
  }
}

/** Changes what is given; `url` and `secret` replace the stored ones (an empty secret removes it). */
export async function updateAlertChannel(
  db: Db,
  box: SecretBox,
  id: string,
  patch: AlertChannelPatch,
): Promise<AlertChannelView> {
  return inTransaction(db, async (m) => {
    const rows: ChannelRow[] = isUuid(id)
      ? await m.query(`SELECT * FROM alert_channels WHERE id = $1 FOR UPDATE`, [id])
      : [];
    const current = rows[0];
    if (!current) throw SwitchboardError.notFound('Alert channel', id);
    const secret: ChannelSecret = current.secret
      ? (JSON.parse(box.decrypt(current.secret, channelSecretContext(id))) as ChannelSecret)
      : {};
    if (patch.url !== undefined) secret.url = patch.url;
    if (patch.secret !== undefined) secret.secret = patch.secret || undefined;
    const settings: ChannelSettings = {
      to: patch.to ?? current.settings.to ?? [],
      atMobiles: patch.atMobiles ?? current.settings.atMobiles ?? [],
    };
    const problems = channelProblems(current.kind, settings, patch.url !== undefined ? secret : null, false);
    if (problems.length) throw SwitchboardError.invalidFields(problems);
    const { settings: flags, envelope } = sealed(box, id, secret);
    try {
      const [[row]]: [ChannelRow[], number] = await m.query(
        `UPDATE alert_channels SET name = $2, language = $3, enabled = $4, settings = $5, secret = $6, updated_at = now()
          WHERE id = $1 RETURNING *`,
        [
          id,
          patch.name?.trim() ?? current.name,
          patch.language ?? current.language,
          patch.enabled ?? current.enabled,
          JSON.stringify({ ...settings, ...flags }),
          envelope,
        ],
      );
      return toChannel(row);
    } catch (error) {
      return nameTaken(error, 'alert channel', patch.name ?? current.name);
    }
  });
}

/** Refused (CONFLICT, naming the rules) while a rule sends to the channel. */
export async function deleteAlertChannel(db: Db, id: string): Promise<boolean> {
  await getAlertChannel(db, id);
  const users: { name: string }[] = await db.query(
    `SELECT name FROM alert_rules
      WHERE recipients->'channelIds' ? $1
         OR EXISTS (SELECT 1 FROM jsonb_array_elements(escalations) e WHERE e->'channelIds' ? $1)
      ORDER BY name`,
    [id],
  );
  if (users.length) {
    throw SwitchboardError.conflict(
      `alert rules send to this channel: ${users.map((u) => u.name).join(', ')}`,
      'id',
    );
  }
  await db.query(`DELETE FROM alert_channels WHERE id = $1`, [id]);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Alerts

export interface AlertView {
  id: string;
  ruleId: string;
  ruleName: string;
  groupKey: string;
  labels: Record<string, unknown>;
  status: AlertStatus;
  severity: AlertSeverity;
  level: number;
  eventCount: number;
  firstAt: Date;
  lastAt: Date;
  notifiedAt: Date | null;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  acknowledgedVia: string | null;
  silencedUntil: Date | null;
  silenceReason: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolveReason: string | null;
}

const ALERT_COLUMNS = `a.id, a.rule_id AS "ruleId", r.name AS "ruleName", a.group_key AS "groupKey", a.labels,
  a.status, a.severity, a.level, a.event_count AS "eventCount", a.first_at AS "firstAt", a.last_at AS "lastAt",
  a.notified_at AS "notifiedAt", a.acknowledged_at AS "acknowledgedAt", a.acknowledged_by AS "acknowledgedBy",
  a.acknowledged_via AS "acknowledgedVia", a.silenced_until AS "silencedUntil", a.silence_reason AS "silenceReason",
  a.resolved_at AS "resolvedAt", a.resolved_by AS "resolvedBy", a.resolve_reason AS "resolveReason"`;

/**
 * The alerts (alias `a`) a principal may read: with alerts:read everywhere, all; with it bound to
 * sites or tags, those whose every device event is about a device inside them and every run or
 * approval event about a run it may see (runs:read rules); node and channel events are not about
 * devices. Without a principal (the worker, a signed link): all.
 */
function alertVisibleCondition(
  principal: Principal | null | undefined,
  first: number,
): { sql: string; params: unknown[] } {
  const scope = scopeOfRequest(principal, 'alerts:read');
  if (scope.all) return { sql: 'TRUE', params: [] };
  const device = scopeCondition(scope, 'd', first);
  const run = runVisibleCondition(scope, principal!.userId, 'r', first + device.params.length);
  return {
    sql: `NOT EXISTS (SELECT 1 FROM alert_events e WHERE e.alert_id = a.id AND NOT (CASE
            WHEN e.kind IN ('DEVICE_DOWN', 'DEVICE_UP') THEN EXISTS (
              SELECT 1 FROM devices d WHERE d.id::text = e.data->>'deviceId' AND ${device.sql})
            WHEN e.kind IN ('RUN_FINISHED', 'STEP_AWAITING_APPROVAL') THEN EXISTS (
              SELECT 1 FROM runs r WHERE r.id::text = e.data->>'runId' AND ${run.sql})
            ELSE TRUE END))`,
    params: [...device.params, ...run.params],
  };
}

/** NOT_FOUND when there is no such alert, or the principal may not read it. */
export async function getAlert(db: Db, id: string, principal?: Principal | null): Promise<AlertView> {
  const visible = alertVisibleCondition(principal, 2);
  const rows: AlertView[] = isUuid(id)
    ? await db.query(
        `SELECT ${ALERT_COLUMNS} FROM alerts a JOIN alert_rules r ON r.id = a.rule_id
          WHERE a.id = $1 AND ${visible.sql}`,
        [id, ...visible.params],
      )
    : [];
  if (!rows[0]) throw SwitchboardError.notFound('Alert', id);
  return rows[0];
}

export interface AlertQuery {
  first: number;
  after?: string;
  statuses?: AlertStatus[];
  ruleId?: string;
  severities?: AlertSeverity[];
  /** Matches the rule name, the grouping key or an event's summary data (case-insensitive). */
  search?: string;
  since?: Date;
  until?: Date;
}

/** Alert history, newest first, with filters; keyset-paginated on (first_at, id). */
export async function listAlerts(
  db: Db,
  q: AlertQuery,
  principal?: Principal | null,
): Promise<ConnectionShape<AlertView>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const visible = alertVisibleCondition(principal, 1);
  params.push(...visible.params);
  where.push(visible.sql);
  if (q.statuses?.length) where.push(`a.status = ANY(${p(q.statuses)})`);
  if (q.severities?.length) where.push(`a.severity = ANY(${p(q.severities)})`);
  if (q.ruleId) where.push(isUuid(q.ruleId) ? `a.rule_id = ${p(q.ruleId)}` : 'false');
  if (q.since) where.push(`a.first_at >= ${p(q.since)}`);
  if (q.until) where.push(`a.first_at < ${p(q.until)}`);
  if (q.search) {
    const like = p(`%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(
      `(r.name ILIKE ${like} OR a.group_key ILIKE ${like} OR EXISTS (
         SELECT 1 FROM alert_events e WHERE e.alert_id = a.id AND e.data::text ILIKE ${like}))`,
    );
  }
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [{ count }]: { count: string }[] = await db.query(
    `SELECT count(*) FROM alerts a JOIN alert_rules r ON r.id = a.rule_id ${filter}`,
    params,
  );
  const page = [...where];
  if (q.after) {
    const [at, id] = decodeCursor(q.after, 2);
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    if (
      typeof at !== 'string' ||
      !iso.test(at) ||
      Number.isNaN(Date.parse(at)) ||
      typeof id !== 'string' ||
      !isUuid(id)
    ) {
      throw SwitchboardError.badInput('after', 'is not a cursor returned by this API');
    }
    page.push(`(a.first_at, a.id) < (${p(String(at))}::timestamptz, ${p(String(id))}::uuid)`);
  }
  const rows: AlertView[] = await db.query(
    `SELECT ${ALERT_COLUMNS} FROM alerts a JOIN alert_rules r ON r.id = a.rule_id
      ${page.length ? `WHERE ${page.join(' AND ')}` : ''}
      ORDER BY a.first_at DESC, a.id DESC LIMIT ${p(q.first + 1)}`,
    params,
  );
  return toConnection(rows, q.first, Number(count), (a) => encodeCursor([a.firstAt.toISOString(), a.id]));
}

/** Exports hold at most this many alerts (the newest). */
export const EXPORT_LIMIT = 10_000;

/** Alert history as CSV (RFC 4180): one line per alert, newest first, with its deliveries counted. */
export async function alertsCsv(
  db: Db,
  q: Omit<AlertQuery, 'first' | 'after'>,
  principal?: Principal | null,
): Promise<string> {
  const page = await listAlerts(db, { ...q, first: EXPORT_LIMIT }, principal);
  const alerts = page.edges.map((e) => e.node);
  const counts: { alert_id: string; sent: number; failed: number }[] = alerts.length
    ? await db.query(
        `SELECT alert_id, count(*) FILTER (WHERE status = 'SENT')::int AS sent,
                count(*) FILTER (WHERE status = 'FAILED')::int AS failed
           FROM alert_deliveries WHERE alert_id = ANY($1::uuid[]) GROUP BY alert_id`,
        [alerts.map((a) => a.id)],
      )
    : [];
  const byAlert = new Map(counts.map((c) => [c.alert_id, c]));
  const columns = [
    'id',
    'rule',
    'status',
    'severity',
    'level',
    'events',
    'first_at',
    'last_at',
    'group_key',
    'acknowledged_at',
    'acknowledged_via',
    'silenced_until',
    'silence_reason',
    'resolved_at',
    'resolve_reason',
    'deliveries_sent',
    'deliveries_failed',
  ];
  const lines = alerts.map((a) =>
    [
      a.id,
      a.ruleName,
      a.status,
      a.severity,
      a.level,
      a.eventCount,
      a.firstAt,
      a.lastAt,
      a.groupKey,
      a.acknowledgedAt,
      a.acknowledgedVia,
      a.silencedUntil,
      a.silenceReason,
      a.resolvedAt,
      a.resolveReason,
      byAlert.get(a.id)?.sent ?? 0,
      byAlert.get(a.id)?.failed ?? 0,
    ]
      .map(csvCell)
      .join(','),
  );
  return [columns.join(','), ...lines].join('\r\n') + '\r\n';
}

export interface AlertEventView {
  id: string;
  kind: AlertEventKind;
  subject: string;
  ts: Date;
  data: Record<string, unknown>;
  clearedAt: Date | null;
}

export function alertEvents(db: Db, alertId: string, last = 200): Promise<AlertEventView[]> {
  return db.query(
    `SELECT * FROM (SELECT id, kind, subject, ts, data, cleared_at AS "clearedAt" FROM alert_events
       WHERE alert_id = $1 ORDER BY ts DESC, id DESC LIMIT $2) e ORDER BY ts, id`,
    [alertId, last],
  );
}

export interface DeliveryView {
  id: string;
  round: number;
  level: number;
  recipient: string;
  channelId: string | null;
  userId: string | null;
  kind: ChannelKind;
  language: AlertLanguage;
  subject: string;
  status: 'PENDING' | 'SENT' | 'FAILED';
  attemptCount: number;
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface DeliveryAttemptView {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  ok: boolean;
  statusCode: number | null;
  response: string | null;
  error: string | null;
}

export function alertDeliveries(db: Db, alertId: string): Promise<DeliveryView[]> {
  return db.query(
    `SELECT id, round, level, recipient, channel_id AS "channelId", user_id AS "userId", kind, language, subject,
            status, attempts AS "attemptCount", error, created_at AS "createdAt", sent_at AS "sentAt"
       FROM alert_deliveries WHERE alert_id = $1 ORDER BY round, recipient`,
    [alertId],
  );
}

export function deliveryAttempts(db: Db, deliveryId: string): Promise<DeliveryAttemptView[]> {
  return db.query(
    `SELECT attempt, started_at AS "startedAt", duration_ms AS "durationMs", ok, status_code AS "statusCode",
            response, error FROM alert_delivery_attempts WHERE delivery_id = $1 ORDER BY id`,
    [deliveryId],
  );
}

/**
 * Applies a lifecycle transition under a row lock. Refused (CONFLICT, naming the status) when the
 * alert cannot take it; a no-op when it is already done. Returns the alert and whether it changed.
 */
export async function transitionAlert(
  db: Db,
  id: string,
  name: AlertTransitionName,
  set: Record<string, unknown>,
): Promise<{ alert: AlertView; changed: boolean }> {
  return inTransaction(db, async (m) => {
    const rows: { status: AlertStatus }[] = isUuid(id)
      ? await m.query(`SELECT status FROM alerts WHERE id = $1 FOR UPDATE`, [id])
      : [];
    if (!rows[0]) throw SwitchboardError.notFound('Alert', id);
    const outcome = transitionOutcome(name, rows[0].status);
    if (outcome === 'refuse') {
      throw SwitchboardError.conflict(`the alert is ${rows[0].status}: it cannot be ${PAST[name]}`, 'id');
    }
    if (outcome === 'apply') {
      const cols = Object.keys(set);
      await m.query(
        `UPDATE alerts SET status = $2${cols.map((c, i) => `, ${c} = $${i + 3}`).join('')} WHERE id = $1`,
        [id, TARGET[name], ...cols.map((c) => set[c])],
      );
    }
    return { alert: await getAlert(m, id), changed: outcome === 'apply' };
  });
}

const PAST: Record<AlertTransitionName, string> = {
  acknowledge: 'acknowledged',
  silence: 'silenced',
  silenceEnded: 'unsilenced',
  resolve: 'resolved',
};
const TARGET: Record<AlertTransitionName, AlertStatus> = {
  acknowledge: 'ACKNOWLEDGED',
  silence: 'SILENCED',
  silenceEnded: 'FIRING',
  resolve: 'RESOLVED',
};

export function acknowledgeAlert(db: Db, id: string, by: { userId: string | null; via: 'api' | 'link' }) {
  return transitionAlert(db, id, 'acknowledge', {
    acknowledged_at: new Date(),
    acknowledged_by: by.userId,
    acknowledged_via: by.via,
  });
}

export function silenceAlert(db: Db, id: string, until: Date, reason: string, userId: string | null) {
  if (until.getTime() <= Date.now()) throw SwitchboardError.badInput('until', 'must be in the future');
  if (!reason.trim()) throw SwitchboardError.badInput('reason', 'say why the alert is silenced');
  return transitionAlert(db, id, 'silence', {
    silenced_until: until,
    silence_reason: reason.trim(),
    silenced_by: userId,
  });
}

export function resolveAlert(db: Db, id: string, reason: string | null, userId: string | null) {
  if (reason && reason.length > 1000) throw SwitchboardError.badInput('reason', 'at most 1000 characters');
  return transitionAlert(db, id, 'resolve', {
    resolved_at: new Date(),
    resolved_by: userId,
    resolve_reason: reason?.trim() || 'resolved by hand',
  });
}
