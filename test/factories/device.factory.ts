import { randomBytes } from 'node:crypto';

let n = 0;
/** Builders for test data: each test arranges what it needs. */
export function credentialInput(overrides: Record<string, unknown> = {}) {
  n++;
  return {
    name: `cred-${n}-${randomBytes(3).toString('hex')}`,
    username: 'netops',
    password: `pw-${randomBytes(6).toString('hex')}`,
    ...overrides,
  };
}

export function deviceInput(credentialId: string, overrides: Record<string, unknown> = {}) {
  n++;
  return {
    name: `sw-${n}-${randomBytes(3).toString('hex')}`,
    host: `10.0.${n % 250}.${(n * 7) % 250}`,
    port: 22,
    platform: 'cisco_ios',
    site: 'sha-1',
    tags: ['core'],
    credentialId,
    ...overrides,
  };
}
