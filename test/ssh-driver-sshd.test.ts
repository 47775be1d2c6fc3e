import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, portIsOpen } from '../scripts/infra/process';
import { SshSession } from '../libs/ssh/src';
import { waitFor } from './support/harness';

/**
 * The driver against a real host: OpenSSH sshd on loopback (installed by .ci/run), key login,
 * an interactive bash with the stock Debian prompt. Proves the `linux` platform on a real server.
 */
const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));

describe('SSH driver against OpenSSH sshd', () => {
  let sshd: ChildProcess;
  let port: number;
  let privateKey: string;
  const username = os.userInfo().username;
  const hostname = os.hostname();

  beforeAll(async () => {
    if (!SSHD)
      throw new Error(
        'OpenSSH sshd is not installed (apt-get install -y openssh-server); .ci/run installs it',
      );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-sshd-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
    writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')));
    privateKey = readFileSync(path.join(dir, 'client_key'), 'utf8');
    port = await freePort();
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
        // A known interactive shell with the stock Debian prompt, whatever the machine's dotfiles say.
        'SetEnv PS1="\\u@\\h:\\w\\$ "',
        'ForceCommand /bin/bash --norc --noprofile -i',
        '',
      ].join('\n'),
    );
    sshd = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    sshd.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor(`sshd on port ${port} (${log})`, () => portIsOpen('127.0.0.1', port), {
      timeoutMs: 10_000,
    });
  });

  afterAll(() => {
    sshd?.kill();
  });

  const open = () =>
    SshSession.open(
      { host: '127.0.0.1', port, username, privateKey, platform: 'linux' },
      { connectTimeoutMs: 5000, promptTimeoutMs: 5000, commandTimeoutMs: 10_000 },
    );

  it('runs commands and returns exactly what the host prints', async () => {
    const session = await open();
    try {
      const uname = await session.run('uname -a');
      expect(uname.output.trim()).toBe(execFileSync('uname', ['-a'], { encoding: 'utf8' }).trim());
      expect(uname.error).toBeNull();
      expect((await session.run('hostname')).output.trim()).toBe(hostname);
      expect((await session.run('echo $((6 * 7))')).output.trim()).toBe('42');
    } finally {
      await session.close();
    }
  });

  it('keeps large outputs whole and reports an unknown command as a command error', async () => {
    const session = await open();
    try {
      const seq = await session.run('seq 1 200000');
      const lines = seq.output.trim().split('\n');
      expect(lines).toHaveLength(200000);
      expect(lines[0]).toBe('1');
      expect(lines.at(-1)).toBe('200000');
      const missing = await session.run('nosuchcommand-xyz');
      expect(missing.error).toBe('bash: nosuchcommand-xyz: command not found');
    } finally {
      await session.close();
    }
  });

  it('reports a rejected key as AUTH_FAILED', async () => {
    const otherKey = execFileSync(
      'bash',
      ['-c', 'd=$(mktemp -d); ssh-keygen -q -t ed25519 -N "" -f $d/k; cat $d/k'],
      {
        encoding: 'utf8',
      },
    );
    await expect(
      SshSession.open(
        { host: '127.0.0.1', port, username, privateKey: otherKey, platform: 'linux' },
        { connectTimeoutMs: 5000, promptTimeoutMs: 5000, commandTimeoutMs: 5000 },
      ),
    ).rejects.toMatchObject({ kind: 'AUTH_FAILED', retryable: false });
  });
});
