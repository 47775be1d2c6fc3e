import { JunosConfig } from '../config';
import type { DeviceProfile } from '../profile';
import { isoTime, splitUptime } from '../profile';
import { fillerIp } from './common';
import type { ConfigMeta } from './meta';

export function junosInitialConfig(p: DeviceProfile): JunosConfig {
  const s: string[] = [
    `version ${p.version.version}`,
    `system host-name ${p.hostname}`,
    `system root-authentication encrypted-password "$6$${p.seedHex}$Hq2Wm8tRk3Jd0Vb5Pp9sZXk2Q9vZ0aLk1Xy7"`,
    `system login user admin uid 2000`,
    `system login user admin class super-user`,
    `system login user admin authentication encrypted-password "$6$${p.seedHex.slice(2)}$Qz7vN0aLk1XyWm8tRk3Jd0Vb5Pp9s"`,
    'system services ssh root-login deny',
    'system services netconf ssh',
    `system domain-name ${p.domain}`,
    'system time-zone UTC',
    'system syslog user * any emergency',
    `system syslog host ${p.loggingHost} any notice`,
    'system syslog file messages any notice',
    'system syslog file messages authorization info',
    ...p.ntpServers.map((n) => `system ntp server ${n}`),
  ];
  for (const i of p.interfaces) {
    if (i.shutdown) s.push(`interfaces ${i.name} disable`);
    if (i.description) s.push(`interfaces ${i.name} description ${i.description}`);
    if (i.ipv4) s.push(`interfaces ${i.name} unit 0 family inet address ${i.ipv4}/${i.prefix}`);
    else if (i.accessVlan && p.version.family !== 'srx')
      s.push(`interfaces ${i.name} unit 0 family ethernet-switching vlan members ${i.accessVlan}`);
  }
  s.push(`interfaces em0 unit 0 family inet address ${p.mgmtIp}/${p.mgmtPrefix}`);
  s.push(
    `interfaces lo0 unit 0 family inet address 10.255.${p.mgmtIp.split('.')[2]}.${p.mgmtIp.split('.')[3]}/32`,
  );
  s.push(`snmp community ${p.snmpCommunity} authorization read-only`);
  s.push(`routing-options static route 0.0.0.0/0 next-hop ${p.gateway}`);
  s.push('protocols lldp interface all');
  if (p.version.family !== 'srx') for (const v of p.vlans) s.push(`vlans ${v.name} vlan-id ${v.id}`);
  return new JunosConfig(s);
}

function junosPadding(targetBytes: number): string[] {
  const out: string[] = [];
  let size = 0;
  for (let n = 1; size < targetBytes; n++) {
    out.push(`interfaces lo0 unit ${n} description "lab padding block ${n}"`);
    out.push(`interfaces lo0 unit ${n} family inet address ${fillerIp(n, 192)}/32`);
    for (let r = 0; r < 20; r++) {
      out.push(
        `firewall family inet filter LAB-PAD-${n} term t${r} from source-address ${fillerIp(n * 64 + r, 172)}/24`,
      );
      out.push(
        `firewall family inet filter LAB-PAD-${n} term t${r} from destination-port ${[22, 443, 8443, 161][r % 4]}`,
      );
      out.push(`firewall family inet filter LAB-PAD-${n} term t${r} then accept`);
    }
    size += 3200;
  }
  return out;
}

export function renderJunosConfig(config: JunosConfig, meta: ConfigMeta, padBytes: number): string {
  const out = [`## Last commit: ${isoTime(meta.lastChange)} UTC by ${meta.lastChangeBy}`];
  config.render(out, padBytes > 0 ? junosPadding(padBytes) : []);
  return out.join('\n');
}

export function junosShowVersion(p: DeviceProfile, hostname: string): string {
  const v = p.version;
  const pkgs = [
    'JUNOS OS Kernel 64-bit ',
    'JUNOS OS libs ',
    'JUNOS OS runtime ',
    'JUNOS OS time zone information ',
    'JUNOS network stack and utilities ',
    'JUNOS libs ',
    'JUNOS OS libs compat32 ',
    'JUNOS OS 32-bit compatibility ',
    'JUNOS libs compat32 ',
    'JUNOS runtime ',
    'JUNOS Packet Forwarding Engine Simulation Package ',
    'JUNOS sflow mx ',
    'JUNOS py extensions ',
    'JUNOS py base ',
    'JUNOS OS vmguest ',
    'JUNOS OS crypto ',
    'JUNOS mx libs compat32 ',
    'JUNOS mx runtime ',
    'JUNOS common platform support ',
    'JUNOS Openconfig ',
  ];
  const fpc = v.family.startsWith('ex')
    ? ['fpc0:', '--------------------------------------------------------------------------']
    : [];
  return [
    ...fpc,
    `Hostname: ${hostname}`,
    `Model: ${v.model}`,
    `Junos: ${v.version}`,
    ...pkgs
      .map((k) => `${k.padEnd(33)}[${v.version}]`)
      .slice(0, 1)
      .map(() => `JUNOS OS Kernel 64-bit  [${v.image}]`),
    ...pkgs.slice(1).map((k) => `${k}[${v.version}]`),
  ].join('\n');
}

