import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseCookies } from 'cookie';
import type { AccountsRepository } from '../../../core/accounts/accounts.repository';
import type { Principal } from '../../../core/accounts/principal';
import { sameSecret } from '../../../core/accounts/secrets';
import { runAs } from '../../../core/accounts/actor';

/** The cookies of a browser session: the session itself (HttpOnly) and its CSRF token (readable). */
export const SESSION_COOKIE = 'sb_session';
export const CSRF_COOKIE = 'sb_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export type AuthenticatedRequest = IncomingMessage & {
  /** Who sent it (null: nobody we know). */
  principal?: (Principal & { csrfHash?: string }) | null;
};

const bearer = (header: unknown): string | null => {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
};

/**
 * Who a request comes from, resolved once before its body is read, for everything after it (rate
 * and body limits, the GraphQL context, the guard, the audit log): a personal access token or
 * API_TOKEN (the service account) as a bearer token, else the session cookie.
 */
export async function principalOf(
  accounts: AccountsRepository,
  apiToken: string,
  headers: IncomingMessage['headers'],
): Promise<(Principal & { csrfHash?: string }) | null> {
  const presented = bearer(headers.authorization);
  if (presented) {
    if (sameSecret(presented, apiToken)) return accounts.servicePrincipal();
    return accounts.tokenPrincipal(presented);
  }
  const session = parseCookies(headers.cookie ?? '')[SESSION_COOKIE];
  return session ? accounts.sessionPrincipal(session) : null;
}

export function authenticateMiddleware(accounts: AccountsRepository, apiToken: string) {
  return (req: AuthenticatedRequest, _res: ServerResponse, next: (error?: unknown) => void): void => {
    principalOf(accounts, apiToken, req.headers).then(
      (principal) => {
        req.principal = principal;
        // Everything this request does (its resolvers, their writes) runs as this user.
        runAs(principal ? { userId: principal.userId, username: principal.username } : null, () => next());
      },
      (error: unknown) => next(error),
    );
  };
}
