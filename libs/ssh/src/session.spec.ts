/**
 * SshSession against a tiny scripted ssh2 Server (loopback, ephemeral port) that behaves like the
 * vendors in docs/vendor-cli.md: echo, prompts, enable, paging with a pager prompt, invalid commands.
 */
import { once } from 'events';
import { AddressInfo } from 'net';
import { Server, ServerChannel, utils } from 'ssh2';
import { Platform } from '../../common/src/platforms';
import { SshError } from './errors';
import { SshSession, SshSessionOptions, SshTarget } from './session';

jest.setTimeout(20_000);

const HOST_KEY = utils.generateKeyPairSync('ed25519').private;

type Dialect = {
  prompt: (privileged: boolean) => string;
  enable: { command: string; passwordPrompt: string; success: string; failure: string } | null;
  pagingOff: string;
  pagingOffReply: string;
  pager: string;
  erase: string;
  invalid: (command: string) => string;
  versionCommand: string;
};

const CR = '\r\n';
const DIALECTS: Partial<Record<Platform, Dialect>> = {
  cisco_ios: {
    prompt: (p) => (p ? 'R1#' : 'R1>'),
    enable: {
      command: 'enable',
      passwordPrompt: 'Password: ',
      success: '',
      failure: `% Bad secrets${CR}${CR}`,
    },
    pagingOff: 'terminal length 0',
    pagingOffReply: '',
    pager: ' --More-- ',
    erase: '\b'.repeat(10) + ' '.repeat(10) + '\b'.repeat(10),
    invalid: (c) => `${' '.repeat(c.length + 3)}^${CR}% Invalid input detected at '^' marker.${CR}${CR}`,
    versionCommand: 'show version',
  },
  huawei: {
    prompt: () => '<HW1>',
    enable: {
      command: 'super',
      passwordPrompt: 'Password:',
      success: `Now user privilege is 3 level, and only those commands whose level is equal to or less than this level can be used.${CR} Privilege note: 0-VISIT, 1-MONITOR, 2-SYSTEM, 3-MANAGE${CR}`,
      failure: `Error: Failed to pass the authentication.${CR}`,
    },
    pagingOff: 'screen-length 0 temporary-display',
    pagingOffReply: `Info: The configuration takes effect on the current user terminal interface only.${CR}`,
    pager: '  ---- More ----',
    erase: '\x1b[42D' + ' '.repeat(42) + '\x1b[42D',
    invalid: (c) =>
      `${' '.repeat(c.length + 4)}^${CR}Error: Unrecognized command found at '^' position.${CR}`,
    versionCommand: 'display version',
  },
  juniper_junos: {
    prompt: () => 'admin@mx1> ',
    enable: null,
    pagingOff: 'set cli screen-length 0',
    pagingOffReply: `Screen length set to 0${CR}${CR}`,
    pager: '---(more 50%)---',
    erase: '\r' + ' '.repeat(16) + '\r',
    invalid: (c) => `${' '.repeat(c.length + 10)}^${CR}unknown command.${CR}${CR}`,
    versionCommand: 'show version',
  },
  linux: {
    prompt: (p) => (p ? 'root@srv1:/home/admin# ' : '\x1b[01;32madmin@srv1\x1b[00m:\x1b[01;34m~\x1b[00m$ '),
    enable: {
      command: 'sudo -s',
      passwordPrompt: '[sudo] password for admin: ',
      success: '',
      failure: `Sorry, try again.${CR}`,
    },
    pagingOff: '',
    pagingOffReply: '',
    pager: '',
    erase: '',
    invalid: (c) => `${c.split(' ')[0]}: command not found${CR}`,
    versionCommand: 'uname -a',
  },
};

