/**
 * Files over SSH: one connection with an SFTP channel (ssh2's SFTP client) and exec channels on the
 * same connection, for the checks around a transfer (`sha256sum`, `mv`, `chown`). For hosts with
 * OpenSSH's sftp-server (Linux); network CLIs keep using {@link SshSession}.
 *
 * `uploadFile` is the transfer protocol the file step kinds use: write to a temporary name beside
 * the target (`.<name>.<sha256 prefix>.part`), resume it when an earlier attempt left part of it,
 * check its SHA-256 on the far side, set mode and owner, then rename it into place (rename(2) in one
 * directory: a reader sees the old file or the new one, never half of one).
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Client, type SFTPWrapper } from 'ssh2';
import { WorkFailure } from '../../common/src/failures';
import { connectConfig } from './connect';
import { SshError, toSshError } from './errors';
import type { SshTarget } from './session';

export interface SshFilesOptions {
  /** TCP connect + SSH handshake + authentication + opening the SFTP channel. */
  connectTimeoutMs: number;
  /** Aborting closes the connection; the pending call rejects with kind CANCELLED. */
  signal?: AbortSignal;
}

export interface RemoteStat {
  size: number;
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface RemoteCommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Bytes per SFTP write request, and how many are in flight at once (throughput on long links). */
const CHUNK = 32 * 1024;
const IN_FLIGHT = 16;
const MAX_COMMAND_OUTPUT = 256 * 1024;

/** A shell word: single-quoted, so that a path or owner is never read as shell syntax. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that mean "there is no such file". */
const NO_SUCH_FILE = 2;

/** An SSH connection with an SFTP channel and exec channels on it. */
export class SshFiles {
  private closed = false;

  private constructor(
    private readonly client: Client,
    readonly sftp: SFTPWrapper,
    readonly where: string,
    private readonly signal: AbortSignal | undefined,
  ) {
    // Between calls nobody waits: an error or a close is only remembered (guard reports it to a call).
    client.on('error', () => undefined);
    client.on('close', () => (this.closed = true));
  }

  static open(target: SshTarget, options: SshFilesOptions): Promise<SshFiles> {
    const where = `${target.username}@${target.host}:${target.port}`;
    if (options.signal?.aborted) return Promise.reject(cancelled(where));
    return new Promise((resolve, reject) => {
      const client = new Client();
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        client.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          fail(
            new SshError(
              'CONNECT_TIMEOUT',
              `Timed out after ${options.connectTimeoutMs} ms connecting to ${where}`,
            ),
          ),
        options.connectTimeoutMs,
      );
      const onAbort = () => fail(cancelled(where));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      client.on('error', (err) => fail(toSshError(err, 'connect', where)));
      client.on('close', () =>
        fail(new SshError('CONNECTION_LOST', `Connection to ${where} was closed by the host`)),
      );
      client.on('ready', () => {
        client.sftp((err, sftp) => {
          if (err) {
            return fail(
              new WorkFailure(
                'SFTP_UNAVAILABLE',
                `${where} offers no SFTP subsystem: ${oneLine(err.message)}`,
              ),
            );
          }
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          client.removeAllListeners('error');
          client.removeAllListeners('close');
          resolve(new SshFiles(client, sftp, where, options.signal));
        });
      });
      try {
        client.connect(connectConfig(client, target, options.connectTimeoutMs));
      } catch (err) {
        fail(toSshError(err, 'connect', where));
      }
    });
  }

