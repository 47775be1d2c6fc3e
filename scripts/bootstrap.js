#!/usr/bin/env node
// Entry point of `npm start` and `npm test`. Plain JavaScript so it runs on a fresh clone before
// any dependency is installed: it installs what the machine lacks (PostgreSQL server binaries and,
// for the tests, OpenSSH's sshd, Chromium and CJK fonts from Debian; the Temporal CLI built with Go;
// see prerequisites.js), then node_modules when missing or stale, then the portal's build when
// missing or stale (apps/portal), then hands over to scripts/start.ts or scripts/test.ts.
// Prints nothing when everything is there.
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { findOrBuildTemporalCli, installPlan, missingPrerequisites } = require('./prerequisites');

const root = path.resolve(__dirname, '..');
const mode = process.argv[2];
if (!['start', 'test'].includes(mode)) {
  console.error('usage: node scripts/bootstrap.js start|test [args...]');
  process.exit(2);
}
// `node scripts/bootstrap.js test -- lint` means what `npm test -- lint` means (npm drops the `--`).
const args = process.argv.slice(3);
if (args[0] === '--') args.shift();

/** What the machine lacks: nothing is installed unless everything missing can be. */
const missing = missingPrerequisites({ mode, args });
const plan = installPlan(missing);
if (plan.blocked) {
  console.error(`[switchboard] \`npm ${mode}\` needs what this machine lacks.\n${plan.blocked}`);
  process.exit(1);
}

function installPackages() {
  if (!plan.packages.length) return;
  for (const m of missing.filter((m) => m.apt))
    console.log(`[switchboard] installing ${m.apt} (${m.why})...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const command of [
    ['update', '-qq'],
    ['install', '-y', '-qq', ...plan.packages],
  ]) {
    const result = spawnSync('apt-get', command, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) {
      process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}\n`);
      console.error(`[switchboard] apt-get ${command.join(' ')} failed (exit ${result.status}); see above.`);
      process.exit(1);
    }
  }
}

/** Built up front, so that the first test run does not spend minutes inside jest's globalSetup. */
function buildTemporalCli() {
  if (!plan.build) return;
  try {
    findOrBuildTemporalCli();
  } catch (error) {
    console.error(`[switchboard] ${error.message}`);
    process.exit(1);
  }
}

function ensureDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.switchboard-lock-sha256');
  const want = createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
  const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
  if (want === have) return;
  // `npm install` honours package-lock.json; `npm ci` is not used because its strict check fails when a
  // registry mirror lacks optional packages for other platforms (the lock then omits them).
  console.log('[switchboard] installing dependencies (npm install, from package-lock.json)...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error('[switchboard] npm install failed; see the output above.');
    process.exit(result.status ?? 1);
  }
  fs.writeFileSync(stamp, createHash('sha256').update(fs.readFileSync(lock)).digest('hex'));
}

/** What the portal's build is made from: its sources and config, the GraphQL schema, the lock file. */
function portalSourceHash() {
  const hash = createHash('sha256');
  const portal = path.join(root, 'apps', 'portal');
  const skip = new Set([
    path.join(portal, 'dist'),
    path.join(portal, 'src', 'gql'),
    path.join(portal, 'node_modules'),
  ]);
  const walk = (dir) => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name);
      if (skip.has(file)) continue;
      if (entry.isDirectory()) walk(file);
      else hash.update(`${path.relative(root, file)}\0`).update(fs.readFileSync(file));
    }
  };
  walk(portal);
  for (const file of ['schema.gql', 'package-lock.json']) hash.update(fs.readFileSync(path.join(root, file)));
  return hash.digest('hex');
}

/**
 * The portal (apps/portal, served by the API at /) is built when its build is missing or older than
 * its sources: `npm run portal:build` generates its GraphQL types from schema.gql, type-checks it
 * (a schema change that breaks it stops here) and bundles it with Vite.
 */
function ensurePortalBuild() {
  const stamp = path.join(root, 'apps', 'portal', 'dist', '.switchboard-sources-sha256');
  const want = portalSourceHash();
  const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
  if (want === have) return;
  console.log('[switchboard] building the portal (npm run portal:build)...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', '--silent', 'portal:build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('[switchboard] the portal build failed; see the output above.');
    process.exit(result.status ?? 1);
  }
  fs.writeFileSync(stamp, want);
}

installPackages();
ensureDependencies();
buildTemporalCli();
ensurePortalBuild();
const script = path.join(root, 'scripts', `${mode}.ts`);
const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', script, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
});
// Ctrl-C reaches the whole foreground process group; the child does the orderly shutdown.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (signal !== 'SIGINT') child.kill(signal);
  });
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
