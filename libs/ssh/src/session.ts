/**
 * An interactive CLI session over SSH (ssh2 `shell()` with a pty), modelled on netmiko: detect the
 * base prompt after login, enter privileged mode, turn paging off, send a command and read until the
 * prompt comes back, then strip the echo and the prompt.
 *
 * Large outputs: chunks are kept in an array and joined once at the end; only the last
 * {@link TAIL_KEEP} characters are examined for the prompt or a pager after each chunk.
 */
import { Client, ClientChannel } from 'ssh2';
import { connectConfig } from './connect';
import { StringDecoder } from 'string_decoder';
import { isPlatform, Platform } from '../../common/src/platforms';
import {
  basePromptOf,
  cleanOutput,
  detectCommandError,
  endsWithPager,
  endsWithPrompt,
  lastLine,
  normalizeTerminalOutput,
  platformsMatchingPrompt,
} from './clean';
import { SshError, toSshError } from './errors';
import { getProfile, PlatformProfile } from './profiles';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  password?: string;
  /** PEM/OpenSSH private key text. */
  privateKey?: string;
  passphrase?: string;
  /** Secret for `enable` / `super` / `sudo -s`; privileged mode is entered only when given. */
  enableSecret?: string;
  platform: Platform;
}

export interface SshSessionOptions {
  /** TCP connect + SSH handshake + authentication + opening the shell. */
  connectTimeoutMs: number;
  /** Waiting for the first prompt after login (slow banners) and for prompts during setup. */
  promptTimeoutMs: number;
  /** Default deadline for one command's output to end with the prompt. */
  commandTimeoutMs: number;
  /** Aborting closes the connection and rejects the call in flight with kind CANCELLED. */
  signal?: AbortSignal;
  /** Called with the size in bytes of every chunk received (for activity heartbeats). */
  onData?: (bytes: number) => void;
}

export interface RunOptions {
  /** Overrides SshSessionOptions.commandTimeoutMs for this command. */
  timeoutMs?: number;
}

export interface ConfigureOptions extends RunOptions {
  /**
   * Commit-based platforms: commit with `commit confirmed` (profile.config.commitConfirmed) so the
   * device rolls the change back by itself unless {@link SshSession.confirmCommit} follows in time.
   */
  confirmSeconds?: number;
}

export interface CommandResult {
  command: string;
  /** Cleaned output: no echo, no prompt, no pager prompts or escape sequences, `\n` line ends. */
  output: string;
  /** The vendor's invalid-command line (`% Invalid input detected at '^' marker.`), or null. */
  error: string | null;
  durationMs: number;
  /** Raw bytes received for this command. */
  bytes: number;
}

export interface ConfigureResult {
  /** How many of the lines the device accepted, in order. */
  applied: number;
  /**
   * The first line the device refused, with its index in `lines` and the vendor's error line;
   * index -1 when configuration mode itself was refused, `lines.length` for a failed commit.
   */
  failed: { index: number; line: string; error: string } | null;
  /** Commit-based platforms (Junos, IOS XR): the candidate was committed. Always false elsewhere. */
  committed: boolean;
  durationMs: number;
}

/** How much of the end of the buffer is examined for a prompt or pager. */
export const TAIL_KEEP = 1024;
/** Quiet time required after a prompt-looking line at login (a banner may still be arriving). */
const LOGIN_QUIET_MS = 150;
/** A prompt without the command's echo before it ends the output only after this much silence. */
const ECHO_FALLBACK_MS = 500;
/** The echo is looked for in the first characters received (while they are all in the tail). */
const ECHO_SEARCH_CHARS = TAIL_KEEP;
/** `Press any key to continue` and its kin, before the banner (ProCurve, console servers). */
const PRESS_ANY_KEY = /(?:press|hit) (?:any key|enter|return)(?: key)? to (?:continue|get started)\W*$/i;
/** A shell asking for a new password (expired or must-change accounts). */
const PASSWORD_CHANGE = /(?:new|retype|re-enter|confirm(?: new)?|old|current) password\s*:\s*$/i;
const PASSWORD_EXPIRED =
  /password (?:has )?expired|must (?:be )?change(?:d)? (?:your |the )?password|password must be changed/i;
