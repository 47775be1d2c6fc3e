/**
 * The short chaos run: 10 mixed runs with a fixed seed (12) on the cluster topology (a real Temporal
 * server on PostgreSQL, two APIs, three workers on two sites), while workers, APIs, the Temporal
 * server and PostgreSQL are killed with SIGKILL and started again, and devices get faults. It
 * asserts invariants, not timings: every run ends, nothing finished is done again, no device is left
 * half-configured, every run's status agrees with its devices and steps. `npm run chaos` is the long
 * version (docs/reliability.md).
 *
 * The apps run from their TypeScript sources (ts-node), so the test needs no `npm run build`. The
 * Temporal server and its SQL tool are built with `go install` the first time (minutes, once per
 * machine: they stay in $(go env GOPATH)/bin); CHAOS_SKIP=1 skips the test.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runChaos, type ChaosResult } from '../chaos/driver';
import { formatReport } from '../chaos/report';

// Seed 12: its first kills hit a worker, an API, the Temporal server and PostgreSQL, and its 10 runs
// are of all four kinds (collection, change, task, schedule).
const SEED = 12;
const skip = process.env.CHAOS_SKIP === '1';

(skip ? describe.skip : describe)(`chaos (10 runs, seed ${SEED}, kills and faults)`, () => {
  let result: ChaosResult;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(process.env.SWITCHBOARD_TEST_SCRATCH ?? os.tmpdir(), 'chaos-'));
    const lines: string[] = [];
    result = await runChaos({
      seed: SEED,
      runs: 10,
      dir,
      runner: 'ts-node',
      // Runs spread over about 40 s, a kill 1.5-4 s after the previous component of its stream is
      // back, and the chaos on until 6 kills came back: the kills land while runs are in flight.
      killGapMs: [1500, 4000],
      runGapMs: 4000,
      minKills: 6,
      log: (line) => lines.push(line),
    });
    console.log(`${lines.join('\n')}\n\n${formatReport(result)}`);
  }, 40 * 60_000);

  it('kills components and they come back', () => {
    expect(result.kills.length).toBeGreaterThan(0);
    expect(result.kills.filter((k) => k.backAfterMs === null)).toEqual([]);
  });

  it('a restarted component serves or exits, never hangs', () => {
    const invariant = result.invariants.find(
      (i) => i.name === 'a restarted component serves or exits, never hangs',
    )!;
    expect(invariant.violations.filter((v) => !v.knownDefect)).toEqual([]);
  });

  // Violations that are instances of a known, reported defect (chaos/invariants.ts KNOWN_DEFECTS,
  // docs/reliability.md) are printed above and tolerated here; any other violation fails. None is
  // known today: D1, D2 and D6 are fixed.
  it.each([
    'every run ends (none lost, none stuck)',
    'no workflow left open in Temporal',
    'run status consistent with its devices and steps',
    'nothing completed is done again (at-least-once only for unfinished work)',
    'no device half-configured (fully changed or fully restored)',
  ])('%s', (title) => {
    const name = title.replace(/ \(known defect .*\)$/, '');
    const invariant = result.invariants.find((i) => i.name === name)!;
    expect(invariant.checked).toBeGreaterThan(0);
    expect(invariant.violations.filter((v) => !v.knownDefect)).toEqual([]);
  });
});
