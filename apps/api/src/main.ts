import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '../../../libs/config/src/config';
import { startApi } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await startApi(config);
  const url = await app.getUrl();
  new Logger('API').log(`GraphQL at ${url.replace('[::1]', 'localhost')}/graphql`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
});
