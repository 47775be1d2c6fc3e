/**
 * The chaos plan, made from a seed and nothing else: which runs start when and through which API,
 * which component is killed after which pause and for how long, which device gets which fault.
 * Three independent PRNG streams (runs, kills, faults) so that a longer run does not reshuffle the
 * shorter one's kills. The timing of the system under test changes when things happen, never what.
 */
import { numberedSpecs } from '../apps/device-lab/src/lab';
import type { LabFaults } from '../apps/device-lab/src/types';
import type { Platform } from '../libs/common/src/platforms';
import { Prng } from './prng';

export const LAB_MIX: Partial<Record<Platform, number>> = {
  cisco_ios: 3,
  arista_eos: 2,
  huawei: 2,
  juniper_junos: 2,
  hp_comware: 1,
  linux: 1,
};

export interface LabDevicePlan {
  name: string;
  platform: Platform;
  /** lab-a or lab-b, as registerLabInventory assigns them (alternating by inventory order). */
  site: string;
}

export function labDevices(count: number): LabDevicePlan[] {
  return numberedSpecs(count, LAB_MIX).map((s, i) => ({
    name: s.name,
    platform: s.platform,
    site: i % 2 === 0 ? 'lab-a' : 'lab-b',
  }));
}

/** A command whose output is empty and which names the run: it finds the run's sessions in a device's command log. */
export function markerCommand(platform: Platform, key: string): string {
  if (platform === 'linux') return `echo chaos-${key}`;
  if (platform === 'huawei' || platform === 'hp_comware') return `display version | include chaos-${key}`;
  return `show version | include chaos-${key}`;
}

/** The running-config command of a platform (a large output: what dropMidOutput cuts). */
export function configCommand(platform: Platform): string {
  if (platform === 'huawei' || platform === 'hp_comware') return 'display current-configuration';
  if (platform === 'juniper_junos') return 'show configuration';
  if (platform === 'linux') return 'cat /etc/os-release';
  return 'show running-config';
}

/** One NTP server line per platform: the unique address is how its presence is checked. */
export function ntpLine(platform: Platform, ip: string): string {
  if (platform === 'huawei') return `ntp-service unicast-server ${ip}`;
  if (platform === 'juniper_junos') return `set system ntp server ${ip}`;
  return `ntp server ${ip}`;
}

export const CHANGE_PLATFORMS: Platform[] = ['cisco_ios', 'arista_eos', 'huawei', 'juniper_junos'];
export const VLAN_PLATFORMS: Platform[] = ['cisco_ios', 'arista_eos'];
export const BOGUS_LINE = 'bogus-command 7';

interface RunBase {
  key: string;
  /** Milliseconds after the previous run's start. */
  gapMs: number;
  /** Index of the API process to send the mutation to (another one if it is down). */
  api: number;
}

export interface CollectionPlan extends RunBase {
  kind: 'collection';
  devices: string[];
  withConfig: boolean;
  concurrency: number;
}

export interface ChangePlan extends RunBase {
  kind: 'change';
  devices: string[];
  /** Addresses of this run's NTP lines (unique to the run), in order. */
  ips: string[];
  /** A platform whose config gets a line the devices refuse (its devices fail and are restored). */
  bogusPlatform: Platform | null;
  failurePolicy: 'ROLLBACK_ALL' | 'KEEP_SUCCEEDED';
  maxFailures: number;
  concurrency: number;
}

export interface TaskPlan extends RunBase {
  kind: 'task';
  /** Devices the `vlan` step configures (with a compensation that removes the VLAN). */
  configure: string[];
  vlan: number;
  items: string[];
  /** The last step fails for good (HTTP 400): the run rolls back. */
  fail: boolean;
}

export interface SchedulePlan extends RunBase {
  kind: 'schedule';
  everySeconds: number;
  fires: number;
}

export type RunPlan = CollectionPlan | ChangePlan | TaskPlan | SchedulePlan;

export interface KillPlan {
  /** Milliseconds after the previous kill's component is back (or after the start). */
  gapMs: number;
  component: string;
  /** How long it stays down before it is started again. */
  downMs: number;
}

export interface FaultPlan {
  gapMs: number;
  device: string;
  faults: LabFaults;
  durationMs: number;
}

export interface ChaosPlan {
  seed: number;
  runs: RunPlan[];
  /**
   * Endless streams of kills, consumed while the chaos window is open: one for Switchboard's own
   * processes (workers, APIs), one for the infrastructure (Temporal, PostgreSQL), each killing one
   * component at a time, so at most one of each is down at once.
   */
  kills(stream?: 'apps' | 'infra'): Generator<KillPlan>;
  faults(): Generator<FaultPlan>;
}

