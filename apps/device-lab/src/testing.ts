import { Client } from 'ssh2';
import type { ClientChannel } from 'ssh2';
import type { LabDeviceInfo } from './types';

/** A tiny interactive SSH shell client for tests: send keys, wait for patterns with deadlines. */
export class LabShellClient {
  buffer = '';
  closed = false;
  private readonly client = new Client();
  private stream: ClientChannel | undefined;
  private readonly waiters = new Set<() => void>();

  static async connect(device: LabDeviceInfo, password = device.password): Promise<LabShellClient> {
    const shell = new LabShellClient();
    await new Promise<void>((resolve, reject) => {
      shell.client.once('ready', () => {
        shell.client.shell({ term: 'vt100', rows: 24, cols: 200 }, (err, stream) => {
          if (err) return reject(err);
          shell.stream = stream;
          stream.on('data', (data: Buffer) => {
            shell.buffer += data.toString('utf8');
            shell.notify();
          });
          stream.on('close', () => {
            shell.closed = true;
            shell.notify();
          });
          resolve();
        });
      });
      shell.client.once('error', reject);
      shell.client.on('close', () => {
        shell.closed = true;
        shell.notify();
      });
      shell.client.connect({
        host: device.host,
        port: device.port,
        username: device.username,
        password,
        readyTimeout: 5000,
      });
    });
    shell.client.on('error', () => undefined);
    return shell;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  send(text: string): void {
    this.stream!.write(text);
  }

  /** Text received since `mark` (an earlier buffer length). */
  since(mark: number): string {
    return this.buffer.slice(mark);
  }

  /** Resolves when `test(buffer)` is true; rejects after `timeoutMs` with the tail of the buffer. */
  waitFor(test: RegExp | ((buffer: string) => boolean), timeoutMs = 5000, from = 0): Promise<string> {
    const check = (): boolean =>
      typeof test === 'function' ? test(this.buffer.slice(from)) : test.test(this.buffer.slice(from));
    if (check()) return Promise.resolve(this.buffer.slice(from));
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve(this.buffer.slice(from));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${String(test)}; tail: ${JSON.stringify(this.buffer.slice(-300))}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Sends a line and waits until `until` matches the new output; returns the new output. */
  async command(
    line: string,
    until: RegExp | ((buffer: string) => boolean),
    timeoutMs = 5000,
  ): Promise<string> {
    const mark = this.buffer.length;
    this.send(line + '\r');
    return this.waitFor(until, timeoutMs, mark);
  }

  waitClosed(timeoutMs = 5000): Promise<string> {
    return this.waitFor(() => this.closed, timeoutMs);
  }

  end(): void {
    this.client.end();
  }
}

/** Tries to log in and reports how it ended: 'ok' or the error message. */
export function tryLogin(device: LabDeviceInfo, password = device.password): Promise<'ok' | string> {
  return new Promise((resolve) => {
    const client = new Client();
    client.once('ready', () => {
      client.end();
      resolve('ok');
    });
    client.once('error', (err) => resolve(err.message));
    client.connect({
      host: device.host,
      port: device.port,
      username: device.username,
      password,
      readyTimeout: 5000,
    });
  });
}

/** Polls a condition until it holds or the deadline passes. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
