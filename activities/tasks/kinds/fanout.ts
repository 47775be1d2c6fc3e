import { storeItems } from '../../../core/runs/run-steps';
import { aggregate } from '../../../libs/tasks/src';
import { badParams, deviceItem, itemError, stepDevices, stepItems } from '../task-context';
import { num, type StepKindHandler } from '../step-kind';

/**
 * `fanout`: one item per device or per element of a list, each running a sub-step (an activity)
 * or a whole task (a child run), in shards of child workflows; the results are aggregated.
 */
export const fanout: StepKindHandler = {
  async prepare(ctx) {
    const { deps, step, params } = ctx;
    let items: unknown[];
    if (params.devices !== undefined) {
      items = (await stepDevices(deps.dataSource, step.id, params.devices, ctx.run.id)).map(deviceItem);
    } else if (Array.isArray(params.items)) {
      items = params.items;
    } else {
      throw badParams(step.id, 'params.items must resolve to a list');
    }
    await storeItems(deps.dataSource, ctx.run.id, ctx.stepKey, items);
    // The sub-step and the task stay as written: each item resolves them with `item` in scope.
    await ctx.started({ params: { ...params, step: ctx.raw.step, task: ctx.raw.task } });
    return {
      type: 'items',
      stepKey: ctx.stepKey,
      count: items.length,
      concurrency: Math.min(num(params.concurrency, 10), deps.config.collection.maxConcurrency),
      shardSize: num(params.shardSize, 100),
      sharded: items.length > 0,
      perItem: ctx.raw.task ? 'subtask' : 'activity',
      requires: ctx.requires,
    };
  },

  async complete(ctx) {
    const items = await stepItems(ctx.deps.dataSource, ctx.run.id, ctx.stepKey);
    const ok = items.filter((i) => i.status === 'SUCCEEDED');
    const failed = items.filter((i) => i.status !== 'SUCCEEDED');
    let result: unknown;
    let failure: { kind: string; message: string } | undefined;
    try {
      result = aggregate(
        ok.map((i) => ({ item: i.item, output: i.output })),
        ctx.params.aggregate as Parameters<typeof aggregate>[1],
      );
    } catch (e) {
      failure = { kind: 'AGGREGATE_FAILED', message: e instanceof Error ? e.message : String(e) };
    }
    const output = {
      total: items.length,
      succeeded: ok.length,
      failed: failed.length,
      failures: failed.map((i) => ({ index: i.item_index, item: i.item, error: itemError(i) })),
      result: result ?? null,
    };
    const max = typeof ctx.params.maxFailedItems === 'number' ? ctx.params.maxFailedItems : null;
    if (!failure && max !== null && failed.length > max) {
      failure = {
        kind: 'TOO_MANY_FAILURES',
        message: `${failed.length} of ${items.length} items failed (at most ${max} allowed)`,
      };
    }
    return { output, failure };
  },
};
