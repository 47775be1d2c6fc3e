/**
 * One command (or script) over an SSH `exec` channel: no pty, no prompt detection, the exit status
 * the host reports. For hosts with a real command runner (Linux, appliances); network CLIs that must
 * be driven interactively keep using {@link SshSession}.
 *
 * A non-zero exit is a result, not an error: the caller decides what a failed command means. Errors
 * are the SshError kinds of ./errors, so activities branch on them exactly as for SshSession.
 */
import { Client } from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { connectConfig } from './connect';
import { StringDecoder } from 'string_decoder';
import { SshError, toSshError } from './errors';
import type { SshTarget } from './session';

export interface ExecOptions {
  /** TCP connect + SSH handshake + authentication + opening the exec channel. */
  connectTimeoutMs: number;
  /** From the moment the command is sent until it exits; then the connection is closed, kind COMMAND_TIMEOUT. */
  timeoutMs: number;
  /** Aborting closes the connection and rejects with kind CANCELLED. */
  signal?: AbortSignal;
  /** Bytes kept per stream (stdout and stderr each); the rest is dropped and `truncated` set. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Written to the command's standard input, followed by end-of-file. Without it stdin is closed at once. */
  stdin?: string;
}

export interface ExecResult {
  /** The exit status the host reported; null when it reported a signal or nothing at all. */
  exitCode: number | null;
  /** The signal that ended the command (`SIGTERM`, `SIGKILL`, ... as child_process names them); null otherwise. */
  exitSignal: string | null;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr was longer than `maxOutputBytes` and was cut. */
  truncated: boolean;
  durationMs: number;
}

export const EXEC_MAX_OUTPUT_BYTES = 1024 * 1024;
/** After `end()`, how long the peer gets to close its side before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/** Collects one stream up to a byte limit; bytes past it are counted, not kept. */
class CappedText {
  private readonly decoder = new StringDecoder('utf8');
  private readonly parts: string[] = [];
  private kept = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  write(chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.limit - this.kept;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (chunk.length > room) this.truncated = true;
    this.kept += part.length;
    this.parts.push(this.decoder.write(part));
  }

  /** A character cut in half by the limit is dropped rather than shown as U+FFFD. */
  text(): string {
    if (!this.truncated) this.parts.push(this.decoder.end());
    return this.parts.join('');
  }
}

/** Runs `command` on the target over an exec channel and returns its output and exit status. */
export function sshExec(target: SshTarget, command: string, options: ExecOptions): Promise<ExecResult> {
  const where = `${target.username}@${target.host}:${target.port}`;
  const started = Date.now();
  const limit = options.maxOutputBytes ?? EXEC_MAX_OUTPUT_BYTES;
  if (!Number.isInteger(limit) || limit < 0) {
    return Promise.reject(new RangeError(`maxOutputBytes must be an integer >= 0, got ${limit}`));
  }
  if (options.signal?.aborted) {
    return Promise.reject(new SshError('CANCELLED', `SSH exec on ${where} was cancelled`));
  }

  return new Promise<ExecResult>((resolve, reject) => {
    const client = new Client();
    const stdout = new CappedText(limit);
    const stderr = new CappedText(limit);
    let channel: ClientChannel | null = null;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let outcome: { error: SshError } | { result: ExecResult } | null = null;
    let clientClosed = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let commandTimer: NodeJS.Timeout | undefined;

    const connectTimer = setTimeout(
      () =>
        fail(
          new SshError(
            'CONNECT_TIMEOUT',
            `Timed out after ${options.connectTimeoutMs} ms connecting to ${where}`,
          ),
        ),
      options.connectTimeoutMs,
    );
    const onAbort = (): void => fail(new SshError('CANCELLED', `SSH exec on ${where} was cancelled`));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    /** Settles once the connection is closed, so a returned call never leaves a socket behind. */
    const settle = (): void => {
      if (!clientClosed || outcome === null) return;
      clearTimeout(graceTimer);
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.result);
    };

    const finish = (value: { error: SshError } | { result: ExecResult }): void => {
      if (outcome !== null) return;
      outcome = value;
      clearTimeout(connectTimer);
      clearTimeout(commandTimer);
      options.signal?.removeEventListener('abort', onAbort);
      try {
        channel?.close();
      } catch {
        // already closed
      }
      try {
        client.end();
      } catch {
        // already ended
      }
      graceTimer = setTimeout(() => {
        client.destroy();
        // 'close' follows destroy(); this only guards against it never coming.
        graceTimer = setTimeout(() => {
          clientClosed = true;
          settle();
        }, CLOSE_GRACE_MS);
      }, CLOSE_GRACE_MS);
      settle();
    };
    const fail = (error: SshError): void => finish({ error });

    client.on('error', (err) => fail(toSshError(err, channel ? 'session' : 'connect', where)));
    client.on('close', () => {
      clientClosed = true;
      fail(
        channel
          ? new SshError('CONNECTION_LOST', `Connection to ${where} closed before the command exited`)
          : new SshError('CONNECTION_LOST', `Connection to ${where} was closed by the host`),
      );
      settle();
    });
    client.on('ready', () => {
      client.exec(command, (err, stream) => {
        if (outcome !== null) {
          stream?.close();
          return;
        }
        if (err) {
          return fail(
            new SshError('PROTOCOL', `${where} refused to run the command: ${oneLine(err.message)}`, {
              cause: err,
            }),
          );
        }
        channel = stream;
        clearTimeout(connectTimer);
        commandTimer = setTimeout(
          () =>
            fail(
              new SshError(
                'COMMAND_TIMEOUT',
                `The command on ${where} did not exit within ${options.timeoutMs} ms; the connection was closed`,
              ),
            ),
          options.timeoutMs,
        );
        stream.on('data', (chunk: Buffer) => stdout.write(chunk));
        stream.stderr.on('data', (chunk: Buffer) => stderr.write(chunk));
        stream.on('exit', (code: number | null, signal?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          exitSignal = typeof signal === 'string' ? signal : null;
        });
        stream.on('close', () =>
          finish({
            result: {
              exitCode,
              exitSignal,
              stdout: stdout.text(),
              stderr: stderr.text(),
              truncated: stdout.truncated || stderr.truncated,
              durationMs: Date.now() - started,
            },
          }),
        );
        if (options.stdin !== undefined) stream.end(options.stdin);
        else stream.end();
      });
    });

    const config = connectConfig(client, target, options.connectTimeoutMs);
    try {
      client.connect(config);
    } catch (err) {
      // Bad key material is reported synchronously; no socket was opened.
      clientClosed = true;
      fail(
        err instanceof Error && /key|passphrase/i.test(err.message)
          ? new SshError('AUTH_FAILED', `Cannot use the private key for ${where}: ${oneLine(err.message)}`)
          : toSshError(err, 'connect', where),
      );
    }
  });
}

function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim().slice(0, 200);
}
