import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';

export const IS_PUBLIC = 'switchboard:public';
/** Marks a handler that needs no token (health checks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compare a presented bearer token with the configured one in constant time. */
export function tokenMatches(expected: string, header: unknown): boolean {
  if (typeof header !== 'string') return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return !!match && timingSafeEqual(digest(match[1]), digest(expected));
}

/**
 * Until accounts exist, every request carries the bearer token from config (API_TOKEN).
 * This is the single guard that real authentication will replace.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]))
      return true;
    let header: unknown;
    if (context.getType<string>() === 'graphql') {
      const ctx = GqlExecutionContext.create(context).getContext<{
        req?: { headers: Record<string, unknown> };
        connectionParams?: Record<string, unknown>;
      }>();
      header =
        ctx.req?.headers?.authorization ??
        ctx.connectionParams?.authorization ??
        ctx.connectionParams?.Authorization;
    } else {
      header = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>()
        .headers.authorization;
    }
    if (!tokenMatches(this.config.api.token, header)) {
      throw new SwitchboardError(ErrorCode.UNAUTHENTICATED, 'Missing or invalid bearer token');
    }
    return true;
  }
}
