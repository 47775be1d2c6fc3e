import net from 'node:net';
import { readFileSync } from 'node:fs';
import { DirectoryUnavailableError, LdapDirectory } from '../core/accounts/ldap';
import type { LdapConfig } from '../libs/config/src/ldap';
import { startSlapd, type Slapd } from '../scripts/infra/slapd';
import type { GraphQLResponse } from '../scripts/graphql-client';
import { Browser } from './support/accounts';
import { startApi } from '../apps/api/src/bootstrap';
import { loadConfig } from '../libs/config/src/config';
import { startStack, waitFor, type Stack } from './support/harness';

const ALICE_PASSWORD = 'alice directory pass 1';
const LOCAL_PASSWORD = 'correct horse battery';

/** Every answer the API gave in this file (none may hold the service bind's password). */
const answers: string[] = [];

/** A browser whose answers are all kept in `answers`. */
const newBrowser = (url: string) => new Browser(url, (text) => answers.push(text));

const codeOf = (r: GraphQLResponse<unknown>) => r.errors?.[0]?.extensions?.code;

describe('directory login (LDAP) against a real OpenLDAP slapd', () => {
  let slapd: Slapd;
  let stack: Stack;
  const logged: string[] = [];
  const writes: [typeof process.stdout.write, typeof process.stderr.write] = [
    process.stdout.write,
    process.stderr.write,
  ];

  const login = (username: string, password: string) => newBrowser(stack.url).login(username, password);
  const admin = <T>(query: string, variables?: Record<string, unknown>) =>
    stack.gql.request<T>(query, variables);
  const userId = async (username: string) =>
    (await stack.db.query<{ id: string }>(`SELECT id FROM users WHERE username = $1`, [username])).rows[0]
      ?.id;
  const bindingsOf = async (username: string) =>
    (
      await stack.db.query<{ role: string; sites: string[]; source: string | null }>(
        `SELECT b.role, b.sites, b.source FROM role_bindings b JOIN users u ON u.id = b.user_id
          WHERE u.username = $1 ORDER BY b.role`,
        [username],
      )
    ).rows;

  beforeAll(async () => {
    // What the API logs (the in-process Nest logger writes to stdout and stderr), to look for secrets.
    const capture =
      (original: typeof process.stdout.write) =>
      (chunk: unknown, ...rest: unknown[]): boolean => {
        logged.push(String(chunk));
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      };
    process.stdout.write = capture(writes[0].bind(process.stdout)) as typeof process.stdout.write;
    process.stderr.write = capture(writes[1].bind(process.stderr)) as typeof process.stderr.write;
    slapd = await startSlapd({
      people: [
        {
          uid: 'alice',
          password: ALICE_PASSWORD,
          cn: 'Alice Doe',
          displayName: 'Alice D.',
          mail: 'alice@example.test',
        },
        {
          uid: 'bob',
          password: 'bob directory pass 1',
          cn: 'Bob Roe',
          mail: 'bob@example.test',
          ou: 'contractors',
        },
        { uid: 'carol', password: 'carol directory pass 1', cn: 'Carol Noe' },
        { uid: 'Dan', password: 'dan directory pass 1', cn: 'Dan Poe' },
        // A name a local account also has: the directory never takes it over.
        { uid: 'lee', password: 'lee directory pass 1', cn: 'Lee Directory' },
      ],
      groups: [
        { cn: 'netops', members: ['alice'] },
        { cn: 'auditors', members: ['bob'] },
        { cn: 'lab-a-viewers', members: ['bob'] },
        { cn: 'unmapped', members: ['carol'] },
        // A posixGroup lists uids (memberUid), as the directory spells them.
        { cn: 'ops-posix', members: ['Dan'], posix: true },
      ],
      tls: true,
    });
    stack = await startStack({
      lab: { devices: 1 },
      worker: false,
      env: {
        LDAP_URL: slapd.url,
        LDAP_BIND_DN: slapd.reader.dn,
        LDAP_BIND_PASSWORD: slapd.reader.password,
        LDAP_USER_BASE: slapd.peopleBase,
        LDAP_GROUP_BASE: slapd.groupsBase,
        // A group by DN (with spaces and capitals: DNs compare normalized), one by name, one with a site.
        LDAP_ROLE_MAP: `CN=netops, OU=groups,${slapd.suffix}=operator;auditors=auditor;lab-a-viewers=viewer@lab-a;ops-posix=viewer`,
        LDAP_TIMEOUT_MS: '1500',
        // This file signs in more than 30 times a minute from one address.
        API_LOGIN_ATTEMPTS_PER_MINUTE: '300',
      },
    });
    await admin(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { username: 'lee', password: LOCAL_PASSWORD, roles: ['viewer'] },
    });
  }, 120_000);

  afterAll(async () => {
    process.stdout.write = writes[0];
    process.stderr.write = writes[1];
    await stack?.stop();
    await slapd?.destroy();
  });

  it('signs a directory user in, provisions the account and gives the mapped role', async () => {
    const browser = newBrowser(stack.url);
    const result = await browser.login('Alice', ALICE_PASSWORD);
    expect(result.status).toBe(200);
    expect(result.body.user).toMatchObject({ username: 'alice', displayName: 'Alice D.' });
    expect(result.setCookie.find((c) => c.startsWith('sb_session='))).toMatch(/HttpOnly/);

    const me = await browser.gql(`{ me { username email roles { role sites } } myPermissions }`);
    expect(me.data.me).toEqual({
      username: 'alice',
      email: 'alice@example.test',
      roles: [{ role: 'operator', sites: [] }],
    });
    // Permitted for an operator; refused (accounts:read) until the directory says otherwise.
    const permitted = await browser.gql(`{ credentials { totalCount } }`);
    expect(permitted.errors).toBeUndefined();
    expect(permitted.data.credentials.totalCount).toBeGreaterThanOrEqual(0);
    const refused = await browser.gql(`{ users { username } }`);
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(refused.errors![0].message).toMatch(
      /needs the permission accounts:read, which alice does not hold/,
    );

    const { rows: identities } = await stack.db.query(
      `SELECT i.provider, i.subject, u.password_hash FROM user_identities i JOIN users u ON u.id = i.user_id
        WHERE u.username = 'alice'`,
    );
    expect(identities).toEqual([
      { provider: 'ldap', subject: expect.stringMatching(/^[0-9a-f-]{36}$/), password_hash: null },
    ]);
    expect(await bindingsOf('alice')).toEqual([{ role: 'operator', sites: [], source: 'ldap' }]);
  });

  it('maps a group by name and a group with a site; a person found anywhere under the base signs in', async () => {
    const result = await login('bob', 'bob directory pass 1');
    expect(result.status).toBe(200);
    expect(await bindingsOf('bob')).toEqual([
      { role: 'auditor', sites: [], source: 'ldap' },
      { role: 'viewer', sites: ['lab-a'], source: 'ldap' },
    ]);
  });

  it('finds posixGroup members by uid (memberUid), and names the account in lower case', async () => {
    const result = await login('dan', 'dan directory pass 1');
    expect(result.status).toBe(200);
    expect(result.body.user).toMatchObject({ username: 'dan', displayName: 'Dan Poe' });
    expect(await bindingsOf('dan')).toEqual([{ role: 'viewer', sites: [], source: 'ldap' }]);
  });

  it('updates the roles at each login from the groups, keeping roles an administrator bound', async () => {
    const id = await userId('alice');
    await admin(`mutation ($input: BindRoleInput!) { bindRole(input: $input) { id } }`, {
      input: { userId: id, role: 'change-approver', sites: ['lab-b'] },
    });
    const session = newBrowser(stack.url);
    expect((await session.login('alice', ALICE_PASSWORD)).status).toBe(200);

    await slapd.removeMember('netops', 'alice');
    await slapd.addMember('auditors', 'alice');
    const again = newBrowser(stack.url);
    expect((await again.login('alice', ALICE_PASSWORD)).status).toBe(200);
    expect(await bindingsOf('alice')).toEqual([
      { role: 'auditor', sites: [], source: 'ldap' },
      { role: 'change-approver', sites: ['lab-b'], source: null },
    ]);
    const me = await again.gql(`{ me { roles { role } } }`);
    expect(me.data.me.roles.map((r: { role: string }) => r.role).sort()).toEqual([
      'auditor',
      'change-approver',
    ]);
    // The operator role is gone, for the older session too (grants are read at each request).
    const older = await session.gql(`{ myPermissions }`);
    expect(older.data.myPermissions).not.toContain('runs:start');
    expect((await again.gql(`{ users { username } }`)).data.users).toEqual(
      expect.arrayContaining([{ username: 'alice' }]),
    );

    // Out of every mapped group, with the hand-made binding left: still in, with that role only.
    await slapd.removeMember('auditors', 'alice');
    expect((await login('alice', ALICE_PASSWORD)).status).toBe(200);
    expect(await bindingsOf('alice')).toEqual([{ role: 'change-approver', sites: ['lab-b'], source: null }]);
    // And without it: refused, like any failed login.
    await admin(`mutation ($id: ID!) { unbindRole(userId: $id, role: "change-approver") { id } }`, { id });
    const none = await login('alice', ALICE_PASSWORD);
    expect(none.status).toBe(401);
    expect(none.body.errors[0]).toMatchObject({
      message: 'invalid username or password',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    await slapd.addMember('netops', 'alice');
    expect((await login('alice', ALICE_PASSWORD)).status).toBe(200);
  });

  it('refuses a person in no mapped group, and provisions nothing', async () => {
    const result = await login('carol', 'carol directory pass 1');
    expect(result.status).toBe(401);
    expect(await userId('carol')).toBeUndefined();
  });

  it('answers a wrong password and an unknown user alike', async () => {
    const wrong = await login('alice', 'not the password at all');
    const unknown = await login('nobody-here', 'not the password at all');
    const local = await login('lee', 'not the password at all');
    for (const r of [wrong, unknown, local]) {
      expect(r.status).toBe(401);
      expect(r.setCookie).toEqual([]);
      expect(r.body).toEqual(wrong.body);
    }
    expect(wrong.body.errors[0]).toMatchObject({
      message: 'invalid username or password',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('does not let a filter-injection username sign in', async () => {
    for (const username of ['*)(uid=*', '*', 'alic*', 'alice)(uid=*', '*)(|(uid=*']) {
      const result = await login(username, ALICE_PASSWORD);
      expect({ username, status: result.status }).toEqual({ username, status: 401 });
    }
    const { rows } = await stack.db.query(`SELECT username FROM users WHERE username LIKE '%*%'`);
    expect(rows).toEqual([]);
  });

  it('refuses an empty password before asking the directory (an empty simple bind is anonymous)', async () => {
    const binds = () => (readFileSync(slapd.logFile, 'utf8').match(/ BIND dn="uid=alice/g) ?? []).length;
    // The log does show alice's binds (it is written by this process, a moment later).
    const seen = binds();
    expect((await login('alice', ALICE_PASSWORD)).status).toBe(200);
    await waitFor('slapd to log the bind', () => binds() > seen, { timeoutMs: 5000, intervalMs: 50 });
    const before = binds();
    const result = await login('alice', '');
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions.fields).toEqual([{ field: 'password', message: 'is required' }]);
    expect(binds()).toBe(before);
  });

  it('signs local users in locally, and never lets the directory take a local name over', async () => {
    const local = await login('lee', LOCAL_PASSWORD);
    expect(local.status).toBe(200);
    // `lee` also exists in the directory: its directory password opens nothing here.
    expect((await login('lee', 'lee directory pass 1')).status).toBe(401);
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM user_identities i JOIN users u ON u.id = i.user_id WHERE u.username = 'lee'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('locks a directory account after five failures, until an administrator unlocks it', async () => {
    for (let i = 0; i < 5; i++) expect((await login('alice', `wrong password ${i}!`)).status).toBe(401);
    expect((await login('alice', ALICE_PASSWORD)).status).toBe(401);
    await admin(`mutation ($id: ID!) { unlockUser(id: $id) { id } }`, { id: await userId('alice') });
    expect((await login('alice', ALICE_PASSWORD)).status).toBe(200);
  });

  it('a right password before the MFA step leaves the failure count alone; the sign-in resets it', async () => {
    const failures = async () =>
      (await stack.db.query(`SELECT failed_logins FROM users WHERE username = 'bob'`)).rows[0].failed_logins;
    await admin(`mutation { setMfaPolicy(input: { required: true, roles: ["auditor"] }) { required } }`);
    try {
      for (let i = 0; i < 2; i++) expect((await login('bob', `wrong password ${i}!`)).status).toBe(401);
      expect(await failures()).toBe(2);
      const challenged = await login('bob', 'bob directory pass 1');
      expect(challenged.status).toBe(200);
      expect(challenged.body).toMatchObject({ mfaEnrollmentRequired: true });
      expect(challenged.setCookie).toEqual([]);
      expect(await failures()).toBe(2);
    } finally {
      await admin(`mutation { setMfaPolicy(input: { required: false }) { required } }`);
    }
    expect((await login('bob', 'bob directory pass 1')).status).toBe(200);
    expect(await failures()).toBe(0);
  });

  it('with a filter on mail, signs the linked account in by e-mail; failures count against it', async () => {
    const config = loadConfig({ ...stack.env, LDAP_USER_FILTER: '(|(uid={username})(mail={username}))' });
    const api = await startApi(config);
    try {
      const url = (await api.getUrl()).replace('[::1]', '127.0.0.1');
      const byMail = (password: string) => newBrowser(url).login('alice@example.test', password);
      const ok = await byMail(ALICE_PASSWORD);
      expect(ok.status).toBe(200);
      expect(ok.body.user.username).toBe('alice');
      for (let i = 0; i < 5; i++) expect((await byMail(`wrong password ${i}!`)).status).toBe(401);
      const { rows } = await stack.db.query(
        `SELECT failed_logins, locked_until > now() AS locked FROM users WHERE username = 'alice'`,
      );
      expect(rows).toEqual([{ failed_logins: 5, locked: true }]);
      expect((await byMail(ALICE_PASSWORD)).status).toBe(401);
    } finally {
      await api.close();
    }
    await admin(`mutation ($id: ID!) { unlockUser(id: $id) { id } }`, { id: await userId('alice') });
  });

  it('records directory logins in the audit log, with why a login failed', async () => {
    const { auditLog } = await admin<{
      auditLog: { operation: string; actorName: string; outcome: string; argumentsJson: string | null }[];
    }>(
      `{ auditLog(filter: { operation: "auth.login", first: 1000 }) { operation actorName outcome argumentsJson } }`,
    );
    const rows = auditLog.map((e) => ({ ...e, args: JSON.parse(e.argumentsJson ?? 'null') }));
    expect(rows).toContainEqual(
      expect.objectContaining({
        actorName: 'alice',
        outcome: 'OK',
        args: { username: 'Alice', via: 'ldap' },
      }),
    );
    const reasons = rows.filter((r) => r.outcome === 'DENIED').map((r) => [r.args.username, r.args.reason]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['alice', 'wrong password'],
        ['nobody-here', 'unknown user'],
        ['carol', 'in no group of LDAP_ROLE_MAP'],
        ['alice', 'in no group of LDAP_ROLE_MAP, and no role bound by hand'],
        ['alice', 'account locked'],
        ['*)(uid=*', 'unknown user'],
        ['lee', undefined],
      ]),
    );
  });

  it('answers UNAUTHENTICATED while the directory is down or hangs, logs and audits it, and stays up', async () => {
    await slapd.stop();
    const down = await login('alice', ALICE_PASSWORD);
    expect(down.status).toBe(401);
    expect(down.body.errors[0]).toMatchObject({
      message: 'invalid username or password',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    expect((await login('lee', LOCAL_PASSWORD)).status).toBe(200);

    // A server that accepts and never answers: refused after LDAP_TIMEOUT_MS, not hung.
    const sockets: net.Socket[] = [];
    const hang = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => hang.listen(slapd.port, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      expect((await login('alice', ALICE_PASSWORD)).status).toBe(401);
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => hang.close(resolve));
    }

    const { auditLog } = await admin<{ auditLog: { outcome: string; argumentsJson: string }[] }>(
      `{ auditLog(filter: { operation: "auth.login", first: 5 }) { outcome argumentsJson } }`,
    );
    expect(auditLog.filter((e) => e.argumentsJson.includes('"directory unavailable"'))).toHaveLength(2);
    expect(logged.join('')).toMatch(/directory login of "alice" failed: .*ECONNREFUSED/);

    await slapd.start();
    expect((await login('alice', ALICE_PASSWORD)).status).toBe(200);
  }, 60_000);

  it('speaks StartTLS and ldaps://, checking the certificate against LDAP_TLS_CA_FILE', async () => {
    const directory = (config: Partial<LdapConfig>) =>
      new LdapDirectory({
        ...stack.config.ldap!,
        tlsCa: readFileSync(slapd.caFile!, 'utf8'),
        ...config,
      });
    const answer = (config: Partial<LdapConfig>) => directory(config).authenticate('alice', ALICE_PASSWORD);
    await expect(answer({ startTls: true })).resolves.toMatchObject({
      ok: true,
      person: { username: 'alice' },
    });
    await expect(answer({ url: slapd.ldapsUrl! })).resolves.toMatchObject({ ok: true });
    await expect(answer({ url: slapd.ldapsUrl!, startTls: false })).resolves.toMatchObject({ ok: true });
    // Without the CA (the system's CAs do not know this one): refused as an outage, never trusted.
    for (const config of [
      { startTls: true, tlsCa: null },
      { url: slapd.ldapsUrl!, tlsCa: null },
    ]) {
      const error = await answer(config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DirectoryUnavailableError);
      expect((error as Error).message).toMatch(/certificate/i);
    }
  });

  it('refuses a name that matches several entries, and reports a wrong service bind as an outage', async () => {
    const directory = (config: Partial<LdapConfig>) =>
      new LdapDirectory({ ...stack.config.ldap!, ...config });
    // A filter that matches everyone besides the name: more than one entry is never a login.
    const wide = directory({ userFilter: '(|(uid={username})(objectClass=inetOrgPerson))' });
    await expect(wide.authenticate('alice', ALICE_PASSWORD)).resolves.toEqual({
      ok: false,
      reason: 'ambiguous user',
    });
    const badBind = await directory({ bindPassword: 'not-the-reader-password' })
      .authenticate('alice', ALICE_PASSWORD)
      .catch((e: unknown) => e);
    expect(badBind).toBeInstanceOf(DirectoryUnavailableError);
    expect((badBind as Error).message).toMatch(
      /^service bind \(LDAP_BIND_DN\) on ldap:\/\/127\.0\.0\.1:\d+ failed/,
    );
    expect((badBind as Error).message).not.toContain('not-the-reader-password');
    const badBase = await directory({ userBase: 'ou=nowhere,dc=example,dc=test' })
      .authenticate('alice', ALICE_PASSWORD)
      .catch((e: unknown) => e);
    expect(badBase).toBeInstanceOf(DirectoryUnavailableError);
    expect((badBase as Error).message).toMatch(/^user search/);
  });

  it('never shows the service bind password: not in an answer, the audit log or the log', async () => {
    const secret = slapd.reader.password;
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.join('\n')).not.toContain(secret);
    const { rows } = await stack.db.query(`SELECT * FROM audit_log`);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(ALICE_PASSWORD);
    expect(logged.join('')).not.toContain(secret);
    expect(logged.join('')).not.toContain(ALICE_PASSWORD);
  });
});
