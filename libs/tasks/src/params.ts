/**
 * Step params per kind. Checked at save so a run does not fail on a typo an hour in: unknown keys
 * are errors, and any value at any depth may instead be a reference (a string with Liquid markup)
 * resolved at run time — only non-reference values are type-checked here.
 *
 * Rules that span several keys (one of lines/linesByPlatform, exactly one of items/devices…) are
 * plain code after the zod pass, so they are reported even when a sibling key is also wrong.
 */
import { z } from 'zod';
import { ARTIFACT_REF_HINT, artifactNameProblem, parseArtifactRef } from '../../common/src/artifact-refs';
import { PLATFORMS } from '../../common/src/platforms';
import { FANOUT_ITEM_KINDS, STEP_KINDS, TASK_NAME } from './definition';
import type { StepKind } from './definition';
import { fromZod, zodMessages } from './issues';
import type { Issue } from './issues';
import { hasMarkup } from './liquid';
import { parsePath } from './path';
import { parsePath as parseExtractPath } from '../../http/src/extract';
import { isPlainObject } from './values';

/** A schema that also accepts a reference in place of the value. */
function ref<T extends z.ZodType>(schema: T) {
  return z.unknown().superRefine((value, ctx) => {
    if (hasMarkup(value)) return;
    const result = schema.safeParse(value, { error: zodMessages });
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ ...issue } as z.core.$ZodRawIssue);
    }
  });
}

const text = ref(z.string());
const nonEmpty = ref(z.string().min(1));
const stringList = ref(z.array(nonEmpty).min(1));
const int = (min: number, max?: number) =>
  ref(max === undefined ? z.number().int().min(min) : z.number().int().min(min).max(max));
