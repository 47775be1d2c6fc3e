import type { DeviceActivityTimeouts } from './runs';

/** A config change run, as the API starts it (the intent itself is stored on the run). */
export interface ChangeInput extends DeviceActivityTimeouts {
  runId: string;
  deviceIds: string[];
  concurrency: number;
  commandTimeoutMs: number;
  dryRun: boolean;
  requireApproval: boolean;
  approvalTimeoutMs: number;
  maxFailures: number;
  failurePolicy: 'KEEP_SUCCEEDED' | 'ROLLBACK_ALL';
  /** Devices whose work runs on a site task queue (the others use the workflow's queue). */
  queues?: Record<string, string>;
}

export interface ChangeResult {
  status: string;
}

/** The payload of the `approval` signal. */
export interface ApprovalDecision {
  approved: boolean;
  comment?: string;
  /** The username of who decided (the API records the signed-in user). */
  by?: string;
}

export interface ChangeDeviceInput {
  runId: string;
  deviceId: string;
  commandTimeoutMs: number;
}

export interface PlanSummary {
  deviceId: string;
  lines: number;
}

export interface ApplySummary {
  deviceId: string;
  outcome: 'NO_CHANGE' | 'CHANGED' | 'ROLLED_BACK' | 'ROLLBACK_FAILED';
  /** The device ended without the intended change (rolled back or not). */
  failed: boolean;
}

export type ChangeOutcome = 'DONE' | 'DRY_RUN' | 'REJECTED' | 'CANCELLED' | 'STOPPED';

/** Workflows proxy `RunActivities & ChangeActivities`. */
export interface ChangeActivities {
  /** Read the device's config and record what is missing (nothing when already in place). */
  planChangeDevice(input: ChangeDeviceInput): Promise<PlanSummary>;
  /** Back up, push, verify; on any failure restore the backup and verify the restore. */
  applyChangeDevice(input: ChangeDeviceInput): Promise<ApplySummary>;
  /** ROLLBACK_ALL: put a device that kept the change back to its backup. */
  rollbackChangeDevice(input: ChangeDeviceInput): Promise<ApplySummary>;
  /**
   * An apply that failed for good after its backup was taken (it may have pushed lines): restore
   * the backup and record ROLLED_BACK or ROLLBACK_FAILED with the apply's error. Null when no
   * backup was taken (nothing was pushed): the device is then failed as usual.
   */
  restoreFailedApply(
    input: ChangeDeviceInput & { error: { kind: string; message: string } },
  ): Promise<ApplySummary | null>;
  /**
   * A device could not be put back to its backup: recorded ROLLBACK_FAILED. `context` says why it
   * was being restored (default: the rollout stopped under ROLLBACK_ALL).
   */
  rollbackFailed(input: {
    runId: string;
    deviceId: string;
    kind: string;
    message: string;
    context?: string;
  }): Promise<void>;
  /** AWAITING_APPROVAL while it waits, RUNNING once approved (no-op once cancelling). */
  setRunStatus(input: {
    runId: string;
    status: 'AWAITING_APPROVAL' | 'RUNNING';
    message: string;
  }): Promise<void>;
  /** End the run: devices never reached are skipped; device locks go. */
  finishChange(input: {
    runId: string;
    outcome: ChangeOutcome;
    message: string;
  }): Promise<{ status: string; succeeded: number; failed: number; skipped: number }>;
}

export type ChangeWorkflow = (input: ChangeInput) => Promise<ChangeResult>;
