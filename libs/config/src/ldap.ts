import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Directory sign-in (LDAP, Active Directory): its environment variables, checked at boot with the
 * rest of the configuration (config.ts). Off while LDAP_URL is unset. See docs/security.md.
 */

export const DEFAULT_LDAP_USER_FILTER = '(|(uid={username})(sAMAccountName={username}))';
export const DEFAULT_LDAP_GROUP_FILTER = '(|(member={dn})(uniqueMember={dn})(memberUid={username}))';

/** A directory group and the role its members get, everywhere or for some sites. */
export interface LdapRoleMapping {
  /** A group DN (when it holds "="), or a group's name (its cn). */
  group: string;
  role: string;
  sites: string[];
}

export interface LdapConfig {
  url: string;
  /** The service bind that searches for people; null: anonymous search. */
  bindDn: string | null;
  /** A secret: never logged, never returned. */
  bindPassword: string | null;
  userBase: string;
  /** `{username}` is replaced by the escaped login name (RFC 4515). */
  userFilter: string;
  /** Groups are searched for under this base (with groupFilter); null: the user's memberOf only. */
  groupBase: string | null;
  /** `{dn}` (the user's DN) and `{username}` are replaced, escaped. */
  groupFilter: string;
  roleMap: LdapRoleMapping[];
  startTls: boolean;
  /** PEM CA certificates for ldaps:// and StartTLS (else the system's). */
  tlsCa: string | null;
  timeoutMs: number;
}

const ROLE_NAME = /^[a-z][a-z0-9-]{1,39}$/;

/**
 * LDAP_ROLE_MAP: JSON (`{"cn=netops,ou=groups,dc=example,dc=com": "operator",
 * "lab-a-ops": {"role": "operator", "sites": ["lab-a"]}}`, a value may also be a list of these), or
 * text: `group=role[@site,site];group=role...` (the last "=" of each entry splits group from role).
 * Throws a message (without the value) when it is not one.
 */
export function parseRoleMap(text: string): LdapRoleMapping[] {
  const trimmed = text.trim();
  const out: LdapRoleMapping[] = [];
  const add = (group: unknown, role: unknown, sites: unknown, where: string) => {
    if (typeof group !== 'string' || !group.trim()) throw new Error(`${where}: the group is empty`);
    if (typeof role !== 'string' || !ROLE_NAME.test(role.trim()))
      throw new Error(`${where}: the role must be a role name (lower-case letters, digits, "-")`);
    if (
      sites !== undefined &&
      (!Array.isArray(sites) || sites.some((s) => typeof s !== 'string' || !s.trim()))
    )
      throw new Error(`${where}: sites must be a list of site names`);
    out.push({
      group: group.trim(),
      role: role.trim(),
      sites: ((sites as string[] | undefined) ?? []).map((s) => s.trim()),
    });
  };
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new Error('is not valid JSON');
    }
    const one = (group: unknown, value: unknown, where: string) => {
      if (typeof value === 'string') add(group, value, undefined, where);
      else if (value && typeof value === 'object' && !Array.isArray(value)) {
        const v = value as { group?: unknown; role?: unknown; sites?: unknown };
        add(v.group ?? group, v.role, v.sites, where);
      } else throw new Error(`${where}: must be a role name or {"role": ..., "sites": [...]}`);
    };
    if (Array.isArray(parsed)) parsed.forEach((v, i) => one(undefined, v, `entry ${i + 1}`));
    else
      for (const [group, value] of Object.entries(parsed as Record<string, unknown>)) {
        if (Array.isArray(value)) value.forEach((v, i) => one(group, v, `"${group}" [${i}]`));
        else one(group, value, `"${group}"`);
      }
  } else {
    trimmed
      .split(';')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .forEach((entry, i) => {
        const at = entry.lastIndexOf('=');
        if (at <= 0) throw new Error(`entry ${i + 1}: must be group=role`);
        const [role, sites] = entry.slice(at + 1).split('@');
        add(
          entry.slice(0, at),
          role,
          sites === undefined ? undefined : sites.split(',').filter((s) => s.trim()),
          `entry ${i + 1}`,
        );
      });
  }
  if (!out.length) throw new Error('maps no group');
  return out;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** The LDAP_* keys of the environment schema (spread into config.ts's). */
export const ldapEnvShape = {
  LDAP_URL: z
    .string()
    .refine(
      (value) => {
        try {
          return ['ldap:', 'ldaps:'].includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: 'must be a URL starting with ldap:// or ldaps://' },
    )
    .optional(),
  LDAP_BIND_DN: z.string().optional(),
  LDAP_BIND_PASSWORD: z.string().optional(),
  LDAP_USER_BASE: z.string().optional(),
  LDAP_USER_FILTER: z
    .string()
    .refine((f) => f.includes('{username}') && f.startsWith('(') && f.endsWith(')'), {
      message: 'must be an LDAP filter in parentheses containing {username}',
    })
    .default(DEFAULT_LDAP_USER_FILTER),
  LDAP_GROUP_BASE: z.string().optional(),
  LDAP_GROUP_FILTER: z
    .string()
    .refine((f) => /\{(dn|username)\}/.test(f) && f.startsWith('(') && f.endsWith(')'), {
      message: 'must be an LDAP filter in parentheses containing {dn} or {username}',
    })
    .default(DEFAULT_LDAP_GROUP_FILTER),
  LDAP_ROLE_MAP: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseRoleMap(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  LDAP_START_TLS: bool.default(false),
  LDAP_TLS_CA_FILE: z
    .string()
    .refine((file) => existsSync(file), { message: 'must be the path of a PEM file that exists' })
    .optional(),
  LDAP_TIMEOUT_MS: z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be an integer' })
    .min(100, { message: 'must be at least 100' })
    .max(120_000, { message: 'must be at most 120000' })
    .default(5000),
};

type LdapEnv = z.output<z.ZodObject<typeof ldapEnvShape>>;

/** The LDAP settings (null when LDAP_URL is unset), or the problems, each naming its variable. */
export function ldapConfigOf(e: LdapEnv): { ldap: LdapConfig | null; problems: string[] } {
  if (!e.LDAP_URL) return { ldap: null, problems: [] };
  const problems: string[] = [];
  if (!e.LDAP_USER_BASE?.trim()) problems.push('LDAP_USER_BASE is required with LDAP_URL');
  if (!!e.LDAP_BIND_DN !== !!e.LDAP_BIND_PASSWORD)
    problems.push('LDAP_BIND_DN and LDAP_BIND_PASSWORD go together (both, or neither for anonymous search)');
  if (e.LDAP_START_TLS && e.LDAP_URL.startsWith('ldaps:'))
    problems.push('LDAP_START_TLS is for ldap:// URLs (ldaps:// is TLS from the start)');
  if (problems.length) return { ldap: null, problems };
  return {
    ldap: {
      url: e.LDAP_URL,
      bindDn: e.LDAP_BIND_DN ?? null,
      bindPassword: e.LDAP_BIND_PASSWORD ?? null,
      userBase: e.LDAP_USER_BASE!.trim(),
      userFilter: e.LDAP_USER_FILTER,
      groupBase: e.LDAP_GROUP_BASE?.trim() || null,
      groupFilter: e.LDAP_GROUP_FILTER,
      roleMap: e.LDAP_ROLE_MAP ?? [],
      startTls: e.LDAP_START_TLS,
      tlsCa: e.LDAP_TLS_CA_FILE ? readFileSync(e.LDAP_TLS_CA_FILE, 'utf8') : null,
      timeoutMs: e.LDAP_TIMEOUT_MS,
    },
    problems: [],
  };
}
