/**
 * Aruba AOS-CX outputs (CX 6000/6100/6300, AOS-CX 10.10–10.12). The running configuration follows
 * `Current configuration:` and `!Version ArubaOS-CX ...`, is indented by four spaces and has no
 * separators between blocks; interfaces are named `1/1/N`.
 */
import { BlockConfig } from '../config';
import type { ConfigItem } from '../config';
import type { DeviceProfile } from '../profile';
import { splitUptime } from '../profile';
import { fillerIp, interfaceStates, pad } from './common';

const leaf = (head: string): ConfigItem => ({ head, children: null });
const block = (head: string, children: string[]): ConfigItem => ({ head, children });

export function aoscxInitialConfig(p: DeviceProfile): BlockConfig {
  const items: ConfigItem[] = [
    leaf(`hostname ${p.hostname}`),
    leaf(
      `user admin group administrators password ciphertext AQBapT${p.seedHex}Xk2Q9vZ0aLk1Xy7Hq2Wm8tRk3Jd0Vb5P`,
    ),
    leaf('clock timezone utc'),
    ...p.ntpServers.map((s) => leaf(`ntp server ${s}`)),
    leaf('ntp enable'),
    leaf(`logging ${p.loggingHost}`),
    leaf(`snmp-server community ${p.snmpCommunity}`),
    leaf('ssh server vrf mgmt'),
    ...p.vlans.map((v) => block(`vlan ${v.id}`, [`name ${v.name}`])),
    block('interface mgmt', [
      'no shutdown',
      `ip static ${p.mgmtIp}/${p.mgmtPrefix}`,
      `default-gateway ${p.gateway}`,
    ]),
    ...p.interfaces.map((i) =>
      block(`interface ${i.name}`, [
        ...(i.description ? [`description ${i.description}`] : []),
        ...(i.ipv4
          ? ['routing', `ip address ${i.ipv4}/${i.prefix}`]
          : i.accessVlan
            ? ['no routing', `vlan access ${i.accessVlan}`]
            : ['no routing', 'vlan access 1']),
        ...(i.shutdown ? ['shutdown'] : []),
      ]),
    ),
    leaf('https-server vrf mgmt'),
  ];
  return new BlockConfig(items, ['https-server ']);
}

function padding(targetBytes: number): ConfigItem[] {
  const items: ConfigItem[] = [];
  let size = 0;
  for (let n = 1; size < targetBytes; n++) {
    const children: string[] = [];
    for (let r = 0; r < 40; r++)
      children.push(
        `${(r + 1) * 10} permit tcp ${fillerIp(n * 64 + r, 172)}/255.255.255.0 ${fillerIp(n + r, 10)} eq ${[22, 443, 8443, 161][r % 4]}`,
      );
    const head = `access-list ip LAB-PAD-ACL-${n}`;
    items.push(block(head, children));
    size += children.reduce((a, c) => a + c.length + 5, 0) + head.length + 1;
  }
  return items;
}

export function renderAoscxConfig(config: BlockConfig, p: DeviceProfile, padBytes: number): string {
  const out = [
    'Current configuration:',
    '!',
    `!Version ArubaOS-CX ${p.version.version}`,
    '!export-password: default',
  ];
  let items = config.items;
  if (padBytes > 0) {
    const at = items.findIndex((i) => i.head.startsWith('https-server'));
    items = [...items.slice(0, at), ...padding(padBytes), ...items.slice(at)];
  }
  for (const item of items) {
    if (item.head === '!') continue;
    out.push(item.head);
    for (const c of item.children ?? []) out.push(`    ${c}`);
  }
  return out.join('\n');
}

export function aoscxShowSystem(p: DeviceProfile, hostname: string): string {
  const u = splitUptime(p.uptimeMinutes);
  const mac = p.baseMac.replace(/^(.{6})(.{6})$/, '$1-$2');
  return [
    `Hostname           : ${hostname}`,
    `System Description : ${p.version.version}`,
    'System Contact     : ',
    'System Location    : ',
    '',
    'Vendor             : Aruba',
    `Product Name       : ${p.version.model} ${p.version.family}`,
    `Chassis Serial Nbr : ${p.serial}`,
    `Base MAC Address   : ${mac}`,
    `ArubaOS-CX Version : ${p.version.version}`,
    '',
    'Time Zone          : UTC',
    '',
    `Up Time            : ${u.weeks} weeks, ${u.days} days, ${u.hours} hours, ${u.minutes} minutes`,
    'CPU Util (%)       : 2',
    'CPU Util (%) [1m]  : 2',
    'CPU Util (%) [5m]  : 2',
    'Memory Usage (%)   : 23',
  ].join('\n');
}

export function aoscxShowIpIntBrief(config: BlockConfig, p: DeviceProfile): string {
  const lines = [
    'Interface       IP Address                                  Interface Status',
    '                                                            link/admin',
  ];
  for (const i of interfaceStates(config, p)) {
    if (!i.ip || i.name === 'mgmt') continue;
    lines.push(
      `${pad(i.name, 16)}${pad(`${i.ip}/${i.prefix}`, 44)}${i.up ? 'up' : 'down'}/${i.adminDown ? 'down' : 'up'}`,
    );
  }
  return lines.join('\n');
}

/** The login banner AOS-CX prints before the first prompt. */
export function aoscxBanner(p: DeviceProfile): string {
  return [
    '',
    `Last login: 2026-11-23 09:12:44 from 10.0.0.5`,
    `User "admin" has logged in 73 times in the past 30 days`,
    '',
    `ArubaOS-CX ${p.version.version}`,
  ].join('\n');
}
