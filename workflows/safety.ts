import { ApplicationFailure, proxyActivities, sleep } from '@temporalio/workflow';
import type { SafetyActivities } from './contracts';
import { DEFAULT_SAFETY, type SafetyPolicy } from '../libs/tasks/src/definition';
import { BOOKKEEPING_OPTIONS } from './activity-options';

/**
 * Before work that changes devices: wait for their maintenance windows (unless `skipWindows`:
 * undoing a change is never held back), then lock them for the rest of the run, queueing behind
 * runs that hold or wait for them. WAIT or REFUSE per the policy; every wait has a limit. The
 * devices are the step's items (`stepKey`) or, without one, every device of the run.
 */
export async function guardDevices(input: {
  runId: string;
  stepId: string;
  stepKey?: string;
  safety?: Partial<SafetyPolicy>;
  skipWindows?: boolean;
}): Promise<void> {
  const acts = proxyActivities<SafetyActivities>(BOOKKEEPING_OPTIONS);
  const { runId, stepId, stepKey } = input;
  const safety = { ...DEFAULT_SAFETY, ...input.safety };
  const refuse = (type: string, message: string) =>
    ApplicationFailure.create({ type, message: `step ${stepId}: ${message}`, nonRetryable: true });
  let waited = false;
  const windowDeadline = Date.now() + safety.windowTimeoutSeconds * 1000;
  while (!input.skipWindows) {
    const w = await acts.checkWindows({ runId, stepKey });
    if (w.open) break;
    const why = `${w.closed.length} device(s) outside their maintenance window (${w.closed.slice(0, 5).join(', ')})`;
    if (safety.onClosedWindow === 'REFUSE') throw refuse('OUTSIDE_WINDOW', why);
    if (!w.opensAt) throw refuse('WINDOW_NEVER_OPENS', `${why}, and it never opens again`);
    const opensAt = Date.parse(w.opensAt);
    if (opensAt > windowDeadline) {
      throw refuse('WINDOW_TIMEOUT', `${why}; the next window opens ${w.opensAt}, after the wait limit`);
    }
    await acts.noteStepWaiting({
      runId,
      stepId,
      status: 'WAITING_WINDOW',
      message: `step ${stepId} waits: ${why}; opens ${w.opensAt}`,
    });
    waited = true;
    await sleep(Math.max(0, opensAt - Date.now()) + 500);
  }
  const lockDeadline = Date.now() + safety.lockTimeoutSeconds * 1000;
  let delay = 500;
  let reported = -1;
  for (;;) {
    const lock = await acts.acquireDeviceLocks({ runId, stepId, stepKey });
    if (lock.acquired) break;
    const why = `devices locked by run ${lock.heldBy.join(', ') || '(queued)'}; position ${lock.position} in the queue`;
    if (safety.onLocked === 'REFUSE') throw refuse('DEVICE_LOCKED', why);
    if (Date.now() >= lockDeadline)
      throw refuse('LOCK_TIMEOUT', `${why} after ${safety.lockTimeoutSeconds} s`);
    if (lock.position !== reported) {
      reported = lock.position;
      waited = true;
      await acts.noteStepWaiting({
        runId,
        stepId,
        status: 'WAITING_LOCK',
        message: `step ${stepId} waits: ${why}`,
      });
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 5000);
  }
  if (waited && !input.skipWindows) {
    await acts.noteStepWaiting({ runId, stepId, status: 'RUNNING', message: `step ${stepId} goes on` });
  }
}