  /**
   * Runs `fn` with the connection's failures (a lost connection, a cancel) turned into a rejection
   * of the pending call, so that no SFTP callback is waited for forever.
   */
  private guard<T>(fn: (fail: (error: Error) => void) => Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.reject(new SshError('CONNECTION_LOST', `Connection to ${this.where} is closed`));
    if (this.signal?.aborted) return Promise.reject(cancelled(this.where));
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (error: Error | null, value?: T) => {
        if (done) return;
        done = true;
        this.client.off('close', onClose);
        this.client.off('error', onError);
        this.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value as T);
      };
      const onClose = () =>
        finish(new SshError('CONNECTION_LOST', `Connection to ${this.where} was lost mid-transfer`));
      const onError = (err: Error) => finish(toSshError(err, 'session', this.where));
      const onAbort = () => {
        finish(cancelled(this.where));
        this.close();
      };
      this.client.on('close', onClose);
      this.client.on('error', onError);
      this.signal?.addEventListener('abort', onAbort, { once: true });
      fn((error) => finish(error)).then(
        (value) => finish(null, value),
        (error: Error) => finish(error),
      );
    });
  }

  /** Runs a shell command on the host; its exit status and (capped) output. */
  exec(command: string, timeoutMs: number): Promise<RemoteCommandResult> {
    return this.guard(
      () =>
        new Promise<RemoteCommandResult>((resolve, reject) => {
          this.client.exec(command, (err, stream) => {
            if (err)
              return reject(
                new SshError('PROTOCOL', `${this.where} refused to run a command: ${oneLine(err.message)}`),
              );
            const out = new Capped();
            const errOut = new Capped();
            let exitCode: number | null = null;
            const timer = setTimeout(() => {
              stream.close();
              reject(
                new SshError(
                  'COMMAND_TIMEOUT',
                  `a command on ${this.where} did not exit within ${timeoutMs} ms`,
                ),
              );
            }, timeoutMs);
            stream.on('data', (c: Buffer) => out.write(c));
            stream.stderr.on('data', (c: Buffer) => errOut.write(c));
            stream.on('exit', (code: number | null) => (exitCode = typeof code === 'number' ? code : null));
            stream.on('close', () => {
              clearTimeout(timer);
              resolve({ exitCode, stdout: out.text(), stderr: errOut.text() });
            });
            stream.end();
          });
        }),
    );
  }

  /** As exec, and a non-zero exit is a failure of `kind` naming what was done. */
  async run(
    command: string,
    timeoutMs: number,
    what: string,
    kind = 'REMOTE_COMMAND_FAILED',
  ): Promise<string> {
    const r = await this.exec(command, timeoutMs);
    if (r.exitCode !== 0) {
      const detail = (r.stderr.trim() || r.stdout.trim()).slice(-300);
      throw new WorkFailure(
        kind,
        `${what} failed on ${this.where} (exit ${r.exitCode ?? 'none'})${detail ? `: ${detail}` : ''}`,
      );
    }
    return r.stdout;
  }

  /** The file's SHA-256 computed on the host (`sha256sum`); null when there is no such file. */
  async remoteSha256(file: string, timeoutMs: number): Promise<string | null> {
    const q = shellQuote(file);
    const out = await this.run(`if [ -f ${q} ]; then sha256sum -- ${q}; fi`, timeoutMs, `sha256sum ${file}`);
    const hex = /^([0-9a-f]{64})\s/.exec(out.trim() + ' ')?.[1];
    return hex ?? null;
  }

  stat(file: string): Promise<RemoteStat | null> {
    return this.guard(
      () =>
        new Promise<RemoteStat | null>((resolve, reject) => {
          this.sftp.stat(file, (err, st) => {
            if (err) {
              if ((err as { code?: number }).code === NO_SUCH_FILE) return resolve(null);
              return reject(remoteError(this.where, `stat ${file}`, err));
            }
            resolve({
              size: st.size,
              mode: st.mode & 0o7777,
              isFile: st.isFile(),
              isDirectory: st.isDirectory(),
            });
          });
        }),
    );
  }

  chmod(file: string, mode: number): Promise<void> {
    return this.guard(
      () =>
        new Promise<void>((resolve, reject) =>
          this.sftp.chmod(file, mode, (err) =>
            err ? reject(remoteError(this.where, `chmod ${file}`, err)) : resolve(),
          ),
        ),
    );
  }

  /**
   * Writes `source` into `file` from byte `offset` (0: the file is created or truncated), with
   * IN_FLIGHT write requests outstanding; `onProgress` gets the bytes written so far (from offset).
   */
  write(
    file: string,
    source: Readable,
    options: { offset: number; onProgress?: (written: number) => void; bytesPerSecond?: number },
  ): Promise<number> {
    return this.guard(async (fail) => {
      const flags = options.offset > 0 ? 'r+' : 'w';
      const handle = await new Promise<Buffer>((resolve, reject) =>
        this.sftp.open(file, flags, 0o600, (err, h) =>
          err ? reject(remoteError(this.where, `open ${file}`, err)) : resolve(h),
        ),
      );
      let position = options.offset;
      let written = 0;
      let inFlight = 0;
      let error: Error | null = null;
      const started = Date.now();
      let wake: (() => void) | null = null;
      const settle = () => {
        const w = wake;
        wake = null;
        w?.();
      };
      try {
        for await (const data of source as AsyncIterable<Buffer>) {
          for (let at = 0; at < data.length; at += CHUNK) {
            const piece = data.subarray(at, at + CHUNK);
            while (inFlight >= IN_FLIGHT && !error) await new Promise<void>((r) => (wake = r));
            if (error) throw error;
            if (options.bytesPerSecond) {
              const due = started + ((written + piece.length) / options.bytesPerSecond) * 1000;
              if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
            }
            inFlight++;
            const at0 = position;
            position += piece.length;
            this.sftp.write(handle, piece, 0, piece.length, at0, (err) => {
              inFlight--;
              if (err) {
                error ??= remoteError(this.where, `write ${file}`, err);
                fail(error);
              } else {
                written += piece.length;
                options.onProgress?.(written);
              }
              settle();
            });
          }
        }
        while (inFlight > 0 && !error) await new Promise<void>((r) => (wake = r));
        if (error) throw error;
      } finally {
        await new Promise<void>((resolve) => this.sftp.close(handle, () => resolve()));
      }
      return written;
    });
  }

  /**
   * The bytes of `file` from `offset`, as a stream the caller consumes. A lost connection or a
   * cancel ends it with an error (CONNECTION_LOST, CANCELLED) instead of leaving it waiting.
   */
  read(file: string, offset = 0): Readable {
    const stream = this.sftp.createReadStream(file, { start: offset, highWaterMark: 256 * 1024 });
    const onClose = () =>
      stream.destroy(new SshError('CONNECTION_LOST', `Connection to ${this.where} was lost mid-transfer`));
    const onAbort = () => {
      stream.destroy(cancelled(this.where));
      this.close();
    };
    this.client.once('close', onClose);
    this.signal?.addEventListener('abort', onAbort, { once: true });
    stream.once('close', () => {
      this.client.off('close', onClose);
      this.signal?.removeEventListener('abort', onAbort);
    });
    return stream;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
    setTimeout(() => this.client.destroy(), 1000).unref();
  }
}

