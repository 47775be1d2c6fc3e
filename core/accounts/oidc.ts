import type { OidcProvider } from '../../libs/config/src/oidc';

export {
  OIDC_PRESETS,
  oidcProvidersSchema,
  type OidcPreset,
  type OidcPresetName,
  type OidcProvider,
  type RoleGrantSpec,
} from '../../libs/config/src/oidc';
import type { RoleGrantSpec } from '../../libs/config/src/oidc';

/**
 * OIDC sign-in: the pure parts (the mapping of a claim to role bindings, e-mail domains, the
 * username of a newly provisioned account). Providers and presets are configuration
 * (libs/config/src/oidc.ts); the flow itself (PKCE, discovery, token validation, accounts) is
 * oidc-login.ts; the endpoints apps/api/src/oidc.controller.ts.
 */

/** A claim by name, or by a dotted path (`realm_access.roles`) when no claim has the whole name. */
export function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The claim's values (a string, a list of strings; anything else is none). */
export function claimValues(claims: Record<string, unknown>, name: string | null): string[] {
  if (!name) return [];
  const value = claimAt(claims, name);
  const list = Array.isArray(value) ? value : [value];
  return [...new Set(list.filter((v): v is string => typeof v === 'string' && v !== ''))];
}

/**
 * The role bindings the claims grant through the provider's roleMap (`*` applies to everyone who
 * signs in), merged: a role granted everywhere once is granted everywhere; otherwise its sites add up.
 */
export function mapRoles(
  provider: Pick<OidcProvider, 'roleClaim' | 'roleMap'>,
  claims: Record<string, unknown>,
): RoleGrantSpec[] {
  const granted = new Map<string, Set<string> | 'everywhere'>();
  const values = [...claimValues(claims, provider.roleClaim), '*'];
  for (const value of values) {
    for (const grant of provider.roleMap[value] ?? []) {
      const current = granted.get(grant.role);
      if (current === 'everywhere') continue;
      if (!grant.sites.length) granted.set(grant.role, 'everywhere');
      else granted.set(grant.role, new Set([...(current ?? []), ...grant.sites]));
    }
  }
  return [...granted]
    .map(([role, sites]) => ({ role, sites: sites === 'everywhere' ? [] : [...sites].sort() }))
    .sort((a, b) => a.role.localeCompare(b.role));
}

/**
 * The e-mail domain the claims vouch for: Google's `hd`, else the part of `email` after the @,
 * unless the provider says the address is not verified (`email_verified: false`: anyone could
 * have typed it).
 */
export function emailDomain(claims: Record<string, unknown>): string | null {
  if (typeof claims.hd === 'string' && claims.hd) return claims.hd.toLowerCase();
  if (claims.email_verified === false || claims.email_verified === 'false') return null;
  const email = typeof claims.email === 'string' ? claims.email : '';
  const at = email.lastIndexOf('@');
  return at > 0 ? email.slice(at + 1).toLowerCase() : null;
}

export function domainAllowed(
  provider: Pick<OidcProvider, 'allowedDomains'>,
  claims: Record<string, unknown>,
): boolean {
  if (!provider.allowedDomains) return true;
  const domain = emailDomain(claims);
  return !!domain && provider.allowedDomains.includes(domain);
}

/**
 * The username a new account gets: preferred_username, else the e-mail address, else
 * `<provider>-<sub>`; lower-cased, characters outside the username rule replaced by "-", at most
 * 64 characters (leaving room for a "-2" suffix when it is taken).
 */
export function baseUsername(provider: string, claims: Record<string, unknown>): string {
  const candidates = [claims.preferred_username, claims.email, `${provider}-${String(claims.sub)}`];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const cleaned = candidate
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9._@-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 60);
    if (cleaned.length >= 2) return cleaned;
  }
  return `${provider}-user`;
}

/** The n-th alternative of a taken username: `name`, `name-2`, `name-3`, ... */
export function usernameCandidate(base: string, n: number): string {
  return n <= 1 ? base : `${base.slice(0, 64 - String(n).length - 1)}-${n}`;
}

/** The provider as a page may see it (never the secret, nor the client id's configuration). */
export function publicView(p: OidcProvider): {
  name: string;
  displayName: string;
  preset: string | null;
  startUrl: string;
} {
  return {
    name: p.name,
    displayName: p.displayName,
    preset: p.preset,
    startUrl: `/auth/oidc/${p.name}/start`,
  };
}
