import { routeFor } from '../../../libs/temporal/src/routing';
import type { StepKindHandler } from '../step-kind';

/** `http.request`: one request in an activity (runHttpStep), which stores the response as the output. */
export const httpRequest: StepKindHandler = {
  async prepare(ctx) {
    await ctx.started();
    return {
      type: 'http',
      stepKey: ctx.stepKey,
      queue: routeFor(ctx.deps.config.temporal.taskQueue, ctx.nodes, null, ctx.requires),
    };
  },
  async complete(ctx) {
    return { output: ctx.compensation ? undefined : ctx.row.output };
  },
};
