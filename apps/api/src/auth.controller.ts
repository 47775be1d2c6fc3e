import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { serialize } from 'cookie';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import { AccountsRepository } from '../../../core/accounts/accounts.repository';
import { appendAudit } from '../../../core/accounts/audit';
import { DirectoryLoginRefused, LdapDirectory } from '../../../core/accounts/ldap';
import { rolesOf } from '../../../core/accounts/principal';
import { hashSecret, sameSecret } from '../../../core/accounts/secrets';
import { ErrorCode, SwitchboardError, type FieldError } from '../../../libs/common/src/errors';
import { APP_CONFIG } from '../../../libs/config/src/config.module';
import type { AppConfig } from '../../../libs/config/src/config';
import { TokenBuckets } from './rate-limit';
import {
  CSRF_COOKIE,
  CSRF_HEADER,
  SESSION_COOKIE,
  type AuthenticatedRequest,
} from './authenticate.middleware';
import { Public } from '../../../graphql/common/auth.guard';

interface LoginBody {
  username?: unknown;
  password?: unknown;
}

/**
 * Browser sign-in: POST /auth/login with {username, password} sets the session cookie (HttpOnly,
 * SameSite=Lax, Secure with API_SECURE_COOKIES) and a CSRF cookie the page reads and sends back as
 * the x-csrf-token header with every mutation; POST /auth/logout ends the session. Scripts use
 * personal access tokens instead (Mutation.createApiToken). Every attempt is audited.
 */
@Controller('auth')
export class AuthController {
  private readonly attempts: TokenBuckets;
  /** Directory sign-in (LDAP_URL); null: local accounts only. */
  private readonly directory: LdapDirectory | null;

  constructor(
    private readonly accounts: AccountsRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const perMinute = config.api.loginAttemptsPerMinute;
    this.attempts = new TokenBuckets(perMinute / 60, perMinute);
    this.directory = config.ldap ? new LdapDirectory(config.ldap) : null;
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(
    @Body() body: LoginBody,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    const meta = this.meta(req);
    const wait = this.attempts.take(`address ${meta.address ?? 'unknown'}`);
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      throw new SwitchboardError(
        ErrorCode.RATE_LIMITED,
        `Too many login attempts from this address (API_LOGIN_ATTEMPTS_PER_MINUTE); retry after ${wait} s`,
      );
    }
    const fields: FieldError[] = [];
    if (typeof body?.username !== 'string' || !body.username.trim())
      fields.push({ field: 'username', message: 'is required' });
    if (typeof body?.password !== 'string' || !body.password)
      fields.push({ field: 'password', message: 'is required' });
    if (fields.length) throw SwitchboardError.invalidFields(fields);
    const username = (body.username as string).trim().slice(0, 64);
    const audit = (
      outcome: 'OK' | 'DENIED',
      actor: { id: string; name: string; roles: string[] } | null,
      detail: { via: 'ldap'; reason?: string } | null = null,
    ) =>
      appendAudit(this.dataSource, {
        actorId: actor?.id ?? null,
        actorName: actor?.name ?? username,
        roles: actor?.roles ?? [],
        ...meta,
        kind: 'login',
        operation: 'auth.login',
        arguments: { username, ...detail },
        outcome,
        errorCode: outcome === 'OK' ? null : ErrorCode.UNAUTHENTICATED,
        durationMs: null,
      });
    try {
      const { user, issued, via } = await this.accounts.login(
        username,
        body.password as string,
        meta,
        this.directory,
      );
      const grants = await this.accounts.grantsOf(user.id);
      await audit(
        'OK',
        { id: user.id, name: user.username, roles: [...new Set(grants.map((g) => g.role))] },
        via ? { via } : null,
      );
      res.setHeader('set-cookie', this.cookies(issued.token, issued.csrf, issued.session.expiresAt));
      return {
        user: { id: user.id, username: user.username, displayName: user.displayName },
        csrfToken: issued.csrf,
        expiresAt: issued.session.expiresAt,
      };
    } catch (error) {
      if (!(error instanceof SwitchboardError) || error.code !== ErrorCode.UNAUTHENTICATED) throw error;
      // The answer is the same for every refusal; the log says why a directory login failed.
      await audit(
        'DENIED',
        null,
        error instanceof DirectoryLoginRefused ? { via: 'ldap', reason: error.reason } : null,
      );
      throw error;
    }
  }

  /** Ends the session of the cookie sent (its CSRF header required: a link elsewhere cannot sign you out). */
  @Public()
  @Post('logout')
  @HttpCode(200)
  async logout(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: ServerResponse) {
    const principal = req.principal;
    const clear = this.cookies('', '', new Date(0));
    if (!principal || principal.via !== 'session' || !principal.sessionId) {
      res.setHeader('set-cookie', clear);
      return { ok: true };
    }
    const header = req.headers[CSRF_HEADER];
    if (
      typeof header !== 'string' ||
      !principal.csrfHash ||
      !sameSecret(hashSecret(header), principal.csrfHash)
    ) {
      throw new SwitchboardError(
        ErrorCode.FORBIDDEN,
        `logging out needs the CSRF token in the ${CSRF_HEADER} header`,
      );
    }
    await this.accounts.revokeSession(principal.userId, principal.sessionId);
    await appendAudit(this.dataSource, {
      actorId: principal.userId,
      actorName: principal.username,
      roles: rolesOf(principal),
      ...this.meta(req),
      kind: 'logout',
      operation: 'auth.logout',
      arguments: null,
      outcome: 'OK',
      errorCode: null,
      durationMs: null,
    });
    res.setHeader('set-cookie', clear);
    return { ok: true };
  }

  private meta(req: IncomingMessage) {
    const agent = req.headers['user-agent'];
    return { address: req.socket.remoteAddress ?? null, userAgent: typeof agent === 'string' ? agent : null };
  }

  private cookies(session: string, csrf: string, expires: Date): string[] {
    const common = { path: '/', sameSite: 'lax' as const, secure: this.config.api.secureCookies, expires };
    return [
      serialize(SESSION_COOKIE, session, { ...common, httpOnly: true }),
      // Readable by the page (it copies it into the x-csrf-token header); useless to anyone else.
      serialize(CSRF_COOKIE, csrf, common),
    ];
  }
}
