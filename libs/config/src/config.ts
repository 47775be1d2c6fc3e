import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { builtinTemplatesDir } from '../../common/src/paths';
import { MAX_NODE_CAPABILITIES } from '../../temporal/src/routing';
import { ldapConfigOf, ldapEnvShape, type LdapConfig } from './ldap';
import { oidcProvidersSchema, type OidcProvider } from './oidc';

/**
 * The one place that reads the environment. Everything else receives a typed AppConfig.
 * A bad value stops the process with a message naming every bad key (see ConfigError).
 */
const int = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be an integer' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

/** A number of at least 0 (fractions allowed). */
const rate = (max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .min(0, { message: 'must be at least 0' })
    .max(max, { message: `must be at most ${max}` });

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` },
  );

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const key32 = z.string().transform((value, ctx) => {
  const trimmed = value.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex characters or base64' });
    return z.NEVER;
  }
  return bytes;
});

const envSchema = z.object({
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: int(0, 65535).default(4000),
  API_DEVELOPMENT: bool.default(false),
  API_TOKEN: z.string({ message: 'is required' }).min(16, { message: 'must be at least 16 characters' }),
  API_MAX_QUERY_DEPTH: int(1, 1000).default(12),
  API_MAX_QUERY_COST: int(1, 1_000_000_000).default(6000),
  API_MAX_ALIASES: int(0, 1_000_000).default(50),
  API_MAX_QUERY_FIELDS: int(1, 1_000_000).default(1000),
  API_RATE_LIMIT_PER_SECOND: rate(1_000_000).default(200),
  API_RATE_LIMIT_BURST: int(1, 1_000_000_000).default(2000),
  API_MAX_BODY_BYTES: int(1024, 1024 ** 3).default(32 * 1024 ** 2),
  API_MAX_ANONYMOUS_BODY_BYTES: int(1024, 1024 ** 3).default(64 * 1024),
  API_LOGIN_ATTEMPTS_PER_MINUTE: int(1, 1_000_000).default(30),
  API_SECURE_COOKIES: bool.default(false),
  API_PUBLIC_URL: url(['http:', 'https:']).optional(),
  OIDC_PROVIDERS: oidcProvidersSchema.optional(),
  OIDC_SUCCESS_PATH: z
    .string()
    .regex(/^\/(?!\/)[^\s\\]*$/, { message: 'must be a path on this site, starting with a single /' })
    .default('/'),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  SMTP_FROM: z.string().min(3).max(320).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  DATABASE_MIGRATIONS_RUN: bool.default(true),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d{1,5}$/, { message: 'must be host:port' })
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('switchboard'),
  TEMPORAL_UI_URL: url(['http:', 'https:']).default('http://127.0.0.1:8233'),
  CREDENTIALS_KEY: key32,
  SSH_CONNECT_TIMEOUT_MS: int(100, 600_000).default(10_000),
  SSH_PROMPT_TIMEOUT_MS: int(100, 600_000).default(20_000),
  SSH_COMMAND_TIMEOUT_MS: int(100, 3_600_000).default(60_000),
  COLLECTION_DEFAULT_CONCURRENCY: int(1, 10_000).default(50),
  COLLECTION_MAX_CONCURRENCY: int(1, 10_000).default(1000),
  COLLECTION_MAX_ATTEMPTS: int(1, 100).default(3),
  COLLECTION_HEARTBEAT_TIMEOUT_MS: int(1000, 600_000).default(30_000),
  COLLECTION_RETRY_INITIAL_MS: int(10, 600_000).default(2_000),
  TEXTFSM_TEMPLATES_DIR: z.string().min(1).optional(),
  VOLATILE_RULES_FILE: z.string().min(1).optional(),
  RUNS_RECONCILE_INTERVAL_MS: int(0, 3_600_000).default(60_000),
  ALERTS_EVALUATE_INTERVAL_MS: int(0, 3_600_000).default(5000),
  SCHEDULE_DEFAULT_TIMEZONE: z
    .string()
    .refine(
      (tz) => {
        try {
          return tz.trim() !== '' && !!new Intl.DateTimeFormat(undefined, { timeZone: tz });
        } catch {
          return false;
        }
      },
      { message: 'must be an IANA time zone, e.g. Asia/Shanghai or UTC' },
    )
    .default('Asia/Shanghai'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: int(1, 10_000).default(200),
  WORKER_SHUTDOWN_GRACE_MS: int(0, 600_000).default(15_000),
  WORKER_WORKFLOW_BUNDLE: z
    .string()
    .refine((file) => existsSync(file), { message: 'must be the path of a workflow bundle that exists' })
    .optional(),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/, 'letters, digits and . _ : @ -')
    .optional(),
  NODE_SITES: z
    .string()
    .regex(/^[^,\s]+(,[^,\s]+)*$/, 'a comma-separated list of sites')
    .optional(),
  NODE_CAPABILITIES: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]{0,62}(,[a-z0-9][a-z0-9-]{0,62})*$/,
      'a comma-separated list of lower-case tags',
    )
    .refine((v) => new Set(v.split(',')).size <= MAX_NODE_CAPABILITIES, {
      message: `at most ${MAX_NODE_CAPABILITIES} tags (a node polls a task queue per set of them)`,
    })
    .optional(),
  NODE_SHARED_QUEUE: z.enum(['true', 'false']).default('true'),
  NODE_HEARTBEAT_MS: int(500, 600_000).default(5000),
  REACHABILITY_HISTORY_DAYS: int(0, 36_500).default(30),
  REACHABILITY_INTERVAL: z
    .string()
    .transform((value, ctx) => {
      const seconds = parseInterval(value);
      if (seconds === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a duration such as 30s, 5m, 1h or 1h30m (at least 1s), or off',
        });
        return z.NEVER;
      }
      return seconds;
    })
    .default(300),
  SWITCHBOARD_DATA_DIR: z.string().min(1).optional(),
  ARTIFACTS_DIR: z.string().min(1).optional(),
  ARTIFACTS_MAX_BYTES: int(1, 2 ** 50).default(64 * 1024 ** 3),
  ...ldapEnvShape,
});

/**
 * A duration of whole seconds, minutes, hours and days (`30s`, `5m`, `1h30m`, `1d`); `off` (or
 * `0`) is null. Undefined when the text is not one.
 */
export function parseInterval(text: string): number | null | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off' || value === '0') return null;
  if (!/^(\d+[smhd])+$/.test(value)) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
  let seconds = 0;
  for (const [, n, u] of value.matchAll(/(\d+)([smhd])/g))
    seconds += Number(n) * unit[u as keyof typeof unit];
  return seconds >= 1 && seconds <= 366 * 86_400 ? seconds : undefined;
}

export type Env = Record<string, string | undefined>;

export interface AppConfig {
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** `development`: error responses carry stack traces (never in production). */
  api: {
    host: string;
    port: number;
    token: string;
    development: boolean;
    /** Limits on one GraphQL operation, checked before it runs (graphql/common/query-limits.ts). */
    queryLimits: { maxDepth: number; maxCost: number; maxAliases: number; maxFields: number };
    /** A token bucket per client (bearer token and remote address) for GraphQL HTTP requests; perSecond 0: none. */
    rateLimit: { perSecond: number; burst: number };
    /** Request bodies, checked before they are parsed: without a valid bearer token, and with one. */
    maxBodyBytes: { anonymous: number; authenticated: number };
    /** Password logins a remote address may attempt a minute (on top of the lockout per account). */
    loginAttemptsPerMinute: number;
    /** Session cookies marked Secure (behind TLS); they always are HttpOnly and SameSite=Lax. */
    secureCookies: boolean;
    /** The URL browsers reach the API at (OIDC redirect URIs); null: not configured. */
    publicUrl: string | null;
  };
  /** OIDC sign-in: the providers, and where the browser goes once signed in. */
  oidc: { providers: OidcProvider[]; successPath: string };
  database: { url: string; poolSize: number; migrationsRun: boolean };
  temporal: { address: string; namespace: string; taskQueue: string; uiUrl: string };
  credentialsKey: Buffer;
  ssh: { connectTimeoutMs: number; promptTimeoutMs: number; commandTimeoutMs: number };
  collection: {
    defaultConcurrency: number;
    maxConcurrency: number;
    maxAttempts: number;
    heartbeatTimeoutMs: number;
    retryInitialMs: number;
  };
  /** `workflowBundle`: a bundle built ahead (scripts/bundle-workflows.ts); null: bundle at start. */
  worker: { maxConcurrentActivities: number; shutdownGraceMs: number; workflowBundle: string | null };
  /** This process as an execution node: what it serves, and how often it heartbeats. */
  nodes: { id: string; sites: string[]; capabilities: string[]; sharedQueue: boolean; heartbeatMs: number };
  /** TextFSM templates: a directory in the ntc-templates layout (an `index` file and `.textfsm` files). */
  textfsmTemplatesDir: string;
  /** Extra volatile-line rules (JSON or YAML file), on top of the per-platform defaults. */
  volatileRulesFile: string | null;
  /** How often the API looks for runs whose workflow was never started (0: never). */
  runsReconcileIntervalMs: number;
  /** Alerts: the pause between two passes of the evaluator over recorded events (0: no evaluator). */
  alerts: { evaluateIntervalMs: number };
  /** Time zone of a schedule that names none (cron expressions and calendars are read in it). */
  scheduleDefaultTimezone: string;
  /** The built-in device reachability schedule: every this many seconds; null (`off`): none is created. */
  reachability: {
    intervalSeconds: number | null;
    /** device_checks rows older than this many days are deleted (hourly, by the API); 0 keeps them. */
    historyDays: number;
  };
  /** Directory sign-in (LDAP, Active Directory); null: off (LDAP_URL unset). */
  ldap: LdapConfig | null;
  /** Outgoing mail (e-mailed sign-in codes); null: off (SMTP_URL unset). `url` may hold a password. */
  smtp: { url: string; from: string } | null;
  /**
   * The artifact store's blobs (absolute directory; the API writes, workers read: shared storage
   * when they run on several machines), and the largest upload accepted.
   */
  artifacts: { dir: string; maxBytes: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Env = process.env): AppConfig {
  // Empty strings count as unset, as shells and .env files often leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      // A path inside a JSON value reads OIDC_PROVIDERS[0].roleMap.
      const key =
        issue.path
          .map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${String(p)}` : String(p)))
          .join('') || '(environment)';
      // Never echo values: some of these keys are secrets.
      const message =
        issue.code === 'invalid_type' && issue.path.length === 1 && cleaned[key] === undefined
          ? 'is required'
          : issue.message;
      return `${key} ${message}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  if (e.COLLECTION_DEFAULT_CONCURRENCY > e.COLLECTION_MAX_CONCURRENCY) {
    throw new ConfigError(['COLLECTION_DEFAULT_CONCURRENCY must not exceed COLLECTION_MAX_CONCURRENCY']);
  }
  if (e.API_MAX_ANONYMOUS_BODY_BYTES > e.API_MAX_BODY_BYTES) {
    throw new ConfigError(['API_MAX_ANONYMOUS_BODY_BYTES must not exceed API_MAX_BODY_BYTES']);
  }
  const { ldap, problems: ldapProblems } = ldapConfigOf(e);
  if (ldapProblems.length) throw new ConfigError(ldapProblems);
  if (e.SMTP_URL && !e.SMTP_FROM) throw new ConfigError(['SMTP_FROM is required with SMTP_URL']);
  if (e.OIDC_PROVIDERS?.length && !e.API_PUBLIC_URL) {
    throw new ConfigError([
      'API_PUBLIC_URL is required with OIDC_PROVIDERS (the redirect URIs are built on it)',
    ]);
  }
  return {
    logLevel: e.LOG_LEVEL,
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      token: e.API_TOKEN,
      development: e.API_DEVELOPMENT,
      queryLimits: {
        maxDepth: e.API_MAX_QUERY_DEPTH,
        maxCost: e.API_MAX_QUERY_COST,
        maxAliases: e.API_MAX_ALIASES,
        maxFields: e.API_MAX_QUERY_FIELDS,
      },
      rateLimit: { perSecond: e.API_RATE_LIMIT_PER_SECOND, burst: e.API_RATE_LIMIT_BURST },
      maxBodyBytes: { anonymous: e.API_MAX_ANONYMOUS_BODY_BYTES, authenticated: e.API_MAX_BODY_BYTES },
      loginAttemptsPerMinute: e.API_LOGIN_ATTEMPTS_PER_MINUTE,
      secureCookies: e.API_SECURE_COOKIES,
      publicUrl: e.API_PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    },
    oidc: { providers: e.OIDC_PROVIDERS ?? [], successPath: e.OIDC_SUCCESS_PATH },
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      migrationsRun: e.DATABASE_MIGRATIONS_RUN,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL.replace(/\/+$/, ''),
    },
    credentialsKey: e.CREDENTIALS_KEY,
    ssh: {
      connectTimeoutMs: e.SSH_CONNECT_TIMEOUT_MS,
      promptTimeoutMs: e.SSH_PROMPT_TIMEOUT_MS,
      commandTimeoutMs: e.SSH_COMMAND_TIMEOUT_MS,
    },
    collection: {
      defaultConcurrency: e.COLLECTION_DEFAULT_CONCURRENCY,
      maxConcurrency: e.COLLECTION_MAX_CONCURRENCY,
      maxAttempts: e.COLLECTION_MAX_ATTEMPTS,
      heartbeatTimeoutMs: e.COLLECTION_HEARTBEAT_TIMEOUT_MS,
      retryInitialMs: e.COLLECTION_RETRY_INITIAL_MS,
    },
    worker: {
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
      workflowBundle: e.WORKER_WORKFLOW_BUNDLE ?? null,
    },
    nodes: {
      id: e.NODE_ID ?? `${os.hostname()}:${process.pid}`,
      sites: e.NODE_SITES ? e.NODE_SITES.split(',') : [],
      capabilities: e.NODE_CAPABILITIES ? [...new Set(e.NODE_CAPABILITIES.split(','))] : [],
      sharedQueue: e.NODE_SHARED_QUEUE === 'true',
      heartbeatMs: e.NODE_HEARTBEAT_MS,
    },
    runsReconcileIntervalMs: e.RUNS_RECONCILE_INTERVAL_MS,
    alerts: { evaluateIntervalMs: e.ALERTS_EVALUATE_INTERVAL_MS },
    scheduleDefaultTimezone: e.SCHEDULE_DEFAULT_TIMEZONE,
    reachability: { intervalSeconds: e.REACHABILITY_INTERVAL, historyDays: e.REACHABILITY_HISTORY_DAYS },
    textfsmTemplatesDir: e.TEXTFSM_TEMPLATES_DIR ?? builtinTemplatesDir('textfsm'),
    volatileRulesFile: e.VOLATILE_RULES_FILE ?? null,
    ldap,
    smtp: e.SMTP_URL ? { url: e.SMTP_URL, from: e.SMTP_FROM! } : null,
    artifacts: {
      dir: path.resolve(e.ARTIFACTS_DIR ?? path.join(e.SWITCHBOARD_DATA_DIR ?? '.data', 'artifacts')),
      maxBytes: e.ARTIFACTS_MAX_BYTES,
    },
  };
}

/** Link to a workflow's page in the Temporal Web UI. */
export function temporalWorkflowUrl(config: AppConfig['temporal'], workflowId: string): string {
  return `${config.uiUrl}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
