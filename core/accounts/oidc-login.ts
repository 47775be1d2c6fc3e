import { Logger, ServiceUnavailableException } from '@nestjs/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { custom, errors as oidcErrors, generators, Issuer, type BaseClient } from 'openid-client';
import type { DataSource } from 'typeorm';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import type { AppConfig } from '../../libs/config/src/config';
import { isUniqueViolation } from '../database/db-errors';
import { inTransaction, type Db } from '../runs/run-log';
import type { UserEntity } from './account.entities';
import type { AccountsRepository } from './accounts.repository';
import {
  baseUsername,
  claimValues,
  domainAllowed,
  mapRoles,
  usernameCandidate,
  type OidcProvider,
  type RoleGrantSpec,
} from './oidc';
import { authorizeUrl, qqClaims, wechatClaims } from './oauth-cn';
import { sameSecret } from './secrets';

/** How long a sign-in may take at the provider (the flow cookie's lifetime). */
export const OIDC_FLOW_MS = 10 * 60_000;

/** What a browser carries between /start and /callback, sealed (AES-256-GCM) in an HttpOnly cookie. */
export interface OidcFlow {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  /** A link flow: the signed-in user who asked to link this provider's identity to their account. */
  link: string | null;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export interface OidcOutcome {
  user: UserEntity;
  roles: RoleGrantSpec[];
  created: boolean;
  linked: boolean;
  subject: string;
}

custom.setHttpOptionsDefaults({ timeout: 10_000 });

/** Provider refusals and failed checks, with messages that carry nothing secret. */
const fail = (code: ErrorCode, message: string) => new SwitchboardError(code, message);

/**
 * OIDC sign-in with the authorization code flow and PKCE (openid-client): discovery (cached per
 * provider, retried after a failure), the authorization URL, and the callback: state, code
 * exchange, ID token validation (signature by the provider's JWKS, issuer, audience, expiry,
 * nonce), then the account: an identity already linked signs its user in; an unknown one is
 * provisioned with the roles the claims map to; one whose e-mail belongs to an existing account is
 * refused (its owner links it, signed in, with a link flow). Writes `users`, `user_identities` and
 * the provider's own `role_bindings` (source `oidc:<name>`), next to AccountsRepository.
 * Made by the OIDC controller (it needs nothing the module does not already have).
 */
export class OidcLogin {
  private readonly logger = new Logger('OIDC');
  private readonly clients = new Map<string, Promise<BaseClient>>();
  private readonly key: Buffer;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
  ) {
    this.key = Buffer.from(
      hkdfSync('sha256', config.credentialsKey, Buffer.alloc(0), 'switchboard oidc flow cookie', 32),
    );
  }

  providers(): OidcProvider[] {
    return this.config.oidc.providers;
  }

  provider(name: string): OidcProvider {
    const provider = this.providers().find((p) => p.name === name);
    if (!provider) throw fail(ErrorCode.NOT_FOUND, `no OIDC provider named "${name.slice(0, 40)}"`);
    return provider;
  }

  redirectUri(provider: OidcProvider): string {
    return `${this.config.api.publicUrl}/auth/oidc/${provider.name}/callback`;
  }

  private client(provider: OidcProvider): Promise<BaseClient> {
    let client = this.clients.get(provider.name);
    if (!client) {
      client = Issuer.discover(provider.issuer).then(
        (issuer) =>
          new issuer.Client({
            client_id: provider.clientId,
            ...(provider.clientSecret
              ? { client_secret: provider.clientSecret, token_endpoint_auth_method: 'client_secret_basic' }
              : { token_endpoint_auth_method: 'none' }),
            redirect_uris: [this.redirectUri(provider)],
            response_types: ['code'],
          }),
      );
      this.clients.set(provider.name, client);
      client.catch((error: unknown) => {
        this.clients.delete(provider.name);
        this.logger.warn(
          `discovery of OIDC provider ${provider.name} (${provider.issuer}) failed: ${(error as Error).message}`,
        );
      });
    }
    return client.catch(() => {
      // 503: the provider's fault, not the person's (the filter keeps the message).
      throw new ServiceUnavailableException(
        `the OIDC provider "${provider.name}" cannot be reached (discovery of its issuer failed); try again later`,
      );
    });
  }

