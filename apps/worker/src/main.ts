import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '../../../libs/config/src/config';
import { WorkerModule, WorkerRunner } from './worker.module';
import { nestLogLevels } from '../../../libs/config/src/log-levels';

/**
 * The worker: a Nest application context (no HTTP listener) that runs the Temporal worker.
 * On SIGTERM/SIGINT the Temporal runtime stops polling, lets running activities finish (up to
 * WORKER_SHUTDOWN_GRACE_MS), run() resolves, and we close the context.
 */
async function main(): Promise<void> {
  const loaded = loadConfig();
  const config = { ...loaded, database: { ...loaded.database, migrationsRun: false } };
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: nestLogLevels(config.logLevel),
  });
  try {
    await app.get(WorkerRunner).run();
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  // Exit rather than wait: Temporal workers that were created but never ran would keep the
  // process alive without serving (docs/reliability.md, D6); a supervisor starts it again.
  process.exit(1);
});
