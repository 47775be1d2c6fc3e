import { ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';

const HTTP_STATUS: Record<string, number> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.RATE_LIMITED]: 429,
};

/** What the filter needs of Express's response. */
interface HttpResponse {
  headersSent: boolean;
  status(code: number): { json(body: unknown): void };
}

/** One place that turns errors into GraphQL errors with `extensions.code` (and `fields` for bad input). */
@Catch()
export class GraphqlExceptionFilter implements GqlExceptionFilter {
  private readonly logger = new Logger('GraphQL');

  catch(exception: unknown, host: ArgumentsHost): GraphQLError | undefined {
    const error = this.toGraphQLError(exception);
    if (host.getType() !== 'http') return error;
    // A REST endpoint (/auth/*, /healthz): answer with the same error shape and an HTTP status.
    const res = host.switchToHttp().getResponse<HttpResponse>();
    const code = String(error.extensions.code ?? ErrorCode.INTERNAL);
    const status = exception instanceof HttpException ? exception.getStatus() : (HTTP_STATUS[code] ?? 500);
    if (!res.headersSent)
      res.status(status).json({ errors: [{ message: error.message, extensions: error.extensions }] });
    return undefined;
  }

  private toGraphQLError(exception: unknown): GraphQLError {
    if (exception instanceof GraphQLError) return exception;
    if (exception instanceof SwitchboardError) {
      return new GraphQLError(exception.message, {
        extensions: {
          code: exception.code,
          ...(exception.fields.length ? { field: exception.fields[0].field, fields: exception.fields } : {}),
        },
      });
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code =
        status === 401
          ? ErrorCode.UNAUTHENTICATED
          : status === 403
            ? ErrorCode.FORBIDDEN
            : status === 404
              ? ErrorCode.NOT_FOUND
              : status < 500
                ? ErrorCode.BAD_USER_INPUT
                : ErrorCode.INTERNAL;
      return new GraphQLError(exception.message, { extensions: { code } });
    }
    if (
      exception instanceof QueryFailedError &&
      (exception.driverError as { code?: string })?.code === '23505'
    ) {
      return new GraphQLError('A record with the same unique value already exists', {
        extensions: { code: ErrorCode.CONFLICT },
      });
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return new GraphQLError('Internal server error', { extensions: { code: ErrorCode.INTERNAL } });
  }
}