const record = ref(z.record(z.string(), z.unknown()));
const platformMap = ref(z.record(z.string(), stringList));
const taskName = ref(
  z.string().regex(TASK_NAME, 'must be a task name: lower-case letters, digits, ".", "_" and "-"'),
);
const httpUrl = ref(
  z.string().refine((url) => /^https?:\/\/[^\s/?#]+[^\s]*$/i.test(url), 'must be an http:// or https:// URL'),
);

const DEVICE_TARGET_KEYS = ['deviceIds', 'names', 'site', 'tags', 'platform'] as const;
/** Device ids, names, or a selector (site, tags, platform): one of the three. */
const deviceTargetShape = z
  .strictObject({
    deviceIds: stringList.optional(),
    names: stringList.optional(),
    site: nonEmpty.optional(),
    tags: stringList.optional(),
    platform: ref(z.enum(PLATFORMS)).optional(),
  })
  .refine(
    (target) =>
      [target.deviceIds, target.names, target.site ?? target.tags ?? target.platform].filter(
        (v) => v !== undefined,
      ).length <= 1,
    { message: 'give one of deviceIds, names or a selector (site, tags, platform), not several' },
  );
const deviceTarget = ref(
  deviceTargetShape.refine((target) => DEVICE_TARGET_KEYS.some((key) => target[key] !== undefined), {
    message: `must select devices with at least one of ${DEVICE_TARGET_KEYS.join(', ')}`,
  }),
);
/** device.check: a selector as above, or none (or `{}`) for every device in the inventory. */
const deviceTargetOrAll = ref(deviceTargetShape);

/** An artifact of the store: `name@version` or `sha256:<hex>`. */
const artifactRef = ref(z.string().refine((v) => parseArtifactRef(v) !== null, ARTIFACT_REF_HINT));
/** A path on a Linux host: absolute, or relative to the login directory; no NUL or newline. */
const hostPath = ref(
  z.string().regex(/^[^\0\n]+$/, 'must be a path on the host (absolute, or relative to the login directory)'),
);
/** Octal permission bits as text, e.g. "0644" or "755". */
const fileMode = ref(z.string().regex(/^0?[0-7]{3,4}$/, 'must be octal permission bits such as "0644"'));
/** chown's `user`, `user:group` or `:group`. */
const fileOwner = ref(
  z
    .string()
    .regex(
      /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(:[A-Za-z0-9_.][A-Za-z0-9_.-]*)?$|^:[A-Za-z0-9_.][A-Za-z0-9_.-]*$/,
      'must be user, user:group or :group',
    ),
);
const artifactName = ref(
  z.string().refine((v) => artifactNameProblem(v) === null, 'must be an artifact name'),
);
const port = int(1, 65535);
const healthCheck = ref(
  z.strictObject({
    http: ref(
      z.strictObject({
        port,
        path: ref(z.string().regex(/^\//, 'must start with /')).optional(),
        host: nonEmpty.optional(),
        scheme: ref(z.enum(['http', 'https'])).optional(),
        expectStatus: ref(z.array(int(100, 599)).min(1)).optional(),
        bodyContains: nonEmpty.optional(),
      }),
    ).optional(),
    tcp: ref(z.strictObject({ port, host: nonEmpty.optional() })).optional(),
    command: ref(z.strictObject({ run: nonEmpty, expectOutput: nonEmpty.optional() })).optional(),
    retries: int(0, 1000).optional(),
    intervalSeconds: int(1, 3600).optional(),
    timeoutSeconds: int(1, 86_400).optional(),
  }),
);

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export const AGGREGATE_MODES = ['collect', 'count', 'merge', 'reduce'] as const;

interface SchemaOptions {
  /** In a devices fanout each item is one device, so the sub-step may omit `devices`. */
  devicesOptional?: boolean;
}

function devices(options: SchemaOptions) {
  return options.devicesOptional ? deviceTarget.optional() : deviceTarget;
}

function schemaFor(kind: StepKind, options: SchemaOptions): z.ZodType {
  switch (kind) {
    case 'ssh.commands':
      return z.strictObject({
        devices: devices(options),
        commands: stringList.optional(),
        commandsByPlatform: platformMap.optional(),
        backupReason: nonEmpty.optional(),
        concurrency: int(1, 1000).optional(),
        commandTimeoutSeconds: int(1).optional(),
        maxFailedDevices: int(0).optional(),
      });
    case 'ssh.configure':
      return z.strictObject({
        devices: devices(options),
        lines: stringList.optional(),
        linesByPlatform: platformMap.optional(),
        concurrency: int(1, 1000).optional(),
        maxFailedDevices: int(0).optional(),
      });
    case 'script':
      return z.strictObject({
        devices: devices(options),
        script: nonEmpty,
        expectExitCode: int(0, 255).optional(),
        timeoutSeconds: int(1).optional(),
        concurrency: int(1, 1000).optional(),
        maxFailedDevices: int(0).optional(),
      });
    case 'device.check':
      return z.strictObject({
        devices: deviceTargetOrAll.optional(),
        timeoutSeconds: int(1, 300).optional(),
        concurrency: int(1, 1000).optional(),
      });
    case 'file.upload':
      return z.strictObject({
        devices: devices(options),
        artifact: artifactRef,
        path: hostPath,
        mode: fileMode.optional(),
        owner: fileOwner.optional(),
        createDirs: ref(z.boolean()).optional(),
        bandwidthLimitKBps: int(1).optional(),
        concurrency: int(1, 1000).optional(),
        maxFailedDevices: int(0).optional(),
      });
    case 'file.download':
      return z.strictObject({
        devices: devices(options),
        path: hostPath,
        name: artifactName,
        version: ref(
          z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, 'must be letters, digits, ".", "_", "+" or "-"'),
        ).optional(),
        retainDays: int(1, 36_500).optional(),
        concurrency: int(1, 1000).optional(),
        maxFailedDevices: int(0).optional(),
      });
    case 'deploy.release':
      return z.strictObject({
        devices: devices(options),
        artifact: artifactRef.optional(),
        baseDir: hostPath,
        version: ref(
          z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'must be letters, digits, ".", "_", "+" or "-"'),
        ).optional(),
        preStart: nonEmpty.optional(),
        restart: nonEmpty,
        healthCheck: healthCheck.optional(),
        rollback: ref(z.boolean()).optional(),
        keepReleases: int(1, 100).optional(),
        commandTimeoutSeconds: int(1).optional(),
        bandwidthLimitKBps: int(1).optional(),
        concurrency: int(1, 1000).optional(),
        maxFailedDevices: int(0).optional(),
      });
    case 'http.request':
      return z.strictObject({
        method: ref(z.enum(HTTP_METHODS)).optional(),
        url: httpUrl,
        headers: ref(z.record(z.string(), text)).optional(),
        body: z.unknown().optional(),
        auth: ref(
          z.strictObject({ credential: nonEmpty.optional(), bearerToken: nonEmpty.optional() }),
        ).optional(),
        expectStatus: ref(z.array(int(100, 599)).min(1)).optional(),
        extract: ref(z.record(z.string(), nonEmpty)).optional(),
        timeoutSeconds: int(1).optional(),
      });
    case 'approval':
      return z.strictObject({
        message: text.optional(),
        timeoutSeconds: int(1),
        defaultDecision: ref(z.enum(['approve', 'reject'])).optional(),
        approvers: stringList.optional(),
      });
    case 'sleep':
      return z.strictObject({ seconds: ref(z.number().min(0)) });
    case 'subtask':
      return z.strictObject({ task: taskName, version: int(1).optional(), inputs: record.optional() });
    case 'fanout':
      return z.strictObject({
        items: ref(z.array(z.unknown())).optional(),
        devices: deviceTarget.optional(),
        shardSize: int(1, 1000).optional(),
        concurrency: int(1, 1000).optional(),
        step: ref(
          z.strictObject({
            kind: z.enum(FANOUT_ITEM_KINDS, {
              error: (issue) =>
                `a fanout runs one of ${FANOUT_ITEM_KINDS.join(', ')} per item, not ${JSON.stringify(issue.input)}`,
            }),
            params: ref(z.record(z.string(), z.unknown())),
          }),
        ).optional(),
        task: ref(
          z.strictObject({ task: taskName, version: int(1).optional(), inputs: record.optional() }),
        ).optional(),
        aggregate: ref(
          z.strictObject({
            mode: z.enum(AGGREGATE_MODES),
            field: nonEmpty.optional(),
            expression: nonEmpty.optional(),
            initial: z.unknown().optional(),
          }),
        ).optional(),
        maxFailedItems: int(0).optional(),
      });
  }
}

const schemas = new Map<string, z.ZodType>();

function cachedSchema(kind: StepKind, options: SchemaOptions): z.ZodType {
  const key = `${kind}:${options.devicesOptional ? 1 : 0}`;
  let schema = schemas.get(key);
  if (!schema) {
    schema = schemaFor(kind, options);
    schemas.set(key, schema);
  }
  return schema;
}

function has(object: Record<string, unknown>, key: string): boolean {
  return object[key] !== undefined;
}

function checkPlatformKeys(value: unknown, key: string, issues: Issue[]): void {
  if (!isPlainObject(value)) return;
  if (Object.keys(value).length === 0)
    issues.push({ path: [key], message: 'must name at least one platform' });
  for (const platform of Object.keys(value)) {
    if (!(PLATFORMS as readonly string[]).includes(platform)) {
      issues.push({
        path: [key, platform],
        message: `unknown platform "${platform}" (platforms: ${PLATFORMS.join(', ')})`,
      });
    }
  }
}

const EXTRACT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Extract paths are read by the HTTP step's own parser (quoted keys, `[*]`); check with the same one. */
function isExtractPath(path: string): boolean {
  try {
    parseExtractPath(path);
    return true;
  } catch {
    return false;
  }
}

/** Rules across keys, on the raw params (references skipped). */
function crossChecks(kind: StepKind, params: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  switch (kind) {
    case 'ssh.commands':
      if (!has(params, 'commands') && !has(params, 'commandsByPlatform') && !has(params, 'backupReason')) {
        issues.push({
          path: ['commands'],
          message: 'is required (or commandsByPlatform; or backupReason to save running configs)',
        });
      }
      checkPlatformKeys(params.commandsByPlatform, 'commandsByPlatform', issues);
      break;
    case 'ssh.configure':
      if (!has(params, 'lines') && !has(params, 'linesByPlatform')) {
        issues.push({ path: ['lines'], message: 'is required (or linesByPlatform)' });
      }
      checkPlatformKeys(params.linesByPlatform, 'linesByPlatform', issues);
      break;
    case 'http.request': {
      const auth = params.auth;
      if (isPlainObject(auth) && has(auth, 'credential') === has(auth, 'bearerToken')) {
        issues.push({ path: ['auth'], message: 'must have exactly one of credential or bearerToken' });
      }
      if (isPlainObject(params.extract)) {
        for (const [name, path] of Object.entries(params.extract)) {
          if (!EXTRACT_NAME.test(name)) {
            issues.push({
              path: ['extract', name],
              message:
                'must be named with letters, digits and _ (it is read as steps.<id>.output.extracted.<name>)',
            });
          }
          if (typeof path === 'string' && !hasMarkup(path) && !isExtractPath(path)) {
            issues.push({
              path: ['extract', name],
              message: `"${path}" is not a path such as data.items[0].name`,
            });
          }
        }
      }
      break;
    }
    case 'fanout':
      crossChecksFanout(params, issues);
      break;
    case 'deploy.release': {
      if (params.rollback !== true) {
        for (const key of ['artifact', 'healthCheck'])
          if (!has(params, key))
            issues.push({ path: [key], message: 'is required (unless rollback is true)' });
      }
      const check = params.healthCheck;
      if (isPlainObject(check) && ['http', 'tcp', 'command'].filter((k) => has(check, k)).length !== 1) {
        issues.push({ path: ['healthCheck'], message: 'must have exactly one of http, tcp or command' });
      }
      break;
    }
    default:
      break;
  }
  return issues;
}

function crossChecksFanout(params: Record<string, unknown>, issues: Issue[]): void {
  if (has(params, 'items') === has(params, 'devices')) {
    issues.push(
      has(params, 'items')
        ? { path: ['devices'], message: 'give items or devices, not both' }
        : { path: ['items'], message: 'is required (or devices)' },
    );
  }
  if (has(params, 'step') === has(params, 'task')) {
    issues.push(
      has(params, 'step')
        ? { path: ['task'], message: 'give step or task, not both' }
        : { path: ['step'], message: 'is required (or task)' },
    );
  }
  const aggregate = params.aggregate;
  if (isPlainObject(aggregate)) {
    if (aggregate.mode === 'count' && !has(aggregate, 'field')) {
      issues.push({ path: ['aggregate', 'field'], message: 'is required when mode is "count"' });
    }
    if (aggregate.mode === 'reduce' && !has(aggregate, 'expression')) {
      issues.push({ path: ['aggregate', 'expression'], message: 'is required when mode is "reduce"' });
    }
    const field = aggregate.field;
    if (typeof field === 'string' && !hasMarkup(field) && field !== '' && !parsePath(field)) {
      issues.push({
        path: ['aggregate', 'field'],
        message: `"${field}" is not a path such as result.status`,
      });
    }
  }
  const step = params.step;
  if (isPlainObject(step) && isPlainObject(step.params)) {
    const kind = step.kind;
    if ((FANOUT_ITEM_KINDS as readonly unknown[]).includes(kind)) {
      // Without items the fanout is (or is meant to be) over devices: one device per item.
      const nested = checkParams(kind as StepKind, step.params, { devicesOptional: !has(params, 'items') });
      for (const issue of nested)
        issues.push({ path: ['step', 'params', ...issue.path], message: issue.message });
      if (has(step.params, 'backupReason')) {
        issues.push({
          path: ['step', 'params', 'backupReason'],
          message: 'backups are an ssh.commands step of their own, not a fanout item',
        });
      }
    }
  }
}

/**
 * Checks one kind's params; issues have paths relative to the params object. `kind` must be one
 * of STEP_KINDS (unknown kinds are reported by the caller).
 */
export function checkParams(
  kind: StepKind,
  params: Record<string, unknown>,
  options: SchemaOptions = {},
): Issue[] {
  if (!(STEP_KINDS as readonly string[]).includes(kind)) return [];
  const result = cachedSchema(kind, options).safeParse(params, { error: zodMessages });
  const issues = result.success ? [] : fromZod(result.error.issues, ['params']);
  const seen = new Set(issues.map((i) => `${i.path.join('\0')}\0${i.message}`));
  for (const issue of crossChecks(kind, params)) {
    const key = `${issue.path.join('\0')}\0${issue.message}`;
    if (!seen.has(key)) issues.push(issue);
  }
  return issues;
}
