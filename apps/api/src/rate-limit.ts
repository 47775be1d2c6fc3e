import type { ServerResponse } from 'node:http';
import type { AuthenticatedRequest } from './authenticate.middleware';

/**
 * Token buckets by key: each holds up to `burst` tokens and gains `perSecond` a second; a request
 * takes one. In memory, per API process.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    /** Keys kept at most; full buckets (the same as none) go first, then the oldest. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Take a token for `key`: 0 when there was one, else the whole seconds until there is one. */
  take(key: string, now = Date.now()): number {
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = this.level(bucket, now);
      bucket.at = now;
    } else {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  get size(): number {
    return this.buckets.size;
  }

  private level(bucket: { tokens: number; at: number }, now: number): number {
    return Math.min(this.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.perSecond);
  }

  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.level(bucket, now) >= this.burst) this.buckets.delete(key);
    }
    // Still full (many clients at once): forget the oldest; they start again with a full bucket.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * Who a request counts against: its principal (a user, the service account) with the remote
 * address; a request from nobody known counts against its address alone (made-up tokens get no
 * buckets of their own). Runs after the authenticate middleware.
 */
export function clientKey(req: AuthenticatedRequest): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return req.principal ? `user ${req.principal.userId} ${address}` : `address ${address}`;
}

/** Answer with one GraphQL error, as Apollo would, with an HTTP status. */
export function sendGraphQLError(
  res: ServerResponse,
  status: number,
  message: string,
  extensions: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ errors: [{ message, extensions }] });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/**
 * Express middleware for the GraphQL endpoint: 429 with a RATE_LIMITED GraphQL error and a
 * Retry-After header once the client's bucket is empty.
 */
export function rateLimitMiddleware(options: { perSecond: number; burst: number }) {
  const buckets = new TokenBuckets(options.perSecond, options.burst);
  return (req: AuthenticatedRequest, res: ServerResponse, next: () => void): void => {
    const wait = buckets.take(clientKey(req));
    if (wait === 0) return next();
    sendGraphQLError(
      res,
      429,
      `Too many requests from this client (a burst of ${options.burst}, then ${options.perSecond} a second: ` +
        `API_RATE_LIMIT_BURST, API_RATE_LIMIT_PER_SECOND); retry after ${wait} s`,
      { code: 'RATE_LIMITED', retryAfterSeconds: wait },
      { 'retry-after': String(wait) },
    );
  };
}
