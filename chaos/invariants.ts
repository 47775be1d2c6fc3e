/**
 * The invariants the chaos suite asserts at the end, from the device lab's own command log and
 * config state, the HTTP recorder and the database (read-only). Each returns its violations, each
 * naming the run, the device or step, and what was seen.
 */
import type { Client } from 'pg';
import { normaliseConfig } from '../libs/configs/src';
import type { Platform } from '../libs/common/src/platforms';
import type { RecordedRequest, SentCommand } from './observers';
import type { ChangePlan, CollectionPlan, RunPlan, TaskPlan } from './plan';
import { BOGUS_LINE } from './plan';

export interface Violation {
  invariant: string;
  runId?: string;
  key?: string;
  detail: string;
  /** The id of a known, reported defect this violation is an instance of (KNOWN_DEFECTS). */
  knownDefect?: string;
}

/**
 * Defects the chaos suite found in code it does not own, reported and not fixed yet
 * (docs/reliability.md): a violation tagged with one is printed as such and tolerated by
 * test/chaos.test.ts. None today: D1, D2 and D6 are fixed, and their violations fail the suite.
 */
export const KNOWN_DEFECTS: Record<string, string> = {};

export interface InvariantResult {
  name: string;
  checked: number;
  violations: Violation[];
}

export interface LaunchedRun {
  plan: RunPlan;
  /** Run ids the launch produced (more than one: a retried start created a second run). */
  runIds: string[];
  /** The schedule's id, for a schedule plan. */
  scheduleId?: string;
  error?: string;
}

export interface CheckInput {
  db: Client;
  launched: LaunchedRun[];
  sent: SentCommand[];
  requests: RecordedRequest[];
  /** The lab's current state. */
  runningConfig(device: string): string;
  platformOf(device: string): Platform;
  /** Milliseconds allowed between a clock reading in the database and one in this process. */
  clockToleranceMs?: number;
}

const FINAL = new Set([
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'REJECTED',
  'ROLLED_BACK',
  'ROLLBACK_FAILED',
  'CANCELLED',
  'FAILED',
  'SKIPPED',
]);

/** Whether `config` holds the address `ip` (not as the prefix of a longer one). */
export function hasIp(config: string, ip: string): boolean {
  return new RegExp(`(^|[^\\d.])${ip.replace(/\./g, '\\.')}(?![\\d.]*\\d)`, 'm').test(config);
}

export function hasVlan(config: string, vlan: number): boolean {
  return new RegExp(`^vlan ${vlan}\\s*$`, 'm').test(config);
}

interface RunRow {
  id: string;
  kind: string;
  status: string;
  commands: string[];
  commands_by_platform: Record<string, string[]> | null;
  inputs: Record<string, unknown> | null;
  change_spec: Record<string, unknown> | null;
  schedule_id: string | null;
  parent_run_id: string | null;
  created_at: Date;
  finished_at: Date | null;
}

interface DeviceRow {
  run_id: string;
  device_name: string;
  platform: string;
  status: string;
  outcome: string | null;
  attempts: number;
  finished_at: Date | null;
  backup_snapshot_id: string | null;
  backup: string | null;
  plan: string[] | null;
  pushed_lines: number | null;
  error_kind: string | null;
}

interface StepRow {
  run_id: string;
  step_id: string;
  kind: string;
  status: string;
  attempts: number;
  finished_at: Date | null;
  compensation_status: string | null;
  compensated_at: Date | null;
}

interface ItemRow {
  run_id: string;
  step_key: string;
  item_index: number;
  item: unknown;
  status: string;
  attempts: number;
  executions: number;
  finished_at: Date | null;
}

