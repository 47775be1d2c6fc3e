import { runEvent } from '../../../core/runs/run-log';
import { num, type StepKindHandler } from '../step-kind';

/** `sleep`: a durable timer in the workflow. */
export const sleep: StepKindHandler = {
  async prepare(ctx) {
    await ctx.started();
    return { type: 'sleep', seconds: num(ctx.params.seconds, 0) };
  },
};

/** `approval`: the workflow waits for a `stepDecision` signal, or its timeout's default decision. */
export const approval: StepKindHandler = {
  async prepare(ctx) {
    const { params } = ctx;
    await ctx.deps.dataSource.transaction(async (m) => {
      await ctx.started({ m, status: 'WAITING_APPROVAL' });
      await runEvent(
        m,
        ctx.run.id,
        'INFO',
        null,
        `step ${ctx.step.id} waits for approval${params.message ? `: ${String(params.message)}` : ''}`,
        { stepId: ctx.step.id },
      );
    });
    return {
      type: 'approval',
      timeoutSeconds: num(params.timeoutSeconds, 3600),
      defaultDecision: params.defaultDecision === 'approve' ? 'approve' : 'reject',
    };
  },
};
