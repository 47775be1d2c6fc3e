/**
 * Notification rounds and deliveries: the only code that writes `alert_deliveries` and
 * `alert_delivery_attempts`, and the notification columns of `alerts` (`level`, `notified_*`).
 *
 * A round is decided once and stored (one row per recipient, its subject and body rendered then), so
 * a retried activity finds the same deliveries and a retried delivery sends the same words with the
 * same idempotency key. A delivery already SENT is never sent again.
 */
import { DEFAULT_TIME_ZONE, type QuietHours } from '../accounts/profile-rules';
import { quietHoursWaitMs } from './quiet-hours';
import type { Transporter } from 'nodemailer';
import { temporalWorkflowUrl, type AppConfig } from '../../libs/config/src/config';
import type { SecretBox } from '../../libs/crypto/src/secret-box';
import { TemplateError } from '../../libs/templating/src';
import { inTransaction, type Db } from '../runs/run-log';
import {
  ALERT_LANGUAGES,
  levelAfter,
  recipientsOfLevel,
  type AlertLanguage,
  type ChannelKind,
  type Recipients,
} from './alert-rules';
import { transitionOutcome, type AlertStatus } from './alert-states';
import { ackUrl } from './ack-links';
import { getAlertRule, openChannel, type StoredAlertRule } from './alerts';
import {
  buildHttpRequest,
  RATE_LIMITS_PER_MINUTE,
  rateLimitWait,
  sendHttp,
  sendMail,
  type OutgoingMessage,
  type SendOutcome,
} from './channels';
import {
  DEFAULT_TEMPLATES,
  renderMessage,
  templateFor,
  type MessageInput,
  type RenderedMessage,
} from './messages';

/** Events shown in one message (the newest); the count says how many there are. */
export const EVENTS_PER_MESSAGE = 20;

export interface NotificationDeps {
  secrets: SecretBox;
  credentialsKey: Buffer;
  /** Base of acknowledge links (API_PUBLIC_URL); null: messages carry none. */
  publicUrl: string | null;
  /** Links to a run's workflow in the Temporal Web UI. */
  temporal: AppConfig['temporal'] | null;
  /** Outgoing mail (SMTP_URL); null: e-mail deliveries fail with a clear error. */
  mail: { mailer: Transporter; from: string } | null;
}

export interface RoundPlan {
  status: AlertStatus;
  /** This round's deliveries (empty when nothing was due). */
  deliveryIds: string[];
  /** Whether this round notified anyone (the workflow then moves to the next round). */
  notified: boolean;
  /** When to look again; null: the alert needs nothing more (acknowledged or resolved). */
  nextWakeMs: number | null;
}

interface AlertRow {
  id: string;
  rule_id: string;
  status: AlertStatus;
  severity: StoredAlertRule['severity'];
  level: number;
  event_count: number;
  first_at: Date;
  labels: Record<string, unknown>;
  notified_at: Date | null;
  notified_level: number | null;
  silenced_until: Date | null;
}

interface Target {
  recipient: string;
  level: number;
  kind: ChannelKind;
  language: AlertLanguage;
  channelId: string | null;
  userId: string | null;
}

/** The channels and people of some levels, one target each (the lowest level wins). */
async function targetsOf(db: Db, rule: StoredAlertRule, levels: number[]): Promise<Target[]> {
  const targets = new Map<string, Target>();
  for (const level of levels) {
    const r: Recipients = recipientsOfLevel(rule, level);
    const channels: { id: string; kind: ChannelKind; language: AlertLanguage }[] = r.channelIds.length
      ? await db.query(
          `SELECT id, kind, language FROM alert_channels WHERE id = ANY($1::uuid[]) AND enabled ORDER BY name`,
          [r.channelIds],
        )
      : [];
    for (const c of channels) {
      const recipient = `channel:${c.id}`;
      if (!targets.has(recipient))
        targets.set(recipient, {
          recipient,
          level,
          kind: c.kind,
          language: c.language,
          channelId: c.id,
          userId: null,
        });
    }
    // People get their mail in the language of their profile (the rule's when they saved none).
    const users: { id: string; language: string | null }[] =
      r.userIds.length || r.roles.length || r.approvers
        ? await db.query(
            `SELECT u.id, p.data->>'language' AS language FROM users u LEFT JOIN profiles p ON p.user_id = u.id
              WHERE u.deleted_at IS NULL AND u.status = 'ACTIVE' AND u.email IS NOT NULL
                AND (u.id = ANY($1::uuid[])
                     OR EXISTS (SELECT 1 FROM role_bindings b WHERE b.user_id = u.id AND b.role = ANY($2))
                     OR ($3 AND EXISTS (SELECT 1 FROM role_bindings b JOIN roles ro ON ro.name = b.role
                                         WHERE b.user_id = u.id AND 'changes:approve' = ANY(ro.permissions))))
              ORDER BY u.id`,
            [r.userIds, r.roles, !!r.approvers],
          )
        : [];
    for (const u of users) {
      const recipient = `user:${u.id}`;
      if (!targets.has(recipient))
        targets.set(recipient, {
          recipient,
          level,
          kind: 'EMAIL',
          language: (ALERT_LANGUAGES as readonly (string | null)[]).includes(u.language)
            ? (u.language as AlertLanguage)
            : rule.language,
          channelId: null,
          userId: u.id,
        });
    }
  }
  return [...targets.values()];
}