interface DeviceOptions {
  platform: Platform;
  password?: string;
  keyboardInteractiveOnly?: boolean;
  enableSecret?: string;
  /** Banner pieces written before the prompt, with a delay between pieces. */
  banner?: { pieces: string[]; delayMs: number };
  /** Hung CLI: never print a prompt or anything else after the banner. */
  noPrompt?: boolean;
  /** Print the first prompt only after the user presses return ("Press RETURN to get started"). */
  promptAfterReturn?: boolean;
  /** Before handling the next command line, print a late prompt (an answer to an earlier newline). */
  latePromptBeforeEcho?: boolean;
  /** Accept the paging-off command but keep paging (some real firmware does). */
  ignorePagingOff?: boolean;
}

interface DeviceStats {
  commands: string[];
  pagerPrompts: number;
  spacesReceived: number;
  pty: { term: string; cols: number; rows: number } | null;
  connections: number;
  closedConnections: number;
  hangStarted: boolean;
}

const VERSION_LINES = Array.from(
  { length: 60 },
  (_, i) => `version line ${String(i + 1).padStart(2, '0')}: uptime is 2 hours`,
);
const BIG_LINE = 'interface GigabitEthernet0/0/1 description uplink to core switch number one, vlan 10-20';
const BIG_LINES = Math.ceil((5 * 1024 * 1024) / (BIG_LINE.length + 2));

async function writeAll(stream: ServerChannel, text: string): Promise<void> {
  const CHUNK = 64 * 1024;
  for (let i = 0; i < text.length; i += CHUNK) {
    if (!stream.write(text.slice(i, i + CHUNK))) await once(stream, 'drain');
  }
}