export interface PlanOptions {
  seed: number;
  runs: number;
  devices: LabDevicePlan[];
  apis: number;
  workers: string[];
  /** Components that may be killed with their weights (postgres only when the driver owns it). */
  killable: Record<string, number>;
  /** Mean pause between run starts. */
  runGapMs?: number;
  /** Pause between one kill's restart and the next kill, [min, max]. */
  killGapMs?: [number, number];
  downMs?: [number, number];
}

export function makePlan(options: PlanOptions): ChaosPlan {
  const runs = new Prng(options.seed);
  const by = (platforms: Platform[]) =>
    options.devices.filter((d) => platforms.includes(d.platform)).map((d) => d.name);
  const platformOf = new Map(options.devices.map((d) => [d.name, d.platform]));
  const all = options.devices.map((d) => d.name);
  const changeable = by(CHANGE_PLATFORMS);
  const vlanable = by(VLAN_PLATFORMS);
  const meanGap = options.runGapMs ?? 2500;
  const plans: RunPlan[] = [];
  for (let i = 0; i < options.runs; i++) {
    const key = `s${options.seed}r${i + 1}`;
    const base = {
      key,
      gapMs: runs.int(Math.round(meanGap * 0.3), Math.round(meanGap * 1.7)),
      api: runs.int(0, options.apis - 1),
    };
    const kind = runs.weighted({ collection: 30, change: 32, task: 30, schedule: 8 });
    if (kind === 'collection') {
      plans.push({
        ...base,
        kind,
        devices: runs.sample(all, runs.int(2, 6)),
        withConfig: runs.chance(0.5),
        concurrency: runs.int(1, 4),
      });
    } else if (kind === 'change') {
      const devices = runs.sample(changeable, runs.int(2, 5));
      const platforms = [...new Set(devices.map((d) => platformOf.get(d)!))];
      const lines = runs.int(2, 6);
      plans.push({
        ...base,
        kind,
        devices,
        ips: Array.from({ length: lines }, (_, l) => `10.${200 + Math.floor(i / 250)}.${i % 250}.${l + 1}`),
        bogusPlatform: runs.chance(0.25) ? runs.pick(platforms) : null,
        failurePolicy: runs.chance(0.75) ? 'ROLLBACK_ALL' : 'KEEP_SUCCEEDED',
        maxFailures: runs.int(0, 1),
        concurrency: runs.int(1, 3),
      });
    } else if (kind === 'task') {
      plans.push({
        ...base,
        kind,
        configure: runs.sample(vlanable, runs.int(1, 3)),
        vlan: 1000 + i,
        items: Array.from({ length: runs.int(3, 8) }, (_, n) => `i${n + 1}`),
        fail: runs.chance(0.3),
      });
    } else {
      plans.push({ ...base, kind, everySeconds: runs.int(3, 6), fires: runs.int(2, 3) });
    }
  }
  const [gapMin, gapMax] = options.killGapMs ?? [2000, 8000];
  const [downMin, downMax] = options.downMs ?? [500, 6000];
  return {
    seed: options.seed,
    runs: plans,
    *kills(stream = 'apps') {
      const infra = (name: string) => name === 'temporal' || name === 'postgres';
      const killable = Object.fromEntries(
        Object.entries(options.killable).filter(([name]) => infra(name) === (stream === 'infra')),
      );
      if (!Object.keys(killable).length) return;
      const prng = new Prng(options.seed + (stream === 'infra' ? 0x1100 : 0x1000));
      for (;;)
        yield {
          gapMs: prng.int(gapMin, gapMax) * (stream === 'infra' ? 2 : 1),
          component: prng.weighted(killable),
          downMs: prng.int(downMin, downMax),
        };
    },
    *faults() {
      const prng = new Prng(options.seed + 0x2000);
      for (;;) {
        const kind = prng.weighted({
          connectLatency: 3,
          dropMidOutput: 2,
          hang: 2,
          wrongPassword: 1,
          commandLatency: 3,
        });
        const faults: LabFaults =
          kind === 'connectLatency'
            ? { connectLatencyMs: prng.int(200, 3000) }
            : kind === 'commandLatency'
              ? { commandLatencyMs: prng.int(50, 600) }
              : { [kind]: true };
        yield {
          gapMs: prng.int(1000, 5000),
          device: prng.pick(all),
          faults,
          durationMs: prng.int(2000, 15000),
        };
      }
    },
  };
}
