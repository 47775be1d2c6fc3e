import { applyVolatileRulesFile } from '../../../libs/configs/src/volatile-file';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from '@temporalio/client';
import type { AppConfig } from '../../../libs/config/src/config';
import { nestLogLevels } from '../../../libs/config/src/log-levels';
import { AccountsRepository } from '../../../core/accounts/accounts.repository';
import { ApiModule } from './app.module';
import { authenticateMiddleware } from './authenticate.middleware';
import { useBodyLimits } from './body-limit';
import { rateLimitMiddleware } from './rate-limit';
import { servePortal } from './portal';
import { requestScopeMiddleware } from './request-scope.middleware';

/** Build and start the API; tests call this too (with port 0). */
export async function startApi(
  config: AppConfig,
  options: { writeSchema?: boolean } = {},
): Promise<INestApplication> {
  applyVolatileRulesFile(config.volatileRulesFile);
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config, options), {
    logger: nestLogLevels(config.logLevel),
    bufferLogs: false,
    // useBodyLimits parses JSON bodies, with a limit that depends on the token.
    bodyParser: false,
  });
  // In this order, before the GraphQL middleware (registered when the app starts): who the
  // request comes from (no body read yet), the rate limit, the body limits, then the request's
  // scope (its abort signal, its reads).
  const { token, rateLimit, maxBodyBytes } = config.api;
  const accounts = app.get(AccountsRepository);
  await accounts.ensureServiceAccount();
  servePortal(app);
  app.use(authenticateMiddleware(accounts, token));
  if (rateLimit.perSecond > 0) app.use('/graphql', rateLimitMiddleware(rateLimit));
  useBodyLimits(app, maxBodyBytes, ['/artifacts/']);
  app.use('/graphql', requestScopeMiddleware(app.get(Client)));
  app.enableShutdownHooks();
  await app.listen(config.api.port, config.api.host);
  return app;
}
