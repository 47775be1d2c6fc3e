import { Context } from '@temporalio/activity';
import type { ApplicationFailure } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import { storeSnapshot } from '../core/configs/snapshot-store';
import { sshTarget } from '../core/devices/device-target';
import * as runDevices from '../core/runs/run-devices';
import * as lifecycle from '../core/runs/run-lifecycle';
import { inTransaction } from '../core/runs/run-log';
import { RUNNING_CONFIG_COMMAND } from '../libs/common/src/running-config';
import { WorkFailure } from '../libs/common/src/failures';
import type { AppConfig } from '../libs/config/src/config';
import type { SecretBox } from '../libs/crypto/src/secret-box';
import type { CommandResult } from '../libs/ssh/src';
import { parseAndNormalise, type DeviceFacts } from '../libs/textfsm/src/facts';
import type { TemplateIndex } from '../libs/textfsm/src/index';
import type { CollectionActivities } from '../workflows/contracts';
import { withDeviceSession } from './device-session';

export interface CollectionActivityDeps {
  dataSource: DataSource;
  secrets: SecretBox;
  ssh: AppConfig['ssh'];
  /** TextFSM templates to parse outputs with (ntc-templates layout). */
  templates: TemplateIndex;
}

/**
 * A collection run, per device: connect, run the commands, parse what came back and store it all
 * (a backup run also stores the running config as the device's next config version). Outputs
 * live in PostgreSQL; only a few numbers go back to the workflow.
 */
