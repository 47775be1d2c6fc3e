import { Browser, MailCatcher, type Answer } from './support/accounts';
import { startStack, type Stack } from './support/harness';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'another long passphrase';

describe('password-reset links (integration)', () => {
  let stack: Stack;
  let smtp: MailCatcher;
  /** Every token handed out: none may appear in the audit log or an answer. */
  const tokens: string[] = [];

  const post = (path: string, body: unknown): Promise<Answer> => new Browser(stack.url).post(path, body);

  const sessionCookie = (answer: Answer) => answer.setCookie.map((line) => line.split(';')[0]).join('; ');

  const whoAmI = async (cookie: string) => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API
    const body: any = await response.json();
    return (body.data?.me?.username as string | undefined) ?? null;
  };

  /** The token of the next reset link mailed to `to`. */
  const tokenMailedTo = async (to: string): Promise<string> => {
    const token = await smtp.linkToken(to, '/auth/password-reset', 'sbr_');
    tokens.push(token);
    return token;
  };

  /** The token of the next invitation mailed to `to`. */
  const inviteMailedTo = async (to: string): Promise<string> => {
    const token = await smtp.linkToken(to, '/auth/invite', 'sbi_');
    tokens.push(token);
    return token;
  };

  const linksOf = async (username: string, purpose: string) =>
    (
      await stack.db.query(
        `SELECT count(*)::int AS n FROM account_links l JOIN users u ON u.id = l.user_id
          WHERE u.username = $1 AND l.purpose = $2`,
        [username, purpose],
      )
    ).rows[0].n as number;

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
    await stack.gql.request(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { username: 'rita', roles: ['operator'], password: PASSWORD, email: 'rita@example.test' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await smtp?.close();
  });

  it('answers an existing and an unknown account the same way; only the existing one gets mail', async () => {
    const known = await post('/auth/password-reset', { username: 'rita' });
    const unknown = await post('/auth/password-reset', { username: 'nobody-here' });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.text).toBe(known.text);
    await tokenMailedTo('rita@example.test');
    // The unknown name started nothing: rita's link is the only one.
    expect((await stack.db.query(`SELECT count(*)::int AS n FROM account_links`)).rows[0].n).toBe(1);
    expect(smtp.mails).toHaveLength(0);
    const bad = await post('/auth/password-reset', { username: 42 });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/username/);
  });

  it('a confirmed reset changes the password, ends old sessions, and the link works once', async () => {
    const login = await post('/auth/login', { username: 'rita', password: PASSWORD });
    expect(login.status).toBe(200);
    const old = sessionCookie(login);
    expect(await whoAmI(old)).toBe('rita');

    await post('/auth/password-reset', { email: 'RITA@example.test' });
    const token = await tokenMailedTo('rita@example.test');

    const weak = await post('/auth/password-reset/confirm', { token, password: 'rita' });
    expect(weak.status).toBe(400);
    expect(weak.text).toMatch(/password/);
    expect(weak.text).toMatch(/at least/);

    const done = await post('/auth/password-reset/confirm', { token, password: NEW_PASSWORD });
    expect(done.status).toBe(200);
    expect(done.text).not.toContain(token);
    expect(await whoAmI(old)).toBeNull();
    expect((await post('/auth/login', { username: 'rita', password: PASSWORD })).status).toBe(401);
    expect((await post('/auth/login', { username: 'rita', password: NEW_PASSWORD })).status).toBe(200);

    const again = await post('/auth/password-reset/confirm', { token, password: 'yet another passphrase' });
    expect(again.status).toBe(400);
    expect(again.text).toMatch(/unknown, already used, replaced by a newer one or expired/);
    const unknown = await post('/auth/password-reset/confirm', { token: 'sbr_nope', password: NEW_PASSWORD });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toBe(again.text);
    const missing = await post('/auth/password-reset/confirm', {});
    expect(missing.status).toBe(400);
    expect(missing.text).toMatch(/token/);
  });

  it('refuses an expired link and a replaced one', async () => {
    await post('/auth/password-reset', { username: 'rita' });
    const first = await tokenMailedTo('rita@example.test');
    await post('/auth/password-reset', { username: 'rita' });
    const second = await tokenMailedTo('rita@example.test');
    const replaced = await post('/auth/password-reset/confirm', {
      token: first,
      password: 'a replaced passphrase',
    });
    expect(replaced.status).toBe(400);
    await stack.db.query(
      `UPDATE account_links SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL`,
    );
    const expired = await post('/auth/password-reset/confirm', {
      token: second,
      password: 'an expired passphrase',
    });
    expect(expired.status).toBe(400);
    expect(expired.text).toMatch(/expired/);
  });

  it('an administrator sends a reset link; clear errors for bad targets', async () => {
    const rita = await stack.db.query(`SELECT id FROM users WHERE username = 'rita'`);
    const sent = await stack.gql.request<{ sendPasswordReset: string }>(
      `mutation ($id: ID!) { sendPasswordReset(id: $id) }`,
      { id: rita.rows[0].id },
    );
    expect(sent.sendPasswordReset).toMatch(/^r.*@example\.test$/);
    expect(sent.sendPasswordReset).not.toBe('rita@example.test');
    const token = await tokenMailedTo('rita@example.test');
    const done = await post('/auth/password-reset/confirm', { token, password: 'admin sent passphrase' });
    expect(done.status).toBe(200);
    await stack.gql.request(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { username: 'nomail', roles: ['operator'], password: PASSWORD },
    });
    const nomail = await stack.db.query(`SELECT id FROM users WHERE username = 'nomail'`);
    await expect(
      stack.gql.request(`mutation ($id: ID!) { sendPasswordReset(id: $id) }`, { id: nomail.rows[0].id }),
    ).rejects.toThrow(/no e-mail address/);
    await expect(
      stack.gql.request(`mutation ($id: ID!) { sendPasswordReset(id: $id) }`, { id: 'not-a-uuid' }),
    ).rejects.toThrow(/id/);
  });

  it('stops mailing an account after 5 requests (the per-account limit), still answering 202', async () => {
    await stack.gql.request(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { username: 'pat', roles: ['viewer'], password: PASSWORD, email: 'pat@example.test' },
    });
    const answers: Answer[] = [];
    for (let i = 0; i < 7; i++) answers.push(await post('/auth/password-reset', { username: 'pat' }));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    // The limit is decided before each answer; only the first five started a mail.
    for (let i = 0; i < 5; i++) await tokenMailedTo('pat@example.test');
    expect(await linksOf('pat', 'reset')).toBe(5);
    expect(smtp.mails.filter((m) => m.includes('pat@example.test'))).toHaveLength(0);
  });

  const INVITE = `mutation ($input: InviteUserInput!) {
    inviteUser(input: $input) { id username status email displayName roles { role sites tags } } }`;

  it('invites a person: no password until the link is accepted, then a normal sign-in', async () => {
    const invited = await stack.gql.request<{
      inviteUser: { id: string; status: string; roles: { role: string; sites: string[] }[] };
    }>(INVITE, {
      input: {
        username: 'Ivy',
        email: 'ivy@example.test',
        displayName: 'Ivy Chen',
        bindings: [{ role: 'viewer' }, { role: 'operator', sites: ['lab-a'] }],
      },
    });
    expect(invited.inviteUser).toMatchObject({
      username: 'ivy',
      status: 'INVITED',
      displayName: 'Ivy Chen',
      roles: [
        { role: 'viewer', sites: [], tags: [] },
        { role: 'operator', sites: ['lab-a'], tags: [] },
      ],
    });
    const listed = await stack.gql.request<{ users: { username: string; status: string }[] }>(
      `{ users { username status } }`,
    );
    expect(listed.users).toContainEqual({ username: 'ivy', status: 'INVITED' });
    const first = await inviteMailedTo('ivy@example.test');
    // No password: nothing signs the invited account in.
    expect((await new Browser(stack.url).login('ivy', '')).status).toBe(400);
    expect((await new Browser(stack.url).login('ivy', NEW_PASSWORD)).status).toBe(401);
    // Nor does a password-reset link reach it, nor may an administrator enable it around the invitation.
    await expect(
      stack.gql.request(`mutation ($id: ID!) { enableUser(id: $id) { status } }`, {
        id: invited.inviteUser.id,
      }),
    ).rejects.toThrow(/not accepted the invitation/);

    const resent = await stack.gql.request<{ resendInvite: string }>(
      `mutation ($id: ID!) { resendInvite(id: $id) }`,
      { id: invited.inviteUser.id },
    );
    expect(resent.resendInvite).toMatch(/^i.*@example\.test$/);
    const second = await inviteMailedTo('ivy@example.test');
    const old = await post('/auth/invite/accept', { token: first, password: NEW_PASSWORD });
    expect(old.status).toBe(400);
    expect(old.text).toMatch(/token/);
    expect(old.text).toMatch(/replaced by a newer one/);

    const weak = await post('/auth/invite/accept', { token: second, password: 'ivy' });
    expect(weak.status).toBe(400);
    expect(weak.text).toMatch(/password/);
    expect(weak.text).toMatch(/at least/);
    const accepted = await post('/auth/invite/accept', { token: second, password: NEW_PASSWORD });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ ok: true, username: 'ivy' });
    expect(accepted.setCookie).toEqual([]);
    const again = await post('/auth/invite/accept', { token: second, password: 'yet another passphrase' });
    expect(again.status).toBe(400);
    expect(again.text).toMatch(/already used/);

    const browser = new Browser(stack.url);
    expect((await browser.login('ivy', NEW_PASSWORD)).status).toBe(200);
    const me = await browser.gql(`{ me { username status roles { role sites } } }`);
    expect(me.data.me).toEqual({
      username: 'ivy',
      status: 'ACTIVE',
      roles: [
        { role: 'viewer', sites: [] },
        { role: 'operator', sites: ['lab-a'] },
      ],
    });
    await expect(
      stack.gql.request(`mutation ($id: ID!) { resendInvite(id: $id) }`, { id: invited.inviteUser.id }),
    ).rejects.toThrow(/not waiting for an invitation/);
  });

  it('an invited user the MFA policy concerns enrolls a second factor at the first sign-in', async () => {
    await stack.gql.request(
      `mutation { setMfaPolicy(input: { required: true, roles: ["auditor"] }) { required } }`,
    );
    try {
      await stack.gql.request(INVITE, {
        input: { username: 'otto', email: 'otto@example.test', bindings: [{ role: 'auditor' }] },
      });
      const token = await inviteMailedTo('otto@example.test');
      expect((await post('/auth/invite/accept', { token, password: NEW_PASSWORD })).status).toBe(200);
      const login = await new Browser(stack.url).login('otto', NEW_PASSWORD);
      expect(login.status).toBe(200);
      expect(login.body).toMatchObject({ mfaEnrollmentRequired: true });
      expect(login.setCookie).toEqual([]);
    } finally {
      await stack.gql.request(`mutation { setMfaPolicy(input: { required: false }) { required } }`);
    }
  });

  it('refuses an expired invitation, and bad invitations with a field-named error', async () => {
    const invited = await stack.gql.request<{ inviteUser: { id: string } }>(INVITE, {
      input: { username: 'late', email: 'late@example.test', bindings: [{ role: 'viewer' }] },
    });
    const token = await inviteMailedTo('late@example.test');
    await stack.db.query(
      `UPDATE account_links SET expires_at = now() - interval '1 minute' WHERE user_id = $1`,
      [invited.inviteUser.id],
    );
    const expired = await post('/auth/invite/accept', { token, password: NEW_PASSWORD });
    expect(expired.status).toBe(400);
    expect(expired.text).toMatch(/expired/);
    // A reset token is not an invitation.
    const other = await post('/auth/invite/accept', { token: tokens[0], password: NEW_PASSWORD });
    expect(other.status).toBe(400);

    await expect(
      stack.gql.request(INVITE, { input: { username: 'rita', email: 'r2@example.test' } }),
    ).rejects.toThrow(/a user named "rita" exists/);
    await expect(
      stack.gql.request(INVITE, { input: { username: 'nomad', email: 'not an address' } }),
    ).rejects.toThrow(/email/);
    await expect(
      stack.gql.request(INVITE, {
        input: { username: 'nomad', email: 'nomad@example.test', bindings: [{ role: 'nope' }] },
      }),
    ).rejects.toThrow(/bindings\[0\]\.role: no role "nope"/);
    expect((await stack.db.query(`SELECT 1 FROM users WHERE username = 'nomad'`)).rows).toHaveLength(0);
    // A disabled invitation cannot be accepted any more.
    await stack.gql.request(`mutation ($id: ID!) { disableUser(id: $id) { status } }`, {
      id: invited.inviteUser.id,
    });
    await expect(
      stack.gql.request(`mutation ($id: ID!) { resendInvite(id: $id) }`, { id: invited.inviteUser.id }),
    ).rejects.toThrow(/status DISABLED/);
  });

  it('keeps tokens out of the database and the audit log, and audits each step', async () => {
    const { rows } = await stack.db.query(`SELECT * FROM account_links`);
    expect(rows.length).toBeGreaterThan(0);
    const links = JSON.stringify(rows);
    const audit = await stack.db.query(`SELECT * FROM audit_log`);
    const log = JSON.stringify(audit.rows);
    for (const token of tokens) {
      expect(links).not.toContain(token);
      expect(log).not.toContain(token);
    }
    const operations = audit.rows.filter((r) => r.kind === 'account').map((r) => r.operation);
    expect(operations).toContain('account.password_reset_requested');
    expect(operations).toContain('account.password_reset_done');
    expect(operations).toContain('account.invite_accepted');
    const mutations = audit.rows.filter((r) => r.kind === 'mutation').map((r) => r.operation);
    expect(mutations).toContain('Mutation.inviteUser');
    expect(mutations).toContain('Mutation.resendInvite');
  });
});

