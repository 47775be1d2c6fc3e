import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { freePort, portIsOpen, startManaged, waitFor, type Managed } from './process';

/**
 * A throwaway OpenLDAP server (Debian's `slapd` package; `npm test` installs it) owned by the
 * caller: its own slapd.conf and mdb database in a scratch directory, listening on a free loopback
 * port, seeded with people and groups before it starts (slapadd), changed while it runs through
 * the protocol as its root DN. Used by test/ldap.test.ts.
 */
export const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';

export interface DirectoryPerson {
  uid: string;
  password: string;
  /** Common name; the display name is `displayName` when given. */
  cn: string;
  displayName?: string;
  mail?: string;
  /** Under `ou=people` by default. */
  ou?: string;
}

export interface DirectoryGroup {
  cn: string;
  /** uids of members: groupOfNames `member` DNs, or with `posix` posixGroup `memberUid` values. */
  members: string[];
  posix?: boolean;
}

export interface Slapd {
  url: string;
  port: number;
  /** With `tls`: the ldaps:// URL, and the PEM file of the CA that signed the server's certificate. */
  ldapsUrl: string | null;
  caFile: string | null;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  /** The read-only account a client searches with (its service bind). */
  reader: { dn: string; password: string };
  peopleBase: string;
  groupsBase: string;
  dnOf(uid: string): string;
  groupDn(cn: string): string;
  /** Of a groupOfNames group (not a posix one). */
  addMember(group: string, uid: string): Promise<void>;
  removeMember(group: string, uid: string): Promise<void>;
  setPassword(uid: string, password: string): Promise<void>;
  /** Stop the server (its data stays: start() brings it back on the same port). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop it and remove its directory. */
  destroy(): Promise<void>;
  logFile: string;
}

const ldifValue = (value: string) =>
  // Values that are not plain ASCII, or start or end awkwardly, go base64 (RFC 2849).
  /^[\x20-\x7e]*$/.test(value) && !/^[ :<]/.test(value) && !/ $/.test(value)
    ? ` ${value}`
    : `: ${Buffer.from(value, 'utf8').toString('base64')}`;

function ldif(entries: Record<string, string | string[]>[]): string {
  return entries
    .map((entry) =>
      Object.entries(entry)
        .flatMap(([key, value]) =>
          (Array.isArray(value) ? value : [value]).map((v) => `${key}:${ldifValue(v)}`),
        )
        .join('\n'),
    )
    .join('\n\n')
    .concat('\n');
}

