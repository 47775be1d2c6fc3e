// What `npm start` and `npm test` need on the machine besides node_modules, how to tell whether it is
// there, and how to get it. Plain CommonJS without dependencies: scripts/bootstrap.js requires it before
// `npm install`. The Temporal CLI search and build here are the only copy: scripts/infra/temporal.ts
// re-exports them (types in prerequisites.d.ts).
/* global require, module, process, console */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, loaded before dependencies */
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
/** A file of Debian's fonts-noto-cjk. */
const NOTO_CJK_FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';

/** The probes the decisions use; tests pass fakes so that the answers do not depend on this machine. */
function defaultProbes(env = process.env) {
  const exists = (file) => fs.existsSync(file);
  return {
    exists,
    /** The first PATH entry holding `name`, like the shell's lookup (existence only, as before). */
    which: (name) => {
      for (const dir of (env.PATH ?? '').split(path.delimiter)) {
        if (dir && exists(path.join(dir, name))) return path.join(dir, name);
      }
      return undefined;
    },
    readdir: (dir) => {
      try {
        return fs.readdirSync(dir);
      } catch {
        return [];
      }
    },
    /** `$(go env GOPATH)/bin` (its first entry), or undefined without Go. Runs `go` once per call. */
    goBin: () => {
      try {
        const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8', env }).trim();
        return gopath ? path.join(gopath.split(path.delimiter)[0], 'bin') : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

function withDefaults(options = {}) {
  const env = options.env ?? process.env;
  return { ...defaultProbes(env), ...options, env };
}

/**
 * The directory of the PostgreSQL server binaries, the same search as findPgBinDir in
 * scripts/infra/postgres.ts: PG_BIN_DIR (if it has initdb), the newest /usr/lib/postgresql/<v>/bin
 * with initdb, a PATH entry with both initdb and postgres.
 */
function findPgBinDir(options) {
  const { env, exists, readdir } = withDefaults(options);
  if (env.PG_BIN_DIR && exists(path.join(env.PG_BIN_DIR, 'initdb'))) return env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = readdir(root)
    .filter((v) => exists(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length) return path.join(root, versions[0], 'bin');
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && exists(path.join(dir, 'initdb')) && exists(path.join(dir, 'postgres'))) return dir;
  }
  return undefined;
}

/** The Temporal CLI: TEMPORAL_CLI, then PATH, then $(go env GOPATH)/bin (Go runs only if the first two fail). */
function findTemporalCli(options) {
  const { env, exists, which, goBin } = withDefaults(options);
  const explicit = env.TEMPORAL_CLI;
  if (explicit) {
    if (!exists(explicit)) throw new Error(`TEMPORAL_CLI points to ${explicit}, which does not exist`);
    return explicit;
  }
  const found = which('temporal');
  if (found) return found;
  const bin = goBin();
  if (bin && exists(path.join(bin, 'temporal'))) return path.join(bin, 'temporal');
  return undefined;
}

/**
 * Find the Temporal CLI, building it with `go install` when missing (retried once with GOSUMDB=off in
 * case the checksum database is unreachable). `go install`'s own output is shown only when it fails.
 */
function findOrBuildTemporalCli(log = console.log, options) {
  const { env, which } = withDefaults(options);
  const found = findTemporalCli(options);
  if (found) return found;
  if (!which('go')) {
    throw new Error(
      'The Temporal CLI was not found (looked at TEMPORAL_CLI, PATH and $(go env GOPATH)/bin) and Go is not installed to build it.\n' +
        `Install Go (https://go.dev/dl/) and run: CGO_ENABLED=0 go install ${TEMPORAL_CLI_MODULE}\n` +
        'or set TEMPORAL_CLI to a temporal binary, or TEMPORAL_ADDRESS to an existing cluster.',
    );
  }
  log(`[switchboard] building the Temporal CLI (go install ${TEMPORAL_CLI_MODULE}; a few minutes, once)...`);
  const attempt = (extraEnv) =>
    spawnSync('go', ['install', TEMPORAL_CLI_MODULE], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...env, CGO_ENABLED: '0', ...extraEnv },
    });
  let result = attempt({});
  if (result.status !== 0) {
    log('[switchboard] go install failed; retrying once with GOSUMDB=off');
    result = attempt({ GOSUMDB: 'off' });
  }
  const built = result.status === 0 ? findTemporalCli(options) : undefined;
  if (!built) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}\n`);
    throw new Error(
      `Building the Temporal CLI failed (go install exited ${result.status}; its output is above). ` +
        `Run CGO_ENABLED=0 go install ${TEMPORAL_CLI_MODULE} by hand to see why, or set TEMPORAL_ADDRESS.`,
    );
  }
  return built;
}

/**
 * Whether `node scripts/bootstrap.js <mode> <args>` will start PostgreSQL, Temporal and sshd- or slapd-backed tests:
 * `npm start` always; `npm test` when it runs the integration tests, that is with no step named or
 * `integration` first (the selection scripts/test.ts makes; `npm test -- lint|typecheck|unit` needs none).
 */
function needsServices(mode, args = []) {
  return mode === 'start' || args.length === 0 || args[0] === 'integration';
}

/**
 * What the machine lacks for `mode` ('start' or 'test', with scripts/test.ts's `args`). Each entry
 * names the missing piece and how to get it: `apt` (a Debian package), `go` (built with go install), or
 * only `problem` (a setting to fix by hand).
 */
function missingPrerequisites(options) {
  const { mode, args = [], env, exists, which } = withDefaults(options);
  if (!needsServices(mode, args)) return [];
  const missing = [];
  if (!env.DATABASE_URL && !findPgBinDir(options)) {
    missing.push({
      what: 'PostgreSQL server binaries',
      apt: 'postgresql',
      why: 'for a local cluster; DATABASE_URL skips it',
    });
  }
  if (mode === 'test') {
    if (!['/usr/sbin/sshd', '/usr/bin/sshd'].some((p) => exists(p))) {
      missing.push({ what: 'OpenSSH sshd', apt: 'openssh-server', why: 'tests need a real sshd' });
    }
    if (!which('ssh-keygen')) {
      missing.push({ what: 'ssh-keygen', apt: 'openssh-client', why: 'tests need ssh-keygen' });
    }
    // The package's own service (port 389) is not used: scripts/infra/slapd.ts starts its own.
    if (!exists('/usr/sbin/slapd')) {
      missing.push({
        what: 'OpenLDAP slapd',
        apt: 'slapd',
        why: 'the directory login tests need a real LDAP server',
      });
    }
    if (!which('openssl')) {
      missing.push({ what: 'openssl', apt: 'openssl', why: 'the LDAP TLS tests make a throwaway CA' });
    }
    // The portal's end-to-end tests drive Debian's Chromium (Playwright's own browser download does not
    // work everywhere); the Noto CJK fonts make its Chinese text render (test/support/browser.ts).
    if (!which('chromium')) {
      missing.push({ what: 'Chromium', apt: 'chromium', why: 'the portal tests drive a real browser' });
    }
    if (!exists(NOTO_CJK_FONT)) {
      missing.push({
        what: 'Noto CJK fonts',
        apt: 'fonts-noto-cjk',
        why: 'the portal tests render Chinese text',
      });
    }
  }
  if (!env.TEMPORAL_ADDRESS) {
    try {
      if (!findTemporalCli(options)) {
        missing.push({
          what: 'the Temporal CLI',
          go: TEMPORAL_CLI_MODULE,
          why: 'for a local dev server; TEMPORAL_ADDRESS skips it',
        });
      }
    } catch (error) {
      missing.push({ what: 'the Temporal CLI', problem: error.message });
    }
  }
  return missing;
}

/**
 * How to get `missing`: the Debian packages to install and whether to build the Temporal CLI, or, when
 * something cannot be installed here (not root, no apt-get, no Go), `blocked`: one message naming what
 * is missing and the command to run. Nothing is installed while anything is blocked.
 */
function installPlan(missing, options) {
  const { uid = process.getuid?.(), which } = withDefaults(options);
  const packages = [...new Set(missing.filter((m) => m.apt).map((m) => m.apt))];
  const build = missing.some((m) => m.go);
  const lines = [];
  if (packages.length) {
    const command = `apt-get install -y ${packages.join(' ')}`;
    const names = missing.filter((m) => m.apt).map((m) => `${m.what} (${m.apt}, ${m.why})`);
    if (!which('apt-get')) {
      lines.push(
        `Missing: ${names.join('; ')}. apt-get is not available: install them with your package manager.`,
      );
    } else if (uid !== 0) {
      lines.push(`Missing: ${names.join('; ')}. Install as root: sudo ${command}`);
    }
  }
  if (build && !which('go')) {
    lines.push(
      'Missing: the Temporal CLI, and Go is not installed to build it. Install Go (https://go.dev/dl/), ' +
        `then run: CGO_ENABLED=0 go install ${TEMPORAL_CLI_MODULE}; or set TEMPORAL_CLI to a temporal ` +
        'binary, or TEMPORAL_ADDRESS to an existing cluster.',
    );
  }
  for (const m of missing) if (m.problem) lines.push(`${m.what}: ${m.problem}`);
  return { packages, build, blocked: lines.length ? lines.join('\n') : undefined };
}

module.exports = {
  TEMPORAL_CLI_MODULE,
  findPgBinDir,
  findTemporalCli,
  findOrBuildTemporalCli,
  needsServices,
  missingPrerequisites,
  installPlan,
};
