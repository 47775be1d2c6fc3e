import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import type { Db } from '../runs/run-log';
import { scopeFor, type Principal } from './principal';
import { runDevicesOutside } from './scope-sql';

/**
 * Who may decide an approval (approveChange, decideStep) of a run: an authenticated user holding
 * changes:approve for every device the run works on, and not the user who started it (separation
 * of duties) unless an administrator allowed self-approval for the run's task. The service account
 * (API_TOKEN) is exempt from separation of duties: it is an administrator's key for automation.
 * Throws FORBIDDEN saying why; returns the name recorded as the decider.
 */
export async function assertMayApprove(
  db: Db,
  principal: Principal,
  run: { id: string; createdBy: string | null; taskId: string | null },
): Promise<void> {
  const scope = scopeFor(principal, 'changes:approve');
  if (!scope) {
    throw new SwitchboardError(ErrorCode.FORBIDDEN, `${principal.username} does not hold changes:approve`);
  }
  const outside = await runDevicesOutside(db, scope, run.id);
  if (outside.length) {
    throw new SwitchboardError(
      ErrorCode.FORBIDDEN,
      `${principal.username} may not approve for ${outside.join(', ')}: outside the sites and tags of their changes:approve role`,
    );
  }
  if (principal.kind !== 'human' || !run.createdBy || run.createdBy !== principal.userId) return;
  if (run.taskId) {
    const [task]: { self_approval: boolean; name: string }[] = await db.query(
      `SELECT self_approval, name FROM tasks WHERE id = $1`,
      [run.taskId],
    );
    if (task?.self_approval) return;
  }
  throw new SwitchboardError(
    ErrorCode.FORBIDDEN,
    `${principal.username} started this run and may not approve it: another approver must decide ` +
      `(separation of duties; an administrator can allow self-approval for a task with setTaskSelfApproval)`,
  );
}

/**
 * Who a decision is recorded as: the signed-in user. A user may not claim to be someone else;
 * the service account (API_TOKEN, for automation) may name the person it acts for.
 */
export function decider(principal: Principal, claimed?: string | null): string {
  if (!claimed || claimed === principal.username) return principal.username;
  if (principal.kind === 'service') return claimed;
  throw SwitchboardError.badInput(
    'by',
    `decisions are recorded as you (${principal.username}); leave by out`,
  );
}
