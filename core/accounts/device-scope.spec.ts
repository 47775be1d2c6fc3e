import type { Grant } from './permissions';
import type { Principal } from './principal';
import {
  assertDevicesInScope,
  HIDDEN_DEVICE,
  redactDeviceNames,
  runVisibleCondition,
  scopeOfRequest,
  scopeReports,
  scopeWhere,
} from './device-scope';

const principal = (grants: Grant[]): Principal => ({
  userId: '00000000-0000-0000-0000-000000000001',
  username: 'ops',
  kind: 'human',
  via: 'token',
  sessionId: null,
  tokenId: null,
  grants,
  tokenPermissions: null,
});
const grant = (permissions: string[], sites: string[] = []): Grant => ({
  role: 'r',
  permissions,
  sites,
  tags: [],
});
const a1 = { name: 'a1', site: 'lab-a', tags: [] };
const b1 = { name: 'b1', site: 'lab-b', tags: [] };
const b2 = { name: 'b2', site: 'lab-b', tags: [] };

describe('device scopes of a request', () => {
  it('is everywhere without a principal, nowhere without the permission', () => {
    expect(scopeOfRequest(null, 'runs:start')).toEqual({ all: true, parts: [] });
    expect(scopeOfRequest(principal([]), 'runs:start')).toEqual({ all: false, parts: [] });
  });

  it('lets an unscoped principal and no principal start anything', () => {
    expect(() => assertDevicesInScope(null, 'runs:start', [a1, b1])).not.toThrow();
    expect(() => assertDevicesInScope(principal([grant(['runs:start'])]), 'runs:start', [b1])).not.toThrow();
  });

  it('refuses devices outside the scope, counting those the caller cannot read', () => {
    const scoped = principal([grant(['runs:start', 'devices:read'], ['lab-a'])]);
    expect(() => assertDevicesInScope(scoped, 'runs:start', [a1])).not.toThrow();
    expect(() => assertDevicesInScope(scoped, 'runs:start', [a1, b1, b2])).toThrow(
      'ops may not use 2 more device(s): outside the sites and tags of their runs:start role',
    );
  });

  it('names up to five devices outside the scope that the caller may read', () => {
    const reader = principal([grant(['devices:read']), grant(['runs:start'], ['lab-a'])]);
    const many = Array.from({ length: 7 }, (_, i) => ({ name: `b${i}`, site: 'lab-b', tags: [] }));
    expect(() => assertDevicesInScope(reader, 'runs:start', many)).toThrow(
      'ops may not use b0, b1, b2, b3, b4, 2 more device(s): outside',
    );
  });

  it('builds named query-builder parameters and a run condition only for scoped principals', () => {
    expect(scopeWhere({ all: false, parts: [{ sites: ['lab-a'], tags: ['x'] }] }, 'd')).toEqual({
      sql: '((d.site = ANY(:scope1::text[]) AND d.tags @> :scope2::text[]))',
      params: { scope1: ['lab-a'], scope2: ['x'] },
    });
    expect(runVisibleCondition({ all: true, parts: [] }, 'u', 'r')).toEqual({ sql: 'TRUE', params: [] });
    const scoped = runVisibleCondition({ all: false, parts: [{ sites: ['lab-a'], tags: [] }] }, 'u', 'r', 3);
    expect(scoped.params).toEqual(['u', ['lab-a']]);
    expect(scoped.sql).toContain('r.created_by = $3::uuid');
    expect(scoped.sql).toContain('d.site = ANY($4::text[])');
  });

  it('leaves devices outside the scope out of a conflict report', () => {
    const devices = new Map([
      ['ia', { name: 'a1', site: 'lab-a', tags: [] }],
      ['ib', { name: 'b1', site: 'lab-b', tags: [] }],
    ]);
    const report = (deviceIds: string[], message = 'about a1 and b1') => ({
      kind: 'DEVICE_LOCKED',
      message,
      stepId: 'push',
      deviceIds,
      deviceCount: deviceIds.length,
    });
    const labA = { all: false, parts: [{ sites: ['lab-a'], tags: [] }] };
    const none = { kind: 'DEVICES_UNKNOWN', message: 'note', stepId: 's', deviceIds: [], deviceCount: 0 };
    expect(scopeReports([report(['ia'], 'about a1')], labA, devices)).toEqual([report(['ia'], 'about a1')]);
    expect(scopeReports([report(['ib'])], labA, devices)).toEqual([]);
    expect(scopeReports([none], labA, devices)).toEqual([none]);
    const [mixed] = scopeReports([report(['ia', 'ib'])], labA, devices);
    expect(mixed).toMatchObject({ deviceIds: ['ia'], deviceCount: 1 });
    expect(mixed.message).toBe(
      'DEVICE_LOCKED in step push for 1 of your device(s) (a1); devices outside the sites and tags of your roles are left out of this report.',
    );
    expect(scopeReports([report(['ia', 'ib'])], { all: true, parts: [] }, devices)).toEqual([
      report(['ia', 'ib']),
    ]);
  });
});

describe('redactDeviceNames', () => {
  it('replaces whole device names only, longer names first', () => {
    const text = 'step show failed on lab-b-1, lab-b-10 and core.sw1 (lab-b-1x is another word)';
    expect(redactDeviceNames(text, ['lab-b-1', 'lab-b-10', 'core.sw1'])).toBe(
      `step show failed on ${HIDDEN_DEVICE}, ${HIDDEN_DEVICE} and ${HIDDEN_DEVICE} (lab-b-1x is another word)`,
    );
    expect(redactDeviceNames(text, ['lab-b-1'])).toBe(
      `step show failed on ${HIDDEN_DEVICE}, lab-b-10 and core.sw1 (lab-b-1x is another word)`,
    );
  });

  it('treats names as text, not patterns; nothing to hide changes nothing', () => {
    expect(redactDeviceNames('a+b and a.b and axb', ['a+b', 'a.b'])).toBe(
      `${HIDDEN_DEVICE} and ${HIDDEN_DEVICE} and axb`,
    );
    expect(redactDeviceNames('lab-a-1 is fine', [])).toBe('lab-a-1 is fine');
    expect(redactDeviceNames('"sw(1)" down', ['sw(1)'])).toBe(`"${HIDDEN_DEVICE}" down`);
  });
});
