import { loadConfig } from '../../libs/config/src/config';
import { DEFAULT_LDAP_USER_FILTER, parseRoleMap } from '../../libs/config/src/ldap';
import {
  escapeFilterValue,
  fillFilter,
  firstRdnValue,
  formatObjectGuid,
  LdapDirectory,
  normalizeDn,
  personOf,
  rolesForGroups,
} from './ldap';

describe('LDAP filter escaping (RFC 4515)', () => {
  it('escapes *, (, ), \\ and NUL, and leaves other characters alone', () => {
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('a\\b')).toBe('a\\5cb');
    expect(escapeFilterValue('nul\u0000x')).toBe('nul\\00x');
    expect(escapeFilterValue('tab\tnl\n')).toBe('tab\\09nl\\0a');
    expect(escapeFilterValue('José.o-k_1@x')).toBe('José.o-k_1@x');
  });

  it('fills a filter template with escaped values, so that a name cannot widen the search', () => {
    expect(fillFilter(DEFAULT_LDAP_USER_FILTER, { username: 'alice' })).toBe(
      '(|(uid=alice)(sAMAccountName=alice))',
    );
    expect(fillFilter('(uid={username})', { username: '*)(|(uid=*' })).toBe(
      '(uid=\\2a\\29\\28|\\28uid=\\2a)',
    );
    expect(fillFilter('(member={dn})', { dn: 'cn=a\\, b,dc=x' })).toBe('(member=cn=a\\5c, b,dc=x)');
    // Unknown placeholders stay (config validation requires the known ones).
    expect(fillFilter('(x={other})', { username: 'a' })).toBe('(x={other})');
  });
});

describe('DNs', () => {
  it('compares DNs case-insensitively, ignoring spaces around separators', () => {
    expect(normalizeDn('CN=NetOps, OU=Groups,  DC=Example,DC=Com')).toBe(
      'cn=netops,ou=groups,dc=example,dc=com',
    );
    expect(normalizeDn('cn = a\\,b , dc=x')).toBe('cn=a\\,b,dc=x');
  });

  it('reads a group name from its DN', () => {
    expect(firstRdnValue('cn=netops,ou=groups,dc=example,dc=test')).toBe('netops');
    expect(firstRdnValue('CN=Ops\\, Lab A,OU=G')).toBe('Ops, Lab A');
    expect(firstRdnValue('cn=a\\2cb,dc=x')).toBe('a,b');
  });

  it('formats an Active Directory objectGUID like AD does', () => {
    const bytes = Buffer.from('78563412bc9af0de0102030405060708', 'hex');
    expect(formatObjectGuid(bytes)).toBe('12345678-9abc-def0-0102-030405060708');
  });
});

describe('LDAP_ROLE_MAP', () => {
  const dn = 'cn=netops,ou=groups,dc=example,dc=test';

  it('reads the text form: group=role[@site,site];...', () => {
    expect(parseRoleMap(`${dn}=operator; auditors=auditor@lab-a,lab-b ;`)).toEqual([
      { group: dn, role: 'operator', sites: [] },
      { group: 'auditors', role: 'auditor', sites: ['lab-a', 'lab-b'] },
    ]);
  });

  it('reads the JSON forms', () => {
    expect(
      parseRoleMap(
        JSON.stringify({ [dn]: 'operator', lab: [{ role: 'viewer', sites: ['lab-a'] }, 'auditor'] }),
      ),
    ).toEqual([
      { group: dn, role: 'operator', sites: [] },
      { group: 'lab', role: 'viewer', sites: ['lab-a'] },
      { group: 'lab', role: 'auditor', sites: [] },
    ]);
    expect(parseRoleMap(JSON.stringify([{ group: 'g', role: 'viewer' }]))).toEqual([
      { group: 'g', role: 'viewer', sites: [] },
    ]);
  });

  it('refuses what it cannot read, saying where', () => {
    expect(() => parseRoleMap('netops')).toThrow('entry 1: must be group=role');
    expect(() => parseRoleMap('netops=Operator!')).toThrow('entry 1: the role must be a role name');
    expect(() => parseRoleMap('{"g": 3}')).toThrow('"g": must be a role name');
    expect(() => parseRoleMap('{oops')).toThrow('is not valid JSON');
    expect(() => parseRoleMap(' ; ')).toThrow('maps no group');
  });

  it('maps groups to roles by DN or by name, merging duplicates', () => {
    const map = parseRoleMap(
      `${dn}=operator;NETOPS=operator;auditors=auditor@lab-b,lab-a;cn=other,dc=x=administrator`,
    );
    expect(rolesForGroups(['CN=NetOps,OU=Groups,DC=Example,DC=Test'], map)).toEqual([
      { role: 'operator', sites: [] },
    ]);
    expect(rolesForGroups(['cn=auditors,ou=elsewhere'], map)).toEqual([
      { role: 'auditor', sites: ['lab-a', 'lab-b'] },
    ]);
    expect(rolesForGroups(['cn=nobody,dc=x'], map)).toEqual([]);
    expect(rolesForGroups([], map)).toEqual([]);
  });
});

