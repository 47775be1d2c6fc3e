import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import type { GraphQLResolveInfo } from 'graphql';
import { DataSource } from 'typeorm';
import { appendAudit } from '../../core/accounts/audit';
import { can, rolesOf, type Principal } from '../../core/accounts/principal';
import { SELF, type Permission } from '../../core/accounts/permissions';
import { csrfMatches } from '../../core/accounts/secrets';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';

export const IS_PUBLIC = 'switchboard:public';
/** Marks a handler that needs no principal (health checks, the login endpoint). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const REQUIRES = 'switchboard:requires';
/**
 * The permission a GraphQL root field needs (or SELF: any signed-in principal, for what concerns
 * only itself). Every Query, Mutation and Subscription field declares one: a field without it is
 * refused, and scripts/… test/permissions.test.ts fails.
 */
export const Requires = (permission: Permission | typeof SELF) => SetMetadata(REQUIRES, permission);

const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'];

/** What the GraphQL context carries about the caller (see apps/api/src/app.module.ts). */
export interface AuthContext {
  principal: (Principal & { csrfHash?: string }) | null;
  req?: { headers?: Record<string, string | string[] | undefined>; socket?: { remoteAddress?: string } };
}

/** The principal of a resolver's request (the guard has made sure there is one). */
export function principalOf(ctx: AuthContext): Principal & { csrfHash?: string } {
  if (!ctx.principal) throw new SwitchboardError(ErrorCode.UNAUTHENTICATED, 'Missing or invalid credentials');
  return ctx.principal;
}

export function requestMeta(ctx: AuthContext): { address: string | null; userAgent: string | null } {
  const agent = ctx.req?.headers?.['user-agent'];
  return {
    address: ctx.req?.socket?.remoteAddress ?? null,
    userAgent: typeof agent === 'string' ? agent : null,
  };
}

/**
 * One guard for every resolver: a principal is required (a personal access token, API_TOKEN, or a
 * session cookie), a root field's declared permission is checked, and a mutation made with a
 * session cookie must carry its CSRF token (header x-csrf-token). A refusal is audited.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]))
      return true;
    if (context.getType<string>() !== 'graphql') {
      throw new SwitchboardError(ErrorCode.UNAUTHENTICATED, 'Missing or invalid credentials');
    }
    const gql = GqlExecutionContext.create(context);
    const ctx = gql.getContext<AuthContext>();
    const principal = ctx.principal;
    if (!principal) throw new SwitchboardError(ErrorCode.UNAUTHENTICATED, 'Missing or invalid credentials');
    const info = gql.getInfo<GraphQLResolveInfo>();
    if (!ROOT_TYPES.includes(info.parentType.name)) return true;

    const operation = `${info.parentType.name}.${info.fieldName}`;
    const required = this.reflector.get<Permission | typeof SELF | undefined>(REQUIRES, context.getHandler());
    const deny = async (message: string) => {
      await appendAudit(this.dataSource, {
        actorId: principal.userId,
        actorName: principal.username,
        roles: rolesOf(principal),
        ...requestMeta(ctx),
        kind: 'denied',
        operation,
        arguments: gql.getArgs(),
        outcome: 'DENIED',
        errorCode: ErrorCode.FORBIDDEN,
        durationMs: null,
      });
      throw new SwitchboardError(ErrorCode.FORBIDDEN, message);
    };
    if (!required) return deny(`${operation} declares no permission: refused`);
    if (required !== SELF && !can(principal, required)) {
      return deny(`${operation} needs the permission ${required}, which ${principal.username} does not hold`);
    }
    if (principal.via === 'session' && info.operation.operation === 'mutation') {
      if (!csrfMatches(ctx.req?.headers?.['x-csrf-token'], principal.csrfHash)) {
        return deny('a mutation made with a session cookie needs its CSRF token in the x-csrf-token header');
      }
    }
    return true;
  }
}
