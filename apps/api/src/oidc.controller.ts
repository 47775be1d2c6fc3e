import { Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parse as parseCookies, serialize } from 'cookie';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import { AccountsRepository } from '../../../core/accounts/accounts.repository';
import { appendAudit } from '../../../core/accounts/audit';
import { publicView, type OidcProvider } from '../../../core/accounts/oidc';
import { OIDC_FLOW_MS, OidcLogin, type OidcFlow } from '../../../core/accounts/oidc-login';
import { rolesOf } from '../../../core/accounts/principal';
import { csrfMatches } from '../../../core/accounts/secrets';
import { ErrorCode, SwitchboardError } from '../../../libs/common/src/errors';
import type { AppConfig } from '../../../libs/config/src/config';
import { APP_CONFIG } from '../../../libs/config/src/config.module';
import { Public } from '../../../graphql/common/auth.guard';
import { TokenBuckets } from './rate-limit';
import {
  CSRF_COOKIE,
  CSRF_HEADER,
  SESSION_COOKIE,
  type AuthenticatedRequest,
} from './authenticate.middleware';

/** The sealed flow (state, nonce, PKCE verifier) between /start and /callback. */
export const OIDC_FLOW_COOKIE = 'sb_oidc';
const FLOW_PATH = '/auth/oidc';

/**
 * Sign-in with OIDC providers (OIDC_PROVIDERS): GET /auth/oidc/providers lists them for the login
 * page; GET /auth/oidc/<name>/start sends the browser to the provider (authorization code flow with
 * PKCE; state, nonce and verifier sealed in a short-lived HttpOnly cookie); the provider sends it
 * back to GET /auth/oidc/<name>/callback, which signs the user in like POST /auth/login (same
 * cookies, audited as operation auth.oidc) and redirects to OIDC_SUCCESS_PATH. A signed-in user
 * links an identity to their own account with POST /auth/oidc/<name>/link (CSRF header required).
 */
@Controller('auth/oidc')
export class OidcController {
  private readonly oidc: OidcLogin;
  /** Callbacks a client address may make a minute (API_LOGIN_ATTEMPTS_PER_MINUTE, as password logins). */
  private readonly attempts: TokenBuckets;

  constructor(
    private readonly accounts: AccountsRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.oidc = new OidcLogin(config, dataSource, accounts);
    const perMinute = config.api.loginAttemptsPerMinute;
    this.attempts = new TokenBuckets(perMinute / 60, perMinute);
  }

  @Public()
  @Get('providers')
  providers() {
    return { providers: this.oidc.providers().map(publicView) };
  }

  @Public()
  @Get(':provider/start')
  async start(@Param('provider') name: string, @Res() res: ServerResponse) {
    const provider = this.oidc.provider(name);
    const { url, flow } = await this.oidc.start(provider, null);
    res.setHeader('set-cookie', this.flowCookie(flow));
    res.setHeader('cache-control', 'no-store');
    res.statusCode = 302;
    res.setHeader('location', url);
    res.end();
  }

  /**
   * Link the provider's identity to the signed-in account: the user asks for it (a POST with the
   * session's CSRF token, which no other site can send), then proves it at the provider.
   */
  @Public()
  @Post(':provider/link')
  @HttpCode(200)
  async link(
    @Param('provider') name: string,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    const provider = this.oidc.provider(name);
    const principal = req.principal;
    if (!principal || principal.via !== 'session')
      throw new SwitchboardError(
        ErrorCode.UNAUTHENTICATED,
        'linking an identity needs a signed-in browser session',
      );
    if (!csrfMatches(req.headers[CSRF_HEADER], principal.csrfHash))
      throw new SwitchboardError(
        ErrorCode.FORBIDDEN,
        `linking an identity needs the CSRF token in the ${CSRF_HEADER} header`,
      );
    const { url, flow } = await this.oidc.start(provider, principal.userId);
    res.setHeader('set-cookie', this.flowCookie(flow));
    return { url };
  }

