import { randomBytes, randomInt } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import * as QRCode from 'qrcode';
import type { DataSource } from 'typeorm';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import type { SecretBox } from '../../libs/crypto/src/secret-box';
import type { AccountsRepository, RequestMeta } from './accounts.repository';
import type { UserEntity } from './account.entities';
import { appendAudit } from './audit';
import { verifyPassword } from './passwords';
import { hashSecret, newSecret, sameSecret } from './secrets';

/**
 * Multi-factor sign-in: TOTP (RFC 6238: SHA-1, 6 digits, 30 s, one step either side accepted, a
 * step once used never again), ten one-time recovery codes (SHA-256), the short-lived challenge a
 * correct password leads to (the mfaToken: random, SHA-256, single-use), and the administrators'
 * policy (MFA for everyone or for some roles). The TOTP secret is AES-256-GCM (SecretBox,
 * CREDENTIALS_KEY), bound to its user and field; none of these secrets is ever logged or returned
 * twice.
 */

export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one (clock drift). */
export const TOTP_WINDOW = 1;
export const ISSUER = 'Switchboard';
export const RECOVERY_CODE_COUNT = 10;
/** How long an mfaToken lives, and how many wrong codes it survives. */
export const CHALLENGE_MS = 5 * 60_000;
export const CHALLENGE_TRIES = 5;
export const MFA_TOKEN_PREFIX = 'sbm_';
/** Longest code read (a TOTP code or a recovery code, with spaces or dashes). */
const MAX_CODE = 64;

// ---- pure parts (mfa.spec.ts) ----

/** A new random TOTP secret (160 bits), in base32. */
export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

function totp(secret: string, label = 'user'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD,
    secret: OTPAuth.Secret.fromBase32(secret),
  });
}

/** The otpauth:// URI an authenticator app reads (from the QR code). */
export function totpUri(secret: string, username: string): string {
  return totp(secret, username).toString();
}

/** The code of the step that contains `now` (tests, and nothing else). */
export function totpCode(secret: string, now = Date.now()): string {
  return totp(secret).generate({ timestamp: now });
}

export const stepOf = (now: number): number => Math.floor(now / 1000 / TOTP_PERIOD);

/**
 * The time step `code` belongs to, within TOTP_WINDOW of `now`; 'replayed' when that step is not
 * after `lastStep` (a code, or an older one, already used); null when it is no current code.
 */
export function matchTotp(
  secret: string,
  code: string,
  lastStep: number | null,
  now = Date.now(),
): number | 'replayed' | null {
  const token = code.replace(/\s+/g, '');
  if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(token)) return null;
  const delta = totp(secret).validate({ token, timestamp: now, window: TOTP_WINDOW });
  if (delta === null) return null;
  const step = stepOf(now) + delta;
  return lastStep !== null && step <= lastStep ? 'replayed' : step;
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten recovery codes such as `k7m2p-xq9rt` (50 bits each). */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A recovery code as typed (any case, spaces, dashes) to the form that is hashed. */
export const normalizeRecoveryCode = (code: string): string => code.toLowerCase().replace(/[\s-]+/g, '');

export const hashRecoveryCode = (code: string): string =>
  hashSecret(`recovery:${normalizeRecoveryCode(code)}`);

/** What a code looks like: six digits (TOTP), ten letters and digits (a recovery code), or neither. */
export function codeKind(code: string): 'totp' | 'recovery' | null {
  if (/^\d{6}$/.test(code.replace(/\s+/g, ''))) return 'totp';
  if (/^[a-z0-9]{10}$/.test(normalizeRecoveryCode(code))) return 'recovery';
  return null;
}

export interface MfaPolicy {
  required: boolean;
  /** Empty: everyone; else the holders of any of these roles. */
  roles: string[];
  updatedAt: Date | null;
}

/** Must a user holding `roles` have a second factor? */
export function mfaRequiredFor(policy: Pick<MfaPolicy, 'required' | 'roles'>, roles: string[]): boolean {
  if (!policy.required) return false;
  return policy.roles.length === 0 || roles.some((r) => policy.roles.includes(r));
}

/** A code from a request: a string of sensible length, else BAD_USER_INPUT naming the field. */
export function readCode(field: string, code: unknown): string {
  if (typeof code !== 'string' || !code.trim()) throw SwitchboardError.badInput(field, 'is required');
  if (code.length > MAX_CODE)
    throw SwitchboardError.badInput(field, `must be at most ${MAX_CODE} characters`);
  return code.trim();
}

