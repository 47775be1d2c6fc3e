import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type {
  ApiTokenEntity,
  RoleEntity,
  SessionEntity,
  UserEntity,
} from '../../../core/accounts/account.entities';
import type { Grant } from '../../../core/accounts/permissions';

@ObjectType('RoleBinding', { description: 'A role held everywhere, or only for some sites and device tags.' })
export class RoleBindingModel {
  @Field() role!: string;
  @Field(() => [String], { description: 'Empty: every site.' }) sites!: string[];
  @Field(() => [String], { description: 'Empty: every device; else devices carrying all of them.' })
  tags!: string[];
  @Field(() => [String]) permissions!: string[];
}

@ObjectType('User')
export class UserModel {
  @Field(() => ID) id!: string;
  @Field() username!: string;
  @Field() displayName!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field({ description: 'human, or service (the account API_TOKEN stands for).' }) kind!: string;
  @Field({ description: 'ACTIVE, DISABLED, or INVITED (invited: the invitation is not accepted yet).' })
  status!: string;
  @Field({ description: 'Locked after repeated failed logins, until lockedUntil.' }) locked!: boolean;
  @Field(() => Date, { nullable: true }) lockedUntil!: Date | null;
  @Field(() => Date, { nullable: true }) lastLoginAt!: Date | null;
  @Field() createdAt!: Date;
  @Field(() => [RoleBindingModel]) roles!: RoleBindingModel[];
}

export function toUserModel(user: UserEntity, grants: Grant[]): UserModel {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    kind: user.kind,
    status: user.status,
    locked: !!user.lockedUntil && user.lockedUntil.getTime() > Date.now(),
    lockedUntil: user.lockedUntil,
    lastLoginAt: user.lastLoginAt,
    createdAt: user.createdAt,
    roles: grants.map((g) => ({
      role: g.role,
      sites: [...g.sites],
      tags: [...g.tags],
      permissions: [...g.permissions],
    })),
  };
}

@ObjectType('Session', { description: 'A browser session of the signed-in user.' })
export class SessionModel {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) address!: string | null;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field() createdAt!: Date;
  @Field() lastSeenAt!: Date;
  @Field() expiresAt!: Date;
  @Field({ description: 'The session this request comes from.' }) current!: boolean;
}

export const toSessionModel = (s: SessionEntity, current: string | null): SessionModel => ({
  id: s.id,
  address: s.address,
  userAgent: s.userAgent,
  createdAt: s.createdAt,
  lastSeenAt: s.lastSeenAt,
  expiresAt: s.expiresAt,
  current: s.id === current,
});

@ObjectType('ApiToken', { description: 'A personal access token (its value is shown once, when created).' })
export class ApiTokenModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field({ description: 'The first characters, to recognise it.' }) prefix!: string;
  @Field(() => [String], { nullable: true, description: 'Null: every permission of its user.' })
  permissions!: string[] | null;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field() createdAt!: Date;
}

export const toTokenModel = (t: ApiTokenEntity): ApiTokenModel => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  permissions: t.permissions,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
  createdAt: t.createdAt,
});

@ObjectType('CreatedApiToken')
export class CreatedApiTokenModel {
  @Field(() => ApiTokenModel) token!: ApiTokenModel;
  @Field({ description: 'The token: send it as "Authorization: Bearer <secret>". Shown this once.' })
  secret!: string;
}

@ObjectType('Role')
export class RoleModel {
  @Field() name!: string;
  @Field() description!: string;
  @Field(() => [String]) permissions!: string[];
  @Field() builtin!: boolean;
}

export const toRoleModel = (r: RoleEntity): RoleModel => ({
  name: r.name,
  description: r.description,
  permissions: r.permissions,
  builtin: r.builtin,
});

@ObjectType('AuditEntry')
export class AuditEntryModel {
  @Field(() => ID) id!: string;
  @Field() ts!: Date;
  @Field(() => String, { nullable: true }) actorName!: string | null;
  @Field(() => [String]) roles!: string[];
  @Field(() => String, { nullable: true }) address!: string | null;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field({ description: 'mutation, login, logout, denied.' }) kind!: string;
  @Field() operation!: string;
  @Field(() => String, { nullable: true, description: 'The arguments as JSON, secrets redacted.' })
  argumentsJson!: string | null;
  @Field({ description: 'OK, ERROR or DENIED.' }) outcome!: string;
  @Field(() => String, { nullable: true }) errorCode!: string | null;
  @Field(() => Int, { nullable: true }) durationMs!: number | null;
}

@ObjectType('AuditVerification', { description: 'Whether the hash chain of the audit log is intact.' })
export class AuditVerificationModel {
  @Field() ok!: boolean;
  @Field(() => Int) checked!: number;
  @Field(() => ID, { nullable: true }) firstBadId!: string | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
}

@ObjectType('Identity', {
  description: 'A sign-in identity outside Switchboard linked to the account (OIDC, LDAP, QQ, WeChat).',
})
export class IdentityModel {
  @Field(() => ID, { description: 'Opaque; for unlinkIdentity.' }) id!: string;
  @Field({ description: 'ldap, or <protocol>:<name> as configured (oidc:google, qq:qq, wechat:wechat).' })
  provider!: string;
  @Field({ description: 'ldap, oidc, qq or wechat.' }) kind!: string;
  @Field({ description: "The provider's id of the person (OIDC sub, open id or union id, directory entry)." })
  subject!: string;
  @Field() linkedAt!: Date;
}
