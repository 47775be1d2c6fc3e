import type { UserKind } from './account.entities';
import { scopeOf, type Grant, type Permission, type Scope } from './permissions';

/** Who is asking, how they proved it, and what they may do where. */
export interface Principal {
  userId: string;
  username: string;
  kind: UserKind;
  /** How the request authenticated. */
  via: 'session' | 'token' | 'service-token';
  sessionId: string | null;
  tokenId: string | null;
  grants: Grant[];
  /** A personal access token limited to some permissions (never more than its user holds). */
  tokenPermissions: readonly string[] | null;
}

/** The scope in which the principal holds `permission`; null when it does not. */
export function scopeFor(principal: Principal, permission: Permission): Scope | null {
  if (principal.tokenPermissions && !principal.tokenPermissions.includes(permission)) return null;
  return scopeOf(principal.grants, permission);
}

export const can = (principal: Principal, permission: Permission): boolean =>
  scopeFor(principal, permission) !== null;

/** The roles a principal holds, by name (for the audit log). */
export const rolesOf = (principal: Principal): string[] => [...new Set(principal.grants.map((g) => g.role))];
