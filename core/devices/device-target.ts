import type { SecretBox } from '../../libs/crypto/src/secret-box';
import { WorkFailure } from '../../libs/common/src/failures';
import { isPlatform, type Platform } from '../../libs/common/src/platforms';
import type { SshTarget } from '../../libs/ssh/src';
import type { Db } from '../runs/run-log';

/** A device with its credential, as stored (secrets still encrypted). */
export interface DeviceRow {
  device_id: string;
  name: string;
  host: string;
  port: number;
  /** Checked when loaded. */
  platform: Platform;
  enable_secret_enc: string | null;
  credential_id: string;
  username: string;
  kind: 'password' | 'private_key';
  secret_enc: string;
  passphrase_enc: string | null;
}

/** The AAD that binds each ciphertext to its row and field (see SecretBox). */
export const secretContext = (credentialId: string) => `credential:${credentialId}:secret`;
export const passphraseContext = (credentialId: string) => `credential:${credentialId}:passphrase`;
export const enableSecretContext = (deviceId: string) => `device:${deviceId}:enable`;

/** The SSH target of a device, its secrets decrypted in memory only (never logged, never returned). */
export function sshTarget(device: DeviceRow, secrets: SecretBox): SshTarget {
  const secret = secrets.decrypt(device.secret_enc, secretContext(device.credential_id));
  return {
    host: device.host,
    port: device.port,
    username: device.username,
    password: device.kind === 'password' ? secret : undefined,
    privateKey: device.kind === 'private_key' ? secret : undefined,
    passphrase: device.passphrase_enc
      ? secrets.decrypt(device.passphrase_enc, passphraseContext(device.credential_id))
      : undefined,
    enableSecret: device.enable_secret_enc
      ? secrets.decrypt(device.enable_secret_enc, enableSecretContext(device.device_id))
      : undefined,
    platform: device.platform,
  };
}

/** A device by id with its SSH target, for work outside a run's device rows (task items). */
export async function loadDeviceTarget(
  db: Db,
  secrets: SecretBox,
  deviceId: string,
): Promise<{ id: string; name: string; platform: Platform; target: SshTarget }> {
  const rows: DeviceRow[] = await db.query(
    `SELECT d.id AS device_id, d.name, d.host, d.port, d.platform, d.enable_secret_enc,
            c.id AS credential_id, c.username, c.kind, c.secret_enc, c.passphrase_enc
       FROM devices d JOIN credentials c ON c.id = d.credential_id
      WHERE d.id = $1`,
    [deviceId],
  );
  const device = rows[0];
  if (!device) throw new WorkFailure('DEVICE_GONE', `device ${deviceId} was deleted`);
  if (!isPlatform(device.platform)) {
    throw new WorkFailure('UNKNOWN_PLATFORM', `platform "${device.platform}" is not supported`);
  }
  return {
    id: device.device_id,
    name: device.name,
    platform: device.platform,
    target: sshTarget(device, secrets),
  };
}
