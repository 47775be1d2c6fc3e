import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { loadRunDevice, runEvent, sshTarget, toActivityFailure } from './device-session';
import type { AppConfig } from '../libs/config/src/config';
import type { SecretBox } from '../libs/crypto/src/secret-box';
import { RUNNING_CONFIG_COMMAND } from '../libs/common/src/running-config';
import { storeSnapshot } from '../graphql/configs/snapshot-store';
import { parseAndNormalise, type DeviceFacts } from '../libs/textfsm/src/facts';
import type { TemplateIndex } from '../libs/textfsm/src/index';
import { SshSession, type CommandResult } from '../libs/ssh/src';

export interface CollectionActivityDeps {
  dataSource: DataSource;
  secrets: SecretBox;
  ssh: AppConfig['ssh'];
  /** TextFSM templates to parse outputs with (ntc-templates layout). */
  templates: TemplateIndex;
}

export interface CollectDeviceInput {
  runId: string;
  deviceId: string;
  commands: string[];
  commandsByPlatform?: Record<string, string[]>;
  commandTimeoutMs: number;
}

export interface CollectDeviceSummary {
  deviceId: string;
  deviceName: string;
  commands: number;
  commandErrors: number;
  bytes: number;
  durationMs: number;
  /** True when an earlier attempt had already stored this device's outputs. */
  reused: boolean;
}

/**
 * Activities for the collection workflow. Plain functions over injected dependencies;
 * the worker builds the deps and hands the object to Worker.create.
 */
