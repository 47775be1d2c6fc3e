/**
 * sshExec against a tiny scripted ssh2 Server (loopback, ephemeral port) for what real hosts rarely
 * do on demand: exit by signal, close without an exit status, refuse the channel, stall the open.
 * The real-server cases (OpenSSH sshd, the device lab) are in test/ssh-exec.test.ts.
 */
import { once } from 'events';
import { AddressInfo } from 'net';
import { Server, ServerChannel, utils } from 'ssh2';
import { SshError } from './errors';
import { ExecOptions, sshExec } from './exec';
import { SshTarget } from './session';

jest.setTimeout(20_000);

/** ssh2 cannot parse about one generated ed25519 key in 200: draw until it can. */
function hostKey(): string {
  for (;;) {
    const key = utils.generateKeyPairSync('ed25519').private;
    if (!(utils.parseKey(key) instanceof Error)) return key;
  }
}
const HOST_KEY = hostKey();
const OPTS: ExecOptions = { connectTimeoutMs: 3000, timeoutMs: 3000 };

/** The server sees the close a moment after the client: poll briefly. */
async function eventually(condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 2000; !condition();) {
    if (Date.now() > deadline) throw new Error('condition still false after 2000 ms');
    await new Promise((r) => setTimeout(r, 10));
  }
}

type Script = (command: string, stream: ServerChannel) => void;

async function startServer(script: Script, opts: { refuseExec?: boolean; stallExec?: boolean } = {}) {
  const stats = { connections: 0, closed: 0, stdin: '' };
  const server = new Server({ hostKeys: [HOST_KEY] }, (client) => {
    stats.connections++;
    client.on('close', () => stats.closed++);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) =>
      ctx.method === 'password' && ctx.username === 'admin' && ctx.password === 'pw'
        ? ctx.accept()
        : ctx.reject(['password']),
    );
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, rejectExec, info) => {
          if (opts.stallExec) return;
          if (opts.refuseExec) return rejectExec();
          const stream = acceptExec();
          stream.on('error', () => undefined);
          stream.on('data', (d: Buffer) => (stats.stdin += d.toString('utf8')));
          script(info.command, stream);
        });
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const target: SshTarget = {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    username: 'admin',
    password: 'pw',
    platform: 'linux',
  };
  return { server, target, stats, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('sshExec (scripted ssh2 server)', () => {
  it('returns stdout, stderr and the exit code; a non-zero exit is a result', async () => {
    const s = await startServer((command, stream) => {
      stream.write(`ran ${command}\n`);
      stream.stderr.write('warning\n');
      stream.exit(2);
      stream.end();
    });
    try {
      const r = await sshExec(s.target, 'do-it', OPTS);
      expect(r).toMatchObject({
        exitCode: 2,
        exitSignal: null,
        stdout: 'ran do-it\n',
        stderr: 'warning\n',
        truncated: false,
      });
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
      await eventually(() => s.stats.closed === s.stats.connections);
    } finally {
      await s.stop();
    }
  });

  it('reports an exit by signal and a close without exit status', async () => {
    const s = await startServer((command, stream) => {
      if (command === 'killed') stream.exit('TERM', false, 'terminated');
      stream.end();
    });
    try {
      await expect(sshExec(s.target, 'killed', OPTS)).resolves.toMatchObject({
        exitCode: null,
        exitSignal: 'SIGTERM',
      });
      await expect(sshExec(s.target, 'silent', OPTS)).resolves.toMatchObject({
        exitCode: null,
        exitSignal: null,
      });
    } finally {
      await s.stop();
    }
  });

  it('sends stdin followed by end-of-file', async () => {
    const s = await startServer((_command, stream) => {
      stream.on('end', () => {
        stream.exit(0);
        stream.end();
      });
    });
    try {
      await sshExec(s.target, 'cat', { ...OPTS, stdin: 'line 1\nline 2\n' });
      expect(s.stats.stdin).toBe('line 1\nline 2\n');
    } finally {
      await s.stop();
    }
  });

  it('truncates each stream at maxOutputBytes without splitting a character', async () => {
    const s = await startServer((_command, stream) => {
      stream.write('ab€cd'); // € is 3 bytes: a b [e2 82 ac] c d
      stream.stderr.write('12');
      stream.exit(0);
      stream.end();
    });
    try {
      const r = await sshExec(s.target, 'x', { ...OPTS, maxOutputBytes: 3 });
      expect(r).toMatchObject({ stdout: 'ab', stderr: '12', truncated: true, exitCode: 0 });
    } finally {
      await s.stop();
    }
  });

  it('maps a refused channel to PROTOCOL and a stalled open to CONNECT_TIMEOUT', async () => {
    const refused = await startServer(() => undefined, { refuseExec: true });
    const stalled = await startServer(() => undefined, { stallExec: true });
    try {
      await expect(sshExec(refused.target, 'x', OPTS)).rejects.toMatchObject({ kind: 'PROTOCOL' });
      await expect(sshExec(stalled.target, 'x', { ...OPTS, connectTimeoutMs: 300 })).rejects.toMatchObject({
        kind: 'CONNECT_TIMEOUT',
        retryable: true,
      });
      await eventually(() => stalled.stats.closed === stalled.stats.connections);
    } finally {
      await refused.stop();
      await stalled.stop();
    }
  });

  it('maps a wrong password to AUTH_FAILED and a closed port to CONNECT_FAILED', async () => {
    const s = await startServer(() => undefined);
    try {
      const err = await sshExec({ ...s.target, password: 'wrong' }, 'x', OPTS).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshError);
      expect(err).toMatchObject({ kind: 'AUTH_FAILED', retryable: false });
      expect((err as Error).message).not.toContain('wrong');
    } finally {
      await s.stop();
    }
    await expect(sshExec(s.target, 'x', OPTS)).rejects.toMatchObject({ kind: 'CONNECT_FAILED' });
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      sshExec({ host: '127.0.0.1', port: 1, username: 'a', platform: 'linux' }, 'x', {
        ...OPTS,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ kind: 'CANCELLED', retryable: false });
  });
});
