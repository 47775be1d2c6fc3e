/**
 * Notification channels: how each provider wants a message (its body, its signature) and what its
 * answer means. The request building and answer reading are pure (unit-tested against the
 * providers' documented algorithms); `sendHttp` and `sendMail` do the I/O.
 *
 * - WEBHOOK: JSON body; `X-Switchboard-Timestamp` (seconds) and `X-Switchboard-Signature`
 *   (`sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` under the channel secret); `Idempotency-Key`
 *   (the delivery id, the same on every retry).
 * - DINGTALK custom robot: markdown; with a secret ("加签"), `timestamp` (ms) and `sign` =
 *   base64(HMAC-SHA256(key = secret, data = `<timestamp>\n<secret>`)) added to the URL.
 * - WECOM group robot: markdown; the key is in the URL.
 * - FEISHU / Lark custom bot: interactive card; with a secret, `timestamp` (s) and `sign` =
 *   base64(HMAC-SHA256(key = `<timestamp>\n<secret>`, data = '')) in the body.
 */
import { createHmac } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { FieldError } from '../../libs/common/src/errors';
import type { ChannelKind } from './alert-rules';

/** Stored encrypted (SecretBox), never returned: the URL carries the robot's token or key. */
export interface ChannelSecret {
  url?: string;
  secret?: string;
}

export interface ChannelSettings {
  /** EMAIL: addresses. */
  to?: string[];
  /** DINGTALK: mobiles to @ in the message. */
  atMobiles?: string[];
}

export interface OutgoingMessage {
  deliveryId: string;
  subject: string;
  body: string;
  /** Structured data for webhooks. */
  payload: Record<string, unknown>;
}

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SendOutcome {
  ok: boolean;
  /** A failure worth retrying (rate limited, provider busy, network). */
  retryable: boolean;
  statusCode: number | null;
  /** The provider's answer, truncated. */
  response: string | null;
  error: string | null;
}

export const dingtalkSign = (secret: string, timestampMs: number): string =>
  createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');

export const feishuSign = (secret: string, timestampSeconds: number): string =>
  createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');

export const webhookSignature = (secret: string, timestampSeconds: number, body: string): string =>
  'sha256=' + createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');

/** The request a message becomes on an HTTP channel. */
export function buildHttpRequest(
  kind: Exclude<ChannelKind, 'EMAIL'>,
  secret: ChannelSecret,
  settings: ChannelSettings,
  message: OutgoingMessage,
  now: Date,
): HttpRequest {
  const url = new URL(secret.url!);
  const json = { 'content-type': 'application/json; charset=utf-8' };
  switch (kind) {
    case 'WEBHOOK': {
      const body = JSON.stringify({
        id: message.deliveryId,
        subject: message.subject,
        text: message.body,
        ...message.payload,
      });
      const ts = Math.floor(now.getTime() / 1000);
      const headers: Record<string, string> = {
        ...json,
        'idempotency-key': message.deliveryId,
        'x-switchboard-timestamp': String(ts),
      };
      if (secret.secret) headers['x-switchboard-signature'] = webhookSignature(secret.secret, ts, body);
      return { url: url.toString(), headers, body };
    }
    case 'DINGTALK': {
      if (secret.secret) {
        const ts = now.getTime();
        url.searchParams.set('timestamp', String(ts));
        url.searchParams.set('sign', dingtalkSign(secret.secret, ts));
      }
      const at = settings.atMobiles ?? [];
      const mentions = at.length ? '\n\n' + at.map((m) => `@${m}`).join(' ') : '';
      const body = JSON.stringify({
        msgtype: 'markdown',
        markdown: { title: message.subject, text: `### ${message.subject}\n\n${message.body}${mentions}` },
        at: { atMobiles: at, isAtAll: false },
      });
      return { url: url.toString(), headers: json, body };
    }
    case 'WECOM':
      return {
        url: url.toString(),
        headers: json,
        body: JSON.stringify({
          msgtype: 'markdown',
          markdown: { content: `### ${message.subject}\n${message.body}` },
        }),
      };
    case 'FEISHU': {
      const signed: Record<string, string> = {};
      if (secret.secret) {
        const ts = Math.floor(now.getTime() / 1000);
        signed.timestamp = String(ts);
        signed.sign = feishuSign(secret.secret, ts);
      }
      const body = JSON.stringify({
        ...signed,
        msg_type: 'interactive',
        card: {
          header: { title: { tag: 'plain_text', content: message.subject } },
          elements: [{ tag: 'div', text: { tag: 'lark_md', content: message.body } }],
        },
      });
      return { url: url.toString(), headers: json, body };
    }
  }
}

/**
 * Messages a robot takes per minute (DingTalk and WeCom robots: 20; Feishu bots: 100). Over it a
 * delivery waits for a slot (a durable timer in its workflow) instead of being refused or dropped.
 */
export const RATE_LIMITS_PER_MINUTE: Partial<Record<ChannelKind, number>> = {
  DINGTALK: 20,
  WECOM: 20,
  FEISHU: 100,
};

/**
 * How long to wait before sending once more on a channel that took `limit` messages a minute,
 * given when its recent messages went out (any order): 0 when there is a free slot now.
 */
export function rateLimitWait(recent: readonly Date[], limit: number, now: Date, windowMs = 60_000): number {
  const inWindow = recent
    .map((d) => d.getTime())
    .filter((t) => t > now.getTime() - windowMs)
    .sort((a, b) => b - a);
  if (inWindow.length < limit) return 0;
  // The slot frees when the limit-th newest message leaves the window.
  return Math.max(1, inWindow[limit - 1] + windowMs - now.getTime());
}

