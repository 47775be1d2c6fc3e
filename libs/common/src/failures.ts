/**
 * A failure of some work (a device, a step, a run) with a kind that callers branch on and a flag
 * saying whether trying again later may help. Domain code throws it; Temporal activities report it
 * as an ApplicationFailure of the same type (activities/failures.ts), so that workflows and users
 * see the kind, never a stack trace.
 */
export class WorkFailure extends Error {
  constructor(
    readonly kind: string,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'WorkFailure';
  }
}