  /** Where to send the browser, and the flow to seal into its cookie. */
  async start(provider: OidcProvider, link: string | null): Promise<{ url: string; flow: OidcFlow }> {
    const flow: OidcFlow = {
      provider: provider.name,
      state: generators.state(),
      nonce: generators.nonce(),
      verifier: generators.codeVerifier(),
      link,
      exp: Date.now() + OIDC_FLOW_MS,
    };
    if (provider.protocol !== 'oidc')
      return { url: authorizeUrl(provider, this.redirectUri(provider), flow.state), flow };
    const client = await this.client(provider);
    const url = client.authorizationUrl({
      scope: provider.scopes.join(' '),
      redirect_uri: this.redirectUri(provider),
      response_type: 'code',
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: generators.codeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      ...(link ? { prompt: 'login' } : {}),
    });
    return { url, flow };
  }

  seal(flow: OidcFlow): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(flow), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The flow of a cookie: null when it was not sealed here (tampered, or another key). */
  unseal(value: string): OidcFlow | null {
    try {
      const raw = Buffer.from(value, 'base64url');
      if (raw.length < 29) return null;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as OidcFlow;
    } catch {
      return null;
    }
  }

  /**
   * The claims of a callback, once everything is checked: the flow (its provider, expiry and
   * state), then the code exchange with the PKCE verifier and the ID token (openid-client checks
   * its signature against the provider's JWKS, the issuer, the audience, expiry and the nonce).
   */
  async callback(
    provider: OidcProvider,
    flow: OidcFlow | null,
    req: IncomingMessage,
  ): Promise<Record<string, unknown>> {
    const client = provider.protocol === 'oidc' ? await this.client(provider) : null;
    const params: Record<string, unknown> = client
      ? client.callbackParams(req)
      : Object.fromEntries(new URL(req.url ?? '/', 'http://callback').searchParams);
    if (typeof params.error === 'string') {
      const error = params.error.replace(/[^\w.-]/g, '').slice(0, 60);
      throw fail(
        error === 'access_denied' ? ErrorCode.FORBIDDEN : ErrorCode.UNAUTHENTICATED,
        `the OIDC provider "${provider.name}" refused the sign-in: ${error || 'unknown error'}`,
      );
    }
    if (!flow)
      throw fail(
        ErrorCode.BAD_USER_INPUT,
        'no OIDC sign-in is in progress in this browser (it was completed, or its cookie was lost); start again',
      );
    if (flow.exp < Date.now())
      throw fail(
        ErrorCode.BAD_USER_INPUT,
        'the OIDC sign-in took more than 10 minutes and expired; start again',
      );
    if (flow.provider !== provider.name)
      throw fail(
        ErrorCode.BAD_USER_INPUT,
        `the sign-in in progress is with "${flow.provider}", not "${provider.name}"`,
      );
    if (typeof params.state !== 'string' || !sameSecret(params.state, flow.state))
      throw fail(
        ErrorCode.BAD_USER_INPUT,
        'the state of the OIDC callback does not match the sign-in in progress',
      );
    if (typeof params.code !== 'string' || !params.code) {
      // WeChat sends the person back without a code when they decline.
      if (provider.protocol === 'wechat')
        throw fail(ErrorCode.FORBIDDEN, `the sign-in was declined at ${provider.displayName}`);
      throw fail(ErrorCode.BAD_USER_INPUT, 'the OIDC callback carries no code');
    }
    if (!client) {
      return provider.protocol === 'qq'
        ? qqClaims(provider, params.code, this.redirectUri(provider))
        : wechatClaims(provider, params.code);
    }
    let tokens;
    try {
      tokens = await client.callback(this.redirectUri(provider), params, {
        state: flow.state,
        nonce: flow.nonce,
        code_verifier: flow.verifier,
        response_type: 'code',
      });
    } catch (error) {
      throw this.tokenError(provider, error);
    }
    if (!tokens.id_token) throw fail(ErrorCode.UNAUTHENTICATED, `"${provider.name}" returned no ID token`);
    let claims: Record<string, unknown> = { ...tokens.claims() };
    // Some providers put groups only in the userinfo answer.
    if (provider.roleClaim && claimValues(claims, provider.roleClaim).length === 0 && tokens.access_token) {
      try {
        const info = await client.userinfo(tokens);
        claims = { ...info, ...claims };
      } catch (error) {
        this.logger.warn(`userinfo of ${provider.name} failed: ${(error as Error).message}`);
      }
    }
    if (typeof claims.sub !== 'string' || !claims.sub)
      throw fail(ErrorCode.UNAUTHENTICATED, `the ID token of "${provider.name}" has no subject`);
    return claims;
  }