/** Send a newline when nothing arrives for this long while waiting for the first prompt. */
const LOGIN_NUDGE_MS = 1000;

interface ReadState {
  chunks: string[];
  /** The last characters received since the read started (at most ~2 × TAIL_KEEP). */
  tail: string;
  /** Characters received since the read started. */
  chars: number;
  /** Bytes received since the read started. */
  bytes: number;
}

interface ReadSpec {
  /** Keep every chunk (command output) or only the tail (prompts during setup). */
  collect: boolean;
  timeoutMs: number;
  onTimeout: (state: ReadState) => SshError;
  /**
   * Called after each chunk; `true` when the read is complete, `'settle'` when it is complete unless
   * more data arrives within `quietMs`, `false` otherwise. May write to the device.
   */
  check: (state: ReadState) => boolean | 'settle';
  /** Quiet time for a `'settle'` answer. */
  quietMs?: number;
  /** Called when nothing arrived for `ms` (repeats). */
  idle?: { ms: number; action: (state: ReadState) => void };
  /** Runs once the reader is installed (send the command here so no byte is missed). */
  start?: () => void;
}

interface ActiveRead {
  state: ReadState;
  spec: ReadSpec;
  resolve: (state: ReadState) => void;
  reject: (err: SshError) => void;
  timers: { deadline?: NodeJS.Timeout; quiet?: NodeJS.Timeout; idle?: NodeJS.Timeout };
}

export class SshSession {
  readonly platform: Platform;
  private readonly profile: PlatformProfile;
  private readonly where: string;
  private client: Client | null = null;
  private stream: ClientChannel | null = null;
  private readonly decoder = new StringDecoder('utf8');
  private active: ActiveRead | null = null;
  private failure: SshError | null = null;
  private closed = false;
  private closedPromise: Promise<void> | null = null;
  private resolveClosed: (() => void) | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private base: string | null = null;
  private readonly abortListener: () => void;

  private constructor(
    private readonly target: SshTarget,
    private readonly opts: SshSessionOptions,
  ) {
    this.platform = target.platform;
    this.profile = getProfile(target.platform);
    this.where = `${target.username}@${target.host}:${target.port}`;
    this.abortListener = () =>
      this.fail(new SshError('CANCELLED', `SSH session to ${this.where} was cancelled`));
  }

  /** The detected base prompt (netmiko `base_prompt`), e.g. `R1`, `HW1`, `admin@mx1`. */
  get basePrompt(): string {
    return this.base ?? '';
  }

  /** True until the connection is closed or failed. */
  get isOpen(): boolean {
    return !this.closed && this.failure === null;
  }

  /**
   * Connects, logs in, waits for the first prompt, enters privileged mode (when the platform has one
   * and an enable secret is given) and turns paging off.
   */
  static async open(target: SshTarget, opts: SshSessionOptions): Promise<SshSession> {
    if (!isPlatform(target.platform)) {
      throw new SshError('UNKNOWN_PLATFORM', `Unknown platform ${JSON.stringify(String(target.platform))}`);
    }
    if (opts.signal?.aborted) {
      throw new SshError('CANCELLED', `SSH session to ${target.host}:${target.port} was cancelled`);
    }
    const session = new SshSession(target, opts);
    opts.signal?.addEventListener('abort', session.abortListener, { once: true });
    try {
      await session.connect();
      await session.login();
      await session.enable();
      await session.disablePaging();
      return session;
    } catch (err) {
      const error = session.failure ?? toSshError(err, 'session', session.where);
      session.fail(error);
      throw error;
    }
  }

