import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Context } from 'graphql-ws';
import path from 'node:path';
import type { AppConfig } from '../../../libs/config/src/config';
import { ErrorCode } from '../../../libs/common/src/errors';
import { AppConfigModule } from '../../../libs/config/src/config.module';
import { CryptoModule } from '../../../libs/crypto/src/crypto.module';
import { CoreModule } from '../../../core/core.module';
import { DatabaseModule } from '../../../core/database/database.module';
import { TemporalClientModule } from '../../../libs/temporal/src/temporal.module';
import { AuthGuard } from '../../../graphql/common/auth.guard';
import { AuditInterceptor } from '../../../graphql/common/audit.interceptor';
import { AccountsModule } from '../../../graphql/accounts/accounts.module';
import { AccountsRepository } from '../../../core/accounts/accounts.repository';
import type { Principal } from '../../../core/accounts/principal';
import { principalOf, type AuthenticatedRequest } from './authenticate.middleware';
import type { IncomingMessage } from 'node:http';
import { GraphqlExceptionFilter } from '../../../graphql/common/graphql-exception.filter';
import { createValidationPipe } from '../../../graphql/common/validation';
import { queryLimitsPlugin } from '../../../graphql/common/query-limits';
import { requestScopePlugin, type RequestScope } from '../../../graphql/common/request-scope';
import { ConfigsModule } from '../../../graphql/configs/configs.module';
import { CredentialsModule } from '../../../graphql/credentials/credentials.module';
import { DevicesModule } from '../../../graphql/devices/devices.module';
import { RunsModule } from '../../../graphql/runs/runs.module';
import { TasksModule } from '../../../graphql/tasks/tasks.module';
import { SchedulesModule } from '../../../graphql/schedules/schedules.module';
import { SafetyModule } from '../../../graphql/safety/safety.graphql';
import { NodesModule } from '../../../graphql/nodes/nodes.graphql';
import { TemplatesModule } from '../../../graphql/templates/templates.module';
import { ReachabilityModule } from '../../../graphql/devices/reachability-schedule';
import { AlertsModule } from '../../../graphql/alerts/alerts.module';
import { AuthController } from './auth.controller';
import { AccountLinksController } from './account-links.controller';
import { HealthController } from './health.controller';
import { OidcController } from './oidc.controller';
import { ArtifactsModule } from '../../../graphql/artifacts/artifacts.module';
import { ArtifactsController } from './artifacts.controller';

/** The committed schema lives at the repository root; `npm run schema:print` regenerates it. */
export const SCHEMA_FILE = path.resolve(__dirname, '../../../schema.gql');

/**
 * graphql-js stops coercing variables after 50 errors with an error that names no variable, which
 * Apollo does not recognise as bad input: it is the client's all the same.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.message === TOO_MANY_VARIABLE_ERRORS) {
    return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT } };
  }
  return formatted;
}
const TOO_MANY_VARIABLE_ERRORS =
  'Too many errors processing variables, error limit reached. Execution aborted.';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, options: { writeSchema?: boolean } = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        AppConfigModule.forRoot(config),
        CryptoModule,
        DatabaseModule,
        TemporalClientModule,
        CoreModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [AccountsRepository],
          useFactory: (accounts: AccountsRepository) => ({
            autoSchemaFile: options.writeSchema ? SCHEMA_FILE : true,
            sortSchema: true,
            playground: false,
            // Introspection, like every operation, needs a principal (the context refuses anyone else).
            introspection: true,
            // Stack traces only in development mode; schema hints ("did you mean") neither.
            includeStacktraceInErrorResponses: config.api.development,
            hideSchemaDetailsFromClientErrors: !config.api.development,
            // Depth, aliases, fields and cost checked before anything runs; a query whose client has
            // gone stops (its Temporal calls are cancelled, its remaining fields do not start).
            plugins: [queryLimitsPlugin(config.api.queryLimits), requestScopePlugin()],
            // Errors thrown by field resolvers below the root (Task.definition(version: 9),
            // Run.devices(after: "x"), ...) go through the exception filter too: a NOT_FOUND or a
            // BAD_USER_INPUT naming the argument, never an INTERNAL_SERVER_ERROR.
            fieldResolverEnhancers: ['filters'],
            formatError: formatGraphqlError,
            subscriptions: {
              'graphql-ws': {
                path: '/graphql',
                // Subscriptions authenticate once, when the socket opens: a token in the connection
                // parameters, or the session cookie the browser sent with the upgrade request.
                onConnect: async (ctx: Context<Record<string, unknown> | undefined, unknown>) => {
                  const extra = ctx.extra as { request?: IncomingMessage; principal?: Principal | null };
                  const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
                  extra.principal = await principalOf(accounts, config.api.token, {
                    authorization: typeof header === 'string' ? header : undefined,
                    cookie: extra.request?.headers.cookie,
                  });
                  return !!extra.principal;
                },
              },
            },
            // HTTP requests bring `req` (its principal resolved by the authenticate middleware);
            // graphql-ws brings the socket's `extra`. An HTTP request from nobody known is refused
            // before its query is even parsed, so that no one learns anything of the schema.
            context: (ctx: {
              req?: AuthenticatedRequest & { requestScope?: RequestScope };
              extra?: { principal?: Principal | null; request?: IncomingMessage };
              connectionParams?: Record<string, unknown>;
            }) => {
              if (ctx.extra)
                return {
                  principal: ctx.extra.principal ?? null,
                  // The upgrade request: its address and user agent go into the audit log.
                  req: ctx.extra.request,
                  connectionParams: ctx.connectionParams ?? {},
                };
              if (!ctx.req?.principal) {
                throw new GraphQLError('Missing or invalid credentials', {
                  extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
                });
              }
              // `signal` aborts when the client of a query goes before its response was sent.
              const requestScope = ctx.req.requestScope;
              return {
                req: ctx.req,
                principal: ctx.req.principal,
                signal: requestScope?.signal,
                requestScope,
              };
            },
          }),
        }),
        AccountsModule,
        CredentialsModule,
        DevicesModule,
        RunsModule,
        TasksModule,
        SchedulesModule,
        SafetyModule,
        NodesModule,
        ConfigsModule,
        TemplatesModule,
        ReachabilityModule,
        AlertsModule,
        ArtifactsModule,
      ],
      controllers: [
        HealthController,
        AuthController,
        OidcController,
        AccountLinksController,
        ArtifactsController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
        { provide: APP_FILTER, useClass: GraphqlExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
