import {
  TEMPORAL_CLI_MODULE,
  findPgBinDir,
  findTemporalCli,
  installPlan,
  missingPrerequisites,
  type PrerequisiteProbes,
} from './prerequisites';

/**
 * A fake machine: `files` exist, PATH is `/usr/bin:/bin`, `go env GOPATH` is /home/u/go when
 * /usr/bin/go exists. Nothing here looks at the real machine.
 */
function machine(files: string[], env: NodeJS.ProcessEnv = {}): Required<PrerequisiteProbes> {
  const set = new Set(files);
  const fullEnv = { PATH: '/usr/bin:/bin', ...env };
  return {
    env: fullEnv,
    exists: (file) => set.has(file),
    which: (name) =>
      (fullEnv.PATH ?? '')
        .split(':')
        .map((dir) => `${dir}/${name}`)
        .find((file) => set.has(file)),
    readdir: (dir) => [
      ...new Set(
        files.filter((f) => f.startsWith(dir + '/')).map((f) => f.slice(dir.length + 1).split('/')[0]),
      ),
    ],
    goBin: () => (set.has('/usr/bin/go') ? '/home/u/go/bin' : undefined),
  };
}

const PG = '/usr/lib/postgresql/15/bin/initdb';
const SSHD = '/usr/sbin/sshd';
const KEYGEN = '/usr/bin/ssh-keygen';
const TEMPORAL = '/usr/local/bin/temporal';
const SLAPD = '/usr/sbin/slapd';
const OPENSSL = '/usr/bin/openssl';
const CHROMIUM = '/usr/bin/chromium';
const CJK = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
const everything = [
  PG,
  SSHD,
  KEYGEN,
  SLAPD,
  OPENSSL,
  CHROMIUM,
  CJK,
  TEMPORAL,
  '/usr/bin/apt-get',
  '/usr/bin/go',
];
const withPath = { PATH: '/usr/local/bin:/usr/bin:/bin' };

const missing = (mode: 'start' | 'test', files: string[], env: NodeJS.ProcessEnv = {}, args: string[] = []) =>
  missingPrerequisites({ mode, args, ...machine(files, env) }).map((m) => m.apt ?? m.go ?? m.what);

describe('missingPrerequisites', () => {
  it('finds nothing missing on a machine that has everything, in both modes', () => {
    expect(missing('test', everything, withPath)).toEqual([]);
    expect(missing('start', everything, withPath)).toEqual([]);
  });

  it('on a bare machine, npm test needs PostgreSQL, sshd, ssh-keygen, slapd, openssl, Chromium, CJK fonts and the Temporal CLI', () => {
    expect(missing('test', [])).toEqual([
      'postgresql',
      'openssh-server',
      'openssh-client',
      'slapd',
      'openssl',
      'chromium',
      'fonts-noto-cjk',
      TEMPORAL_CLI_MODULE,
    ]);
  });

  it('npm start needs no sshd, no ssh-keygen, no slapd and no openssl', () => {
    expect(missing('start', [])).toEqual(['postgresql', TEMPORAL_CLI_MODULE]);
  });

  it('DATABASE_URL skips PostgreSQL, TEMPORAL_ADDRESS skips the Temporal CLI', () => {
    expect(missing('test', [], { DATABASE_URL: 'postgres://db/x' })).toEqual([
      'openssh-server',
      'openssh-client',
      'slapd',
      'openssl',
      'chromium',
      'fonts-noto-cjk',
      TEMPORAL_CLI_MODULE,
    ]);
    expect(missing('start', [], { TEMPORAL_ADDRESS: 'temporal:7233' })).toEqual(['postgresql']);
    expect(
      missing('start', [], { DATABASE_URL: 'postgres://db/x', TEMPORAL_ADDRESS: 'temporal:7233' }),
    ).toEqual([]);
  });

  it('npm test -- lint|typecheck|unit needs none of it; npm test -- integration does', () => {
    for (const step of ['lint', 'typecheck', 'unit']) expect(missing('test', [], {}, [step])).toEqual([]);
    expect(missing('test', [], {}, ['integration', 'test/collection'])).toContain('openssh-server');
  });

  it('sshd counts in /usr/sbin or /usr/bin, not elsewhere', () => {
    const rest = [PG, KEYGEN, SLAPD, OPENSSL, CHROMIUM, CJK, TEMPORAL];
    expect(missing('test', [...rest, '/usr/bin/sshd'], withPath)).toEqual([]);
    expect(missing('test', [...rest, '/usr/local/sbin/sshd'], withPath)).toEqual(['openssh-server']);
  });

  it('slapd counts at /usr/sbin/slapd (where scripts/infra/slapd.ts runs it), for npm test only', () => {
    const rest = [PG, SSHD, KEYGEN, OPENSSL, CHROMIUM, CJK, TEMPORAL];
    expect(missing('test', rest, withPath)).toEqual(['slapd']);
    expect(missing('test', [...rest, '/usr/bin/slapd'], withPath)).toEqual(['slapd']);
    expect(missing('test', [...rest, SLAPD], withPath)).toEqual([]);
    expect(missing('test', rest, withPath, ['unit'])).toEqual([]);
  });

  it('PostgreSQL counts from PG_BIN_DIR, /usr/lib/postgresql/*/bin or a PATH entry with initdb and postgres', () => {
    const rest = [SSHD, KEYGEN, SLAPD, OPENSSL, CHROMIUM, CJK, TEMPORAL];
    expect(missing('test', [...rest, '/opt/pg/initdb'], { ...withPath, PG_BIN_DIR: '/opt/pg' })).toEqual([]);
    expect(missing('test', [...rest, '/usr/bin/initdb', '/usr/bin/postgres'], withPath)).toEqual([]);
    // initdb alone on PATH is not a server (scripts/infra/postgres.ts would not use it either).
    expect(missing('test', [...rest, '/usr/bin/initdb'], withPath)).toEqual(['postgresql']);
    // PG_BIN_DIR without initdb falls back to the usual places.
    expect(missing('test', [...rest], { ...withPath, PG_BIN_DIR: '/opt/pg' })).toEqual(['postgresql']);
  });

  it('reports a TEMPORAL_CLI that points nowhere as a problem to fix, not something to build', () => {
    const result = missingPrerequisites({
      mode: 'start',
      ...machine([PG, TEMPORAL], { ...withPath, TEMPORAL_CLI: '/nowhere/temporal' }),
    });
    expect(result).toEqual([
      { what: 'the Temporal CLI', problem: 'TEMPORAL_CLI points to /nowhere/temporal, which does not exist' },
    ]);
  });
});

