import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { snapshotContent, storeSnapshot } from '../core/configs/snapshot-store';
import { sshTarget } from '../core/devices/device-target';
import * as runDevices from '../core/runs/run-devices';
import type { RunDeviceRow } from '../core/runs/run-devices';
import * as lifecycle from '../core/runs/run-lifecycle';
import { inTransaction, runEvent } from '../core/runs/run-log';
import { releaseDeviceLocks } from '../core/safety/locks';
import { RUNNING_CONFIG_COMMAND } from '../libs/common/src/running-config';
import { WorkFailure } from '../libs/common/src/failures';
import type { AppConfig } from '../libs/config/src/config';
import { hierarchicalDiff, normaliseConfig, planPush, planRestore, verifyChange } from '../libs/configs/src';
import type { SecretBox } from '../libs/crypto/src/secret-box';
import type { SshSession } from '../libs/ssh/src';
import type { ApplySummary, ChangeActivities, ChangeDeviceInput } from '../workflows/contracts';
import { withDeviceSession } from './device-session';

export interface ChangeActivityDeps {
  dataSource: DataSource;
  secrets: SecretBox;
  ssh: AppConfig['ssh'];
}

/**
 * Config changes, per device: plan (what is missing), then apply: back up → push line by line →
 * verify (intended lines present, nothing else changed) → on any failure restore the backup and
 * verify the restore. The backup is recorded before the first line is sent, so an attempt that
 * follows a crashed worker continues from the same backup: the change completes or is rolled back.
 */
