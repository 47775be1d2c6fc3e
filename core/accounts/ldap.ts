import { Logger } from '@nestjs/common';
import { Client, InvalidCredentialsError, SizeLimitExceededError, type Entry } from 'ldapts';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { DataSource } from 'typeorm';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import type { LdapConfig, LdapRoleMapping } from '../../libs/config/src/ldap';
import { isUniqueViolation } from '../database/db-errors';
import { inTransaction } from '../runs/run-log';
import type { UserEntity } from './account.entities';
import { dummyHash, verifyPassword } from './passwords';

/**
 * Directory sign-in (LDAP, Active Directory) for POST /auth/login: find the person with the
 * service bind, bind as the entry found with the password given, read its groups, then provision
 * or update the local account (`user_identities` provider `ldap`, subject the entry's
 * entryUUID/objectGUID) and replace its directory-granted role bindings (source `ldap`) with what
 * LDAP_ROLE_MAP grants now. Bindings an administrator made (source NULL) are left alone.
 */

export const LDAP_PROVIDER = 'ldap';
export const LDAP_SOURCE = 'ldap';
const INVALID_LOGIN = 'invalid username or password';

// ---------------------------------------------------------------------------------------------
// Pure functions (core/accounts/ldap.spec.ts)

/**
 * A value made safe for an LDAP search filter (RFC 4515 section 3): `*`, `(`, `)`, `\` and NUL, and
 * every other control character, as `\XX`; other characters (UTF-8 included) stay as they are.
 */
export function escapeFilterValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  return value.replace(/[\\*()\x00-\x1f\x7f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A filter template with its `{name}` placeholders replaced by escaped values. */
export function fillFilter(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? escapeFilterValue(values[name]) : whole,
  );
}

/** The RDNs of a DN (split at unescaped commas), each trimmed. */
function rdns(dn: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i];
    if (c === '\\' && i + 1 < dn.length) {
      current += c + dn[++i];
    } else if (c === ',' || c === ';') {
      out.push(current.trim());
      current = '';
    } else current += c;
  }
  out.push(current.trim());
  return out.filter(Boolean);
}

/**
 * A DN in a form to compare (case-insensitively, spaces around separators ignored):
 * `CN=NetOps, OU=Groups,DC=Example,DC=Com` and `cn=netops,ou=groups,dc=example,dc=com` are equal.
 */
export function normalizeDn(dn: string): string {
  return rdns(dn)
    .map((rdn) =>
      rdn
        .split('+')
        .map((ava) => {
          const at = ava.indexOf('=');
          return at < 0 ? ava.trim() : `${ava.slice(0, at).trim()}=${ava.slice(at + 1).trim()}`;
        })
        .join('+'),
    )
    .join(',')
    .toLowerCase();
}

/** The value of a DN's first RDN (a group's name: `netops` of `cn=netops,ou=groups,...`). */
export function firstRdnValue(dn: string): string {
  const first = rdns(dn)[0] ?? '';
  const at = first.indexOf('=');
  return (at < 0 ? first : first.slice(at + 1))
    .trim()
    .replace(/\\([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\(.)/g, '$1');
}

export interface RoleGrant {
  role: string;
  sites: string[];
}

/**
 * The roles the groups grant: a mapping whose group holds "=" matches a group DN (normalized), any
 * other matches a group's name (its first RDN value), both case-insensitively. Duplicates merged.
 */
export function rolesForGroups(groups: string[], map: LdapRoleMapping[]): RoleGrant[] {
  const dns = new Set(groups.map(normalizeDn));
  const names = new Set(groups.map((g) => firstRdnValue(g).toLowerCase()));
  const out = new Map<string, RoleGrant>();
  for (const m of map) {
    const hit = m.group.includes('=') ? dns.has(normalizeDn(m.group)) : names.has(m.group.toLowerCase());
    if (!hit) continue;
    const sites = [...new Set(m.sites)].sort();
    out.set(`${m.role}\u0000${sites.join('\u0000')}`, { role: m.role, sites });
  }
  return [...out.values()];
}

/** Active Directory's objectGUID (16 bytes, the first three fields little-endian) as a UUID string. */
export function formatObjectGuid(bytes: Buffer): string {
  if (bytes.length !== 16) return bytes.toString('hex');
  const hex = (from: number, to: number, reverse = false) => {
    const part = [...bytes.subarray(from, to)];
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10), hex(10, 16)].join('-');
}

const first = (value: Entry[string] | undefined): string | null => {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === null) return null;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
};

