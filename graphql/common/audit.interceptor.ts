import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import type { GraphQLResolveInfo } from 'graphql';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { appendAudit } from '../../core/accounts/audit';
import { rolesOf } from '../../core/accounts/principal';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import { requestMeta, type AuthContext } from './auth.guard';

/**
 * Every mutation is audited once it has answered: who (user, roles, address, user agent), which
 * operation with its arguments (secrets redacted), the outcome and error code, how long it took.
 * Refusals are audited by the guard, logins and logouts by the auth endpoints.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() !== 'graphql') return next.handle();
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo>();
    if (info.parentType.name !== 'Mutation') return next.handle();
    const ctx = gql.getContext<AuthContext>();
    const started = Date.now();
    const record = (outcome: 'OK' | 'ERROR', errorCode: string | null) =>
      appendAudit(this.dataSource, {
        actorId: ctx.principal?.userId ?? null,
        actorName: ctx.principal?.username ?? null,
        roles: ctx.principal ? rolesOf(ctx.principal) : [],
        ...requestMeta(ctx),
        kind: 'mutation',
        operation: `Mutation.${info.fieldName}`,
        arguments: gql.getArgs(),
        outcome,
        errorCode,
        durationMs: Date.now() - started,
      });
    return next.handle().pipe(
      mergeMap((value) => from(record('OK', null).then(() => value))),
      catchError((error: unknown) =>
        from(record('ERROR', error instanceof SwitchboardError ? error.code : ErrorCode.INTERNAL)).pipe(
          mergeMap(() => throwError(() => error)),
        ),
      ),
    );
  }
}