  @Public()
  @Get(':provider/callback')
  async callback(
    @Param('provider') name: string,
    @Req() req: AuthenticatedRequest,
    @Res() res: ServerResponse,
  ): Promise<void> {
    const meta = this.meta(req);
    const sealed = parseCookies(req.headers.cookie ?? '')[OIDC_FLOW_COOKIE];
    const flow: OidcFlow | null = sealed ? this.oidc.unseal(sealed) : null;
    // The flow is used once, whatever happens next.
    res.setHeader('set-cookie', this.clearFlowCookie());
    const wait = this.attempts.take(`address ${meta.address ?? 'unknown'}`);
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      throw new SwitchboardError(
        ErrorCode.RATE_LIMITED,
        `Too many sign-ins from this address (API_LOGIN_ATTEMPTS_PER_MINUTE); retry after ${wait} s`,
      );
    }
    let provider: OidcProvider | null = null;
    let subject: string | null = null;
    const audit = (
      outcome: 'OK' | 'DENIED',
      actor: { id: string; name: string; roles: string[] } | null,
      args: Record<string, unknown>,
      errorCode: string | null,
      operation = 'auth.oidc',
    ) =>
      appendAudit(this.dataSource, {
        actorId: actor?.id ?? null,
        actorName: actor?.name ?? (subject ? `${name}:${subject}` : null),
        roles: actor?.roles ?? [],
        ...meta,
        kind: 'login',
        operation,
        arguments: { provider: name.slice(0, 40), ...args },
        outcome,
        errorCode,
        durationMs: null,
      });
    try {
      provider = this.oidc.provider(name);
      if (flow?.link && req.principal?.userId !== flow.link)
        throw new SwitchboardError(
          ErrorCode.FORBIDDEN,
          'the account that asked to link this identity is no longer signed in in this browser',
        );
      const claims = await this.oidc.callback(provider, flow, req);
      subject = claims.sub as string;
      const outcome = await this.oidc.account(provider, claims, flow?.link ?? null);
      const grants = await this.accounts.grantsOf(outcome.user.id);
      const actor = {
        id: outcome.user.id,
        name: outcome.user.username,
        roles: [...new Set(grants.map((g) => g.role))],
      };
      if (flow?.link) {
        await audit('OK', actor, { subject, linked: outcome.linked }, null, 'auth.oidc.link');
      } else {
        const issued = await this.accounts.issueSession(outcome.user.id, meta);
        await audit('OK', actor, { subject, created: outcome.created }, null);
        res.setHeader('set-cookie', [
          this.clearFlowCookie(),
          ...this.sessionCookies(issued.token, issued.csrf, issued.session.expiresAt),
        ]);
      }
      res.setHeader('cache-control', 'no-store');
      res.statusCode = 302;
      res.setHeader('location', this.config.oidc.successPath);
      res.end();
    } catch (error) {
      const code = error instanceof SwitchboardError ? error.code : ErrorCode.INTERNAL;
      await audit(
        'DENIED',
        req.principal && flow?.link
          ? { id: req.principal.userId, name: req.principal.username, roles: rolesOf(req.principal) }
          : null,
        {
          subject,
          reason: error instanceof SwitchboardError ? error.message.slice(0, 300) : 'internal error',
        },
        code,
        flow?.link ? 'auth.oidc.link' : 'auth.oidc',
      ).catch(() => undefined);
      throw error;
    }
  }

  private meta(req: IncomingMessage) {
    const agent = req.headers['user-agent'];
    return { address: req.socket.remoteAddress ?? null, userAgent: typeof agent === 'string' ? agent : null };
  }

  private flowCookie(flow: OidcFlow): string {
    return serialize(OIDC_FLOW_COOKIE, this.oidc.seal(flow), {
      path: FLOW_PATH,
      httpOnly: true,
      // Lax: the provider's redirect back is a top-level GET, which carries it.
      sameSite: 'lax',
      secure: this.config.api.secureCookies,
      maxAge: OIDC_FLOW_MS / 1000,
    });
  }

  private clearFlowCookie(): string {
    return serialize(OIDC_FLOW_COOKIE, '', {
      path: FLOW_PATH,
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.api.secureCookies,
      expires: new Date(0),
    });
  }

  /** The same cookies as POST /auth/login. */
  private sessionCookies(session: string, csrf: string, expires: Date): string[] {
    const common = { path: '/', sameSite: 'lax' as const, secure: this.config.api.secureCookies, expires };
    return [
      serialize(SESSION_COOKIE, session, { ...common, httpOnly: true }),
      serialize(CSRF_COOKIE, csrf, common),
    ];
  }
}
