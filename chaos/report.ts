import type { ChaosResult } from './driver';
import { KNOWN_DEFECTS } from './invariants';

function describeCount(violations: { knownDefect?: string }[]): string {
  if (!violations.length) return '0';
  const known = violations.filter((v) => v.knownDefect).length;
  return `${violations.length}  VIOLATED${known ? ` (${known} known defect${known > 1 ? 's' : ''})` : ''}`;
}

/** The table `npm run chaos` prints: kills survived per component, then each invariant. */
export function formatReport(result: ChaosResult): string {
  const lines: string[] = [];
  const pad = (s: string | number, n: number) => String(s).padEnd(n);
  lines.push(
    `seed ${result.seed}: ${result.runs} planned runs, ${result.runRows} runs in the database ` +
      `(${Object.entries(result.statuses)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')}), ${result.faults} device faults, ${(result.durationMs / 1000).toFixed(0)} s`,
  );
  lines.push('');
  lines.push(
    `${pad('component', 18)}${pad('kills', 7)}${pad('back', 6)}${pad('down ms (mean)', 16)}back after ms (max)`,
  );
  const names = [...new Set(result.kills.map((k) => k.component))].sort();
  for (const name of names) {
    const ks = result.kills.filter((k) => k.component === name);
    const back = ks.filter((k) => k.backAfterMs !== null);
    const mean = Math.round(ks.reduce((a, k) => a + k.downMs, 0) / ks.length);
    const max = back.length ? Math.max(...back.map((k) => k.backAfterMs!)) : '-';
    lines.push(`${pad(name, 18)}${pad(ks.length, 7)}${pad(back.length, 6)}${pad(mean, 16)}${max}`);
  }
  lines.push(
    `${pad('total', 18)}${pad(result.kills.length, 7)}${result.kills.filter((k) => k.backAfterMs !== null).length}`,
  );
  lines.push('');
  lines.push(`${pad('invariant', 76)}${pad('checked', 9)}violations`);
  for (const inv of result.invariants) {
    lines.push(`${pad(inv.name, 76)}${pad(inv.checked, 9)}${describeCount(inv.violations)}`);
  }
  for (const inv of result.invariants) {
    for (const v of inv.violations.slice(0, 25)) {
      const known = v.knownDefect ? ` KNOWN DEFECT ${v.knownDefect}` : '';
      const where = `${v.key ? `${v.key} ` : ''}${v.runId ? `run ${v.runId}: ` : ''}`;
      lines.push(`  VIOLATION [${v.invariant}]${known} ${where}${v.detail}`);
    }
    if (inv.violations.length > 25)
      lines.push(`  ... and ${inv.violations.length - 25} more (see result.json)`);
  }
  const known = [
    ...new Set(
      result.invariants.flatMap((i) => i.violations.flatMap((v) => (v.knownDefect ? [v.knownDefect] : []))),
    ),
  ];
  for (const id of known)
    lines.push(`  KNOWN DEFECT ${id} (reported, not fixed by the chaos suite): ${KNOWN_DEFECTS[id]}`);
  lines.push('');
  lines.push(
    result.violations === 0
      ? `OK: every invariant held (${result.kills.length} kills survived)`
      : `FAILED: ${result.violations} violation(s); details in ${result.dir}/result.json and events.jsonl`,
  );
  return lines.join('\n');
}
