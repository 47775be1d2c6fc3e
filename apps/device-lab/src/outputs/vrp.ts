import { BlockConfig, renderItems, SEP } from '../config';
import type { ConfigItem } from '../config';
import type { DeviceProfile } from '../profile';
import { formatMac, isoTime, splitUptime } from '../profile';
import { fillerIp, interfaceStates, pad, PORT_LINK, prefixToMask } from './common';
import type { ConfigMeta } from './meta';

const leaf = (head: string): ConfigItem => ({ head, children: null });
const block = (head: string, children: string[]): ConfigItem => ({ head, children });
const sep: ConfigItem = leaf(SEP);

export function huaweiInitialConfig(p: DeviceProfile): BlockConfig {
  const items: ConfigItem[] = [
    leaf(`sysname ${p.hostname}`),
    sep,
    ...(p.vlans.length ? [leaf(`vlan batch ${p.vlans.map((v) => v.id).join(' ')}`), sep] : []),
    leaf('stp mode rstp'),
    sep,
    leaf('authentication-profile name default_authen_profile'),
    leaf('authentication-profile name dot1x_authen_profile'),
    sep,
    leaf('clock timezone UTC add 00:00:00'),
    sep,
    leaf('http secure-server ssl-policy default_policy'),
    leaf('http server enable'),
    sep,
    block('aaa', [
      'authentication-scheme default',
      'authorization-scheme default',
      'accounting-scheme default',
      'domain default',
      'domain default_admin',
      `local-user admin password irreversible-cipher $1a$${p.seedHex}$Wq9"Lx]k2V0Zb>8e^N3t_p7@Yh$`,
      'local-user admin privilege level 15',
      'local-user admin service-type terminal ssh',
    ]),
    ...p.vlans.map((v) => block(`vlan ${v.id}`, [`name ${v.name}`])),
    block('interface Vlanif1', [`ip address ${p.mgmtIp} ${prefixToMask(p.mgmtPrefix)}`]),
    block('interface MEth0/0/1', []),
    ...p.interfaces.map((i) =>
      block(`interface ${i.name}`, [
        ...(i.description ? [`description ${i.description}`] : []),
        ...(i.ipv4
          ? [`undo portswitch`, `ip address ${i.ipv4} ${prefixToMask(i.prefix)}`]
          : i.accessVlan
            ? ['port link-type access', `port default vlan ${i.accessVlan}`]
            : []),
        ...(i.shutdown ? ['shutdown'] : []),
      ]),
    ),
    block('interface NULL0', []),
    leaf(`info-center loghost ${p.loggingHost}`),
    sep,
    leaf('snmp-agent'),
    leaf(`snmp-agent community read ${p.snmpCommunity}`),
    leaf('snmp-agent sys-info version v2c v3'),
    sep,
    ...p.ntpServers.map((s) => leaf(`ntp-service unicast-server ${s}`)),
    sep,
    leaf(`ip route-static 0.0.0.0 0.0.0.0 ${p.gateway}`),
    sep,
    leaf('stelnet server enable'),
    leaf('ssh user admin'),
    leaf('ssh user admin authentication-type password'),
    leaf('ssh user admin service-type stelnet'),
    sep,
    block('user-interface con 0', ['authentication-mode aaa']),
    block('user-interface vty 0 4', ['authentication-mode aaa', 'protocol inbound ssh']),
    block('user-interface vty 16 20', []),
  ];
  return new BlockConfig(items, ['user-interface ']);
}