/** Provider error codes that mean "slow down" or "busy": worth retrying later. */
const RETRYABLE_CODES: Record<string, number[]> = {
  // 130101: send too fast (20 a minute); -1: system busy.
  DINGTALK: [130101, -1],
  // 45009: API frequency out of limit; -1: system busy.
  WECOM: [45009, -1],
  // 11232: frequency limited; 9499 is a bad request and stays an error.
  FEISHU: [11232],
};

const MAX_RESPONSE = 2000;

/** What a provider's answer means. The robots answer HTTP 200 with an error code in the body. */
export function interpretResponse(kind: ChannelKind, statusCode: number, text: string): SendOutcome {
  const response = text.length > MAX_RESPONSE ? text.slice(0, MAX_RESPONSE) + '…' : text;
  const base = { statusCode, response };
  if (statusCode < 200 || statusCode >= 300) {
    const retryable = statusCode === 408 || statusCode === 429 || statusCode >= 500;
    return { ...base, ok: false, retryable, error: `HTTP ${statusCode}` };
  }
  if (kind === 'WEBHOOK' || kind === 'EMAIL') return { ...base, ok: true, retryable: false, error: null };
  let parsed: { errcode?: number; errmsg?: string; code?: number; msg?: string; StatusCode?: number };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return { ...base, ok: false, retryable: true, error: 'the answer is not JSON' };
  }
  const code = parsed.errcode ?? parsed.code ?? parsed.StatusCode ?? 0;
  if (code === 0) return { ...base, ok: true, retryable: false, error: null };
  return {
    ...base,
    ok: false,
    retryable: RETRYABLE_CODES[kind]?.includes(code) ?? false,
    error: `${kind} error ${code}: ${parsed.errmsg ?? parsed.msg ?? ''}`.trim(),
  };
}

/** Sends an HTTP request (10 s timeout); a network error is a retryable outcome, not a throw. */
export async function sendHttp(
  kind: ChannelKind,
  request: HttpRequest,
  timeoutMs = 10_000,
): Promise<SendOutcome> {
  try {
    const res = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    return interpretResponse(kind, res.status, await res.text());
  } catch (error) {
    // The URL holds the robot's token: never put it in the message.
    const cause = (error as Error & { cause?: { code?: string } }).cause?.code;
    return {
      ok: false,
      retryable: true,
      statusCode: null,
      response: null,
      error: `${(error as Error).name}${cause ? ` (${cause})` : ''}: could not reach the ${kind} endpoint`,
    };
  }
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Mails a message as text and HTML; the Message-ID derives from the delivery id (retries keep it). */
export async function sendMail(
  mailer: Transporter,
  from: string,
  to: string[],
  message: OutgoingMessage,
): Promise<SendOutcome> {
  try {
    const info = (await mailer.sendMail({
      from,
      to,
      subject: message.subject,
      text: message.body,
      html: `<div style="font-family:sans-serif;white-space:pre-wrap">${escapeHtml(message.body)}</div>`,
      messageId: `<${message.deliveryId}@switchboard.alerts>`,
    })) as { response?: string };
    return { ok: true, retryable: false, statusCode: null, response: info.response ?? null, error: null };
  } catch (error) {
    const e = error as Error & { responseCode?: number; response?: string };
    const permanent = e.responseCode !== undefined && e.responseCode >= 500;
    return {
      ok: false,
      retryable: !permanent,
      statusCode: e.responseCode ?? null,
      response: e.response?.slice(0, MAX_RESPONSE) ?? null,
      error: `mail not sent: ${e.message}`,
    };
  }
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/** What is wrong with a channel's settings and secret for its kind, each naming its field. */
export function channelProblems(
  kind: ChannelKind,
  settings: ChannelSettings,
  secret: ChannelSecret | null,
  creating: boolean,
): FieldError[] {
  const problems: FieldError[] = [];
  if (kind === 'EMAIL') {
    if (!settings.to?.length) problems.push({ field: 'to', message: 'an e-mail channel needs addresses' });
    settings.to?.forEach((a, i) => {
      if (!EMAIL.test(a)) problems.push({ field: `to[${i}]`, message: 'is not an e-mail address' });
    });
    if (secret?.url) problems.push({ field: 'url', message: 'an e-mail channel has no URL' });
    return problems;
  }
  if (settings.to?.length)
    problems.push({ field: 'to', message: `a ${kind} channel has no e-mail addresses` });
  if (settings.atMobiles?.length && kind !== 'DINGTALK') {
    problems.push({ field: 'atMobiles', message: 'only DingTalk robots @ mobiles' });
  }
  if (secret?.url === undefined) {
    if (creating) problems.push({ field: 'url', message: `a ${kind} channel needs its URL` });
    return problems;
  }
  let url: URL;
  try {
    url = new URL(secret.url);
  } catch {
    return [...problems, { field: 'url', message: 'is not a URL' }];
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push({ field: 'url', message: 'must be http or https' });
  } else if (kind === 'DINGTALK' && !url.searchParams.get('access_token')) {
    problems.push({ field: 'url', message: 'a DingTalk robot URL carries access_token' });
  } else if (kind === 'WECOM' && !url.searchParams.get('key')) {
    problems.push({ field: 'url', message: 'a WeCom robot URL carries key' });
  }
  return problems;
}
