import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a V8 CPU profile spent its time: by package (or our own top folder) and by function (self time). */
export function summariseProfiles(dir: string, top = 12): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      const frame = nodes.get(id)!.callFrame;
      const url = frame.url.replace(/^file:\/\//, '');
      const pkg =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
        (url ? (url.split('/dist/')[1]?.split('/')[0] ?? url) : `(${frame.functionName || 'native'})`);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
      const fn = `${frame.functionName || '(anonymous)'} ${url ? path.basename(url) + ':' + (frame.lineNumber + 1) : ''}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
      total += us;
    });
  }
  const fmt = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `    ${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  return `  worker profile (${(total / 1e6).toFixed(1)} s sampled)\n  by package:\n${fmt(byPackage)}\n  by function (self):\n${fmt(byFunction)}`;
}
