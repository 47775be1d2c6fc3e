import { ServiceUnavailableException } from '@nestjs/common';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import type { OidcProvider } from './oidc';

/**
 * QQ Connect and WeChat Open Platform website login: OAuth 2.0 in their own dialects (no discovery,
 * no ID token, no PKCE), giving the same claims the OIDC sign-in gives (`sub`, `name`), so that
 * the rest (accounts, roles, session) is the same. What proves the identity is the back-channel
 * exchange of the code with the app secret, over TLS, with the provider itself.
 *
 * QQ: GET /oauth2.0/token answers form-encoded `access_token=...&expires_in=...` (or JSON with
 * fmt=json) and errors as JSONP `callback( {"error":100019,"error_description":"..."} );`;
 * GET /oauth2.0/me answers `callback( {"client_id":"...","openid":"..."} );`; GET
 * /user/get_user_info answers JSON with `ret` (0: fine) and `nickname`.
 * WeChat: GET /sns/oauth2/access_token and /sns/userinfo answer JSON (often as text/plain) with
 * `openid` and `unionid`, or `{"errcode":40029,"errmsg":"invalid code"}`.
 */

/** Numbers the providers use in their errors, and their names as we show them. */
export interface DialectError {
  code: string;
  description: string;
}

/** A JSONP answer of QQ (`callback( {...} );`), or plain JSON; null when it is neither. */
export function parseJsonp(text: string): Record<string, unknown> | null {
  const trimmed = text.trim();
  const match = /^callback\s*\(\s*([\s\S]*?)\s*\)\s*;?$/.exec(trimmed);
  const body = match ? match[1] : trimmed;
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** QQ's token answer: form-encoded, JSON (fmt=json), or a JSONP error. */
export function parseQqToken(text: string): { accessToken: string } | { error: DialectError } {
  const json = parseJsonp(text);
  const fields: Record<string, unknown> = json ?? Object.fromEntries(new URLSearchParams(text.trim()));
  if (fields.error !== undefined || fields.code !== undefined) return { error: dialectError(fields) };
  const token = fields.access_token;
  if (typeof token === 'string' && token) return { accessToken: token };
  return { error: { code: 'unreadable', description: 'no access_token in the answer' } };
}

/** An error of either dialect: QQ's error/error_description (or code/msg), WeChat's errcode/errmsg. */
export function dialectError(fields: Record<string, unknown>): DialectError {
  const code = fields.error ?? fields.errcode ?? fields.code ?? fields.ret ?? 'unknown';
  const description = fields.error_description ?? fields.errmsg ?? fields.msg ?? '';
  return {
    code:
      String(code)
        .replace(/[^\w.-]/g, '')
        .slice(0, 20) || 'unknown',
    // The provider's words, kept short and plain (they are shown to the person).
    description: String(description)
      .replace(/[^\p{L}\p{N} .,:;'()_-]/gu, '')
      .slice(0, 120),
  };
}

/** WeChat's answers are JSON; an `errcode` other than 0 is an error. */
export function parseWechat(text: string): Record<string, unknown> | { error: DialectError } {
  const json = parseJsonp(text);
  if (!json) return { error: { code: 'unreadable', description: 'the answer is not JSON' } };
  if (json.errcode !== undefined && Number(json.errcode) !== 0) return { error: dialectError(json) };
  return json;
}

const fail = (provider: OidcProvider, what: string, error: DialectError) =>
  new SwitchboardError(
    ErrorCode.UNAUTHENTICATED,
    `${provider.displayName} refused ${what}: ${error.code}${error.description ? ` (${error.description})` : ''}`,
  );

export type Fetch = (url: string) => Promise<{ status: number; text: string }>;

export const httpGet: Fetch = async (url) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  return { status: response.status, text: await response.text() };
};

/** The URL that asks the person to sign in (`state` carries the flow; neither dialect knows PKCE). */
export function authorizeUrl(provider: OidcProvider, redirectUri: string, state: string): string {
  const base = new URL(provider.authorizeUrl ?? `${provider.issuer}/oauth2.0/authorize`);
  if (provider.protocol === 'wechat') {
    base.search = new URLSearchParams({
      appid: provider.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: provider.scopes.join(','),
      state,
    }).toString();
    base.hash = 'wechat_redirect';
  } else {
    base.search = new URLSearchParams({
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: redirectUri,
      state,
      scope: provider.scopes.join(','),
    }).toString();
  }
  return base.toString();
}

async function get(provider: OidcProvider, http: Fetch, path: string, query: Record<string, string>) {
  const url = `${provider.issuer}${path}?${new URLSearchParams(query).toString()}`;
  try {
    return await http(url);
  } catch {
    throw new ServiceUnavailableException(
      `${provider.displayName} cannot be reached (${path}); try again later`,
    );
  }
}

/** The claims of a QQ Connect code: the token, then the openid (/me), then the nickname. */
export async function qqClaims(
  provider: OidcProvider,
  code: string,
  redirectUri: string,
  http: Fetch = httpGet,
): Promise<Record<string, unknown>> {
  const tokenAnswer = await get(provider, http, '/oauth2.0/token', {
    grant_type: 'authorization_code',
    client_id: provider.clientId,
    client_secret: provider.clientSecret ?? '',
    code,
    redirect_uri: redirectUri,
  });
  const token = parseQqToken(tokenAnswer.text);
  if ('error' in token) throw fail(provider, 'the code', token.error);
  const meAnswer = await get(provider, http, '/oauth2.0/me', {
    access_token: token.accessToken,
    ...(provider.useUnionId ? { unionid: '1' } : {}),
  });
  const me = parseJsonp(meAnswer.text);
  if (!me) throw fail(provider, 'the token', { code: 'unreadable', description: '' });
  if (me.error !== undefined || me.code !== undefined) throw fail(provider, 'the token', dialectError(me));
  // A token issued to another app must not sign anyone in here.
  if (String(me.client_id) !== provider.clientId)
    throw new SwitchboardError(
      ErrorCode.UNAUTHENTICATED,
      `the ${provider.displayName} token was issued to another app`,
    );
  const subject = provider.useUnionId ? me.unionid : me.openid;
  if (typeof subject !== 'string' || !subject)
    throw new SwitchboardError(
      ErrorCode.UNAUTHENTICATED,
      `${provider.displayName} gave no ${provider.useUnionId ? 'unionid' : 'openid'}`,
    );
  const claims: Record<string, unknown> = { sub: subject, openid: me.openid, unionid: me.unionid };
  const infoAnswer = await get(provider, http, '/user/get_user_info', {
    access_token: token.accessToken,
    oauth_consumer_key: provider.clientId,
    openid: String(me.openid),
  });
  const info = parseJsonp(infoAnswer.text);
  if (info && Number(info.ret) === 0 && typeof info.nickname === 'string') {
    claims.name = info.nickname;
    claims.nickname = info.nickname;
  }
  return claims;
}

/** The claims of a WeChat website-login code: the token answer carries openid and unionid; then userinfo. */
export async function wechatClaims(
  provider: OidcProvider,
  code: string,
  http: Fetch = httpGet,
): Promise<Record<string, unknown>> {
  const tokenAnswer = await get(provider, http, '/sns/oauth2/access_token', {
    appid: provider.clientId,
    secret: provider.clientSecret ?? '',
    code,
    grant_type: 'authorization_code',
  });
  const token = parseWechat(tokenAnswer.text);
  if ('error' in token) throw fail(provider, 'the code', token.error as DialectError);
  if (typeof token.access_token !== 'string' || typeof token.openid !== 'string')
    throw fail(provider, 'the code', { code: 'unreadable', description: 'no access_token or openid' });
  const claims: Record<string, unknown> = { openid: token.openid, unionid: token.unionid };
  const infoAnswer = await get(provider, http, '/sns/userinfo', {
    access_token: token.access_token,
    openid: token.openid,
  });
  const info = parseWechat(infoAnswer.text);
  if (!('error' in info)) {
    if (info.openid !== undefined && info.openid !== token.openid)
      throw new SwitchboardError(
        ErrorCode.UNAUTHENTICATED,
        `${provider.displayName} answered for another openid`,
      );
    if (typeof info.nickname === 'string') claims.name = claims.nickname = info.nickname;
    if (typeof info.unionid === 'string') claims.unionid ??= info.unionid;
  }
  const subject = provider.useUnionId ? claims.unionid : claims.openid;
  if (typeof subject !== 'string' || !subject)
    throw new SwitchboardError(
      ErrorCode.UNAUTHENTICATED,
      `${provider.displayName} gave no ${provider.useUnionId ? 'unionid' : 'openid'} (is the app bound to an Open Platform account?)`,
    );
  return { sub: subject, ...claims };
}