describe('findTemporalCli', () => {
  it('looks at TEMPORAL_CLI, then PATH, then $(go env GOPATH)/bin', () => {
    const go = '/home/u/go/bin/temporal';
    expect(
      findTemporalCli(machine([TEMPORAL, go, '/usr/bin/go', '/x/t'], { ...withPath, TEMPORAL_CLI: '/x/t' })),
    ).toBe('/x/t');
    expect(findTemporalCli(machine([TEMPORAL, go, '/usr/bin/go'], withPath))).toBe(TEMPORAL);
    expect(findTemporalCli(machine([go, '/usr/bin/go'], withPath))).toBe(go);
    // Without Go there is no GOPATH to look in.
    expect(findTemporalCli(machine([go], withPath))).toBeUndefined();
  });

  it('does not run Go when the CLI is on PATH', () => {
    const probes = machine([TEMPORAL, '/usr/bin/go'], withPath);
    const goBin = jest.fn(probes.goBin);
    expect(findTemporalCli({ ...probes, goBin })).toBe(TEMPORAL);
    expect(goBin).not.toHaveBeenCalled();
  });
});

describe('findPgBinDir', () => {
  it('prefers the newest /usr/lib/postgresql version', () => {
    const files = [
      '/usr/lib/postgresql/13/bin/initdb',
      '/usr/lib/postgresql/16/bin/initdb',
      '/usr/lib/postgresql/9',
    ];
    expect(findPgBinDir(machine(files))).toBe('/usr/lib/postgresql/16/bin');
  });
});

describe('installPlan', () => {
  const bare = (env: NodeJS.ProcessEnv = {}) => missingPrerequisites({ mode: 'test', ...machine([], env) });

  it('as root with apt-get and Go: installs the packages and builds the CLI', () => {
    const plan = installPlan(bare(), { ...machine(['/usr/bin/apt-get', '/usr/bin/go']), uid: 0 });
    expect(plan).toEqual({
      packages: [
        'postgresql',
        'openssh-server',
        'openssh-client',
        'slapd',
        'openssl',
        'chromium',
        'fonts-noto-cjk',
      ],
      build: true,
      blocked: undefined,
    });
  });

  it('not root: blocked, naming what is missing and the sudo command, without trying anything', () => {
    const plan = installPlan(bare({ DATABASE_URL: 'postgres://db/x' }), {
      ...machine(['/usr/bin/apt-get', '/usr/bin/go']),
      uid: 1000,
    });
    expect(plan.blocked).toContain('OpenSSH sshd');
    expect(plan.blocked).toContain('sudo apt-get install -y openssh-server openssh-client slapd openssl');
    expect(plan.blocked).not.toContain('postgresql');
  });

  it('no apt-get: blocked even as root', () => {
    const plan = installPlan(bare(), { ...machine(['/usr/bin/go']), uid: 0 });
    expect(plan.blocked).toMatch(/apt-get is not available/);
  });

  it('the Temporal CLI missing without Go: blocked, with the go install command and the ways around it', () => {
    const plan = installPlan(
      bare({ DATABASE_URL: 'postgres://db/x' }).filter((m) => m.go),
      {
        ...machine(['/usr/bin/apt-get']),
        uid: 0,
      },
    );
    expect(plan.packages).toEqual([]);
    expect(plan.blocked).toContain(`CGO_ENABLED=0 go install ${TEMPORAL_CLI_MODULE}`);
    expect(plan.blocked).toContain('TEMPORAL_ADDRESS');
  });

  it('nothing missing: nothing to do', () => {
    expect(installPlan([], { ...machine([]), uid: 1000 })).toEqual({
      packages: [],
      build: false,
      blocked: undefined,
    });
  });
});