export async function startSlapd(options: {
  people: DirectoryPerson[];
  groups: DirectoryGroup[];
  suffix?: string;
  dir?: string;
  /** A certificate for 127.0.0.1 and localhost (signed by a CA made here, with openssl): StartTLS and ldaps://. */
  tls?: boolean;
}): Promise<Slapd> {
  if (!existsSync(SLAPD) || !existsSync(SLAPADD)) {
    throw new Error(
      `OpenLDAP slapd is not installed (${SLAPD}); install it with: DEBIAN_FRONTEND=noninteractive apt-get install -y slapd (npm test installs it)`,
    );
  }
  const suffix = options.suffix ?? 'dc=example,dc=test';
  const dc = /^dc=([^,]+)/.exec(suffix)?.[1] ?? 'example';
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'switchboard-slapd-'));
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const rootDn = `cn=admin,${suffix}`;
  const rootPassword = `root-${Math.random().toString(36).slice(2)}`;
  const reader = { dn: `cn=reader,${suffix}`, password: `reader-${Math.random().toString(36).slice(2)}` };
  const peopleBase = `ou=people,${suffix}`;
  const groupsBase = `ou=groups,${suffix}`;
  const dnOf = (uid: string) => {
    const person = options.people.find((p) => p.uid === uid);
    return `uid=${uid},${person?.ou ? `ou=${person.ou},` : ''}${peopleBase}`;
  };
  const groupDn = (cn: string) => `cn=${cn},${groupsBase}`;
  const conf = path.join(dir, 'slapd.conf');
  const tls = options.tls ? makeCertificates(dir) : null;
  writeFileSync(
    conf,
    [
      ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include ${SCHEMA_DIR}/${s}.schema`),
      `pidfile ${path.join(dir, 'slapd.pid')}`,
      `argsfile ${path.join(dir, 'slapd.args')}`,
      `modulepath ${MODULE_DIR}`,
      'moduleload back_mdb',
      'database mdb',
      'maxsize 67108864',
      `suffix "${suffix}"`,
      `rootdn "${rootDn}"`,
      `rootpw ${rootPassword}`,
      `directory ${dataDir}`,
      ...(tls
        ? [
            `TLSCACertificateFile ${tls.ca}`,
            `TLSCertificateFile ${tls.cert}`,
            `TLSCertificateKeyFile ${tls.key}`,
          ]
        : []),
      // Like a real directory: nobody reads passwords, anonymous may only bind, and only the
      // reader (the service bind) searches.
      'access to attrs=userPassword by anonymous auth by * none',
      `access to * by dn.exact="${reader.dn}" read by self read by * none`,
      '',
    ].join('\n'),
  );
  const ous = [...new Set(options.people.map((p) => p.ou).filter((ou): ou is string => !!ou))];
  const seed = ldif([
    { dn: suffix, objectClass: ['top', 'dcObject', 'organization'], dc, o: dc },
    {
      dn: reader.dn,
      objectClass: ['simpleSecurityObject', 'organizationalRole'],
      cn: 'reader',
      userPassword: reader.password,
    },
    { dn: peopleBase, objectClass: 'organizationalUnit', ou: 'people' },
    ...ous.map((ou) => ({ dn: `ou=${ou},${peopleBase}`, objectClass: 'organizationalUnit', ou })),
    { dn: groupsBase, objectClass: 'organizationalUnit', ou: 'groups' },
    ...options.people.map((p) => ({
      dn: dnOf(p.uid),
      objectClass: ['inetOrgPerson'],
      uid: p.uid,
      cn: p.cn,
      sn: p.cn.split(' ').pop() ?? p.cn,
      ...(p.displayName ? { displayName: p.displayName } : {}),
      ...(p.mail ? { mail: p.mail } : {}),
      userPassword: p.password,
    })),
    ...options.groups.map((g, i): Record<string, string | string[]> =>
      g.posix
        ? {
            dn: groupDn(g.cn),
            objectClass: 'posixGroup',
            cn: g.cn,
            gidNumber: String(5000 + i),
            memberUid: g.members,
          }
        : {
            dn: groupDn(g.cn),
            objectClass: 'groupOfNames',
            cn: g.cn,
            // groupOfNames needs a member: the reader is one of every group, so that the last person
            // can leave it.
            member: [reader.dn, ...g.members.map(dnOf)],
          },
    ),
  ]);
  writeFileSync(path.join(dir, 'seed.ldif'), seed);
  execFileSync(SLAPADD, ['-q', '-f', conf, '-l', path.join(dir, 'seed.ldif')], { stdio: 'pipe' });

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsPort = tls ? await freePort() : null;
  const ldapsUrl = ldapsPort ? `ldaps://127.0.0.1:${ldapsPort}` : null;
  const logFile = path.join(dir, 'slapd.log');
  let managed: Managed | undefined;
  const start = async () => {
    // -d keeps it in the foreground (its log on stderr); the stats level logs each operation.
    const listen = [`${url}/`, ...(ldapsUrl ? [`${ldapsUrl}/`] : [])].join(' ');
    const child = startManaged('slapd', SLAPD, ['-d', 'stats', '-h', listen, '-f', conf], { logFile });
    managed = child;
    let exited = false;
    void child.exited.then(() => (exited = true));
    await waitFor(
      `slapd on ${url}`,
      async () => {
        if (exited) throw new Error(`slapd exited; see ${logFile}`);
        return (
          (await portIsOpen('127.0.0.1', port)) && (!ldapsPort || (await portIsOpen('127.0.0.1', ldapsPort)))
        );
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  };
  const stop = async () => {
    await managed?.stop('SIGTERM', 10_000);
    managed = undefined;
  };
  const asRoot = async (work: (client: Client) => Promise<void>) => {
    const client = new Client({ url, timeout: 5000, connectTimeout: 5000 });
    try {
      await client.bind(rootDn, rootPassword);
      await work(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  };
  const member = (operation: 'add' | 'delete') => (group: string, uid: string) =>
    asRoot(async (client) => {
      await client.modify(
        groupDn(group),
        new Change({ operation, modification: new Attribute({ type: 'member', values: [dnOf(uid)] }) }),
      );
    });
  await start();
  return {
    url,
    port,
    ldapsUrl,
    caFile: tls?.ca ?? null,
    suffix,
    rootDn,
    rootPassword,
    reader,
    peopleBase,
    groupsBase,
    dnOf,
    groupDn,
    addMember: member('add'),
    removeMember: member('delete'),
    setPassword: (uid, password) =>
      asRoot(async (client) => {
        await client.modify(
          dnOf(uid),
          new Change({
            operation: 'replace',
            modification: new Attribute({ type: 'userPassword', values: [password] }),
          }),
        );
      }),
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    logFile,
  };
}

/** A throwaway CA and a server certificate it signed, for 127.0.0.1 and localhost (openssl). */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => {
    try {
      execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
    } catch (error) {
      throw new Error(
        `openssl ${args[0]} failed (is openssl installed? apt-get install -y openssl): ${(error as Error).message}`,
      );
    }
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=switchboard test CA',
  ]);
  openssl([
    'req',
    ...ec,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl([
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
  ]);
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') };
}