/** The alert as templates see it, with its newest events. */
export async function messageInputOf(
  db: Db,
  deps: Pick<NotificationDeps, 'credentialsKey' | 'publicUrl' | 'temporal'>,
  alert: AlertRow,
  rule: StoredAlertRule,
  now: Date,
): Promise<MessageInput> {
  const events: { kind: MessageInput['events'][0]['kind']; ts: Date; data: Record<string, unknown> }[] =
    await db.query(
      `SELECT kind, ts, data FROM alert_events WHERE alert_id = $1 ORDER BY ts DESC, id DESC LIMIT $2`,
      [alert.id, EVENTS_PER_MESSAGE],
    );
  return {
    rule: { name: rule.name, severity: rule.severity, eventKind: rule.eventKind },
    alert: {
      id: alert.id,
      status: alert.status,
      severity: alert.severity,
      level: alert.level,
      eventCount: alert.event_count,
      firstAt: alert.first_at,
      labels: alert.labels,
      ackUrl: deps.publicUrl ? ackUrl(deps.publicUrl, deps.credentialsKey, alert.id, now) : '',
    },
    // `link`: the run in the Temporal Web UI ('' for events that are not about a run).
    events: events.map((e) => ({
      kind: e.kind,
      ts: e.ts,
      data: { ...e.data, link: linkOf(deps, e.data) },
      labels: {},
    })),
  };
}

/** The rule's words, or the built-in ones when the rule's template fails on this alert. */
function wordsFor(
  rule: StoredAlertRule,
  kind: ChannelKind,
  language: AlertLanguage,
  input: MessageInput,
): RenderedMessage {
  try {
    return renderMessage(templateFor(rule.templates, kind, language), input, language);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    const fallback = renderMessage(DEFAULT_TEMPLATES[language], input, language);
    return { subject: fallback.subject, body: `${fallback.body}\n(${error.message})\n` };
  }
}

const linkOf = (deps: Pick<NotificationDeps, 'temporal'>, data: Record<string, unknown>): string =>
  deps.temporal && typeof data.workflowId === 'string'
    ? temporalWorkflowUrl(deps.temporal, data.workflowId)
    : '';

const msUntil = (at: number, now: Date) => Math.max(0, at - now.getTime());

/**
 * Decides round `round` of an alert: nothing (acknowledged, resolved, silenced, inside the group
 * window, nothing due yet), or its deliveries: everyone up to the current escalation level on the
 * first round and on each repeat, the new level's recipients when it escalates.
 */
