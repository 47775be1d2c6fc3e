import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import path from 'node:path';
import type { AppConfig } from '../../../libs/config/src/config';
import { AppConfigModule } from '../../../libs/config/src/config.module';
import { CryptoModule } from '../../../libs/crypto/src/crypto.module';
import { CoreModule } from '../../../core/core.module';
import { DatabaseModule } from '../../../core/database/database.module';
import { TemporalClientModule } from '../../../libs/temporal/src/temporal.module';
import { BearerTokenGuard, tokenMatches } from '../../../graphql/common/auth.guard';
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
import { HealthController } from './health.controller';

/** The committed schema lives at the repository root; `npm run schema:print` regenerates it. */
export const SCHEMA_FILE = path.resolve(__dirname, '../../../schema.gql');

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
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: options.writeSchema ? SCHEMA_FILE : true,
          sortSchema: true,
          playground: false,
          // Introspection, like every operation, needs the token (the context below refuses anyone else).
          introspection: true,
          // Stack traces only in development mode; schema hints ("did you mean") neither.
          includeStacktraceInErrorResponses: config.api.development,
          hideSchemaDetailsFromClientErrors: !config.api.development,
          // Depth, aliases, fields and cost checked before anything runs; a query whose client has
          // gone stops (its Temporal calls are cancelled, its remaining fields do not start).
          plugins: [queryLimitsPlugin(config.api.queryLimits), requestScopePlugin()],
          subscriptions: {
            'graphql-ws': {
              path: '/graphql',
              // Subscriptions authenticate once, when the socket opens.
              onConnect: (ctx: { connectionParams?: Record<string, unknown> }) => {
                const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
                return tokenMatches(config.api.token, header);
              },
            },
          },
          // HTTP requests bring `req`; graphql-ws brings the socket's `connectionParams` (and `extra`).
          // An HTTP request without the token is refused before its query is even parsed, so that no
          // one unauthenticated learns anything of the schema (the guard still checks each resolver).
          context: (ctx: {
            req?: { headers?: Record<string, unknown>; requestScope?: RequestScope };
            extra?: unknown;
            connectionParams?: Record<string, unknown>;
          }) => {
            if (ctx.extra) return { connectionParams: ctx.connectionParams ?? {} };
            if (!tokenMatches(config.api.token, ctx.req?.headers?.authorization)) {
              throw new GraphQLError('Missing or invalid bearer token', {
                extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
              });
            }
            // `signal` aborts when the client of a query goes before its response was sent.
            const requestScope = ctx.req?.requestScope;
            return { req: ctx.req, signal: requestScope?.signal, requestScope };
          },
        }),
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
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: BearerTokenGuard },
        { provide: APP_FILTER, useClass: GraphqlExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
