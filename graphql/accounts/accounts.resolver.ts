import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountsRepository } from '../../core/accounts/accounts.repository';
import { auditCsv, listAudit, verifyAuditLog } from '../../core/accounts/audit';
import { PERMISSIONS, SELF } from '../../core/accounts/permissions';
import { can, type Principal } from '../../core/accounts/principal';
import type { UserEntity } from '../../core/accounts/account.entities';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import { Requires, type AuthContext } from '../common/auth.guard';
import {
  AuditFilter,
  BindRoleInput,
  CreateApiTokenInput,
  CreateRoleInput,
  CreateUserInput,
} from './dto/account.inputs';
import {
  ApiTokenModel,
  AuditEntryModel,
  AuditVerificationModel,
  CreatedApiTokenModel,
  RoleModel,
  SessionModel,
  toRoleModel,
  toSessionModel,
  toTokenModel,
  toUserModel,
  UserModel,
} from './models/account.models';

const me = (ctx: AuthContext): Principal => {
  if (!ctx.principal) throw new SwitchboardError(ErrorCode.UNAUTHENTICATED, 'Missing or invalid credentials');
  return ctx.principal;
};

const toAuditEntry = (r: Record<string, unknown>): AuditEntryModel => ({
  id: String(r.id),
  ts: r.ts as Date,
  actorName: (r.actor_name as string | null) ?? null,
  roles: (r.roles as string[]) ?? [],
  address: (r.address as string | null) ?? null,
  userAgent: (r.user_agent as string | null) ?? null,
  kind: r.kind as string,
  operation: r.operation as string,
  argumentsJson: r.arguments === null || r.arguments === undefined ? null : JSON.stringify(r.arguments),
  outcome: r.outcome as string,
  errorCode: (r.error_code as string | null) ?? null,
  durationMs: (r.duration_ms as number | null) ?? null,
});

