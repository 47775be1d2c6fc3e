import {
  Body,
  Controller,
  HttpCode,
  Inject,
  Logger,
  Post,
  Req,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { InjectDataSource } from '@nestjs/typeorm';
import { serialize } from 'cookie';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import { AccountsRepository } from '../../../core/accounts/accounts.repository';
import { appendAudit } from '../../../core/accounts/audit';
import { DirectoryLoginRefused, LdapDirectory } from '../../../core/accounts/ldap';
import { codeKind, maskEmail, MfaService, readCode } from '../../../core/accounts/mfa';
import type { UserEntity } from '../../../core/accounts/account.entities';
import { rolesOf } from '../../../core/accounts/principal';
import { csrfMatches } from '../../../core/accounts/secrets';
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
  private readonly logger = new Logger(AuthController.name);
  private readonly attempts: TokenBuckets;
  /** Directory sign-in (LDAP_URL); null: local accounts only. */
  private readonly directory: LdapDirectory | null;

  constructor(
    private readonly accounts: AccountsRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mfa: MfaService,
  ) {
    const perMinute = config.api.loginAttemptsPerMinute;
    this.attempts = new TokenBuckets(perMinute / 60, perMinute);
    this.directory = config.ldap ? new LdapDirectory(config.ldap) : null;
    this.mailer = config.smtp ? createTransport(config.smtp.url) : null;
  }

  /** Outgoing mail for e-mailed sign-in codes (SMTP_URL); null: off. */
  private readonly mailer: Transporter | null;

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(
    @Body() body: LoginBody,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    const meta = this.meta(req);
    this.rateLimit(meta, res);
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
      const { user, via } = await this.accounts.checkPassword(
        username,
        body.password as string,
        this.directory,
      );
      // A second factor (or enrolling one) comes before the session: answer a challenge instead.
      const step = await this.mfa.loginStep(user);
      if (step !== 'none') {
        const { token, expiresAt } = await this.mfa.createChallenge(user.id, step, via ?? null);
        await this.mfa.audit(this.mfa.actorOf(user), meta, 'mfa.challenge', 'OK', {
          username,
          step,
          ...(via ? { via } : {}),
        });
        return step === 'verify'
          ? { mfaRequired: true, mfaToken: token, mfaTokenExpiresAt: expiresAt }
          : { mfaEnrollmentRequired: true, mfaToken: token, mfaTokenExpiresAt: expiresAt };
      }
      return await this.signIn(user, meta, res, via ? { username, via } : { username });
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

  /**
   * The second step of a login that needs MFA: {mfaToken, code} (a TOTP code or a recovery code;
   * for an enrollment challenge, a code of the authenticator just set up with /auth/login/mfa/enroll).
   * Answers like POST /auth/login (cookies), plus the recovery codes after an enrollment. A wrong
   * code counts toward the account's lockout; the token survives CHALLENGE_TRIES wrong codes.
   */
  @Public()
  @Post('login/mfa')
  @HttpCode(200)
  async loginMfa(
    @Body() body: { mfaToken?: unknown; code?: unknown },
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    const { meta, challenge, user } = await this.mfaStep(body, req, res);
    const code = readCode('code', body?.code);
    const locked = !!user.lockedUntil && user.lockedUntil.getTime() > Date.now();
    const failed = async (reason: string): Promise<never> => {
      await this.mfa.challengeFailed(challenge.id);
      if (!locked) await this.accounts.recordFailedLogin(user);
      await this.mfa.audit(this.mfa.actorOf(user), meta, 'mfa.failed', 'DENIED', {
        step: challenge.purpose,
        reason,
      });
      throw new SwitchboardError(ErrorCode.UNAUTHENTICATED, 'invalid code');
    };
    if (locked) return failed('account locked');
    if (challenge.purpose === 'enroll') {
      if (!(await this.mfa.status(user.id)).pendingEnrollment)
        throw SwitchboardError.badInput(
          'code',
          'no enrollment in progress: POST /auth/login/mfa/enroll first',
        );
      let recoveryCodes: string[];
      try {
        // No session of this sign-in yet: every other session of the user ends.
        recoveryCodes = await this.mfa.confirmEnrollment(user, code, meta, null);
      } catch (error) {
        if (error instanceof SwitchboardError && error.code === ErrorCode.BAD_USER_INPUT)
          return failed('wrong code');
        throw error;
      }
      if (!(await this.mfa.useChallenge(challenge.id))) return failed('challenge used');
      const answer = await this.signIn(user, meta, res, { username: user.username, mfa: 'enrolled' });
      return { ...answer, recoveryCodes };
    }
    let method: 'totp' | 'recovery' | 'email' | null = await this.mfa.verifyCode(user.id, code);
    if (!method && codeKind(code) === 'totp' && (await this.mfa.verifyEmailCode(challenge.id, code)))
      method = 'email';
    if (!method) return failed('wrong code');
    if (!(await this.mfa.useChallenge(challenge.id))) return failed('challenge used');
    if (method === 'recovery')
      await this.mfa.audit(this.mfa.actorOf(user), meta, 'mfa.recovery_code_used', 'OK', null);
    await this.mfa.audit(this.mfa.actorOf(user), meta, 'mfa.verified', 'OK', { method });
    return this.signIn(user, meta, res, {
      username: user.username,
      mfa: method,
      ...(challenge.via ? { via: challenge.via } : {}),
    });
  }

  /**
   * A user the MFA policy requires to have a second factor, with none yet, sets one up with the
   * enrollment mfaToken: answers {otpauthUri, qrSvg}; POST /auth/login/mfa with a code confirms it.
   */
  @Public()
  @Post('login/mfa/enroll')
  @HttpCode(200)
  async loginMfaEnroll(
    @Body() body: { mfaToken?: unknown },
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    const { user } = await this.mfaStep(body, req, res, {
      purpose: 'enroll',
      otherwise: 'is not an enrollment challenge: your account has MFA already',
    });
    return this.mfa.beginEnrollment(user);
  }

  /**
   * Instead of the authenticator: a six-digit code e-mailed to the account's address (SMTP_URL),
   * for POST /auth/login/mfa; it lives 10 minutes and survives 5 tries; asking again replaces it.
   */
  @Public()
  @Post('login/mfa/email')
  @HttpCode(200)
  async loginMfaEmail(
    @Body() body: { mfaToken?: unknown },
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    const { meta, challenge, user } = await this.mfaStep(body, req, res, {
      purpose: 'verify',
      otherwise: 'is an enrollment challenge: set up an authenticator first',
    });
    if (!this.mailer || !this.config.smtp)
      throw SwitchboardError.badInput(
        'mfaToken',
        'e-mailed codes are off on this server (SMTP_URL is not set)',
      );
    if (!user.email) throw SwitchboardError.badInput('mfaToken', 'your account has no e-mail address');
    const { code, expiresAt } = await this.mfa.issueEmailCode(challenge.id);
    try {
      await this.mailer.sendMail({
        from: this.config.smtp.from,
        to: user.email,
        subject: 'Your Switchboard sign-in code',
        text: `Your Switchboard sign-in code is ${code}. It expires in 10 minutes.\n\nIf you did not try to sign in, change your password.\n`,
      });
    } catch (error) {
      // The server's message, never the SMTP_URL (it may hold a password).
      this.logger.error(
        `sending a sign-in code to ${maskEmail(user.email)} failed: ${(error as Error).message}`,
      );
      throw new ServiceUnavailableException(
        'the e-mail could not be sent; try again later or use your authenticator',
      );
    }
    await this.mfa.audit(this.mfa.actorOf(user), meta, 'mfa.email_sent', 'OK', { to: maskEmail(user.email) });
    return { sent: true, to: maskEmail(user.email), expiresAt };
  }

  /**
   * The preamble of every MFA step: the per-address limit, then the challenge of `mfaToken` and its
   * user (401 when unknown, used or expired); with `expect`, a challenge of another purpose is a
   * 400 on mfaToken saying why.
   */
  private async mfaStep(
    body: { mfaToken?: unknown } | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    expect?: { purpose: 'verify' | 'enroll'; otherwise: string },
  ) {
    const meta = this.meta(req);
    this.rateLimit(meta, res);
    const { challenge, user } = await this.challengeOf(body, meta);
    if (expect && challenge.purpose !== expect.purpose)
      throw SwitchboardError.badInput('mfaToken', expect.otherwise);
    return { meta, challenge, user };
  }

  private async challengeOf(body: { mfaToken?: unknown } | undefined, meta: { address: string | null }) {
    if (typeof body?.mfaToken !== 'string' || !body.mfaToken)
      throw SwitchboardError.badInput('mfaToken', 'is required');
    const challenge = await this.mfa.challenge(body.mfaToken);
    const user: UserEntity | null = challenge ? await this.accounts.findById(challenge.userId) : null;
    if (!challenge || !user || user.status !== 'ACTIVE' || user.deletedAt) {
      this.logger.log(`MFA step with an unknown, used or expired token from ${meta.address ?? 'unknown'}`);
      throw new SwitchboardError(
        ErrorCode.UNAUTHENTICATED,
        'the MFA challenge is unknown, used up or expired: sign in again',
      );
    }
    return { challenge, user };
  }

  /** Every factor was right: the session, its cookies and the login's audit row. */
  private async signIn(
    user: UserEntity,
    meta: { address: string | null; userAgent: string | null },
    res: ServerResponse,
    args: Record<string, unknown>,
  ) {
    await this.accounts.loginSucceeded(user.id);
    const issued = await this.accounts.issueSession(user.id, meta);
    const grants = await this.accounts.grantsOf(user.id);
    await appendAudit(this.dataSource, {
      actorId: user.id,
      actorName: user.username,
      roles: [...new Set(grants.map((g) => g.role))],
      ...meta,
      kind: 'login',
      operation: 'auth.login',
      arguments: args,
      outcome: 'OK',
      errorCode: null,
      durationMs: null,
    });
    res.setHeader('set-cookie', this.cookies(issued.token, issued.csrf, issued.session.expiresAt));
    return {
      user: { id: user.id, username: user.username, displayName: user.displayName },
      csrfToken: issued.csrf,
      expiresAt: issued.session.expiresAt,
    };
  }

  private rateLimit(meta: { address: string | null }, res: ServerResponse): void {
    const wait = this.attempts.take(`address ${meta.address ?? 'unknown'}`);
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      throw new SwitchboardError(
        ErrorCode.RATE_LIMITED,
        `Too many login attempts from this address (API_LOGIN_ATTEMPTS_PER_MINUTE); retry after ${wait} s`,
      );
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
    if (!csrfMatches(req.headers[CSRF_HEADER], principal.csrfHash)) {
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
