import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStack, type Stack } from './support/harness';

/**
 * QQ Connect and WeChat website login against a local fake of each, speaking exactly their
 * formats: QQ's form-encoded token answer and JSONP (`callback( {...} );`) for /me and errors,
 * WeChat's JSON with openid/unionid and `errcode` errors. The person's consent is the fake's
 * authorize page sending the browser straight back with a code (or, declined, without one).
 */

const QQ_APP = '101234567';
const QQ_SECRET = 'qq-app-secret-never-shown-0123456789';
const WX_APP = 'wx0123456789abcdef';
const WX_SECRET = 'wechat-app-secret-never-shown-0123456789';

interface Person {
  openid: string;
  unionid: string;
  nickname: string;
}

/** The fake: who consents next, the codes it issued (each usable once), and the tokens. */
class FakeProviders {
  server!: Server;
  url = '';
  next: Person | 'decline' = 'decline';
  /** Set: /oauth2.0/me answers for another app (a token of someone else's app replayed here). */
  otherApp = false;
  private codes = new Map<string, { person: Person; app: string; redirect: string }>();
  private tokens = new Map<string, Person>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const q = Object.fromEntries(url.searchParams);
    const send = (text: string, type = 'text/html') => {
      res.writeHead(200, { 'content-type': type });
      res.end(text);
    };
    const jsonp = (body: unknown) => send(`callback( ${JSON.stringify(body)} );\n`);
    const issue = (app: string, redirect: string) => {
      const back = new URL(redirect);
      if (this.next !== 'decline') {
        const code = randomBytes(16).toString('hex').toUpperCase();
        this.codes.set(code, { person: this.next, app, redirect });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', q.state);
      res.writeHead(302, { location: back.toString() });
      res.end();
    };
    switch (url.pathname) {
      // QQ Connect
      case '/oauth2.0/authorize':
        if (q.response_type !== 'code' || q.client_id !== QQ_APP)
          return jsonp({ error: 100001, error_description: 'param client_id is wrong' });
        return issue(QQ_APP, q.redirect_uri);
      case '/oauth2.0/token': {
        const grant = this.codes.get(q.code);
        this.codes.delete(q.code);
        if (q.client_id !== QQ_APP || q.client_secret !== QQ_SECRET)
          return jsonp({ error: 100013, error_description: 'client secret is wrong' });
        if (!grant || grant.app !== QQ_APP || grant.redirect !== q.redirect_uri)
          return jsonp({ error: 100019, error_description: 'code to access token error' });
        const token = randomBytes(16).toString('hex').toUpperCase();
        this.tokens.set(token, grant.person);
        return send(
          `access_token=${token}&expires_in=7776000&refresh_token=${randomBytes(8).toString('hex')}`,
        );
      }
      case '/oauth2.0/me': {
        const person = this.tokens.get(q.access_token);
        if (!person) return jsonp({ error: 100016, error_description: 'access token check failed' });
        return jsonp({
          client_id: this.otherApp ? '100000001' : QQ_APP,
          openid: person.openid,
          ...(q.unionid === '1' ? { unionid: person.unionid } : {}),
        });
      }
      case '/user/get_user_info': {
        const person = this.tokens.get(q.access_token);
        if (!person || q.oauth_consumer_key !== QQ_APP)
          return send(JSON.stringify({ ret: 100030, msg: 'no permission' }));
        return send(JSON.stringify({ ret: 0, msg: '', nickname: person.nickname, gender: '男' }));
      }
      // WeChat Open Platform
      case '/connect/qrconnect':
        if (q.appid !== WX_APP || q.scope !== 'snsapi_login') return send('<html>参数错误</html>');
        return issue(WX_APP, q.redirect_uri);
      case '/sns/oauth2/access_token': {
        const grant = this.codes.get(q.code);
        this.codes.delete(q.code);
        if (q.appid !== WX_APP || q.secret !== WX_SECRET)
          return send(JSON.stringify({ errcode: 40125, errmsg: 'invalid appsecret, rid: 1' }), 'text/plain');
        if (!grant || grant.app !== WX_APP)
          return send(JSON.stringify({ errcode: 40029, errmsg: 'invalid code, rid: 2' }), 'text/plain');
        const token = randomBytes(16).toString('hex');
        this.tokens.set(token, grant.person);
        return send(
          JSON.stringify({
            access_token: token,
            expires_in: 7200,
            refresh_token: 'r',
            openid: grant.person.openid,
            scope: 'snsapi_login',
            unionid: grant.person.unionid,
          }),
          'text/plain',
        );
      }
      case '/sns/userinfo': {
        const person = this.tokens.get(q.access_token);
        if (!person || q.openid !== person.openid)
          return send(JSON.stringify({ errcode: 40001, errmsg: 'invalid credential' }), 'text/plain');
        return send(
          JSON.stringify({
            openid: person.openid,
            nickname: person.nickname,
            unionid: person.unionid,
            sex: 1,
          }),
          'text/plain',
        );
      }
      default:
        res.writeHead(404);
        res.end();
    }
  }
}

