import { BlockConfig, renderItems, SEP } from '../config';
import type { ConfigItem } from '../config';
import type { DeviceProfile } from '../profile';
import { ctime, formatMac, iosTime, splitUptime } from '../profile';
import { fillerIp, interfaceStates, pad, PORT_LINK, prefixToMask } from './common';
import type { ConfigMeta } from './meta';

const leaf = (head: string): ConfigItem => ({ head, children: null });
const block = (head: string, children: string[]): ConfigItem => ({ head, children });
const sep: ConfigItem = leaf(SEP);

export function iosInitialConfig(p: DeviceProfile): BlockConfig {
  const [major, minor] = p.version.version.split('.');
  const items: ConfigItem[] = [
    leaf(`version ${major}.${minor!.split('(')[0]}`),
    leaf('no service pad'),
    leaf('service timestamps debug datetime msec'),
    leaf('service timestamps log datetime msec'),
    leaf('service password-encryption'),
    sep,
    leaf(`hostname ${p.hostname}`),
    sep,
    leaf('boot-start-marker'),
    leaf('boot-end-marker'),
    sep,
    leaf(`enable secret 5 $1$${p.seedHex.slice(0, 4)}$${p.seedHex}Qz7vN0aLk1Xy.`),
    sep,
    leaf(`username admin privilege 15 secret 5 $1$${p.seedHex.slice(4)}$Hq2Wm8tRk3Jd0Vb5Pp9sZ/`),
    leaf('aaa new-model'),
    leaf('aaa authentication login default local'),
    leaf('aaa authorization exec default local'),
    leaf('aaa session-id common'),
    leaf('clock timezone UTC 0 0'),
    leaf('system mtu routing 1500'),
    sep,
    leaf('no ip domain-lookup'),
    leaf(`ip domain-name ${p.domain}`),
    leaf('vtp mode transparent'),
    sep,
    leaf('spanning-tree mode rapid-pvst'),
    leaf('spanning-tree extend system-id'),
    sep,
    ...p.vlans.map((v) => block(`vlan ${v.id}`, [`name ${v.name}`])),
    ...p.interfaces.map((i) =>
      block(`interface ${i.name}`, [
        ...(i.description ? [`description ${i.description}`] : []),
        ...(i.ipv4
          ? ['no switchport', `ip address ${i.ipv4} ${prefixToMask(i.prefix)}`]
          : i.accessVlan
            ? [`switchport access vlan ${i.accessVlan}`, 'switchport mode access', 'spanning-tree portfast']
            : []),
        ...(i.shutdown ? ['shutdown'] : []),
      ]),
    ),
    block('interface Vlan1', [`ip address ${p.mgmtIp} ${prefixToMask(p.mgmtPrefix)}`]),
    leaf(`ip default-gateway ${p.gateway}`),
    leaf('no ip http server'),
    leaf('no ip http secure-server'),
    leaf('ip ssh version 2'),
    sep,
    leaf(`logging host ${p.loggingHost}`),
    leaf(`snmp-server community ${p.snmpCommunity} RO`),
    leaf(`snmp-server location ${p.domain.split('.')[0]}-dc1`),
    sep,
    block('line con 0', ['logging synchronous']),
    block('line vty 0 4', ['logging synchronous', 'transport input ssh']),
    block('line vty 5 15', ['transport input ssh']),
    leaf('ntp clock-period 36029056'),
    ...p.ntpServers.map((s) => leaf(`ntp server ${s}`)),
  ];
  return new BlockConfig(items, ['line ', 'ntp ']);
}

