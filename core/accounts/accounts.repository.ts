import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import { isUniqueViolation } from '../database/db-errors';
import { inTransaction, type Db } from '../runs/run-log';
import { RoleEntity, UserEntity, type ApiTokenEntity, type SessionEntity } from './account.entities';
import { directoryLogin, isDirectoryUser, type LdapDirectory } from './ldap';
import { dummyHash, hashPassword, passwordProblems, verifyPassword } from './passwords';
import { BUILTIN_ROLES, isPermission, PERMISSIONS, type Grant } from './permissions';
import type { Principal } from './principal';
import { CSRF_PREFIX, hashSecret, newSecret, SESSION_PREFIX, TOKEN_PREFIX } from './secrets';

/** Failed logins before an account locks; each further failure doubles the lock, up to an hour. */
export const LOCKOUT_AFTER = 5;
const LOCKOUT_BASE_MS = 60_000;
const LOCKOUT_MAX_MS = 3_600_000;

/** How long a browser session lives: idle, and at most. */
export const SESSION_IDLE_MS = 8 * 3_600_000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3_600_000;

/** The service account API_TOKEN stands for (scripts written before accounts existed keep working). */
export const SERVICE_ACCOUNT = 'service';

export const USERNAME_RULE = /^[a-z0-9][a-z0-9._@-]{1,63}$/;
/** An e-mail address, loosely: something@domain.tld, no spaces, at most 254 characters. */
const EMAIL_RULE = /^(?=.{3,254}$)[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface NewUser {
  username: string;
  displayName?: string | null;
  email?: string | null;
  password?: string | null;
  kind?: 'human' | 'service';
  /** Roles given everywhere. */
  roles?: string[];
  /** Role bindings, each everywhere or for some sites and tags (with or instead of `roles`). */
  bindings?: { role: string; sites?: string[]; tags?: string[] }[];
  /** INVITED: no password yet; the person activates the account through an invitation link. */
  status?: 'ACTIVE' | 'INVITED';
}

export interface RequestMeta {
  address: string | null;
  userAgent: string | null;
}

export interface IssuedSession {
  session: SessionEntity;
  /** The cookie value: returned once, stored hashed. */
  token: string;
  /** The CSRF token the browser sends back with every mutation. */
  csrf: string;
}

const INVALID_LOGIN = 'invalid username or password';

/** A sign-in identity outside Switchboard linked to an account (user_identities). */
export interface LinkedIdentity {
  /** Opaque: the provider and subject, encoded (the table's key). */
  id: string;
  /** `ldap`, or `<protocol>:<name>` (`oidc:google`, `qq:qq`, `wechat:wechat`). */
  provider: string;
  /** ldap, oidc, qq or wechat. */
  kind: string;
  /** The provider's id of the person (OIDC `sub`, QQ/WeChat open id or union id, the directory entry). */
  subject: string;
  linkedAt: Date;
}

const identityId = (provider: string, subject: string): string =>
  Buffer.from(JSON.stringify([provider, subject])).toString('base64url');

function identityKey(id: string): [string, string] | null {
  try {
    const key: unknown = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
    return Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === 'string')
      ? (key as [string, string])
      : null;
  } catch {
    return null;
  }
}

const toIdentity = (r: { provider: string; subject: string; created_at: Date }): LinkedIdentity => ({
  id: identityId(r.provider, r.subject),
  provider: r.provider,
  kind: r.provider.split(':')[0],
  subject: r.subject,
  linkedAt: r.created_at,
});

/**
 * People and how they sign in: the only code that writes `users`, `user_identities`, `sessions`,
 * `api_tokens`, `roles` and `role_bindings`. Passwords are Argon2id; session cookies, CSRF tokens
 * and personal access tokens are random and stored hashed; none is ever returned twice or logged.
 */
