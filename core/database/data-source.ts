import { Client, type ClientConfig } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../../libs/config/src/config';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from '../entities';

/**
 * The pool's connections. A connection that PostgreSQL drops (a restart, a failover) emits two
 * errors, the second after TypeORM already let go of it: with no listener left, Node would crash
 * the process. Every connection keeps one listener for its whole life; the queries in flight still
 * fail (and activities retry them as DATABASE_UNAVAILABLE), and the pool replaces the connection.
 */
class PoolClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** Migrations are explicit classes (no globs), so the same list works from TypeScript and compiled JS. */
export function dataSourceOptions(database: AppConfig['database']): DataSourceOptions {
  return {
    type: 'postgres',
    url: database.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: database.poolSize, application_name: 'switchboard', Client: PoolClient },
  };
}

export async function runMigrations(database: AppConfig['database']): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions({ ...database, poolSize: 1 }));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
