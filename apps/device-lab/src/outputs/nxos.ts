/**
 * Cisco NX-OS outputs (Nexus 9000 / 3000, NX-OS 9.3 and 10.x). The running configuration is
 * sectioned by blank lines and indented by two spaces; the header carries the volatile `!Time:` and
 * `!Running configuration last done at:` lines.
 */
import { BlockConfig, renderItems, SEP } from '../config';
import type { ConfigItem } from '../config';
import type { DeviceProfile } from '../profile';
import { ctime, splitUptime } from '../profile';
import { fillerIp, interfaceStates, pad } from './common';
import type { ConfigMeta } from './meta';

const leaf = (head: string): ConfigItem => ({ head, children: null });
const block = (head: string, children: string[]): ConfigItem => ({ head, children });
const sep: ConfigItem = leaf(SEP);

export function nxosInitialConfig(p: DeviceProfile): BlockConfig {
  const items: ConfigItem[] = [
    leaf(`version ${p.version.version} Bios:version 07.69`),
    leaf(`hostname ${p.hostname}`),
    block(`vdc ${p.hostname} id 1`, [
      'limit-resource vlan minimum 16 maximum 4094',
      'limit-resource vrf minimum 2 maximum 4096',
    ]),
    sep,
    leaf('feature ssh'),
    leaf('feature interface-vlan'),
    leaf('feature lacp'),
    leaf('feature lldp'),
    sep,
    leaf(
      `username admin password 5 $5$${p.seedHex}$Xk2Q9vZ0aLk1Xy7Hq2Wm8tRk3Jd0Vb5Pp9sZ  role network-admin`,
    ),
    leaf(`ip domain-name ${p.domain}`),
    leaf('copp profile strict'),
    leaf(`snmp-server community ${p.snmpCommunity} group network-operator`),
    ...p.ntpServers.map((s) => leaf(`ntp server ${s} use-vrf management`)),
    leaf(`logging server ${p.loggingHost} 5 use-vrf management`),
    sep,
    ...p.vlans.map((v) => block(`vlan ${v.id}`, [`name ${v.name}`])),
    block('vrf context management', [`ip route 0.0.0.0/0 ${p.gateway}`]),
    ...p.interfaces.map((i) =>
      block(`interface ${i.name}`, [
        ...(i.description ? [`description ${i.description}`] : []),
        ...(i.ipv4
          ? ['no switchport', `ip address ${i.ipv4}/${i.prefix}`]
          : i.accessVlan
            ? [`switchport access vlan ${i.accessVlan}`]
            : []),
        ...(i.shutdown ? ['shutdown'] : []),
      ]),
    ),
    block('interface mgmt0', ['vrf member management', `ip address ${p.mgmtIp}/${p.mgmtPrefix}`]),
    block('line console', ['exec-timeout 15']),
    block('line vty', ['exec-timeout 15']),
    leaf(`boot nxos bootflash:/${p.version.image}`),
  ];
  return new BlockConfig(items, ['line ', 'boot ']);
}

function nxosPadding(targetBytes: number): ConfigItem[] {
  const items: ConfigItem[] = [];
  let size = 0;
  for (let n = 1; size < targetBytes; n++) {
    const children = [`10 remark LAB-PAD generated block ${n}`];
    for (let r = 0; r < 40; r++)
      children.push(
        `${(r + 2) * 10} permit tcp ${fillerIp(n * 64 + r, 172)}/24 ${fillerIp(n + r, 10)}/32 eq ${[22, 443, 8443, 161][r % 4]}`,
      );
    items.push(
      block(`interface loopback${1000 + n}`, [
        `description lab padding block ${n}`,
        `ip address ${fillerIp(n, 192)}/32`,
      ]),
      block(`ip access-list LAB-PAD-ACL-${n}`, children),
    );
    size += children.reduce((a, c) => a + c.length + 3, 0) + 120;
  }
  return items;
}

export function renderNxosConfig(config: BlockConfig, meta: ConfigMeta, padBytes: number): string {
  const body: string[] = [
    '',
    '!Command: show running-config',
    `!Running configuration last done at: ${ctime(meta.lastChange)}`,
    `!Time: ${ctime(new Date(meta.lastChange.getTime() + 7_000))}`,
    '',
  ];
  let items = config.items;
  if (padBytes > 0) {
    const at = items.findIndex((i) => i.head.startsWith('line '));
    items = [...items.slice(0, at), ...nxosPadding(padBytes), ...items.slice(at)];
  }
  renderItems(items, 'nxos', body);
  return body.join('\n').replace(/\n+$/, '');
}