export function junosShowSystemUptime(p: DeviceProfile): string {
  const u = splitUptime(p.uptimeMinutes);
  const days = u.weeks * 7 + u.days;
  return [
    `Current time: ${isoTime(new Date(p.bootTime.getTime() + p.uptimeMinutes * 60_000))} UTC`,
    `Time Source:  NTP CLOCK `,
    `System booted: ${isoTime(p.bootTime)} UTC (${Math.floor(days / 7)}w${days % 7}d ${String(u.hours).padStart(2, '0')}:${String(u.minutes).padStart(2, '0')} ago)`,
    `Last configured: ${isoTime(p.lastChange)} UTC by admin`,
    ` 10:21AM  up ${days} days, ${u.hours}:${String(u.minutes).padStart(2, '0')}, 1 user, load averages: 0.12, 0.08, 0.05`,
  ].join('\n');
}

/** A Junos physical interface with its logical units, from the committed config and the profile. */
export interface JunosInterfaceState {
  name: string;
  description: string | null;
  disabled: boolean;
  up: boolean;
  units: Array<{ unit: string; proto: string; inet: string[] }>;
}

/** The interface model behind `show interfaces terse` (and the RESTCONF view). */
export function junosInterfaceStates(config: JunosConfig, p: DeviceProfile): JunosInterfaceState[] {
  const names = new Set<string>();
  for (const s of config.statements) {
    const m = /^interfaces (\S+)/.exec(s);
    if (m) names.add(m[1]!);
  }
  for (const i of p.interfaces) names.add(i.name);
  const facts = new Map(p.interfaces.map((i) => [i.name, i]));
  return [...names].sort(ifaceOrder).map((name) => {
    const disabled = config.statements.includes(`interfaces ${name} disable`);
    const description = config.statements
      .find((s) => s.startsWith(`interfaces ${name} description `))
      ?.slice(`interfaces ${name} description `.length)
      .replace(/^"(.*)"$/, '$1');
    const units = new Set<string>();
    for (const s of config.statements) {
      const m = new RegExp(`^interfaces ${name.replace(/[/.]/g, '\\$&')} unit (\\d+)`).exec(s);
      if (m) units.add(m[1]!);
    }
    return {
      name,
      description: description ?? null,
      disabled,
      up: !disabled && (facts.get(name)?.linkUp ?? true),
      units: [...units].map((unit) => {
        const prefix = `interfaces ${name} unit ${unit} family `;
        const fam = config.statements.filter((s) => s.startsWith(prefix));
        const inet = fam
          .filter((s) => s.startsWith(prefix + 'inet address '))
          .map((s) => s.slice((prefix + 'inet address ').length).split(' ')[0]!);
        const proto = inet.length
          ? 'inet'
          : fam.some((s) => s.includes('ethernet-switching'))
            ? 'eth-switch'
            : '';
        return { unit, proto, inet };
      }),
    };
  });
}

export function junosShowInterfacesTerse(config: JunosConfig, p: DeviceProfile): string {
  const lines = ['Interface               Admin Link Proto    Local                 Remote'];
  for (const i of junosInterfaceStates(config, p)) {
    const admin = (i.disabled ? 'down' : 'up').padEnd(6);
    const link = (i.up ? 'up' : 'down').padEnd(5);
    lines.push(`${i.name.padEnd(24)}${admin}${link}`.trimEnd());
    for (const u of i.units) {
      lines.push(
        `${`${i.name}.${u.unit}`.padEnd(24)}${admin}${link}${u.proto.padEnd(9)}${u.inet[0] ?? ''}`.trimEnd(),
      );
    }
  }
  return lines.join('\n');
}

function ifaceOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function junosBanner(p: DeviceProfile): string {
  return [
    `Last login: ${isoTime(p.lastChange)} from 10.0.0.5`,
    '',
    `--- JUNOS ${p.version.version} Kernel 64-bit  JNPR-12.1-${p.version.image.slice(0, 14)}`,
  ].join('\n');
}