const all = (value: Entry[string] | undefined): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) =>
    Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
  );

/** What the directory says about a person. */
export interface DirectoryPerson {
  dn: string;
  /** Stable across renames: entryUUID (OpenLDAP, 389-ds), objectGUID (AD), else the DN. */
  subject: string;
  /** uid or sAMAccountName, lower-cased (the name the account gets here), else the name typed. */
  username: string;
  /** The same, as the directory spells it (for `{username}` in LDAP_GROUP_FILTER). */
  directoryName: string;
  displayName: string | null;
  email: string | null;
  /** Group DNs: memberOf values and the groups found under LDAP_GROUP_BASE. */
  groups: string[];
}

/** A person of a search entry (`typed`: the name the user typed, when the entry holds none). */
export function personOf(
  entry: Entry,
  typed: string,
): Omit<DirectoryPerson, 'groups'> & { memberOf: string[] } {
  const guid = entry.objectGUID;
  const guidBytes = Array.isArray(guid) ? guid[0] : guid;
  const subject =
    first(entry.entryUUID)?.toLowerCase() ??
    (Buffer.isBuffer(guidBytes) ? formatObjectGuid(guidBytes) : null) ??
    `dn:${normalizeDn(entry.dn)}`;
  const mail = first(entry.mail);
  const directoryName = (first(entry.uid) ?? first(entry.sAMAccountName) ?? typed).trim();
  return {
    dn: entry.dn,
    subject,
    username: directoryName.toLowerCase(),
    directoryName,
    displayName: (first(entry.displayName) ?? first(entry.cn))?.trim().slice(0, 200) || null,
    email: mail && mail.includes('@') ? mail.trim().slice(0, 320) : null,
    memberOf: all(entry.memberOf),
  };
}

// ---------------------------------------------------------------------------------------------
// The directory

/** The directory could not answer (down, slow, misconfigured): logged, audited, never shown. */
export class DirectoryUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryUnavailableError';
  }
}

export type DirectoryAnswer =
  | { ok: true; person: DirectoryPerson }
  | { ok: false; reason: 'empty password' | 'unknown user' | 'ambiguous user' }
  | { ok: false; reason: 'wrong password'; subject: string };

const USER_ATTRIBUTES = [
  'uid',
  'sAMAccountName',
  'cn',
  'displayName',
  'mail',
  'memberOf',
  'entryUUID',
  'objectGUID',
];

/** One LDAP server (LDAP_URL) and how to find people and their groups in it. */
export class LdapDirectory {
  constructor(readonly config: LdapConfig) {}

  private tls(): ConnectionOptions {
    const host = new URL(this.config.url).hostname.replace(/^\[|\]$/g, '');
    return {
      ...(this.config.tlsCa ? { ca: this.config.tlsCa } : {}),
      // SNI takes a host name, not an address (the certificate is checked against either).
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: true,
    };
  }

