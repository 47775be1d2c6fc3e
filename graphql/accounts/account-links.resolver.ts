import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import { AccountLinksService, baseUrlOf } from '../../core/accounts/account-links';
import { AccountsRepository } from '../../core/accounts/accounts.repository';
import { maskEmail } from '../../core/accounts/mfa';
import { SwitchboardError } from '../../libs/common/src/errors';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import type { AppConfig } from '../../libs/config/src/config';
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';

/** Password-reset links an administrator sends (the public side is POST /auth/password-reset). */
@Resolver()
export class AccountLinksResolver {
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
    if (!this.links.mailConfigured)
      throw SwitchboardError.badInput('id', 'password-reset links need e-mail: SMTP_URL is not set');
    const user = await this.accounts.getUser(id);
    if (user.kind !== 'human')
      throw SwitchboardError.badInput('id', 'a service account has no password; it uses tokens');
    if (user.status !== 'ACTIVE') throw SwitchboardError.badInput('id', 'the account is disabled');
    if (!user.email) throw SwitchboardError.badInput('id', 'the user has no e-mail address');
    const host = ctx.req?.headers?.host;
    await this.links.sendReset(
      { id: user.id, username: user.username, email: user.email },
      baseUrlOf(
        this.config.api.publicUrl,
        typeof host === 'string' ? host : undefined,
        this.config.api.secureCookies,
      ),
      principalOf(ctx).userId,
    );
    return maskEmail(user.email);
  }
}