export function eosInitialConfig(p: DeviceProfile): BlockConfig {
  const items: ConfigItem[] = [
    leaf('no aaa root'),
    sep,
    leaf(
      `username admin privilege 15 role network-admin secret sha512 $6$${p.seedHex}$Xk2Q9vZ0aLk1Xy7Hq2Wm8tRk3Jd0Vb5Pp9sZ`,
    ),
    sep,
    leaf('transceiver qsfp default-mode 4x10G'),
    sep,
    leaf('service routing protocols model multi-agent'),
    sep,
    leaf(`hostname ${p.hostname}`),
    leaf(`ip name-server vrf default ${p.ntpServers[0]}`),
    leaf(`dns domain ${p.domain}`),
    sep,
    leaf(`snmp-server community ${p.snmpCommunity} ro`),
    sep,
    leaf('spanning-tree mode mstp'),
    sep,
    ...p.vlans.map((v) => block(`vlan ${v.id}`, [`name ${v.name}`])),
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
    block('interface Management1', [`ip address ${p.mgmtIp}/${p.mgmtPrefix}`]),
    leaf('ip routing'),
    sep,
    leaf(`ip route 0.0.0.0/0 ${p.gateway}`),
    sep,
    leaf(`logging host ${p.loggingHost}`),
    sep,
    ...p.ntpServers.map((s) => leaf(`ntp server ${s}`)),
    sep,
    block('management api http-commands', ['no shutdown']),
  ];
  return new BlockConfig(items, ['management ']);
}

function iosPadding(targetBytes: number): ConfigItem[] {
  const items: ConfigItem[] = [];
  let size = 0;
  for (let n = 1; size < targetBytes; n++) {
    const children = [`remark LAB-PAD generated block ${n}`];
    for (let r = 0; r < 40; r++)
      children.push(
        `permit tcp ${fillerIp(n * 64 + r, 172)} 0.0.0.255 host ${fillerIp(n + r, 10)} eq ${[22, 443, 8443, 161][r % 4]}`,
      );
    children.push('deny   ip any any log');
    const acl = block(`ip access-list extended LAB-PAD-ACL-${n}`, children);
    const loop = block(`interface Loopback${1000 + n}`, [
      `description lab padding block ${n}`,
      `ip address ${fillerIp(n, 192)} 255.255.255.255`,
    ]);
    items.push(loop, acl);
    size += children.reduce((a, c) => a + c.length + 2, 0) + 120;
  }
  return items;
}

function eosPadding(targetBytes: number): ConfigItem[] {
  return iosPadding(targetBytes).map((i) =>
    i.head.startsWith('ip access-list extended ')
      ? block(
          i.head.replace('extended ', ''),
          i.children!.map((c, k) => `${(k + 1) * 10} ${c}`),
        )
      : block(
          i.head,
          i.children!.map((c) => c.replace(' 255.255.255.255', '/32')),
        ),
  );
}

export function renderIosConfig(config: BlockConfig, meta: ConfigMeta, padBytes: number): string {
  const body: string[] = [
    '!',
    `! Last configuration change at ${iosTime(meta.lastChange)} by ${meta.lastChangeBy}`,
    `! NVRAM config last updated at ${iosTime(meta.savedAt)} by ${meta.lastChangeBy}`,
    '!',
  ];
  let items = config.items.map((i) =>
    i.head.startsWith('ntp clock-period') ? leaf(`ntp clock-period ${meta.clockPeriod}`) : i,
  );
  if (padBytes > 0) {
    const at = items.findIndex((i) => i.head.startsWith('line '));
    items = [...items.slice(0, at), ...iosPadding(padBytes), ...items.slice(at)];
  }
  renderItems(items, 'ios', body);
  body.push('end');
  const text = body.join('\n');
  return `Building configuration...\n\nCurrent configuration : ${text.length + body.length} bytes\n${text}`;
}

export function renderEosConfig(
  config: BlockConfig,
  meta: ConfigMeta,
  p: DeviceProfile,
  hostname: string,
  padBytes: number,
): string {
  const body: string[] = [
    '! Command: show running-config',
    `! device: ${hostname} (${p.version.model}, EOS-${p.version.version})`,
    '!',
    `! boot system flash:/EOS-${p.version.version}.swi`,
    '!',
  ];
  let items = config.items;
  if (padBytes > 0) {
    const at = items.findIndex((i) => i.head.startsWith('ip routing'));
    items = [...items.slice(0, at), ...eosPadding(padBytes), ...items.slice(at)];
  }
  renderItems(items, 'eos', body);
  body.push('end');
  void meta;
  return body.join('\n');
}

