import { createTransport, type Transporter } from 'nodemailer';
import type { DataSource } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import { hashSecret, newSecret } from './secrets';

/** How long an e-mailed password-reset link works. */
export const RESET_LINK_TTL_MS = 30 * 60_000;
/** How long an invitation link works. */
export const INVITE_LINK_TTL_MS = 72 * 3_600_000;
/** Prefix of a reset link's token (lets secret scanners recognise it). */
export const RESET_PREFIX = 'sbr_';
/** Prefix of an invitation link's token. */
export const INVITE_PREFIX = 'sbi_';
/** The one answer for an unknown, used, replaced or expired link. */
export const BAD_LINK =
  'the link is unknown, already used, replaced by a newer one or expired: ask for a new one';

export type LinkPurpose = 'reset' | 'invite';

/** What each kind of link is: its token's prefix, how long it works, the path the mail points to. */
export const LINKS: Record<LinkPurpose, { prefix: string; ttlMs: number; path: string }> = {
  reset: { prefix: RESET_PREFIX, ttlMs: RESET_LINK_TTL_MS, path: '/auth/password-reset' },
  invite: { prefix: INVITE_PREFIX, ttlMs: INVITE_LINK_TTL_MS, path: '/auth/invite' },
};

/** The link a user opens: `${base}/auth/password-reset?token=…` (base: API_PUBLIC_URL or this API). */
export function linkUrl(base: string, path: string, token: string): string {
  return `${base.replace(/\/+$/, '')}${path}?token=${encodeURIComponent(token)}`;
}

/** The body of POST /auth/password-reset: {username} or {email} (one of them, a non-empty string). */
export function readResetRequest(body: unknown): { login: string } {
  const b = (body && typeof body === 'object' ? body : {}) as { username?: unknown; email?: unknown };
  const value = b.username ?? b.email;
  if (typeof value !== 'string' || !value.trim())
    throw SwitchboardError.badInput('username', 'is required (or email): the account to reset');
  return { login: value.trim().toLowerCase().slice(0, 254) };
}

/** {token, password} of a link's confirmation: both strings, else a named field error. */
export function readLinkConfirmation(body: unknown): { token: string; password: string } {
  const b = (body && typeof body === 'object' ? body : {}) as { token?: unknown; password?: unknown };
  const fields = [];
  if (typeof b.token !== 'string' || !b.token) fields.push({ field: 'token', message: 'is required' });
  if (typeof b.password !== 'string' || !b.password)
    fields.push({ field: 'password', message: 'is required' });
  if (fields.length) throw SwitchboardError.invalidFields(fields);
  return { token: (b.token as string).slice(0, 200), password: b.password as string };
}

/** A new link for the user: any earlier unused one of the same purpose is revoked. The token is returned once. */
export async function createLink(
  db: DataSource,
  userId: string,
  purpose: LinkPurpose,
  createdBy: string | null,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret(LINKS[purpose].prefix);
  const expiresAt = new Date(Date.now() + LINKS[purpose].ttlMs);
  await db.transaction(async (m) => {
    await m.query(
      `UPDATE account_links SET revoked_at = now()
        WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND revoked_at IS NULL`,
      [userId, purpose],
    );
    await m.query(
      `INSERT INTO account_links (token_hash, user_id, purpose, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [hashSecret(token), userId, purpose, createdBy, expiresAt],
    );
  });
  return { token, expiresAt };
}

/** The user a live link stands for, or null. Does not spend it. */
export async function linkUser(db: DataSource, token: string, purpose: LinkPurpose): Promise<string | null> {
  const rows: { user_id: string }[] = await db.query(
    `SELECT user_id FROM account_links WHERE token_hash = $1 AND purpose = $2
        AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()`,
    [hashSecret(token), purpose],
  );
  return rows[0]?.user_id ?? null;
}

/** Spend a live link (once: a second caller gets null). */
export async function useLink(db: DataSource, token: string, purpose: LinkPurpose): Promise<string | null> {
  // TypeORM answers an UPDATE … RETURNING as [rows, count].
  const [rows]: [{ user_id: string }[], number] = await db.query(
    `UPDATE account_links SET used_at = now() WHERE token_hash = $1 AND purpose = $2
        AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING user_id`,
    [hashSecret(token), purpose],
  );
  return rows[0]?.user_id ?? null;
}

/** The active human user with an e-mail address whose username or address is `login`, or null. */
export async function resettableUser(
  db: DataSource,
  login: string,
): Promise<{ id: string; username: string; email: string } | null> {
  const rows: { id: string; username: string; email: string }[] = await db.query(
    `SELECT id, username, email FROM users
      WHERE (username = $1 OR lower(email) = $1) AND status = 'ACTIVE' AND kind = 'human'
        AND deleted_at IS NULL AND email IS NOT NULL
      ORDER BY (username = $1) DESC LIMIT 1`,
    [login],
  );
  return rows[0] ?? null;
}

/** The base of links when API_PUBLIC_URL is not set: this API as the request reached it. */
export function baseUrlOf(publicUrl: string | null, host: string | undefined, secure: boolean): string {
  return publicUrl ?? `${secure ? 'https' : 'http'}://${host ?? 'localhost'}`;
}

/** Creates reset and invitation links and mails them (SMTP_URL); shared by the endpoints and the resolver. */
export class AccountLinksService {
  private readonly mailer: Transporter | null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly smtp: { url: string; from: string } | null,
  ) {
    this.mailer = smtp ? createTransport(smtp.url) : null;
  }

  get mailConfigured(): boolean {
    return !!this.mailer;
  }

  /** Refuses, naming `field`, when the server sends no mail (SMTP_URL not set). */
  requireMail(field: string, what: string): void {
    if (!this.mailer) throw SwitchboardError.badInput(field, `${what} need e-mail: SMTP_URL is not set`);
  }

  /** Mail a new reset link to the user (the token is never returned). */
  async sendReset(
    user: { id: string; username: string; email: string },
    base: string,
    createdBy: string | null,
  ): Promise<void> {
    this.requireMail('id', 'password-reset links');
    const { token } = await createLink(this.dataSource, user.id, 'reset', createdBy);
    await this.send(
      user.email,
      'Reset your Switchboard password',
      `Someone asked to reset the password of the Switchboard account ${user.username}.\n\n` +
        `To choose a new one, open this link within ${RESET_LINK_TTL_MS / 60_000} minutes (it works once):\n` +
        `${linkUrl(base, LINKS.reset.path, token)}\n\n` +
        `If it was not you, ignore this message: your password stays as it is.\n`,
    );
  }

  /** Mail a new invitation link (any earlier one stops working; the token is never returned). */
  async sendInvite(
    user: { id: string; username: string; email: string },
    invitedBy: string,
    base: string,
    createdBy: string | null,
  ): Promise<{ expiresAt: Date }> {
    this.requireMail('email', 'invitations');
    const { token, expiresAt } = await createLink(this.dataSource, user.id, 'invite', createdBy);
    await this.send(
      user.email,
      'Your Switchboard account',
      `${invitedBy} invited you to Switchboard, as ${user.username}.\n\n` +
        `To choose your password and activate the account, open this link within ` +
        `${INVITE_LINK_TTL_MS / 3_600_000} hours (it works once):\n${linkUrl(base, LINKS.invite.path, token)}\n\n` +
        `Then sign in with your username and that password.\n`,
    );
    return { expiresAt };
  }

  private async send(to: string, subject: string, text: string): Promise<void> {
    if (!this.mailer || !this.smtp) throw new Error('SMTP_URL is not set');
    await this.mailer.sendMail({ from: this.smtp.from, to, subject, text });
  }
}
