import type { AuthenticatedRequest } from './authenticate.middleware';
import { clientKey, TokenBuckets } from './rate-limit';

describe('TokenBuckets', () => {
  it('gives a burst, then one token per 1/rate seconds, and says how long to wait', () => {
    const buckets = new TokenBuckets(2, 3);
    const t = 1_000_000;
    expect([0, 0, 0].map(() => buckets.take('a', t))).toEqual([0, 0, 0]);
    expect(buckets.take('a', t)).toBe(1); // empty: one token in 0.5 s, said as whole seconds
    expect(buckets.take('a', t + 499)).toBe(1);
    expect(buckets.take('a', t + 500)).toBe(0);
    expect(buckets.take('a', t + 500)).toBe(1);
    // Another key has its own bucket.
    expect(buckets.take('b', t)).toBe(0);
    // Refills up to the burst only.
    expect([0, 0, 0, 0].map(() => buckets.take('a', t + 3_600_000))).toEqual([0, 0, 0, 1]);
  });

  it('says the wait at a slow rate', () => {
    const buckets = new TokenBuckets(0.001, 1);
    expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBe(1000);
    expect(buckets.take('a', 400_000)).toBe(600);
  });

  it('keeps at most maxKeys buckets: full ones go first, then the oldest', () => {
    const buckets = new TokenBuckets(1, 2, 3);
    buckets.take('a', 0);
    buckets.take('b', 0);
    buckets.take('c', 0);
    // At 10 s every bucket is full again: all are dropped for the new one.
    buckets.take('d', 10_000);
    expect(buckets.size).toBe(1);
    buckets.take('d', 10_000);
    buckets.take('e', 10_000);
    buckets.take('f', 10_000);
    buckets.take('g', 10_000); // none full: the oldest (d) goes
    expect(buckets.size).toBe(3);
    expect(buckets.take('d', 10_000)).toBe(0); // a fresh bucket
  });
});

describe('clientKey', () => {
  const request = (principal: { userId: string } | null, remoteAddress = '10.0.0.1') =>
    ({ headers: {}, socket: { remoteAddress }, principal }) as unknown as AuthenticatedRequest;

  it('is the principal and the address when someone known asks; the address alone otherwise', () => {
    const a = clientKey(request({ userId: 'u-1' }));
    expect(a).toBe('user u-1 10.0.0.1');
    expect(clientKey(request({ userId: 'u-1' }, '10.0.0.2'))).not.toBe(a);
    expect(clientKey(request({ userId: 'u-2' }))).not.toBe(a);
    // Made-up tokens resolve to no principal: they share their address's bucket.
    expect(clientKey(request(null))).toBe('address 10.0.0.1');
  });
});
