import { Args, Context, ID, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { AccountsRepository } from '../../core/accounts/accounts.repository';
import { SELF } from '../../core/accounts/permissions';
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';
import { IdentityModel, UserModel } from './models/account.models';

/** The external identities (OIDC, LDAP, QQ, WeChat) linked to an account; unlinking one's own. */
@Resolver(() => UserModel)
export class IdentitiesResolver {
  constructor(private readonly accounts: AccountsRepository) {}

  @ResolveField(() => [IdentityModel], {
    description: 'The sign-in identities outside Switchboard linked to this account, oldest first.',
  })
  identities(@Parent() user: UserModel): Promise<IdentityModel[]> {
    return this.accounts.listIdentities(user.id);
  }

  @Requires(SELF)
  @Mutation(() => IdentityModel, {
    description:
      'Unlink one of your identities (see me.identities), with the roles its provider granted. Refused when it is your only way to sign in (no password, no other identity).',
  })
  unlinkIdentity(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<IdentityModel> {
    return this.accounts.unlinkIdentity(principalOf(ctx).userId, id);
  }
}
