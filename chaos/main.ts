/**
 * `npm run chaos -- --runs 100 --seed 7`: mixed runs on the cluster topology while components are
 * killed with SIGKILL and devices get faults; prints the kills survived and the invariants, and exits
 * non-zero on any violation. Options: --runs N (20), --seed N (1), --devices N (24), --dir DIR (a
 * scratch directory), --no-infra-kills (kill workers and APIs only), --min-kills N (keep the chaos on
 * until N kills came back, up to 5 minutes), --skip-build, --runner ts-node (run the apps from their
 * sources: no build).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runChaos } from './driver';
import { formatReport } from './report';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const runs = Number(arg('runs') ?? 20);
  const seed = Number(arg('seed') ?? 1);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const dir = arg('dir') ?? mkdtempSync(path.join(os.tmpdir(), `switchboard-chaos-s${seed}-`));
  const runner = arg('runner') ?? 'dist';
  if (runner !== 'dist' && runner !== 'ts-node') throw new Error('--runner must be dist or ts-node');
  if (runner === 'dist' && !flag('skip-build')) {
    console.log('[chaos] building (tsc)...');
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  console.log(`[chaos] seed ${seed}, ${runs} runs; scratch directory ${dir}`);
  const result = await runChaos({
    seed,
    runs,
    devices: arg('devices') ? Number(arg('devices')) : undefined,
    dir,
    runner,
    killInfrastructure: !flag('no-infra-kills'),
    minKills: arg('min-kills') ? Number(arg('min-kills')) : undefined,
  });
  console.log('\n' + formatReport(result));
  process.exit(result.violations === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(`[chaos] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(2);
});
