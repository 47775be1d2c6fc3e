import { Context } from '@temporalio/activity';
import type { AppConfig } from '../libs/config/src/config';
import { SshSession, type SshTarget } from '../libs/ssh/src';
import { toActivityFailure } from './failures';

export interface DeviceSessionOptions {
  ssh: AppConfig['ssh'];
  /** Default for each command of the session; a command may give its own. */
  commandTimeoutMs?: number;
  /** Bytes received, as they arrive (progress in heartbeats). */
  onData?: (bytes: number) => void;
  /** What each heartbeat carries (called every second and whenever `beat` is). */
  progress?: () => unknown;
  /**
   * False for work that must not stop half-way (a config push and its verification or restore):
   * a cancel then waits until the work is done; the session's own timeouts still bound it.
   */
  cancellable?: boolean;
}

/**
 * One SSH session to one device for the current activity: opened with the activity's
 * cancellation signal, heartbeating every second (and whenever `work` calls `beat`), closed
 * however `work` ends. Any failure comes out as the ApplicationFailure Temporal retries or not by
 * its kind (toActivityFailure); a cancelled activity fails as CANCELLED (unless `cancellable` is
 * false: then it finishes first).
 */
export async function withDeviceSession<T>(
  target: SshTarget,
  options: DeviceSessionOptions,
  work: (session: SshSession, beat: () => void) => Promise<T>,
): Promise<T> {
  const ctx = Context.current();
  const cancellable = options.cancellable !== false;
  const beat = () => ctx.heartbeat(options.progress?.());
  beat();
  const timer = setInterval(beat, 1000);
  let session: SshSession | undefined;
  try {
    session = await SshSession.open(target, {
      connectTimeoutMs: options.ssh.connectTimeoutMs,
      promptTimeoutMs: options.ssh.promptTimeoutMs,
      commandTimeoutMs: options.commandTimeoutMs ?? options.ssh.commandTimeoutMs,
      signal: cancellable ? ctx.cancellationSignal : undefined,
      onData: options.onData,
    });
    return await work(session, beat);
  } catch (error) {
    throw toActivityFailure(error, cancellable && ctx.cancellationSignal.aborted);
  } finally {
    clearInterval(timer);
    await session?.close();
  }
}