export async function planRound(
  db: Db,
  deps: Pick<NotificationDeps, 'credentialsKey' | 'publicUrl' | 'temporal'>,
  input: { alertId: string; round: number },
  now = new Date(),
): Promise<RoundPlan> {
  return inTransaction(db, async (m) => {
    const [alert]: AlertRow[] = await m.query(`SELECT * FROM alerts WHERE id = $1 FOR UPDATE`, [
      input.alertId,
    ]);
    if (!alert) return { status: 'RESOLVED', deliveryIds: [], notified: false, nextWakeMs: null };
    const rule = await getAlertRule(m, alert.rule_id);
    const next = (a: AlertRow): number | null => {
      const times: number[] = [];
      if (rule.repeatIntervalSeconds > 0 && a.notified_at)
        times.push(a.notified_at.getTime() + rule.repeatIntervalSeconds * 1000);
      const escalation = rule.escalations[a.level];
      if (escalation) times.push(a.first_at.getTime() + escalation.afterSeconds * 1000);
      return times.length ? msUntil(Math.min(...times), now) : null;
    };
    const existing: { id: string }[] = await m.query(
      `SELECT id FROM alert_deliveries WHERE alert_id = $1 AND round = $2 ORDER BY recipient`,
      [alert.id, input.round],
    );
    if (existing.length) {
      return {
        status: alert.status,
        deliveryIds: existing.map((d) => d.id),
        notified: true,
        nextWakeMs: next(alert),
      };
    }
    if (alert.status === 'RESOLVED' || alert.status === 'ACKNOWLEDGED') {
      return { status: alert.status, deliveryIds: [], notified: false, nextWakeMs: null };
    }
    if (alert.status === 'SILENCED') {
      if (alert.silenced_until && alert.silenced_until > now) {
        return {
          status: alert.status,
          deliveryIds: [],
          notified: false,
          nextWakeMs: msUntil(alert.silenced_until.getTime(), now),
        };
      }
      if (transitionOutcome('silenceEnded', alert.status) === 'apply') {
        // Still firing and nobody took it: everyone is told again now, as on the first round.
        await m.query(`UPDATE alerts SET status = 'FIRING', notified_at = NULL WHERE id = $1`, [alert.id]);
        alert.status = 'FIRING';
        alert.notified_at = null;
      }
    }
    // Group window: the first message waits for the events that come together.
    const windowEnd = alert.first_at.getTime() + rule.groupWindowSeconds * 1000;
    if (!alert.notified_at && windowEnd > now.getTime()) {
      return { status: alert.status, deliveryIds: [], notified: false, nextWakeMs: msUntil(windowEnd, now) };
    }
    const level = Math.max(
      alert.level,
      levelAfter(rule.escalations, (now.getTime() - alert.first_at.getTime()) / 1000),
    );
    const all = Array.from({ length: level + 1 }, (_, i) => i);
    let levels: number[] = [];
    if (!alert.notified_at) levels = all;
    else if (level > (alert.notified_level ?? 0)) levels = all.slice((alert.notified_level ?? 0) + 1);
    else if (
      rule.repeatIntervalSeconds > 0 &&
      now.getTime() >= alert.notified_at.getTime() + rule.repeatIntervalSeconds * 1000
    )
      levels = all;
    if (levels.length === 0) {
      if (level !== alert.level)
        await m.query(`UPDATE alerts SET level = $2 WHERE id = $1`, [alert.id, level]);
      return {
        status: alert.status,
        deliveryIds: [],
        notified: false,
        nextWakeMs: next({ ...alert, level }),
      };
    }
    const notified = { ...alert, level, notified_at: now, notified_level: level };
    await m.query(`UPDATE alerts SET level = $2, notified_at = $3, notified_level = $2 WHERE id = $1`, [
      alert.id,
      level,
      now,
    ]);
    const message = await messageInputOf(m, deps, notified, rule, now);
    const ids: string[] = [];
    for (const t of await targetsOf(m, rule, levels)) {
      const words = wordsFor(rule, t.kind, t.language, message);
      const [row]: { id: string }[] = await m.query(
        `INSERT INTO alert_deliveries (alert_id, round, level, recipient, channel_id, user_id, kind, language, subject, body, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'PENDING') RETURNING id`,
        [
          alert.id,
          input.round,
          t.level,
          t.recipient,
          t.channelId,
          t.userId,
          t.kind,
          t.language,
          words.subject,
          words.body,
        ],
      );
      ids.push(row.id);
    }
    return { status: alert.status, deliveryIds: ids, notified: true, nextWakeMs: next(notified) };
  });
}

interface DeliveryRow {
  id: string;
  alert_id: string;
  round: number;
  level: number;
  channel_id: string | null;
  user_id: string | null;
  kind: ChannelKind;
  subject: string;
  body: string;
  status: 'PENDING' | 'SENT' | 'FAILED';
}

/**
 * Sends one delivery (unless it was sent already) and records the attempt; returns the outcome.
 * On a rate-limited channel with no free slot it sends nothing and says how long to wait (`waitMs`).
 */
