import {
  authorizeUrl,
  dialectError,
  parseJsonp,
  parseQqToken,
  parseWechat,
  qqClaims,
  wechatClaims,
  type Fetch,
} from './oauth-cn';
import { oidcProvidersSchema } from './oidc';

const parse = (list: unknown) => oidcProvidersSchema.parse(JSON.stringify(list));

describe('QQ Connect and WeChat presets', () => {
  it('fill the endpoints, scopes, and need the app secret', () => {
    const [qq, wechat] = parse([
      { name: 'qq', preset: 'qq', clientId: '101', clientSecret: 's' },
      { name: 'wx', preset: 'wechat', clientId: 'wx1', clientSecret: 's' },
    ]);
    expect(qq).toMatchObject({
      protocol: 'qq',
      issuer: 'https://graph.qq.com',
      authorizeUrl: 'https://graph.qq.com/oauth2.0/authorize',
      scopes: ['get_user_info'],
      displayName: 'QQ',
    });
    expect(wechat).toMatchObject({
      protocol: 'wechat',
      issuer: 'https://api.weixin.qq.com',
      authorizeUrl: 'https://open.weixin.qq.com/connect/qrconnect',
      scopes: ['snsapi_login'],
    });
    const [local] = parse([
      { name: 'qq', preset: 'qq', issuer: 'http://127.0.0.1:9/', clientId: '1', clientSecret: 's' },
    ]);
    expect(local.authorizeUrl).toBe('http://127.0.0.1:9/oauth2.0/authorize');
    const result = oidcProvidersSchema.safeParse(
      JSON.stringify([{ name: 'wx', preset: 'wechat', clientId: 'x' }]),
    );
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ path: [0, 'clientSecret'] });
  });

  it('build the authorize URLs of each dialect', () => {
    const [qq, wechat] = parse([
      { name: 'qq', preset: 'qq', clientId: '101', clientSecret: 's' },
      { name: 'wx', preset: 'wechat', clientId: 'wx1', clientSecret: 's' },
    ]);
    const q = new URL(authorizeUrl(qq, 'https://sb.example/auth/oidc/qq/callback', 'st'));
    expect(Object.fromEntries(q.searchParams)).toEqual({
      response_type: 'code',
      client_id: '101',
      redirect_uri: 'https://sb.example/auth/oidc/qq/callback',
      state: 'st',
      scope: 'get_user_info',
    });
    const w = authorizeUrl(wechat, 'https://sb.example/cb', 'st');
    expect(w).toBe(
      'https://open.weixin.qq.com/connect/qrconnect?appid=wx1&redirect_uri=https%3A%2F%2Fsb.example%2Fcb&response_type=code&scope=snsapi_login&state=st#wechat_redirect',
    );
  });
});

