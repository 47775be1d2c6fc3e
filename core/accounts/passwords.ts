import { Algorithm, hash, verify } from '@node-rs/argon2';
import type { FieldError } from '../../libs/common/src/errors';

/**
 * Local passwords: Argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane), through a
 * maintained binding with prebuilt binaries (@node-rs/argon2).
 */
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash of nothing, verified against when the user does not exist, so that both take as long. */
let dummy: Promise<string> | undefined;
export const dummyHash = (): Promise<string> => (dummy ??= hashPassword('not a password of anyone'));

/** The password policy: every problem, named by `field`. */
export function passwordProblems(password: string, username: string, field = 'password'): FieldError[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH)
    problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (password.length > PASSWORD_MAX_LENGTH)
    problems.push(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  if (username && password.toLowerCase().includes(username.toLowerCase()))
    problems.push('must not contain the username');
  if (new Set(password).size < 5) problems.push('must use at least 5 different characters');
  return problems.map((message) => ({ field, message }));
}