async function startDevice(opts: DeviceOptions) {
  const dialect = DIALECTS[opts.platform];
  if (!dialect) throw new Error(`no dialect ${opts.platform}`);
  const password = opts.password ?? 'pw';
  const stats: DeviceStats = {
    commands: [],
    pagerPrompts: 0,
    spacesReceived: 0,
    pty: null,
    connections: 0,
    closedConnections: 0,
    hangStarted: false,
  };
  const clients = new Set<{ end(): unknown }>();

  const server = new Server({ hostKeys: [HOST_KEY] }, (client) => {
    stats.connections++;
    clients.add(client);
    client.on('close', () => {
      stats.closedConnections++;
      clients.delete(client);
    });
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.username !== 'admin') return ctx.reject();
      if (!opts.keyboardInteractiveOnly && ctx.method === 'password') {
        return ctx.password === password ? ctx.accept() : ctx.reject();
      }
      if (opts.keyboardInteractiveOnly && ctx.method === 'keyboard-interactive') {
        return ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) =>
          answers[0] === password ? ctx.accept() : ctx.reject(),
        );
      }
      ctx.reject(opts.keyboardInteractiveOnly ? ['keyboard-interactive'] : ['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (acceptPty, _reject, info) => {
          stats.pty = { term: info.term, cols: info.cols, rows: info.rows };
          acceptPty?.();
        });
        session.on('shell', (acceptShell) => {
          const stream = acceptShell();
          stream.on('error', () => undefined);
          void runShell(stream, () => client.end());
        });
      });
    });
  });

  async function runShell(stream: ServerChannel, dropConnection: () => void) {
    let privileged = false;
    let paging = true;
    let line = '';
    let lastWasCr = false;
    let awaitingSecret = 0; // attempts so far while a password prompt is shown
    let pagerResume: (() => void) | null = null;
    let busy = false;

    const prompt = () => dialect!.prompt(privileged);

    if (opts.banner) {
      for (const piece of opts.banner.pieces) {
        stream.write(piece);
        await new Promise((r) => setTimeout(r, opts.banner!.delayMs));
      }
    }
    if (opts.promptAfterReturn)
      stream.write(`${CR}R1 con0 is now available${CR}${CR}Press RETURN to get started.${CR}`);
    else if (!opts.noPrompt) stream.write(prompt());

    const writePaged = async (lines: string[]) => {
      for (let i = 0; i < lines.length; i++) {
        stream.write(lines[i] + CR);
        if (paging && dialect!.pager && (i + 1) % 23 === 0 && i + 1 < lines.length) {
          stream.write(dialect!.pager);
          stats.pagerPrompts++;
          await new Promise<void>((r) => (pagerResume = r));
          stream.write(dialect!.erase);
        }
      }
    };

    const handle = async (command: string) => {
      const d = dialect!;
      const secretPending = awaitingSecret > 0;
      if (secretPending && d.enable) {
        if (command === opts.enableSecret) {
          awaitingSecret = 0;
          privileged = true;
          stream.write(CR + d.enable.success + prompt());
        } else if (awaitingSecret < 3) {
          awaitingSecret++;
          stream.write(CR + (opts.platform === 'linux' ? d.enable.failure : '') + d.enable.passwordPrompt);
        } else {
          awaitingSecret = 0;
          stream.write(CR + d.enable.failure + prompt());
        }
        return;
      }
      stats.commands.push(command);
      if (opts.noPrompt) return;
      if (command === '') return void stream.write(prompt());
      if (d.enable && command === d.enable.command) {
        awaitingSecret = 1;
        return void stream.write(d.enable.passwordPrompt);
      }
      if (command === d.pagingOff) {
        if (!opts.ignorePagingOff) paging = false;
        return void stream.write(d.pagingOffReply + prompt());
      }
      if (command === d.versionCommand) {
        await writePaged(VERSION_LINES);
        return void stream.write(prompt());
      }
      if (command === 'show big') {
        await writeAll(stream, `${BIG_LINE}${CR}`.repeat(BIG_LINES));
        return void stream.write(prompt());
      }
      if (command === 'show die') {
        await writeAll(stream, `${BIG_LINE}${CR}`.repeat(2000));
        return dropConnection();
      }
      if (command === 'show hang') {
        stream.write(`partial output${CR}`);
        stats.hangStarted = true;
        return;
      }
      if (command === 'show slow') {
        for (const piece of ['slow 1', CR, 'slow 2', CR, prompt().slice(0, 2)]) {
          stream.write(piece);
          await new Promise((r) => setTimeout(r, 30));
        }
        return void stream.write(prompt().slice(2));
      }
      stream.write(d.invalid(command) + prompt());
    };

    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (pagerResume) {
          if (ch === ' ') {
            stats.spacesReceived++;
            const resume = pagerResume;
            pagerResume = null;
            resume();
          }
          continue;
        }
        if (ch === '\n' && lastWasCr) {
          lastWasCr = false;
          continue;
        }
        lastWasCr = ch === '\r';
        if (ch === '\r' || ch === '\n') {
          const command = line.trim();
          line = '';
          if (awaitingSecret === 0) stream.write(CR);
          if (busy) continue;
          busy = true;
          void handle(command).finally(() => (busy = false));
          continue;
        }
        line += ch;
        if (awaitingSecret === 0) stream.write(ch); // echo, but never the secret
      }
    };
    stream.on('data', (data: Buffer) => {
      if (opts.latePromptBeforeEcho && awaitingSecret === 0 && !pagerResume) {
        stream.write(CR + prompt());
        setTimeout(() => onData(data), 100);
      } else {
        onData(data);
      }
    });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    stats,
    async stop() {
      for (const c of clients) c.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function expectSshError(promise: Promise<unknown>, kind: SshError['kind']): Promise<SshError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).kind).toBe(kind);
    return err as SshError;
  }
  throw new Error(`expected SshError ${kind}, but the call succeeded`);
}

const OPTS: SshSessionOptions = { connectTimeoutMs: 5000, promptTimeoutMs: 3000, commandTimeoutMs: 5000 };