function uptimeText(minutes: number): string {
  const u = splitUptime(minutes);
  const parts: string[] = [];
  if (u.weeks) parts.push(`${u.weeks} week${u.weeks === 1 ? '' : 's'}`);
  if (u.days) parts.push(`${u.days} day${u.days === 1 ? '' : 's'}`);
  if (u.hours) parts.push(`${u.hours} hour${u.hours === 1 ? '' : 's'}`);
  parts.push(`${u.minutes} minute${u.minutes === 1 ? '' : 's'}`);
  return parts.join(', ');
}

export function iosShowVersion(p: DeviceProfile, hostname: string): string {
  const v = p.version;
  const image = `${v.family}-UNIVERSALK9-M`;
  const ports = p.interfaces.length;
  const macText = formatMac(p.baseMac, 'colon').toUpperCase();
  return [
    `Cisco IOS Software, ${v.family} Software (${image}), Version ${v.version}, RELEASE SOFTWARE (fc3)`,
    'Technical Support: http://www.cisco.com/techsupport',
    'Copyright (c) 1986-2020 by Cisco Systems, Inc.',
    'Compiled Wed 02-Dec-20 01:34 by prod_rel_team',
    '',
    `ROM: Bootstrap program is ${v.family} boot loader`,
    `BOOTLDR: ${v.family} Boot Loader (${v.family}-HBOOT-M) Version 15.2(7r)E, RELEASE SOFTWARE (fc1)`,
    '',
    `${hostname} uptime is ${uptimeText(p.uptimeMinutes)}`,
    'System returned to ROM by power-on',
    `System restarted at ${iosTime(p.bootTime)}`,
    `System image file is "flash:${v.image}"`,
    'Last reload reason: power-on',
    '',
    '',
    '',
    'This product contains cryptographic features and is subject to United',
    'States and local country laws governing import, export, transfer and',
    'use. Delivery of Cisco cryptographic products does not imply',
    'third-party authority to import, export, distribute or use encryption.',
    '',
    'If you require further assistance please contact us by sending email to',
    'export@cisco.com.',
    '',
    'License Level: lanbase',
    'License Type: Permanent Right-To-Use',
    'Next reload license Level: lanbase',
    '',
    `cisco ${v.model} (APM86XXX) processor (revision D0) with ${p.memoryKb / 2}K/${p.memoryKb / 32}K bytes of memory.`,
    `Processor board ID ${p.serial}`,
    'Last reset from power-on',
    '1 Virtual Ethernet interface',
    `${ports} Gigabit Ethernet interfaces`,
    'The password-recovery mechanism is enabled.',
    '',
    '512K bytes of flash-simulated non-volatile configuration memory.',
    `Base ethernet MAC Address       : ${macText}`,
    'Motherboard assembly number     : 73-15586-05',
    `Motherboard serial number       : ${p.serial.replace(/^FOC/, 'FOC1')}`,
    'Model revision number           : D0',
    'Motherboard revision number     : A0',
    `Model number                    : ${v.model}`,
    `System serial number            : ${p.serial}`,
    '',
    '',
    'Switch Ports Model                     SW Version            SW Image',
    '------ ----- -----                     ----------            ----------',
    `*    1 ${String(ports + 4).padEnd(5)} ${v.model.padEnd(25)} ${v.version.padEnd(21)} ${image}`,
    '',
    '',
    'Configuration register is 0xF',
  ].join('\n');
}

