import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Provider } from 'oidc-provider';
import { startStack, type Stack } from './support/harness';

/**
 * OIDC sign-in end to end against a real OpenID provider (oidc-provider, on loopback, with its
 * development login and consent pages driven over HTTP): the code flow with PKCE, provisioning,
 * claim-to-role mapping, and the refusals (state, code replay, nonce, e-mail of a local account).
 */

const CLIENT_ID = 'switchboard-test';
const CLIENT_SECRET = 'oidc-client-secret-never-shown-0123456789';
const PASSWORD = 'correct horse battery';

/** The provider's users: their claims (changed by tests between sign-ins). */
const people = new Map<string, Record<string, unknown>>();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startProvider(callback: string): Promise<{ issuer: string; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [callback],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true, methods: ['S256'] },
    features: { devInteractions: { enabled: true } },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    // The claims of the granted scopes go into the ID token (as Keycloak and Azure AD do).
    conformIdTokenClaims: false,
    cookies: { keys: ['oidc-test-cookie-key'] },
    findAccount: (_ctx: unknown, id: string) =>
      people.has(id) ? { accountId: id, claims: () => ({ sub: id, ...people.get(id) }) } : undefined,
  });
  server.on('request', provider.callback());
  return { issuer, server };
}

interface Answer {
  status: number;
  location: string | null;
  text: string;
  url: string;
}

/** A browser: one cookie jar for 127.0.0.1 (cookies ignore ports), redirects followed by hand. */
class Browser {
  cookies = new Map<string, string>();
  /** Everything the API answered (to look for secrets). */
  static seen: string[] = [];

  constructor(private readonly api: string) {}