  /** Sends one command and returns its cleaned output. Calls are serialized. */
  run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    const next = this.queue.then(
      () => this.runNow(command, options.timeoutMs ?? this.opts.commandTimeoutMs),
      () => this.runNow(command, options.timeoutMs ?? this.opts.commandTimeoutMs),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Enters configuration mode, sends `lines` one by one and stops at the first line the device
   * refuses (its vendor error line is reported), then leaves configuration mode. On commit-based
   * platforms (Junos, IOS XR: the profile names a `commit`) the candidate is committed only when
   * every line was accepted; otherwise it is discarded before leaving. Lines already sent before a
   * refused one stay applied on devices that apply immediately (IOS, EOS, NX-OS, VRP, Comware):
   * callers restore from a backup (see libs/configs planRestore).
   */
  async configure(lines: string[], options: ConfigureOptions = {}): Promise<ConfigureResult> {
    const started = Date.now();
    const { enter, exit, discard, commitConfirmed } = this.profile.config;
    if (!enter) {
      throw new SshError('UNKNOWN_PLATFORM', `${this.platform} has no configuration mode (${this.where})`);
    }
    if (options.confirmSeconds !== undefined && !commitConfirmed) {
      throw new SshError('UNKNOWN_PLATFORM', `${this.platform} has no commit confirmed (${this.where})`);
    }
    const commit =
      options.confirmSeconds !== undefined
        ? commitConfirmed!(options.confirmSeconds)
        : this.profile.config.commit;
    const entered = await this.run(enter, options);
    if (entered.error) {
      return {
        applied: 0,
        failed: { index: -1, line: enter, error: entered.error },
        committed: false,
        durationMs: Date.now() - started,
      };
    }
    let applied = 0;
    let failed: ConfigureResult['failed'] = null;
    try {
      for (const [index, line] of lines.entries()) {
        const result = await this.run(line, options);
        if (result.error) {
          failed = { index, line, error: result.error };
          break;
        }
        applied++;
      }
      let committed = false;
      if (commit && !failed && applied > 0) {
        const result = await this.run(commit, options);
        if (result.error) failed = { index: lines.length, line: commit, error: result.error };
        else committed = true;
      }
      return { applied, failed, committed, durationMs: Date.now() - started };
    } finally {
      if (this.isOpen) {
        // An uncommitted candidate is discarded; the others simply leave configuration mode.
        if (commit && discard && failed) await this.run(discard, options).catch(() => undefined);
        await this.run(exit, options).catch(() => undefined);
      }
    }
  }

  /**
   * Confirms an earlier `commit confirmed` (enters configuration mode, commits, leaves), so the
   * device keeps the change. `failed` carries the device's error line when it refused.
   */
  async confirmCommit(options: RunOptions = {}): Promise<ConfigureResult> {
    const started = Date.now();
    const { enter, exit, commit } = this.profile.config;
    if (!commit) {
      throw new SshError(
        'UNKNOWN_PLATFORM',
        `${this.platform} does not commit configurations (${this.where})`,
      );
    }
    const entered = await this.run(enter, options);
    if (entered.error) {
      return {
        applied: 0,
        failed: { index: -1, line: enter, error: entered.error },
        committed: false,
        durationMs: Date.now() - started,
      };
    }
    try {
      const result = await this.run(commit, options);
      return {
        applied: 0,
        failed: result.error ? { index: 0, line: commit, error: result.error } : null,
        committed: result.error === null,
        durationMs: Date.now() - started,
      };
    } finally {
      if (this.isOpen) await this.run(exit, options).catch(() => undefined);
    }
  }

  /** Ends the connection. Idempotent; resolves once the socket is closed. */
  close(): Promise<void> {
    if (!this.failure) {
      this.fail(new SshError('CANCELLED', `SSH session to ${this.where} was closed by the caller`));
    }
    return this.closedPromise ?? Promise.resolve();
  }

  // ---------------------------------------------------------------------------------------------

  private connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const client = new Client();
      this.client = client;
      this.closedPromise = new Promise<void>((r) => (this.resolveClosed = r));
      let settled = false;
      const done = (err?: SshError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        const err = new SshError(
          'CONNECT_TIMEOUT',
          `Timed out after ${this.opts.connectTimeoutMs} ms connecting to ${this.where}`,
        );
        this.fail(err);
        done(err);
      }, this.opts.connectTimeoutMs);
      // A cancellation or close() while connecting.
      this.onFailure = (err) => done(err);

