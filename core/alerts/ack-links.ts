import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed acknowledge links in messages: `<API_PUBLIC_URL>/alerts/ack?alert=<id>&exp=<ms>&sig=<mac>`,
 * the MAC an HMAC-SHA256 of `<id>.<exp>` under a key derived from CREDENTIALS_KEY. Opening the link
 * shows a page with a button (a GET never acknowledges: chat apps and mail scanners prefetch links);
 * the button POSTs the same three values.
 */
export const ACK_LINK_TTL_MS = 7 * 24 * 3600_000;
export const ACK_PATH = '/alerts/ack';

const linkKey = (credentialsKey: Buffer) =>
  createHmac('sha256', credentialsKey).update('switchboard:alert-ack-links').digest();

export function ackSignature(credentialsKey: Buffer, alertId: string, expiresAtMs: number): string {
  return createHmac('sha256', linkKey(credentialsKey))
    .update(`${alertId}.${expiresAtMs}`)
    .digest('base64url');
}

export function ackUrl(base: string, credentialsKey: Buffer, alertId: string, now: Date): string {
  const exp = now.getTime() + ACK_LINK_TTL_MS;
  const q = new URLSearchParams({
    alert: alertId,
    exp: String(exp),
    sig: ackSignature(credentialsKey, alertId, exp),
  });
  return `${base}${ACK_PATH}?${q.toString()}`;
}

/** Whether a link's values are genuine and not expired. */
export function verifyAck(
  credentialsKey: Buffer,
  values: { alert?: unknown; exp?: unknown; sig?: unknown },
  now: Date,
): values is { alert: string; exp: string; sig: string } {
  const { alert, exp, sig } = values;
  if (typeof alert !== 'string' || typeof exp !== 'string' || typeof sig !== 'string') return false;
  if (!/^\d{1,15}$/.test(exp) || Number(exp) < now.getTime()) return false;
  const expected = Buffer.from(ackSignature(credentialsKey, alert, Number(exp)));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
