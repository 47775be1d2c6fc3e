import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CreateCredentialInput } from './dto/create-credential.input';
import { CredentialsArgs } from './dto/credentials.args';
import { UpdateCredentialInput } from './dto/update-credential.input';
import { Credential, CredentialConnection, toCredentialModel } from './models/credential.model';
import { CredentialsRepository } from '../../core/devices/credentials.repository';
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';

@Resolver(() => Credential)
export class CredentialsResolver {
  constructor(private readonly service: CredentialsRepository) {}

  @Requires('credentials:read')
  @Query(() => CredentialConnection, { description: 'Credentials sorted by name.' })
  async credentials(
    @Context() ctx: AuthContext,
    @Args() args: CredentialsArgs,
  ): Promise<CredentialConnection> {
    const page = await this.service.list(args, principalOf(ctx));
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toCredentialModel(e.node) })) };
  }

  @Requires('credentials:read')
  @Query(() => Credential, { description: 'NOT_FOUND when there is no credential with this id.' })
  async credential(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<Credential> {
    return toCredentialModel(await this.service.getVisible(id, principalOf(ctx)));
  }

  @Requires('credentials:write')
  @Mutation(() => Credential)
  async createCredential(@Args('input') input: CreateCredentialInput): Promise<Credential> {
    return toCredentialModel(await this.service.create(input));
  }

  @Requires('credentials:write')
  @Mutation(() => Credential)
  async updateCredential(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateCredentialInput,
  ): Promise<Credential> {
    return toCredentialModel(await this.service.update(id, input, principalOf(ctx)));
  }

  @Requires('credentials:write')
  @Mutation(() => Boolean, { description: 'CONFLICT while devices still use the credential.' })
  deleteCredential(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    return this.service.delete(id, principalOf(ctx));
  }
}
