import type { DeviceEntity } from '../../../core/devices/device.entity';
import { runEvent, type Db } from '../../../core/runs/run-log';
import { stepKeyOf, storeItems } from '../../../core/runs/run-steps';
import { BEFORE_SESSION_KINDS } from '../../../libs/ssh/src/errors';
import { CHANGE_KINDS, type StepDefinition, type TaskDefinition } from '../../../libs/tasks/src';
import { deviceItem, itemError, stepDevices, stepItems } from '../task-context';
import { INLINE_ITEMS_MAX, num, type StepKindHandler } from '../step-kind';

/** Item failures that happen before a session could change anything on the device. */
const NOT_REACHED = [...BEFORE_SESSION_KINDS, 'DEVICE_GONE', 'NO_CREDENTIAL'];

/**
 * `ssh.configure` and `script`: one item per device, each an activity (in shards past
 * INLINE_ITEMS_MAX devices), at most `concurrency` at once and never more than the blast radius
 * allows. The workflow locks the devices (and waits for their windows) before the first item.
 */
export const deviceStep: StepKindHandler = {
  async prepare(ctx) {
    const { deps, run, step, compensation, stepKey, params } = ctx;
    const db = deps.dataSource;
    let devices = await stepDevices(db, step.id, params.devices, ctx.run.id);
    const reached = compensation ? await reachedDevices(db, run.id, step) : null;
    if (reached) {
      const all = devices.length;
      devices = devices.filter((d) => reached.has(d.id));
      await runEvent(
        db,
        run.id,
        'INFO',
        null,
        `step ${step.id} ended ${reached.status}: its compensation runs on the ${devices.length} of ${all} devices it reached`,
        { stepId: step.id },
      );
    }
    await storeItems(db, run.id, stepKey, devices.map(deviceItem));
    await ctx.started();
    const radius = await blastRadius(db, run.definition, devices);
    if (radius.note) {
      await runEvent(db, run.id, 'INFO', null, `step ${step.id}: ${radius.note}`, { stepId: step.id });
    }
    return {
      type: 'items',
      stepKey,
      count: devices.length,
      concurrency: Math.min(num(params.concurrency, 10), deps.config.collection.maxConcurrency, radius.limit),
      shardSize: INLINE_ITEMS_MAX,
      sharded: devices.length > INLINE_ITEMS_MAX,
      perItem: 'activity',
      requires: ctx.requires,
    };
  },

  async complete(ctx) {
    const items = await stepItems(ctx.deps.dataSource, ctx.run.id, ctx.stepKey);
    const failed = items.filter((i) => i.status !== 'SUCCEEDED');
    const output = {
      total: items.length,
      succeeded: items.length - failed.length,
      failed: failed.length,
      devices: items.map((i) => ({
        ...i.item,
        status: i.status,
        error: itemError(i),
        ...(typeof i.output === 'object' && i.output ? i.output : {}),
      })),
    };
    const max = num(ctx.params.maxFailedDevices, 0);
    if (failed.length > max) {
      return {
        output,
        failure: {
          kind: 'TOO_MANY_FAILURES',
          message: `${failed.length} of ${items.length} devices failed (at most ${max} allowed)`,
        },
      };
    }
    return { output };
  },
};

/**
 * For the compensation of a change step that failed or was cancelled: the devices the step
 * reached (its item succeeded, or failed or stopped after logging in, so it may have changed
 * something). Null when the step succeeded or is not a per-device change: the compensation's own
 * devices then stand.
 */
async function reachedDevices(
  db: Db,
  runId: string,
  step: StepDefinition,
): Promise<(Set<string> & { status: string }) | null> {
  if (!CHANGE_KINDS.includes(step.kind)) return null;
  const [row]: { status: string }[] = await db.query(
    `SELECT status FROM run_steps WHERE run_id = $1 AND step_id = $2`,
    [runId, step.id],
  );
  if (!row || row.status === 'SUCCEEDED') return null;
  const items: { id: string }[] = await db.query(
    `SELECT item->>'id' AS id FROM run_step_items
      WHERE run_id = $1 AND step_key = $2 AND status <> 'PENDING'
        AND NOT (status = 'FAILED' AND error_kind = ANY($3::text[]))`,
    [runId, stepKeyOf(step.id, false), NOT_REACHED],
  );
  return Object.assign(new Set(items.map((i) => i.id)), { status: row.status });
}

/**
 * How many devices a change step may work on at once: the definition's maxDevicesAtOnce and, per
 * site, maxPercentOfSite of that site's inventory (at least one). One limit for the whole step,
 * the smallest, so that no site ever exceeds its share.
 */
async function blastRadius(
  db: Db,
  definition: TaskDefinition,
  devices: DeviceEntity[],
): Promise<{ limit: number; note: string | null }> {
  const { maxDevicesAtOnce, maxPercentOfSite } = definition.safety ?? {};
  let limit = maxDevicesAtOnce ?? Number.MAX_SAFE_INTEGER;
  const why: string[] = maxDevicesAtOnce ? [`at most ${maxDevicesAtOnce} device(s) at once`] : [];
  if (maxPercentOfSite) {
    const sites = [...new Set(devices.map((d) => d.site ?? ''))];
    const sizes: { site: string; n: number }[] = await db.query(
      `SELECT COALESCE(site, '') AS site, count(*)::int AS n FROM devices WHERE COALESCE(site, '') = ANY($1::text[]) GROUP BY 1`,
      [sites],
    );
    for (const s of sizes) {
      const share = Math.max(1, Math.floor((s.n * maxPercentOfSite) / 100));
      if (share < limit) {
        limit = share;
        why.push(`${maxPercentOfSite} % of site ${s.site || '(none)'} is ${share} of ${s.n} device(s)`);
      }
    }
  }
  return { limit, note: why.length ? `blast radius: ${why.join('; ')}` : null };
}