describe('account links without SMTP_URL, and the per-address limit (integration)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      lab: { devices: 1 },
      worker: false,
      env: { API_LOGIN_ATTEMPTS_PER_MINUTE: '3' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the public endpoint still answers 202; sendPasswordReset and inviteUser name SMTP_URL', async () => {
    const created = await stack.gql.request<{ createUser: { id: string } }>(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username: 'sam', roles: ['operator'], password: PASSWORD, email: 'sam@example.test' } },
    );
    const response = await new Browser(stack.url).post('/auth/password-reset', { username: 'sam' });
    expect(response.status).toBe(202);
    await expect(
      stack.gql.request(`mutation ($id: ID!) { sendPasswordReset(id: $id) }`, { id: created.createUser.id }),
    ).rejects.toThrow(/SMTP_URL/);
    const invite = await new Browser(stack.url).post('/graphql', {
      query: `mutation { inviteUser(input: { username: "una", email: "una@example.test" }) { id } }`,
    });
    expect(invite.status).toBe(401);
    const refused = stack.gql.request(
      `mutation { inviteUser(input: { username: "una", email: "una@example.test" }) { id } }`,
    );
    await expect(refused).rejects.toThrow(/email: invitations need e-mail: SMTP_URL is not set/);
    expect((await stack.db.query(`SELECT 1 FROM users WHERE username = 'una'`)).rows).toHaveLength(0);
  });

  it('limits requests per address (API_LOGIN_ATTEMPTS_PER_MINUTE) across reset and invitation endpoints', async () => {
    // A burst of 3 a minute (the first test used one): a refused request comes within 4 more.
    const browser = new Browser(stack.url);
    const statuses: number[] = [];
    let limited: Answer | undefined;
    while (!limited && statuses.length < 4) {
      const answer = await browser.post('/auth/password-reset', { username: 'sam' });
      statuses.push(answer.status);
      if (answer.status !== 202) limited = answer;
    }
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(limited?.status).toBe(429);
    expect(limited!.setCookie).toEqual([]);
    expect(limited!.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(limited!.text).toMatch(/API_LOGIN_ATTEMPTS_PER_MINUTE/);
    const accept = await browser.post('/auth/invite/accept', { token: 'sbi_x', password: NEW_PASSWORD });
    expect(accept.status).toBe(429);
  });
});
