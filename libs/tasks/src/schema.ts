/**
 * The structure of a task definition (zod), with its defaults. Step params are only "an object"
 * here: each kind's rules live in params.ts. Key order in the shapes is the order of the parsed
 * definition and of serialised text.
 */
import { z } from 'zod';
import {
  CAPABILITY_TAG,
  DEFAULT_SAFETY,
  MAX_STEPS,
  ROUTED_KINDS,
  STEP_ID,
  STEP_KINDS,
  TASK_NAME,
  UPSTREAM_ACTIONS,
  UPSTREAM_CONDITIONS,
} from './definition';

export const kindSchema = z.enum(STEP_KINDS, {
  error: (issue) =>
    issue.input === undefined
      ? 'is required'
      : `unknown kind ${JSON.stringify(issue.input)} (known kinds: ${STEP_KINDS.join(', ')})`,
});

const paramsSchema = z.record(z.string(), z.unknown());

export const retrySchema = z.strictObject({
  maximumAttempts: z.number().int().min(1).max(100).optional(),
  initialIntervalSeconds: z.number().positive().optional(),
  backoffCoefficient: z.number().min(1).optional(),
  maximumIntervalSeconds: z.number().positive().optional(),
});

const timeoutSeconds = z.number().int().min(1);

export const compensationSchema = z.strictObject({
  kind: kindSchema,
  params: paramsSchema.default(() => ({})),
  retry: retrySchema.optional(),
  timeoutSeconds: timeoutSeconds.optional(),
});

export const stepSchema = z
  .strictObject({
    id: z
      .string()
      .regex(STEP_ID, 'must start with a letter and have only letters, digits and _ (at most 64 characters)'),
    name: z.string().max(200).optional(),
    kind: kindSchema,
    dependsOn: z.array(z.string()).default(() => []),
    when: z.string().optional(),
    params: paramsSchema.default(() => ({})),
    retry: retrySchema.optional(),
    timeoutSeconds: timeoutSeconds.optional(),
    continueOnError: z.boolean().default(false),
    compensate: compensationSchema.optional(),
    requires: z
      .array(z.string().regex(CAPABILITY_TAG, 'must be a lower-case capability tag (letters, digits, -)'))
      .max(4)
      .optional(),
  })
  .superRefine((step, ctx) => {
    if (step.requires?.length && !ROUTED_KINDS.includes(step.kind)) {
      ctx.addIssue({
        code: 'custom',
        path: ['requires'],
        message: `${step.kind} steps run no work on a node; only ${ROUTED_KINDS.join(', ')} steps can require capabilities`,
      });
    }
  });

export const definitionSchema = z.strictObject({
  name: z
    .string()
    .regex(
      TASK_NAME,
      'must be 1-100 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
    ),
  description: z.string().max(10_000).default(''),
  owner: z.string().max(200).default(''),
  priority: z.number().int().min(1).max(5).default(3),
  tags: z.array(z.string().min(1).max(100)).default(() => []),
  inputSchema: z.record(z.string(), z.unknown()).default(() => ({ type: 'object' })),
  concurrency: z.number().int().min(1).max(100).default(4),
  safety: z
    .strictObject({
      onLocked: z.enum(['WAIT', 'REFUSE']).default('WAIT'),
      lockTimeoutSeconds: z
        .number()
        .int()
        .min(1)
        .max(7 * 86_400)
        .default(3600),
      onClosedWindow: z.enum(['WAIT', 'REFUSE']).default('WAIT'),
      windowTimeoutSeconds: z
        .number()
        .int()
        .min(1)
        .max(31 * 86_400)
        .default(7 * 86_400),
      maxDevicesAtOnce: z.number().int().min(1).max(10_000).optional(),
      maxPercentOfSite: z.number().min(1).max(100).optional(),
    })
    .default(() => ({ ...DEFAULT_SAFETY })),
  upstream: z
    .strictObject({
      tasks: z
        .array(
          z.strictObject({
            task: z.string().regex(TASK_NAME, 'must be a task name'),
            when: z.enum(UPSTREAM_CONDITIONS).default('SUCCEEDED'),
            offsetSeconds: z
              .number()
              .int()
              .min(0)
              .max(31 * 86_400)
              .default(0),
          }),
        )
        .min(1)
        .max(20)
        .superRefine((tasks, ctx) => {
          const seen = new Set<string>();
          for (const [i, t] of tasks.entries()) {
            if (seen.has(t.task)) {
              ctx.addIssue({ code: 'custom', path: [i, 'task'], message: `"${t.task}" is listed twice` });
            }
            seen.add(t.task);
          }
        }),
      timeoutSeconds: z
        .number()
        .int()
        .min(1)
        .max(7 * 86_400)
        .default(3600),
      onTimeout: z.enum(UPSTREAM_ACTIONS).default('SKIP'),
      onUnmet: z.enum(UPSTREAM_ACTIONS).default('SKIP'),
    })
    .optional(),
  steps: z.array(stepSchema).min(1).max(MAX_STEPS),
});