export function createCollectionActivities(deps: CollectionActivityDeps): CollectionActivities {
  const { dataSource, secrets } = deps;

  return {
    async collectDevice(input) {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const started = Date.now();
      const device = await runDevices.loadRunDevice(dataSource, input.runId, input.deviceId);
      const ref = runDevices.refOf(input.runId, device);
      const summary = (s: { commands: number; commandErrors: number; bytes: number }, reused: boolean) => ({
        deviceId: device.device_id,
        deviceName: device.name,
        ...s,
        durationMs: reused ? 0 : Date.now() - started,
        reused,
      });

      // A previous attempt stored everything and then lost its worker before reporting: do not collect again.
      if (device.run_device_status === 'SUCCEEDED') {
        const stored = await runDevices.storedOutputSummary(dataSource, device.run_device_id);
        return summary(
          { commands: stored.commands, commandErrors: stored.errors, bytes: stored.bytes },
          true,
        );
      }

      await runDevices.startDeviceAttempt(
        dataSource,
        ref,
        attempt,
        attempt > 1 ? `attempt ${attempt}: connecting` : 'connecting',
      );
      const commands = input.commandsByPlatform?.[device.platform] ?? input.commands;
      let commandIndex = 0;
      let bytesSeen = 0;
      let results: CommandResult[];
      try {
        results = await withDeviceSession(
          sshTarget(device, secrets),
          {
            ssh: deps.ssh,
            commandTimeoutMs: input.commandTimeoutMs,
            onData: (bytes) => (bytesSeen += bytes),
            progress: () => ({ commandIndex, bytes: bytesSeen }),
          },
          async (session, beat) => {
            const out: CommandResult[] = [];
            for (const command of commands) {
              out.push(await session.run(command, { timeoutMs: input.commandTimeoutMs }));
              commandIndex++;
              beat();
            }
            return out;
          },
        );
      } catch (error) {
        const failure = error as ApplicationFailure;
        await runDevices.noteDeviceAttemptFailed(
          dataSource,
          ref,
          { kind: failure.type ?? 'ERROR', message: failure.message },
          {
            level: failure.type === 'CANCELLED' ? 'WARN' : 'ERROR',
            message: `attempt ${attempt} failed (${failure.type}): ${failure.message}`,
          },
        );
        throw failure;
      }

      // A backup run stores the running config as the device's next config version.
      const configCommand = RUNNING_CONFIG_COMMAND[device.platform];
      const config =
        device.backup_reason !== null ? results.find((r) => r.command === configCommand) : undefined;
      if (device.backup_reason !== null && (!config || config.error || !config.output.trim())) {
        const why = !config
          ? `"${configCommand}" was not collected`
          : (config.error ?? 'the output was empty');
        throw new WorkFailure('BACKUP_FAILED', `no running config: ${why}`);
      }
      // Parsed results are stored next to the raw output; what no template handles is flagged, never dropped.
      const parsed = results.map((r) =>
        r.error === null
          ? parseAndNormalise(deps.templates, {
              platform: device.platform,
              command: r.command,
              text: r.output,
            })
          : null,
      );
      const facts = mergeFacts(parsed.flatMap((p) => (p?.status === 'parsed' && p.facts ? [p.facts] : [])));
      const anomalies = parsed.filter((p) => p?.status === 'anomaly').length;
      const bytes = results.reduce((sum, r) => sum + r.bytes, 0);
      const commandErrors = results.filter((r) => r.error !== null).length;
      await inTransaction(dataSource, async (m) => {
        let snapshotNote = '';
        if (config) {
          const snapshot = await storeSnapshot(m, {
            deviceId: device.device_id,
            platform: device.platform,
            content: config.output,
            source: 'backup',
            reason: device.backup_reason,
            runId: input.runId,
          });
          snapshotNote = snapshot.changed
            ? `; config saved as version ${snapshot.version}`
            : `; config unchanged (version ${snapshot.version})`;
        }
        const note =
          (commandErrors ? `, ${commandErrors} command(s) refused by the device` : '') +
          (anomalies ? `, ${anomalies} output(s) not parsed (see anomalies)` : '');
        await runDevices.deviceCollected(
          m,
          ref,
          results.map((r, seq) => {
            const p = parsed[seq];
            return {
              command: r.command,
              output: r.output,
              error: r.error,
              durationMs: r.durationMs,
              parse:
                p === null
                  ? null
                  : {
                      status: p.status === 'parsed' ? 'PARSED' : 'ANOMALY',
                      template: p.template ?? null,
                      parsed:
                        p.status === 'parsed'
                          ? { rows: p.rows, facts: p.facts, interfaces: p.interfaces }
                          : null,
                      anomalyReason: p.status === 'anomaly' ? p.reason : null,
                      anomalyMessage: p.status === 'anomaly' ? p.message : null,
                    },
            };
          }),
          facts,
          {
            level: commandErrors ? 'WARN' : 'INFO',
            message: `collected ${results.length} command(s), ${bytes} bytes${note}${snapshotNote}`,
          },
        );
      });
      return summary({ commands: results.length, commandErrors, bytes }, false);
    },

    async finishRun(input) {
      return inTransaction(dataSource, async (m) => {
        await runDevices.cancelUnfinishedDevices(m, [input.runId]);
        const counts = await runDevices.deviceCounts(m, input.runId);
        const succeeded = counts.SUCCEEDED;
        const failed = counts.FAILED;
        const cancelled = counts.CANCELLED;
        const status = input.cancelled ? 'CANCELLED' : failed > 0 ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED';
        await lifecycle.finishRun(m, input.runId, input.error ? 'FAILED' : status, {
          error: input.error ?? null,
          note: {
            level: failed || input.error ? 'WARN' : 'INFO',
            message: `run ${status.toLowerCase().replace(/_/g, ' ')}: ${succeeded} succeeded, ${failed} failed, ${cancelled} cancelled`,
          },
        });
        return { runId: input.runId, status, succeeded, failed, cancelled } as const;
      });
    },
  };
}

/** Facts from several commands: the first non-empty value of each field wins (vendor from the first). */
function mergeFacts(all: DeviceFacts[]): DeviceFacts | null {
  if (all.length === 0) return null;
  const merged = { ...all[0] };
  for (const facts of all.slice(1)) {
    for (const key of Object.keys(merged) as (keyof DeviceFacts)[]) {
      if (merged[key] === null || merged[key] === undefined)
        (merged as Record<string, unknown>)[key] = facts[key];
    }
  }
  return merged;
}
