/**
 * `npm test`: lint, type-check, unit tests, then integration and end-to-end tests against a real
 * PostgreSQL server, a real Temporal dev server and the device lab (started by test/support/global-setup.ts).
 * Ends with one plain summary line: "N passed, N failed".
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const only = process.argv.slice(2); // e.g. `npm test -- unit` or `npm test -- integration test/collection`

function step(name: string, command: string, args: string[]): boolean {
  console.log(`\n=== ${name}: ${path.basename(command)} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = result.status === 0;
  console.log(`=== ${name}: ${ok ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ok;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
function jest(project: 'unit' | 'integration', extra: string[]): boolean {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'switchboard-jest-')), 'result.json');
  const args = ['--selectProjects', project, '--json', '--outputFile', out, '--forceExit', ...extra];
  // Integration files are independent (each has its own database and task queue; they share the
  // PostgreSQL server, the Temporal dev server and the workflow bundle): run a few at a time, as
  // most of their time is spent waiting on devices, timers and heartbeats rather than on the CPU.
  if (project === 'integration') args.push(`--maxWorkers=${process.env.SWITCHBOARD_TEST_WORKERS ?? '2'}`);
  const ok = step(`${project} tests`, bin('jest'), args);
  try {
    const result = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests;
    totals.skipped += result.numPendingTests + (result.numTodoTests ?? 0);
    if (!ok && result.numFailedTests === 0) totals.failed += 1; // a suite failed to load
  } catch {
    if (!ok) totals.failed += 1;
  }
  return ok;
}

const wants = (name: string) => only.length === 0 || only[0] === name;
const extra = only.slice(1);
let ok = true;
if (wants('lint')) ok = step('lint', bin('eslint'), ['.', '--max-warnings', '0']) && ok;
if (wants('lint')) ok = step('format', bin('prettier'), ['--check', '.']) && ok;
if (wants('typecheck')) ok = step('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']) && ok;
if (wants('unit')) ok = jest('unit', extra) && ok;
if (wants('integration')) ok = jest('integration', extra) && ok;

console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = ok ? 0 : 1;
