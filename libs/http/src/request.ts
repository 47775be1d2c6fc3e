/**
 * One HTTP request as a task step (REST APIs, RESTCONF, webhooks): the request is described by
 * data, the answer is summarised (status, headers, text body, parsed JSON, extracted values) so a
 * workflow can keep it in its history, and every failure carries a `kind` and `retryable` the calling
 * activity maps to a Temporal retry decision.
 *
 * Auth values (passwords, tokens) never appear in error messages, even when a server echoes the
 * request's headers back in an error body. Messages name the URL without credentials or query string.
 */
import { extractPath, parsePath, PathSyntaxError } from './extract';
import type { PathSegment } from './extract';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type HttpAuth = { basic: { username: string; password: string } } | { bearerToken: string };

export interface HttpRequestSpec {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON with `content-type: application/json` (unless set). */
  body?: unknown;
  /** Sets the `authorization` header (replacing one given in `headers`). */
  auth?: HttpAuth;
  /** Statuses that count as success. Default: any 2xx. */
  expectStatus?: number[];
  /** Name → path into the JSON response (see ./extract). A path that yields nothing fails the step. */
  extract?: Record<string, string>;
  /** The whole exchange, body included. */
  timeoutMs: number;
  /** Bytes of the response body kept; the rest is not downloaded. Default 4 MiB. */
  maxBodyBytes?: number;
}

export interface HttpResponseSummary {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The body as UTF-8 text, cut at maxBodyBytes. */
  body: string;
  /** The body parsed as JSON (whatever the content-type says), or null when it does not parse. */
  json: unknown;
  extracted: Record<string, unknown>;
  truncated: boolean;
  durationMs: number;
}

export type HttpStepErrorKind =
  'HTTP_STATUS' | 'HTTP_TIMEOUT' | 'HTTP_CONNECT' | 'HTTP_EXTRACT' | 'HTTP_CANCELLED' | 'HTTP_BAD_REQUEST';

export class HttpStepError extends Error {
  override readonly name = 'HttpStepError';

