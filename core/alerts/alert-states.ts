/**
 * An alert's lifecycle as pure rules. FIRING → ACKNOWLEDGED (someone took it: repeats and
 * escalation stop) → RESOLVED; FIRING → SILENCED (until a time, with a reason) → FIRING again when
 * the silence ends; any open alert → RESOLVED, automatically when the condition clears (the device
 * is UP again) or by hand. core/alerts/alerts.ts applies them; nothing else changes a status.
 */
export const ALERT_STATUSES = ['FIRING', 'ACKNOWLEDGED', 'SILENCED', 'RESOLVED'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface AlertTransition {
  from: readonly AlertStatus[];
  to: AlertStatus;
  /** Statuses in which the transition changes nothing (already done, or overtaken). */
  ignore: readonly AlertStatus[];
}

export const ALERT_TRANSITIONS = {
  acknowledge: { from: ['FIRING', 'SILENCED'], to: 'ACKNOWLEDGED', ignore: ['ACKNOWLEDGED'] },
  silence: { from: ['FIRING', 'SILENCED'], to: 'SILENCED', ignore: [] },
  /** The silence ended and nobody acknowledged or resolved the alert meanwhile. */
  silenceEnded: { from: ['SILENCED'], to: 'FIRING', ignore: ['FIRING', 'ACKNOWLEDGED', 'RESOLVED'] },
  resolve: { from: ['FIRING', 'ACKNOWLEDGED', 'SILENCED'], to: 'RESOLVED', ignore: ['RESOLVED'] },
} as const satisfies Record<string, AlertTransition>;
export type AlertTransitionName = keyof typeof ALERT_TRANSITIONS;

/** What applying a transition to an alert in `status` does. */
export function transitionOutcome(
  name: AlertTransitionName,
  status: AlertStatus,
): 'apply' | 'noop' | 'refuse' {
  const t: AlertTransition = ALERT_TRANSITIONS[name];
  if (t.from.includes(status)) return 'apply';
  if (t.ignore.includes(status)) return 'noop';
  return 'refuse';
}

/** Alerts that are not over. */
export const OPEN_ALERT_STATUSES: readonly AlertStatus[] = ['FIRING', 'ACKNOWLEDGED', 'SILENCED'];
