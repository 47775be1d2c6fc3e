import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Session cookies, CSRF tokens and personal access tokens: 256 random bits, stored only as their
 * SHA-256 (a high-entropy secret needs no slow hash), compared in constant time.
 */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Constant-time comparison of two strings (of any lengths). */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** Whether `presented` (a header's value, of any type) is the CSRF token whose hash a session holds. */
export function csrfMatches(presented: unknown, csrfHash: string | undefined): boolean {
  return (
    typeof presented === 'string' && !!presented && !!csrfHash && sameSecret(hashSecret(presented), csrfHash)
  );
}

/** Prefixes that say what a secret is (and let secret scanners recognise Switchboard tokens). */
export const TOKEN_PREFIX = 'sbp_';
export const SESSION_PREFIX = 'sbs_';
export const CSRF_PREFIX = 'sbc_';
