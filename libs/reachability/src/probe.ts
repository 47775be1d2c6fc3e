import * as net from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * One reachability probe of an SSH server: open a TCP connection, read the server's identification
 * line (RFC 4253 §4.2: `SSH-protoversion-softwareversion`, possibly after other lines, which are
 * ignored), then close the connection without sending anything. No key exchange, no login: the
 * device sees a connection that closed before it was identified, as with any port check.
 */

export type ReachStatus = 'UP' | 'DOWN';

/**
 * Why a device is DOWN:
 * - REFUSED: nothing listens on the port (connection refused);
 * - TIMEOUT: the TCP connection was not established in time (packets dropped, host down);
 * - UNREACHABLE: no route to the host or network, or its name does not resolve;
 * - NO_BANNER: connected, but no `SSH-` line arrived in time (or the server closed or sent too much first);
 * - UNKNOWN: any other error.
 */
export type ProbeErrorKind = 'REFUSED' | 'TIMEOUT' | 'UNREACHABLE' | 'NO_BANNER' | 'UNKNOWN';

export interface ProbeResult {
  status: ReachStatus;
  /** From the start until the TCP connection was established; null when it was not. */
  connectMs: number | null;
  /** From the start until the identification line was read (so ≥ connectMs); null without one. */
  bannerMs: number | null;
  /** The identification line, without CR LF (at most 255 characters, as RFC 4253 allows). */
  banner: string | null;
  errorKind: ProbeErrorKind | null;
  errorMessage: string | null;
}

export interface ProbeOptions {
  host: string;
  port: number;
  /** The whole probe: connect and identification line. */
  timeoutMs: number;
  /** Aborting destroys the socket and rejects the probe. */
  signal?: AbortSignal;
  /** Bytes read at most while looking for the identification line (default 8 KiB). */
  maxBytes?: number;
  /** Name resolution, for tests or a custom resolver (default: the system's, as net.connect does). */
  lookup?: net.LookupFunction;
}

export const DEFAULT_PROBE_MAX_BYTES = 8192;
const BANNER_MAX = 255;

const UNREACHABLE_CODES = new Set([
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_NONAME',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EADDRNOTAVAIL',
]);

/** The kind of an error raised before the TCP connection was established. */
export function classifyConnectError(error: { code?: string } | null | undefined): ProbeErrorKind {
  const code = error?.code ?? '';
  if (code === 'ECONNREFUSED') return 'REFUSED';
  if (code === 'ETIMEDOUT') return 'TIMEOUT';
  if (UNREACHABLE_CODES.has(code)) return 'UNREACHABLE';
  return 'UNKNOWN';
}

const rounded = (ms: number) => Math.max(0, Math.round(ms));

export function probeSsh(options: ProbeOptions): Promise<ProbeResult> {
  const { host, port, timeoutMs, signal } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_PROBE_MAX_BYTES;
  return new Promise<ProbeResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('probe cancelled'));
      return;
    }
    const started = performance.now();
    let connectMs: number | null = null;
    let received = 0;
    let pending = '';
    let settled = false;

    const socket = net.connect({ host, port, ...(options.lookup ? { lookup: options.lookup } : {}) });
    socket.setNoDelay(true);

    const finish = (result: Omit<ProbeResult, 'connectMs'>) => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve({ ...result, connectMs });
    };
    const down = (errorKind: ProbeErrorKind, errorMessage: string) =>
      finish({ status: 'DOWN', bannerMs: null, banner: null, errorKind, errorMessage });

    const timer = setTimeout(() => {
      if (connectMs === null) down('TIMEOUT', `no TCP connection to ${host}:${port} within ${timeoutMs} ms`);
      else down('NO_BANNER', `connected, but no SSH identification line within ${timeoutMs} ms`);
    }, timeoutMs);
    const onAbort = () => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(new Error('probe cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    function cleanup() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data');
      socket.on('error', () => undefined);
      socket.destroy();
    }

    /** Looks at each complete line; true when the identification line was found. */
    const scan = (final: boolean): boolean => {
      for (;;) {
        const nl = pending.indexOf('\n');
        if (nl < 0) break;
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (line.startsWith('SSH-')) {
          identified(line);
          return true;
        }
      }
      // A server that closes right after an identification line without CR LF still said who it is.
      if (final && pending.startsWith('SSH-')) {
        identified(pending.replace(/\r$/, ''));
        return true;
      }
      return false;
    };
    const identified = (line: string) =>
      finish({
        status: 'UP',
        bannerMs: rounded(performance.now() - started),
        banner: line.slice(0, BANNER_MAX),
        errorKind: null,
        errorMessage: null,
      });

    socket.once('connect', () => {
      connectMs = rounded(performance.now() - started);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Identification lines are US-ASCII; latin1 keeps one character per byte.
      pending += chunk.toString('latin1');
      if (scan(false)) return;
      if (received >= maxBytes) {
        down('NO_BANNER', `no SSH identification line in the first ${maxBytes} bytes`);
      }
    });
    socket.on('end', () => {
      if (!scan(true))
        down('NO_BANNER', 'the server closed the connection without an SSH identification line');
    });
    socket.on('close', () => {
      if (!settled && !scan(true)) {
        down('NO_BANNER', 'the connection closed without an SSH identification line');
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const message = error.code ? `${error.code}: ${error.message}` : error.message;
      if (connectMs === null) down(classifyConnectError(error), message);
      else down('NO_BANNER', `connection lost before an SSH identification line (${message})`);
    });
  });
}
