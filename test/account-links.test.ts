import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startStack, type Stack } from './support/harness';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'another long passphrase';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API, checked by each test
type Answer = { status: number; body: any; text: string; setCookie: string[] };

describe('password-reset links (integration)', () => {
  let stack: Stack;
  let smtp: SMTPServer;
  const mails: string[] = [];
  /** Every token handed out: none may appear in the audit log or an answer. */
  const tokens: string[] = [];

  const post = async (path: string, body: unknown, cookie = ''): Promise<Answer> => {
    const response = await fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : null,
      text,
      setCookie: response.headers.getSetCookie(),
    };
  };

  const sessionCookie = (answer: Answer) => answer.setCookie.map((line) => line.split(';')[0]).join('; ');

  const whoAmI = async (cookie: string) => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
    const body: any = await response.json();
    return (body.data?.me?.username as string | undefined) ?? null;
  };

  /** The token of the next mail to `to` (quoted-printable undone). */
  const tokenMailedTo = async (to: string): Promise<string> => {
    for (let i = 0; i < 100; i++) {
      const index = mails.findIndex((m) => m.includes(to));
      if (index >= 0) {
        const text = mails
          .splice(index, 1)[0]
          .replace(/=\r?\n/g, '')
          .replace(/=3D/g, '=');
        const match = /\/auth\/password-reset\?token=(sbr_[A-Za-z0-9_-]+)/.exec(text);
        expect(match).not.toBeNull();
        tokens.push(match![1]);
        return match![1];
      }
      await sleep(50);
    }
    throw new Error(`no mail to ${to}`);
  };

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        let data = '';
        stream.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
        stream.on('end', () => {
          mails.push(data);
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    stack = await startStack({
      lab: { devices: 1 },
      worker: false,
      env: {
        API_LOGIN_ATTEMPTS_PER_MINUTE: '10000',
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        SMTP_FROM: 'Switchboard <switchboard@example.test>',
      },
    });
    await stack.gql.request(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { username: 'rita', roles: ['operator'], password: PASSWORD, email: 'rita@example.test' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('answers an existing and an unknown account the same way; only the existing one gets mail', async () => {
    const known = await post('/auth/password-reset', { username: 'rita' });
    const unknown = await post('/auth/password-reset', { username: 'nobody-here' });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.text).toBe(known.text);
    await tokenMailedTo('rita@example.test');
    await sleep(300);
    expect(mails).toHaveLength(0);
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
  });
});

describe('password-reset links without SMTP_URL (integration)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 1 }, worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the public endpoint still answers 202; sendPasswordReset names SMTP_URL', async () => {
    const created = await stack.gql.request<{ createUser: { id: string } }>(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username: 'sam', roles: ['operator'], password: PASSWORD, email: 'sam@example.test' } },
    );
    const response = await fetch(`${stack.url}/auth/password-reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'sam' }),
    });
    expect(response.status).toBe(202);
    await expect(
      stack.gql.request(`mutation ($id: ID!) { sendPasswordReset(id: $id) }`, { id: created.createUser.id }),
    ).rejects.toThrow(/SMTP_URL/);
  });
});