export async function checkInvariants(input: CheckInput): Promise<InvariantResult[]> {
  const { db } = input;
  const tolerance = input.clockToleranceMs ?? 1000;
  const runs = (
    await db.query<RunRow>(
      `SELECT id, kind, status, commands, commands_by_platform, inputs, change_spec, schedule_id, parent_run_id, created_at, finished_at FROM runs`,
    )
  ).rows;
  const devices = (
    await db.query<DeviceRow>(
      `SELECT rd.run_id, rd.device_name, rd.platform, rd.status, rd.outcome, rd.attempts, rd.finished_at,
              rd.backup_snapshot_id, rd.plan, rd.pushed_lines, rd.error_kind, b.content AS backup
         FROM run_devices rd
         LEFT JOIN config_snapshots s ON s.id = rd.backup_snapshot_id
         LEFT JOIN config_blobs b ON b.hash = s.hash`,
    )
  ).rows;
  const steps = (
    await db.query<StepRow>(
      `SELECT run_id, step_id, kind, status, attempts, finished_at, compensation_status, compensated_at FROM run_steps`,
    )
  ).rows;
  const items = (
    await db.query<ItemRow>(
      `SELECT run_id, step_key, item_index, item, status, attempts, executions, finished_at FROM run_step_items`,
    )
  ).rows;
  const outputs = new Map(
    (
      await db.query<{ run_id: string; device_name: string; n: number }>(
        `SELECT o.run_id, rd.device_name, count(DISTINCT o.seq)::int AS n FROM command_outputs o
           JOIN run_devices rd ON rd.id = o.run_device_id GROUP BY o.run_id, rd.device_name`,
      )
    ).rows.map((r) => [`${r.run_id}/${r.device_name}`, r.n]),
  );
  const runById = new Map(runs.map((r) => [r.id, r]));
  const devicesOf = (runId: string) => devices.filter((d) => d.run_id === runId);
  const stepsOf = (runId: string) => steps.filter((s) => s.run_id === runId);
  const keyOf = new Map<string, string>();
  for (const l of input.launched) for (const id of l.runIds) keyOf.set(id, l.plan.key);
  const v = (invariant: string, detail: string, runId?: string): Violation => ({
    invariant,
    runId,
    key: runId ? keyOf.get(runId) : undefined,
    detail,
  });
  const results: InvariantResult[] = [];

  // 1. No run lost or stuck.
  {
    const violations: Violation[] = [];
    let checked = 0;
    for (const l of input.launched) {
      checked++;
      if (l.plan.kind === 'schedule') {
        const fired = runs.filter((r) => r.schedule_id === l.scheduleId);
        if (!l.scheduleId)
          violations.push(v('lost', `${l.plan.key}: the schedule was never created (${l.error})`));
        else if (fired.length < l.plan.fires)
          violations.push(
            v(
              'lost',
              `${l.plan.key}: schedule ${l.scheduleId} fired ${fired.length} of ${l.plan.fires} runs`,
            ),
          );
        continue;
      }
      if (l.runIds.length === 0) violations.push(v('lost', `${l.plan.key}: no run was stored (${l.error})`));
      if (l.runIds.length > 1)
        violations.push(
          v('lost', `${l.plan.key}: one start stored ${l.runIds.length} runs: ${l.runIds.join(', ')}`),
        );
      for (const id of l.runIds)
        if (!runById.has(id)) violations.push(v('lost', `run ${id} is not in the database`, id));
    }
    for (const r of runs) {
      checked++;
      if (!FINAL.has(r.status))
        violations.push(v('stuck', `run ${r.id} (${r.kind}) is still ${r.status}`, r.id));
    }
    results.push({ name: 'every run ends (none lost, none stuck)', checked, violations });
  }

  // 2. Run status consistent with its devices and steps.
  {
    const violations: Violation[] = [];
    let checked = 0;
    for (const r of runs) {
      if (!FINAL.has(r.status)) continue;
      const ds = devicesOf(r.id);
      checked++;
      for (const d of ds) {
        if (d.status === 'PENDING' || d.status === 'RUNNING')
          violations.push(
            v('consistency', `run ${r.status} but device ${d.device_name} is ${d.status}`, r.id),
          );
      }
      const failed = ds.filter((d) => d.status === 'FAILED').length;
      if (r.kind === 'collection') {
        for (const d of ds.filter((x) => x.status === 'SUCCEEDED')) {
          const expected = r.commands_by_platform?.[d.platform]?.length ?? r.commands.length;
          const stored = outputs.get(`${r.id}/${d.device_name}`) ?? 0;
          if (stored !== expected)
            violations.push(
              v(
                'consistency',
                `device ${d.device_name} SUCCEEDED with ${stored} of ${expected} outputs stored`,
                r.id,
              ),
            );
        }
      }
      if (r.kind === 'collection' || r.kind === 'backup') {
        if (r.status === 'COMPLETED' && failed > 0)
          violations.push(v('consistency', `COMPLETED with ${failed} failed device(s)`, r.id));
        if (r.status === 'COMPLETED_WITH_ERRORS' && failed === 0)
          violations.push(v('consistency', 'COMPLETED_WITH_ERRORS without a failed device', r.id));
      }
      if (r.kind === 'change') {
        const spec = r.change_spec ?? {};
        for (const d of ds) {
          const ok = ['CHANGED', 'NO_CHANGE', 'PLANNED'].includes(d.outcome ?? '');
          if (d.status === 'SUCCEEDED' && !ok)
            violations.push(
              v('consistency', `device ${d.device_name} SUCCEEDED with outcome ${d.outcome}`, r.id),
            );
          if (d.outcome === 'CHANGED' && d.status !== 'SUCCEEDED')
            violations.push(v('consistency', `device ${d.device_name} CHANGED but ${d.status}`, r.id));
        }
        if (r.status === 'COMPLETED' && failed > 0)
          violations.push(v('consistency', `COMPLETED with ${failed} failed device(s)`, r.id));
        const maxFailures = Number(spec.maxFailures ?? 0);
        if (spec.failurePolicy === 'ROLLBACK_ALL' && failed > maxFailures) {
          const kept = ds.filter((d) => d.outcome === 'CHANGED').map((d) => d.device_name);
          // A device that failed in the plan phase has no outcome; one that failed applying has one.
          const planFailed = ds.filter((d) => d.status === 'FAILED' && d.outcome === null).length;
          if (kept.length)
            violations.push({
              ...v(
                'consistency',
                `ROLLBACK_ALL with ${failed} failures > maxFailures ${maxFailures} (${planFailed} while planning), yet ${kept.join(', ')} kept the change`,
                r.id,
              ),
            });
        }
      }
      if (r.kind === 'task') {
        const ss = stepsOf(r.id);
        for (const s of ss) {
          if (s.status === 'RUNNING' || s.status === 'PENDING')
            violations.push(v('consistency', `run ${r.status} but step ${s.step_id} is ${s.status}`, r.id));
        }
        if (r.status === 'COMPLETED') {
          const bad = ss.filter((s) => !['SUCCEEDED', 'SKIPPED'].includes(s.status));
          if (bad.length)
            violations.push(
              v(
                'consistency',
                `COMPLETED with steps ${bad.map((s) => `${s.step_id}=${s.status}`).join(', ')}`,
                r.id,
              ),
            );
        }
        if (r.status === 'ROLLED_BACK') {
          const left = ss.filter((s) => s.compensation_status && s.compensation_status !== 'COMPENSATED');
          if (left.length)
            violations.push(
              v(
                'consistency',
                `ROLLED_BACK with compensations ${left.map((s) => `${s.step_id}=${s.compensation_status}`).join(', ')}`,
                r.id,
              ),
            );
        }
        for (const s of ss.filter((x) => x.status === 'SUCCEEDED')) {
          const open = items.filter(
            (i) => i.run_id === r.id && i.step_key === s.step_id && ['PENDING', 'RUNNING'].includes(i.status),
          );
          if (open.length)
            violations.push(
              v('consistency', `step ${s.step_id} SUCCEEDED with ${open.length} unfinished item(s)`, r.id),
            );
        }
      }
    }
    results.push({ name: 'run status consistent with its devices and steps', checked, violations });
  }

  // 3. Nothing done twice: collection sessions, stored outputs, HTTP steps and items, config lines.
  {
    const violations: Violation[] = [];
    let checked = 0;
    const dupOutputs = await db.query<{ run_id: string; device_name: string; seq: number; n: number }>(
      `SELECT o.run_id, rd.device_name, o.seq, count(*)::int AS n FROM command_outputs o
         JOIN run_devices rd ON rd.id = o.run_device_id GROUP BY o.run_id, rd.device_name, o.seq HAVING count(*) > 1`,
    );
    for (const row of dupOutputs.rows)
      violations.push(
        v('repeated', `output ${row.seq} of ${row.device_name} stored ${row.n} times`, row.run_id),
      );
    const sentBy = new Map<string, SentCommand[]>();
    for (const s of input.sent) {
      const list = sentBy.get(s.command) ?? [];
      list.push(s);
      sentBy.set(s.command, list);
    }
    for (const l of input.launched) {
      if (l.plan.kind === 'collection') {
        const plan = l.plan as CollectionPlan;
        for (const runId of l.runIds) {
          for (const d of devicesOf(runId)) {
            checked++;
            const sessions = [...sentBy.entries()]
              .filter(([command]) => command.endsWith(`chaos-${plan.key}`))
              .flatMap(([, list]) => list)
              .filter((s) => s.device === d.device_name);
            if (d.status === 'SUCCEEDED' && sessions.length === 0)
              violations.push(
                v('repeated', `${d.device_name} SUCCEEDED but the lab never received its commands`, runId),
              );
            if (sessions.length > Math.max(d.attempts, 1))
              violations.push(
                v(
                  'repeated',
                  `${d.device_name}: ${sessions.length} sessions ran the commands, ${d.attempts} attempt(s) recorded`,
                  runId,
                ),
              );
            const late =
              d.status === 'SUCCEEDED' && d.finished_at
                ? sessions.filter((s) => s.ts > d.finished_at!.getTime() + tolerance)
                : [];
            if (late.length)
              violations.push(
                v(
                  'repeated',
                  `${d.device_name} collected again ${late.length} time(s) after it SUCCEEDED at ${d.finished_at!.toISOString()}`,
                  runId,
                ),
              );
          }
        }
      }
      if (l.plan.kind === 'change') {
        const plan = l.plan as ChangePlan;
        for (const runId of l.runIds) {
          for (const d of devicesOf(runId)) {
            for (const line of d.plan ?? []) {
              if (line.trim() === BOGUS_LINE) continue;
              checked++;
              const again = (sentBy.get(line.trim()) ?? []).filter(
                (s) => s.device === d.device_name && s.presentBefore,
              );
              if (again.length)
                violations.push(
                  v(
                    'repeated',
                    `"${line.trim()}" applied to ${d.device_name} while already in effect, ${again.length} time(s) (at ${again.map((s) => new Date(s.ts).toISOString()).join(', ')})`,
                    runId,
                  ),
                );
            }
          }
        }
        void plan;
      }
      if (l.plan.kind === 'task') {
        const plan = l.plan as TaskPlan;
        for (const runId of l.runIds) {
          const ss = stepsOf(runId);
          const step = (id: string) => ss.find((s) => s.step_id === id);
          const reqs = (prefix: string) => input.requests.filter((q) => q.path.startsWith(prefix));
          for (const [id, path] of [
            ['mark', `/do/${plan.key}/mark`],
            ['last', `/${plan.fail ? 'fail' : 'do'}/${plan.key}/last`],
          ] as const) {
            const s = step(id);
            if (!s) continue;
            checked++;
            const calls = reqs(path);
            if (s.status === 'SUCCEEDED' && calls.length === 0)
              violations.push(v('repeated', `step ${id} SUCCEEDED without its request`, runId));
            if (s.status === 'SUCCEEDED' && s.finished_at) {
              const late = calls.filter((q) => q.ts > s.finished_at!.getTime() + tolerance);
              if (late.length)
                violations.push(
                  v(
                    'repeated',
                    `step ${id} requested again ${late.length} time(s) after it SUCCEEDED`,
                    runId,
                  ),
                );
            }
          }
          const mark = step('mark');
          if (mark) {
            checked++;
            const undo = reqs(`/undo/${plan.key}/mark`);
            if (mark.compensation_status === 'COMPENSATED' && undo.length === 0)
              violations.push(v('repeated', 'step mark COMPENSATED without its undo request', runId));
            if (mark.compensated_at) {
              const late = undo.filter((q) => q.ts > mark.compensated_at!.getTime() + tolerance);
              if (late.length)
                violations.push(
                  v('repeated', `mark undone again ${late.length} time(s) after it was COMPENSATED`, runId),
                );
            }
            if (undo.length && !reqs(`/do/${plan.key}/mark`).length)
              violations.push(v('repeated', 'mark undone but never done', runId));
          }
          for (const it of items.filter((i) => i.run_id === runId && i.step_key === 'fan')) {
            checked++;
            const name = String(it.item);
            const calls = reqs(`/item/${plan.key}/${name}`);
            if (calls.length > Math.max(it.executions, 1))
              violations.push(
                v(
                  'repeated',
                  `fan-out item ${name}: ${calls.length} requests, ${it.executions} execution(s) recorded`,
                  runId,
                ),
              );
            if (it.status === 'SUCCEEDED' && it.finished_at) {
              const late = calls.filter((q) => q.ts > it.finished_at!.getTime() + tolerance);
              if (late.length)
                violations.push(
                  v('repeated', `fan-out item ${name} requested again after it SUCCEEDED`, runId),
                );
            }
          }
          // The VLAN lines: an item's lines again after the item SUCCEEDED is a repeat.
          for (const it of items.filter(
            (i) => i.run_id === runId && (i.step_key === 'vlan' || i.step_key === 'vlan#compensate'),
          )) {
            checked++;
            const device = (it.item as { name?: string })?.name ?? '';
            const line = it.step_key === 'vlan' ? `vlan ${plan.vlan}` : `no vlan ${plan.vlan}`;
            const calls = (sentBy.get(line) ?? []).filter((s) => s.device === device);
            if (it.status === 'SUCCEEDED' && it.finished_at) {
              const late = calls.filter((s) => s.ts > it.finished_at!.getTime() + tolerance);
              if (late.length)
                violations.push(
                  v(
                    'repeated',
                    `"${line}" sent to ${device} again ${late.length} time(s) after its item SUCCEEDED`,
                    runId,
                  ),
                );
            }
            if (calls.length > Math.max(it.executions, 1))
              violations.push(
                v(
                  'repeated',
                  `"${line}" sent to ${device} ${calls.length} times, ${it.executions} execution(s) recorded`,
                  runId,
                ),
              );
          }
        }
      }
    }
    results.push({
      name: 'nothing completed is done again (at-least-once only for unfinished work)',
      checked,
      violations,
    });
  }

  // 4. No device half-configured.
  {
    const violations: Violation[] = [];
    let checked = 0;
    const changeRuns = input.launched.filter((l) => l.plan.kind === 'change');
    // The last change run of each device (change runs lock their devices: they never overlap).
    const lastChange = new Map<string, { runId: string; at: number }>();
    for (const l of changeRuns)
      for (const runId of l.runIds) {
        const r = runById.get(runId);
        for (const d of devicesOf(runId)) {
          const at = r?.finished_at?.getTime() ?? 0;
          if (at >= (lastChange.get(d.device_name)?.at ?? -1)) lastChange.set(d.device_name, { runId, at });
        }
      }
    for (const l of changeRuns) {
      const plan = l.plan as ChangePlan;
      for (const runId of l.runIds) {
        for (const d of devicesOf(runId)) {
          checked++;
          const config = input.runningConfig(d.device_name);
          const ips = plan.bogusPlatform === d.platform ? plan.ips : plan.ips;
          const present = ips.filter((ip) => hasIp(config, ip));
          const where = `${d.device_name} (${d.outcome ?? d.status})`;
          if (present.length && present.length < ips.length)
            violations.push(
              v(
                'half-configured',
                `${where} has ${present.length} of the run's ${ips.length} lines: ${present.join(', ')}`,
                runId,
              ),
            );
          if (d.outcome === 'CHANGED' && present.length !== ips.length)
            violations.push(
              v(
                'half-configured',
                `${where}: CHANGED but ${present.length} of ${ips.length} lines present`,
                runId,
              ),
            );
          if (d.outcome !== 'CHANGED' && present.length && present.length === ips.length)
            violations.push({
              ...v(
                'half-configured',
                `${where}: not CHANGED but every line is present (pushed_lines ${d.pushed_lines}, ${d.error_kind ?? 'no error'})`,
                runId,
              ),
            });
          if (
            d.outcome === 'ROLLED_BACK' &&
            d.backup !== null &&
            lastChange.get(d.device_name)?.runId === runId &&
            !laterVlanTask(input.launched, runById, d.device_name, runById.get(runId)?.finished_at)
          ) {
            const platform = input.platformOf(d.device_name);
            if (normaliseConfig(platform, config) !== normaliseConfig(platform, d.backup))
              violations.push(
                v('half-configured', `${where}: ROLLED_BACK but its config differs from the backup`, runId),
              );
          }
        }
      }
    }
    for (const l of input.launched.filter((x) => x.plan.kind === 'task')) {
      const plan = l.plan as TaskPlan;
      for (const runId of l.runIds) {
        const r = runById.get(runId);
        const vlanStep = stepsOf(runId).find((s) => s.step_id === 'vlan');
        for (const device of plan.configure) {
          checked++;
          const config = input.runningConfig(device);
          const has = hasVlan(config, plan.vlan);
          if (r?.status === 'ROLLED_BACK' && has)
            violations.push(
              v('half-configured', `${device}: run ROLLED_BACK but vlan ${plan.vlan} is still there`, runId),
            );
          if (r?.status === 'COMPLETED' && vlanStep?.status === 'SUCCEEDED' && !has)
            violations.push(
              v('half-configured', `${device}: run COMPLETED but vlan ${plan.vlan} is missing`, runId),
            );
        }
      }
    }
    results.push({
      name: 'no device half-configured (fully changed or fully restored)',
      checked,
      violations,
    });
  }
  return results;
}

/** Whether a task run that configures `device` finished after `after` (its VLAN changes the config). */
function laterVlanTask(
  launched: LaunchedRun[],
  runById: Map<string, RunRow>,
  device: string,
  after: Date | null | undefined,
): boolean {
  return launched.some(
    (l) =>
      l.plan.kind === 'task' &&
      l.plan.configure.includes(device) &&
      l.runIds.some((id) => (runById.get(id)?.finished_at?.getTime() ?? Infinity) > (after?.getTime() ?? 0)),
  );
}