export function createChangeActivities(deps: ChangeActivityDeps): ChangeActivities {
  const { dataSource, secrets } = deps;

  /** A session to the device; one that changes it (`changes`) is never cut half-way by a cancel. */
  const session = <T>(
    device: RunDeviceRow,
    input: ChangeDeviceInput,
    work: (s: SshSession) => Promise<T>,
    changes = false,
  ) =>
    withDeviceSession(
      sshTarget(device, secrets),
      { ssh: deps.ssh, commandTimeoutMs: input.commandTimeoutMs, cancellable: !changes },
      work,
    );

  async function runningConfig(s: SshSession, device: RunDeviceRow): Promise<string> {
    const result = await s.run(RUNNING_CONFIG_COMMAND[device.platform]);
    if (result.error || !result.output.trim()) {
      throw new WorkFailure(
        'BACKUP_FAILED',
        `could not read the running config: ${result.error ?? 'empty output'}`,
      );
    }
    return result.output;
  }

  /** What the device should end up with: an intended snippet, or a whole stored snapshot (rollback). */
  async function targetOf(device: RunDeviceRow): Promise<{ snapshot: string | null; intended: string }> {
    const snapshotId = device.change_spec?.restoreSnapshotId;
    if (!snapshotId) return { snapshot: null, intended: intendedFor(device) };
    const row = await snapshotContent(dataSource, snapshotId);
    if (!row || row.deviceId !== device.device_id) {
      throw new WorkFailure(
        'NO_INTENDED_CONFIG',
        `snapshot ${snapshotId} is gone or belongs to another device`,
      );
    }
    return { snapshot: row.content, intended: row.content };
  }

  /** The snapshot taken before this device was pushed (the backup a failure restores). */
  async function backupOf(device: RunDeviceRow): Promise<{ content: string }> {
    const row = device.backup_snapshot_id
      ? await snapshotContent(dataSource, device.backup_snapshot_id)
      : null;
    if (!row) {
      throw new WorkFailure('BACKUP_FAILED', `the backup of ${device.name} taken before the push is gone`);
    }
    return row;
  }

  const planFor = (
    device: RunDeviceRow,
    target: { snapshot: string | null; intended: string },
    current: string,
  ) =>
    target.snapshot !== null
      ? planRestore(device.platform, current, target.snapshot, restoreOptions(device))
      : planPush(device.platform, target.intended, current);

  function intendedFor(device: RunDeviceRow): string {
    if (device.intended !== null) return device.intended;
    const intended = device.change_spec?.configByPlatform[device.platform];
    if (intended === undefined) {
      throw new WorkFailure('NO_INTENDED_CONFIG', `the change has no config for platform ${device.platform}`);
    }
    return intended;
  }

  /** Restore `backup` and check the device equals it again (volatile lines aside). */
  async function restore(s: SshSession, device: RunDeviceRow, backup: string, runId: string, why: string) {
    const ref = runDevices.refOf(runId, device);
    const current = await runningConfig(s, device);
    const lines = planRestore(device.platform, current, backup, restoreOptions(device));
    await runDevices.recordRestorePlan(dataSource, ref, lines);
    const pushed = lines.length ? await s.configure(lines) : null;
    const after = await runningConfig(s, device);
    const restored = sameConfig(device, after, backup);
    const detail = pushed?.failed
      ? `; restore line ${pushed.failed.index + 1} refused: ${pushed.failed.error}`
      : '';
    await runDevices.deviceRestored(
      dataSource,
      ref,
      restored,
      `${why}${restored ? '; restored to the backup and verified' : `; RESTORE FAILED, device differs from its backup${detail}`}`,
      restored ? `rolled back (${why}); restore verified` : `ROLLBACK FAILED (${why})${detail}`,
    );
    return restored;
  }

  const summaryOf = (
    device: RunDeviceRow,
    outcome: ApplySummary['outcome'],
    failed: boolean,
  ): ApplySummary => ({
    deviceId: device.device_id,
    outcome,
    failed,
  });

  return {
    async planChangeDevice(input) {
      const device = await runDevices.loadRunDevice(dataSource, input.runId, input.deviceId);
      const target = await targetOf(device);
      const plan = await session(device, input, async (s) =>
        planFor(device, target, await runningConfig(s, device)),
      );
      await runDevices.devicePlanned(
        dataSource,
        runDevices.refOf(input.runId, device),
        plan,
        device.change_spec?.dryRun ?? false,
      );
      return { deviceId: device.device_id, lines: plan.length };
    },

    async applyChangeDevice(input) {
      const device = await runDevices.loadRunDevice(dataSource, input.runId, input.deviceId);
      // An attempt after a crash that happened once the outcome was recorded: report it, do nothing.
      if (device.outcome && device.outcome !== 'PLANNED') {
        const failed = device.outcome === 'ROLLED_BACK' || device.outcome === 'ROLLBACK_FAILED';
        return summaryOf(device, device.outcome as ApplySummary['outcome'], failed);
      }
      const ref = runDevices.refOf(input.runId, device);
      const target = await targetOf(device);
      const attempt = Context.current().info.attempt;
      await runDevices.startDeviceAttempt(
        dataSource,
        ref,
        attempt,
        attempt > 1 ? `attempt ${attempt}: applying` : 'applying',
      );

      return session(
        device,
        input,
        async (s) => {
          const current = await runningConfig(s, device);
          let backup: string;
          if (device.backup_snapshot_id) {
            // A previous attempt took the backup (and may have pushed part of the change) before its worker died.
            backup = (await backupOf(device)).content;
            await runEvent(
              dataSource,
              input.runId,
              'WARN',
              device.name,
              `attempt ${attempt}: resuming from the backup taken before the push`,
            );
          } else {
            backup = current;
            await inTransaction(dataSource, async (m) => {
              const snapshot = await storeSnapshot(m, {
                deviceId: device.device_id,
                platform: device.platform,
                content: current,
                source: 'backup',
                reason: `before change ${input.runId}: ${device.change_spec?.reason ?? ''}`.trim(),
                runId: input.runId,
              });
              // Recorded before the first line is sent.
              await runDevices.recordBackup(m, ref, snapshot.id, {
                level: 'INFO',
                message: `backed up as config version ${snapshot.version}`,
              });
            });
          }

          const plan = planFor(device, target, current);
          if (plan.length === 0 && !device.backup_snapshot_id) {
            await runDevices.deviceChanged(dataSource, ref, 'NO_CHANGE', 'already in place: nothing pushed');
            return summaryOf(device, 'NO_CHANGE', false);
          }

          const pushed = plan.length ? await s.configure(plan) : null;
          await runDevices.recordPush(dataSource, ref, plan, pushed?.applied ?? 0);
          if (pushed?.failed) {
            const why = `line ${pushed.failed.index + 1} of ${plan.length} "${pushed.failed.line}" refused: ${pushed.failed.error}`;
            const restored = await restore(s, device, backup, input.runId, why);
            return summaryOf(device, restored ? 'ROLLED_BACK' : 'ROLLBACK_FAILED', true);
          }

          const after = await runningConfig(s, device);
          // A rollback must reproduce the snapshot exactly (volatile lines aside); a change must add
          // the intended lines and nothing else.
          const check =
            target.snapshot !== null
              ? {
                  ok: sameConfig(device, after, target.snapshot),
                  missing: [],
                  unexpected: ['the device differs from the snapshot after the rollback'],
                }
              : verifyChange(device.platform, {
                  before: backup,
                  after,
                  intended: target.intended,
                  pushed: plan,
                });
          if (!check.ok) {
            const why = `verification failed: ${[...check.missing.map((m) => `missing ${m}`), ...check.unexpected].slice(0, 5).join('; ')}`;
            const restored = await restore(s, device, backup, input.runId, why);
            return summaryOf(device, restored ? 'ROLLED_BACK' : 'ROLLBACK_FAILED', true);
          }
          await inTransaction(dataSource, async (m) => {
            const snapshot = await storeSnapshot(m, {
              deviceId: device.device_id,
              platform: device.platform,
              content: after,
              source: 'backup',
              reason: `after change ${input.runId}`,
              runId: input.runId,
            });
            await runDevices.deviceChanged(
              m,
              ref,
              'CHANGED',
              `changed: ${plan.length} line(s) pushed and verified; config version ${snapshot.version}`,
            );
          });
          return summaryOf(device, 'CHANGED', false);
        },
        true,
      );
    },

    async rollbackChangeDevice(input) {
      const device = await runDevices.loadRunDevice(dataSource, input.runId, input.deviceId);
      if (device.outcome !== 'CHANGED' || !device.backup_snapshot_id) {
        const failed = device.outcome === 'ROLLED_BACK' || device.outcome === 'ROLLBACK_FAILED';
        return summaryOf(device, (device.outcome ?? 'NO_CHANGE') as ApplySummary['outcome'], failed);
      }
      const row = await backupOf(device);
      const why = 'the rollout stopped and the failure policy is ROLLBACK_ALL';
      const restored = await session(
        device,
        input,
        (s) => restore(s, device, row.content, input.runId, why),
        true,
      );
      return summaryOf(device, restored ? 'ROLLED_BACK' : 'ROLLBACK_FAILED', true);
    },

    async restoreFailedApply(input) {
      const device = await runDevices.loadRunDevice(dataSource, input.runId, input.deviceId);
      // Recorded already (an attempt after a crash): report it, do nothing.
      if (device.outcome && device.outcome !== 'PLANNED') {
        const failed = device.outcome === 'ROLLED_BACK' || device.outcome === 'ROLLBACK_FAILED';
        return summaryOf(device, device.outcome as ApplySummary['outcome'], failed);
      }
      if (!device.backup_snapshot_id) return null;
      const row = await backupOf(device);
      const why = `the apply failed for good (${input.error.kind}: ${input.error.message})`;
      const restored = await session(
        device,
        input,
        (s) => restore(s, device, row.content, input.runId, why),
        true,
      );
      return summaryOf(device, restored ? 'ROLLED_BACK' : 'ROLLBACK_FAILED', true);
    },

    async rollbackFailed(input) {
      const device = await runDevices.loadRunDevice(dataSource, input.runId, input.deviceId);
      const why = `could not restore the backup (${input.kind}: ${input.message})`;
      await runDevices.deviceRestored(
        dataSource,
        runDevices.refOf(input.runId, device),
        false,
        `${input.context ?? 'the rollout stopped and the failure policy is ROLLBACK_ALL'}; ${why}`,
        `ROLLBACK FAILED: ${why}`,
      );
    },

    async setRunStatus(input) {
      await lifecycle.setApprovalState(dataSource, input.runId, input.status, input.message);
    },

    async finishChange(input) {
      return inTransaction(dataSource, async (m) => {
        // Devices never reached (rollout stopped, rejected, cancelled) are skipped, never left pending.
        await runDevices.cancelUnfinishedDevices(m, [input.runId], { skipOutcome: true });
        const counts = await runDevices.deviceCounts(m, input.runId);
        const { SUCCEEDED: succeeded, FAILED: failed, CANCELLED: skipped } = counts;
        const status =
          input.outcome === 'REJECTED'
            ? 'REJECTED'
            : input.outcome === 'CANCELLED'
              ? 'CANCELLED'
              : failed > 0 || input.outcome === 'STOPPED'
                ? 'COMPLETED_WITH_ERRORS'
                : 'COMPLETED';
        await lifecycle.finishRun(m, input.runId, status, {
          more: async (tx) => void (await releaseDeviceLocks(tx, input.runId)),
          note: {
            level: status === 'COMPLETED' ? 'INFO' : 'WARN',
            message: `${input.message}: ${succeeded} succeeded, ${failed} failed, ${skipped} skipped`,
          },
        });
        return { status, succeeded, failed, skipped };
      });
    },
  };
}

/** EXACT restores reproduce the backup's order; MINIMAL ones push only what differs. */
function restoreOptions(device: RunDeviceRow): { exactOrder: boolean } {
  return { exactOrder: device.change_spec?.restoreOrder !== 'MINIMAL' };
}

/**
 * Whether a device holds the config it should after a restore: byte for byte minus volatile lines
 * (EXACT), or the same lines in each block whatever their order (MINIMAL).
 */
function sameConfig(device: RunDeviceRow, actual: string, expected: string): boolean {
  if (restoreOptions(device).exactOrder) {
    return normaliseConfig(device.platform, actual) === normaliseConfig(device.platform, expected);
  }
  return hierarchicalDiff(device.platform, actual, expected).length === 0;
}