      client.on('error', (err) => {
        const error = toSshError(err, this.stream ? 'session' : 'connect', this.where);
        this.fail(error);
        done(error);
      });
      client.on('close', () => {
        this.closed = true;
        this.resolveClosed?.();
        const error =
          this.failure ??
          new SshError('CONNECTION_LOST', `Connection to ${this.where} was closed by the host`);
        this.fail(error);
        done(error);
      });
      client.on('ready', () => {
        client.shell({ term: 'vt100', cols: 511, rows: 24, width: 0, height: 0 }, (err, stream) => {
          if (err) {
            const error = new SshError(
              'PROTOCOL',
              `${this.where} refused to open a shell: ${oneLine(err.message)}`,
              {
                cause: err,
              },
            );
            this.fail(error);
            return done(error);
          }
          if (this.failure) {
            stream.close();
            return done(this.failure);
          }
          this.stream = stream;
          stream.on('data', (chunk: Buffer) => this.onChunk(chunk));
          stream.stderr.on('data', (chunk: Buffer) => this.onChunk(chunk));
          stream.on('close', () => {
            this.fail(
              this.failure ??
                new SshError('CONNECTION_LOST', `${this.where} closed the session (shell channel closed)`),
            );
          });
          done();
        });
      });

      const config = connectConfig(client, this.target, this.opts.connectTimeoutMs);
      try {
        client.connect(config);
      } catch (err) {
        // Bad key material is reported synchronously.
        const error =
          err instanceof Error && /key|passphrase/i.test(err.message)
            ? new SshError(
                'AUTH_FAILED',
                `Cannot use the private key for ${this.where}: ${oneLine(err.message)}`,
              )
            : toSshError(err, 'connect', this.where);
        this.fail(error);
        done(error);
      }
    });
  }

  /** Waits for the first prompt, answering in-shell login questions like netmiko does. */
  private async login(): Promise<void> {
    let sentUser = false;
    let sentPassword = false;
    let answeredChange = false;
    let pagerAt = -1;
    let keyAt = -1;
    const state = await this.read({
      collect: false,
      timeoutMs: this.opts.promptTimeoutMs,
      quietMs: LOGIN_QUIET_MS,
      onTimeout: (s) => this.promptTimeout(s, 'after login'),
      check: (s) => {
        const line = lastLine(s.tail);
        if (this.profile.anyPrompt.test(line)) return 'settle';
        if (PASSWORD_CHANGE.test(line) || (/password\s*:\s*$/i.test(line) && PASSWORD_EXPIRED.test(s.tail))) {
          throw this.authFailed(
            `the device requires a password change before the account can be used ("${line.trim().slice(0, 80)}"); change it on the device or with its AAA server`,
          );
        }
        if (PRESS_ANY_KEY.test(line)) {
          const at = s.chars;
          if (at !== keyAt) {
            keyAt = at;
            this.write('\n');
          }
          return false;
        }
        if (/(?:user ?name|login)\s*:\s*$/i.test(line)) {
          if (sentUser) throw this.authFailed('the device asked for the username again');
          sentUser = true;
          this.write(`${this.target.username}\n`);
        } else if (/password\s*:\s*$/i.test(line)) {
          if (sentPassword || this.target.password === undefined) {
            throw this.authFailed('the device asked for a password in the shell');
          }
          sentPassword = true;
          this.write(`${this.target.password}\n`);
        } else if (/\[Y\/N\]\s*:?\s*$/i.test(line) && /change/i.test(s.tail) && !answeredChange) {
          answeredChange = true; // "The password needs to be changed. Change now? [Y/N]:"
          this.write('N\n');
        } else if (endsWithPager(s.tail, this.platform)) {
          const at = s.chars - (s.tail.length - s.tail.lastIndexOf('\n') - 1);
          if (at !== pagerAt) {
            pagerAt = at;
            this.write(' ');
          }
        }
        return false;
      },
      idle: {
        ms: LOGIN_NUDGE_MS,
        action: (s) => {
          if (!/:\s*$/.test(lastLine(s.tail))) this.write('\n');
        },
      },
    });
    this.promptLine = lastLine(state.tail);
    this.base = basePromptOf(this.platform, this.promptLine);
    if (this.base === null) throw this.promptTimeout(state, 'after login');
  }

  /** Enters privileged mode where the platform has one and an enable secret was given. */
  private async enable(): Promise<void> {
    const priv = this.profile.privileged;
    const secret = this.target.enableSecret;
    if (!priv || secret === undefined) return;
    if (priv.privilegedPrompt && priv.privilegedPrompt.test(this.promptLine)) return;

    const anyPrompt = this.profile.anyPrompt;
    let echoSeen = false;
    let reply = await this.read({
      collect: true,
      timeoutMs: this.opts.promptTimeoutMs,
      quietMs: ECHO_FALLBACK_MS,
      onTimeout: (s) => this.promptTimeout(s, `after "${priv.command}"`),
      start: () => this.write(`${priv.command}\n`),
      check: (s) => {
        if (!echoSeen && s.chars <= ECHO_SEARCH_CHARS) {
          echoSeen = normalizeTerminalOutput(s.tail).includes(priv.command);
        }
        if (s.tail.indexOf('\n') === -1) return false;
        const line = lastLine(s.tail);
        if (priv.passwordPrompt.test(line)) return true;
        // A prompt before the echo may be a late answer to an earlier newline.
        if (anyPrompt.test(line)) return echoSeen ? true : 'settle';
        return false;
      },
    });
    let text = normalizeTerminalOutput(reply.chunks.join(''));
    if (priv.passwordPrompt.test(lastLine(reply.tail))) {
      reply = await this.read({
        collect: true,
        timeoutMs: this.opts.promptTimeoutMs,
        onTimeout: (s) => this.promptTimeout(s, 'after the enable secret'),
        start: () => this.write(`${secret}\n`),
        check: (s) => {
          const line = lastLine(s.tail);
          return priv.passwordPrompt.test(line) || anyPrompt.test(line);
        },
      });
      const line = lastLine(reply.tail);
      if (priv.passwordPrompt.test(line)) {
        throw new SshError(
          'ENABLE_FAILED',
          `The enable secret was rejected by ${this.where} ("${priv.command}")`,
        );
      }
      text = normalizeTerminalOutput(reply.chunks.join(''));
    }
    const promptLine = lastLine(reply.tail);
    const failed =
      priv.failure.test(text) || (priv.privilegedPrompt !== null && !priv.privilegedPrompt.test(promptLine));
    if (failed) {
      const reason = text
        .split('\n')
        .map((l) => l.trim())
        .find((l) => priv.failure.test(l));
      throw new SshError(
        'ENABLE_FAILED',
        `Could not enter privileged mode on ${this.where} with "${priv.command}"` +
          (reason ? `: ${reason.slice(0, 120)}` : ''),
      );
    }
    // The prompt may change (Linux `sudo -s`: admin@srv1 → root@srv1).
    this.base = basePromptOf(this.platform, promptLine) ?? this.base;
    this.promptLine = promptLine;
  }

  private async disablePaging(): Promise<void> {
    if (this.profile.pagingOff === null) return;
    // A device that refuses the command is still usable: pagers are answered with a space.
    await this.runNow(this.profile.pagingOff, this.opts.promptTimeoutMs);
  }

  private async runNow(command: string, timeoutMs: number): Promise<CommandResult> {
    if (this.failure) throw this.failure;
    const base = this.base ?? '';
    const started = Date.now();
    let pagerAt = -1;
    // Like netmiko's cmd_verify: a prompt counts once the echo of the command was seen, so a late
    // prompt (an answer to an earlier newline) is not taken for the end of this command's output.
    // Devices that mangle or omit the echo still finish, after ECHO_FALLBACK_MS of silence.
    const echo = command.trim();
    let echoSeen = echo === '';
    const state = await this.read({
      collect: true,
      timeoutMs,
      quietMs: ECHO_FALLBACK_MS,
      onTimeout: (s) => {
        const err = new SshError(
          'COMMAND_TIMEOUT',
          `No prompt from ${this.where} within ${timeoutMs} ms after a command (${s.bytes} bytes received); ` +
            'the session was closed',
        );
        return err;
      },
      start: () => this.write(`${command}\n`),
      check: (s) => {
        if (!echoSeen && s.chars <= ECHO_SEARCH_CHARS) {
          echoSeen = normalizeTerminalOutput(s.tail).includes(echo);
        }
        const nl = s.tail.lastIndexOf('\n');
        // The echo ends with a newline: a prompt before it is stale.
        if (nl === -1) return false;
        if (endsWithPrompt(s.tail, base, this.platform)) return echoSeen ? true : 'settle';
        if (endsWithPager(s.tail, this.platform)) {
          const at = s.chars - (s.tail.length - nl - 1);
          if (at !== pagerAt) {
            pagerAt = at;
            this.write(' ');
          }
        }
        return false;
      },
    });
    const raw = state.chunks.join('');
    state.chunks.length = 0;
    this.promptLine = lastLine(state.tail);
    const output = cleanOutput(raw, { platform: this.platform, command, basePrompt: base });
    return {
      command,
      output,
      error: detectCommandError(this.platform, output),
      durationMs: Date.now() - started,
      bytes: state.bytes,
    };
  }

  // ---------------------------------------------------------------------------------------------

  private promptLine = '';
  private onFailure: ((err: SshError) => void) | null = null;

  private read(spec: ReadSpec): Promise<ReadState> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.active) return Promise.reject(new Error('SshSession: concurrent read'));
    return new Promise<ReadState>((resolve, reject) => {
      const active: ActiveRead = {
        state: { chunks: [], tail: '', chars: 0, bytes: 0 },
        spec,
        resolve,
        reject,
        timers: {},
      };
      this.active = active;
      active.timers.deadline = setTimeout(() => {
        if (this.active !== active) return;
        const err = spec.onTimeout(active.state);
        this.fail(err);
      }, spec.timeoutMs);
      this.armIdle(active);
      try {
        spec.start?.();
      } catch (err) {
        this.fail(toSshError(err, 'session', this.where));
      }
      const early = this.early;
      this.early = null;
      for (const chunk of early ?? []) if (this.active === active) this.consume(active, chunk);
    });
  }

  /** Output received before the first read started; replayed into it. */
  private early: Buffer[] | null = [];

  private armIdle(active: ActiveRead): void {
    const idle = active.spec.idle;
    if (!idle) return;
    clearTimeout(active.timers.idle);
    active.timers.idle = setTimeout(() => {
      if (this.active !== active) return;
      try {
        idle.action(active.state);
      } catch (err) {
        this.fail(toSshError(err, 'session', this.where));
        return;
      }
      this.armIdle(active);
    }, idle.ms);
  }

  private finishRead(active: ActiveRead): void {
    if (this.active !== active) return;
    this.active = null;
    clearTimers(active);
    active.resolve(active.state);
  }

  private onChunk(chunk: Buffer): void {
    if (this.opts.onData) {
      try {
        this.opts.onData(chunk.length);
      } catch {
        // A heartbeat callback must not break the session.
      }
    }
    const active = this.active;
    if (!active) {
      // Before the first read (login) nothing is stale: a fast device's banner and prompt can arrive
      // as soon as the shell opens. Keep it for the login read. Afterwards, output nobody waits for
      // (late prompts, log messages) is dropped.
      if (this.early) this.early.push(chunk);
      else this.decoder.write(chunk);
      return;
    }
    this.consume(active, chunk);
  }

  private consume(active: ActiveRead, chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    const s = active.state;
    s.bytes += chunk.length;
    if (text === '') return;
    s.chars += text.length;
    if (active.spec.collect) s.chunks.push(text);
    s.tail += text;
    if (s.tail.length > 2 * TAIL_KEEP) s.tail = s.tail.slice(-TAIL_KEEP);
    this.armIdle(active);
    let complete: boolean | 'settle';
    try {
      complete = active.spec.check(s);
    } catch (err) {
      this.fail(toSshError(err, 'session', this.where));
      return;
    }
    clearTimeout(active.timers.quiet);
    if (complete === false) return;
    if (complete === 'settle') {
      active.timers.quiet = setTimeout(() => this.finishRead(active), active.spec.quietMs ?? 0);
    } else {
      this.finishRead(active);
    }
  }

  private write(data: string): void {
    const stream = this.stream;
    if (!stream || this.failure) return;
    stream.write(data);
  }

  /** Records the first failure, rejects the read in flight and tears the connection down. */
  private fail(err: SshError): void {
    if (!this.failure) this.failure = err;
    const active = this.active;
    if (active) {
      this.active = null;
      clearTimers(active);
      active.reject(this.failure);
    }
    const onFailure = this.onFailure;
    this.onFailure = null;
    onFailure?.(this.failure);
    this.opts.signal?.removeEventListener('abort', this.abortListener);
    this.teardown();
  }

  private tornDown = false;
  private teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    const client = this.client;
    if (!client || this.closed) {
      this.closed = true;
      this.resolveClosed?.();
      return;
    }
    try {
      this.stream?.close();
    } catch {
      // already closed
    }
    try {
      client.end();
    } catch {
      // already ended
    }
    // If the peer does not close its side promptly, drop the socket.
    setTimeout(() => {
      if (this.closed) return;
      client.destroy();
      setTimeout(() => {
        this.closed = true;
        this.resolveClosed?.();
      }, 500).unref();
    }, 1000).unref();
  }

  private promptTimeout(state: ReadState, when: string): SshError {
    const line = lastNonBlankLine(state.tail);
    if (line && !this.profile.anyPrompt.test(line)) {
      const others = platformsMatchingPrompt(line).filter((p) => p !== this.platform && p !== 'linux');
      if (others.length > 0) {
        return new SshError(
          'UNKNOWN_PLATFORM',
          `The prompt of ${this.where} does not look like ${this.platform} (it looks like ${others.join(' or ')})`,
        );
      }
    }
    return new SshError(
      'PROMPT_TIMEOUT',
      `No ${this.platform} prompt from ${this.where} within ${this.opts.promptTimeoutMs} ms ${when}`,
    );
  }

  private authFailed(reason: string): SshError {
    return new SshError('AUTH_FAILED', `Login to ${this.where} failed: ${reason}`);
  }
}

function clearTimers(active: ActiveRead): void {
  clearTimeout(active.timers.deadline);
  clearTimeout(active.timers.quiet);
  clearTimeout(active.timers.idle);
}

function lastNonBlankLine(raw: string): string | null {
  const lines = normalizeTerminalOutput(raw).split('\n');
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].trim() !== '') return lines[i];
  return null;
}

function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim().slice(0, 200);
}
