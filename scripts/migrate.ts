import { ConfigError, loadConfig } from '../libs/config/src/config';
import { runMigrations } from '../core/database/data-source';

/** npm run migration:run — apply pending migrations to DATABASE_URL (the API also does this at boot). */
runMigrations(loadConfig().database)
  .then((applied) =>
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date'),
  )
  .catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exitCode = 1;
  });
