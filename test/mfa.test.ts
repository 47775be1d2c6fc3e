import * as OTPAuth from 'otpauth';
import { graphqlClient, type GraphQLResponse } from '../scripts/graphql-client';
import { Browser as SupportBrowser, MailCatcher } from './support/accounts';
import { startStack, type Stack } from './support/harness';

const PASSWORD = 'correct horse battery';
const PERIOD_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A browser (test/support/accounts.ts) that signs in with PASSWORD unless told otherwise. */
class Browser extends SupportBrowser {
  override login(username: string, password = PASSWORD) {
    return super.login(username, password);
  }
}

/** An authenticator app: codes of steps never used before, waiting for the clock when it must. */
class Authenticator {
  private last = 0;
  readonly totp: OTPAuth.TOTP;
  readonly secret: string;

  constructor(uri: string) {
    this.totp = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
    this.secret = this.totp.secret.base32;
  }

  async code(): Promise<string> {
    const step = Math.max(Math.floor(Date.now() / PERIOD_MS), this.last + 1);
    while (step > Math.floor(Date.now() / PERIOD_MS) + 1) await sleep(250);
    this.last = step;
    return this.totp.generate({ timestamp: step * PERIOD_MS });
  }

  /** The code last handed out (a replay). */
  lastCode(): string {
    return this.totp.generate({ timestamp: this.last * PERIOD_MS });
  }

  /** A six-digit code that is none of the window's. */
  wrongCode(): string {
    const now = Date.now();
    const valid = new Set([-1, 0, 1].map((d) => this.totp.generate({ timestamp: now + d * PERIOD_MS })));
    for (let n = 0; ; n++) {
      const code = String((123456 + n * 7919) % 1_000_000).padStart(6, '0');
      if (!valid.has(code)) return code;
    }
  }
}

const codeOf = (r: GraphQLResponse<unknown>) => r.errors?.[0]?.extensions?.code;