export function comwareInitialConfig(p: DeviceProfile): BlockConfig {
  const items: ConfigItem[] = [
    leaf(`sysname ${p.hostname}`),
    sep,
    leaf('clock timezone UTC add 00:00:00'),
    sep,
    leaf('irf mac-address persistent timer'),
    leaf('irf auto-update enable'),
    leaf('undo irf link-delay'),
    leaf('irf member 1 priority 1'),
    sep,
    leaf('lldp global enable'),
    sep,
    leaf('password-recovery enable'),
    sep,
    block('vlan 1', []),
    ...p.vlans.map((v) => block(`vlan ${v.id}`, [`name ${v.name}`])),
    leaf('stp global enable'),
    sep,
    block('interface NULL0', []),
    block('interface Vlan-interface1', [`ip address ${p.mgmtIp} ${prefixToMask(p.mgmtPrefix)}`]),
    ...p.interfaces.map((i) =>
      block(`interface ${i.name}`, [
        ...(i.ipv4 ? ['port link-mode route'] : ['port link-mode bridge']),
        ...(i.description ? [`description ${i.description}`] : []),
        ...(i.ipv4
          ? [`ip address ${i.ipv4} ${prefixToMask(i.prefix)}`]
          : i.accessVlan
            ? [`port access vlan ${i.accessVlan}`]
            : []),
        ...(i.shutdown ? ['shutdown'] : []),
      ]),
    ),
    leaf(`ip route-static 0.0.0.0 0 ${p.gateway}`),
    sep,
    leaf(`info-center loghost ${p.loggingHost}`),
    sep,
    leaf('snmp-agent'),
    leaf(`snmp-agent community read ${p.snmpCommunity}`),
    leaf('snmp-agent sys-info version v2c v3'),
    sep,
    leaf('ntp-service enable'),
    ...p.ntpServers.map((s) => leaf(`ntp-service unicast-server ${s}`)),
    sep,
    leaf('ssh server enable'),
    sep,
    block('line class aux', ['user-role network-admin']),
    block('line class vty', ['user-role network-operator']),
    block('line aux 0', ['user-role network-admin']),
    block('line vty 0 63', ['authentication-mode scheme', 'user-role network-operator']),
    block('domain system', []),
    leaf('domain default enable system'),
    sep,
    block('role name level-15', ['description Predefined level-15 role']),
    block('local-user admin class manage', [
      `password hash $h$6$${p.seedHex}$Qm2VxL0k8Zb4e9N3tYp7Wq1Hh5Jd0Vb5Pp9sZ==`,
      'service-type ssh terminal',
      'authorization-attribute user-role network-admin',
    ]),
  ];
  return new BlockConfig(items, ['line ']);
}

function vrpPadding(targetBytes: number, comware: boolean): ConfigItem[] {
  const items: ConfigItem[] = [];
  let size = 0;
  for (let n = 1; size < targetBytes; n++) {
    const children = [`description LAB-PAD generated block ${n}`];
    for (let r = 0; r < 40; r++)
      children.push(
        `rule ${(r + 1) * 5} permit tcp source ${fillerIp(n * 64 + r, 172)} 0.0.0.255 destination ${fillerIp(n + r, 10)} 0 destination-port eq ${[22, 443, 8443, 161][r % 4]}`,
      );
    items.push(
      block(`interface LoopBack${1000 + n}`, [
        `description lab padding block ${n}`,
        `ip address ${fillerIp(n, 192)} 255.255.255.255`,
      ]),
    );
    items.push(
      block(
        comware
          ? `acl advanced ${3000 + (n % 1000)}${n >= 1000 ? ` name LAB-PAD-${n}` : ''}`
          : `acl name LAB-PAD-${n} ${3000 + (n % 1000)}`,
        children,
      ),
    );
    size += children.reduce((a, c) => a + c.length + 2, 0) + 120;
  }
  return items;
}

export function renderHuaweiConfig(
  config: BlockConfig,
  meta: ConfigMeta,
  p: DeviceProfile,
  padBytes: number,
): string {
  const out: string[] = [
    `!Software Version ${p.version.version}`,
    `!Last configuration was updated at ${isoTime(meta.lastChange)}+00:00 by ${meta.lastChangeBy}`,
    `!Last configuration was saved at ${isoTime(meta.savedAt)}+00:00 by ${meta.lastChangeBy}`,
    '#',
  ];
  const vlanIds = config.items
    .filter((i) => i.children && /^vlan \d+$/.test(i.head))
    .map((i) => i.head.slice(5));
  let items = config.items
    .map((i) =>
      i.head.startsWith('vlan batch') ? { head: `vlan batch ${vlanIds.join(' ')}`, children: null } : i,
    )
    .filter((i) => i.head !== 'vlan batch ');
  if (padBytes > 0) {
    const at = items.findIndex((i) => i.head.startsWith('user-interface '));
    items = [...items.slice(0, at), ...vrpPadding(padBytes, false), ...items.slice(at)];
  }
  renderItems(items, 'vrp', out);
  out.push('return');
  return out.join('\n');
}