  private tokenError(provider: OidcProvider, error: unknown): SwitchboardError {
    if (error instanceof SwitchboardError) return error;
    if (error instanceof oidcErrors.OPError) {
      // The token endpoint's refusal: invalid_grant for a code used twice, expired, or a wrong verifier.
      const code = String(error.error)
        .replace(/[^\w.-]/g, '')
        .slice(0, 60);
      return fail(ErrorCode.UNAUTHENTICATED, `"${provider.name}" refused the code: ${code}`);
    }
    const message = error instanceof Error ? error.message : String(error);
    const known: [RegExp, string][] = [
      [/^nonce mismatch/, 'the nonce of the ID token does not match the sign-in in progress'],
      [/^state mismatch/, 'the state of the OIDC callback does not match the sign-in in progress'],
      [/^unexpected iss/, 'the ID token was issued by another issuer'],
      [/^aud mismatch|^aud is missing/, 'the ID token was issued for another client'],
      [/^JWT expired|^JWT not active yet|iat/, 'the ID token is expired or not yet valid'],
      [/signature|no valid key|failed to validate JWT/i, 'the signature of the ID token is not valid'],
    ];
    const hit = known.find(([pattern]) => pattern.test(message));
    // The library's message may quote tokens or expected values: neither the answer nor the log does.
    this.logger.warn(
      `OIDC callback of ${provider.name} refused: ${hit ? hit[1] : message.replace(/\S{16,}/g, '…').slice(0, 200)}`,
    );
    return fail(
      ErrorCode.UNAUTHENTICATED,
      hit ? hit[1] : `the answer of "${provider.name}" could not be validated`,
    );
  }