export function nxosShowVersion(p: DeviceProfile, hostname: string): string {
  const v = p.version;
  const u = splitUptime(p.uptimeMinutes);
  const days = u.weeks * 7 + u.days;
  return [
    'Cisco Nexus Operating System (NX-OS) Software',
    'TAC support: http://www.cisco.com/tac',
    'Copyright (C) 2002-2023, Cisco and/or its affiliates.',
    'All rights reserved.',
    'The copyrights to certain works contained in this software are',
    'owned by other third parties and used and distributed under their own',
    'licenses, such as open source.  This software is provided "as is," and unless',
    'otherwise stated, there is no warranty, express or implied, including but not',
    'limited to warranties of merchantability and fitness for a particular purpose.',
    'Certain components of this software are licensed under',
    'the GNU General Public License (GPL) version 2.0 or',
    'GNU General Public License (GPL) version 3.0  or the GNU',
    'Lesser General Public License (LGPL) Version 2.1 or',
    'Lesser General Public License (LGPL) Version 2.0.',
    'A copy of each such license is available at',
    'http://www.opensource.org/licenses/gpl-2.0.php and',
    'http://opensource.org/licenses/gpl-3.0.html and',
    'http://www.opensource.org/licenses/lgpl-2.1.php and',
    'http://www.gnu.org/licenses/old-licenses/library.txt.',
    '',
    'Software',
    '  BIOS: version 07.69',
    ` NXOS: version ${v.version}`,
    '  BIOS compile time:  04/08/2021',
    `  NXOS image file is: bootflash:///${v.image}`,
    '  NXOS compile time:  5/3/2023 12:00:00 [05/03/2023 21:42:01]',
    '',
    '',
    'Hardware',
    `  cisco Nexus9000 ${v.family} chassis`,
    `  Intel(R) Xeon(R) CPU  @ 1.80GHz with ${p.memoryKb * 6} kB of memory.`,
    `  Processor Board ID ${p.serial}`,
    '',
    `  Device name: ${hostname}`,
    '  bootflash:   53298520 kB',
    `Kernel uptime is ${days} day(s), ${u.hours} hour(s), ${u.minutes} minute(s), 0 second(s)`,
    '',
    `Last reset at 123456 usecs after ${ctime(p.bootTime)}`,
    '  Reason: Reset Requested by CLI command reload',
    `  System version: ${v.version}`,
    '  Service: ',
    '',
    'plugin',
    '  Core Plugin, Ethernet Plugin',
    '',
    'Active Package(s):',
    '',
  ].join('\n');
}

function shortName(name: string): string {
  return name
    .replace(/^Ethernet/, 'Eth')
    .replace(/^loopback/, 'Lo')
    .replace(/^port-channel/, 'Po');
}

/** `show interface brief`: the management, Ethernet, port-channel and loopback/VLAN sections. */
export function nxosShowInterfaceBrief(config: BlockConfig, p: DeviceProfile): string {
  const rule = '-'.repeat(80);
  const states = interfaceStates(config, p);
  const lines: string[] = [''];
  const mgmt = states.find((i) => i.name === 'mgmt0');
  if (mgmt)
    lines.push(
      rule,
      'Port   VRF          Status IP Address                              Speed    MTU',
      rule,
      `mgmt0  --           ${pad(mgmt.up ? 'up' : 'down', 7)}${pad(mgmt.ip ?? '--', 40)}1000     1500`,
      '',
    );
  const eth = states.filter((i) => i.name.startsWith('Ethernet'));
  if (eth.length) {
    lines.push(
      rule,
      'Ethernet      VLAN    Type Mode   Status  Reason                   Speed     Port',
      'Interface                                                                    Ch #',
      rule,
    );
    for (const i of eth) {
      const routed = i.ip !== null;
      const reason = i.adminDown ? 'Administratively down' : i.up ? 'none' : 'Link not connected';
      lines.push(
        `${pad(shortName(i.name), 14)}${pad(routed ? '--' : String(i.accessVlan ?? 1), 8)}eth  ${pad(routed ? 'routed' : 'access', 7)}${pad(i.up ? 'up' : 'down', 8)}${pad(reason, 25)}${pad(i.up ? '10G(D)' : 'auto(D)', 10)}--`,
      );
    }
    lines.push('');
  }
  const other = states.filter((i) => /^(loopback|Vlan)/.test(i.name));
  if (other.length) {
    lines.push(rule, 'Interface     Status     Description', rule);
    for (const i of other)
      lines.push(`${pad(shortName(i.name), 14)}${pad(i.up ? 'up' : 'down', 11)}${i.description ?? '--'}`);
    lines.push('');
  }
  return lines.join('\n').replace(/\n+$/, '');
}

/** `show inventory` (chassis line only). */
export function nxosShowInventory(p: DeviceProfile): string {
  return [
    `NAME: "Chassis",  DESCR: "Nexus9000 ${p.version.family} Chassis"`,
    `PID: ${p.version.model}     ,  VID: V02 ,  SN: ${p.serial}`,
    '',
    `NAME: "Slot 1",  DESCR: "${p.interfaces.length}x10/25G + 6x40/100G Ethernet Module"`,
    `PID: ${p.version.model}     ,  VID: V02 ,  SN: ${p.serial}`,
  ].join('\n');
}

export function nxosBanner(p: DeviceProfile): string {
  return [
    'Cisco Nexus Operating System (NX-OS) Software',
    'TAC support: http://www.cisco.com/tac',
    'Copyright (C) 2002-2023, Cisco and/or its affiliates.',
    'All rights reserved.',
    `Last login: ${ctime(new Date(p.lastChange.getTime() - 3_600_000))} from 10.0.0.5`,
  ].join('\n');
}
