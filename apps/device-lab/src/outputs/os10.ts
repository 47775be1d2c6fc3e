/**
 * Dell SmartFabric OS10 outputs (S5200/S4100/N3200 switches, OS10 10.5). The running configuration
 * (`show running-configuration`) starts with `! Version` and the volatile `! Last configuration
 * change at` line, separates blocks with `!` and indents by one space; ports are `ethernet1/1/N`.
 */
import { BlockConfig, renderItems, SEP } from '../config';
import type { ConfigItem } from '../config';
import type { DeviceProfile } from '../profile';
import { splitUptime } from '../profile';
import { fillerIp, interfaceStates, pad } from './common';
import type { ConfigMeta } from './meta';

const leaf = (head: string): ConfigItem => ({ head, children: null });
const block = (head: string, children: string[]): ConfigItem => ({ head, children });
const sep: ConfigItem = leaf(SEP);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

export function os10InitialConfig(p: DeviceProfile): BlockConfig {
  const items: ConfigItem[] = [
    leaf('ip vrf default'),
    sep,
    leaf(`hostname ${p.hostname}`),
    leaf('system-user linuxadmin password ****'),
    leaf('username admin password **** role sysadmin priv-lvl 15'),
    leaf('aaa authentication login default local'),
    leaf(`ip domain-name ${p.domain}`),
    leaf(`snmp-server community ${p.snmpCommunity} ro`),
    ...p.ntpServers.map((s) => leaf(`ntp server ${s}`)),
    leaf(`logging server ${p.loggingHost}`),
    sep,
    ...p.vlans.map((v) => block(`interface vlan${v.id}`, [`description ${v.name}`, 'no shutdown'])),
    ...p.interfaces.map((i) =>
      block(`interface ${i.name}`, [
        ...(i.description ? [`description ${i.description}`] : []),
        ...(i.ipv4
          ? ['no switchport', `ip address ${i.ipv4}/${i.prefix}`]
          : [`switchport access vlan ${i.accessVlan ?? 1}`]),
        'flowcontrol receive on',
        ...(i.shutdown ? ['shutdown'] : []),
      ]),
    ),
    block('interface mgmt1/1/1', ['no ip address dhcp', `ip address ${p.mgmtIp}/${p.mgmtPrefix}`]),
    leaf(`management route 0.0.0.0/0 ${p.gateway}`),
    sep,
    block('line vty', ['exec-timeout 600']),
  ];
  return new BlockConfig(items, ['management ', 'line ']);
}

function padding(targetBytes: number): ConfigItem[] {
  const items: ConfigItem[] = [];
  let size = 0;
  for (let n = 1; size < targetBytes; n++) {
    const children: string[] = [];
    for (let r = 0; r < 40; r++)
      children.push(
        `seq ${(r + 1) * 10} permit tcp ${fillerIp(n * 64 + r, 172)}/24 host ${fillerIp(n + r, 10)} eq ${[22, 443, 8443, 161][r % 4]}`,
      );
    const head = `ip access-list LAB-PAD-ACL-${n}`;
    items.push(block(head, children));
    size += children.reduce((a, c) => a + c.length + 2, 0) + head.length + 3;
  }
  return items;
}

/** `Nov 23 10:21:33 2026`, as OS10 prints the last change (day padded with a space). */
function os10Time(d: Date): string {
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

export function renderOs10Config(
  config: BlockConfig,
  meta: ConfigMeta,
  p: DeviceProfile,
  padBytes: number,
): string {
  const body = [
    `! Version ${p.version.version}`,
    `! Last configuration change at ${os10Time(meta.lastChange)}`,
    '!',
  ];
  let items = config.items;
  if (padBytes > 0) {
    const at = items.findIndex((i) => i.head.startsWith('line '));
    items = [...items.slice(0, at), ...padding(padBytes), ...items.slice(at)];
  }
  renderItems(items, 'ios', body);
  return body.join('\n');
}

export function os10ShowVersion(p: DeviceProfile): string {
  const u = splitUptime(p.uptimeMinutes);
  return [
    'Dell SmartFabric OS10 Enterprise',
    'Copyright (c) 1999-2023 by Dell Inc. All Rights Reserved.',
    `OS Version: ${p.version.version}`,
    `Build Version: ${p.version.image}`,
    'Build Time: 2023-02-08T21:15:31+0000',
    `System Type: ${p.version.model}`,
    'Architecture: x86_64',
    `Up Time: ${u.weeks} weeks ${u.days} days ${p2(u.hours)}:${p2(u.minutes)}:00`,
  ].join('\n');
}

export function os10ShowInventory(p: DeviceProfile): string {
  return [
    `Product               : ${p.version.model}`,
    `Description           : ${p.version.model} ${p.interfaces.length}x25GbE SFP28 Interface Module`,
    `Software version      : ${p.version.version}`,
    'Product Base          : ',
    `Product Serial Number : ${p.serial}`,
    'Product Part Number   : 09J3DR',
  ].join('\n');
}

/** `Ethernet 1/1/1`, `Mgmt 1/1/1`, `Vlan 10`: how OS10 names interfaces in its brief table. */
export function os10TableName(name: string): string {
  const m = /^(ethernet|mgmt|vlan|loopback|port-channel)(\S+)$/.exec(name);
  if (!m) return name;
  const kind = {
    ethernet: 'Ethernet',
    mgmt: 'Mgmt',
    vlan: 'Vlan',
    loopback: 'Loopback',
    'port-channel': 'Port-channel',
  }[m[1]!];
  return `${kind} ${m[2]}`;
}

export function os10ShowIpIntBrief(config: BlockConfig, p: DeviceProfile): string {
  const lines = [
    'Interface Name            IP-Address          OK       Method       Status     Protocol',
    '=========================================================================================',
  ];
  for (const i of interfaceStates(config, p)) {
    const status = i.adminDown ? 'admin down' : 'up';
    lines.push(
      `${pad(os10TableName(i.name), 26)}${pad(i.ip ? `${i.ip}/${i.prefix}` : 'unassigned', 20)}${pad(i.ip ? 'YES' : 'NO', 9)}${pad(i.ip ? 'manual' : 'unset', 13)}${pad(status, 11)}${i.up ? 'up' : 'down'}`,
    );
  }
  return lines.join('\n');
}

export function os10Banner(): string {
  return 'Last login: Mon Nov 23 09:12:44 2026 from 10.0.0.5';
}
