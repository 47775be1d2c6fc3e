import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { SshSession } from '../libs/ssh/src';
import { startSshd, type Sshd } from './support/sshd';

/**
 * The driver against a real host: OpenSSH sshd on loopback (installed by .ci/run), key login,
 * an interactive bash with the stock Debian prompt. Proves the `linux` platform on a real server.
 */
describe('SSH driver against OpenSSH sshd', () => {
  let sshd: Sshd;
  let port: number;
  let privateKey: string;
  const username = os.userInfo().username;
  const hostname = os.hostname();

  beforeAll(async () => {
    sshd = await startSshd([
      // A known interactive shell with the stock Debian prompt, whatever the machine's dotfiles say.
      'SetEnv PS1="\\u@\\h:\\w\\$ "',
      'ForceCommand /bin/bash --norc --noprofile -i',
    ]);
    ({ port, privateKey } = sshd);
  });

  afterAll(() => {
    sshd?.stop();
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