  /** The account of the claims: signed in, provisioned, or linked (a link flow), its roles synced. */
  async account(
    provider: OidcProvider,
    claims: Record<string, unknown>,
    link: string | null,
  ): Promise<OidcOutcome> {
    if (!domainAllowed(provider, claims))
      throw fail(
        ErrorCode.FORBIDDEN,
        `accounts of this e-mail domain may not sign in with "${provider.name}"`,
      );
    const source = `${provider.protocol}:${provider.name}`;
    const subject = claims.sub as string;
    const roles = mapRoles(provider, claims);
    const email = typeof claims.email === 'string' && claims.email.includes('@') ? claims.email.trim() : null;
    const result = await inTransaction(this.dataSource, async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`switchboard:${source}:${subject}`]);
      const [identity]: { user_id: string }[] = await m.query(
        `SELECT user_id FROM user_identities WHERE provider = $1 AND subject = $2`,
        [source, subject],
      );
      let userId: string;
      let created = false;
      let linked = false;
      if (link) {
        if (identity && identity.user_id !== link)
          throw fail(
            ErrorCode.CONFLICT,
            `this ${provider.displayName} identity is linked to another account`,
          );
        if (!identity) {
          await m.query(`INSERT INTO user_identities (provider, subject, user_id) VALUES ($1, $2, $3)`, [
            source,
            subject,
            link,
          ]);
          linked = true;
        }
        userId = link;
      } else if (identity) {
        userId = identity.user_id;
      } else {
        if (email) {
          const [owner] = await m.query(
            `SELECT 1 FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL`,
            [email],
          );
          if (owner)
            throw fail(
              ErrorCode.CONFLICT,
              `an account with the e-mail address of this ${provider.displayName} identity exists; it is not linked ` +
                `without its owner's consent: sign in with your password, then link ${provider.displayName} ` +
                `(POST /auth/oidc/${provider.name}/link)`,
            );
        }
        if (!roles.length)
          throw fail(
            ErrorCode.FORBIDDEN,
            `your ${provider.displayName} account is granted no role here (no value of its claim ` +
              `"${provider.roleClaim ?? '(none)'}" is in the role map); ask an administrator`,
          );
        // An address the provider has not verified is not given to the new account.
        const verified = claims.email_verified !== false && claims.email_verified !== 'false';
        userId = await this.provision(m, provider, claims, verified ? email : null);
        await m.query(`INSERT INTO user_identities (provider, subject, user_id) VALUES ($1, $2, $3)`, [
          source,
          subject,
          userId,
        ]);
        created = true;
      }
      const user = await this.accounts.findById(userId, m);
      if (!user || user.deletedAt || user.status !== 'ACTIVE' || user.kind !== 'human')
        throw fail(ErrorCode.FORBIDDEN, 'this account is disabled');
      await this.syncRoles(m, userId, source, roles);
      const [{ n }]: { n: number }[] = await m.query(
        `SELECT count(*)::int AS n FROM role_bindings WHERE user_id = $1`,
        [userId],
      );
      await m.query(`UPDATE users SET last_login_at = now() WHERE id = $1`, [userId]);
      return { user, created, linked, bindings: n };
    });
    if (result.bindings === 0 && !link)
      throw fail(
        ErrorCode.FORBIDDEN,
        `your ${provider.displayName} account is granted no role here any more; ask an administrator`,
      );
    return { user: result.user, roles, created: result.created, linked: result.linked, subject };
  }

  private async provision(
    m: Db,
    provider: OidcProvider,
    claims: Record<string, unknown>,
    email: string | null,
  ): Promise<string> {
    const base = baseUsername(provider.name, claims);
    const name = typeof claims.name === 'string' ? claims.name.trim().slice(0, 200) : '';
    for (let n = 1; n <= 100; n++) {
      const username = usernameCandidate(base, n);
      const [taken] = await m.query(`SELECT 1 FROM users WHERE lower(username) = $1 AND deleted_at IS NULL`, [
        username,
      ]);
      if (taken) continue;
      try {
        await m.query('SAVEPOINT oidc_user');
        const [row]: { id: string }[] = await m.query(
          `INSERT INTO users (username, display_name, email, kind) VALUES ($1, $2, $3, 'human') RETURNING id`,
          [username, name || username, email],
        );
        await m.query('RELEASE SAVEPOINT oidc_user');
        this.logger.log(`provisioned user ${username} for ${provider.name}`);
        return row.id;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await m.query('ROLLBACK TO SAVEPOINT oidc_user');
      }
    }
    throw fail(ErrorCode.CONFLICT, `no free username near "${base}"`);
  }

  /** The provider's bindings become what the claims grant now (roles that do not exist are skipped). */
  private async syncRoles(m: Db, userId: string, source: string, roles: RoleGrantSpec[]): Promise<void> {
    await m.query(`DELETE FROM role_bindings WHERE user_id = $1 AND source = $2`, [userId, source]);
    for (const grant of roles) {
      const [exists] = await m.query(`SELECT 1 FROM roles WHERE name = $1`, [grant.role]);
      if (!exists) {
        this.logger.warn(`${source} maps a claim to the role "${grant.role}", which does not exist: skipped`);
        continue;
      }
      await m.query(`INSERT INTO role_bindings (user_id, role, sites, source) VALUES ($1, $2, $3, $4)`, [
        userId,
        grant.role,
        grant.sites,
        source,
      ]);
    }
  }
}
