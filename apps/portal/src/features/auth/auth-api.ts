/**
 * The browser sign-in endpoints of the API (docs/security.md): POST /auth/login, its MFA step
 * POST /auth/login/mfa, and POST /auth/logout. They set the HttpOnly session cookie and the
 * readable CSRF cookie that every GraphQL mutation sends back as x-csrf-token.
 */
export const CSRF_COOKIE = 'sb_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** The CSRF token of the session (the double-submit value of the sb_csrf cookie), if signed in. */
export function csrfToken(): string | null {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return null;
}

export type LoginOutcome =
  | { kind: 'signedIn' }
  | { kind: 'mfa'; mfaToken: string }
  | { kind: 'enrollmentRequired'; mfaToken: string }
  | { kind: 'enrolled'; recoveryCodes: string[] }
  | { kind: 'refused'; reason: 'credentials' | 'rateLimited' | 'code' | 'expired' };

interface LoginAnswer {
  csrfToken?: string;
  mfaRequired?: boolean;
  mfaEnrollmentRequired?: boolean;
  mfaToken?: string;
  recoveryCodes?: string[];
}

async function post(path: string, body: unknown): Promise<{ status: number; answer: LoginAnswer }> {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, answer: text ? (JSON.parse(text) as LoginAnswer) : {} };
}

function outcomeOf(status: number, answer: LoginAnswer, refusal: 'credentials' | 'code'): LoginOutcome {
  if (status === 429) return { kind: 'refused', reason: 'rateLimited' };
  if (status !== 200) return { kind: 'refused', reason: refusal };
  if (answer.mfaRequired && answer.mfaToken) return { kind: 'mfa', mfaToken: answer.mfaToken };
  if (answer.mfaEnrollmentRequired && answer.mfaToken)
    return { kind: 'enrollmentRequired', mfaToken: answer.mfaToken };
  // Signed in by confirming a new authenticator: its recovery codes, shown this once.
  if (answer.recoveryCodes?.length) return { kind: 'enrolled', recoveryCodes: answer.recoveryCodes };
  return { kind: 'signedIn' };
}

export async function login(username: string, password: string): Promise<LoginOutcome> {
  const { status, answer } = await post('/auth/login', { username, password });
  return outcomeOf(status, answer, 'credentials');
}

export async function verifyMfa(mfaToken: string, code: string): Promise<LoginOutcome> {
  const { status, answer } = await post('/auth/login/mfa', { mfaToken, code });
  return outcomeOf(status, answer, 'code');
}

/** For a user the MFA policy requires to enrol: the new authenticator's URI and its QR code (SVG). */
export async function beginEnrollment(
  mfaToken: string,
): Promise<{ otpauthUri: string; qrSvg: string } | null> {
  const response = await fetch('/auth/login/mfa/enroll', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mfaToken }),
  });
  return response.ok ? ((await response.json()) as { otpauthUri: string; qrSvg: string }) : null;
}

export async function logout(): Promise<void> {
  const token = csrfToken();
  await fetch('/auth/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: token ? { [CSRF_HEADER]: token } : {},
  });
}