  /**
   * Who `username` is, if `password` is theirs. Never binds with an empty password (a simple bind
   * without one is an anonymous bind, which many servers accept). Throws DirectoryUnavailableError
   * when the directory cannot answer; the message holds no password.
   */
  async authenticate(username: string, password: string): Promise<DirectoryAnswer> {
    if (!password) return { ok: false, reason: 'empty password' };
    const c = this.config;
    const client = new Client({
      url: c.url,
      timeout: c.timeoutMs,
      connectTimeout: c.timeoutMs,
      // ldapts speaks TLS from the start whenever tlsOptions is given: only for ldaps://.
      ...(c.url.startsWith('ldaps:') ? { tlsOptions: this.tls() } : {}),
      strictDN: false,
    });
    let step = 'connect';
    try {
      if (c.startTls) {
        step = 'StartTLS';
        await client.startTLS(this.tls());
      }
      if (c.bindDn && c.bindPassword) {
        step = 'service bind (LDAP_BIND_DN)';
        await client.bind(c.bindDn, c.bindPassword);
      }
      step = 'user search (LDAP_USER_BASE, LDAP_USER_FILTER)';
      let entries: Entry[];
      try {
        ({ searchEntries: entries } = await client.search(c.userBase, {
          scope: 'sub',
          filter: fillFilter(c.userFilter, { username }),
          attributes: USER_ATTRIBUTES,
          explicitBufferAttributes: ['objectGUID'],
          sizeLimit: 2,
          timeLimit: Math.ceil(c.timeoutMs / 1000),
        }));
      } catch (error) {
        if (error instanceof SizeLimitExceededError) return { ok: false, reason: 'ambiguous user' };
        throw error;
      }
      if (entries.length === 0) return { ok: false, reason: 'unknown user' };
      if (entries.length > 1) return { ok: false, reason: 'ambiguous user' };
      const { memberOf, ...person } = personOf(entries[0], username);
      if (!person.dn) return { ok: false, reason: 'unknown user' };
      let groups = memberOf;
      if (c.groupBase) {
        step = 'group search (LDAP_GROUP_BASE, LDAP_GROUP_FILTER)';
        const { searchEntries } = await client.search(c.groupBase, {
          scope: 'sub',
          filter: fillFilter(c.groupFilter, { dn: person.dn, username: person.directoryName }),
          attributes: ['cn'],
          timeLimit: Math.ceil(c.timeoutMs / 1000),
        });
        groups = [...groups, ...searchEntries.map((e) => e.dn)];
      }
      // Last: once bound as the user, the connection searches with the user's rights.
      step = 'user bind';
      try {
        await client.bind(person.dn, password);
      } catch (error) {
        if (error instanceof InvalidCredentialsError)
          return { ok: false, reason: 'wrong password', subject: person.subject };
        throw error;
      }
      return { ok: true, person: { ...person, groups: [...new Set(groups)] } };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new DirectoryUnavailableError(`${step} on ${c.url} failed: ${message.slice(0, 300)}`);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The login

/** A refused directory login: the caller sees the local login's answer; the audit log, the reason. */
export class DirectoryLoginRefused extends SwitchboardError {
  constructor(readonly reason: string) {
    super(ErrorCode.UNAUTHENTICATED, INVALID_LOGIN);
  }
}

/** AccountsRepository's USERNAME_RULE (not imported: the repository imports this module). */
const USERNAME_RULE = /^[a-z0-9][a-z0-9._@-]{1,63}$/;

/** Whether the user signs in through the directory (it has an `ldap` identity). */
export async function isDirectoryUser(db: DataSource, userId: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM user_identities WHERE user_id = $1 AND provider = $2 LIMIT 1`,
    [userId, LDAP_PROVIDER],
  );
  return rows.length > 0;
}

/**
 * Sign `username` in through the directory. `known` is the local account of that name (linked to
 * the directory: a local account without a directory identity never gets here). Lockout applies:
 * a locked or disabled account is refused before the directory is asked, and a wrong password
 * counts against it. Returns the signed-in user; throws DirectoryLoginRefused otherwise.
 */
export async function directoryLogin(
  deps: {
    dataSource: DataSource;
    directory: LdapDirectory;
    recordFailedLogin(user: UserEntity): Promise<void>;
    findById(id: string): Promise<UserEntity | null>;
  },
  known: UserEntity | null,
  username: string,
  password: string,
): Promise<UserEntity> {
  const logger = new Logger('LDAP');
  // The same Argon2 work as a local login, so that timing does not tell local from directory users.
  const work = verifyPassword(await dummyHash(), password || 'x').catch(() => false);
  const refuse = async (reason: string): Promise<never> => {
    await work;
    throw new DirectoryLoginRefused(reason);
  };
  if (known) {
    if (known.status !== 'ACTIVE' || known.kind !== 'human') return refuse('account disabled');
    if (known.lockedUntil && known.lockedUntil.getTime() > Date.now()) return refuse('account locked');
  }
  let answer: DirectoryAnswer;
  try {
    answer = await deps.directory.authenticate(username, password);
  } catch (error) {
    if (!(error instanceof DirectoryUnavailableError)) throw error;
    // JSON-quoted: a name cannot forge log lines.
    logger.error(`directory login of ${JSON.stringify(username.slice(0, 64))} failed: ${error.message}`);
    return refuse('directory unavailable');
  }
  await work;
  if (!answer.ok) {
    if (answer.reason === 'wrong password') {
      // The failure counts against the account the entry is linked to, whatever name was typed.
      const [linked]: { user_id: string }[] = known
        ? [{ user_id: known.id }]
        : await deps.dataSource.query(
            `SELECT user_id FROM user_identities WHERE provider = $1 AND subject = $2`,
            [LDAP_PROVIDER, answer.subject],
          );
      const user = linked && (known ?? (await deps.findById(linked.user_id)));
      if (user) await deps.recordFailedLogin(user);
    }
    return refuse(answer.reason);
  }
  const person = answer.person;
  const grants = rolesForGroups(person.groups, deps.directory.config.roleMap);
  type Outcome = { refused: string; userId?: undefined } | { userId: string; refused?: undefined };
  const sync = inTransaction(deps.dataSource, async (m): Promise<Outcome> => {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`switchboard:ldap:${person.subject}`]);
    const [identity]: { user_id: string }[] = await m.query(
      `SELECT user_id FROM user_identities WHERE provider = $1 AND subject = $2`,
      [LDAP_PROVIDER, person.subject],
    );
    let userId: string;
    if (identity) {
      userId = identity.user_id;
    } else if (known) {
      // The name is linked to another directory entry (a person who left, the name reused).
      return { refused: 'the account is linked to another directory entry' };
    } else {
      if (!USERNAME_RULE.test(person.username))
        return {
          refused: `the directory name "${person.username.slice(0, 64)}" is not a valid username here`,
        };
      const [taken]: unknown[] = await m.query(
        `SELECT 1 FROM users WHERE lower(username) = lower($1) AND deleted_at IS NULL`,
        [person.username],
      );
      // Never take over an account of the same name that the directory does not own.
      if (taken) return { refused: `a local account named "${person.username}" exists` };
      if (!grants.length) return { refused: 'in no group of LDAP_ROLE_MAP' };
      const [row]: { id: string }[] = await m.query(
        `INSERT INTO users (username, display_name, email, kind) VALUES ($1, $2, $3, 'human') RETURNING id`,
        [person.username, person.displayName ?? person.username, person.email],
      );
      userId = row.id;
      await m.query(`INSERT INTO user_identities (provider, subject, user_id) VALUES ($1, $2, $3)`, [
        LDAP_PROVIDER,
        person.subject,
        userId,
      ]);
      logger.log(`provisioned user ${person.username} from ${person.dn}`);
    }
    const [user]: { status: string; kind: string; deleted_at: Date | null; locked_until: Date | null }[] =
      await m.query(`SELECT status, kind, deleted_at, locked_until FROM users WHERE id = $1`, [userId]);
    if (!user || user.deleted_at || user.status !== 'ACTIVE' || user.kind !== 'human')
      return { refused: 'account disabled' };
    if (user.locked_until && user.locked_until.getTime() > Date.now()) return { refused: 'account locked' };
    await m.query(
      `UPDATE users SET display_name = COALESCE($2, display_name), email = COALESCE($3, email) WHERE id = $1`,
      [userId, person.displayName, person.email],
    );
    // The directory's bindings become what the groups grant now; an administrator's stay.
    await m.query(`DELETE FROM role_bindings WHERE user_id = $1 AND source = $2`, [userId, LDAP_SOURCE]);
    for (const grant of grants) {
      const [exists]: unknown[] = await m.query(`SELECT 1 FROM roles WHERE name = $1`, [grant.role]);
      if (!exists) {
        logger.warn(`LDAP_ROLE_MAP names the role "${grant.role}", which does not exist: skipped`);
        continue;
      }
      await m.query(`INSERT INTO role_bindings (user_id, role, sites, source) VALUES ($1, $2, $3, $4)`, [
        userId,
        grant.role,
        grant.sites,
        LDAP_SOURCE,
      ]);
    }
    const [{ n }]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM role_bindings WHERE user_id = $1`,
      [userId],
    );
    // Committed either way: a person removed from every group loses the directory's roles now.
    if (n === 0) return { refused: 'in no group of LDAP_ROLE_MAP, and no role bound by hand' };
    // The failure count is left alone: only a completed sign-in (every factor) resets it (loginSucceeded).
    return { userId };
  });
  const outcome = await sync.catch((error: unknown): Outcome => {
    // Another directory entry took the name at the same moment (users_username_key).
    if (isUniqueViolation(error)) return { refused: `a local account named "${person.username}" exists` };
    throw error;
  });
  if (outcome.refused !== undefined) return refuse(outcome.refused);
  const user = await deps.findById(outcome.userId);
  if (!user) return refuse('account disabled');
  return user;
}
