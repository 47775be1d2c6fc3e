import type { Platform } from '../../../../libs/common/src/platforms';
import type { BlockConfig } from '../config';
import { hashString } from '../random';
import type { DeviceProfile } from '../profile';

export interface IfState {
  name: string;
  description: string | null;
  ip: string | null;
  prefix: number;
  adminDown: boolean;
  up: boolean;
  mac: string;
  accessVlan: number | null;
  /** Deterministic pseudo counters. */
  counter: (slot: number, max: number) => number;
}

/**
 * MTU and speed of every interface, as the detailed `show interfaces` outputs print them (one value
 * per platform: the lab models no per-port differences). The RESTCONF view reports the same.
 */
export const PORT_LINK: Record<Platform, { mtu: number; speedMbps: number }> = {
  cisco_ios: { mtu: 1500, speedMbps: 1000 },
  arista_eos: { mtu: 9214, speedMbps: 10_000 },
  huawei: { mtu: 1500, speedMbps: 1000 },
  hp_comware: { mtu: 1500, speedMbps: 1000 },
  juniper_junos: { mtu: 1514, speedMbps: 1000 },
  linux: { mtu: 1500, speedMbps: 1000 },
  cisco_nxos: { mtu: 1500, speedMbps: 10_000 },
  cisco_xr: { mtu: 1514, speedMbps: 1000 },
  cisco_asa: { mtu: 1500, speedMbps: 1000 },
  aruba_aoscx: { mtu: 1500, speedMbps: 1000 },
  dell_os10: { mtu: 1532, speedMbps: 25_000 },
  ruijie_os: { mtu: 1500, speedMbps: 1000 },
};

export function maskToPrefix(mask: string): number {
  return mask
    .split('.')
    .map((o) => Number(o).toString(2).replace(/0/g, '').length)
    .reduce((a, b) => a + b, 0);
}

export function prefixToMask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

/** Parses `ip address A M`, `ip address A/P`, `ip address A P` (and IOS XR's `ipv4 address A M`). */
export function parseIp(line: string | undefined): { ip: string; prefix: number } | null {
  if (!line) return null;
  const m = /ip(?:v4)? address (\d+\.\d+\.\d+\.\d+)(?:\/(\d+)| (\d+\.\d+\.\d+\.\d+)| (\d+))/.exec(line);
  if (!m) return null;
  const prefix = m[2] ? Number(m[2]) : m[3] ? maskToPrefix(m[3]) : Number(m[4]);
  return { ip: m[1]!, prefix };
}

export function counterFor(seed: string): (slot: number, max: number) => number {
  return (slot, max) => hashString(`${seed}#${slot}`) % max;
}

/** Interface state derived from the current configuration, with link state from the profile. */
export function interfaceStates(config: BlockConfig, profile: DeviceProfile): IfState[] {
  const byName = new Map(profile.interfaces.map((i) => [i.name, i]));
  const out: IfState[] = [];
  for (const item of config.items) {
    if (!item.children || !item.head.startsWith('interface ')) continue;
    const name = item.head.slice('interface '.length);
    const facts = byName.get(name);
    const children = item.children;
    const desc = children.find((c) => c.startsWith('description '));
    const ip = parseIp(children.find((c) => c.startsWith('ip address ') || c.startsWith('ipv4 address ')));
    const adminDown = children.includes('shutdown');
    const vlanLine = children.find((c) =>
      /^(switchport access vlan|port default vlan|port access vlan|vlan access) /.test(c),
    );
    out.push({
      name,
      description: desc ? desc.slice('description '.length) : null,
      ip: ip?.ip ?? null,
      prefix: ip?.prefix ?? 0,
      adminDown,
      up: !adminDown && (facts ? facts.linkUp : true),
      mac: facts?.mac ?? profile.baseMac,
      accessVlan: vlanLine ? Number(vlanLine.split(' ').pop()) : null,
      counter: counterFor(`${profile.seedHex}/${name}`),
    });
  }
  return out;
}

export function pad(text: string, width: number): string {
  return text.length >= width ? text + ' ' : text.padEnd(width);
}

/** Deterministic filler address for padded configs. */
export function fillerIp(n: number, base = 172): string {
  return `${base}.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
}