export function createCollectionActivities(deps: CollectionActivityDeps) {
  const { dataSource, secrets } = deps;

  const event = runEvent;
  const loadDevice = (runId: string, deviceId: string) => loadRunDevice(dataSource, runId, deviceId);

  return {
    async markRunStarted({ runId }: { runId: string }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE runs SET status = 'RUNNING', started_at = COALESCE(started_at, now()) WHERE id = $1 AND status = 'PENDING'`,
          [runId],
        );
        await event(manager, runId, 'INFO', null, 'run started');
      });
    },

    async collectDevice(input: CollectDeviceInput): Promise<CollectDeviceSummary> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const started = Date.now();
      const device = await loadDevice(input.runId, input.deviceId);

      // A previous attempt stored everything and then lost its worker before reporting: do not collect again.
      if (device.run_device_status === 'SUCCEEDED') {
        const [summary] = await dataSource.query(
          `SELECT count(*)::int AS commands, count(error)::int AS errors, COALESCE(sum(size_bytes), 0)::int AS bytes
             FROM command_outputs WHERE run_device_id = $1`,
          [device.run_device_id],
        );
        return {
          deviceId: device.device_id,
          deviceName: device.name,
          commands: summary.commands,
          commandErrors: summary.errors,
          bytes: summary.bytes,
          durationMs: 0,
          reused: true,
        };
      }

      await dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE run_devices SET status = 'RUNNING', attempts = $2, started_at = COALESCE(started_at, now()) WHERE id = $1`,
          [device.run_device_id, attempt],
        );
        await event(
          manager,
          input.runId,
          'INFO',
          device.name,
          attempt > 1 ? `attempt ${attempt}: connecting` : 'connecting',
        );
      });

      let commandIndex = 0;
      let bytesSeen = 0;
      const beat = () => ctx.heartbeat({ commandIndex, bytes: bytesSeen });
      beat();
      const heartbeatTimer = setInterval(beat, 1000);
      let session: SshSession | undefined;
      const results: CommandResult[] = [];
      try {
        session = await SshSession.open(sshTarget(device, secrets), {
          connectTimeoutMs: deps.ssh.connectTimeoutMs,
          promptTimeoutMs: deps.ssh.promptTimeoutMs,
          commandTimeoutMs: input.commandTimeoutMs,
          signal: ctx.cancellationSignal,
          onData: (bytes) => {
            bytesSeen += bytes;
          },
        });
        const commands = input.commandsByPlatform?.[device.platform] ?? input.commands;
        for (const command of commands) {
          results.push(await session.run(command, { timeoutMs: input.commandTimeoutMs }));
          commandIndex++;
          beat();
        }
      } catch (error) {
        const failure = toActivityFailure(error, ctx.cancellationSignal.aborted);
        await dataSource.transaction(async (manager) => {
          await manager.query(`UPDATE run_devices SET error_kind = $2, error_message = $3 WHERE id = $1`, [
            device.run_device_id,
            failure.type,
            failure.message,
          ]);
          await event(
            manager,
            input.runId,
            failure.type === 'CANCELLED' ? 'WARN' : 'ERROR',
            device.name,
            `attempt ${attempt} failed (${failure.type}): ${failure.message}`,
          );
        });
        throw failure;
      } finally {
        clearInterval(heartbeatTimer);
        await session?.close();
      }

      // A backup run stores the running config as the device's next config version.
      const configCommand = RUNNING_CONFIG_COMMAND[device.platform];
      const config =
        device.backup_reason !== null ? results.find((r) => r.command === configCommand) : undefined;
      if (device.backup_reason !== null && (!config || config.error || !config.output.trim())) {
        const why = !config
          ? `"${configCommand}" was not collected`
          : (config.error ?? 'the output was empty');
        throw ApplicationFailure.create({
          type: 'BACKUP_FAILED',
          message: `no running config: ${why}`,
          nonRetryable: true,
        });
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
      await dataSource.transaction(async (manager) => {
        await manager.query(`DELETE FROM command_outputs WHERE run_device_id = $1`, [device.run_device_id]);
        for (const [seq, r] of results.entries()) {
          const p = parsed[seq];
          await manager.query(
            `INSERT INTO command_outputs (run_device_id, run_id, seq, command, output, size_bytes, error, duration_ms,
                                          parse_status, parse_template, parsed, anomaly_reason, anomaly_message)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
            [
              device.run_device_id,
              input.runId,
              seq,
              r.command,
              r.output,
              Buffer.byteLength(r.output),
              r.error,
              Math.round(r.durationMs),
              p === null ? null : p.status === 'parsed' ? 'PARSED' : 'ANOMALY',
              p?.template ?? null,
              p?.status === 'parsed'
                ? JSON.stringify({ rows: p.rows, facts: p.facts, interfaces: p.interfaces })
                : null,
              p?.status === 'anomaly' ? p.reason : null,
              p?.status === 'anomaly' ? p.message : null,
            ],
          );
        }
        let snapshotNote = '';
        if (config) {
          const snapshot = await storeSnapshot(manager, {
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
        await manager.query(
          `UPDATE run_devices SET status = 'SUCCEEDED', error_kind = NULL, error_message = NULL, facts = $2, finished_at = now()
            WHERE id = $1`,
          [device.run_device_id, facts ? JSON.stringify(facts) : null],
        );
        const note =
          (commandErrors ? `, ${commandErrors} command(s) refused by the device` : '') +
          (anomalies ? `, ${anomalies} output(s) not parsed (see anomalies)` : '');
        await event(
          manager,
          input.runId,
          commandErrors ? 'WARN' : 'INFO',
          device.name,
          `collected ${results.length} command(s), ${bytes} bytes${note}${snapshotNote}`,
        );
      });
      return {
        deviceId: device.device_id,
        deviceName: device.name,
        commands: results.length,
        commandErrors,
        bytes,
        durationMs: Date.now() - started,
        reused: false,
      };
    },

    async recordDeviceFailure(input: {
      runId: string;
      deviceId: string;
      kind: string;
      message: string;
    }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        // A CTE makes this a SELECT: TypeORM returns [rows, count] for UPDATE ... RETURNING.
        const rows: { device_name: string }[] = await manager.query(
          `WITH failed AS (
             UPDATE run_devices SET status = 'FAILED', error_kind = $3, error_message = $4, finished_at = now()
              WHERE run_id = $1 AND device_id = $2 AND status <> 'SUCCEEDED' RETURNING device_name)
           SELECT device_name FROM failed`,
          [input.runId, input.deviceId, input.kind, input.message],
        );
        if (rows[0])
          await event(
            manager,
            input.runId,
            'ERROR',
            rows[0].device_name,
            `failed: ${input.kind}: ${input.message}`,
          );
      });
    },

    async finishRun(input: { runId: string; cancelled: boolean; error?: string }): Promise<{
      runId: string;
      status: 'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'CANCELLED';
      succeeded: number;
      failed: number;
      cancelled: number;
    }> {
      return dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE run_devices SET status = 'CANCELLED', finished_at = now() WHERE run_id = $1 AND status IN ('PENDING', 'RUNNING')`,
          [input.runId],
        );
        const counts: { status: string; n: number }[] = await manager.query(
          `SELECT status, count(*)::int AS n FROM run_devices WHERE run_id = $1 GROUP BY status`,
          [input.runId],
        );
        const count = (s: string) => counts.find((c) => c.status === s)?.n ?? 0;
        const succeeded = count('SUCCEEDED');
        const failed = count('FAILED');
        const cancelled = count('CANCELLED');
        const status = input.cancelled ? 'CANCELLED' : failed > 0 ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED';
        await manager.query(
          `UPDATE runs SET status = $2, error = $3, finished_at = now(), started_at = COALESCE(started_at, now()) WHERE id = $1`,
          [input.runId, input.error ? 'FAILED' : status, input.error ?? null],
        );
        await event(
          manager,
          input.runId,
          failed || input.error ? 'WARN' : 'INFO',
          null,
          `run ${status.toLowerCase().replace(/_/g, ' ')}: ${succeeded} succeeded, ${failed} failed, ${cancelled} cancelled`,
        );
        return { runId: input.runId, status, succeeded, failed, cancelled } as const;
      });
    },
  };
}

export type CollectionActivities = ReturnType<typeof createCollectionActivities>;

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