export function renderComwareConfig(config: BlockConfig, p: DeviceProfile, padBytes: number): string {
  const out: string[] = ['#', ` version 7.1.070, Release ${p.version.version}`, '#'];
  let items = config.items;
  if (padBytes > 0) {
    const at = items.findIndex((i) => i.head.startsWith('line '));
    items = [...items.slice(0, at), ...vrpPadding(padBytes, true), ...items.slice(at)];
  }
  renderItems(items, 'comware', out);
  out.push('return');
  return out.join('\n');
}

export function huaweiDisplayVersion(p: DeviceProfile): string {
  const u = splitUptime(p.uptimeMinutes);
  const up = `${u.weeks} week${u.weeks === 1 ? '' : 's'}, ${u.days} day${u.days === 1 ? '' : 's'}, ${u.hours} hour${u.hours === 1 ? '' : 's'}, ${u.minutes} minute${u.minutes === 1 ? '' : 's'}`;
  const v = p.version;
  return [
    'Huawei Versatile Routing Platform Software',
    `VRP (R) software, Version 5.170 (${v.family} ${v.version})`,
    'Copyright (C) 2000-2020 HUAWEI TECH CO., LTD',
    `HUAWEI ${v.model} Routing Switch uptime is ${up}`,
    '',
    `ES5D2S${v.model.replace(/\D/g, '').slice(0, 2)}S000 0(Master) : uptime is ${up}`,
    `DDR             Memory Size : ${p.memoryKb / 1024 / 2}   M bytes`,
    'FLASH Total     Memory Size : 512   M bytes',
    `FLASH Available Memory Size : ${300 + (p.memoryKb % 97)}   M bytes`,
    'Pcb           Version   : VER B',
    'BootROM       Version   : 0211.0001',
    'BootLoad      Version   : 0211.0001',
    'CPLD          Version   : 0104',
    `Software      Version   : VRP (R) Software, Version 5.170 (${v.version})`,
    'FLASH         Version   : 0000.0000',
  ].join('\n');
}

export function comwareDisplayVersion(p: DeviceProfile): string {
  const u = splitUptime(p.uptimeMinutes);
  const v = p.version;
  return [
    `H3C Comware Software, Version 7.1.070, Release ${v.version}`,
    'Copyright (c) 2004-2022 New H3C Technologies Co., Ltd. All rights reserved.',
    `H3C ${v.model} uptime is ${u.weeks} weeks, ${u.days} days, ${u.hours} hours, ${u.minutes} minutes`,
    'Last reboot reason : Cold reboot',
    '',
    `Boot image: flash:/${v.family}-CMW710-BOOT-R${v.version}.bin`,
    `Boot image version: 7.1.070, Release ${v.version}`,
    '  Compiled Jan 12 2022 16:00:00',
    `System image: flash:/${v.image}`,
    `System image version: 7.1.070, Release ${v.version}`,
    '  Compiled Jan 12 2022 16:00:00',
    '',
    'Slot 1:',
    `Uptime is ${u.weeks} weeks,${u.days} days,${u.hours} hours,${u.minutes} minutes`,
    `${v.model} with 1 Processor`,
    `BOARD TYPE:         ${v.model}`,
    `DRAM:               ${p.memoryKb / 1024}M bytes`,
    'FLASH:              512M bytes',
    'PCB 1 Version:      VER.A',
    'Bootrom Version:    110',
    'CPLD 1 Version:     002',
    `Release Version:    H3C ${v.model}-${v.version}`,
    'Patch Version  :    None',
    'Reboot Cause  :     ColdReboot',
    `[SubSlot 0] ${p.interfaces.length}GE+4SFP Plus`,
  ].join('\n');
}

