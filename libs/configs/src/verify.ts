import type { Platform } from '../../common/src/platforms';
import { compliance } from './compliance';
import { hierarchicalDiff } from './diff';

export interface ChangeVerification {
  ok: boolean;
  /** Intended lines still absent after the push. */
  missing: string[];
  /** Lines that changed although the change did not ask for them. */
  unexpected: string[];
}

/**
 * After a push: the intended lines are present, and nothing else changed. A line counts as asked
 * for when it is one of the pushed or intended lines. A removed line is accepted only when an added line
 * with the same keyword replaced it inside a block (a description, an access VLAN) or for a single-valued
 * global setting (hostname); anything else removed is unexpected.
 */
export function verifyChange(
  platform: Platform,
  input: { before: string; after: string; intended: string; pushed: string[] },
): ChangeVerification {
  const result = compliance(platform, input.intended, input.after);
  const missing = result.missing.map((m) => [...m.path, m.line].join(' > '));
  const asked = new Set(
    [...input.intended.split('\n'), ...input.pushed]
      .map((l) => l.trim().replace(/^set /, ''))
      .filter(Boolean),
  );
  const askedStatements = [...asked];
  const intendedVlans = vlanIds(input.intended);
  const unexpected: string[] = [];
  for (const change of hierarchicalDiff(platform, input.before, input.after)) {
    if (VLAN_BATCH_PLATFORMS.has(platform)) foldVlanBatch(change, intendedVlans, unexpected);
    for (const line of change.added) {
      const bare = line.trim();
      const statement = [...change.path, bare]
        .map((p) => p.replace(/[{};]/g, '').trim())
        .join(' ')
        .trim();
      // A Junos container (`vlans`, `vlans sb-change`) that leads to an intended statement was asked for too.
      const container =
        platform === 'juniper_junos' && askedStatements.some((a) => a.startsWith(`${statement} `));
      if (!asked.has(bare) && !asked.has(statement) && !container) {
        unexpected.push(`+ ${[...change.path, bare].join(' > ')}`);
      }
    }
    for (const line of change.removed) {
      const key = firstWord(line);
      const replaced =
        (change.path.length > 0 || SINGLE_VALUED_TOP.has(key)) &&
        change.added.some((a) => firstWord(a) === key);
      if (!replaced) unexpected.push(`- ${[...change.path, line.trim()].join(' > ')}`);
    }
  }
  return { ok: missing.length === 0 && unexpected.length === 0, missing, unexpected };
}

const SINGLE_VALUED_TOP = new Set(['hostname', 'sysname', 'host-name', 'clock', 'banner']);

function firstWord(line: string): string {
  return (
    line
      .trim()
      .replace(/^(?:set|delete) /, '')
      .split(/\s+/)[0] ?? ''
  );
}

const VLAN_BATCH_PLATFORMS = new Set<Platform>(['huawei', 'hp_comware']);

/** VLAN ids an intended snippet creates (`vlan 555`, `vlan batch 10 20 to 22`). */
function vlanIds(text: string): Set<number> {
  const ids = new Set<number>();
  for (const line of text.split('\n')) {
    const single = /^\s*vlan (\d+)\s*$/.exec(line);
    if (single) ids.add(Number(single[1]));
    const batch = /^\s*vlan batch (.+)$/.exec(line);
    if (batch) for (const id of batchIds(batch[1])) ids.add(id);
  }
  return ids;
}

function batchIds(spec: string): number[] {
  const words = spec.trim().split(/\s+/);
  const ids: number[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i + 1] === 'to' && words[i + 2]) {
      for (let id = Number(words[i]); id <= Number(words[i + 2]); id++) ids.push(id);
      i += 2;
    } else if (/^\d+$/.test(words[i])) ids.push(Number(words[i]));
  }
  return ids;
}

/**
 * VRP and Comware fold every VLAN into one `vlan batch` line, so creating `vlan 555` rewrites that line.
 * Compare the rewritten line as a set: the ids it gained must be intended, it must lose none. The pair
 * is then taken out of the change so it is not reported line by line.
 */
function foldVlanBatch(
  change: { path: string[]; added: string[]; removed: string[] },
  intended: Set<number>,
  unexpected: string[],
): void {
  const isBatch = (l: string) => /^\s*vlan batch /.test(l);
  const added = change.added.filter(isBatch);
  const removed = change.removed.filter(isBatch);
  if (added.length === 0 && removed.length === 0) return;
  const after = new Set(added.flatMap((l) => batchIds(l.replace(/^\s*vlan batch /, ''))));
  const before = new Set(removed.flatMap((l) => batchIds(l.replace(/^\s*vlan batch /, ''))));
  for (const id of after)
    if (!before.has(id) && !intended.has(id)) unexpected.push(`+ vlan ${id} (vlan batch)`);
  for (const id of before) if (!after.has(id)) unexpected.push(`- vlan ${id} (vlan batch)`);
  change.added = change.added.filter((l) => !isBatch(l));
  change.removed = change.removed.filter((l) => !isBatch(l));
}