/** An e-mailed code lives this long and survives this many tries (all per challenge). */
export const EMAIL_CODE_MS = 10 * 60_000;
export const EMAIL_CODE_TRIES = 5;

/** A random six-digit code for an e-mail. */
export const newEmailCode = (): string => String(randomInt(0, 1_000_000)).padStart(TOTP_DIGITS, '0');

const emailCodeHash = (challengeId: string, code: string) =>
  hashSecret(`email:${challengeId}:${code.replace(/\s+/g, '')}`);

/** An address shown without giving it away: `m***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

// ---- storage ----

export interface MfaStatus {
  enabled: boolean;
  enabledAt: Date | null;
  pendingEnrollment: boolean;
  recoveryCodesLeft: number;
  required: boolean;
}

export interface MfaChallenge {
  id: string;
  userId: string;
  purpose: 'verify' | 'enroll';
  via: string | null;
  failures: number;
}

export interface MfaActor {
  id: string;
  name: string;
  roles: string[];
}

const secretContext = (userId: string, field: 'totp' | 'pending') => `user_mfa:${userId}:${field}`;

const WRONG_CODE = 'is not a current code of your authenticator, nor an unused recovery code';

/**
 * The MFA state of accounts (the only code that writes `user_mfa`, `mfa_recovery_codes`,
 * `mfa_challenges` and `mfa_policy`).
 */