  get csrf(): string | undefined {
    return this.cookies.get('sb_csrf');
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Answer> {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /max-age=0\b/i.test(a),
      );
      if (expired || !value) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    if (url.startsWith(this.api)) Browser.seen.push(JSON.stringify([...response.headers]), text);
    return { status: response.status, location: response.headers.get('location'), text, url };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API, checked by each test
  async gql(query: string, variables?: Record<string, unknown>): Promise<any> {
    const answer = await this.fetch(`${this.api}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return JSON.parse(answer.text);
  }

  /**
   * Follow redirects from `url` through the provider's login and consent pages (as `login`) until
   * the provider sends the browser back to the API's callback, which is not followed: its URL is
   * returned.
   */
  async toCallback(url: string, login: string): Promise<string> {
    let next = url;
    for (let hop = 0; hop < 20; hop++) {
      if (next.includes('/auth/oidc/') && next.includes('/callback')) return next;
      const answer = await this.fetch(next);
      if (answer.status >= 300 && answer.status < 400 && answer.location) {
        next = new URL(answer.location, next).toString();
        continue;
      }
      // A page with a form: the login page, the consent page, or one that submits itself.
      const action = /<form[^>]*action="([^"]+)"/.exec(answer.text)?.[1];
      if (answer.status !== 200 || !action)
        throw new Error(`unexpected answer ${answer.status} from ${next}: ${answer.text.slice(0, 300)}`);
      const hidden = Object.fromEntries(
        [...answer.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
          m[1],
          m[2],
        ]),
      );
      const prompt = hidden.prompt;
      const form = new URLSearchParams({
        ...hidden,
        ...(prompt === 'login' ? { login, password: 'x' } : {}),
      });
      const posted = await this.fetch(new URL(action, next).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      if (!posted.location)
        throw new Error(
          `the ${prompt ?? action} form answered ${posted.status}: ${posted.text.slice(0, 300)}`,
        );
      next = new URL(posted.location, next).toString();
    }
    throw new Error('too many redirects');
  }

  /** GET /start, then the provider, and back to the callback (its answer). */
  async signIn(login: string, tamper?: (authorize: URL) => void): Promise<Answer> {
    const start = await this.fetch(`${this.api}/auth/oidc/test/start`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.location!);
    tamper?.(authorize);
    return this.fetch(await this.toCallback(authorize.toString(), login));
  }
}

describe('OIDC sign-in (authorization code + PKCE) against a real provider', () => {
  let stack: Stack;
  let provider: Server;
  let api: string;

  const identities = async (username: string) =>
    (
      await stack.db.query<{ provider: string; subject: string }>(
        `SELECT i.provider, i.subject FROM user_identities i JOIN users u ON u.id = i.user_id WHERE u.username = $1`,
        [username],
      )
    ).rows;
  const bindings = async (username: string) =>
    (
      await stack.db.query<{ role: string; sites: string[]; source: string | null }>(
        `SELECT b.role, b.sites, b.source FROM role_bindings b JOIN users u ON u.id = b.user_id
          WHERE u.username = $1 ORDER BY b.role`,
        [username],
      )
    ).rows;
  const lastAudit = async () =>
    (
      await stack.db.query<{
        kind: string;
        operation: string;
        outcome: string;
        actor_name: string;
        error_code: string | null;
        arguments: Record<string, unknown>;
      }>(
        `SELECT kind, operation, outcome, actor_name, error_code, arguments FROM audit_log ORDER BY id DESC LIMIT 1`,
      )
    ).rows[0];

  beforeAll(async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const started = await startProvider(`${api}/auth/oidc/test/callback`);
    provider = started.server;
    stack = await startStack({
      lab: { devices: 1 },
      worker: false,
      env: {
        API_PORT: String(port),
        API_PUBLIC_URL: api,
        OIDC_SUCCESS_PATH: '/portal/',
        OIDC_PROVIDERS: JSON.stringify([
          {
            name: 'test',
            displayName: 'Test IdP',
            issuer: started.issuer,
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            scopes: ['openid', 'email', 'profile', 'groups'],
            roleClaim: 'groups',
            roleMap: {
              netops: 'operator',
              auditors: 'auditor',
              'lab-a-approvers': { role: 'change-approver', sites: ['lab-a'] },
              ghosts: 'no-such-role',
            },
          },
          // Nothing listens there: discovery fails.
          {
            name: 'down',
            issuer: 'http://127.0.0.1:1',
            clientId: 'x',
            clientSecret: 'down-secret-0123456789',
          },
        ]),
      },
    });
    expect(stack.url).toBe(api);
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => provider?.close(resolve));
  });

  it('lists the providers for the login page, without their client secret', async () => {
    const answer = await new Browser(api).fetch(`${api}/auth/oidc/providers`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({
      providers: [
        { name: 'test', displayName: 'Test IdP', preset: null, startUrl: '/auth/oidc/test/start' },
        { name: 'down', displayName: 'down', preset: null, startUrl: '/auth/oidc/down/start' },
      ],
    });
    const unknown = await new Browser(api).fetch(`${api}/auth/oidc/nope/start`);
    expect(unknown.status).toBe(404);
    const down = await new Browser(api).fetch(`${api}/auth/oidc/down/start`);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text).errors[0].message).toBe(
      'the OIDC provider "down" cannot be reached (discovery of its issuer failed); try again later',
    );
  });

  it('sends the browser to the provider with state, nonce and an S256 code challenge', async () => {
    const browser = new Browser(api);
    const start = await browser.fetch(`${api}/auth/oidc/test/start`);
    expect(start.status).toBe(302);
    const url = new URL(start.location!);
    expect(url.origin).not.toBe(api);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: `${api}/auth/oidc/test/callback`,
      code_challenge_method: 'S256',
      scope: 'openid email profile groups',
    });
    for (const key of ['state', 'nonce', 'code_challenge'])
      expect(url.searchParams.get(key)?.length).toBeGreaterThan(20);
    expect(url.searchParams.has('code_verifier')).toBe(false);
    // The flow is sealed in an HttpOnly cookie: neither the state nor the verifier readable in it.
    const cookie = browser.cookies.get('sb_oidc')!;
    expect(cookie).toBeDefined();
    expect(cookie).not.toContain(url.searchParams.get('state'));
  });

  let aliceId: string;

  it('signs a new user in, provisioned with the role its groups map to', async () => {
    people.set('alice-sub', {
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Ng',
      preferred_username: 'Alice',
      groups: ['netops', 'unmapped', 'ghosts'],
    });
    const browser = new Browser(api);
    const done = await browser.signIn('alice-sub');
    expect(done.status).toBe(302);
    expect(done.location).toBe('/portal/');
    expect(browser.cookies.get('sb_session')).toMatch(/^sbs_/);
    expect(browser.csrf).toMatch(/^sbc_/);
    expect(browser.cookies.has('sb_oidc')).toBe(false);
    const me = await browser.gql(`{ me { id username displayName email kind roles { role sites } } }`);
    expect(me.data.me).toMatchObject({
      username: 'alice',
      displayName: 'Alice Ng',
      email: 'alice@example.com',
      kind: 'human',
      roles: [{ role: 'operator', sites: [] }],
    });
    aliceId = me.data.me.id;
    // An operator reads devices, and not the audit log.
    const devices = await browser.gql(`{ devices(first: 5) { totalCount } }`);
    expect(devices.errors).toBeUndefined();
    expect(devices.data.devices.totalCount).toBe(1);
    const audit = await browser.gql(`{ auditLog(filter: { first: 1 }) { id } }`);
    expect(audit.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await identities('alice')).toEqual([{ provider: 'oidc:test', subject: 'alice-sub' }]);
    const login = await stack.db.query(
      `SELECT kind, outcome, actor_name, arguments FROM audit_log WHERE operation = 'auth.oidc' ORDER BY id DESC LIMIT 1`,
    );
    expect(login.rows[0]).toMatchObject({
      kind: 'login',
      outcome: 'OK',
      actor_name: 'alice',
      arguments: { provider: 'test', subject: 'alice-sub', created: true },
    });
    // A mutation with the session needs its CSRF token, as after a password login.
    const noCsrf = await fetch(`${api}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `sb_session=${browser.cookies.get('sb_session')}`,
      },
      body: JSON.stringify({ query: `mutation { revokeSession(id: "${aliceId}") }` }),
    }).then((r) => r.json() as Promise<{ errors: { extensions: { code: string } }[] }>);
    expect(noCsrf.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('signs the same user in the second time; a change of groups changes the roles, not the bindings an administrator made', async () => {
    await stack.gql.request(`mutation ($input: BindRoleInput!) { bindRole(input: $input) { id } }`, {
      input: { userId: aliceId, role: 'viewer', sites: ['lab-z'] },
    });
    people.set('alice-sub', { ...people.get('alice-sub'), groups: ['auditors', 'lab-a-approvers'] });
    const browser = new Browser(api);
    expect((await browser.signIn('alice-sub')).status).toBe(302);
    const me = await browser.gql(`{ me { id username } }`);
    expect(me.data.me).toEqual({ id: aliceId, username: 'alice' });
    expect(await bindings('alice')).toEqual([
      { role: 'auditor', sites: [], source: 'oidc:test' },
      { role: 'change-approver', sites: ['lab-a'], source: 'oidc:test' },
      { role: 'viewer', sites: ['lab-z'], source: null },
    ]);
    const audit = await browser.gql(`{ auditLog(filter: { first: 1 }) { id } }`);
    expect(audit.errors).toBeUndefined();
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM users WHERE username LIKE 'alice%'`,
    );
    expect(rows[0].n).toBe(1);
  });

  it('refuses an identity whose groups grant no role, and provisions nobody', async () => {
    people.set('nobody-sub', {
      email: 'nobody@example.com',
      preferred_username: 'nobody',
      groups: ['unmapped'],
    });
    const answer = await new Browser(api).signIn('nobody-sub');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text).errors[0]).toMatchObject({
      message: expect.stringContaining('no role'),
      extensions: { code: 'FORBIDDEN' },
    });
    const { rows } = await stack.db.query(`SELECT 1 FROM users WHERE username = 'nobody'`);
    expect(rows).toEqual([]);
    expect(await lastAudit()).toMatchObject({
      kind: 'login',
      operation: 'auth.oidc',
      outcome: 'DENIED',
      error_code: 'FORBIDDEN',
      actor_name: 'test:nobody-sub',
    });
  });

  it('refuses a tampered state, and a callback without a flow in progress', async () => {
    people.set('carol-sub', { email: 'carol@example.com', preferred_username: 'carol', groups: ['netops'] });
    const browser = new Browser(api);
    const start = await browser.fetch(`${api}/auth/oidc/test/start`);
    const callback = new URL(await browser.toCallback(start.location!, 'carol-sub'));
    callback.searchParams.set(
      'state',
      callback.searchParams.get('state')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    );
    const tampered = await browser.fetch(callback.toString());
    expect(tampered.status).toBe(400);
    expect(JSON.parse(tampered.text).errors[0].message).toMatch(/state .* does not match/);
    expect(browser.cookies.has('sb_session')).toBe(false);
    expect(await lastAudit()).toMatchObject({
      operation: 'auth.oidc',
      outcome: 'DENIED',
      error_code: 'BAD_USER_INPUT',
    });
    const noFlow = await new Browser(api).fetch(`${api}/auth/oidc/test/callback?code=x&state=y`);
    expect(noFlow.status).toBe(400);
    expect(JSON.parse(noFlow.text).errors[0].message).toMatch(/no OIDC sign-in is in progress/);
    const forged = new Browser(api);
    forged.cookies.set('sb_oidc', 'AAAA' + 'x'.repeat(80));
    expect((await forged.fetch(`${api}/auth/oidc/test/callback?code=x&state=y`)).status).toBe(400);
  });

  it('refuses a replayed code, with or without the flow cookie', async () => {
    const browser = new Browser(api);
    const start = await browser.fetch(`${api}/auth/oidc/test/start`);
    const flowCookie = browser.cookies.get('sb_oidc')!;
    const callback = await browser.toCallback(start.location!, 'carol-sub');
    expect((await browser.fetch(callback)).status).toBe(302);
    // The browser's flow is gone: a second use of the callback has nothing to match.
    const again = new Browser(api);
    const replay = await again.fetch(callback);
    expect(replay.status).toBe(400);
    // With the flow cookie copied, the provider itself refuses the used code.
    again.cookies.set('sb_oidc', flowCookie);
    const replayed = await again.fetch(callback);
    expect(replayed.status).toBe(401);
    expect(JSON.parse(replayed.text).errors[0]).toMatchObject({
      message: '"test" refused the code: invalid_grant',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(again.cookies.has('sb_session')).toBe(false);
  });

  it('refuses an ID token whose nonce is not the one of the sign-in', async () => {
    const browser = new Browser(api);
    const answer = await browser.signIn('carol-sub', (authorize) =>
      authorize.searchParams.set('nonce', 'another-nonce-0123456789abcdef'),
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text).errors[0].message).toBe(
      'the nonce of the ID token does not match the sign-in in progress',
    );
    expect(answer.text).not.toContain('another-nonce');
    expect(browser.cookies.has('sb_session')).toBe(false);
  });

  it('answers an error of the provider (access_denied) with 403, audited', async () => {
    const browser = new Browser(api);
    const start = await browser.fetch(`${api}/auth/oidc/test/start`);
    const state = new URL(start.location!).searchParams.get('state');
    const answer = await browser.fetch(
      `${api}/auth/oidc/test/callback?error=access_denied&error_description=%3Cscript%3E&state=${state}`,
    );
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text).errors[0].message).toBe(
      'the OIDC provider "test" refused the sign-in: access_denied',
    );
    expect(await lastAudit()).toMatchObject({
      operation: 'auth.oidc',
      outcome: 'DENIED',
      error_code: 'FORBIDDEN',
    });
  });

  it('de-duplicates the username of a new account', async () => {
    await stack.gql.request(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { username: 'dave', roles: ['viewer'], password: PASSWORD },
    });
    people.set('dave-sub', { email: 'dave@idp.example', preferred_username: 'dave', groups: ['netops'] });
    const browser = new Browser(api);
    expect((await browser.signIn('dave-sub')).status).toBe(302);
    expect((await browser.gql(`{ me { username } }`)).data.me.username).toBe('dave-2');
  });

  it('does not give a new account an e-mail the provider has not verified; a disabled account is refused', async () => {
    people.set('erin-sub', {
      email: 'erin@example.com',
      email_verified: false,
      preferred_username: 'erin',
      groups: ['netops'],
    });
    const browser = new Browser(api);
    expect((await browser.signIn('erin-sub')).status).toBe(302);
    const me = await browser.gql(`{ me { id username email } }`);
    expect(me.data.me).toMatchObject({ username: 'erin', email: null });
    await stack.gql.request(`mutation ($id: ID!) { disableUser(id: $id) { id } }`, { id: me.data.me.id });
    const refused = await new Browser(api).signIn('erin-sub');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).errors[0].message).toBe('this account is disabled');
  });

  it('does not link an identity to the local account of the same e-mail; its owner links it, signed in', async () => {
    await stack.gql.request(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { username: 'bob', email: 'Bob@Example.com', roles: ['viewer'], password: PASSWORD },
    });
    people.set('bob-sub', { email: 'bob@example.com', preferred_username: 'bobby', groups: ['netops'] });
    const stranger = new Browser(api);
    const refused = await stranger.signIn('bob-sub');
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.text).errors[0].message).toMatch(/not linked without its owner's consent/);
    expect(stranger.cookies.has('sb_session')).toBe(false);
    expect(await identities('bob')).toEqual([]);
    expect((await stack.db.query(`SELECT 1 FROM users WHERE username = 'bobby'`)).rows).toEqual([]);

    // Bob signs in with his password and asks to link: the POST needs his CSRF token.
    const bob = new Browser(api);
    const login = await bob.fetch(`${api}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const noCsrf = await bob.fetch(`${api}/auth/oidc/test/link`, { method: 'POST' });
    expect(noCsrf.status).toBe(403);
    const anonymous = await new Browser(api).fetch(`${api}/auth/oidc/test/link`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    const link = await bob.fetch(`${api}/auth/oidc/test/link`, {
      method: 'POST',
      headers: { 'x-csrf-token': bob.csrf! },
    });
    expect(link.status).toBe(200);
    const { url } = JSON.parse(link.text);
    expect(new URL(url).searchParams.get('prompt')).toBe('login');
    // Someone else cannot finish Bob's link flow in their browser.
    const thief = new Browser(api);
    thief.cookies.set('sb_oidc', bob.cookies.get('sb_oidc')!);
    const callback = await bob.toCallback(url, 'bob-sub');
    const stolen = await thief.fetch(callback);
    expect(stolen.status).toBe(403);
    // Bob's own browser can, once: the flow above was not consumed in his browser.
    const linked = await bob.fetch(callback);
    expect(linked.status).toBe(302);
    expect(await identities('bob')).toEqual([{ provider: 'oidc:test', subject: 'bob-sub' }]);
    expect(await lastAudit()).toMatchObject({
      operation: 'auth.oidc.link',
      outcome: 'OK',
      actor_name: 'bob',
    });

    // From now on the identity signs Bob in, with his roles and those of his groups.
    const later = new Browser(api);
    expect((await later.signIn('bob-sub')).status).toBe(302);
    const me = await later.gql(`{ me { username roles { role } } }`);
    expect(me.data.me.username).toBe('bob');
    expect(me.data.me.roles.map((r: { role: string }) => r.role).sort()).toEqual(['operator', 'viewer']);

    // An identity linked to Bob cannot be linked to Alice.
    const alice = new Browser(api);
    expect((await alice.signIn('alice-sub')).status).toBe(302);
    const aliceLink = await alice.fetch(`${api}/auth/oidc/test/link`, {
      method: 'POST',
      headers: { 'x-csrf-token': alice.csrf! },
    });
    const conflict = await alice.fetch(await alice.toCallback(JSON.parse(aliceLink.text).url, 'bob-sub'));
    expect(conflict.status).toBe(409);
  });

  it('lists the identities of the signed-in user and unlinks one, never the last way to sign in', async () => {
    const IDS = `{ me { username identities { id provider kind subject linkedAt } } }`;
    // Alice was provisioned by the provider: no password, one identity.
    const alice = new Browser(api);
    expect((await alice.signIn('alice-sub')).status).toBe(302);
    const aliceIds = (await alice.gql(IDS)).data.me.identities;
    expect(aliceIds).toMatchObject([{ provider: 'oidc:test', kind: 'oidc', subject: 'alice-sub' }]);
    const last = await alice.gql(`mutation ($id: ID!) { unlinkIdentity(id: $id) { provider } }`, {
      id: aliceIds[0].id,
    });
    expect(last.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(last.errors[0].message).toMatch(/^id: oidc:test is the only way this account signs in/);
    expect(await identities('alice')).toEqual([{ provider: 'oidc:test', subject: 'alice-sub' }]);

    // Bob has a password too: he unlinks the identity, and the roles its groups gave go with it.
    const bob = new Browser(api);
    expect((await bob.signIn('bob-sub')).status).toBe(302);
    const bobIds = (await bob.gql(IDS)).data.me.identities;
    expect(bobIds).toHaveLength(1);
    const notHis = await bob.gql(`mutation ($id: ID!) { unlinkIdentity(id: $id) { provider } }`, {
      id: aliceIds[0].id,
    });
    expect(notHis.errors[0].extensions.code).toBe('NOT_FOUND');
    const garbage = await bob.gql(`mutation { unlinkIdentity(id: "nonsense") { provider } }`);
    expect(garbage.errors[0].extensions.code).toBe('NOT_FOUND');
    const unlinked = await bob.gql(`mutation ($id: ID!) { unlinkIdentity(id: $id) { provider subject } }`, {
      id: bobIds[0].id,
    });
    expect(unlinked.data.unlinkIdentity).toEqual({ provider: 'oidc:test', subject: 'bob-sub' });
    expect(await identities('bob')).toEqual([]);
    const me = await bob.gql(`{ me { identities { id } roles { role } } }`);
    expect(me.data.me).toEqual({ identities: [], roles: [{ role: 'viewer' }] });
    // The identity no longer signs Bob in (his e-mail is not linked behind his back either).
    expect((await new Browser(api).signIn('bob-sub')).status).toBe(409);
    // An administrator sees the identities of any account.
    const listed = await stack.gql.request<{
      users: { username: string; identities: { provider: string }[] }[];
    }>(`{ users { username identities { provider } } }`);
    expect(listed.users.find((u) => u.username === 'alice')?.identities).toEqual([{ provider: 'oidc:test' }]);
  });

  it('never shows the client secret: not in answers, nor in the audit log', async () => {
    expect(Browser.seen.length).toBeGreaterThan(20);
    for (const text of Browser.seen) {
      expect(text).not.toContain(CLIENT_SECRET);
      expect(text).not.toContain('down-secret');
    }
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE arguments::text LIKE $1`,
      [`%${CLIENT_SECRET}%`],
    );
    expect(rows[0].n).toBe(0);
  });
});