@Injectable()
export class AccountsRepository {
  private readonly logger = new Logger(AccountsRepository.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The built-in roles exist and carry their current permissions (called at boot; idempotent). */
  async ensureBuiltinRoles(db: Db = this.dataSource): Promise<void> {
    for (const role of BUILTIN_ROLES) {
      await db.query(
        `INSERT INTO roles (name, description, permissions, builtin) VALUES ($1, $2, $3, true)
         ON CONFLICT (name) DO UPDATE SET description = $2, permissions = $3, builtin = true`,
        [role.name, role.description, [...role.permissions]],
      );
    }
  }

  /** The service account the legacy API_TOKEN authenticates as: an administrator. */
  async ensureServiceAccount(): Promise<UserEntity> {
    return inTransaction(this.dataSource, async (m) => {
      await this.ensureBuiltinRoles(m);
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('switchboard:service-account'))`);
      const existing = await this.findByUsername(SERVICE_ACCOUNT, m);
      if (existing) return existing;
      return this.insertUser(m, {
        username: SERVICE_ACCOUNT,
        displayName: 'API_TOKEN (service account)',
        kind: 'service',
        roles: ['administrator'],
      });
    });
  }

  /**
   * The first administrator, when no human account exists yet: created with a random password,
   * returned once (npm start prints it). Null when there already is a human account.
   */
  async ensureFirstAdministrator(username = 'admin'): Promise<{ username: string; password: string } | null> {
    return inTransaction(this.dataSource, async (m) => {
      await this.ensureBuiltinRoles(m);
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('switchboard:first-admin'))`);
      const [{ n }]: { n: number }[] = await m.query(
        `SELECT count(*)::int AS n FROM users WHERE kind = 'human' AND deleted_at IS NULL`,
      );
      if (n > 0) return null;
      const password = randomBytes(18).toString('base64url');
      await this.insertUser(m, {
        username,
        displayName: 'Administrator',
        password,
        roles: ['administrator'],
      });
      return { username, password };
    });
  }

  async createUser(input: NewUser, createdBy: string | null): Promise<UserEntity> {
    const username = input.username.trim().toLowerCase();
    if (!USERNAME_RULE.test(username)) {
      throw SwitchboardError.badInput(
        'username',
        'must be 2 to 64 lower-case letters, digits, ".", "_", "@" or "-", starting with a letter or digit',
      );
    }
    if (input.password != null) {
      const problems = passwordProblems(input.password, username);
      if (problems.length) throw SwitchboardError.invalidFields(problems);
    }
    for (const [i, role] of (input.roles ?? []).entries()) {
      const [found] = await this.dataSource.query(`SELECT 1 FROM roles WHERE name = $1`, [role]);
      if (!found) throw SwitchboardError.badInput(`roles[${i}]`, `no role "${role}"`);
    }
    for (const [i, binding] of (input.bindings ?? []).entries()) {
      const [found] = await this.dataSource.query(`SELECT 1 FROM roles WHERE name = $1`, [binding.role]);
      if (!found) throw SwitchboardError.badInput(`bindings[${i}].role`, `no role "${binding.role}"`);
    }
    try {
      return await inTransaction(this.dataSource, (m) =>
        this.insertUser(m, { ...input, username }, createdBy),
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw SwitchboardError.conflict(`a user named "${username}" exists`, 'username');
      throw error;
    }
  }

  /**
   * An invited account: no password, status INVITED (it cannot sign in) until its person accepts
   * the invitation (activateInvited). The e-mail address is required: the link goes there.
   */
  async inviteUser(
    input: Omit<NewUser, 'password' | 'kind' | 'status'> & { email: string },
    createdBy: string | null,
  ): Promise<UserEntity> {
    const email = input.email.trim();
    if (!EMAIL_RULE.test(email))
      throw SwitchboardError.badInput('email', 'must be an e-mail address (the invitation is sent there)');
    return this.createUser({ ...input, email, password: null, kind: 'human', status: 'INVITED' }, createdBy);
  }

  /**
   * The invited person chose a password (the policy checked by the caller): the account becomes
   * ACTIVE. False when it is no longer INVITED (disabled, deleted, activated meanwhile).
   */
  async activateInvited(userId: string, password: string): Promise<boolean> {
    const hash = await hashPassword(password);
    const rows: unknown[] = await this.dataSource.query(
      `WITH a AS (UPDATE users SET password_hash = $2, password_changed_at = now(), status = 'ACTIVE'
                   WHERE id = $1 AND status = 'INVITED' AND deleted_at IS NULL RETURNING id)
       SELECT id FROM a`,
      [userId, hash],
    );
    return rows.length > 0;
  }

  private async insertUser(db: Db, input: NewUser, createdBy: string | null = null): Promise<UserEntity> {
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    const [row]: { id: string }[] = await db.query(
      `INSERT INTO users (username, display_name, email, kind, status, password_hash, password_changed_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6::text IS NULL THEN NULL ELSE now() END, $7) RETURNING id`,
      [
        input.username,
        input.displayName?.trim() || input.username,
        input.email?.trim() || null,
        input.kind ?? 'human',
        input.status ?? 'ACTIVE',
        passwordHash,
        createdBy,
      ],
    );
    const bindings: { role: string; sites?: string[]; tags?: string[] }[] = [
      ...(input.roles ?? []).map((role) => ({ role })),
      ...(input.bindings ?? []),
    ];
    for (const b of bindings) {
      await db.query(
        `INSERT INTO role_bindings (user_id, role, sites, tags, created_by) VALUES ($1, $2, $3, $4, $5)`,
        [row.id, b.role, b.sites ?? [], b.tags ?? [], createdBy],
      );
    }
    return (await this.findById(row.id, db))!;
  }

  async findById(id: string, db: Db = this.dataSource): Promise<UserEntity | null> {
    if (!isUUID(id, 'all')) return null;
    const repo = db.getRepository ? db.getRepository(UserEntity) : this.dataSource.getRepository(UserEntity);
    return repo.findOneBy({ id });
  }

  async findByUsername(username: string, db: Db = this.dataSource): Promise<UserEntity | null> {
    const repo = db.getRepository(UserEntity);
    return repo
      .createQueryBuilder('u')
      .where('lower(u.username) = lower(:username) AND u.deleted_at IS NULL', { username: username.trim() })
      .getOne();
  }

  async getUser(id: string): Promise<UserEntity> {
    const user = await this.findById(id);
    if (!user) throw SwitchboardError.notFound('user', id);
    return user;
  }

  /** Usernames by id (deleted users too: what they did stays attributed to them). */
  async usernames(ids: string[]): Promise<Map<string, string>> {
    const valid = ids.filter((id) => isUUID(id, 'all'));
    if (!valid.length) return new Map();
    const rows: { id: string; username: string }[] = await this.dataSource.query(
      `SELECT id, username FROM users WHERE id = ANY($1::uuid[])`,
      [valid],
    );
    return new Map(rows.map((r) => [r.id, r.username]));
  }

  listUsers(): Promise<UserEntity[]> {
    return this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('u.deleted_at IS NULL')
      .orderBy('u.username', 'ASC')
      .getMany();
  }

  /** The user's grants: each role binding with the role's permissions. */
  async grantsOf(userId: string): Promise<Grant[]> {
    const rows: { role: string; permissions: string[]; sites: string[]; tags: string[] }[] =
      await this.dataSource.query(
        `SELECT b.role, r.permissions, b.sites, b.tags FROM role_bindings b JOIN roles r ON r.name = b.role
        WHERE b.user_id = $1 ORDER BY b.created_at`,
        [userId],
      );
    return rows;
  }

  private async principalOf(
    user: UserEntity,
    via: Principal['via'],
    extra: Partial<Pick<Principal, 'sessionId' | 'tokenId' | 'tokenPermissions'>> = {},
  ): Promise<Principal> {
    return {
      userId: user.id,
      username: user.username,
      kind: user.kind,
      via,
      sessionId: extra.sessionId ?? null,
      tokenId: extra.tokenId ?? null,
      tokenPermissions: extra.tokenPermissions ?? null,
      grants: await this.grantsOf(user.id),
    };
  }

  private service?: { at: number; principal: Promise<Principal | null> };

  /**
   * The principal of the service account (API_TOKEN), read again every few seconds; null once an
   * administrator has disabled it (the way to retire API_TOKEN when every script has its own token).
   */
  servicePrincipal(): Promise<Principal | null> {
    if (!this.service || Date.now() - this.service.at > 5_000) {
      const principal = this.ensureServiceAccount().then((user) =>
        user.status === 'ACTIVE' ? this.principalOf(user, 'service-token') : null,
      );
      this.service = { at: Date.now(), principal };
      principal.catch(() => (this.service = undefined));
    }
    return this.service.principal;
  }

  /**
   * A password login. Unknown users, wrong passwords, disabled and locked accounts all answer the
   * same UNAUTHENTICATED message, after the same work, so that nobody learns who exists. Failures
   * count per account: after LOCKOUT_AFTER, the account locks for a time that doubles each time.
   */
  async login(
    username: string,
    password: string,
    meta: RequestMeta,
    directory: LdapDirectory | null = null,
  ): Promise<{ user: UserEntity; issued: IssuedSession; via?: 'ldap' }> {
    const { user, via } = await this.checkPassword(username, password, directory);
    await this.loginSucceeded(user.id);
    return { user, issued: await this.issueSession(user.id, meta), ...(via ? { via } : {}) };
  }

  /**
   * The first factor of login(), without the session: the caller (POST /auth/login) asks for a
   * second factor when the user has one (core/accounts/mfa.ts), then calls loginSucceeded and
   * issueSession. A local account's failure count is reset only by loginSucceeded.
   */
  async checkPassword(
    username: string,
    password: string,
    directory: LdapDirectory | null = null,
  ): Promise<{ user: UserEntity; via?: 'ldap' }> {
    const user = await this.findByUsername(username);
    // With LDAP_URL set, unknown names and accounts linked to the directory sign in through it.
    if (directory && (!user || (await isDirectoryUser(this.dataSource, user.id)))) {
      const deps = {
        dataSource: this.dataSource,
        directory,
        recordFailedLogin: (u: UserEntity) => this.recordFailedLogin(u),
        findById: (id: string) => this.findById(id),
      };
      return { user: await directoryLogin(deps, user, username, password), via: 'ldap' };
    }
    const now = Date.now();
    const ok = user?.passwordHash
      ? await verifyPassword(user.passwordHash, password)
      : (await verifyPassword(await dummyHash(), password), false);
    const usable = !!user && user.status === 'ACTIVE' && user.kind === 'human';
    const locked = !!user?.lockedUntil && user.lockedUntil.getTime() > now;
    if (!ok || !usable || locked) {
      if (user && !ok) await this.recordFailedLogin(user);
      throw new SwitchboardError(ErrorCode.UNAUTHENTICATED, INVALID_LOGIN);
    }
    return { user };
  }

  /** Every factor was right: the failure count starts again. */
  async loginSucceeded(userId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = now() WHERE id = $1`,
      [userId],
    );
  }

  /** A wrong password (or second-factor code): counts toward the lockout. */
  async recordFailedLogin(user: UserEntity): Promise<void> {
    const failures = user.failedLogins + 1;
    const lockMs =
      failures >= LOCKOUT_AFTER
        ? Math.min(LOCKOUT_BASE_MS * 2 ** (failures - LOCKOUT_AFTER), LOCKOUT_MAX_MS)
        : 0;
    await this.dataSource.query(
      `UPDATE users SET failed_logins = $2,
              locked_until = CASE WHEN $3::int > 0 THEN now() + make_interval(secs => $3::int / 1000.0) ELSE locked_until END
        WHERE id = $1`,
      [user.id, failures, lockMs],
    );
    if (lockMs)
      this.logger.warn(`user ${user.username} locked for ${lockMs / 1000} s after ${failures} failed logins`);
  }

  /** A new browser session for the user (its cookie and CSRF token returned this once). */
  async issueSession(userId: string, meta: RequestMeta): Promise<IssuedSession> {
    const token = newSecret(SESSION_PREFIX);
    const csrf = newSecret(CSRF_PREFIX);
    const [row]: { id: string }[] = await this.dataSource.query(
      `INSERT INTO sessions (user_id, token_hash, csrf_hash, address, user_agent, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING id`,
      [
        userId,
        hashSecret(token),
        hashSecret(csrf),
        meta.address,
        meta.userAgent?.slice(0, 500) ?? null,
        SESSION_ABSOLUTE_MS / 1000,
      ],
    );
    const session = (await this.dataSource.query(`SELECT * FROM sessions WHERE id = $1`, [row.id]))[0];
    return { session: toSession(session), token, csrf };
  }

  /**
   * The principal of a session cookie, or null (unknown, revoked, idle too long, past its absolute
   * expiry, or its user disabled). A valid session's last use moves forward.
   */
  async sessionPrincipal(token: string): Promise<(Principal & { csrfHash: string }) | null> {
    const [row]: (Record<string, unknown> & { user_id: string; id: string; csrf_hash: string })[] =
      await this.dataSource.query(
        `WITH s AS (
           UPDATE sessions SET last_seen_at = now()
            WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
              AND last_seen_at > now() - make_interval(secs => $2)
           RETURNING id, user_id, csrf_hash)
         SELECT * FROM s`,
        [hashSecret(token), SESSION_IDLE_MS / 1000],
      );
    if (!row) return null;
    const user = await this.findById(row.user_id);
    if (!user || user.status !== 'ACTIVE' || user.deletedAt) return null;
    return { ...(await this.principalOf(user, 'session', { sessionId: row.id })), csrfHash: row.csrf_hash };
  }

  /** The principal of a personal access token, or null (unknown, revoked, expired, user disabled). */
  async tokenPrincipal(token: string): Promise<Principal | null> {
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const [row]: { id: string; user_id: string; permissions: string[] | null }[] =
      await this.dataSource.query(
        `WITH t AS (
         UPDATE api_tokens SET last_used_at = now()
          WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
         RETURNING id, user_id, permissions)
       SELECT * FROM t`,
        [hashSecret(token)],
      );
    if (!row) return null;
    const user = await this.findById(row.user_id);
    if (!user || user.status !== 'ACTIVE' || user.deletedAt) return null;
    return this.principalOf(user, 'token', { tokenId: row.id, tokenPermissions: row.permissions });
  }

  listSessions(userId: string): Promise<SessionEntity[]> {
    return this.dataSource
      .query(
        `SELECT * FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
            AND last_seen_at > now() - make_interval(secs => $2) ORDER BY created_at DESC`,
        [userId, SESSION_IDLE_MS / 1000],
      )
      .then((rows: Record<string, unknown>[]) => rows.map(toSession));
  }

  /** Revoke one of the user's sessions; false when it is not theirs or already gone. */
  revokeSession(userId: string, sessionId: string): Promise<boolean> {
    return this.revokeOwned('sessions', userId, sessionId);
  }

  /** Revoke a session or token of the user's; false when it is not theirs or already gone. */
  private async revokeOwned(table: 'sessions' | 'api_tokens', userId: string, id: string): Promise<boolean> {
    if (!isUUID(id, 'all')) return false;
    const rows: unknown[] = await this.dataSource.query(
      `WITH r AS (UPDATE ${table} SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id)
       SELECT id FROM r`,
      [id, userId],
    );
    return rows.length > 0;
  }

  /** End every session of the user's (but `except`), and with `tokens` revoke their tokens too. */
  async endSessions(userId: string, opts: { except?: string | null; tokens?: boolean } = {}) {
    await this.dataSource.query(
      `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2`,
      [userId, opts.except ?? null],
    );
    if (opts.tokens) {
      await this.dataSource.query(
        `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
        [userId],
      );
    }
  }

  /** A personal access token: the plain value is returned this once. */
  async createApiToken(
    userId: string,
    input: { name: string; permissions?: string[] | null; expiresAt?: Date | null },
    holds: (permission: string) => boolean,
  ): Promise<{ token: ApiTokenEntity; secret: string }> {
    const name = input.name.trim();
    if (!name || name.length > 100) throw SwitchboardError.badInput('name', 'must be 1 to 100 characters');
    for (const [i, p] of (input.permissions ?? []).entries()) {
      if (!isPermission(p)) {
        throw SwitchboardError.badInput(
          `permissions[${i}]`,
          `unknown permission "${p}"; one of ${PERMISSIONS.join(', ')}`,
        );
      }
      if (!holds(p)) throw SwitchboardError.badInput(`permissions[${i}]`, `you do not hold "${p}" yourself`);
    }
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw SwitchboardError.badInput('expiresAt', 'must be in the future');
    }
    const secret = newSecret(TOKEN_PREFIX);
    try {
      const [row]: { id: string }[] = await this.dataSource.query(
        `INSERT INTO api_tokens (user_id, name, token_hash, prefix, permissions, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [
          userId,
          name,
          hashSecret(secret),
          secret.slice(0, TOKEN_PREFIX.length + 6),
          input.permissions ?? null,
          input.expiresAt ?? null,
        ],
      );
      const [token] = await this.dataSource.query(`SELECT * FROM api_tokens WHERE id = $1`, [row.id]);
      return { token: toToken(token), secret };
    } catch (error) {
      if (isUniqueViolation(error))
        throw SwitchboardError.conflict(`you have a token named "${name}"`, 'name');
      throw error;
    }
  }

  listApiTokens(userId: string): Promise<ApiTokenEntity[]> {
    return this.dataSource
      .query(`SELECT * FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC`, [
        userId,
      ])
      .then((rows: Record<string, unknown>[]) => rows.map(toToken));
  }

  revokeApiToken(userId: string, tokenId: string): Promise<boolean> {
    return this.revokeOwned('api_tokens', userId, tokenId);
  }

  /** The external identities linked to the user, oldest first. */
  async listIdentities(userId: string): Promise<LinkedIdentity[]> {
    const rows: { provider: string; subject: string; created_at: Date }[] = await this.dataSource.query(
      `SELECT provider, subject, created_at FROM user_identities WHERE user_id = $1 ORDER BY created_at, provider`,
      [userId],
    );
    return rows.map(toIdentity);
  }

  /**
   * Unlink one of the user's identities, and the role bindings its provider granted (source =
   * provider). Refused when it is the last way the account signs in (no password, no other identity).
   * NOT_FOUND for an id that is not one of the user's.
   */
  async unlinkIdentity(userId: string, id: string): Promise<LinkedIdentity> {
    const key = identityKey(id);
    if (!key) throw SwitchboardError.notFound('identity', id);
    return inTransaction(this.dataSource, async (m) => {
      // Locks the account: two unlinks at once cannot both remove "the other" way in.
      const [user]: { has_password: boolean }[] = await m.query(
        `SELECT password_hash IS NOT NULL AS has_password FROM users WHERE id = $1 FOR UPDATE`,
        [userId],
      );
      const rows: { provider: string; subject: string; created_at: Date }[] = await m.query(
        `SELECT provider, subject, created_at FROM user_identities WHERE user_id = $1`,
        [userId],
      );
      const target = rows.find((r) => r.provider === key[0] && r.subject === key[1]);
      if (!user || !target) throw SwitchboardError.notFound('identity', id);
      if (!user.has_password && rows.length === 1)
        throw SwitchboardError.badInput(
          'id',
          `${target.provider} is the only way this account signs in: link another identity or get a password ` +
            `first (POST /auth/password-reset mails a link)`,
        );
      await m.query(`DELETE FROM user_identities WHERE user_id = $1 AND provider = $2 AND subject = $3`, [
        userId,
        target.provider,
        target.subject,
      ]);
      await m.query(`DELETE FROM role_bindings WHERE user_id = $1 AND source = $2`, [
        userId,
        target.provider,
      ]);
      return toIdentity(target);
    });
  }

  /** Give a role to a user, everywhere or for some sites and tags. */
  async bindRole(
    userId: string,
    input: { role: string; sites?: string[]; tags?: string[] },
    by: string | null,
  ): Promise<void> {
    await this.getUser(userId);
    const [role] = await this.dataSource.query(`SELECT 1 FROM roles WHERE name = $1`, [input.role]);
    if (!role) throw SwitchboardError.badInput('role', `no role "${input.role}"`);
    await this.dataSource.query(
      `INSERT INTO role_bindings (user_id, role, sites, tags, created_by) VALUES ($1, $2, $3, $4, $5)`,
      [userId, input.role, input.sites ?? [], input.tags ?? [], by],
    );
  }

  async unbindRole(userId: string, role: string): Promise<number> {
    await this.getUser(userId);
    const rows: unknown[] = await this.dataSource.query(
      `WITH d AS (DELETE FROM role_bindings WHERE user_id = $1 AND role = $2 RETURNING id) SELECT id FROM d`,
      [userId, role],
    );
    return rows.length;
  }

  listRoles(): Promise<RoleEntity[]> {
    return this.dataSource.getRepository(RoleEntity).find({ order: { name: 'ASC' } });
  }

  /** A custom role made of named permissions. */
  async createRole(input: {
    name: string;
    description?: string | null;
    permissions: string[];
  }): Promise<RoleEntity> {
    const name = input.name.trim().toLowerCase();
    if (!/^[a-z][a-z0-9-]{1,39}$/.test(name)) {
      throw SwitchboardError.badInput(
        'name',
        'must be 2 to 40 lower-case letters, digits or "-", starting with a letter',
      );
    }
    for (const [i, p] of input.permissions.entries()) {
      if (!isPermission(p)) throw SwitchboardError.badInput(`permissions[${i}]`, `unknown permission "${p}"`);
    }
    try {
      await this.dataSource.query(`INSERT INTO roles (name, description, permissions) VALUES ($1, $2, $3)`, [
        name,
        input.description?.trim() ?? '',
        [...new Set(input.permissions)],
      ]);
    } catch (error) {
      if (isUniqueViolation(error)) throw SwitchboardError.conflict(`a role named "${name}" exists`, 'name');
      throw error;
    }
    return this.dataSource.getRepository(RoleEntity).findOneByOrFail({ name });
  }

  async setStatus(userId: string, status: 'ACTIVE' | 'DISABLED'): Promise<UserEntity> {
    const user = await this.getUser(userId);
    // An invited account becomes active only through its invitation (it has no password yet).
    if (status === 'ACTIVE' && user.status === 'INVITED')
      throw SwitchboardError.badInput('id', 'the user has not accepted the invitation yet (resendInvite)');
    await this.dataSource.query(`UPDATE users SET status = $2 WHERE id = $1`, [userId, status]);
    this.service = undefined;
    // A disabled user's tokens stop working (tokenPrincipal checks the status) and work again
    // when the account is enabled; its sessions end for good.
    if (status === 'DISABLED') await this.endSessions(userId);
    return this.getUser(userId);
  }

  async unlock(userId: string): Promise<UserEntity> {
    await this.getUser(userId);
    await this.dataSource.query(`UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, [
      userId,
    ]);
    return this.getUser(userId);
  }

  /** Change one's own password: the current one is checked; other sessions end. */
  async changePassword(
    userId: string,
    current: string,
    next: string,
    keepSession: string | null,
  ): Promise<void> {
    const user = await this.getUser(userId);
    if (!user.passwordHash || !(await verifyPassword(user.passwordHash, current))) {
      throw SwitchboardError.badInput('currentPassword', 'is not your current password');
    }
    const problems = passwordProblems(next, user.username, 'newPassword');
    if (problems.length) throw SwitchboardError.invalidFields(problems);
    await this.dataSource.query(
      `UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1`,
      [userId, await hashPassword(next)],
    );
    await this.endSessions(userId, { except: keepSession });
  }

  /** An administrator sets a user's password (a forgotten one): the user's sessions end. */
  async setPassword(userId: string, password: string): Promise<void> {
    const user = await this.getUser(userId);
    if (user.kind !== 'human')
      throw SwitchboardError.badInput('id', 'a service account has no password; it uses tokens');
    const problems = passwordProblems(password, user.username, 'password');
    if (problems.length) throw SwitchboardError.invalidFields(problems);
    await this.dataSource.query(
      // An invited account whose password an administrator sets is active: the invitation is moot.
      `UPDATE users SET password_hash = $2, password_changed_at = now(), failed_logins = 0, locked_until = NULL,
              status = CASE WHEN status = 'INVITED' THEN 'ACTIVE' ELSE status END WHERE id = $1`,
      [userId, await hashPassword(password)],
    );
    await this.endSessions(userId);
  }

  /** Delete a user: it can no longer sign in; what it did stays attributed to it. */
  async deleteUser(userId: string): Promise<void> {
    const user = await this.getUser(userId);
    if (user.username === SERVICE_ACCOUNT)
      throw SwitchboardError.badInput('id', 'the service account cannot be deleted');
    await this.dataSource.query(`UPDATE users SET deleted_at = now(), status = 'DISABLED' WHERE id = $1`, [
      userId,
    ]);
    await this.endSessions(userId, { tokens: true });
  }
}

function toSession(r: Record<string, unknown>): SessionEntity {
  return {
    id: r.id as string,
    userId: r.user_id as string,
    tokenHash: r.token_hash as string,
    csrfHash: r.csrf_hash as string,
    address: (r.address as string | null) ?? null,
    userAgent: (r.user_agent as string | null) ?? null,
    createdAt: r.created_at as Date,
    lastSeenAt: r.last_seen_at as Date,
    expiresAt: r.expires_at as Date,
    revokedAt: (r.revoked_at as Date | null) ?? null,
  };
}

function toToken(r: Record<string, unknown>): ApiTokenEntity {
  return {
    id: r.id as string,
    userId: r.user_id as string,
    name: r.name as string,
    tokenHash: r.token_hash as string,
    prefix: r.prefix as string,
    permissions: (r.permissions as string[] | null) ?? null,
    expiresAt: (r.expires_at as Date | null) ?? null,
    lastUsedAt: (r.last_used_at as Date | null) ?? null,
    createdAt: r.created_at as Date,
    revokedAt: (r.revoked_at as Date | null) ?? null,
  };
}
