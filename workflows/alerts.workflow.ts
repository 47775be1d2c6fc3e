import {
  ApplicationFailure,
  ActivityFailure,
  condition,
  continueAsNew,
  defineSignal,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { BOOKKEEPING_OPTIONS } from './activity-options';
import type { AlertActivities, AlertsEvaluatorInput, AlertWakeSignal, AlertWorkflowInput } from './contracts';

const bookkeeping = proxyActivities<AlertActivities>(BOOKKEEPING_OPTIONS);

/**
 * A delivery: retried with exponential backoff (2 s, 4 s, ... up to a minute, 8 attempts) while the
 * provider is busy, rate-limits or cannot be reached; a refusal (bad token, bad signature) is not
 * retried (`ALERT_DELIVERY_REJECTED`).
 */
const delivery = proxyActivities<AlertActivities>({
  // Longer than a send may take (HTTP 10 s, SMTP); a worker that died mid-send is retried after it.
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['ALERT_DELIVERY_REJECTED'],
  },
});

const WAKE: AlertWakeSignal = 'alertChanged';
export const alertChangedSignal = defineSignal(WAKE);

/** Passes of the evaluator per execution before it continues as new (a short history). */
const PASSES_PER_RUN = 200;
/** An alert with nothing scheduled still looks again this often (a lost signal costs at most this). */
const IDLE_WAKE_MS = 3600_000;

/** The workflow id of an alert's workflow. */
export const alertWorkflowId = (alertId: string) => `alert-${alertId}`;

/**
 * The evaluator loop (one per task queue): a pass (recorded events → alerts), then the workflow
 * of each new alert, a wake-up for each resolved one, a pause. Child workflows are abandoned: they
 * outlive this execution when it continues as new. With no enabled rule and no open alert it ends;
 * the API starts it again when a rule is saved (and checks every minute).
 */
export async function alertsEvaluatorWorkflow(input: AlertsEvaluatorInput): Promise<void> {
  for (let pass = 0; pass < PASSES_PER_RUN && !workflowInfo().continueAsNewSuggested; pass++) {
    const result = await bookkeeping.evaluateAlerts({});
    for (const alertId of result.start) {
      try {
        await startChild(alertWorkflow, {
          workflowId: alertWorkflowId(alertId),
          args: [{ alertId }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
      } catch (error) {
        // Started by an earlier pass whose bookkeeping did not land: it runs, or ran, already.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    }
    if (result.start.length) await bookkeeping.markAlertWorkflowsStarted({ alertIds: result.start });
    for (const alertId of result.wake) {
      await getExternalWorkflowHandle(alertWorkflowId(alertId))
        .signal(alertChangedSignal)
        .catch(() => undefined); // its workflow has ended (acknowledged): nothing to wake
    }
    if (result.idle) return;
    await sleep(input.intervalMs);
  }
  await continueAsNew<typeof alertsEvaluatorWorkflow>(input);
}

/**
 * Since quiet hours (a user's e-mail may wait until morning), a round's deliveries no longer hold
 * up the next rounds (repeats, escalations): they go on in the background.
 */
const DETACHED_DELIVERIES = 'alert-deliveries-detached';

/**
 * One delivery; on a channel at its rate limit, or for a user in their quiet hours, a durable wait
 * (never a drop).
 */
async function send(deliveryId: string): Promise<void> {
  for (;;) {
    const { retryInMs } = await delivery.deliverAlertNotification({ deliveryId });
    if (retryInMs === null) return;
    await sleep(retryInMs);
  }
}

/**
 * One alert, from firing to acknowledged or resolved: each round (decided and stored by
 * `planAlertRound`) sends its deliveries, then the workflow sleeps until the next repeat or
 * escalation, or until the alert changes (`alertChanged`).
 */
export async function alertWorkflow(input: AlertWorkflowInput): Promise<void> {
  let changed = false;
  setHandler(alertChangedSignal, () => {
    changed = true;
  });
  let round = input.round ?? 0;
  // Deliveries still going on (waiting for a rate-limit slot or the end of quiet hours).
  const inFlight = new Set<Promise<void>>();
  for (;;) {
    // Reset before reading the alert: a change signalled while this round runs wakes the next wait.
    changed = false;
    const plan = await bookkeeping.planAlertRound({ alertId: input.alertId, round });
    if (plan.deliveryIds.length) {
      const sends = plan.deliveryIds.map((deliveryId) =>
        send(deliveryId).catch(async (error: unknown) => {
          const cause = error instanceof ActivityFailure ? error.cause : error;
          const message =
            cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
          await bookkeeping.alertDeliveryFailed({ deliveryId, error: message });
        }),
      );
      if (patched(DETACHED_DELIVERIES)) {
        for (const sending of sends) {
          inFlight.add(sending);
          void sending.finally(() => inFlight.delete(sending)).catch(() => undefined); // awaited below
        }
      } else await Promise.all(sends);
    }
    if (plan.notified) round++;
    if (plan.nextWakeMs === null && (plan.status === 'ACKNOWLEDGED' || plan.status === 'RESOLVED')) {
      // What was planned is still delivered (a mail waiting for the end of quiet hours included).
      await Promise.all(inFlight);
      return;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await Promise.all(inFlight);
      await continueAsNew<typeof alertWorkflow>({ alertId: input.alertId, round });
    }
    await condition(() => changed, plan.nextWakeMs ?? IDLE_WAKE_MS);
  }
}