describe('the answers of QQ and WeChat', () => {
  it('reads QQ JSONP, with or without spaces and the semicolon', () => {
    expect(parseJsonp('callback( {"client_id":"101","openid":"ABC"} );\n')).toEqual({
      client_id: '101',
      openid: 'ABC',
    });
    expect(parseJsonp('callback({"error":100016})')).toEqual({ error: 100016 });
    expect(parseJsonp('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonp('access_token=x')).toBeNull();
    expect(parseJsonp('callback( [1] );')).toBeNull();
  });

  it('reads QQ token answers: form-encoded, JSON, and JSONP errors', () => {
    expect(parseQqToken('access_token=FE04&expires_in=7776000&refresh_token=88E4')).toEqual({
      accessToken: 'FE04',
    });
    expect(parseQqToken('{"access_token":"FE04","expires_in":"7776000"}')).toEqual({ accessToken: 'FE04' });
    expect(
      parseQqToken('callback( {"error":100019,"error_description":"code to access token error"} );'),
    ).toEqual({ error: { code: '100019', description: 'code to access token error' } });
    expect(parseQqToken('expires_in=1')).toEqual({
      error: { code: 'unreadable', description: 'no access_token in the answer' },
    });
  });

  it('reads WeChat answers and their errcode errors', () => {
    expect(parseWechat('{"access_token":"T","openid":"o1","unionid":"u1"}')).toEqual({
      access_token: 'T',
      openid: 'o1',
      unionid: 'u1',
    });
    expect(parseWechat('{"errcode":40029,"errmsg":"invalid code"}')).toEqual({
      error: { code: '40029', description: 'invalid code' },
    });
    expect(parseWechat('{"errcode":0,"errmsg":"ok","openid":"o"}')).toMatchObject({ openid: 'o' });
    expect(parseWechat('<html>')).toEqual({
      error: { code: 'unreadable', description: 'the answer is not JSON' },
    });
  });

  it('keeps the words of an error short and plain', () => {
    expect(
      dialectError({ errcode: 40163, errmsg: 'code been used, rid: <script>alert(1)</script>' }),
    ).toEqual({
      code: '40163',
      description: 'code been used, rid: scriptalert(1)script',
    });
    expect(dialectError({}).code).toBe('unknown');
  });
});

describe('the claims of a code', () => {
  const answers = (map: Record<string, string>): Fetch & { urls: string[] } => {
    const urls: string[] = [];
    const http = (async (url: string) => {
      urls.push(url);
      const path = new URL(url).pathname;
      return { status: 200, text: map[path] ?? '{"errcode":-1}' };
    }) as Fetch & { urls: string[] };
    http.urls = urls;
    return http;
  };
  const [qq, wechat] = parse([
    { name: 'qq', preset: 'qq', clientId: '101', clientSecret: 'qq-secret' },
    { name: 'wx', preset: 'wechat', clientId: 'wx1', clientSecret: 'wx-secret', useUnionId: true },
  ]);

  it('QQ: token, /me (the app must be ours), nickname', async () => {
    const http = answers({
      '/oauth2.0/token': 'access_token=T1&expires_in=7776000',
      '/oauth2.0/me': 'callback( {"client_id":"101","openid":"OPEN1"} );',
      '/user/get_user_info': '{"ret":0,"msg":"","nickname":"小明"}',
    });
    expect(await qqClaims(qq, 'C', 'https://sb/cb', http)).toEqual({
      sub: 'OPEN1',
      openid: 'OPEN1',
      unionid: undefined,
      name: '小明',
      nickname: '小明',
    });
    expect(new URL(http.urls[0]).searchParams.get('client_secret')).toBe('qq-secret');
    const other = answers({
      '/oauth2.0/token': 'access_token=T1',
      '/oauth2.0/me': 'callback( {"client_id":"999","openid":"OPEN1"} );',
    });
    await expect(qqClaims(qq, 'C', 'https://sb/cb', other)).rejects.toThrow(
      'the QQ token was issued to another app',
    );
    const refused = answers({
      '/oauth2.0/token': 'callback( {"error":100019,"error_description":"code to access token error"} );',
    });
    await expect(qqClaims(qq, 'C', 'https://sb/cb', refused)).rejects.toThrow(
      'QQ refused the code: 100019 (code to access token error)',
    );
  });

  it('WeChat: the unionid when asked for, errcode errors named', async () => {
    const http = answers({
      '/sns/oauth2/access_token':
        '{"access_token":"T","expires_in":7200,"openid":"o1","scope":"snsapi_login","unionid":"u1"}',
      '/sns/userinfo': '{"openid":"o1","nickname":"Wei","unionid":"u1"}',
    });
    expect(await wechatClaims(wechat, 'C', http)).toEqual({
      sub: 'u1',
      openid: 'o1',
      unionid: 'u1',
      name: 'Wei',
      nickname: 'Wei',
    });
    const noUnion = answers({
      '/sns/oauth2/access_token': '{"access_token":"T","openid":"o1"}',
      '/sns/userinfo': '{"openid":"o1"}',
    });
    await expect(wechatClaims(wechat, 'C', noUnion)).rejects.toThrow(/gave no unionid/);
    const bad = answers({ '/sns/oauth2/access_token': '{"errcode":40029,"errmsg":"invalid code"}' });
    await expect(wechatClaims(wechat, 'C', bad)).rejects.toThrow(
      'WeChat refused the code: 40029 (invalid code)',
    );
  });
});
