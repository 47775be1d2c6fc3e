import { randomUUID } from 'node:crypto';
import type { ApplySummary, ApprovalDecision, ChangeInput, ChangeWorkflow } from '../../workflows/contracts';
import { Gate, hold, permanent, WorkflowTestEnv, type Stubs, type StubWorld } from '../support/workflow-env';

let env: WorkflowTestEnv;
beforeAll(async () => {
  env = await WorkflowTestEnv.connect();
});
afterAll(async () => {
  await env?.close();
});

const devices = (n: number) => Array.from({ length: n }, (_, i) => `dev-${i + 1}`);

function change(deviceIds: string[], over: Partial<ChangeInput> = {}): ChangeInput {
  return {
    runId: `run-${randomUUID()}`,
    deviceIds,
    concurrency: 1,
    commandTimeoutMs: 5_000,
    dryRun: false,
    requireApproval: false,
    approvalTimeoutMs: 60_000,
    maxFailures: 0,
    failurePolicy: 'KEEP_SUCCEEDED',
    timeouts: { deviceStartToCloseMs: 30_000, heartbeatMs: 5_000 },
    retry: { maximumAttempts: 2, initialIntervalMs: 50 },
    ...over,
  };
}

const applied = (deviceId: string, outcome: ApplySummary['outcome'] = 'CHANGED'): ApplySummary => ({
  deviceId,
  outcome,
  failed: outcome === 'ROLLED_BACK' || outcome === 'ROLLBACK_FAILED',
});

/**
 * Bookkeeping that always answers, open windows and free locks (guardDevices goes straight on),
 * three lines to push on every device, and every apply and rollback succeeding. finishChange
 * answers `STATUS_<outcome>`, which the workflow returns as its status.
 */
function stubs(over: Stubs = {}): Stubs {
  return {
    markRunStarted: async () => undefined,
    recordDeviceFailure: async () => undefined,
    setRunStatus: async () => undefined,
    rollbackFailed: async () => undefined,
    finishChange: async ({ outcome }) => ({
      status: `STATUS_${outcome}`,
      succeeded: 0,
      failed: 0,
      skipped: 0,
    }),
    checkWindows: async () => ({ open: true, opensAt: null, closed: [] }),
    acquireDeviceLocks: async () => ({ acquired: true, heldBy: [], position: 0 }),
    planChangeDevice: async ({ deviceId }) => ({ deviceId, lines: 3 }),
    applyChangeDevice: async ({ deviceId }) => applied(deviceId),
    rollbackChangeDevice: async ({ deviceId }) => applied(deviceId, 'ROLLED_BACK'),
    // No backup was taken before the apply failed: nothing to restore.
    restoreFailedApply: async () => null,
    ...over,
  };
}

const deviceIdsOf = (inputs: { deviceId: string }[]) => inputs.map((i) => i.deviceId);

