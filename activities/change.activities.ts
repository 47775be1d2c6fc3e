import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../libs/config/src/config';
import type { SecretBox } from '../libs/crypto/src/secret-box';
import { RUNNING_CONFIG_COMMAND } from '../libs/common/src/running-config';
import { hierarchicalDiff, normaliseConfig, planPush, planRestore, verifyChange } from '../libs/configs/src';
import { SshError, SshSession } from '../libs/ssh/src';
import { snapshotContent, storeSnapshot } from '../graphql/configs/snapshot-store';
import { loadRunDevice, runEvent, sshTarget, type RunDeviceRow } from './device-session';
import { releaseDeviceLocks } from './safety.activities';

export interface ChangeActivityDeps {
  dataSource: DataSource;
  secrets: SecretBox;
  ssh: AppConfig['ssh'];
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

/**
 * Config changes, per device: plan (what is missing), then apply: back up → push line by line →
 * verify (intended lines present, nothing else changed) → on any failure restore the backup and
 * verify the restore. The backup is recorded before the first line is sent, so an attempt that
 * follows a crashed worker continues from the same backup: the change completes or is rolled back.
 */
export function createChangeActivities(deps: ChangeActivityDeps) {
  const { dataSource, secrets } = deps;

  async function withSession<T>(
    device: RunDeviceRow,
    commandTimeoutMs: number,
    work: (s: SshSession) => Promise<T>,
  ): Promise<T> {
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 1000);
    ctx.heartbeat();
    let session: SshSession | undefined;
    try {
      session = await SshSession.open(sshTarget(device, secrets), {
        connectTimeoutMs: deps.ssh.connectTimeoutMs,
        promptTimeoutMs: deps.ssh.promptTimeoutMs,
        commandTimeoutMs,
        signal: ctx.cancellationSignal,
      });
      return await work(session);
    } catch (error) {
      if (error instanceof SshError) {
        throw ApplicationFailure.create({
          type: error.kind,
          message: error.message,
          nonRetryable: !error.retryable,
        });
      }
      throw error;
    } finally {
      clearInterval(beat);
      await session?.close();
    }
  }

  async function runningConfig(session: SshSession, device: RunDeviceRow): Promise<string> {
    const result = await session.run(RUNNING_CONFIG_COMMAND[device.platform]);
    if (result.error || !result.output.trim()) {
      throw ApplicationFailure.create({
        type: 'BACKUP_FAILED',
        message: `could not read the running config: ${result.error ?? 'empty output'}`,
        nonRetryable: true,
      });
    }
    return result.output;
  }

  /** What the device should end up with: an intended snippet, or a whole stored snapshot (rollback). */
  async function targetOf(device: RunDeviceRow): Promise<{ snapshot: string | null; intended: string }> {
    const snapshotId = device.change_spec?.restoreSnapshotId;
    if (!snapshotId) return { snapshot: null, intended: intendedFor(device) };
    const row = await snapshotContent(dataSource, snapshotId);
    if (!row || row.deviceId !== device.device_id) {
      throw ApplicationFailure.create({
        type: 'NO_INTENDED_CONFIG',
        message: `snapshot ${snapshotId} is gone or belongs to another device`,
        nonRetryable: true,
      });
    }
    return { snapshot: row.content, intended: row.content };
  }

  /** The snapshot taken before this device was pushed (the backup a failure restores). */
  async function backupOf(device: RunDeviceRow): Promise<{ content: string }> {
    const row = device.backup_snapshot_id
      ? await snapshotContent(dataSource, device.backup_snapshot_id)
      : null;
    if (!row) {
      throw ApplicationFailure.create({
        type: 'BACKUP_FAILED',
        message: `the backup of ${device.name} taken before the push is gone`,
        nonRetryable: true,
      });
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
      throw ApplicationFailure.create({
        type: 'NO_INTENDED_CONFIG',
        message: `the change has no config for platform ${device.platform}`,
        nonRetryable: true,
      });
    }
    return intended;
  }

  async function setDevice(runDeviceId: string, fields: Record<string, unknown>): Promise<void> {
    const keys = Object.keys(fields);
    await dataSource.query(
      `UPDATE run_devices SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`,
      [runDeviceId, ...keys.map((k) => fields[k])],
    );
  }

