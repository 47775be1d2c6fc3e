import { setStepChildRun } from '../../../core/runs/run-steps';
import { childRunOutcome, createChildTaskRun, taskRunInput } from '../task-context';
import type { StepKindHandler } from '../step-kind';

/** `subtask`: a whole task as a child run and child workflow; its output is the child's outputs. */
export const subtask: StepKindHandler = {
  async prepare(ctx) {
    const { deps, run, step, compensation } = ctx;
    const [existing]: { child_run_id: string | null }[] = await deps.dataSource.query(
      `SELECT r.id AS child_run_id FROM run_steps s JOIN runs r ON r.id = s.child_run_id
        WHERE s.run_id = $1 AND s.step_id = $2`,
      [run.id, step.id],
    );
    // A retried preparation finds the child run the first one stored.
    if (!compensation && existing?.child_run_id) {
      return { type: 'subtask', ...(await taskRunInput(deps, existing.child_run_id)) };
    }
    const child = await createChildTaskRun(deps, run, step.id, ctx.params as { task: string });
    await deps.dataSource.transaction(async (m) => {
      await ctx.started({ m });
      if (!compensation) await setStepChildRun(m, run.id, step.id, child.runId);
    });
    return { type: 'subtask', workflowId: child.workflowId, input: child.input };
  },
  async complete(ctx) {
    return { output: await childRunOutcome(ctx.deps.dataSource, ctx.row.child_run_id!) };
  },
};
