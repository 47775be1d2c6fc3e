import { z } from 'zod';

/**
 * OIDC providers (OIDC_PROVIDERS): their schema, checked at boot with the rest of the
 * configuration (config.ts), and the presets for Google, Keycloak and Azure AD, and for the two
 * OAuth 2.0 dialects that are not OIDC but sign people in the same way: QQ Connect and WeChat Open
 * Platform website login. The sign-in itself is core/accounts/oidc-login.ts; see docs/security.md.
 */

/** A role binding an OIDC claim value grants: everywhere, or for some sites. */
export interface RoleGrantSpec {
  role: string;
  sites: string[];
}

/** `oidc`: OpenID Connect (discovery, ID token); `qq`, `wechat`: their OAuth 2.0 dialects. */
export type SignInProtocol = 'oidc' | 'qq' | 'wechat';

export interface OidcProvider {
  /** Lower-case; the URL segment (/auth/oidc/<name>/...) and the identity's provider `<protocol>:<name>`. */
  name: string;
  protocol: SignInProtocol;
  /** What the login page shows. */
  displayName: string;
  preset: OidcPresetName | null;
  issuer: string;
  clientId: string;
  /** Never logged, never returned. */
  clientSecret: string | null;
  scopes: string[];
  /** Claim whose value(s) roleMap maps to roles: `groups`, `roles`, or a path `realm_access.roles`; null: none. */
  roleClaim: string | null;
  roleMap: Record<string, RoleGrantSpec[]>;
  /** When set, only these e-mail domains may sign in (the `email` claim, or Google's `hd`). */
  allowedDomains: string[] | null;
  /** QQ and WeChat: the page that asks the person (the issuer is their API's base URL). */
  authorizeUrl: string | null;
  /** QQ and WeChat: the identity is the unionid (the same across the apps of one developer) rather than the openid. */
  useUnionId: boolean;
}

export type OidcPresetName = 'google' | 'keycloak' | 'azure' | 'qq' | 'wechat';

export interface OidcPreset {
  protocol: SignInProtocol;
  displayName: string;
  /** QQ and WeChat: where the person is sent to sign in. */
  authorizeUrl?: string;
  /** Issuer URL, with `{host}`, `{realm}`, `{tenant}` filled from the provider's entry. */
  issuer: string;
  params: string[];
  scopes: string[];
  roleClaim: string | null;
}

/**
 * Presets: the issuer template, the scopes to ask for and the claim that usually carries groups or
 * roles. Google has no group claim (map roles with `roleClaim: "hd"`, the Workspace domain, or
 * `email`); Keycloak sends `groups` once a "Group Membership" mapper is added to the client scope;
 * Azure AD (Entra ID) sends app roles in `roles` (or `groups` when the app asks for group claims).
 */
export const OIDC_PRESETS: Record<OidcPresetName, OidcPreset> = {
  google: {
    protocol: 'oidc',
    displayName: 'Google',
    issuer: 'https://accounts.google.com',
    params: [],
    scopes: ['openid', 'email', 'profile'],
    roleClaim: null,
  },
  keycloak: {
    protocol: 'oidc',
    displayName: 'Keycloak',
    issuer: 'https://{host}/realms/{realm}',
    params: ['host', 'realm'],
    scopes: ['openid', 'email', 'profile'],
    roleClaim: 'groups',
  },
  azure: {
    protocol: 'oidc',
    displayName: 'Microsoft',
    issuer: 'https://login.microsoftonline.com/{tenant}/v2.0',
    params: ['tenant'],
    scopes: ['openid', 'email', 'profile'],
    roleClaim: 'roles',
  },
  // QQ Connect: /oauth2.0/authorize, /oauth2.0/token, /oauth2.0/me, /user/get_user_info.
  qq: {
    protocol: 'qq',
    displayName: 'QQ',
    issuer: 'https://graph.qq.com',
    authorizeUrl: 'https://graph.qq.com/oauth2.0/authorize',
    params: [],
    scopes: ['get_user_info'],
    roleClaim: null,
  },
  // WeChat Open Platform website login (QR code): /sns/oauth2/access_token, /sns/userinfo.
  wechat: {
    protocol: 'wechat',
    displayName: 'WeChat',
    issuer: 'https://api.weixin.qq.com',
    authorizeUrl: 'https://open.weixin.qq.com/connect/qrconnect',
    params: [],
    scopes: ['snsapi_login'],
    roleClaim: null,
  },
};

const grantSchema = z.union([
  z.string().min(1, { message: 'must name a role' }),
  z.object({
    role: z.string().min(1, { message: 'must name a role' }),
    sites: z.array(z.string().min(1)).optional(),
  }),
]);