describe('SshSession against a scripted ssh2 server', () => {
  let device: Awaited<ReturnType<typeof startDevice>> | null = null;
  const sessions: SshSession[] = [];

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await device?.stop();
    device = null;
  });

  const target = (platform: Platform, extra: Partial<SshTarget> = {}): SshTarget => ({
    host: '127.0.0.1',
    port: device!.port,
    username: 'admin',
    password: 'pw',
    platform,
    ...extra,
  });
  const open = async (t: SshTarget, o: Partial<SshSessionOptions> = {}) => {
    const s = await SshSession.open(t, { ...OPTS, ...o });
    sessions.push(s);
    return s;
  };

  it('logs in, enters enable mode, turns paging off and runs commands (cisco_ios)', async () => {
    device = await startDevice({ platform: 'cisco_ios', enableSecret: 'en-secret' });
    const s = await open(target('cisco_ios', { enableSecret: 'en-secret' }));
    expect(s.basePrompt).toBe('R1');
    expect(device.stats.pty).toEqual({ term: 'vt100', cols: 511, rows: 24 });
    expect(device.stats.commands).toEqual(['enable', 'terminal length 0']);

    const result = await s.run('show version');
    expect(result.command).toBe('show version');
    expect(result.output).toBe(VERSION_LINES.join('\n'));
    expect(result.error).toBeNull();
    expect(result.bytes).toBeGreaterThan(VERSION_LINES.join('\r\n').length);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(device.stats.pagerPrompts).toBe(0);

    const bad = await s.run('show versoin');
    expect(bad.error).toBe("% Invalid input detected at '^' marker.");

    // A prompt split across chunks is still found.
    const slow = await s.run('show slow');
    expect(slow.output).toBe('slow 1\nslow 2');
  });

  it('a late prompt arriving before the echo is not taken for the end of the output', async () => {
    device = await startDevice({ platform: 'cisco_ios', latePromptBeforeEcho: true, enableSecret: 'en' });
    const s = await open(target('cisco_ios', { enableSecret: 'en' }));
    expect(device.stats.commands).toEqual(['enable', 'terminal length 0']);
    const result = await s.run('show version');
    expect(result.output).toBe(VERSION_LINES.join('\n'));
    expect((await s.run('show versoin')).error).toMatch(/Invalid input/);
  });

  it('serializes concurrent run() calls', async () => {
    device = await startDevice({ platform: 'cisco_ios' });
    const s = await open(target('cisco_ios'));
    const [a, b] = await Promise.all([s.run('show version'), s.run('show versoin')]);
    expect(a.output).toBe(VERSION_LINES.join('\n'));
    expect(b.error).toMatch(/Invalid input/);
  });

  it('answers a pager prompt with a space when paging stays on', async () => {
    device = await startDevice({ platform: 'cisco_ios', ignorePagingOff: true });
    const s = await open(target('cisco_ios'));
    const result = await s.run('show version');
    expect(device.stats.pagerPrompts).toBe(2);
    expect(device.stats.spacesReceived).toBe(2);
    expect(result.output).toBe(VERSION_LINES.join('\n'));
  });

  it('huawei: super, VRP pager erased with ESC[42D, Error: line', async () => {
    device = await startDevice({ platform: 'huawei', enableSecret: 'sup', ignorePagingOff: true });
    const s = await open(target('huawei', { enableSecret: 'sup' }));
    expect(s.basePrompt).toBe('HW1');
    expect(device.stats.commands).toEqual(['super', 'screen-length 0 temporary-display']);
    const result = await s.run('display version');
    expect(device.stats.spacesReceived).toBe(2);
    expect(result.output).toBe(VERSION_LINES.join('\n'));
    const bad = await s.run('display versoin');
    expect(bad.error).toBe("Error: Unrecognized command found at '^' position.");
  });

  it('juniper_junos: no privileged mode, ---(more)--- pager', async () => {
    device = await startDevice({ platform: 'juniper_junos', ignorePagingOff: true });
    const s = await open(target('juniper_junos', { enableSecret: 'ignored' }));
    expect(s.basePrompt).toBe('admin@mx1');
    expect(device.stats.commands).toEqual(['set cli screen-length 0']);
    const result = await s.run('show version');
    expect(result.output).toBe(VERSION_LINES.join('\n'));
    expect((await s.run('shw version')).error).toBe('unknown command.');
  });

  it('linux: sudo -s changes the prompt to root@host', async () => {
    device = await startDevice({ platform: 'linux', enableSecret: 'sudo-pw' });
    const s = await open(target('linux', { enableSecret: 'sudo-pw' }));
    expect(s.basePrompt).toBe('root@srv1');
    const result = await s.run('uname -a');
    expect(result.output).toBe(VERSION_LINES.join('\n'));
    expect((await s.run('foo --bar')).error).toBe('foo: command not found');
  });

  it('tolerates a slow banner before the first prompt', async () => {
    device = await startDevice({
      platform: 'cisco_ios',
      banner: {
        pieces: ['\r\n*** Authorized', ' access only ***\r\n', 'Line 2\r\n', 'Line 3\r\n', '\r\n'],
        delayMs: 120,
      },
    });
    const s = await open(target('cisco_ios'));
    expect(s.basePrompt).toBe('R1');
  });

  it('collects 5 MB of output efficiently', async () => {
    device = await startDevice({ platform: 'cisco_ios' });
    let received = 0;
    const s = await open(target('cisco_ios'), { onData: (n) => (received += n) });
    const before = received;
    const started = Date.now();
    const result = await s.run('show big', { timeoutMs: 15_000 });
    const elapsed = Date.now() - started;
    const lines = result.output.split('\n');
    expect(lines).toHaveLength(BIG_LINES);
    expect(lines[0]).toBe(BIG_LINE);
    expect(lines[lines.length - 1]).toBe(BIG_LINE);
    expect(result.bytes).toBeGreaterThanOrEqual(5 * 1024 * 1024);
    expect(received - before).toBe(result.bytes);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('wrong password → AUTH_FAILED (not retryable, no secret in the message)', async () => {
    device = await startDevice({ platform: 'cisco_ios' });
    const err = await expectSshError(
      SshSession.open(target('cisco_ios', { password: 'wrong-pw-123' }), OPTS),
      'AUTH_FAILED',
    );
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('wrong-pw-123');
  });

  it('keyboard-interactive password authentication', async () => {
    device = await startDevice({ platform: 'cisco_ios', keyboardInteractiveOnly: true });
    const s = await open(target('cisco_ios'));
    expect(s.basePrompt).toBe('R1');
  });

  it('wrong enable secret → ENABLE_FAILED', async () => {
    device = await startDevice({ platform: 'cisco_ios', enableSecret: 'right' });
    const err = await expectSshError(
      SshSession.open(target('cisco_ios', { enableSecret: 'wrong-secret-456' }), OPTS),
      'ENABLE_FAILED',
    );
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('wrong-secret-456');
    await waitFor(() => device!.stats.closedConnections === 1, 5000, 'connection closed');
  });

  it('wrong sudo password → ENABLE_FAILED (linux)', async () => {
    device = await startDevice({ platform: 'linux', enableSecret: 'right' });
    await expectSshError(SshSession.open(target('linux', { enableSecret: 'nope' }), OPTS), 'ENABLE_FAILED');
  });

  it('no prompt after login → PROMPT_TIMEOUT', async () => {
    device = await startDevice({ platform: 'cisco_ios', noPrompt: true });
    const started = Date.now();
    const err = await expectSshError(
      SshSession.open(target('cisco_ios'), { ...OPTS, promptTimeoutMs: 1500 }),
      'PROMPT_TIMEOUT',
    );
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
    // The driver nudged the device with newlines while waiting.
    expect(device.stats.commands.length).toBeGreaterThan(0);
  });

  it('nudges a device that shows its prompt only after RETURN', async () => {
    device = await startDevice({ platform: 'cisco_ios', promptAfterReturn: true });
    const s = await open(target('cisco_ios'));
    expect(s.basePrompt).toBe('R1');
    expect(device.stats.commands[0]).toBe('');
  });

  it('a prompt of another platform → UNKNOWN_PLATFORM', async () => {
    device = await startDevice({ platform: 'huawei' });
    await expectSshError(
      SshSession.open(target('cisco_ios'), { ...OPTS, promptTimeoutMs: 800 }),
      'UNKNOWN_PLATFORM',
    );
  });

  it('an unknown platform name → UNKNOWN_PLATFORM', async () => {
    device = await startDevice({ platform: 'cisco_ios' });
    await expectSshError(SshSession.open(target('nx_os' as Platform), OPTS), 'UNKNOWN_PLATFORM');
  });

  it('server closes the connection mid-output → CONNECTION_LOST', async () => {
    device = await startDevice({ platform: 'cisco_ios' });
    const s = await open(target('cisco_ios'));
    const err = await expectSshError(s.run('show die'), 'CONNECTION_LOST');
    expect(err.retryable).toBe(true);
    expect(s.isOpen).toBe(false);
    await expectSshError(s.run('show version'), 'CONNECTION_LOST');
  });

  it('output that never ends with a prompt → COMMAND_TIMEOUT within the deadline', async () => {
    device = await startDevice({ platform: 'cisco_ios' });
    const s = await open(target('cisco_ios'));
    const started = Date.now();
    const err = await expectSshError(s.run('show hang', { timeoutMs: 400 }), 'COMMAND_TIMEOUT');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(1500);
    expect(err.retryable).toBe(true);
    // The session is unusable after a timeout (late output would corrupt the next command): closed.
    await waitFor(() => device!.stats.closedConnections === 1, 5000, 'connection closed');
  });

  it('abort → CANCELLED and the server sees the connection closed', async () => {
    device = await startDevice({ platform: 'cisco_ios' });
    const controller = new AbortController();
    const s = await open(target('cisco_ios'), { signal: controller.signal });
    const pending = s.run('show hang');
    await waitFor(() => device!.stats.hangStarted, 5000, 'command started');
    controller.abort();
    const err = await expectSshError(pending, 'CANCELLED');
    expect(err.retryable).toBe(false);
    await waitFor(() => device!.stats.closedConnections === 1, 5000, 'server saw the close');
  });

  it('abort while connecting → CANCELLED; an already-aborted signal fails fast', async () => {
    device = await startDevice({ platform: 'cisco_ios', noPrompt: true });
    const controller = new AbortController();
    const opening = SshSession.open(target('cisco_ios'), { ...OPTS, signal: controller.signal });
    await waitFor(() => device!.stats.connections === 1, 5000, 'connection');
    controller.abort();
    await expectSshError(opening, 'CANCELLED');
    await waitFor(() => device!.stats.closedConnections === 1, 5000, 'server saw the close');
    await expectSshError(
      SshSession.open(target('cisco_ios'), { ...OPTS, signal: controller.signal }),
      'CANCELLED',
    );
  });

  it('close() is idempotent and later calls are rejected', async () => {
    device = await startDevice({ platform: 'cisco_ios' });
    const s = await open(target('cisco_ios'));
    await s.close();
    await s.close();
    expect(s.isOpen).toBe(false);
    await expectSshError(s.run('show version'), 'CANCELLED');
    await waitFor(() => device!.stats.closedConnections === 1, 5000, 'server saw the close');
  });

  it('connection refused → CONNECT_FAILED (retryable)', async () => {
    device = await startDevice({ platform: 'cisco_ios' });
    const port = device.port;
    await device.stop();
    device = null;
    const err = await expectSshError(
      SshSession.open(
        { host: '127.0.0.1', port, username: 'admin', password: 'pw', platform: 'cisco_ios' },
        OPTS,
      ),
      'CONNECT_FAILED',
    );
    expect(err.retryable).toBe(true);
  });
});