export function eosShowVersion(p: DeviceProfile): string {
  const v = p.version;
  const u = splitUptime(p.uptimeMinutes);
  const macText = formatMac(p.baseMac, 'cisco');
  return [
    `Arista ${v.model}`,
    'Hardware version: 11.01',
    `Serial number: ${p.serial}`,
    `Hardware MAC address: ${macText}`,
    `System MAC address: ${macText}`,
    '',
    `Software image version: ${v.version}`,
    'Architecture: i686',
    `Internal build version: ${v.image}`,
    `Internal build ID: ${p.seedHex}-2b1c-4c8e-9d5f-${p.baseMac}`,
    'Image format version: 1.0',
    'Image optimization: Default',
    '',
    `Uptime: ${u.weeks} weeks, ${u.days} days, ${u.hours} hours and ${u.minutes} minutes`,
    `Total memory: ${p.memoryKb * 2 - 12345} kB`,
    `Free memory: ${Math.floor(p.memoryKb * 1.2)} kB`,
  ].join('\n');
}

export function iosShowIpIntBrief(config: BlockConfig, p: DeviceProfile): string {
  const lines = ['Interface              IP-Address      OK? Method Status                Protocol'];
  for (const i of interfaceStates(config, p)) {
    const status = i.adminDown ? 'administratively down' : i.up ? 'up' : 'down';
    lines.push(
      `${pad(i.name, 23)}${pad(i.ip ?? 'unassigned', 16)}YES ${pad(i.ip ? 'NVRAM' : 'unset', 7)}${pad(status, 22)}${i.up ? 'up' : 'down'}`,
    );
  }
  return lines.join('\n');
}

export function eosShowIpIntBrief(config: BlockConfig, p: DeviceProfile): string {
  const lines = [
    '                                                                        Address',
    'Interface         IP Address           Status       Protocol         MTU    Owner',
    '----------------- -------------------- ------------ -------------- ------- -------',
  ];
  for (const i of interfaceStates(config, p)) {
    if (!i.ip) continue;
    const status = i.adminDown ? 'adminDown' : i.up ? 'up' : 'down';
    lines.push(
      `${pad(i.name, 18)}${pad(`${i.ip}/${i.prefix}`, 21)}${pad(status, 13)}${pad(i.up ? 'up' : 'down', 17)}${i.name.startsWith('Management') ? '1500' : '9214'}`,
    );
  }
  return lines.join('\n');
}