describe('configuration', () => {
  const base = {
    API_TOKEN: 'x'.repeat(16),
    DATABASE_URL: 'postgres://u@h/db',
    CREDENTIALS_KEY: '0'.repeat(64),
  };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
  };

  it('is off without LDAP_URL', () => {
    expect(loadConfig(base).ldap).toBeNull();
  });

  it('reads a full configuration', () => {
    const config = loadConfig({
      ...base,
      LDAP_URL: 'ldap://dir.example.test:389',
      LDAP_BIND_DN: 'cn=reader,dc=example,dc=test',
      LDAP_BIND_PASSWORD: 'reader secret',
      LDAP_USER_BASE: 'ou=people,dc=example,dc=test',
      LDAP_GROUP_BASE: 'ou=groups,dc=example,dc=test',
      LDAP_ROLE_MAP: 'netops=operator',
      LDAP_START_TLS: 'true',
      LDAP_TIMEOUT_MS: '2000',
    }).ldap!;
    expect(config).toMatchObject({
      url: 'ldap://dir.example.test:389',
      bindDn: 'cn=reader,dc=example,dc=test',
      bindPassword: 'reader secret',
      userFilter: DEFAULT_LDAP_USER_FILTER,
      roleMap: [{ group: 'netops', role: 'operator', sites: [] }],
      startTls: true,
      timeoutMs: 2000,
      tlsCa: null,
    });
  });

  it('names every bad variable, never echoing a value', () => {
    expect(problems({ LDAP_URL: 'http://x' })).toEqual([
      'LDAP_URL must be a URL starting with ldap:// or ldaps://',
    ]);
    expect(problems({ LDAP_URL: 'ldap://x' })).toEqual(['LDAP_USER_BASE is required with LDAP_URL']);
    expect(
      problems({
        LDAP_URL: 'ldaps://x',
        LDAP_USER_BASE: 'dc=x',
        LDAP_BIND_PASSWORD: 'hunter2-secret',
        LDAP_START_TLS: 'yes',
      }),
    ).toEqual([
      'LDAP_BIND_DN and LDAP_BIND_PASSWORD go together (both, or neither for anonymous search)',
      'LDAP_START_TLS is for ldap:// URLs (ldaps:// is TLS from the start)',
    ]);
    const bad = problems({
      LDAP_URL: 'ldap://x',
      LDAP_USER_BASE: 'dc=x',
      LDAP_USER_FILTER: '(uid=fixed)',
      LDAP_ROLE_MAP: 'netops',
      LDAP_TLS_CA_FILE: '/nonexistent/ca.pem',
      LDAP_TIMEOUT_MS: '5',
    });
    expect(bad).toEqual([
      'LDAP_USER_FILTER must be an LDAP filter in parentheses containing {username}',
      'LDAP_ROLE_MAP entry 1: must be group=role',
      'LDAP_TLS_CA_FILE must be the path of a PEM file that exists',
      'LDAP_TIMEOUT_MS must be at least 100',
    ]);
    expect(bad.join()).not.toContain('hunter2');
  });
});

describe('LdapDirectory', () => {
  it('never binds with an empty password (that would be an anonymous bind)', async () => {
    // A URL nothing listens on: the answer comes before any connection is tried.
    const directory = new LdapDirectory(
      loadConfig({
        API_TOKEN: 'x'.repeat(16),
        DATABASE_URL: 'postgres://u@h/db',
        CREDENTIALS_KEY: '0'.repeat(64),
        LDAP_URL: 'ldap://127.0.0.1:1',
        LDAP_USER_BASE: 'dc=x',
      }).ldap!,
    );
    await expect(directory.authenticate('alice', '')).resolves.toEqual({
      ok: false,
      reason: 'empty password',
    });
    await expect(directory.authenticate('alice', 'pw')).rejects.toThrow(
      /connect on ldap:\/\/127\.0\.0\.1:1 failed|failed/,
    );
  });

  it('reads a person from an entry: entryUUID, else objectGUID, else the DN', () => {
    const base = { dn: 'uid=Alice,ou=people,dc=x', uid: 'Alice', cn: 'Alice Doe', mail: 'alice@x.test' };
    expect(personOf({ ...base, entryUUID: 'ABC-1' }, 'alice')).toMatchObject({
      subject: 'abc-1',
      username: 'alice',
      directoryName: 'Alice',
      displayName: 'Alice Doe',
      email: 'alice@x.test',
      memberOf: [],
    });
    const guid = Buffer.from('78563412bc9af0de0102030405060708', 'hex');
    expect(personOf({ ...base, objectGUID: guid, memberOf: ['cn=g,dc=x'] }, 'alice')).toMatchObject({
      subject: '12345678-9abc-def0-0102-030405060708',
      memberOf: ['cn=g,dc=x'],
    });
    expect(
      personOf({ dn: 'CN=Bob,DC=x', sAMAccountName: 'BOB', mail: 'not-an-address' }, 'bob'),
    ).toMatchObject({
      subject: 'dn:cn=bob,dc=x',
      username: 'bob',
      displayName: null,
      email: null,
    });
  });
});
