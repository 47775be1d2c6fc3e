import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { DeviceLab, type LabDeviceInfo } from '../apps/device-lab/src';
import { sshExec, type ExecOptions, type SshTarget } from '../libs/ssh/src';
import { waitFor } from '../scripts/infra/process';
import { startSshd, type Sshd } from './support/sshd';

/**
 * sshExec against real servers on loopback: OpenSSH sshd (test/support/sshd.ts, without the
 * ForceCommand of ssh-driver-sshd.test.ts, which would replace every exec command) and the device
 * lab's exec channel.
 */
const OPTS: ExecOptions = { connectTimeoutMs: 5000, timeoutMs: 10_000 };

const cancelled = (ms: number): AbortSignal => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
};

describe('sshExec against OpenSSH sshd', () => {
  let sshd: Sshd;
  let target: SshTarget;

  beforeAll(async () => {
    sshd = await startSshd();
    target = {
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.privateKey,
      platform: 'linux',
    };
  });

  afterAll(() => {
    sshd?.stop();
  });

  it('returns stdout and exit code 0', async () => {
    const r = await sshExec(target, 'echo hello; hostname', OPTS);
    expect(r).toMatchObject({
      exitCode: 0,
      exitSignal: null,
      stdout: `hello\n${os.hostname()}\n`,
      stderr: '',
      truncated: false,
    });
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it('returns a non-zero exit code with stderr instead of throwing', async () => {
    const r = await sshExec(target, "sh -c 'echo oops >&2; exit 3'", OPTS);
    expect(r).toMatchObject({ exitCode: 3, stdout: '', stderr: 'oops\n' });
  });

  it('feeds stdin and closes it', async () => {
    const script = 'set -e\nx=$((6 * 7))\necho "answer $x"\n';
    const r = await sshExec(target, 'sh -s', { ...OPTS, stdin: script });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'answer 42\n' });
    const wc = await sshExec(target, 'wc -c', { ...OPTS, stdin: 'x'.repeat(100_000) });
    expect(wc.stdout.trim()).toBe('100000');
  });

  it('times out with COMMAND_TIMEOUT and closes the connection', async () => {
    const started = Date.now();
    await expect(sshExec(target, 'sleep 30', { ...OPTS, timeoutMs: 500 })).rejects.toMatchObject({
      name: 'SshError',
      kind: 'COMMAND_TIMEOUT',
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('is cancelled by the abort signal', async () => {
    const started = Date.now();
    await expect(sshExec(target, 'sleep 30', { ...OPTS, signal: cancelled(300) })).rejects.toMatchObject({
      kind: 'CANCELLED',
      retryable: false,
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a wrong password (and an unknown key) as AUTH_FAILED', async () => {
    const { privateKey: _key, ...withoutKey } = target;
    await expect(
      sshExec({ ...withoutKey, password: 'definitely-wrong' }, 'true', OPTS),
    ).rejects.toMatchObject({ kind: 'AUTH_FAILED', retryable: false });
    const otherKey = execFileSync(
      'bash',
      ['-c', 'd=$(mktemp -d); ssh-keygen -q -t ed25519 -N "" -f $d/k; cat $d/k'],
      { encoding: 'utf8' },
    );
    await expect(sshExec({ ...target, privateKey: otherKey }, 'true', OPTS)).rejects.toMatchObject({
      kind: 'AUTH_FAILED',
    });
  });

  it('truncates each stream at maxOutputBytes (default 1 MiB) and still reports the exit', async () => {
    const small = await sshExec(target, 'seq 1 100000; seq 1 10 >&2', { ...OPTS, maxOutputBytes: 1000 });
    expect(small).toMatchObject({ exitCode: 0, truncated: true });
    expect(small.stdout).toHaveLength(1000);
    expect(small.stdout.startsWith('1\n2\n3\n')).toBe(true);
    expect(small.stderr).toBe(Array.from({ length: 10 }, (_, i) => `${i + 1}\n`).join(''));

    const big = await sshExec(target, "head -c 3000000 /dev/zero | tr '\\0' a", OPTS);
    expect(big).toMatchObject({ exitCode: 0, truncated: true });
    expect(big.stdout).toBe('a'.repeat(1024 * 1024));
  });
});

describe('sshExec against the device lab', () => {
  let lab: DeviceLab;
  let linux: LabDeviceInfo;
  let cisco: LabDeviceInfo;
  const targetOf = (d: LabDeviceInfo, password = d.password): SshTarget => ({
    host: d.host,
    port: d.port,
    username: d.username,
    password,
    platform: d.platform,
  });

  beforeAll(async () => {
    lab = await DeviceLab.start({
      devices: [
        { name: 'exec-linux', platform: 'linux' },
        { name: 'exec-ios', platform: 'cisco_ios' },
      ],
    });
    [linux, cisco] = lab.devices() as [LabDeviceInfo, LabDeviceInfo];
  });
  afterAll(async () => {
    await lab?.stop();
  });
  /** The lab sees the close a moment after sshExec has settled. */
  const closed = (d: LabDeviceInfo) =>
    waitFor(`${d.name} sessions to close`, () => lab.openSessions(d.name) === 0, {
      timeoutMs: 2000,
      intervalMs: 20,
    });
  afterEach(async () => {
    for (const d of lab.devices()) {
      lab.clearFaults(d.name);
      await closed(d);
    }
  });

  it('runs a command with exit code 0 and the output the device prints', async () => {
    const r = await sshExec(targetOf(linux), 'uname -a', OPTS);
    expect(r).toMatchObject({ exitCode: 0, stderr: '', truncated: false });
    expect(r.stdout).toBe(`${lab.expectedOutput(linux.name, 'uname -a')}\n`);
    expect(lab.commandLog(linux.name)).toContain('uname -a');

    const ios = await sshExec(targetOf(cisco), 'show version', OPTS);
    expect(ios.exitCode).toBe(0);
    expect(ios.stdout.replace(/\r\n/g, '\n')).toContain(lab.expectedOutput(cisco.name, 'show version'));
  });

  it('returns exit code 127 for an unknown command', async () => {
    const r = await sshExec(targetOf(linux), 'nosuchcommand', OPTS);
    expect(r).toMatchObject({ exitCode: 127, stdout: 'bash: nosuchcommand: command not found\n' });
  });

  it('reports a wrong password and the wrongPassword fault as AUTH_FAILED', async () => {
    await expect(sshExec(targetOf(linux, 'nope'), 'uname', OPTS)).rejects.toMatchObject({
      kind: 'AUTH_FAILED',
    });
    lab.setFaults(linux.name, { wrongPassword: true });
    await expect(sshExec(targetOf(linux), 'uname', OPTS)).rejects.toMatchObject({ kind: 'AUTH_FAILED' });
  });

  it('times out on a hung device and closes the connection', async () => {
    lab.setFaults(linux.name, { hang: true });
    await expect(sshExec(targetOf(linux), 'uname -a', { ...OPTS, timeoutMs: 500 })).rejects.toMatchObject({
      kind: 'COMMAND_TIMEOUT',
    });
    await closed(linux);
  });

  it('is cancelled by the abort signal while the device is slow', async () => {
    lab.setFaults(linux.name, { commandLatencyMs: 10_000 });
    await expect(
      sshExec(targetOf(linux), 'uname -a', { ...OPTS, signal: cancelled(300) }),
    ).rejects.toMatchObject({ kind: 'CANCELLED' });
    await closed(linux);
  });

  it('truncates a large output', async () => {
    lab.setFaults(cisco.name, { largeOutputBytes: 200_000 });
    const r = await sshExec(targetOf(cisco), 'show running-config', { ...OPTS, maxOutputBytes: 4096 });
    expect(r).toMatchObject({ exitCode: 0, truncated: true });
    expect(Buffer.byteLength(r.stdout)).toBe(4096);
  });
});