/** Accounts, roles, one's own sessions and tokens, and the audit log. */
@Resolver()
export class AccountsResolver {
  constructor(
    private readonly accounts: AccountsRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  private async user(entity: UserEntity): Promise<UserModel> {
    return toUserModel(entity, await this.accounts.grantsOf(entity.id));
  }

  @Requires(SELF)
  @Query(() => UserModel, { description: 'Who this request is made as, with its roles.' })
  async me(@Context() ctx: AuthContext): Promise<UserModel> {
    return this.user(await this.accounts.getUser(me(ctx).userId));
  }

  @Requires(SELF)
  @Query(() => [String], {
    description:
      'The permissions this request holds somewhere (some may be limited to sites or tags; see me.roles).',
  })
  myPermissions(@Context() ctx: AuthContext): string[] {
    const principal = me(ctx);
    return PERMISSIONS.filter((p) => can(principal, p));
  }

  @Requires(SELF)
  @Query(() => [SessionModel], { description: 'Your signed-in browser sessions.' })
  async mySessions(@Context() ctx: AuthContext): Promise<SessionModel[]> {
    const principal = me(ctx);
    return (await this.accounts.listSessions(principal.userId)).map((s) =>
      toSessionModel(s, principal.sessionId),
    );
  }

  @Requires(SELF)
  @Query(() => [ApiTokenModel], { description: 'Your personal access tokens (never their values).' })
  async myApiTokens(@Context() ctx: AuthContext): Promise<ApiTokenModel[]> {
    return (await this.accounts.listApiTokens(me(ctx).userId)).map(toTokenModel);
  }

  @Requires(SELF)
  @Mutation(() => Boolean, {
    description: 'Sign out one of your sessions; false when it is not yours or already ended.',
  })
  revokeSession(@Context() ctx: AuthContext, @Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return this.accounts.revokeSession(me(ctx).userId, id);
  }

  @Requires(SELF)
  @Mutation(() => CreatedApiTokenModel, {
    description:
      'A personal access token for scripts, limited to some of your permissions if given. Its value is returned this once.',
  })
  async createApiToken(
    @Context() ctx: AuthContext,
    @Args('input') input: CreateApiTokenInput,
  ): Promise<CreatedApiTokenModel> {
    const principal = me(ctx);
    const { token, secret } = await this.accounts.createApiToken(principal.userId, input, (p) =>
      can(principal, p as (typeof PERMISSIONS)[number]),
    );
    return { token: toTokenModel(token), secret };
  }

  @Requires(SELF)
  @Mutation(() => Boolean, {
    description: 'Revoke one of your tokens; false when it is not yours or already revoked.',
  })
  revokeApiToken(@Context() ctx: AuthContext, @Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return this.accounts.revokeApiToken(me(ctx).userId, id);
  }

  @Requires(SELF)
  @Mutation(() => Boolean, { description: 'Change your password; your other sessions end.' })
  async changePassword(
    @Context() ctx: AuthContext,
    @Args('currentPassword') currentPassword: string,
    @Args('newPassword') newPassword: string,
  ): Promise<boolean> {
    const principal = me(ctx);
    await this.accounts.changePassword(principal.userId, currentPassword, newPassword, principal.sessionId);
    return true;
  }

  @Requires('accounts:read')
  @Query(() => [UserModel], { description: 'Every account, by username.' })
  async users(): Promise<UserModel[]> {
    return Promise.all((await this.accounts.listUsers()).map((u) => this.user(u)));
  }

  @Requires('accounts:read')
  @Query(() => UserModel, { name: 'user', description: 'NOT_FOUND when there is no such user.' })
  async userById(@Args('id', { type: () => ID }) id: string): Promise<UserModel> {
    return this.user(await this.accounts.getUser(id));
  }

  @Requires('accounts:read')
  @Query(() => [RoleModel], { description: 'Built-in and custom roles with their permissions.' })
  async roles(): Promise<RoleModel[]> {
    return (await this.accounts.listRoles()).map(toRoleModel);
  }

  @Requires(SELF)
  @Query(() => [String], { description: 'Every permission a role can be made of.' })
  permissions(): string[] {
    return [...PERMISSIONS];
  }

  @Requires('accounts:write')
  @Mutation(() => UserModel, {
    description: 'A new account, with roles given everywhere (bindRole scopes one).',
  })
  async createUser(@Context() ctx: AuthContext, @Args('input') input: CreateUserInput): Promise<UserModel> {
    return this.user(await this.accounts.createUser({ ...input, roles: input.roles ?? [] }, me(ctx).userId));
  }

  @Requires('accounts:write')
  @Mutation(() => UserModel, { description: "Set a user's password (a forgotten one); their sessions end." })
  async setUserPassword(
    @Args('id', { type: () => ID }) id: string,
    @Args('password') password: string,
  ): Promise<UserModel> {
    await this.accounts.setPassword(id, password);
    return this.user(await this.accounts.getUser(id));
  }

  @Requires('accounts:write')
  @Mutation(() => UserModel, {
    description:
      'Disable an account: it cannot sign in, its sessions end, its tokens stop working. Disabling "service" retires API_TOKEN.',
  })
  async disableUser(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<UserModel> {
    if (id === me(ctx).userId) throw SwitchboardError.badInput('id', 'you cannot disable yourself');
    return this.user(await this.accounts.setStatus(id, 'DISABLED'));
  }

  @Requires('accounts:write')
  @Mutation(() => UserModel)
  async enableUser(@Args('id', { type: () => ID }) id: string): Promise<UserModel> {
    return this.user(await this.accounts.setStatus(id, 'ACTIVE'));
  }

  @Requires('accounts:write')
  @Mutation(() => UserModel, { description: 'Lift a lockout after failed logins.' })
  async unlockUser(@Args('id', { type: () => ID }) id: string): Promise<UserModel> {
    return this.user(await this.accounts.unlock(id));
  }

  @Requires('accounts:write')
  @Mutation(() => Boolean, {
    description: 'Delete an account; what it did stays in runs and the audit log under its name.',
  })
  async deleteUser(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    if (id === me(ctx).userId) throw SwitchboardError.badInput('id', 'you cannot delete yourself');
    await this.accounts.deleteUser(id);
    return true;
  }

  @Requires('accounts:write')
  @Mutation(() => UserModel, {
    description: 'Give a role, everywhere or only for some sites and device tags.',
  })
  async bindRole(@Context() ctx: AuthContext, @Args('input') input: BindRoleInput): Promise<UserModel> {
    await this.accounts.bindRole(
      input.userId,
      { role: input.role, sites: input.sites ?? [], tags: input.tags ?? [] },
      me(ctx).userId,
    );
    return this.user(await this.accounts.getUser(input.userId));
  }

  @Requires('accounts:write')
  @Mutation(() => UserModel, { description: 'Take a role away (every binding of it).' })
  async unbindRole(
    @Args('userId', { type: () => ID }) userId: string,
    @Args('role') role: string,
  ): Promise<UserModel> {
    await this.accounts.unbindRole(userId, role);
    return this.user(await this.accounts.getUser(userId));
  }

  @Requires('accounts:write')
  @Mutation(() => RoleModel, { description: 'A custom role made of named permissions (see permissions).' })
  async createRole(@Args('input') input: CreateRoleInput): Promise<RoleModel> {
    return toRoleModel(await this.accounts.createRole(input));
  }

  @Requires('audit:read')
  @Query(() => [AuditEntryModel], { description: 'The audit log, newest first.' })
  async auditLog(
    @Args('filter', { type: () => AuditFilter, nullable: true }) filter?: AuditFilter,
  ): Promise<AuditEntryModel[]> {
    return (await listAudit(this.dataSource, filter ?? {})).map(toAuditEntry);
  }

  @Requires('audit:read')
  @Query(() => String, {
    description: 'The audit log as CSV (RFC 4180), newest first, at most 1000 entries a page.',
  })
  async auditLogCsv(
    @Args('filter', { type: () => AuditFilter, nullable: true }) filter?: AuditFilter,
  ): Promise<string> {
    return auditCsv(await listAudit(this.dataSource, filter ?? {}));
  }

  @Requires('audit:read')
  @Query(() => AuditVerificationModel, {
    description: 'Walk the hash chain of the whole audit log: a changed, removed or inserted entry is found.',
  })
  verifyAuditLog(): Promise<AuditVerificationModel> {
    return verifyAuditLog(this.dataSource);
  }
}
