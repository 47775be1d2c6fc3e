// Alerts (core/alerts): the evaluator loop, one workflow per alert, and their activities.

export interface AlertsEvaluatorInput {
  /** Pause between passes. */
  intervalMs: number;
}

export interface AlertWorkflowInput {
  alertId: string;
  /** The next notification round (a continued-as-new execution carries it on). */
  round?: number;
}

export interface AlertsEvaluation {
  /** Alerts whose workflow is to be started. */
  start: string[];
  /** Alerts whose workflow should look again now (resolved). */
  wake: string[];
  events: number;
  matched: number;
  /** No enabled rule and no open alert: the evaluator stops (the API starts it again when needed). */
  idle: boolean;
}

export interface AlertRoundPlan {
  status: 'FIRING' | 'ACKNOWLEDGED' | 'SILENCED' | 'RESOLVED';
  deliveryIds: string[];
  notified: boolean;
  nextWakeMs: number | null;
}

export interface AlertActivities {
  /** One pass of the evaluator: recorded events → alerts (core/alerts/evaluator.ts). */
  evaluateAlerts(input: Record<string, never>): Promise<AlertsEvaluation>;
  markAlertWorkflowsStarted(input: { alertIds: string[] }): Promise<void>;
  /** Decides (once) round `round` of an alert: its deliveries, or nothing, and when to look again. */
  planAlertRound(input: { alertId: string; round: number }): Promise<AlertRoundPlan>;
  /**
   * Sends one delivery unless already sent; throws (retryable or not) when the provider refused it.
   * `retryInMs`: the channel is at its rate limit, nothing was sent; try again after that long.
   */
  deliverAlertNotification(input: { deliveryId: string }): Promise<{ retryInMs: number | null }>;
  alertDeliveryFailed(input: { deliveryId: string; error: string }): Promise<void>;
}

/** Name of the signal that makes an alert's workflow look at the alert again (acknowledged, silenced, resolved). */
export type AlertWakeSignal = 'alertChanged';

export type AlertsEvaluatorWorkflow = (input: AlertsEvaluatorInput) => Promise<void>;
export type AlertWorkflow = (input: AlertWorkflowInput) => Promise<void>;
