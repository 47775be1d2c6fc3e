import {
  decideRunDeviceTransition,
  decideRunTransition,
  FINAL_RUN_STATUSES,
  RUN_STATUSES,
  RUN_TRANSITIONS,
  type RunStatus,
} from './run-states';

describe('run transitions', () => {
  it('moves a run through its normal life', () => {
    expect(decideRunTransition('start', 'PENDING', 'RUNNING')).toBe('apply');
    expect(decideRunTransition('awaitApproval', 'RUNNING', 'AWAITING_APPROVAL')).toBe('apply');
    expect(decideRunTransition('approved', 'AWAITING_APPROVAL', 'RUNNING')).toBe('apply');
    expect(decideRunTransition('finish', 'RUNNING', 'COMPLETED')).toBe('apply');
  });

  it('is idempotent: a retried transition to the status the run already has does nothing', () => {
    expect(decideRunTransition('start', 'RUNNING', 'RUNNING')).toBe('noop');
    expect(decideRunTransition('finish', 'COMPLETED', 'COMPLETED')).toBe('noop');
  });

  it('ignores a transition the run has moved past (a cancel overtook it)', () => {
    expect(decideRunTransition('start', 'CANCELLING', 'RUNNING')).toBe('noop');
    expect(decideRunTransition('awaitApproval', 'CANCELLED', 'AWAITING_APPROVAL')).toBe('noop');
    expect(decideRunTransition('requestCancel', 'COMPLETED', 'CANCELLING')).toBe('noop');
    expect(decideRunTransition('failToStart', 'RUNNING', 'FAILED')).toBe('noop');
  });

  it('refuses illegal transitions instead of writing them', () => {
    // A run that ended never starts again or ends a second time differently.
    expect(decideRunTransition('start', 'COMPLETED', 'RUNNING')).toBe('illegal');
    expect(decideRunTransition('finish', 'CANCELLED', 'COMPLETED')).toBe('illegal');
    expect(decideRunTransition('resume', 'PENDING', 'RUNNING')).toBe('illegal');
    // A transition never leads anywhere but its own targets.
    expect(decideRunTransition('finish', 'RUNNING', 'PAUSED')).toBe('illegal');
    expect(decideRunTransition('endBeforeStart', 'PENDING', 'COMPLETED')).toBe('illegal');
  });

  it('lets finish end any run that has not ended, with any final status', () => {
    for (const from of RUN_STATUSES.filter((s) => !(FINAL_RUN_STATUSES as readonly string[]).includes(s))) {
      for (const to of FINAL_RUN_STATUSES) expect(decideRunTransition('finish', from, to)).toBe('apply');
    }
  });

  it('names every status in each transition at most once as source or ignored', () => {
    for (const [name, t] of Object.entries(RUN_TRANSITIONS)) {
      const from = t.from as readonly RunStatus[];
      const both = from.filter((s) => (t.ignore as readonly RunStatus[]).includes(s));
      expect({ name, both }).toEqual({ name, both: [] });
    }
  });
});

describe('run device transitions', () => {
  it('retries and finishes a device', () => {
    expect(decideRunDeviceTransition('startAttempt', 'PENDING', 'RUNNING')).toBe('apply');
    expect(decideRunDeviceTransition('startAttempt', 'RUNNING', 'RUNNING')).toBe('apply');
    expect(decideRunDeviceTransition('collected', 'RUNNING', 'SUCCEEDED')).toBe('apply');
  });

  it('keeps a device that succeeded when a late failure arrives', () => {
    expect(decideRunDeviceTransition('fail', 'SUCCEEDED', 'FAILED')).toBe('noop');
  });

  it('never starts a device that already succeeded', () => {
    expect(decideRunDeviceTransition('startAttempt', 'SUCCEEDED', 'RUNNING')).toBe('illegal');
    expect(decideRunDeviceTransition('collected', 'CANCELLED', 'SUCCEEDED')).toBe('illegal');
  });

  it('restores a changed device under ROLLBACK_ALL', () => {
    expect(decideRunDeviceTransition('restored', 'SUCCEEDED', 'FAILED')).toBe('apply');
  });
});