describe('changeWorkflow (stub activities)', () => {
  it('a dry run plans every device and stops there: DRY_RUN, nothing locked or applied', async () => {
    const input = change(devices(3), { dryRun: true, requireApproval: true });
    await env.run(stubs(), async (t) => {
      const result = await t.result(await t.start<ChangeWorkflow>('changeWorkflow', input));

      expect(result).toEqual({ status: 'STATUS_DRY_RUN' });
      expect(deviceIdsOf(t.calls.inputs('planChangeDevice'))).toEqual(input.deviceIds);
      expect(t.calls.inputs('finishChange')).toEqual([
        { runId: input.runId, outcome: 'DRY_RUN', message: 'dry run: plans recorded, nothing pushed' },
      ]);
      expect(t.calls.names()).not.toContain('applyChangeDevice');
      expect(t.calls.names()).not.toContain('acquireDeviceLocks');
      expect(t.calls.names()).not.toContain('setRunStatus');
    });
  });

  it('nothing to change (every plan 0 lines): DONE without approval, locks or applies', async () => {
    const input = change(devices(3), { requireApproval: true });
    await env.run(
      stubs({ planChangeDevice: async ({ deviceId }) => ({ deviceId, lines: 0 }) }),
      async (t) => {
        const result = await t.result(await t.start<ChangeWorkflow>('changeWorkflow', input));

        expect(result).toEqual({ status: 'STATUS_DONE' });
        expect(t.calls.of('planChangeDevice')).toHaveLength(3);
        expect(t.calls.inputs('finishChange')).toEqual([
          { runId: input.runId, outcome: 'DONE', message: 'nothing to change' },
        ]);
        expect(t.calls.names()).not.toContain('applyChangeDevice');
        expect(t.calls.names()).not.toContain('setRunStatus');
        expect(t.calls.names()).not.toContain('acquireDeviceLocks');
      },
    );
  });

  it('a rejected approval ends REJECTED after AWAITING_APPROVAL, without applying', async () => {
    const input = change(devices(3), { requireApproval: true });
    await env.run(
      // dev-3 needs nothing: the approval asks for the two others only.
      stubs({
        planChangeDevice: async ({ deviceId }) => ({ deviceId, lines: deviceId === 'dev-3' ? 0 : 2 }),
      }),
      async (t) => {
        const handle = await t.start<ChangeWorkflow>('changeWorkflow', input);
        await t.calls.until('the run awaits approval', (log) => log.of('setRunStatus').length === 1);
        await handle.signal<[ApprovalDecision]>('approval', {
          approved: false,
          comment: 'not during the freeze',
        });
        const result = await t.result(handle);

        expect(result).toEqual({ status: 'STATUS_REJECTED' });
        expect(t.calls.inputs('setRunStatus')).toEqual([
          {
            runId: input.runId,
            status: 'AWAITING_APPROVAL',
            message: 'awaiting approval to change 2 device(s)',
          },
        ]);
        expect(t.calls.inputs('finishChange')).toEqual([
          { runId: input.runId, outcome: 'REJECTED', message: 'rejected: not during the freeze' },
        ]);
        expect(t.calls.names()).not.toContain('applyChangeDevice');
        expect(t.calls.names()).not.toContain('acquireDeviceLocks');
      },
    );
  });

  it('an approval that never comes times out: REJECTED, without applying', async () => {
    const input = change(devices(2), { requireApproval: true, approvalTimeoutMs: 300 });
    await env.run(stubs(), async (t) => {
      const result = await t.result(await t.start<ChangeWorkflow>('changeWorkflow', input));

      expect(result).toEqual({ status: 'STATUS_REJECTED' });
      expect(t.calls.inputs('setRunStatus').map((s) => s.status)).toEqual(['AWAITING_APPROVAL']);
      expect(t.calls.inputs('finishChange')).toEqual([
        { runId: input.runId, outcome: 'REJECTED', message: 'approval timed out' },
      ]);
      expect(t.calls.names()).not.toContain('applyChangeDevice');
    });
  });

  it('an approved change goes RUNNING, locks the devices, then applies every device: DONE', async () => {
    const input = change(devices(2), { requireApproval: true });
    await env.run(stubs(), async (t) => {
      const handle = await t.start<ChangeWorkflow>('changeWorkflow', input);
      await t.calls.until('the run awaits approval', (log) => log.of('setRunStatus').length === 1);
      await handle.signal<[ApprovalDecision]>('approval', { approved: true, comment: 'go' });
      const result = await t.result(handle);

      expect(result).toEqual({ status: 'STATUS_DONE' });
      expect(t.calls.inputs('setRunStatus').map((s) => [s.status, s.message])).toEqual([
        ['AWAITING_APPROVAL', 'awaiting approval to change 2 device(s)'],
        ['RUNNING', 'approved: go'],
      ]);
      const firstApply = t.calls.indexOf('applyChangeDevice');
      expect(t.calls.indexOf('checkWindows')).toBeLessThan(firstApply);
      expect(t.calls.indexOf('acquireDeviceLocks')).toBeLessThan(firstApply);
      expect(t.calls.inputs('acquireDeviceLocks')).toEqual([{ runId: input.runId, stepId: 'apply' }]);
      expect(deviceIdsOf(t.calls.inputs('applyChangeDevice'))).toEqual(['dev-1', 'dev-2']);
      expect(t.calls.inputs('finishChange').map((f) => f.outcome)).toEqual(['DONE']);
    });
  });

  it('maxFailures 0 with KEEP_SUCCEEDED stops after the first failed device, without rollback', async () => {
    const input = change(devices(5), { maxFailures: 0, failurePolicy: 'KEEP_SUCCEEDED' });
    await env.run(
      stubs({
        applyChangeDevice: async ({ deviceId }) => {
          if (deviceId === 'dev-2') throw permanent('BACKUP_FAILED', 'could not read the running config');
          return applied(deviceId);
        },
      }),
      async (t) => {
        const result = await t.result(await t.start<ChangeWorkflow>('changeWorkflow', input));

        expect(result).toEqual({ status: 'STATUS_STOPPED' });
        expect(deviceIdsOf(t.calls.inputs('applyChangeDevice'))).toEqual(['dev-1', 'dev-2']);
        expect(t.calls.of('applyChangeDevice').map((c) => c.attempt)).toEqual([1, 1]);
        expect(t.calls.inputs('recordDeviceFailure')).toEqual([
          {
            runId: input.runId,
            deviceId: 'dev-2',
            kind: 'BACKUP_FAILED',
            message: 'could not read the running config',
          },
        ]);
        expect(t.calls.names()).not.toContain('rollbackChangeDevice');
        expect(t.calls.inputs('finishChange')).toEqual([
          { runId: input.runId, outcome: 'STOPPED', message: 'rollout stopped after 1 failed device(s)' },
        ]);
      },
    );
  });

  it('ROLLBACK_ALL after too many failures rolls back exactly the devices whose apply CHANGED them', async () => {
    const input = change(devices(6), { maxFailures: 1, failurePolicy: 'ROLLBACK_ALL' });
    const outcomes: Record<string, ApplySummary['outcome'] | 'THROWS'> = {
      'dev-1': 'CHANGED',
      'dev-2': 'NO_CHANGE',
      'dev-3': 'ROLLED_BACK', // failed, restored by its own apply
      'dev-4': 'CHANGED',
      'dev-5': 'THROWS',
      'dev-6': 'CHANGED',
    };
    await env.run(
      stubs({
        applyChangeDevice: async ({ deviceId }) => {
          const outcome = outcomes[deviceId];
          if (outcome === 'THROWS') throw permanent('AUTH_FAILED', 'authentication failed');
          return applied(deviceId, outcome);
        },
      }),
      async (t) => {
        const result = await t.result(await t.start<ChangeWorkflow>('changeWorkflow', input));

        expect(result).toEqual({ status: 'STATUS_STOPPED' });
        // The second failure (dev-5) stops the rollout: dev-6 is never applied.
        expect(deviceIdsOf(t.calls.inputs('applyChangeDevice'))).toEqual([
          'dev-1',
          'dev-2',
          'dev-3',
          'dev-4',
          'dev-5',
        ]);
        expect(deviceIdsOf(t.calls.inputs('recordDeviceFailure'))).toEqual(['dev-5']);
        expect(deviceIdsOf(t.calls.inputs('rollbackChangeDevice'))).toEqual(['dev-1', 'dev-4']);
        expect(t.calls.of('rollbackChangeDevice').every((c) => c.outcome === 'completed')).toBe(true);
        expect(t.calls.names()).not.toContain('rollbackFailed');
        expect(t.calls.inputs('finishChange')).toEqual([
          { runId: input.runId, outcome: 'STOPPED', message: 'rollout stopped after 2 failed device(s)' },
        ]);
        expect(t.calls.names().at(-1)).toBe('finishChange');
      },
    );
  });

  // Regression: a cancel that came while ROLLBACK_ALL restored the devices of a stopped rollout must
  // neither interrupt the restores nor end the run as anything but CANCELLED.
  it('a cancel during the rollback of a stopped rollout (20 devices, concurrency 5) lets every changed device be restored, then ends CANCELLED', async () => {
    const input = change(devices(20), { concurrency: 5, maxFailures: 0, failurePolicy: 'ROLLBACK_ALL' });
    const changed: string[] = [];
    const sixChanged = new Gate();
    const rollbacksMayEnd = new Gate();
    let rollbacks = 0;
    let rollbacksRunningAtFinish: string[] | undefined;
    const stubsOf = (t: StubWorld): Stubs =>
      stubs({
        applyChangeDevice: async ({ deviceId }) => {
          if (deviceId === 'dev-2') {
            // Fails once six devices changed, so that the rollout stops with a rollback to do.
            await hold(sixChanged, 'ignore');
            throw permanent('BACKUP_FAILED', 'could not read the running config');
          }
          if (deviceId === 'dev-9') throw permanent('AUTH_FAILED', 'authentication failed');
          changed.push(deviceId);
          if (changed.length >= 6) sixChanged.open();
          return applied(deviceId);
        },
        // The first restore ends at once; the others take until the test lets them end.
        rollbackChangeDevice: async ({ deviceId }) => {
          if (rollbacks++ > 0) await hold(rollbacksMayEnd, 'ignore');
          return applied(deviceId, 'ROLLED_BACK');
        },
        finishChange: async ({ outcome }) => {
          rollbacksRunningAtFinish = t.calls
            .of('rollbackChangeDevice')
            .filter((c) => c.outcome !== 'completed')
            .map((c) => c.input.deviceId);
          return { status: `STATUS_${outcome}`, succeeded: 0, failed: 0, skipped: 0 };
        },
      });
    await env.run(stubsOf, async (t) => {
      const handle = await t.start<ChangeWorkflow>('changeWorkflow', input);
      await t.calls.until('one rollback done while another one runs', (log) => {
        const calls = log.of('rollbackChangeDevice');
        return calls.some((c) => c.outcome === 'completed') && calls.some((c) => c.outcome === 'running');
      });
      await handle.cancel();
      await t.cancelSeen(handle);
      rollbacksMayEnd.open();
      const result = await t.result(handle);

      expect(changed.length).toBeGreaterThanOrEqual(6);
      const rolledBack = t.calls.of('rollbackChangeDevice');
      expect(rolledBack.map((c) => c.input.deviceId).sort()).toEqual([...changed].sort());
      expect(rolledBack.map((c) => c.outcome)).toEqual(rolledBack.map(() => 'completed'));
      // Compensation runs in a scope the cancel cannot reach.
      expect(rolledBack.filter((c) => c.cancelRequested)).toEqual([]);
      expect(t.calls.names()).not.toContain('rollbackFailed');
      expect(rollbacksRunningAtFinish).toEqual([]);
      expect(t.calls.inputs('finishChange').map((f) => f.outcome)).toEqual(['CANCELLED']);
      expect(t.calls.inputs('finishChange')[0].message).toMatch(
        /^rollout stopped after \d+ failed device\(s\)$/,
      );
      expect(result).toEqual({ status: 'STATUS_CANCELLED' });
    });
  });

  it('a cancel during the apply phase with ROLLBACK_ALL restores every device that changed, even those that finished after the cancel', async () => {
    const input = change(devices(5), { concurrency: 2, failurePolicy: 'ROLLBACK_ALL' });
    const pushesMayEnd = new Gate();
    let applies = 0;
    await env.run(
      stubs({
        // The first device changes at once; the next two are pushing when the cancel comes, and a
        // push does not stop half-way (the real activity is not cancellable while it changes a device).
        applyChangeDevice: async ({ deviceId }) => {
          if (applies++ > 0) await hold(pushesMayEnd, 'ignore');
          return applied(deviceId);
        },
      }),
      async (t) => {
        const handle = await t.start<ChangeWorkflow>('changeWorkflow', input);
        const pushing = () => t.calls.of('applyChangeDevice').filter((c) => c.outcome === 'running');
        await t.calls.until('one device changed and two pushing', () => pushing().length === 2);
        await handle.cancel();
        await t.calls.until('both pushes asked to stop', () => pushing().every((c) => c.cancelRequested));
        pushesMayEnd.open();
        const result = await t.result(handle);

        expect(result).toEqual({ status: 'STATUS_CANCELLED' });
        // No device is applied after the cancel; the three that changed are restored.
        const appliedDevices = deviceIdsOf(t.calls.inputs('applyChangeDevice'));
        expect(appliedDevices).toHaveLength(3);
        expect(deviceIdsOf(t.calls.inputs('rollbackChangeDevice')).sort()).toEqual(
          [...appliedDevices].sort(),
        );
        expect(t.calls.of('rollbackChangeDevice').every((c) => c.outcome === 'completed')).toBe(true);
        const lastApply = Math.max(...t.calls.of('applyChangeDevice').map((c) => t.calls.all.indexOf(c)));
        expect(t.calls.indexOf('rollbackChangeDevice')).toBeGreaterThan(lastApply);
        expect(t.calls.inputs('finishChange')).toEqual([
          { runId: input.runId, outcome: 'CANCELLED', message: 'change cancelled' },
        ]);
      },
    );
  });

  it('a rollback that fails for good is recorded with rollbackFailed; the other devices are still restored', async () => {
    const input = change(devices(4), { maxFailures: 0, failurePolicy: 'ROLLBACK_ALL' });
    await env.run(
      stubs({
        applyChangeDevice: async ({ deviceId }) =>
          applied(deviceId, deviceId === 'dev-4' ? 'ROLLED_BACK' : 'CHANGED'),
        rollbackChangeDevice: async ({ deviceId }) => {
          if (deviceId === 'dev-2') throw permanent('DEVICE_GONE', 'device no longer answers');
          return applied(deviceId, 'ROLLED_BACK');
        },
      }),
      async (t) => {
        const result = await t.result(await t.start<ChangeWorkflow>('changeWorkflow', input));

        expect(result).toEqual({ status: 'STATUS_STOPPED' });
        expect(
          t.calls.of('rollbackChangeDevice').map((c) => [c.input.deviceId, c.attempt, c.outcome]),
        ).toEqual([
          ['dev-1', 1, 'completed'],
          ['dev-2', 1, 'failed'],
          ['dev-3', 1, 'completed'],
        ]);
        expect(t.calls.inputs('rollbackFailed')).toEqual([
          { runId: input.runId, deviceId: 'dev-2', kind: 'DEVICE_GONE', message: 'device no longer answers' },
        ]);
        expect(t.calls.inputs('finishChange').map((f) => f.outcome)).toEqual(['STOPPED']);
      },
    );
  });

  // Regression (docs/reliability.md, D1): failures while planning count against maxFailures.
  it('devices that fail planning count against maxFailures: too many and the rollout never starts', async () => {
    const input = change(devices(3), { maxFailures: 0, failurePolicy: 'ROLLBACK_ALL' });
    const planFails = stubs({
      planChangeDevice: async ({ deviceId }) => {
        if (deviceId === 'dev-2') throw permanent('AUTH_FAILED', 'authentication failed');
        return { deviceId, lines: 3 };
      },
    });
    await env.run(planFails, async (t) => {
      const result = await t.result(await t.start<ChangeWorkflow>('changeWorkflow', input));

      expect(result).toEqual({ status: 'STATUS_STOPPED' });
      expect(deviceIdsOf(t.calls.inputs('recordDeviceFailure'))).toEqual(['dev-2']);
      expect(t.calls.names()).not.toContain('applyChangeDevice');
      expect(t.calls.names()).not.toContain('acquireDeviceLocks');
      expect(t.calls.inputs('finishChange')).toEqual([
        {
          runId: input.runId,
          outcome: 'STOPPED',
          message: 'rollout not started: 1 device(s) failed planning, more than maxFailures 0',
        },
      ]);
    });
    // Within maxFailures, the others are changed.
    const tolerant = change(devices(3), { maxFailures: 1 });
    await env.run(planFails, async (t) => {
      const result = await t.result(await t.start<ChangeWorkflow>('changeWorkflow', tolerant));

      expect(result).toEqual({ status: 'STATUS_DONE' });
      expect(deviceIdsOf(t.calls.inputs('applyChangeDevice'))).toEqual(['dev-1', 'dev-3']);
    });
  });

  // Regression (docs/reliability.md, D2): an apply that fails for good after its backup is restored.
  it('an apply that fails for good is restored from its backup instead of being left as it is', async () => {
    const input = change(devices(3), { maxFailures: 0, failurePolicy: 'ROLLBACK_ALL' });
    await env.run(
      stubs({
        applyChangeDevice: async ({ deviceId }) => {
          if (deviceId === 'dev-2') throw permanent('CONNECTION_LOST', 'closed by the host');
          return applied(deviceId);
        },
        restoreFailedApply: async ({ deviceId }) => applied(deviceId, 'ROLLED_BACK'),
      }),
      async (t) => {
        const result = await t.result(await t.start<ChangeWorkflow>('changeWorkflow', input));

        expect(result).toEqual({ status: 'STATUS_STOPPED' });
        expect(t.calls.inputs('restoreFailedApply')).toEqual([
          {
            runId: input.runId,
            deviceId: 'dev-2',
            commandTimeoutMs: input.commandTimeoutMs,
            error: { kind: 'CONNECTION_LOST', message: 'closed by the host' },
          },
        ]);
        // Recorded by the restore (ROLLED_BACK), not failed a second time.
        expect(t.calls.names()).not.toContain('recordDeviceFailure');
        expect(deviceIdsOf(t.calls.inputs('rollbackChangeDevice'))).toEqual(['dev-1']);
      },
    );
  });

  it('a restore after a failed apply that fails too is recorded ROLLBACK_FAILED, saying why it was restored', async () => {
    const input = change(devices(2), { maxFailures: 0 });
    await env.run(
      stubs({
        applyChangeDevice: async ({ deviceId }) => {
          if (deviceId === 'dev-1') throw permanent('CONNECTION_LOST', 'closed by the host');
          return applied(deviceId);
        },
        restoreFailedApply: async () => {
          throw permanent('DEVICE_GONE', 'device no longer answers');
        },
      }),
      async (t) => {
        const result = await t.result(await t.start<ChangeWorkflow>('changeWorkflow', input));

        expect(result).toEqual({ status: 'STATUS_STOPPED' });
        expect(t.calls.inputs('rollbackFailed')).toEqual([
          {
            runId: input.runId,
            deviceId: 'dev-1',
            kind: 'DEVICE_GONE',
            message: 'device no longer answers',
            context: 'the apply failed for good (CONNECTION_LOST: closed by the host)',
          },
        ]);
        expect(t.calls.names()).not.toContain('recordDeviceFailure');
        expect(deviceIdsOf(t.calls.inputs('applyChangeDevice'))).toEqual(['dev-1']);
      },
    );
  });
});
