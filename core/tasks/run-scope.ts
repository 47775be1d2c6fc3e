import type { ResolveScope } from '../../libs/tasks/src';
import type { Db } from '../runs/run-log';

/** What a step's references see: the run's inputs, the outputs of steps done so far, the run itself. */
export async function runScope(
  db: Db,
  run: { id: string; inputs: Record<string, unknown> | null; task_name: string; task_version: number },
): Promise<ResolveScope> {
  const rows: { step_id: string; output: unknown }[] = await db.query(
    `SELECT step_id, output FROM run_steps WHERE run_id = $1 AND status IN ('SUCCEEDED', 'REUSED')`,
    [run.id],
  );
  return {
    inputs: run.inputs ?? {},
    steps: Object.fromEntries(rows.map((r) => [r.step_id, { output: r.output }])),
    run: { id: run.id, taskName: run.task_name, taskVersion: run.task_version },
  };
}
