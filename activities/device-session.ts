import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import type { SecretBox } from '../libs/crypto/src/secret-box';
import { isPlatform, type Platform } from '../libs/common/src/platforms';
import { RUN_NOTIFY_CHANNEL } from '../libs/database/src/notify';
import { SshError, type SshTarget } from '../libs/ssh/src';
import type { ChangeSpec } from '../graphql/runs/run.entity';
import type { RunEventLevel } from '../graphql/runs/run-event.entity';

/** One device of one run, with what activities need to reach it (secrets still encrypted). */
export interface RunDeviceRow {
  backup_reason: string | null;
  change_spec: ChangeSpec | null;
  run_device_id: string;
  run_device_status: string;
  outcome: string | null;
  backup_snapshot_id: string | null;
  /** Change runs from a template: the device's rendered intended config. */
  intended: string | null;
  device_id: string;
  name: string;
  host: string;
  port: number;
  /** Checked by loadRunDevice. */
  platform: Platform;
  enable_secret_enc: string | null;
  credential_id: string;
  username: string;
  kind: 'password' | 'private_key';
  secret_enc: string;
  passphrase_enc: string | null;
}

export async function loadRunDevice(
  dataSource: DataSource,
  runId: string,
  deviceId: string,
): Promise<RunDeviceRow> {
  const rows: RunDeviceRow[] = await dataSource.query(
    `SELECT r.backup_reason, r.change_spec, rd.id AS run_device_id, rd.status AS run_device_status, rd.outcome,
            rd.backup_snapshot_id, rd.intended, d.id AS device_id, d.name, d.host, d.port, d.platform, d.enable_secret_enc,
            c.id AS credential_id, c.username, c.kind, c.secret_enc, c.passphrase_enc
       FROM run_devices rd
       JOIN runs r ON r.id = rd.run_id
       JOIN devices d ON d.id = rd.device_id
       JOIN credentials c ON c.id = d.credential_id
      WHERE rd.run_id = $1 AND rd.device_id = $2`,
    [runId, deviceId],
  );
  if (!rows[0]) {
    throw ApplicationFailure.create({
      type: 'DEVICE_GONE',
      message: `device ${deviceId} is not part of run ${runId} or was deleted`,
      nonRetryable: true,
    });
  }
  if (!isPlatform(rows[0].platform)) {
    throw ApplicationFailure.create({
      type: 'UNKNOWN_PLATFORM',
      message: `platform "${rows[0].platform}" is not supported`,
      nonRetryable: true,
    });
  }
  return rows[0];
}

/** The SSH target of a device, its secrets decrypted in memory only. */
export function sshTarget(device: RunDeviceRow, secrets: SecretBox): SshTarget {
  const secret = secrets.decrypt(device.secret_enc, `credential:${device.credential_id}:secret`);
  return {
    host: device.host,
    port: device.port,
    username: device.username,
    password: device.kind === 'password' ? secret : undefined,
    privateKey: device.kind === 'private_key' ? secret : undefined,
    passphrase: device.passphrase_enc
      ? secrets.decrypt(device.passphrase_enc, `credential:${device.credential_id}:passphrase`)
      : undefined,
    enableSecret: device.enable_secret_enc
      ? secrets.decrypt(device.enable_secret_enc, `device:${device.device_id}:enable`)
      : undefined,
    platform: device.platform,
  };
}

/** Append to the run log and tell listeners (at commit when inside a transaction). */
export async function runEvent(
  manager: EntityManager | DataSource,
  runId: string,
  level: RunEventLevel,
  deviceName: string | null,
  message: string,
  step?: { stepId: string; attempt?: number },
): Promise<void> {
  await manager.query(
    `INSERT INTO run_events (run_id, level, device_name, message, step_id, attempt) VALUES ($1, $2, $3, $4, $5, $6)`,
    [runId, level, deviceName, message, step?.stepId ?? null, step?.attempt ?? null],
  );
  await manager.query(`SELECT pg_notify($1, $2)`, [RUN_NOTIFY_CHANNEL, runId]);
}

/** A device by id with its SSH target (secrets decrypted in memory only), for work outside a run's device rows. */
export async function loadDeviceTarget(
  dataSource: DataSource,
  secrets: SecretBox,
  deviceId: string,
): Promise<{ id: string; name: string; platform: Platform; target: SshTarget }> {
  const rows: RunDeviceRow[] = await dataSource.query(
    `SELECT d.id AS device_id, d.name, d.host, d.port, d.platform, d.enable_secret_enc,
            c.id AS credential_id, c.username, c.kind, c.secret_enc, c.passphrase_enc
       FROM devices d JOIN credentials c ON c.id = d.credential_id
      WHERE d.id = $1`,
    [deviceId],
  );
  const device = rows[0];
  if (!device) {
    throw ApplicationFailure.create({
      type: 'DEVICE_GONE',
      message: `device ${deviceId} was deleted`,
      nonRetryable: true,
    });
  }
  if (!isPlatform(device.platform)) {
    throw ApplicationFailure.create({
      type: 'UNKNOWN_PLATFORM',
      message: `platform "${device.platform}" is not supported`,
      nonRetryable: true,
    });
  }
  return {
    id: device.device_id,
    name: device.name,
    platform: device.platform,
    target: sshTarget(device, secrets),
  };
}

/** An error of an SSH activity as the ApplicationFailure Temporal retries (or not) by its kind. */
export function toActivityFailure(error: unknown, cancelled: boolean): ApplicationFailure {
  if (cancelled)
    return ApplicationFailure.create({ type: 'CANCELLED', message: 'run cancelled', nonRetryable: true });
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof SshError) {
    return ApplicationFailure.create({
      type: error.kind,
      message: error.message,
      nonRetryable: !error.retryable,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({ type: 'ERROR', message, nonRetryable: false });
}