/** A browser with one cookie jar, redirects followed by hand; everything the API answered is kept. */
class Browser {
  cookies = new Map<string, string>();
  static seen: string[] = [];

  constructor(private readonly api: string) {}

  async fetch(url: string): Promise<{ status: number; location: string | null; text: string }> {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || !pair.slice(at + 1)) this.cookies.delete(pair.slice(0, at).trim());
      else this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    const text = await response.text();
    if (url.startsWith(this.api)) Browser.seen.push(JSON.stringify([...response.headers]), text);
    return { status: response.status, location: response.headers.get('location'), text };
  }

  /** /start, the fake's authorize page, and back: the callback URL (not yet followed). */
  async toCallback(provider: string): Promise<string> {
    const start = await this.fetch(`${this.api}/auth/oidc/${provider}/start`);
    expect(start.status).toBe(302);
    const consent = await this.fetch(start.location!.replace(/#.*$/, ''));
    expect(consent.status).toBe(302);
    return consent.location!;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API
  async me(): Promise<any> {
    const response = await fetch(`${this.api}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `sb_session=${this.cookies.get('sb_session')}`,
      },
      body: JSON.stringify({ query: '{ me { id username displayName roles { role } } }' }),
    });
    return ((await response.json()) as { data: { me: unknown } }).data?.me;
  }
}

describe('QQ Connect and WeChat website login against local fakes of their APIs', () => {
  const fake = new FakeProviders();
  let stack: Stack;
  let api: string;
  const error = (text: string) => JSON.parse(text).errors[0];

  beforeAll(async () => {
    await fake.start();
    stack = await startStack({
      lab: { devices: 1 },
      worker: false,
      env: {
        // Port 0: redirect URIs are built on API_PUBLIC_URL, which the fake does not check here.
        API_PUBLIC_URL: 'http://127.0.0.1:1',
        OIDC_PROVIDERS: JSON.stringify([
          {
            name: 'qq',
            preset: 'qq',
            issuer: fake.url,
            clientId: QQ_APP,
            clientSecret: QQ_SECRET,
            roleMap: { '*': 'viewer' },
          },
          {
            name: 'wechat',
            preset: 'wechat',
            issuer: fake.url,
            authorizeUrl: `${fake.url}/connect/qrconnect`,
            clientId: WX_APP,
            clientSecret: WX_SECRET,
            useUnionId: true,
            roleMap: { '*': 'operator' },
          },
        ]),
      },
    });
    api = stack.url;
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => fake.server?.close(resolve));
  });

  /** The callback URL points at API_PUBLIC_URL: the test's API is elsewhere (port 0). */
  const here = (callback: string) => {
    const url = new URL(callback);
    return `${api}${url.pathname}${url.search}`;
  };

  it('lists both providers beside each other', async () => {
    const answer = await new Browser(api).fetch(`${api}/auth/oidc/providers`);
    expect(
      JSON.parse(answer.text).providers.map(
        (p: { name: string; displayName: string }) => `${p.name} ${p.displayName}`,
      ),
    ).toEqual(['qq QQ', 'wechat WeChat']);
  });

  describe('QQ Connect', () => {
    const mei: Person = { openid: '3A1B9C5D7E1F3A5B7C9D1E3F5A7B9C1D', unionid: 'UID_MEI', nickname: '小美' };

    it('signs a new person in (form-encoded token, JSONP /me), then the same account again', async () => {
      fake.next = mei;
      const browser = new Browser(api);
      const start = await browser.fetch(`${api}/auth/oidc/qq/start`);
      const authorize = new URL(start.location!);
      expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: QQ_APP,
        redirect_uri: 'http://127.0.0.1:1/auth/oidc/qq/callback',
        scope: 'get_user_info',
      });
      const consent = await browser.fetch(authorize.toString());
      const done = await browser.fetch(here(consent.location!));
      expect(done.status).toBe(302);
      const me = await browser.me();
      expect(me).toMatchObject({
        username: `qq-${mei.openid.toLowerCase()}`,
        displayName: '小美',
        roles: [{ role: 'viewer' }],
      });
      const { rows } = await stack.db.query(
        `SELECT provider, subject FROM user_identities WHERE user_id = $1`,
        [me.id],
      );
      expect(rows).toEqual([{ provider: 'qq:qq', subject: mei.openid }]);
      const again = new Browser(api);
      expect((await again.fetch(here(await again.toCallback('qq')))).status).toBe(302);
      expect((await again.me()).id).toBe(me.id);
    });

    it('answers a used code with QQ JSONP error, named', async () => {
      fake.next = mei;
      const browser = new Browser(api);
      const callback = here(await browser.toCallback('qq'));
      const flow = browser.cookies.get('sb_oidc')!;
      expect((await browser.fetch(callback)).status).toBe(302);
      const thief = new Browser(api);
      thief.cookies.set('sb_oidc', flow);
      const replay = await thief.fetch(callback);
      expect(replay.status).toBe(401);
      expect(error(replay.text)).toMatchObject({
        message: 'QQ refused the code: 100019 (code to access token error)',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      const { rows } = await stack.db.query(
        `SELECT outcome, error_code FROM audit_log WHERE operation = 'auth.oidc' ORDER BY id DESC LIMIT 1`,
      );
      expect(rows[0]).toEqual({ outcome: 'DENIED', error_code: 'UNAUTHENTICATED' });
    });

    it('refuses a token QQ issued to another app, and a tampered state', async () => {
      fake.next = mei;
      fake.otherApp = true;
      const browser = new Browser(api);
      const refused = await browser.fetch(here(await browser.toCallback('qq')));
      fake.otherApp = false;
      expect(refused.status).toBe(401);
      expect(error(refused.text).message).toBe('the QQ token was issued to another app');
      const tampered = new Browser(api);
      const url = new URL(here(await tampered.toCallback('qq')));
      url.searchParams.set('state', 'forged');
      expect((await tampered.fetch(url.toString())).status).toBe(400);
    });
  });

  describe('WeChat', () => {
    const wei: Person = {
      openid: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M',
      unionid: 'o6_bmasdasdsad6_2sgVt7hMZOPfL',
      nickname: '伟',
    };

    it('signs a new person in by unionid, with the role everyone gets', async () => {
      fake.next = wei;
      const browser = new Browser(api);
      const start = await browser.fetch(`${api}/auth/oidc/wechat/start`);
      expect(start.location).toMatch(/#wechat_redirect$/);
      expect(Object.fromEntries(new URL(start.location!).searchParams)).toMatchObject({
        appid: WX_APP,
        response_type: 'code',
        scope: 'snsapi_login',
      });
      const consent = await browser.fetch(start.location!.replace(/#.*$/, ''));
      expect((await browser.fetch(here(consent.location!))).status).toBe(302);
      const me = await browser.me();
      expect(me).toMatchObject({ displayName: '伟', roles: [{ role: 'operator' }] });
      const { rows } = await stack.db.query(
        `SELECT provider, subject FROM user_identities WHERE user_id = $1`,
        [me.id],
      );
      expect(rows).toEqual([{ provider: 'wechat:wechat', subject: wei.unionid }]);
    });

    it('answers a declined sign-in (no code) with 403, and an errcode with its number', async () => {
      fake.next = 'decline';
      const declined = new Browser(api);
      const answer = await declined.fetch(here(await declined.toCallback('wechat')));
      expect(answer.status).toBe(403);
      expect(error(answer.text).message).toBe('the sign-in was declined at WeChat');
      fake.next = wei;
      const forged = new Browser(api);
      const url = new URL(here(await forged.toCallback('wechat')));
      url.searchParams.set('code', 'not-a-code');
      const refused = await forged.fetch(url.toString());
      expect(refused.status).toBe(401);
      expect(error(refused.text).message).toBe('WeChat refused the code: 40029 (invalid code, rid: 2)');
    });
  });

  it('limits the callbacks a client address may make (API_LOGIN_ATTEMPTS_PER_MINUTE)', async () => {
    const browser = new Browser(api);
    const statuses: number[] = [];
    for (let i = 0; i < 35 && !statuses.includes(429); i++)
      statuses.push((await browser.fetch(`${api}/auth/oidc/qq/callback?code=x&state=y`)).status);
    expect(statuses).toContain(429);
    expect(new Set(statuses)).toEqual(new Set([400, 429]));
  });

  it('never shows an app secret', async () => {
    expect(Browser.seen.length).toBeGreaterThan(10);
    for (const text of Browser.seen) {
      expect(text).not.toContain(QQ_SECRET);
      expect(text).not.toContain(WX_SECRET);
    }
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE arguments::text LIKE '%secret-never-shown%'`,
    );
    expect(rows[0].n).toBe(0);
  });
});