const httpUrl = z.string().refine(
  (value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  },
  { message: 'must be a URL starting with https:// (or http:// for a local provider)' },
);

const providerSchema = z
  .object({
    name: z
      .string({ message: 'is required' })
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'must be 1 to 40 lower-case letters, digits or "-"' }),
    displayName: z.string().min(1).max(100).optional(),
    preset: z
      .enum(['google', 'keycloak', 'azure', 'qq', 'wechat'], {
        message: 'must be google, keycloak, azure, qq or wechat',
      })
      .optional(),
    authorizeUrl: httpUrl.optional(),
    useUnionId: z.boolean({ message: 'must be true or false' }).optional(),
    issuer: httpUrl.optional(),
    host: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, { message: 'must be a host name (and port)' })
      .optional(),
    realm: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, { message: 'must be a realm name' })
      .optional(),
    tenant: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/, { message: 'must be a tenant id or domain' })
      .optional(),
    clientId: z.string({ message: 'is required' }).min(1, { message: 'is required' }),
    clientSecret: z.string().min(1).optional(),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, { message: 'must be a scope' }))
      .optional(),
    roleClaim: z.string().min(1).nullable().optional(),
    roleMap: z.record(z.string(), z.union([grantSchema, z.array(grantSchema)])).optional(),
    allowedDomains: z.array(z.string().regex(/^[a-z0-9.-]+$/i, { message: 'must be a domain' })).optional(),
  })
  .strict()
  // Runs even when other keys are wrong, so that every problem is named at once.
  .superRefine(
    (p, ctx) => {
      const preset = typeof p.preset === 'string' && p.preset in OIDC_PRESETS ? OIDC_PRESETS[p.preset] : null;
      if (preset && preset.protocol !== 'oidc' && !p.clientSecret)
        ctx.addIssue({
          code: 'custom',
          path: ['clientSecret'],
          message: `is required by the ${p.preset} preset (its app secret)`,
        });
      if (p.issuer !== undefined || (p.preset !== undefined && !preset)) return;
      if (!preset)
        ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'is required without a preset' });
      for (const param of preset?.params ?? []) {
        if (!(p as Record<string, unknown>)[param])
          ctx.addIssue({
            code: 'custom',
            path: [param],
            message: `is required by the ${p.preset} preset (${preset!.issuer}), unless issuer is given`,
          });
      }
    },
    { when: (payload) => !!payload.value && typeof payload.value === 'object' },
  );

/** OIDC_PROVIDERS: a JSON list of providers; what is wrong is named by its path inside it. */
export const oidcProvidersSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON: a list of providers' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(providerSchema, { message: 'must be a JSON list of providers' })
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((p, i) => {
          if (seen.has(p.name))
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${p.name}" twice` });
          seen.add(p.name);
        });
      })
      .transform((list) => list.map(toProvider)),
  );

function toProvider(p: z.infer<typeof providerSchema>): OidcProvider {
  const preset = p.preset ? OIDC_PRESETS[p.preset] : null;
  const issuer =
    p.issuer ??
    preset!.issuer.replace(/\{(\w+)\}/g, (_, key: string) =>
      encodeURIComponent(String((p as Record<string, unknown>)[key])),
    );
  const roleMap: Record<string, RoleGrantSpec[]> = {};
  for (const [value, grants] of Object.entries(p.roleMap ?? {})) {
    roleMap[value] = (Array.isArray(grants) ? grants : [grants]).map((g) =>
      typeof g === 'string' ? { role: g, sites: [] } : { role: g.role, sites: g.sites ?? [] },
    );
  }
  const scopes = p.scopes ?? preset?.scopes ?? ['openid', 'email', 'profile'];
  const protocol = preset?.protocol ?? 'oidc';
  return {
    name: p.name,
    protocol,
    displayName: p.displayName ?? preset?.displayName ?? p.name,
    preset: p.preset ?? null,
    issuer: issuer.replace(/\/+$/, ''),
    clientId: p.clientId,
    clientSecret: p.clientSecret ?? null,
    scopes: protocol !== 'oidc' || scopes.includes('openid') ? scopes : ['openid', ...scopes],
    roleClaim: p.roleClaim === undefined ? (preset?.roleClaim ?? null) : p.roleClaim,
    roleMap,
    allowedDomains: p.allowedDomains?.map((d) => d.toLowerCase()) ?? null,
    // QQ's authorize page sits beside its API: an issuer of one's own moves both.
    authorizeUrl:
      p.authorizeUrl ??
      (p.issuer && protocol === 'qq' ? `${p.issuer.replace(/\/+$/, '')}/oauth2.0/authorize` : null) ??
      preset?.authorizeUrl ??
      null,
    useUnionId: p.useUnionId ?? false,
  };
}