export function ciscoShowInterfaces(config: BlockConfig, p: DeviceProfile, eos: boolean): string {
  const lines: string[] = [];
  const link = PORT_LINK[eos ? 'arista_eos' : 'cisco_ios'];
  for (const i of interfaceStates(config, p)) {
    const mac = formatMac(i.mac, 'cisco');
    const state = i.adminDown ? 'administratively down' : i.up ? 'up' : 'down';
    const proto = i.up ? `up (connected)` : `down (${i.adminDown ? 'disabled' : 'notconnect'})`;
    const c = i.counter;
    const inPk = c(1, 90_000_000);
    const outPk = c(2, 90_000_000);
    lines.push(`${i.name} is ${state}, line protocol is ${proto}`);
    lines.push(`  Hardware is ${eos ? 'Ethernet' : 'Gigabit Ethernet'}, address is ${mac} (bia ${mac})`);
    if (i.description) lines.push(`  Description: ${i.description}`);
    if (i.ip) lines.push(`  Internet address is ${i.ip}/${i.prefix}`);
    if (eos) {
      lines.push(
        `  Ethernet MTU ${link.mtu} bytes , BW ${link.speedMbps * 1000} kbit`,
        `  Full-duplex, ${link.speedMbps / 1000}Gb/s, auto negotiation: off, uni-link: n/a`,
      );
      lines.push(`  ${c(3, 20)} link status changes since last clear`);
      lines.push('  Last clearing of "show interface" counters never');
      lines.push(
        `  5 minutes input rate ${c(4, 900)} bps (0.0% with framing overhead), ${c(5, 9)} packets/sec`,
      );
      lines.push(
        `  5 minutes output rate ${c(6, 900)} bps (0.0% with framing overhead), ${c(7, 9)} packets/sec`,
      );
      lines.push(
        `     ${inPk} packets input, ${inPk * 412} bytes`,
        `     Received ${c(8, 9999)} broadcasts, ${c(9, 99999)} multicast`,
      );
      lines.push(
        '     0 runts, 0 giants',
        `     ${c(10, 3)} input errors, ${c(10, 3)} CRC, 0 alignment, 0 symbol, 0 input discards`,
        '     0 PAUSE input',
      );
      lines.push(
        `     ${outPk} packets output, ${outPk * 388} bytes`,
        `     Sent ${c(11, 9999)} broadcasts, ${c(12, 99999)} multicast`,
      );
      lines.push(
        '     0 output errors, 0 collisions',
        '     0 late collision, 0 deferred, 0 output discards',
        '     0 PAUSE output',
      );
    } else {
      lines.push(
        `  MTU ${link.mtu} bytes, BW ${link.speedMbps * 1000} Kbit/sec, DLY 10 usec,`,
        '     reliability 255/255, txload 1/255, rxload 1/255',
      );
      lines.push('  Encapsulation ARPA, loopback not set', '  Keepalive set (10 sec)');
      lines.push(
        i.up
          ? `  Full-duplex, ${link.speedMbps}Mb/s, media type is 10/100/1000BaseTX`
          : '  Auto-duplex, Auto-speed, media type is 10/100/1000BaseTX',
      );
      lines.push(
        '  input flow-control is off, output flow-control is unsupported',
        '  ARP type: ARPA, ARP Timeout 04:00:00',
      );
      lines.push(
        `  Last input ${i.up ? '00:00:01' : 'never'}, output ${i.up ? '00:00:00' : 'never'}, output hang never`,
      );
      lines.push(
        '  Last clearing of "show interface" counters never',
        '  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0',
      );
      lines.push('  Queueing strategy: fifo', '  Output queue: 0/40 (size/max)');
      lines.push(
        `  5 minute input rate ${c(4, 900) * 1000} bits/sec, ${c(5, 9)} packets/sec`,
        `  5 minute output rate ${c(6, 900) * 1000} bits/sec, ${c(7, 9)} packets/sec`,
      );
      lines.push(
        `     ${inPk} packets input, ${inPk * 412} bytes, 0 no buffer`,
        `     Received ${c(8, 9999)} broadcasts (${c(9, 9999)} multicasts)`,
      );
      lines.push(
        '     0 runts, 0 giants, 0 throttles',
        `     ${c(10, 3)} input errors, ${c(10, 3)} CRC, 0 frame, 0 overrun, 0 ignored`,
      );
      lines.push(
        `     0 watchdog, ${c(9, 9999)} multicast, 0 pause input`,
        '     0 input packets with dribble condition detected',
      );
      lines.push(
        `     ${outPk} packets output, ${outPk * 388} bytes, 0 underruns`,
        `     0 output errors, 0 collisions, ${c(3, 5)} interface resets`,
      );
      lines.push(
        '     0 unknown protocol drops',
        '     0 babbles, 0 late collision, 0 deferred',
        '     0 lost carrier, 0 no carrier, 0 PAUSE output',
      );
      lines.push('     0 output buffer failures, 0 output buffers swapped out');
    }
  }
  return lines.join('\n');
}

export function ciscoBanner(eos: boolean, p: DeviceProfile): string {
  if (eos) return `Last login: ${ctime(new Date(p.lastChange.getTime() - 3_600_000))} from 10.0.0.5`;
  return [
    '',
    '**************************************************************************',
    '* Authorized access only. All activity on this device is logged and     *',
    '* monitored. Disconnect IMMEDIATELY if you are not an authorized user.  *',
    '**************************************************************************',
    '',
  ].join('\n');
}
