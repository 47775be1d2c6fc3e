import { Body, Controller, HttpCode, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import {
  AccountLinksService,
  BAD_LINK,
  baseUrlOf,
  linkUser,
  readLinkConfirmation,
  readResetRequest,
  resettableUser,
  useLink,
} from '../../../core/accounts/account-links';
import { AccountsRepository } from '../../../core/accounts/accounts.repository';
import type { UserEntity } from '../../../core/accounts/account.entities';
import { appendAudit } from '../../../core/accounts/audit';
import { maskEmail } from '../../../core/accounts/mfa';
import { passwordProblems } from '../../../core/accounts/passwords';
import { ErrorCode, SwitchboardError } from '../../../libs/common/src/errors';
import { APP_CONFIG } from '../../../libs/config/src/config.module';
import type { AppConfig } from '../../../libs/config/src/config';
import { Public } from '../../../graphql/common/auth.guard';
import { TokenBuckets } from './rate-limit';

/** Reset requests per account (a burst of 5, then one every 12 minutes); more are dropped silently. */
const RESETS_PER_ACCOUNT = { perSecond: 1 / 720, burst: 5 };

/**
 * The public side of e-mailed links (core/accounts/account-links.ts).
 * Forgotten passwords: POST /auth/password-reset {username | email} always answers 202 the same
 * way; an active person with an e-mail address gets a single-use link (30 minutes) by mail (SMTP_URL).
 * POST /auth/password-reset/confirm {token, password} sets the password, ends every session and clears
 * the lockout. Invitations (Mutation.inviteUser): POST /auth/invite/accept {token, password} sets the
 * password of an invited account and activates it. Tokens are stored as SHA-256 only; every step is
 * audited (kind 'account').
 */
@Controller('auth')
export class AccountLinksController {
  private readonly logger = new Logger(AccountLinksController.name);
  private readonly perAddress: TokenBuckets;
  private readonly perAccount = new TokenBuckets(RESETS_PER_ACCOUNT.perSecond, RESETS_PER_ACCOUNT.burst);

  constructor(
    private readonly accounts: AccountsRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly links: AccountLinksService,
  ) {
    const perMinute = config.api.loginAttemptsPerMinute;
    this.perAddress = new TokenBuckets(perMinute / 60, perMinute);
  }

  @Public()
  @Post('password-reset')
  @HttpCode(202)
  async request(
    @Body() body: unknown,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    const meta = this.meta(req);
    this.rateLimit(meta, res);
    const { login } = readResetRequest(body);
    const answer = {
      accepted: true,
      message: 'if an active account with an e-mail address matches, a reset link is on its way',
    };
    const user = await resettableUser(this.dataSource, login);
    if (!user) return answer;
    if (this.perAccount.take(`account ${user.id}`) > 0) {
      this.logger.warn(`password reset for ${user.username} dropped: too many requests for the account`);
      return answer;
    }
    if (!this.links.mailConfigured) {
      this.logger.warn(`password reset for ${user.username} not sent: SMTP_URL is not set`);
      return answer;
    }
    // In the background: the answer takes as long whether or not the account exists.
    void this.sendReset(user, meta, req, null).catch((error: Error) =>
      this.logger.error(`password reset mail for ${user.username} failed: ${error.message}`),
    );
    return answer;
  }

  @Public()
  @Post('password-reset/confirm')
  @HttpCode(200)
  async confirm(
    @Body() body: unknown,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    const { user, password, meta } = await this.redeem(
      body,
      req,
      res,
      'reset',
      (u) => u.status === 'ACTIVE' && u.kind === 'human',
    );
    await this.accounts.setPassword(user.id, password);
    await this.audit(user, meta, 'account.password_reset_done', null);
    return { ok: true, username: user.username };
  }

  /**
   * An invited person chooses a password: the account becomes ACTIVE; the person then signs in with
   * POST /auth/login (and MFA, or its enrollment, when the policy requires it). No session is made here.
   */
  @Public()
  @Post('invite/accept')
  @HttpCode(200)
  async acceptInvite(
    @Body() body: unknown,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    const { user, password, meta } = await this.redeem(
      body,
      req,
      res,
      'invite',
      (u) => u.status === 'INVITED',
    );
    if (!(await this.accounts.activateInvited(user.id, password)))
      throw SwitchboardError.badInput('token', BAD_LINK);
    await this.audit(user, meta, 'account.invite_accepted', null);
    return { ok: true, username: user.username };
  }

  /**
   * Spends a link of `kind` for a new password: rate limit, the link's account (which must pass
   * `eligible` and not be deleted), the password policy, then the single use of the token.
   */
  private async redeem(
    body: unknown,
    req: IncomingMessage,
    res: ServerResponse,
    kind: 'reset' | 'invite',
    eligible: (user: UserEntity) => boolean,
  ) {
    const meta = this.meta(req);
    this.rateLimit(meta, res);
    const { token, password } = readLinkConfirmation(body);
    const userId = await linkUser(this.dataSource, token, kind);
    const user = userId ? await this.accounts.findById(userId) : null;
    if (!user || user.deletedAt || !eligible(user)) throw SwitchboardError.badInput('token', BAD_LINK);
    const problems = passwordProblems(password, user.username, 'password');
    if (problems.length) throw SwitchboardError.invalidFields(problems);
    if ((await useLink(this.dataSource, token, kind)) !== user.id)
      throw SwitchboardError.badInput('token', BAD_LINK);
    return { user, password, meta };
  }

  private async sendReset(
    user: { id: string; username: string; email: string },
    meta: { address: string | null; userAgent: string | null },
    req: IncomingMessage,
    createdBy: string | null,
  ): Promise<void> {
    await this.links.sendReset(user, this.baseUrl(req), createdBy);
    await this.audit(user, meta, 'account.password_reset_requested', { to: maskEmail(user.email) });
  }

  private baseUrl(req: IncomingMessage): string {
    return baseUrlOf(this.config.api.publicUrl, req.headers.host, this.config.api.secureCookies);
  }

  private audit(
    user: { id: string; username: string },
    meta: { address: string | null; userAgent: string | null },
    operation: string,
    args: Record<string, unknown> | null,
  ) {
    return appendAudit(this.dataSource, {
      actorId: user.id,
      actorName: user.username,
      roles: [],
      ...meta,
      kind: 'account',
      operation,
      arguments: args,
      outcome: 'OK',
      errorCode: null,
      durationMs: null,
    });
  }

  private rateLimit(meta: { address: string | null }, res: ServerResponse): void {
    const wait = this.perAddress.take(`address ${meta.address ?? 'unknown'}`);
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      throw new SwitchboardError(
        ErrorCode.RATE_LIMITED,
        `Too many requests from this address (API_LOGIN_ATTEMPTS_PER_MINUTE); retry after ${wait} s`,
      );
    }
  }

  private meta(req: IncomingMessage) {
    const agent = req.headers['user-agent'];
    return { address: req.socket.remoteAddress ?? null, userAgent: typeof agent === 'string' ? agent : null };
  }
}
