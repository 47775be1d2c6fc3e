import { ConfigError, loadConfig } from '../../libs/config/src/config';
import {
  baseUsername,
  claimValues,
  domainAllowed,
  mapRoles,
  OIDC_PRESETS,
  oidcProvidersSchema,
  publicView,
  usernameCandidate,
} from './oidc';

const parse = (list: unknown) => oidcProvidersSchema.parse(JSON.stringify(list));

const baseEnv = {
  API_TOKEN: 'x'.repeat(20),
  DATABASE_URL: 'postgres://u:p@localhost:5432/db',
  CREDENTIALS_KEY: '0'.repeat(64),
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ ...baseEnv, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('OIDC providers (OIDC_PROVIDERS)', () => {
  it('fills the issuer of each preset from its parameters, with its scopes and role claim', () => {
    const [google, keycloak, azure] = parse([
      { name: 'google', preset: 'google', clientId: 'g', clientSecret: 's' },
      { name: 'kc', preset: 'keycloak', host: 'sso.example.com', realm: 'netops', clientId: 'k' },
      { name: 'entra', preset: 'azure', tenant: 'contoso.onmicrosoft.com', clientId: 'a' },
    ]);
    expect(google).toMatchObject({
      issuer: 'https://accounts.google.com',
      scopes: ['openid', 'email', 'profile'],
      roleClaim: null,
      displayName: 'Google',
    });
    expect(keycloak).toMatchObject({ issuer: 'https://sso.example.com/realms/netops', roleClaim: 'groups' });
    expect(azure).toMatchObject({
      issuer: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
      roleClaim: 'roles',
    });
    expect(Object.keys(OIDC_PRESETS).sort()).toEqual(['azure', 'google', 'keycloak', 'qq', 'wechat']);
  });

  it('lets an entry override the preset (issuer, scopes, role claim) and always asks for openid', () => {
    const [p] = parse(
      [
        {
          name: 'kc',
          preset: 'keycloak',
          issuer: 'https://id.example.com/realms/x/',
          scopes: ['email', 'groups'],
          roleClaim: 'realm_access.roles',
        },
      ].map((p) => ({ ...p, clientId: 'c' })),
    );
    expect(p).toMatchObject({
      issuer: 'https://id.example.com/realms/x',
      scopes: ['openid', 'email', 'groups'],
      roleClaim: 'realm_access.roles',
    });
  });

  it('names the variable and the path inside the JSON of every problem, never a value', () => {
    const problems = problemsOf({
      API_PUBLIC_URL: 'http://127.0.0.1:4000',
      OIDC_PROVIDERS: JSON.stringify([
        { name: 'ok', issuer: 'https://id.example.com', clientId: 'c', clientSecret: 'hunter2-secret' },
        {
          name: 'Bad Name',
          clientId: '',
          clientSecret: 'hunter2-secret',
          roleMap: { admins: [{ sites: [] }] },
        },
        { name: 'kc', preset: 'keycloak', clientId: 'c', scopes: 'openid' },
        { name: 'ok', issuer: 'ftp://x', clientId: 'c' },
      ]),
    });
    const text = problems.join('\n');
    expect(text).toContain('OIDC_PROVIDERS[1].name');
    expect(text).toContain('OIDC_PROVIDERS[1].clientId');
    expect(text).toContain('OIDC_PROVIDERS[1].issuer is required without a preset');
    expect(text).toContain('OIDC_PROVIDERS[1].roleMap.admins');
    expect(text).toContain('OIDC_PROVIDERS[2].host is required by the keycloak preset');
    expect(text).toContain('OIDC_PROVIDERS[2].realm');
    expect(text).toContain('OIDC_PROVIDERS[2].scopes');
    expect(text).toContain('OIDC_PROVIDERS[3].issuer must be a URL');
    expect(text).not.toContain('hunter2');
  });

  it('refuses JSON that is not a list, and providers without API_PUBLIC_URL', () => {
    expect(problemsOf({ OIDC_PROVIDERS: '{not json' })).toEqual([
      'OIDC_PROVIDERS must be JSON: a list of providers',
    ]);
    expect(problemsOf({ OIDC_PROVIDERS: '{}' })).toEqual(['OIDC_PROVIDERS must be a JSON list of providers']);
    expect(
      problemsOf({
        OIDC_PROVIDERS: JSON.stringify([{ name: 'a', issuer: 'https://a.example', clientId: 'c' }]),
      }),
    ).toEqual(['API_PUBLIC_URL is required with OIDC_PROVIDERS (the redirect URIs are built on it)']);
    expect(problemsOf({ OIDC_SUCCESS_PATH: '//evil.example' })).toEqual([
      'OIDC_SUCCESS_PATH must be a path on this site, starting with a single /',
    ]);
    const config = loadConfig(baseEnv);
    expect(config.oidc).toEqual({ providers: [], successPath: '/' });
  });

  it('shows a page the name, never the secret', () => {
    const [p] = parse([
      { name: 'kc', issuer: 'https://id.example.com', clientId: 'c', clientSecret: 'hunter2' },
    ]);
    expect(JSON.stringify(publicView(p))).not.toContain('hunter2');
    expect(publicView(p)).toEqual({
      name: 'kc',
      displayName: 'kc',
      preset: null,
      startUrl: '/auth/oidc/kc/start',
    });
  });
});

describe('claim-to-role mapping', () => {
  const [provider] = parse([
    {
      name: 'kc',
      issuer: 'https://id.example.com',
      clientId: 'c',
      roleClaim: 'groups',
      roleMap: {
        netops: 'operator',
        'lab-a-approvers': { role: 'change-approver', sites: ['lab-a'] },
        'lab-b-approvers': [{ role: 'change-approver', sites: ['lab-b'] }, 'viewer'],
        admins: ['administrator'],
        '*': 'viewer',
      },
    },
  ]);

  it('maps each value of the claim (a string or a list), merges sites, and applies "*" to everyone', () => {
    expect(mapRoles(provider, { groups: 'netops' })).toEqual([
      { role: 'operator', sites: [] },
      { role: 'viewer', sites: [] },
    ]);
    expect(mapRoles(provider, { groups: ['lab-b-approvers', 'lab-a-approvers', 'unknown', 7] })).toEqual([
      { role: 'change-approver', sites: ['lab-a', 'lab-b'] },
      { role: 'viewer', sites: [] },
    ]);
    expect(mapRoles(provider, {})).toEqual([{ role: 'viewer', sites: [] }]);
  });

  it('a role granted everywhere stays everywhere when a scoped grant of it comes too', () => {
    const p = {
      roleClaim: 'roles',
      roleMap: { a: [{ role: 'viewer', sites: ['x'] }], b: [{ role: 'viewer', sites: [] }] },
    };
    expect(mapRoles(p, { roles: ['a', 'b'] })).toEqual([{ role: 'viewer', sites: [] }]);
    expect(mapRoles(p, { roles: ['b', 'a'] })).toEqual([{ role: 'viewer', sites: [] }]);
  });

  it('reads nested claims by a dotted path (Keycloak realm_access.roles)', () => {
    expect(claimValues({ realm_access: { roles: ['x', 'y', 'x'] } }, 'realm_access.roles')).toEqual([
      'x',
      'y',
    ]);
    expect(claimValues({ 'a.b': 'whole' }, 'a.b')).toEqual(['whole']);
    expect(claimValues({ groups: 'x' }, null)).toEqual([]);
  });

  it('limits sign-in to the allowed e-mail domains (Google hd first)', () => {
    const p = { allowedDomains: ['example.com'] };
    expect(domainAllowed(p, { email: 'mia@Example.com' })).toBe(true);
    expect(domainAllowed(p, { email: 'mia@example.org' })).toBe(false);
    expect(domainAllowed(p, { email: 'mia@example.org', hd: 'example.com' })).toBe(true);
    expect(domainAllowed(p, {})).toBe(false);
    expect(domainAllowed(p, { email: 'mia@example.com', email_verified: false })).toBe(false);
    expect(domainAllowed(p, { email: 'mia@example.com', email_verified: true })).toBe(true);
    expect(domainAllowed({ allowedDomains: null }, {})).toBe(true);
  });
});

describe('usernames of provisioned accounts', () => {
  it('takes preferred_username, else the e-mail, else provider and subject, made valid', () => {
    expect(baseUsername('kc', { sub: '1', preferred_username: 'Mia Wong', email: 'm@x.io' })).toBe(
      'mia-wong',
    );
    expect(baseUsername('kc', { sub: '1', email: 'Mia@Example.com' })).toBe('mia@example.com');
    expect(baseUsername('kc', { sub: 'abc' })).toBe('kc-abc');
    expect(baseUsername('kc', { sub: '1', preferred_username: '__' })).toBe('kc-1');
    expect(baseUsername('kc', { sub: 'x', preferred_username: 'ü'.repeat(100) + 'abc' })).toBe('abc');
    expect(baseUsername('kc', { sub: 'y', preferred_username: 'a'.repeat(100) }).length).toBe(60);
  });

  it('de-duplicates with a numeric suffix, never longer than 64 characters', () => {
    expect(usernameCandidate('mia', 1)).toBe('mia');
    expect(usernameCandidate('mia', 2)).toBe('mia-2');
    expect(usernameCandidate('a'.repeat(64), 12)).toBe('a'.repeat(61) + '-12');
  });
});
