import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, startManaged, waitFor, type Managed } from './process';

/**
 * A PostgreSQL cluster owned by our scripts, made from the installed server binaries
 * (Debian's `postgresql` package). Used by `npm start` when DATABASE_URL is unset and by the tests.
 */
export function findPgBinDir(): string | undefined {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv && existsSync(path.join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return path.join(root, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))) return dir;
  }
  return undefined;
}

export interface LocalPostgres {
  url: string;
  port: number;
  process: Managed;
  stop(): Promise<void>;
}

// initdb and postgres refuse to run as root; the cluster then belongs to the `postgres` system user.
function runAsArgs(bin: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ['runuser', ['-u', 'postgres', '--', bin, ...args]];
  return [bin, args];
}

export async function startLocalPostgres(options: {
  dataDir: string;
  port?: number;
  database?: string;
  logFile?: string;
}): Promise<LocalPostgres> {
  const bin = findPgBinDir();
  if (!bin) {
    throw new Error(
      'No PostgreSQL server binaries found (looked at PG_BIN_DIR, /usr/lib/postgresql/*/bin and PATH).\n' +
        'Install them (Debian/Ubuntu: apt-get install -y postgresql) or set DATABASE_URL to an existing server.',
    );
  }
  const root = process.getuid?.() === 0;
  const dataDir = path.resolve(options.dataDir);
  if (root) {
    mkdirSync(dataDir, { recursive: true });
    letPostgresUserTraverse(path.dirname(dataDir));
  }
  const socketDir = path.join(dataDir, 'socket');
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true });
    if (root) execFileSync('chown', ['-R', 'postgres:postgres', dataDir]);
    const [cmd, args] = runAsArgs(path.join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'switchboard',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-locale',
    ]);
    execFileSync(cmd, args, { stdio: 'pipe' });
    writeFileSync(
      path.join(dataDir, 'postgresql.auto.conf'),
      ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'max_connections = 300', ''].join(
        '\n',
      ),
    );
    if (root) execFileSync('chown', ['-R', 'postgres:postgres', dataDir]);
  }
  mkdirSync(socketDir, { recursive: true });
  if (root) execFileSync('chown', ['postgres:postgres', socketDir]);
  const port = options.port ?? (await freePort());
  const [cmd, args] = runAsArgs(path.join(bin, 'postgres'), [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    socketDir,
  ]);
  const managed = startManaged('postgres', cmd, args, { logFile: options.logFile });
  let exitedEarly = false;
  void managed.exited.then(() => (exitedEarly = true));
  const adminUrl = `postgres://switchboard@127.0.0.1:${port}/postgres`;
  await waitFor(
    `PostgreSQL on port ${port}`,
    async () => {
      if (exitedEarly) throw new Error(`postgres exited early; see ${options.logFile ?? 'its output'}`);
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.end();
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  const database = options.database ?? 'switchboard';
  await createDatabaseIfMissing(adminUrl, database);
  return {
    url: `postgres://switchboard@127.0.0.1:${port}/${database}`,
    port,
    process: managed,
    // SIGINT is PostgreSQL's "fast shutdown".
    stop: () => managed.stop('SIGINT', 20_000),
  };
}

/**
 * As root, the cluster runs as the `postgres` user, which must be able to reach the data directory.
 * Directories made by mktemp are 0700: grant traverse-only (o+x) on the ancestors that lack it.
 */
function letPostgresUserTraverse(dir: string): void {
  for (let current = dir; current !== path.dirname(current); current = path.dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, mode | 0o001);
      console.log(
        `[postgres] granted traverse permission (o+x) on ${current} so the postgres user can reach its data`,
      );
    }
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** Replace the database name in a postgres URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