  /** Restore `backup` and check the device equals it again (volatile lines aside). */
  async function restore(
    session: SshSession,
    device: RunDeviceRow,
    backup: string,
    runId: string,
    why: string,
  ) {
    const current = await runningConfig(session, device);
    const lines = planRestore(device.platform, current, backup, restoreOptions(device));
    await setDevice(device.run_device_id, { restore_plan: lines });
    const pushed = lines.length ? await session.configure(lines) : null;
    const after = await runningConfig(session, device);
    const restored = sameConfig(device, after, backup);
    const detail = pushed?.failed
      ? `; restore line ${pushed.failed.index + 1} refused: ${pushed.failed.error}`
      : '';
    await dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE run_devices SET status = 'FAILED', outcome = $2, error_kind = $3, error_message = $4, finished_at = now() WHERE id = $1`,
        [
          device.run_device_id,
          restored ? 'ROLLED_BACK' : 'ROLLBACK_FAILED',
          restored ? 'CHANGE_ROLLED_BACK' : 'ROLLBACK_FAILED',
          `${why}${restored ? '; restored to the backup and verified' : `; RESTORE FAILED, device differs from its backup${detail}`}`,
        ],
      );
      await runEvent(
        manager,
        runId,
        'ERROR',
        device.name,
        restored ? `rolled back (${why}); restore verified` : `ROLLBACK FAILED (${why})${detail}`,
      );
    });
    return restored;
  }

  return {
    async planChangeDevice(input: ChangeDeviceInput): Promise<PlanSummary> {
      const device = await loadRunDevice(dataSource, input.runId, input.deviceId);
      const target = await targetOf(device);
      const plan = await withSession(device, input.commandTimeoutMs, async (session) =>
        planFor(device, target, await runningConfig(session, device)),
      );
      const dryRun = device.change_spec?.dryRun ?? false;
      await dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE run_devices SET plan = $2, outcome = $3, status = $4, finished_at = CASE WHEN $4 = 'SUCCEEDED' THEN now() END
            WHERE id = $1`,
          [
            device.run_device_id,
            plan,
            plan.length ? 'PLANNED' : 'NO_CHANGE',
            plan.length === 0 || dryRun ? 'SUCCEEDED' : 'PENDING',
          ],
        );
        await runEvent(
          manager,
          input.runId,
          'INFO',
          device.name,
          plan.length ? `planned ${plan.length} line(s)` : 'already in place: nothing to change',
        );
      });
      return { deviceId: device.device_id, lines: plan.length };
    },

    async applyChangeDevice(input: ChangeDeviceInput): Promise<ApplySummary> {
      const device = await loadRunDevice(dataSource, input.runId, input.deviceId);
      // An attempt after a crash that happened once the outcome was recorded: report it, do nothing.
      if (device.outcome && device.outcome !== 'PLANNED') {
        return {
          deviceId: device.device_id,
          outcome: device.outcome as ApplySummary['outcome'],
          failed: device.outcome === 'ROLLED_BACK' || device.outcome === 'ROLLBACK_FAILED',
        };
      }
      const target = await targetOf(device);
      const attempt = Context.current().info.attempt;
      await setDevice(device.run_device_id, { status: 'RUNNING', attempts: attempt, started_at: new Date() });

      return withSession(device, input.commandTimeoutMs, async (session) => {
        const current = await runningConfig(session, device);
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
          await dataSource.transaction(async (manager) => {
            const snapshot = await storeSnapshot(manager, {
              deviceId: device.device_id,
              platform: device.platform,
              content: current,
              source: 'backup',
              reason: `before change ${input.runId}: ${device.change_spec?.reason ?? ''}`.trim(),
              runId: input.runId,
            });
            // Recorded before the first line is sent.
            await manager.query(`UPDATE run_devices SET backup_snapshot_id = $2 WHERE id = $1`, [
              device.run_device_id,
              snapshot.id,
            ]);
            await runEvent(
              manager,
              input.runId,
              'INFO',
              device.name,
              `backed up as config version ${snapshot.version}`,
            );
          });
        }

        const plan = planFor(device, target, current);
        if (plan.length === 0 && !device.backup_snapshot_id) {
          await dataSource.transaction(async (manager) => {
            await manager.query(
              `UPDATE run_devices SET status = 'SUCCEEDED', outcome = 'NO_CHANGE', plan = '{}', finished_at = now() WHERE id = $1`,
              [device.run_device_id],
            );
            await runEvent(manager, input.runId, 'INFO', device.name, 'already in place: nothing pushed');
          });
          return { deviceId: device.device_id, outcome: 'NO_CHANGE', failed: false };
        }

        const pushed = plan.length ? await session.configure(plan) : null;
        await setDevice(device.run_device_id, { plan, pushed_lines: pushed?.applied ?? 0 });
        if (pushed?.failed) {
          const why = `line ${pushed.failed.index + 1} of ${plan.length} "${pushed.failed.line}" refused: ${pushed.failed.error}`;
          const restored = await restore(session, device, backup, input.runId, why);
          return {
            deviceId: device.device_id,
            outcome: restored ? 'ROLLED_BACK' : 'ROLLBACK_FAILED',
            failed: true,
          };
        }

        const after = await runningConfig(session, device);
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
          const restored = await restore(session, device, backup, input.runId, why);
          return {
            deviceId: device.device_id,
            outcome: restored ? 'ROLLED_BACK' : 'ROLLBACK_FAILED',
            failed: true,
          };
        }
        await dataSource.transaction(async (manager) => {
          const snapshot = await storeSnapshot(manager, {
            deviceId: device.device_id,
            platform: device.platform,
            content: after,
            source: 'backup',
            reason: `after change ${input.runId}`,
            runId: input.runId,
          });
          await manager.query(
            `UPDATE run_devices SET status = 'SUCCEEDED', outcome = 'CHANGED', error_kind = NULL, error_message = NULL,
                    finished_at = now() WHERE id = $1`,
            [device.run_device_id],
          );
          await runEvent(
            manager,
            input.runId,
            'INFO',
            device.name,
            `changed: ${plan.length} line(s) pushed and verified; config version ${snapshot.version}`,
          );
        });
        return { deviceId: device.device_id, outcome: 'CHANGED', failed: false };
      });
    },

    /** Failure policy ROLLBACK_ALL: put a device that kept the change back to its backup. */
    async rollbackChangeDevice(input: ChangeDeviceInput): Promise<ApplySummary> {
      const device = await loadRunDevice(dataSource, input.runId, input.deviceId);
      if (device.outcome !== 'CHANGED' || !device.backup_snapshot_id) {
        return {
          deviceId: device.device_id,
          outcome: (device.outcome ?? 'NO_CHANGE') as ApplySummary['outcome'],
          failed: false,
        };
      }
      const row = await backupOf(device);
      const restored = await withSession(device, input.commandTimeoutMs, (session) =>
        restore(
          session,
          device,
          row.content,
          input.runId,
          'the rollout stopped and the failure policy is ROLLBACK_ALL',
        ),
      );
      return {
        deviceId: device.device_id,
        outcome: restored ? 'ROLLED_BACK' : 'ROLLBACK_FAILED',
        failed: true,
      };
    },

    async setRunStatus(input: {
      runId: string;
      status: 'AWAITING_APPROVAL' | 'RUNNING';
      message: string;
    }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE runs SET status = $2 WHERE id = $1 AND status NOT IN ('CANCELLING', 'CANCELLED')`,
          [input.runId, input.status],
        );
        await runEvent(manager, input.runId, 'INFO', null, input.message);
      });
    },

    async finishChange(input: {
      runId: string;
      outcome: 'DONE' | 'DRY_RUN' | 'REJECTED' | 'CANCELLED' | 'STOPPED';
      message: string;
    }): Promise<{ status: string; succeeded: number; failed: number; skipped: number }> {
      return dataSource.transaction(async (manager) => {
        // Devices never reached (rollout stopped, rejected, cancelled) are skipped, never left pending.
        await manager.query(
          `UPDATE run_devices SET status = 'CANCELLED', outcome = COALESCE(NULLIF(outcome, 'PLANNED'), 'SKIPPED'), finished_at = now()
            WHERE run_id = $1 AND status IN ('PENDING', 'RUNNING')`,
          [input.runId],
        );
        const [counts]: { succeeded: number; failed: number; skipped: number }[] = await manager.query(
          `SELECT count(*) FILTER (WHERE status = 'SUCCEEDED')::int AS succeeded,
                  count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
                  count(*) FILTER (WHERE status = 'CANCELLED')::int AS skipped
             FROM run_devices WHERE run_id = $1`,
          [input.runId],
        );
        const status =
          input.outcome === 'REJECTED'
            ? 'REJECTED'
            : input.outcome === 'CANCELLED'
              ? 'CANCELLED'
              : counts.failed > 0 || input.outcome === 'STOPPED'
                ? 'COMPLETED_WITH_ERRORS'
                : 'COMPLETED';
        await manager.query(
          `UPDATE runs SET status = $2, finished_at = now(), started_at = COALESCE(started_at, now()) WHERE id = $1`,
          [input.runId, status],
        );
        await releaseDeviceLocks(manager, input.runId);
        await runEvent(
          manager,
          input.runId,
          status === 'COMPLETED' ? 'INFO' : 'WARN',
          null,
          `${input.message}: ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.skipped} skipped`,
        );
        return { status, ...counts };
      });
    },
  };
}

export type ChangeActivities = ReturnType<typeof createChangeActivities>;

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