export function vrpInterfaceBrief(config: BlockConfig, p: DeviceProfile, comware: boolean): string {
  const states = interfaceStates(config, p);
  if (comware) {
    const lines = [
      'Brief information on interfaces in route mode:',
      'Link: ADM - administratively down; Stby - standby',
      'Protocol: (s) - spoofing',
      'Interface            Link Protocol Primary IP      Description',
    ];
    const routed = states.filter((s) => s.ip || s.name.startsWith('Vlan') || s.name.startsWith('NULL'));
    for (const s of routed) {
      lines.push(
        `${pad(short(s.name), 21)}${pad(s.adminDown ? 'ADM' : s.up ? 'UP' : 'DOWN', 5)}${pad(s.up ? 'UP' : 'DOWN', 9)}${pad(s.ip ?? '--', 16)}${s.description ?? ''}`.trimEnd(),
      );
    }
    lines.push(
      '',
      'Brief information on interfaces in bridge mode:',
      'Link: ADM - administratively down; Stby - standby',
      'Speed: (a) - auto',
      'Duplex: (a)/A - auto; H - half; F - full',
      'Type: A - access; T - trunk; H - hybrid',
      'Interface            Link Speed   Duplex Type PVID Description',
    );
    for (const s of states.filter((x) => !routed.includes(x))) {
      lines.push(
        `${pad(short(s.name), 21)}${pad(s.adminDown ? 'ADM' : s.up ? 'UP' : 'DOWN', 5)}${pad(s.up ? '1G(a)' : 'auto', 8)}${pad(s.up ? 'F(a)' : 'A', 7)}${pad('A', 5)}${pad(String(s.accessVlan ?? 1), 5)}${s.description ?? ''}`.trimEnd(),
      );
    }
    return lines.join('\n');
  }
  const lines = [
    'PHY: Physical',
    '*down: administratively down',
    '#down: LBDT down',
    '(l): loopback',
    '(s): spoofing',
    '(E): E-Trunk down',
    '(b): BFD down',
    '(e): ETHOAM down',
    '(d): Dampening Suppressed',
    '(p): port alarm down',
    '(dl): DLDP down',
    'InUti/OutUti: input utility rate/output utility rate',
    'Interface                  PHY      Protocol  InUti OutUti   inErrors  outErrors',
  ];
  for (const s of states) {
    const phy = s.adminDown ? '*down' : s.up ? 'up' : 'down';
    const u = s.up ? `${(s.counter(1, 300) / 100).toFixed(2)}%` : '0%';
    lines.push(
      `${pad(short(s.name), 27)}${pad(phy, 9)}${pad(s.up ? 'up' : 'down', 10)}${pad(u, 6)}${pad(s.up ? `${(s.counter(2, 300) / 100).toFixed(2)}%` : '0%', 9)}${pad(String(s.counter(3, 4)), 10)}${s.counter(4, 2)}`,
    );
  }
  return lines.join('\n');
}

function short(name: string): string {
  return name
    .replace(/^GigabitEthernet/, 'GE')
    .replace(/^Vlan-interface/, 'Vlan')
    .replace(/^LoopBack/, 'Loop');
}

