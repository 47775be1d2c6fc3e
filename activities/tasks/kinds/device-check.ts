import { assertRunCreatorMay } from '../../../core/accounts/device-scope';
import { DeviceEntity } from '../../../core/devices/device.entity';
import { storeItems } from '../../../core/runs/run-steps';
import { deviceItem, stepDevices, stepItems, type ItemRow } from '../task-context';
import { INLINE_ITEMS_MAX, num, type StepKindHandler } from '../step-kind';

/**
 * `device.check`: probe each device's SSH port from a node (read-only: no locks, windows or blast
 * radius). No selector (or `{}`) means every device. A DOWN device is a result, not a failure.
 */
export const deviceCheck: StepKindHandler = {
  async prepare(ctx) {
    const { deps, step, params } = ctx;
    const target = params.devices;
    const all =
      target === undefined ||
      target === null ||
      (typeof target === 'object' && !Array.isArray(target) && Object.keys(target).length === 0);
    const devices = all
      ? await deps.dataSource
          .getRepository(DeviceEntity)
          .find({ relations: { credential: true }, order: { name: 'ASC' } })
      : await stepDevices(deps.dataSource, step.id, target, ctx.run.id);
    if (all) await assertRunCreatorMay(deps.dataSource, ctx.run.id, 'tasks:run', devices);
    await storeItems(deps.dataSource, ctx.run.id, ctx.stepKey, devices.map(deviceItem));
    await ctx.started();
    return {
      type: 'items',
      stepKey: ctx.stepKey,
      count: devices.length,
      concurrency: Math.min(num(params.concurrency, 50), deps.config.collection.maxConcurrency),
      shardSize: INLINE_ITEMS_MAX,
      sharded: devices.length > INLINE_ITEMS_MAX,
      perItem: 'activity',
      requires: ctx.requires,
    };
  },

  async complete(ctx) {
    const items = await stepItems(ctx.deps.dataSource, ctx.run.id, ctx.stepKey);
    const output = deviceCheckOutput(items);
    const failed = items.filter((i) => i.status !== 'SUCCEEDED').length;
    if (failed > 0) {
      return {
        output,
        failure: {
          kind: 'TOO_MANY_FAILURES',
          message: `the check itself failed on ${failed} of ${items.length} devices (DOWN devices are not failures)`,
        },
      };
    }
    return { output };
  },
};

/**
 * A device.check step's output: counts by reachability, and each device (selection order) with its
 * item's result. An item that failed (the check itself could not be done) has status FAILED.
 */
export function deviceCheckOutput(
  items: Pick<ItemRow, 'item' | 'status' | 'output' | 'error_kind' | 'error_message'>[],
) {
  const devices = items.map((i) => {
    const out = i.status === 'SUCCEEDED' && i.output ? (i.output as Record<string, unknown>) : null;
    return {
      ...i.item,
      status: out ? (out.status as string) : 'FAILED',
      error: out
        ? ((out.error as string | null) ?? null)
        : `${i.error_kind ?? i.status}: ${i.error_message ?? 'did not finish'}`,
      latencyMs: out ? ((out.latencyMs as number | null) ?? null) : null,
      connectMs: out ? ((out.connectMs as number | null) ?? null) : null,
      bannerMs: out ? ((out.bannerMs as number | null) ?? null) : null,
      banner: out ? ((out.banner as string | null) ?? null) : null,
      changed: out ? out.changed === true : false,
    };
  });
  return {
    total: devices.length,
    up: devices.filter((d) => d.status === 'UP').length,
    down: devices.filter((d) => d.status === 'DOWN').length,
    devices,
  };
}