export interface UploadSpec {
  /** The content from a byte offset (0: all of it). */
  source: (offset: number) => Readable;
  size: number;
  sha256: string;
  /** Path of the file on the host: absolute, or relative to the login directory. */
  remotePath: string;
  /** Permission bits, e.g. 0o644; default: the host's default for a new file (umask). */
  mode?: number;
  /** `user`, `user:group` or `:group`, applied with chown (needs the rights to). */
  owner?: string;
  /** Create missing parent directories (default true). */
  createDirs?: boolean;
  /** Bytes per second at most; default unlimited. */
  bytesPerSecond?: number;
  /** Time allowed to each remote command (sha256sum of a large file included). */
  commandTimeoutMs: number;
  onProgress?: (sent: number, total: number) => void;
}

export interface UploadResult {
  /** False when the file was already there with this content (nothing sent). */
  changed: boolean;
  /** The offset an interrupted earlier transfer was resumed from, or null. */
  resumedFrom: number | null;
  bytesSent: number;
  durationMs: number;
}

/** The temporary name an upload of `sha256` to `remotePath` writes first (stable, so a retry resumes it). */
export function partPathOf(remotePath: string, sha256: string): string {
  return path.posix.join(
    path.posix.dirname(remotePath),
    `.${path.posix.basename(remotePath)}.${sha256.slice(0, 16)}.part`,
  );
}

/**
 * Upload one file (see the module comment): skip when the target already has this content, resume a
 * part left by an interrupted attempt, verify on the host, mode and owner, atomic rename. A part
 * whose checksum is wrong is deleted and the failure (CHECKSUM_MISMATCH) is retryable: the next
 * attempt sends it whole.
 */
export async function uploadFile(files: SshFiles, spec: UploadSpec): Promise<UploadResult> {
  const started = Date.now();
  const { remotePath, sha256, size, commandTimeoutMs: t } = spec;
  if ((await files.remoteSha256(remotePath, t)) === sha256)
    return { changed: false, resumedFrom: null, bytesSent: 0, durationMs: Date.now() - started };
  const dir = path.posix.dirname(remotePath);
  if (spec.createDirs !== false) await files.run(`mkdir -p -- ${shellQuote(dir)}`, t, `mkdir ${dir}`);
  const part = partPathOf(remotePath, sha256);
  const existing = await files.stat(part);
  const offset = existing?.isFile && existing.size <= size ? existing.size : 0;
  let bytesSent = 0;
  if (offset < size || size === 0) {
    bytesSent = await files.write(part, spec.source(offset), {
      offset,
      bytesPerSecond: spec.bytesPerSecond,
      onProgress: (n) => spec.onProgress?.(offset + n, size),
    });
  }
  const got = await files.remoteSha256(part, t);
  if (got !== sha256) {
    await files.run(`rm -f -- ${shellQuote(part)}`, t, `rm ${part}`);
    throw new WorkFailure(
      'CHECKSUM_MISMATCH',
      `${part} on ${files.where} has SHA-256 ${got ?? '(missing)'}, not ${sha256}${offset ? ` (resumed from byte ${offset})` : ''}: deleted, the next attempt sends it whole`,
      true,
    );
  }
  if (spec.mode !== undefined) await files.chmod(part, spec.mode);
  if (spec.owner)
    await files.run(
      `chown -- ${shellQuote(spec.owner)} ${shellQuote(part)}`,
      t,
      `chown ${spec.owner} ${part}`,
    );
  await files.run(`mv -f -- ${shellQuote(part)} ${shellQuote(remotePath)}`, t, `rename into ${remotePath}`);
  return {
    changed: true,
    resumedFrom: offset > 0 ? offset : null,
    bytesSent,
    durationMs: Date.now() - started,
  };
}

class Capped {
  private readonly decoder = new StringDecoder('utf8');
  private parts: string[] = [];
  private kept = 0;
  write(chunk: Buffer): void {
    if (this.kept >= MAX_COMMAND_OUTPUT) return;
    const part = chunk.subarray(0, MAX_COMMAND_OUTPUT - this.kept);
    this.kept += part.length;
    this.parts.push(this.decoder.write(part));
  }
  text(): string {
    return this.parts.join('') + this.decoder.end();
  }
}

function cancelled(where: string): SshError {
  return new SshError('CANCELLED', `the transfer with ${where} was cancelled`);
}

function remoteError(where: string, what: string, err: Error): WorkFailure {
  return new WorkFailure('REMOTE_FILE_ERROR', `${what} on ${where}: ${oneLine(err.message)}`);
}

function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim().slice(0, 200);
}