export function vrpDisplayInterface(config: BlockConfig, p: DeviceProfile, comware: boolean): string {
  const lines: string[] = [];
  for (const s of interfaceStates(config, p)) {
    const c = s.counter;
    const state = s.adminDown ? 'Administratively DOWN' : s.up ? 'UP' : 'DOWN';
    if (comware) {
      lines.push(`${s.name}`, `Current state: ${state}`, `Line protocol state: ${s.up ? 'UP' : 'DOWN'}`);
      lines.push(`IP packet frame type: Ethernet II, hardware address: ${formatMac(s.mac, 'huawei')}`);
      lines.push(`Description: ${s.description ?? `${s.name} Interface`}`);
      lines.push(
        `Bandwidth: ${PORT_LINK.hp_comware.speedMbps * 1000} kbps`,
        'Loopback is not set',
        'Media type is twisted pair',
        'Port hardware type is 1000_BASE_T',
      );
      if (s.ip) lines.push(`Internet address: ${s.ip}/${s.prefix} (primary)`);
      lines.push(
        `${s.up ? `${PORT_LINK.hp_comware.speedMbps}Mbps-speed mode, full-duplex mode` : 'Unknown-speed mode, unknown-duplex mode'}`,
        'Link speed type is autonegotiation, link duplex type is autonegotiation',
      );
      lines.push(
        `Port link-type: Access`,
        ` Tagged VLANs:   None`,
        ` Untagged VLANs: ${s.accessVlan ?? 1}`,
        `Port priority: 0`,
      );
      lines.push(
        `Last 300 seconds input: ${c(5, 9)} packets/sec ${c(4, 900)} bytes/sec 0%`,
        `Last 300 seconds output: ${c(7, 9)} packets/sec ${c(6, 900)} bytes/sec 0%`,
      );
      lines.push(
        `Input (total):  ${c(1, 90_000_000)} packets, ${c(1, 90_000_000) * 412} bytes`,
        `         ${c(8, 9999)} unicasts, ${c(9, 9999)} broadcasts, ${c(10, 9999)} multicasts, 0 pauses`,
      );
      lines.push(
        `Output (total): ${c(2, 90_000_000)} packets, ${c(2, 90_000_000) * 388} bytes`,
        `         ${c(11, 9999)} unicasts, ${c(12, 9999)} broadcasts, ${c(13, 9999)} multicasts, 0 pauses`,
        '',
      );
    } else {
      lines.push(
        `${s.name} current state : ${state}${s.adminDown ? ' (ifindex: ' + (c(20, 200) + 5) + ')' : ''}`,
        `Line protocol current state : ${s.up ? 'UP' : 'DOWN'}`,
      );
      lines.push(
        `Description: ${s.description ?? ''}`,
        'Switch Port, Link-type : access(configured),',
        `PVID :    ${s.accessVlan ?? 1}, TPID : 8100(Hex), The Maximum Frame Length is 9216`,
      );
      if (s.ip) lines.push(`Internet Address is ${s.ip}/${s.prefix}`);
      lines.push(
        `IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is ${formatMac(s.mac, 'huawei')}`,
      );
      lines.push(
        `Last physical up time   : ${s.up ? isoTime(p.bootTime) + ' UTC' : '-'}`,
        'Last physical down time : -',
        'Current system time: ' + isoTime(p.lastChange),
      );
      lines.push(
        `Port Mode: COMMON COPPER`,
        `Speed : ${s.up ? PORT_LINK.huawei.speedMbps : 'AUTO'},  Loopback: NONE`,
        `Duplex: ${s.up ? 'FULL' : 'AUTO'},  Negotiation: ENABLE`,
        'Mdi   : AUTO,  Flow-control: DISABLE',
      );
      lines.push(
        `Last 300 seconds input rate ${c(4, 900) * 8} bits/sec, ${c(5, 9)} packets/sec`,
        `Last 300 seconds output rate ${c(6, 900) * 8} bits/sec, ${c(7, 9)} packets/sec`,
      );
      lines.push(
        `Input peak rate ${c(14, 90000)} bits/sec, Record time: ${isoTime(p.bootTime)}`,
        `Output peak rate ${c(15, 90000)} bits/sec, Record time: ${isoTime(p.bootTime)}`,
      );
      lines.push(
        `Input:  ${c(1, 90_000_000)} packets, ${c(1, 90_000_000) * 412} bytes`,
        `  Unicast:  ${c(8, 9999)},  Multicast:  ${c(9, 9999)}`,
        `  Broadcast:  ${c(10, 9999)},  Jumbo:  0`,
      );
      lines.push(
        `Output:  ${c(2, 90_000_000)} packets, ${c(2, 90_000_000) * 388} bytes`,
        `  Unicast:  ${c(11, 9999)},  Multicast:  ${c(12, 9999)}`,
        `  Broadcast:  ${c(13, 9999)},  Jumbo:  0`,
      );
      lines.push(
        '    Input bandwidth utilization threshold : 100.00%',
        '    Output bandwidth utilization threshold: 100.00%',
        '',
      );
    }
  }
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

export function vrpBanner(p: DeviceProfile, comware: boolean, now: Date): string {
  if (comware)
    return [
      '',
      '******************************************************************************',
      '* Copyright (c) 2004-2022 New H3C Technologies Co., Ltd. All rights reserved.*',
      "* Without the owner's prior written consent,                                 *",
      '* no decompiling or reverse-engineering shall be allowed.                    *',
      '******************************************************************************',
      '',
    ].join('\n');
  return [
    '',
    'Info: The max number of VTY users is 5, and the number',
    '      of current VTY users on line is 1.',
    `      The current login time is ${isoTime(now)}+00:00.`,
    `Info: Lastest accessed IP: 10.0.0.5 Time: ${isoTime(p.lastChange)}+00:00 Password will expire in: -`,
  ].join('\n');
}
