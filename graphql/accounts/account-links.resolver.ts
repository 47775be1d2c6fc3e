import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { Inject, Logger } from '@nestjs/common';
import { AccountLinksService, baseUrlOf } from '../../core/accounts/account-links';
import { AccountsRepository } from '../../core/accounts/accounts.repository';
import type { UserEntity } from '../../core/accounts/account.entities';
import { maskEmail } from '../../core/accounts/mfa';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import type { AppConfig } from '../../libs/config/src/config';
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';
import { InviteUserInput } from './dto/account.inputs';
import { toUserModel, UserModel } from './models/account.models';

/**
 * Links an administrator mails: password resets (the public side is POST /auth/password-reset) and
 * invitations (accepted with POST /auth/invite/accept).
 */
@Resolver()
export class AccountLinksResolver {
  private readonly logger = new Logger(AccountLinksResolver.name);

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly links: AccountLinksService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Requires('accounts:write')
  @Mutation(() => String, {
    description:
      "Mail the user a single-use password-reset link (30 minutes; needs SMTP_URL and the user's e-mail address). Answers the masked address.",
  })
  async sendPasswordReset(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<string> {
    this.links.requireMail('id', 'password-reset links');
    const user = await this.accounts.getUser(id);
    if (user.kind !== 'human')
      throw SwitchboardError.badInput('id', 'a service account has no password; it uses tokens');
    if (user.status === 'INVITED')
      throw SwitchboardError.badInput('id', 'the user has not accepted the invitation yet (resendInvite)');
    if (user.status !== 'ACTIVE') throw SwitchboardError.badInput('id', 'the account is disabled');
    if (!user.email) throw SwitchboardError.badInput('id', 'the user has no e-mail address');
    await this.links.sendReset(
      { id: user.id, username: user.username, email: user.email },
      this.baseUrl(ctx),
      principalOf(ctx).userId,
    );
    return maskEmail(user.email);
  }

  @Requires('accounts:write')
  @Mutation(() => UserModel, {
    description:
      'Invite a person: the account is created without a password (status INVITED) and a single-use link, valid 72 hours, is mailed to `email` (needs SMTP_URL). The person chooses a password with it (POST /auth/invite/accept), then signs in.',
  })
  async inviteUser(@Context() ctx: AuthContext, @Args('input') input: InviteUserInput): Promise<UserModel> {
    this.links.requireMail('email', 'invitations');
    const principal = principalOf(ctx);
    const user = await this.accounts.inviteUser(
      {
        username: input.username,
        email: input.email,
        displayName: input.displayName,
        bindings: (input.bindings ?? []).map((b) => ({
          role: b.role,
          sites: b.sites ?? [],
          tags: b.tags ?? [],
        })),
      },
      principal.userId,
    );
    await this.mailInvite(ctx, user);
    return toUserModel(user, await this.accounts.grantsOf(user.id));
  }

  @Requires('accounts:write')
  @Mutation(() => String, {
    description:
      'Mail an invited user a new invitation link (72 hours); the earlier link stops working. Answers the masked address.',
  })
  async resendInvite(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<string> {
    this.links.requireMail('id', 'invitations');
    const user = await this.accounts.getUser(id);
    if (user.status !== 'INVITED' || user.deletedAt)
      throw SwitchboardError.badInput(
        'id',
        `the user is not waiting for an invitation (status ${user.status})`,
      );
    return this.mailInvite(ctx, user);
  }

  /** Mails a new invitation link; a mail server that refuses leaves the account invited. */
  private async mailInvite(ctx: AuthContext, user: UserEntity): Promise<string> {
    if (!user.email) throw SwitchboardError.badInput('id', 'the user has no e-mail address');
    try {
      await this.links.sendInvite(
        { id: user.id, username: user.username, email: user.email },
        principalOf(ctx).username,
        this.baseUrl(ctx),
        principalOf(ctx).userId,
      );
    } catch (error) {
      if (error instanceof SwitchboardError) throw error;
      // The server's message, never SMTP_URL (it may hold a password).
      this.logger.error(`invitation mail to ${maskEmail(user.email)} failed: ${(error as Error).message}`);
      throw new SwitchboardError(
        ErrorCode.INTERNAL,
        `the invitation of ${user.username} could not be mailed; the account waits, invited: try resendInvite later`,
      );
    }
    return maskEmail(user.email);
  }

  private baseUrl(ctx: AuthContext): string {
    const host = ctx.req?.headers?.host;
    return baseUrlOf(
      this.config.api.publicUrl,
      typeof host === 'string' ? host : undefined,
      this.config.api.secureCookies,
    );
  }
}