export async function deliver(
  db: Db,
  deps: NotificationDeps,
  deliveryId: string,
  attempt: number,
): Promise<SendOutcome & { skipped?: boolean; waitMs?: number }> {
  const [d]: DeliveryRow[] = await db.query(`SELECT * FROM alert_deliveries WHERE id = $1`, [deliveryId]);
  if (!d || d.status !== 'PENDING') {
    return {
      ok: d?.status === 'SENT',
      retryable: false,
      statusCode: null,
      response: null,
      error: null,
      skipped: true,
    };
  }
  const limit = RATE_LIMITS_PER_MINUTE[d.kind];
  if (limit && d.channel_id) {
    const recent: { started_at: Date }[] = await db.query(
      `SELECT a.started_at FROM alert_delivery_attempts a JOIN alert_deliveries x ON x.id = a.delivery_id
        WHERE x.channel_id = $1 AND a.ok AND a.started_at > now() - interval '1 minute'
        ORDER BY a.started_at DESC LIMIT $2`,
      [d.channel_id, limit],
    );
    const waitMs = rateLimitWait(
      recent.map((r) => r.started_at),
      limit,
      new Date(),
    );
    if (waitMs > 0) {
      return {
        ok: false,
        retryable: true,
        statusCode: null,
        response: null,
        error: null,
        skipped: true,
        waitMs,
      };
    }
  }
  const quietMs = await quietWait(db, d, new Date());
  if (quietMs > 0) {
    return {
      ok: false,
      retryable: true,
      statusCode: null,
      response: null,
      error: null,
      skipped: true,
      waitMs: quietMs,
    };
  }
  const startedAt = new Date();
  const outcome = await send(db, deps, d, startedAt);
  const durationMs = Date.now() - startedAt.getTime();
  await inTransaction(db, async (m) => {
    await m.query(
      `INSERT INTO alert_delivery_attempts (delivery_id, attempt, started_at, duration_ms, ok, status_code, response, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [d.id, attempt, startedAt, durationMs, outcome.ok, outcome.statusCode, outcome.response, outcome.error],
    );
    await m.query(
      `UPDATE alert_deliveries SET attempts = attempts + 1, error = $2,
              status = CASE WHEN $3 THEN 'SENT' ELSE status END, sent_at = CASE WHEN $3 THEN now() ELSE sent_at END
        WHERE id = $1`,
      [d.id, outcome.error, outcome.ok],
    );
  });
  return outcome;
}

/**
 * How long a user's e-mail must wait for the quiet hours of their profile (in its time zone) to
 * end: 0 for channels, for alerts of severity CRITICAL, and outside quiet hours. docs/alerts.md.
 */
async function quietWait(db: Db, d: DeliveryRow, now: Date): Promise<number> {
  if (!d.user_id) return 0;
  const [row]: { severity: string; quiet: QuietHours | null; time_zone: string | null }[] = await db.query(
    `SELECT a.severity, p.data->'notifications'->'quietHours' AS quiet, p.data->>'timeZone' AS time_zone
       FROM alerts a LEFT JOIN profiles p ON p.user_id = $2 WHERE a.id = $1`,
    [d.alert_id, d.user_id],
  );
  if (!row || row.severity === 'CRITICAL') return 0;
  return quietHoursWaitMs(row.quiet, row.time_zone ?? DEFAULT_TIME_ZONE, now);
}

const failure = (error: string): SendOutcome => ({
  ok: false,
  retryable: false,
  statusCode: null,
  response: null,
  error,
});

async function send(db: Db, deps: NotificationDeps, d: DeliveryRow, now: Date): Promise<SendOutcome> {
  const [alert]: AlertRow[] = await db.query(`SELECT * FROM alerts WHERE id = $1`, [d.alert_id]);
  const rule = await getAlertRule(db, alert.rule_id);
  const message: OutgoingMessage = {
    deliveryId: d.id,
    subject: d.subject,
    body: d.body,
    payload: {
      alert: {
        id: alert.id,
        rule: rule.name,
        eventKind: rule.eventKind,
        status: alert.status,
        severity: alert.severity,
        level: d.level,
        round: d.round,
        labels: alert.labels,
        eventCount: alert.event_count,
        firstAt: alert.first_at,
      },
      events: (await messageInputOf(db, deps, alert, rule, now)).events.map((e) => ({
        kind: e.kind,
        ts: e.ts,
        ...e.data,
      })),
    },
  };
  if (d.user_id) {
    if (!deps.mail) return failure('e-mail is not configured (SMTP_URL is not set)');
    const [user]: { email: string | null }[] = await db.query(`SELECT email FROM users WHERE id = $1`, [
      d.user_id,
    ]);
    if (!user?.email) return failure('the user has no e-mail address');
    return sendMail(deps.mail.mailer, deps.mail.from, [user.email], message);
  }
  const channel = d.channel_id ? await openChannel(db, deps.secrets, d.channel_id) : null;
  if (!channel) return failure('the channel was deleted');
  if (channel.view.kind === 'EMAIL') {
    if (!deps.mail) return failure('e-mail is not configured (SMTP_URL is not set)');
    return sendMail(deps.mail.mailer, deps.mail.from, channel.settings.to ?? [], message);
  }
  if (!channel.secret.url) return failure('the channel has no URL');
  return sendHttp(
    channel.view.kind,
    buildHttpRequest(channel.view.kind, channel.secret, channel.settings, message, now),
  );
}

/** A delivery that failed for good (its attempts are used up or the provider refused it). */
export async function deliveryFailed(db: Db, deliveryId: string, error: string): Promise<void> {
  await db.query(
    `UPDATE alert_deliveries SET status = 'FAILED', error = $2 WHERE id = $1 AND status = 'PENDING'`,
    [deliveryId, error.slice(0, 2000)],
  );
}