describe('MFA: TOTP, recovery codes, the login step and the policy', () => {
  let stack: Stack;
  const ids = new Map<string, string>();
  /** Every secret the API handed out: none may appear in the audit log or a later answer. */
  const secrets: string[] = [];

  /** The loopback SMTP server. */
  let smtp: MailCatcher;

  const createUser = async (username: string, roles: string[], email: string | null = null) => {
    const data = await stack.gql.request<{ createUser: { id: string } }>(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username, roles, password: PASSWORD, email } },
    );
    ids.set(username, data.createUser.id);
  };

  const failedLogins = async (username: string) =>
    (await stack.db.query(`SELECT failed_logins FROM users WHERE username = $1`, [username])).rows[0]
      .failed_logins as number;

  /** Signs in (without MFA) and turns TOTP on: the browser, its authenticator and recovery codes. */
  const enroll = async (username: string, email: string | null = null) => {
    await createUser(username, ['operator'], email);
    const browser = new Browser(stack.url);
    expect((await browser.login(username)).status).toBe(200);
    const begun = await browser.gql(`mutation { beginTotpEnrollment { otpauthUri qrSvg } }`);
    expect(begun.errors).toBeUndefined();
    const { otpauthUri, qrSvg } = begun.data.beginTotpEnrollment;
    expect(otpauthUri).toMatch(new RegExp(`^otpauth://totp/Switchboard:${username}\\?`));
    expect(qrSvg).toMatch(/<svg[\s\S]*<\/svg>/);
    const app = new Authenticator(otpauthUri);
    secrets.push(app.secret);
    const confirmed = await browser.gql(`mutation ($code: String!) { confirmTotpEnrollment(code: $code) }`, {
      code: await app.code(),
    });
    expect(confirmed.errors).toBeUndefined();
    const recovery: string[] = confirmed.data.confirmTotpEnrollment;
    secrets.push(...recovery.map((c) => c.replace('-', '')));
    return { browser, app, recovery };
  };

  beforeAll(async () => {
    smtp = await MailCatcher.start();
    stack = await startStack({
      lab: { devices: 1 },
      worker: false,
      env: {
        API_LOGIN_ATTEMPTS_PER_MINUTE: '10000',
        SMTP_URL: smtp.url,
        SMTP_FROM: 'Switchboard <switchboard@example.test>',
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await smtp?.close();
  });

  it('turns TOTP on: a wrong confirmation code is refused, the right one answers ten recovery codes', async () => {
    await createUser('tess', ['operator']);
    const browser = new Browser(stack.url);
    expect((await browser.login('tess')).status).toBe(200);
    const before = await browser.gql(`{ myMfa { enabled pendingEnrollment recoveryCodesLeft required } }`);
    expect(before.data.myMfa).toEqual({
      enabled: false,
      pendingEnrollment: false,
      recoveryCodesLeft: 0,
      required: false,
    });
    const begun = await browser.gql(`mutation { beginTotpEnrollment { otpauthUri } }`);
    const app = new Authenticator(begun.data.beginTotpEnrollment.otpauthUri);
    secrets.push(app.secret);
    const wrong = await browser.gql(`mutation ($code: String!) { confirmTotpEnrollment(code: $code) }`, {
      code: app.wrongCode(),
    });
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors![0].message).toBe('code: is not a current code of the new authenticator');
    const empty = await browser.gql(`mutation { confirmTotpEnrollment(code: "") }`);
    expect(empty.errors![0].message).toBe('code: is required');
    // The secret is stored encrypted, pending.
    const { rows } = await stack.db.query(`SELECT * FROM user_mfa WHERE user_id = $1`, [ids.get('tess')]);
    expect(rows[0].totp_secret).toBeNull();
    expect(rows[0].pending_secret).toMatch(/^v1\./);
    expect(JSON.stringify(rows)).not.toContain(app.secret);

    const confirmed = await browser.gql(`mutation ($code: String!) { confirmTotpEnrollment(code: $code) }`, {
      code: await app.code(),
    });
    expect(confirmed.errors).toBeUndefined();
    const recovery: string[] = confirmed.data.confirmTotpEnrollment;
    secrets.push(...recovery.map((c) => c.replace('-', '')));
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    const stored = await stack.db.query(`SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1`, [
      ids.get('tess'),
    ]);
    expect(stored.rows).toHaveLength(10);
    expect(JSON.stringify(stored.rows)).not.toMatch(
      new RegExp(recovery.map((c) => c.replace('-', '')).join('|')),
    );

    const after = await browser.gql(`{ myMfa { enabled enabledAt pendingEnrollment recoveryCodesLeft } }`);
    expect(after.data.myMfa).toMatchObject({
      enabled: true,
      pendingEnrollment: false,
      recoveryCodesLeft: 10,
    });
    expect(codeOf(await browser.gql(`mutation { beginTotpEnrollment { otpauthUri } }`))).toBe('CONFLICT');
  });

  it('asks for a code after the password; wrong and replayed codes are refused and counted', async () => {
    const { app } = await enroll('uma').then((e) => e);
    const browser = new Browser(stack.url);
    const first = await browser.login('uma');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ mfaRequired: true, mfaToken: expect.stringMatching(/^sbm_/) });
    expect(first.body.user).toBeUndefined();
    expect(first.setCookie).toEqual([]);
    secrets.push(first.body.mfaToken);
    // Without the second step there is no session.
    expect(codeOf(await browser.gql(`{ me { username } }`))).toBe('UNAUTHENTICATED');

    const missing = await browser.post('/auth/login/mfa', { mfaToken: first.body.mfaToken });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].message).toBe('code: is required');
    const bogus = await browser.post('/auth/login/mfa', { mfaToken: 'sbm_nope', code: '123456' });
    expect(bogus.status).toBe(401);
    expect(bogus.body.errors[0].message).toMatch(/unknown, used up or expired/);

    const wrong = await browser.post('/auth/login/mfa', {
      mfaToken: first.body.mfaToken,
      code: app.wrongCode(),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0]).toMatchObject({
      message: 'invalid code',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(wrong.setCookie).toEqual([]);
    expect(await failedLogins('uma')).toBe(1);

    const ok = await browser.post('/auth/login/mfa', {
      mfaToken: first.body.mfaToken,
      code: await app.code(),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ username: 'uma' });
    expect(ok.setCookie.some((c) => c.startsWith('sb_session='))).toBe(true);
    expect((await browser.gql(`{ me { username } }`)).data.me.username).toBe('uma');
    expect(await failedLogins('uma')).toBe(0);

    // The token is single-use.
    const again = await browser.post('/auth/login/mfa', {
      mfaToken: first.body.mfaToken,
      code: app.lastCode(),
    });
    expect(again.status).toBe(401);

    // A code once used is refused (replay), on a fresh challenge.
    const other = new Browser(stack.url);
    const second = await other.login('uma');
    secrets.push(second.body.mfaToken);
    const replayed = await other.post('/auth/login/mfa', {
      mfaToken: second.body.mfaToken,
      code: app.lastCode(),
    });
    expect(replayed.status).toBe(401);
    expect(await failedLogins('uma')).toBe(1);
    const fresh = await other.post('/auth/login/mfa', {
      mfaToken: second.body.mfaToken,
      code: await app.code(),
    });
    expect(fresh.status).toBe(200);
  }, 90_000);

  it('locks the account after five wrong codes; a challenge survives only five', async () => {
    const { app } = await enroll('ulf');
    const browser = new Browser(stack.url);
    const challenge = (await browser.login('ulf')).body.mfaToken as string;
    secrets.push(challenge);
    for (let i = 0; i < 5; i++) {
      const wrong = await browser.post('/auth/login/mfa', { mfaToken: challenge, code: app.wrongCode() });
      expect(wrong.status).toBe(401);
    }
    expect(await failedLogins('ulf')).toBe(5);
    const dead = await browser.post('/auth/login/mfa', { mfaToken: challenge, code: await app.code() });
    expect(dead.body.errors[0].message).toMatch(/unknown, used up or expired/);
    // Locked: the password no longer leads to a challenge.
    const locked = await browser.login('ulf');
    expect(locked.status).toBe(401);
    expect(locked.body.errors[0].message).toBe('invalid username or password');
    await stack.gql.request(`mutation ($id: ID!) { unlockUser(id: $id) { id } }`, { id: ids.get('ulf') });
    expect((await browser.login('ulf')).body.mfaRequired).toBe(true);
  }, 90_000);

  it('takes a recovery code once instead of a TOTP code', async () => {
    const { recovery, browser: enrolled } = await enroll('val');
    const browser = new Browser(stack.url);
    const first = (await browser.login('val')).body.mfaToken as string;
    secrets.push(first);
    const used = await browser.post('/auth/login/mfa', { mfaToken: first, code: recovery[3].toUpperCase() });
    expect(used.status).toBe(200);
    expect((await enrolled.gql(`{ myMfa { recoveryCodesLeft } }`)).data.myMfa.recoveryCodesLeft).toBe(9);
    const other = new Browser(stack.url);
    const second = (await other.login('val')).body.mfaToken as string;
    secrets.push(second);
    const reused = await other.post('/auth/login/mfa', { mfaToken: second, code: recovery[3] });
    expect(reused.status).toBe(401);
    const next = await other.post('/auth/login/mfa', { mfaToken: second, code: recovery[4] });
    expect(next.status).toBe(200);
  });

  it('regenerates recovery codes with a TOTP code; disabling needs the password or a code', async () => {
    const { browser, app, recovery } = await enroll('wes');
    const noCode = await browser.gql(`mutation { regenerateRecoveryCodes(code: "") }`);
    expect(noCode.errors![0].message).toBe('code: is required');
    const byRecovery = await browser.gql(`mutation ($c: String!) { regenerateRecoveryCodes(code: $c) }`, {
      c: recovery[0],
    });
    expect(codeOf(byRecovery)).toBe('BAD_USER_INPUT');
    const regenerated = await browser.gql(`mutation ($c: String!) { regenerateRecoveryCodes(code: $c) }`, {
      c: await app.code(),
    });
    expect(regenerated.errors).toBeUndefined();
    const fresh: string[] = regenerated.data.regenerateRecoveryCodes;
    secrets.push(...fresh.map((c) => c.replace('-', '')));
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recovery[1]);

    const none = await browser.gql(`mutation { disableTotp }`);
    expect(none.errors![0]).toMatchObject({
      message: 'password: give your password or a code of your authenticator',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const wrong = await browser.gql(`mutation { disableTotp(password: "not the password at all") }`);
    expect(wrong.errors![0].message).toBe('password: is not your password');
    const oldRecovery = await browser.gql(`mutation ($c: String!) { disableTotp(code: $c) }`, {
      c: recovery[1],
    });
    expect(codeOf(oldRecovery)).toBe('BAD_USER_INPUT');
    expect(await failedLogins('wes')).toBe(3); // the recovery code regenerate refused, the password, the old code
    const off = await browser.gql(`mutation ($p: String!) { disableTotp(password: $p) }`, { p: PASSWORD });
    expect(off.errors).toBeUndefined();
    expect(off.data.disableTotp).toBe(true);
    expect((await browser.gql(`{ myMfa { enabled recoveryCodesLeft } }`)).data.myMfa).toEqual({
      enabled: false,
      recoveryCodesLeft: 0,
    });
    const plain = await new Browser(stack.url).login('wes');
    expect(plain.status).toBe(200);
    expect(plain.body.user.username).toBe('wes');
  }, 90_000);

  it('enforces the policy: a user without MFA enrolls with the token before getting a session', async () => {
    await createUser('xia', ['auditor']);
    await createUser('yan', ['viewer']);
    const bad = await stack.gql.raw(
      `mutation { setMfaPolicy(input: { required: true, roles: ["nope"] }) { required } }`,
    );
    expect(bad.errors![0]).toMatchObject({
      message: 'input.roles[0]: no role "nope"',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const viewer = new Browser(stack.url);
    expect((await viewer.login('yan')).status).toBe(200);
    expect(
      codeOf(await viewer.gql(`mutation { setMfaPolicy(input: { required: true }) { required } }`)),
    ).toBe('FORBIDDEN');
    const set = await stack.gql.request<{ setMfaPolicy: { required: boolean; roles: string[] } }>(
      `mutation { setMfaPolicy(input: { required: true, roles: ["auditor"] }) { required roles updatedAt } }`,
    );
    expect(set.setMfaPolicy).toMatchObject({ required: true, roles: ['auditor'] });

    // A viewer is not concerned; the service account (API_TOKEN) never is.
    expect((await new Browser(stack.url).login('yan')).body.user.username).toBe('yan');
    expect((await stack.gql.request<{ me: { username: string } }>(`{ me { username } }`)).me.username).toBe(
      'service',
    );

    const browser = new Browser(stack.url);
    const first = await browser.login('xia');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      mfaEnrollmentRequired: true,
      mfaToken: expect.stringMatching(/^sbm_/),
    });
    expect(first.setCookie).toEqual([]);
    secrets.push(first.body.mfaToken);
    const early = await browser.post('/auth/login/mfa', { mfaToken: first.body.mfaToken, code: '123456' });
    expect(early.status).toBe(400);
    expect(early.body.errors[0].message).toMatch(/no enrollment in progress/);
    const begun = await browser.post('/auth/login/mfa/enroll', { mfaToken: first.body.mfaToken });
    expect(begun.status).toBe(200);
    expect(begun.body.qrSvg).toMatch(/^<svg/);
    const app = new Authenticator(begun.body.otpauthUri);
    secrets.push(app.secret);
    const done = await browser.post('/auth/login/mfa', {
      mfaToken: first.body.mfaToken,
      code: await app.code(),
    });
    expect(done.status).toBe(200);
    expect(done.body.user.username).toBe('xia');
    expect(done.body.recoveryCodes).toHaveLength(10);
    secrets.push(...(done.body.recoveryCodes as string[]).map((c) => c.replace('-', '')));
    const status = await browser.gql(`{ myMfa { enabled required } }`);
    expect(status.data.myMfa).toEqual({ enabled: true, required: true });

    // Now a code is asked for, and the enrollment endpoint refuses a verify challenge.
    const next = await new Browser(stack.url).login('xia');
    expect(next.body.mfaRequired).toBe(true);
    secrets.push(next.body.mfaToken);
    const enrollAgain = await browser.post('/auth/login/mfa/enroll', { mfaToken: next.body.mfaToken });
    expect(enrollAgain.status).toBe(400);

    // An administrator resets a lost authenticator: the next sign-in enrolls again.
    const reset = await stack.gql.request<{ resetUserMfa: boolean }>(
      `mutation ($id: ID!) { resetUserMfa(id: $id) }`,
      { id: ids.get('xia') },
    );
    expect(reset.resetUserMfa).toBe(true);
    expect((await new Browser(stack.url).login('xia')).body.mfaEnrollmentRequired).toBe(true);

    const policy = await stack.gql.request<{ mfaPolicy: { required: boolean } }>(
      `{ mfaPolicy { required roles } }`,
    );
    expect(policy.mfaPolicy.required).toBe(true);
    await stack.gql.request(`mutation { setMfaPolicy(input: { required: false }) { required } }`);
    expect((await new Browser(stack.url).login('xia')).body.user.username).toBe('xia');
  }, 90_000);

  it("turning TOTP on or off ends the other sessions of the user; an administrator's reset ends them all", async () => {
    await createUser('olga', ['operator']);
    const signedIn = async (browser: Browser) =>
      (await browser.post('/graphql', { query: '{ me { username } }' })).status === 200;
    const here = new Browser(stack.url);
    const elsewhere = new Browser(stack.url);
    expect((await here.login('olga')).status).toBe(200);
    expect((await elsewhere.login('olga')).status).toBe(200);
    const begun = await here.gql(`mutation { beginTotpEnrollment { otpauthUri } }`);
    const app = new Authenticator(begun.data.beginTotpEnrollment.otpauthUri);
    secrets.push(app.secret);
    // Beginning changes nothing yet.
    expect(await signedIn(elsewhere)).toBe(true);
    const confirmed = await here.gql(`mutation ($code: String!) { confirmTotpEnrollment(code: $code) }`, {
      code: await app.code(),
    });
    expect(confirmed.errors).toBeUndefined();
    expect(await signedIn(here)).toBe(true);
    expect(await signedIn(elsewhere)).toBe(false);

    // A session with both factors, then TOTP off from the first one: the second ends.
    const withCode = new Browser(stack.url);
    const challenge = (await withCode.login('olga')).body.mfaToken as string;
    secrets.push(challenge);
    expect(
      (await withCode.post('/auth/login/mfa', { mfaToken: challenge, code: await app.code() })).status,
    ).toBe(200);
    expect(await signedIn(withCode)).toBe(true);
    const off = await here.gql(`mutation ($p: String) { disableTotp(password: $p) }`, { p: PASSWORD });
    expect(off.data?.disableTotp).toBe(true);
    expect(await signedIn(here)).toBe(true);
    expect(await signedIn(withCode)).toBe(false);

    // On again, then an administrator's reset: every session of olga's ends.
    const again = await here.gql(`mutation { beginTotpEnrollment { otpauthUri } }`);
    const app2 = new Authenticator(again.data.beginTotpEnrollment.otpauthUri);
    secrets.push(app2.secret);
    await here.gql(`mutation ($code: String!) { confirmTotpEnrollment(code: $code) }`, {
      code: await app2.code(),
    });
    expect(await signedIn(here)).toBe(true);
    await stack.gql.request(`mutation ($id: ID!) { resetUserMfa(id: $id) }`, { id: ids.get('olga') });
    expect(await signedIn(here)).toBe(false);
  });

  it('personal access tokens are not subject to MFA', async () => {
    const { browser } = await enroll('zed');
    const created = await browser.gql(`mutation { createApiToken(input: { name: "ci" }) { secret } }`);
    const token = created.data.createApiToken.secret as string;
    const me = await graphqlClient(`${stack.url}/graphql`, token).request<{ me: { username: string } }>(
      `{ me { username } }`,
    );
    expect(me.me.username).toBe('zed');
  });

  it('e-mails a one-time code instead of the authenticator (10 minutes, 5 tries)', async () => {
    await enroll('eve', 'eve@example.test');
    await createUser('nomail', ['viewer']);
    const browser = new Browser(stack.url);
    const challenge = (await browser.login('eve')).body.mfaToken as string;
    secrets.push(challenge);
    const missing = await browser.post('/auth/login/mfa/email', {});
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].message).toBe('mfaToken: is required');

    const sent = await browser.post('/auth/login/mfa/email', { mfaToken: challenge });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ sent: true, to: 'e***@example.test' });
    const mail = await smtp.next('eve@example.test');
    expect(mail).toMatch(/^From: Switchboard <switchboard@example\.test>/m);
    expect(mail).toMatch(/^Subject: Your Switchboard sign-in code/m);
    const code = /sign-in code is (\d{6})/.exec(mail)![1];
    secrets.push(code);
    const stored = await stack.db.query(
      `SELECT email_code_hash FROM mfa_challenges WHERE email_code_hash IS NOT NULL`,
    );
    expect(JSON.stringify(stored.rows)).not.toContain(code);

    const wrongCode = code === '000000' ? '000001' : '000000';
    const wrong = await browser.post('/auth/login/mfa', { mfaToken: challenge, code: wrongCode });
    expect(wrong.status).toBe(401);
    const ok = await browser.post('/auth/login/mfa', { mfaToken: challenge, code });
    expect(ok.status).toBe(200);
    expect(ok.body.user.username).toBe('eve');

    // The code belongs to that challenge only, and is used up.
    const other = new Browser(stack.url);
    const next = (await other.login('eve')).body.mfaToken as string;
    secrets.push(next);
    expect((await other.post('/auth/login/mfa', { mfaToken: next, code })).status).toBe(401);

    // Five tries per code.
    await other.post('/auth/login/mfa/email', { mfaToken: next });
    const second = /sign-in code is (\d{6})/.exec(await smtp.next('eve@example.test'))![1];
    secrets.push(second);
    await stack.db.query(`UPDATE mfa_challenges SET email_code_tries = 5 WHERE email_code_hash IS NOT NULL`);
    expect((await other.post('/auth/login/mfa', { mfaToken: next, code: second })).status).toBe(401);

    // No address, or an enrollment challenge: refused, naming why.
    const plain = new Browser(stack.url);
    const valChallenge = (await new Browser(stack.url).login('val')).body.mfaToken as string;
    secrets.push(valChallenge);
    const noAddress = await plain.post('/auth/login/mfa/email', { mfaToken: valChallenge });
    expect(noAddress.status).toBe(400);
    expect(noAddress.body.errors[0].message).toBe('mfaToken: your account has no e-mail address');
    expect((await plain.login('nomail')).status).toBe(200);
    await stack.gql.request(
      `mutation { setMfaPolicy(input: { required: true, roles: ["viewer"] }) { required } }`,
    );
    const enrolling = (await new Browser(stack.url).login('nomail')).body.mfaToken as string;
    secrets.push(enrolling);
    const refused = await plain.post('/auth/login/mfa/email', { mfaToken: enrolling });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toMatch(/enrollment challenge/);
    await stack.gql.request(`mutation { setMfaPolicy(input: { required: false }) { required } }`);
  }, 60_000);

  it('audits every MFA event and never records a secret, code or token', async () => {
    const log = await stack.gql.request<{
      auditLog: {
        kind: string;
        operation: string;
        outcome: string;
        actorName: string;
        argumentsJson: string | null;
      }[];
    }>(`{ auditLog(filter: { first: 1000 }) { kind operation outcome actorName argumentsJson } }`);
    const mfa = log.auditLog.filter((e) => e.kind === 'mfa');
    const operations = new Set(mfa.map((e) => `${e.operation} ${e.outcome}`));
    for (const op of [
      'mfa.enrolled OK',
      'mfa.challenge OK',
      'mfa.verified OK',
      'mfa.failed DENIED',
      'mfa.recovery_code_used OK',
      'mfa.disabled OK',
      'mfa.policy OK',
      'mfa.reset OK',
      'mfa.recovery_codes_regenerated OK',
      'mfa.email_sent OK',
    ])
      expect(operations).toContain(op);
    expect(
      log.auditLog.some((e) => e.operation === 'auth.login' && e.argumentsJson?.includes('"mfa":"totp"')),
    ).toBe(true);
    const everything = JSON.stringify(log.auditLog);
    expect(secrets.length).toBeGreaterThan(50);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    const confirm = log.auditLog.find((e) => e.operation === 'Mutation.confirmTotpEnrollment');
    expect(JSON.parse(confirm!.argumentsJson!)).toEqual({ code: '[redacted]' });
    const { rows } = await stack.db.query(`SELECT * FROM mfa_challenges`);
    expect(JSON.stringify(rows)).not.toMatch(/sbm_/);
  });
});