  constructor(
    readonly kind: HttpStepErrorKind,
    message: string,
    readonly retryable: boolean,
    readonly response?: HttpResponseSummary,
  ) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export function isHttpStepError(value: unknown): value is HttpStepError {
  return value instanceof HttpStepError;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** How much of the body an HTTP_STATUS message quotes. */
const BODY_IN_MESSAGE = 200;

/** Sends the request and returns its summary; throws HttpStepError for every failure. */
export async function httpRequest(spec: HttpRequestSpec, signal?: AbortSignal): Promise<HttpResponseSummary> {
  const started = Date.now();
  const prepared = prepare(spec);
  const { url, where, secrets } = prepared;
  const scrub = (text: string): string => redact(text, secrets);
  if (signal?.aborted) throw new HttpStepError('HTTP_CANCELLED', `${where} was cancelled`, false);

  const deadline = AbortSignal.timeout(spec.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  /** What an abort means: the caller's signal wins over the deadline when both fired. */
  const aborted = (phase: string): HttpStepError | null => {
    if (signal?.aborted) return new HttpStepError('HTTP_CANCELLED', `${where} was cancelled ${phase}`, false);
    if (deadline.aborted)
      return new HttpStepError('HTTP_TIMEOUT', `${where} did not complete within ${spec.timeoutMs} ms`, true);
    return null;
  };

  let response: Response;
  try {
    response = await fetch(url, { ...prepared.init, signal: combined });
  } catch (err) {
    const cancelled = aborted('before the response');
    if (cancelled) throw cancelled;
    // undici wraps every network failure in `TypeError: fetch failed`; any other error means fetch
    // refused to build the request, which no retry will fix.
    if (err instanceof TypeError && err.message !== 'fetch failed')
      throw new HttpStepError('HTTP_BAD_REQUEST', scrub(`${where}: ${oneLine(err.message)}`), false);
    throw new HttpStepError('HTTP_CONNECT', scrub(`${where} failed: ${describeFetchError(err)}`), true);
  }

  let body: { text: string; truncated: boolean };
  try {
    body = await readBody(response, spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  } catch (err) {
    throw (
      aborted('while reading the body') ??
      new HttpStepError(
        'HTTP_CONNECT',
        scrub(`${where}: the connection failed while reading the body: ${describeFetchError(err)}`),
        true,
      )
    );
  }

  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  const summary: HttpResponseSummary = {
    status: response.status,
    headers,
    body: body.text,
    json: parseJson(body.text),
    extracted: {},
    truncated: body.truncated,
    durationMs: Date.now() - started,
  };

  const expected = spec.expectStatus ?? null;
  const ok = expected ? expected.includes(summary.status) : summary.status >= 200 && summary.status < 300;
  if (!ok) {
    const retryable = summary.status >= 500 || summary.status === 429;
    // Redact before cutting, so a secret straddling the cut cannot leak its first characters.
    const quoted = oneLine(scrub(summary.body)).slice(0, BODY_IN_MESSAGE);
    throw new HttpStepError(
      'HTTP_STATUS',
      scrub(
        `${where} returned ${summary.status}${response.statusText ? ` ${response.statusText}` : ''}` +
          ` (expected ${expected ? expected.join(', ') : '2xx'})${quoted ? `: ${quoted}` : ''}`,
      ),
      retryable,
      summary,
    );
  }

  for (const [name, segments] of prepared.extract) {
    const value = extractPath(summary.json, segments);
    if (value === undefined) {
      const path = spec.extract![name]!;
      throw new HttpStepError(
        'HTTP_EXTRACT',
        scrub(
          `${where}: extract "${name}": path ${JSON.stringify(path)} matched nothing in the ` +
            (summary.json === null ? 'response (the body is not JSON)' : 'JSON response'),
        ),
        false,
        summary,
      );
    }
    summary.extracted[name] = value;
  }
  return summary;
}

interface Prepared {
  url: URL;
  /** `GET https://host/path` for messages: no credentials, no query string. */
  where: string;
  init: RequestInit;
  extract: Array<[string, PathSegment[]]>;
  /** Strings that must never appear in a message. */
  secrets: string[];
}

/** Validates the spec and builds the fetch arguments; every problem is an HTTP_BAD_REQUEST. */
function prepare(spec: HttpRequestSpec): Prepared {
  const bad = (message: string) => new HttpStepError('HTTP_BAD_REQUEST', message, false);
  if (!HTTP_METHODS.includes(spec.method))
    throw bad(`method must be one of ${HTTP_METHODS.join(', ')}, got ${JSON.stringify(spec.method)}`);
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw bad('url is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw bad(`url must be http or https, got ${url.protocol.replace(/:$/, '')}`);
  const where = `${spec.method} ${url.origin}${url.pathname}`;
  if (url.username || url.password) throw bad(`${where}: put credentials in auth, not in the url`);
  if (!Number.isFinite(spec.timeoutMs) || spec.timeoutMs <= 0)
    throw bad(`${where}: timeoutMs must be a number > 0, got ${spec.timeoutMs}`);
  const maxBody = spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBody) || maxBody < 0)
    throw bad(`${where}: maxBodyBytes must be an integer >= 0, got ${spec.maxBodyBytes}`);
  if (spec.expectStatus && !spec.expectStatus.every((s) => Number.isInteger(s) && s >= 100 && s <= 599))
    throw bad(`${where}: expectStatus must list HTTP statuses (100-599)`);
  if ((spec.method === 'GET' || spec.method === 'HEAD') && spec.body !== undefined)
    throw bad(`${where}: a ${spec.method} request cannot have a body`);

  const extract: Array<[string, PathSegment[]]> = [];
  for (const [name, path] of Object.entries(spec.extract ?? {})) {
    try {
      extract.push([name, parsePath(path)]);
    } catch (err) {
      throw bad(`${where}: extract "${name}": ${err instanceof PathSyntaxError ? err.message : String(err)}`);
    }
  }

  const headers = new Headers();
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    try {
      headers.set(name, value);
    } catch {
      throw bad(`${where}: header ${JSON.stringify(name)} has an invalid name or value`);
    }
  }
  const secrets: string[] = [];
  if (spec.auth) {
    if ('basic' in spec.auth) {
      const { username, password } = spec.auth.basic;
      const token = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
      headers.set('authorization', `Basic ${token}`);
      secrets.push(password, token);
    } else {
      headers.set('authorization', `Bearer ${spec.auth.bearerToken}`);
      secrets.push(spec.auth.bearerToken);
    }
  }
  const given = headers.get('authorization');
  if (given && !spec.auth) secrets.push(given, given.replace(/^\S+\s+/, ''));

  let body: string | undefined;
  if (typeof spec.body === 'string') body = spec.body;
  else if (spec.body !== undefined) {
    try {
      body = JSON.stringify(spec.body);
    } catch (err) {
      throw bad(`${where}: body cannot be sent as JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return {
    url,
    where,
    init: { method: spec.method, headers, body },
    extract,
    // Longest first, so a token is replaced before a password it may contain.
    secrets: secrets.filter((s) => s !== '').sort((a, b) => b.length - a.length),
  };
}

/** Reads at most `limit` bytes and stops the download there. */
async function readBody(response: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  const parts: string[] = [];
  let kept = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = limit - kept;
    if (value.length > room) {
      // A character cut in half by the limit is dropped (no final flush), not shown as U+FFFD.
      parts.push(decoder.decode(value.subarray(0, room), { stream: true }));
      await reader.cancel().catch(() => undefined);
      return { text: parts.join(''), truncated: true };
    }
    kept += value.length;
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return { text: parts.join(''), truncated: false };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** undici reports `fetch failed` with the real reason (ECONNREFUSED, ENOTFOUND, TLS) in `cause`. */
function describeFetchError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if (typeof e !== 'object') {
      parts.push(String(e));
      break;
    }
    const { code, message } = e as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    if (text && text !== 'fetch failed')
      parts.push(typeof code === 'string' && !text.includes(code) ? `${code} ${text}` : text);
    else if (typeof code === 'string') parts.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return oneLine(parts.join(': ') || 'fetch failed').slice(0, 300);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
