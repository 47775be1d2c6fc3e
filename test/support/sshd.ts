import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, portIsOpen, waitFor } from '../../scripts/infra/process';

const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));

export interface Sshd {
  port: number;
  /** The user the tests run as; its login is by key only. */
  username: string;
  /** The client key that sshd accepts (OpenSSH format). */
  privateKey: string;
  /** The listening sshd; its children serve the connections. */
  pid: number;
  stop(): void;
}

/**
 * A throwaway OpenSSH sshd on a free loopback port (`npm test` installs it): its own host key, one
 * accepted client key, no passwords, no PAM. `extraConfig` lines are appended to sshd_config
 * (for instance a ForceCommand).
 */
export async function startSshd(extraConfig: string[] = []): Promise<Sshd> {
  if (!SSHD)
    throw new Error(
      'OpenSSH sshd is not installed (apt-get install -y openssh-server); `npm test` installs it',
    );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-sshd-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')));
  const port = await freePort();
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true });
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      ...extraConfig,
      '',
    ].join('\n'),
  );
  const sshd = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  sshd.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await waitFor(`sshd on port ${port} (${log})`, () => portIsOpen('127.0.0.1', port), {
    timeoutMs: 10_000,
  });
  return {
    port,
    username: os.userInfo().username,
    privateKey: readFileSync(path.join(dir, 'client_key'), 'utf8'),
    pid: sshd.pid!,
    stop: () => sshd.kill(),
  };
}
