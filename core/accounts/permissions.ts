/**
 * What a principal may do: named permissions, the built-in roles made of them, and role bindings
 * scoped to sites and device tags. Pure rules; core/accounts stores them, the API enforces them
 * (every GraphQL root field declares the permission it needs).
 */

export const PERMISSIONS = [
  'devices:read',
  'devices:write',
  'credentials:read',
  'credentials:write',
  'runs:read',
  'runs:start',
  'runs:control',
  'changes:start',
  'changes:approve',
  'configs:read',
  'configs:write',
  'templates:read',
  'templates:write',
  'alerts:read',
  'alerts:write',
  'alerts:acknowledge',
  'tasks:read',
  'tasks:write',
  'tasks:run',
  'schedules:read',
  'schedules:write',
  'safety:read',
  'safety:write',
  'nodes:read',
  'nodes:write',
  'artifacts:read',
  'artifacts:write',
  'accounts:read',
  'accounts:write',
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Every signed-in principal may manage itself (profile, own sessions and tokens): no permission needed. */
export const SELF = 'self' as const;

export const isPermission = (value: string): value is Permission =>
  (PERMISSIONS as readonly string[]).includes(value);

const READ = PERMISSIONS.filter((p) => p.endsWith(':read') && p !== 'audit:read' && p !== 'accounts:read');

export interface RoleDefinition {
  name: string;
  description: string;
  permissions: readonly Permission[];
}

/** The roles every installation has; administrators define more from the named permissions. */
export const BUILTIN_ROLES: readonly RoleDefinition[] = [
  {
    name: 'administrator',
    description: 'Everything, including accounts and the audit log.',
    permissions: PERMISSIONS,
  },
  {
    name: 'operator',
    description: 'Runs collections, backups, tasks and changes; manages devices and schedules.',
    permissions: [
      ...READ,
      'alerts:acknowledge',
      'devices:write',
      'runs:start',
      'runs:control',
      'changes:start',
      'configs:write',
      'templates:write',
      'tasks:write',
      'tasks:run',
      'schedules:write',
      'artifacts:write',
    ],
  },
  {
    name: 'change-approver',
    description: 'Reads everything operators do, and approves or rejects changes and approval steps.',
    permissions: [...READ, 'changes:approve'],
  },
  {
    name: 'auditor',
    description: 'Reads everything, including accounts and the audit log; changes nothing.',
    permissions: [...READ, 'accounts:read', 'audit:read'],
  },
  { name: 'viewer', description: 'Reads devices, runs, configs, tasks and schedules.', permissions: READ },
];

/** A role granted to a user, everywhere or only for some sites and device tags. */
export interface Grant {
  role: string;
  permissions: readonly string[];
  /** Empty: every site. */
  sites: readonly string[];
  /** Empty: every device; otherwise devices carrying all of them. */
  tags: readonly string[];
}

/** Where a permission applies: everywhere, or to devices of some sites and tags. */
export interface Scope {
  all: boolean;
  /** With `all` false: devices matching any one of these (site in `sites` if given, and all `tags`). */
  parts: { sites: readonly string[]; tags: readonly string[] }[];
}

/** The scope a principal holds a permission in, from its grants; null when it does not hold it. */
export function scopeOf(grants: readonly Grant[], permission: Permission): Scope | null {
  const holding = grants.filter((g) => g.permissions.includes(permission));
  if (holding.length === 0) return null;
  if (holding.some((g) => g.sites.length === 0 && g.tags.length === 0)) return { all: true, parts: [] };
  return { all: false, parts: holding.map((g) => ({ sites: g.sites, tags: g.tags })) };
}

/** Whether a device (its site and tags) lies inside a scope. */
export function deviceInScope(
  scope: Scope,
  device: { site: string | null; tags: readonly string[] },
): boolean {
  if (scope.all) return true;
  return scope.parts.some(
    (p) =>
      (p.sites.length === 0 || (device.site !== null && p.sites.includes(device.site))) &&
      p.tags.every((t) => device.tags.includes(t)),
  );
}
