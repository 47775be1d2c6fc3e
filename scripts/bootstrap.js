#!/usr/bin/env node
// Entry point of `npm start` and `npm test`. Plain JavaScript so it runs on a fresh clone before
// any dependency is installed: it installs them when missing or stale, then hands over to
// scripts/start.ts or scripts/test.ts.
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const mode = process.argv[2];
if (!['start', 'test'].includes(mode)) {
  console.error('usage: node scripts/bootstrap.js start|test [args...]');
  process.exit(2);
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

ensureDependencies();
const script = path.join(root, 'scripts', `${mode}.ts`);
const child = spawn(
  process.execPath,
  ['-r', 'ts-node/register/transpile-only', script, ...process.argv.slice(3)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
  },
);
// Ctrl-C reaches the whole foreground process group; the child does the orderly shutdown.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (signal !== 'SIGINT') child.kill(signal);
  });
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
