/**
 * What the workflows of device runs (collections, changes) share with their activities: one run's
 * bookkeeping, and the shape of per-device activity timeouts. Types only: the workflow sandbox
 * sees this file, never the activities' code.
 */

/** Per-device activity timeouts, computed by the API from its configuration when the run starts. */
export interface DeviceActivityTimeouts {
  timeouts: { deviceStartToCloseMs: number; heartbeatMs: number };
  retry: { maximumAttempts: number; initialIntervalMs: number };
}

/** A device that failed for good: the kind of failure and its message (never a secret). */
export interface DeviceFailure {
  runId: string;
  deviceId: string;
  kind: string;
  message: string;
}

/** Bookkeeping every device run does: it starts, and a device fails for good. */
export interface RunActivities {
  /** PENDING → RUNNING (a run cancelled before it started stays as it is). */
  markRunStarted(input: { runId: string }): Promise<void>;
  /** The device ends FAILED with its error, unless it already SUCCEEDED. */
  recordDeviceFailure(input: DeviceFailure): Promise<void>;
}
