/** Device locks and maintenance windows, as the workflows' guard sees them. */

export interface LockAttempt {
  acquired: boolean;
  /** Runs holding some of the devices now. */
  heldBy: string[];
  /** Runs ahead of this one for these devices (holders and earlier waiters); 0 when acquired. */
  position: number;
}

export interface WindowCheck {
  open: boolean;
  opensAt: string | null;
  closed: string[];
}

export interface SafetyActivities {
  acquireDeviceLocks(input: { runId: string; stepId: string; stepKey?: string }): Promise<LockAttempt>;
  releaseDeviceLocks(input: { runId: string }): Promise<number>;
  /** Whether the step's devices are inside their maintenance windows now, and when to look again. */
  checkWindows(input: { runId: string; stepKey?: string }): Promise<WindowCheck>;
  /** A step waits (for a lock or a window) or goes on: its status and the run log say so. */
  noteStepWaiting(input: {
    runId: string;
    stepId: string;
    status: 'WAITING_LOCK' | 'WAITING_WINDOW' | 'RUNNING';
    message: string;
  }): Promise<void>;
}