export class MfaService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
    private readonly accounts: AccountsRepository,
  ) {}

  async policy(): Promise<MfaPolicy> {
    const [row]: { required: boolean; roles: string[]; updated_at: Date }[] = await this.dataSource.query(
      `SELECT required, roles, updated_at FROM mfa_policy WHERE id`,
    );
    return row
      ? { required: row.required, roles: row.roles, updatedAt: row.updated_at }
      : { required: false, roles: [], updatedAt: null };
  }

  async setPolicy(input: { required: boolean; roles?: string[] | null }, by: MfaActor, meta: RequestMeta) {
    const roles = [...new Set((input.roles ?? []).map((r) => r.trim()))];
    const known: { name: string }[] = await this.dataSource.query(
      `SELECT name FROM roles WHERE name = ANY($1)`,
      [roles],
    );
    const names = new Set(known.map((r) => r.name));
    for (const [i, role] of roles.entries()) {
      if (!names.has(role)) throw SwitchboardError.badInput(`input.roles[${i}]`, `no role "${role}"`);
    }
    await this.dataSource.query(
      `INSERT INTO mfa_policy (id, required, roles, updated_at, updated_by) VALUES (true, $1, $2, now(), $3)
       ON CONFLICT (id) DO UPDATE SET required = $1, roles = $2, updated_at = now(), updated_by = $3`,
      [input.required, roles, by.id],
    );
    await this.audit(by, meta, 'mfa.policy', 'OK', { required: input.required, roles });
    return this.policy();
  }

  /** Must this user have a second factor (the policy and their roles)? */
  async requiredFor(userId: string): Promise<boolean> {
    const grants = await this.accounts.grantsOf(userId);
    return mfaRequiredFor(await this.policy(), [...new Set(grants.map((g) => g.role))]);
  }

  private async row(userId: string) {
    const [row]: {
      totp_secret: string | null;
      pending_secret: string | null;
      enabled_at: Date | null;
      last_step: string | null;
    }[] = await this.dataSource.query(`SELECT * FROM user_mfa WHERE user_id = $1`, [userId]);
    return row ?? null;
  }

  async status(userId: string): Promise<MfaStatus> {
    const row = await this.row(userId);
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
    return {
      enabled: !!row?.totp_secret,
      enabledAt: row?.totp_secret ? row.enabled_at : null,
      pendingEnrollment: !!row?.pending_secret,
      recoveryCodesLeft: row?.totp_secret ? n : 0,
      required: await this.requiredFor(userId),
    };
  }

  /** What a correct password leads to: a session, a code, or enrolling first. */
  async loginStep(user: UserEntity): Promise<'none' | 'verify' | 'enroll'> {
    if (user.kind !== 'human') return 'none';
    const row = await this.row(user.id);
    if (row?.totp_secret) return 'verify';
    return (await this.requiredFor(user.id)) ? 'enroll' : 'none';
  }

  /**
   * A new TOTP secret, pending until confirmEnrollment sees a code of it (another call replaces
   * it). Refused while TOTP is on: disable it first.
   */
  async beginEnrollment(user: UserEntity): Promise<{ otpauthUri: string; qrSvg: string }> {
    if (user.kind !== 'human')
      throw SwitchboardError.badInput('user', 'a service account signs in with tokens; MFA does not apply');
    const row = await this.row(user.id);
    if (row?.totp_secret)
      throw SwitchboardError.conflict('TOTP is already on for your account; disable it first');
    const secret = newTotpSecret();
    await this.dataSource.query(
      `INSERT INTO user_mfa (user_id, pending_secret) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET pending_secret = $2, updated_at = now()`,
      [user.id, this.secrets.encrypt(secret, secretContext(user.id, 'pending'))],
    );
    const otpauthUri = totpUri(secret, user.username);
    const qrSvg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { otpauthUri, qrSvg };
  }

  /**
   * Turns the pending secret on with a current code of it; returns the ten recovery codes, shown
   * this once (stored hashed; earlier ones stop working). The user's sessions but `keepSession` end:
   * they were opened without the second factor.
   */
  async confirmEnrollment(
    user: UserEntity,
    rawCode: unknown,
    meta: RequestMeta,
    keepSession: string | null,
    field = 'code',
  ) {
    const code = readCode(field, rawCode);
    const row = await this.row(user.id);
    if (row?.totp_secret)
      throw SwitchboardError.conflict('TOTP is already on for your account; disable it first');
    if (!row?.pending_secret)
      throw SwitchboardError.badInput(field, 'no enrollment in progress: begin the enrollment first');
    const secret = this.secrets.decrypt(row.pending_secret, secretContext(user.id, 'pending'));
    const step = matchTotp(secret, code, null);
    if (typeof step !== 'number') {
      await this.audit(this.actorOf(user), meta, 'mfa.failed', 'DENIED', { step: 'enroll' });
      throw SwitchboardError.badInput(field, 'is not a current code of the new authenticator');
    }
    const updated: unknown[] = await this.dataSource.query(
      `WITH u AS (UPDATE user_mfa SET totp_secret = $2, pending_secret = NULL, enabled_at = now(), last_step = $3,
              updated_at = now()
        WHERE user_id = $1 AND pending_secret = $4 AND totp_secret IS NULL RETURNING user_id) SELECT * FROM u`,
      [user.id, this.secrets.encrypt(secret, secretContext(user.id, 'totp')), step, row.pending_secret],
    );
    if (!updated.length) throw SwitchboardError.conflict('the enrollment changed meanwhile; begin again');
    const codes = await this.replaceRecoveryCodes(user.id);
    await this.accounts.endSessions(user.id, { except: keepSession });
    await this.audit(this.actorOf(user), meta, 'mfa.enrolled', 'OK', { method: 'totp' });
    return codes;
  }

  private async replaceRecoveryCodes(userId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    await this.dataSource.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [userId]);
    await this.dataSource.query(
      `INSERT INTO mfa_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])`,
      [userId, codes.map(hashRecoveryCode)],
    );
    return codes;
  }

  /**
   * Checks a second-factor code: a current TOTP code not used before (its step is remembered), or
   * an unused recovery code (used up). Null when neither.
   */
  async verifyCode(
    userId: string,
    code: string,
    opts: { recovery?: boolean } = {},
  ): Promise<'totp' | 'recovery' | null> {
    const row = await this.row(userId);
    if (!row?.totp_secret) return null;
    const kind = codeKind(code);
    if (kind === 'totp') {
      const secret = this.secrets.decrypt(row.totp_secret, secretContext(userId, 'totp'));
      const step = matchTotp(secret, code, row.last_step === null ? null : Number(row.last_step));
      if (typeof step !== 'number') return null;
      // Atomic: of two requests with the same code, one wins.
      const won: unknown[] = await this.dataSource.query(
        `WITH u AS (UPDATE user_mfa SET last_step = $2, updated_at = now()
          WHERE user_id = $1 AND totp_secret IS NOT NULL AND (last_step IS NULL OR last_step < $2)
          RETURNING user_id) SELECT * FROM u`,
        [userId, step],
      );
      return won.length ? 'totp' : null;
    }
    if (kind === 'recovery' && opts.recovery !== false) {
      const used: unknown[] = await this.dataSource.query(
        `WITH u AS (UPDATE mfa_recovery_codes SET used_at = now()
          WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id) SELECT * FROM u`,
        [userId, hashRecoveryCode(code)],
      );
      return used.length ? 'recovery' : null;
    }
    return null;
  }

  /**
   * A signed-in user proves a factor again (disableTotp, regenerateRecoveryCodes): a wrong one
   * counts toward the account's lockout, and a locked account proves nothing.
   */
  private async prove(
    user: UserEntity,
    proof: { password?: string | null; code?: string | null },
    meta: RequestMeta,
    step: string,
    allow: { password: boolean; recovery: boolean },
  ): Promise<string> {
    const fresh = await this.accounts.getUser(user.id);
    const locked = !!fresh.lockedUntil && fresh.lockedUntil.getTime() > Date.now();
    const fail = async (field: string, message: string): Promise<never> => {
      if (!locked) await this.accounts.recordFailedLogin(fresh);
      await this.audit(this.actorOf(user), meta, 'mfa.failed', 'DENIED', { step });
      throw SwitchboardError.badInput(field, message);
    };
    if (proof.code != null && proof.code !== '') {
      const code = readCode('code', proof.code);
      if (locked) return fail('code', 'your account is locked after failed attempts; try again later');
      const method = await this.verifyCode(user.id, code, { recovery: allow.recovery });
      if (!method)
        return fail('code', allow.recovery ? WRONG_CODE : 'is not a current code of your authenticator');
      if (method === 'recovery')
        await this.audit(this.actorOf(user), meta, 'mfa.recovery_code_used', 'OK', { step });
      return method;
    }
    if (allow.password && proof.password != null && proof.password !== '') {
      if (proof.password.length > 256)
        throw SwitchboardError.badInput('password', 'must be at most 256 characters');
      if (locked) return fail('password', 'your account is locked after failed attempts; try again later');
      if (!fresh.passwordHash || !(await verifyPassword(fresh.passwordHash, proof.password)))
        return fail('password', 'is not your password');
      return 'password';
    }
    throw SwitchboardError.badInput(
      allow.password ? 'password' : 'code',
      allow.password ? 'give your password or a code of your authenticator' : 'is required',
    );
  }

  /** Turns TOTP off (the recovery codes go too), with the password or a code; the other sessions end. */
  async disable(
    user: UserEntity,
    proof: { password?: string | null; code?: string | null },
    meta: RequestMeta,
    keepSession: string | null,
  ): Promise<boolean> {
    const row = await this.row(user.id);
    if (!row?.totp_secret && !row?.pending_secret) return false;
    if (row.totp_secret) {
      const how = await this.prove(user, proof, meta, 'disable', { password: true, recovery: true });
      await this.dropMfa(user.id);
      await this.accounts.endSessions(user.id, { except: keepSession });
      await this.audit(this.actorOf(user), meta, 'mfa.disabled', 'OK', { proof: how });
      return true;
    }
    await this.dropMfa(user.id); // only a pending enrollment: nothing to prove
    return false;
  }

  /** New recovery codes (the old ones stop working), with a current code of the authenticator. */
  async regenerateRecoveryCodes(user: UserEntity, code: unknown, meta: RequestMeta): Promise<string[]> {
    const row = await this.row(user.id);
    if (!row?.totp_secret) throw SwitchboardError.badInput('code', 'TOTP is not on for your account');
    await this.prove(user, { code: readCode('code', code) }, meta, 'regenerate', {
      password: false,
      recovery: false,
    });
    const codes = await this.replaceRecoveryCodes(user.id);
    await this.audit(this.actorOf(user), meta, 'mfa.recovery_codes_regenerated', 'OK', null);
    return codes;
  }

  /**
   * An administrator turns a user's MFA off (a lost authenticator and no recovery code); the user's
   * sessions (but `keepSession`, the administrator's own when resetting themself) end.
   */
  async reset(userId: string, by: MfaActor, meta: RequestMeta, keepSession: string | null): Promise<boolean> {
    const user = await this.accounts.getUser(userId);
    const row = await this.row(userId);
    await this.dropMfa(userId);
    if (row?.totp_secret) await this.accounts.endSessions(userId, { except: keepSession });
    await this.audit(by, meta, 'mfa.reset', 'OK', { userId, username: user.username });
    return !!row?.totp_secret;
  }

  private async dropMfa(userId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM user_mfa WHERE user_id = $1`, [userId]);
    await this.dataSource.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [userId]);
    await this.dataSource.query(
      `UPDATE mfa_challenges SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
  }

  // ---- the login challenge (POST /auth/login, then /auth/login/mfa) ----

  /** A new challenge after a correct password: the mfaToken, returned this once. */
  async createChallenge(
    userId: string,
    purpose: 'verify' | 'enroll',
    via: string | null,
  ): Promise<{ token: string; expiresAt: Date }> {
    const token = newSecret(MFA_TOKEN_PREFIX);
    const [row]: { expires_at: Date }[] = await this.dataSource.query(
      `INSERT INTO mfa_challenges (token_hash, user_id, purpose, via, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING expires_at`,
      [hashSecret(token), userId, purpose, via, CHALLENGE_MS / 1000],
    );
    return { token, expiresAt: row.expires_at };
  }

  /** The live challenge of a token: unused, unexpired, fewer than CHALLENGE_TRIES wrong codes. */
  async challenge(token: string): Promise<MfaChallenge | null> {
    if (!token.startsWith(MFA_TOKEN_PREFIX) || token.length > 100) return null;
    const [row]: {
      id: string;
      user_id: string;
      purpose: 'verify' | 'enroll';
      via: string | null;
      failures: number;
    }[] = await this.dataSource.query(
      `SELECT id, user_id, purpose, via, failures FROM mfa_challenges
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND failures < $2`,
      [hashSecret(token), CHALLENGE_TRIES],
    );
    return row
      ? { id: row.id, userId: row.user_id, purpose: row.purpose, via: row.via, failures: row.failures }
      : null;
  }

  /** A new e-mail code for a challenge (replacing an earlier one), returned to be sent; stored hashed. */
  async issueEmailCode(challengeId: string): Promise<{ code: string; expiresAt: Date }> {
    const code = newEmailCode();
    const [row]: { email_code_expires_at: Date }[] = await this.dataSource.query(
      `WITH u AS (UPDATE mfa_challenges SET email_code_hash = $2, email_code_tries = 0,
                         email_code_expires_at = now() + make_interval(secs => $3)
                   WHERE id = $1 RETURNING email_code_expires_at) SELECT * FROM u`,
      [challengeId, emailCodeHash(challengeId, code), EMAIL_CODE_MS / 1000],
    );
    return { code, expiresAt: row.email_code_expires_at };
  }

  /** Is `code` the challenge's e-mailed code (unexpired, fewer than EMAIL_CODE_TRIES tries)? Used up when right. */
  async verifyEmailCode(challengeId: string, code: string): Promise<boolean> {
    const [row]: { email_code_hash: string }[] = await this.dataSource.query(
      `WITH u AS (UPDATE mfa_challenges SET email_code_tries = email_code_tries + 1
                   WHERE id = $1 AND email_code_hash IS NOT NULL AND email_code_expires_at > now()
                     AND email_code_tries < $2
                   RETURNING email_code_hash) SELECT * FROM u`,
      [challengeId, EMAIL_CODE_TRIES],
    );
    if (!row || !sameSecret(row.email_code_hash, emailCodeHash(challengeId, code))) return false;
    const used: unknown[] = await this.dataSource.query(
      `WITH u AS (UPDATE mfa_challenges SET email_code_hash = NULL WHERE id = $1 AND email_code_hash = $2
                   RETURNING id) SELECT * FROM u`,
      [challengeId, row.email_code_hash],
    );
    return used.length > 0;
  }

  async challengeFailed(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE mfa_challenges SET failures = failures + 1 WHERE id = $1`, [id]);
  }

  /** Uses the challenge up; false when another request did first. (UPDATEs return rows through a CTE: TypeORM answers [rows, count] to a bare UPDATE.) */
  async useChallenge(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH u AS (UPDATE mfa_challenges SET used_at = now() WHERE id = $1 AND used_at IS NULL RETURNING id) SELECT * FROM u`,
      [id],
    );
    await this.dataSource.query(`DELETE FROM mfa_challenges WHERE expires_at < now() - interval '1 day'`);
    return rows.length > 0;
  }

  actorOf(user: UserEntity, roles: string[] = []): MfaActor {
    return { id: user.id, name: user.username, roles };
  }

  /** An MFA event in the audit log (kind `mfa`); never a secret, code or token. */
  async audit(
    actor: MfaActor,
    meta: RequestMeta,
    operation: string,
    outcome: 'OK' | 'DENIED',
    args: Record<string, unknown> | null,
  ): Promise<void> {
    const roles = actor.roles.length
      ? actor.roles
      : [...new Set((await this.accounts.grantsOf(actor.id)).map((g) => g.role))];
    await appendAudit(this.dataSource, {
      actorId: actor.id,
      actorName: actor.name,
      roles,
      ...meta,
      kind: 'mfa',
      operation,
      arguments: args,
      outcome,
      errorCode: outcome === 'OK' ? null : ErrorCode.UNAUTHENTICATED,
      durationMs: null,
    });
  }
}
