/**
 * Ruijie RGOS outputs (S2910/S5310/S5750 campus switches, RGOS 11.4). RGOS is Cisco-like: IOS-style
 * running configuration with one-space indentation and `!` separators, but interface names carry a
 * space between type and number (`GigabitEthernet 0/1`, `VLAN 10`, `AggregatePort 1`), in the
 * configuration, the prompts and every table. `show version` lists `System ... : value` lines and
 * the uptime as `D:HH:MM:SS`.
 */
import { BlockConfig, renderItems, SEP } from '../config';
import type { ConfigItem } from '../config';
import type { DeviceProfile } from '../profile';
import { formatMac } from '../profile';
import { fillerIp, interfaceStates, pad, prefixToMask } from './common';

const leaf = (head: string): ConfigItem => ({ head, children: null });
const block = (head: string, children: string[]): ConfigItem => ({ head, children });
const sep: ConfigItem = leaf(SEP);
const p2 = (n: number): string => String(n).padStart(2, '0');

/** `S29_RGOS 11.4(1)B70P2`: the image name RGOS prints for the running software. */
export function rgosSoftware(p: DeviceProfile): string {
  return `${p.version.image} ${p.version.version}`;
}

export function rgosInitialConfig(p: DeviceProfile): BlockConfig {
  const items: ConfigItem[] = [
    leaf(`version ${rgosSoftware(p)}`),
    leaf(`hostname ${p.hostname}`),
    sep,
    leaf(`username admin privilege 15 secret 5 $1$${p.seedHex.slice(0, 4)}$${p.seedHex.slice(4, 24)}`),
    sep,
    leaf(`install 0 ${p.version.model}`),
    sep,
    leaf(`sysmac ${formatMac(p.baseMac, 'cisco')}`),
    sep,
    leaf('nfpp'),
    sep,
    block('vlan 1', []),
    ...p.vlans.map((v) => block(`vlan ${v.id}`, [`name ${v.name}`])),
    leaf(`enable secret 5 $1$${p.seedHex.slice(8, 12)}$${p.seedHex.slice(0, 20)}`),
    sep,
    ...p.interfaces.map((i) =>
      block(`interface ${i.name}`, [
        ...(i.description ? [`description ${i.description}`] : []),
        ...(i.ipv4
          ? ['no switchport', `ip address ${i.ipv4} ${prefixToMask(i.prefix)}`]
          : i.accessVlan
            ? [`switchport access vlan ${i.accessVlan}`]
            : []),
        ...(i.shutdown ? ['shutdown'] : []),
      ]),
    ),
    block('interface VLAN 1', [`ip address ${p.mgmtIp} ${prefixToMask(p.mgmtPrefix)}`]),
    sep,
    leaf(`ip route 0.0.0.0 0.0.0.0 ${p.gateway}`),
    leaf(`ip domain-name ${p.domain}`),
    leaf('enable service ssh-server'),
    leaf(`logging server ${p.loggingHost}`),
    leaf(`snmp-server community ${p.snmpCommunity} ro`),
    ...p.ntpServers.map((s) => leaf(`ntp server ${s}`)),
    sep,
    block('line console 0', ['exec-timeout 0 0']),
    block('line vty 0 4', ['login local', 'transport input ssh']),
  ];
  return new BlockConfig(items, ['line ']);
}

function padding(targetBytes: number): ConfigItem[] {
  const items: ConfigItem[] = [];
  let size = 0;
  for (let n = 1; size < targetBytes; n++) {
    const children: string[] = [];
    for (let r = 0; r < 40; r++)
      children.push(
        `${(r + 1) * 10} permit tcp ${fillerIp(n * 64 + r, 172)} 0.0.0.255 host ${fillerIp(n + r, 10)} eq ${[22, 443, 8443, 161][r % 4]}`,
      );
    const head = `ip access-list extended LAB-PAD-ACL-${n}`;
    items.push(block(head, children));
    size += children.reduce((a, c) => a + c.length + 2, 0) + head.length + 3;
  }
  return items;
}

export function renderRgosConfig(config: BlockConfig, padBytes: number): string {
  const body: string[] = ['!'];
  let items = config.items;
  if (padBytes > 0) {
    const at = items.findIndex((i) => i.head.startsWith('line '));
    items = [...items.slice(0, at), ...padding(padBytes), ...items.slice(at)];
  }
  renderItems(items, 'ios', body);
  body.push('!', 'end');
  const text = body.join('\n');
  return `Building configuration...\nCurrent configuration : ${text.length + body.length} bytes\n\n${text}`;
}

/** `Mon Nov 23 ...` is not RGOS's style: it prints `YYYY-MM-DD HH:MM:SS`. */
function rgosDate(d: Date): string {
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

export function rgosShowVersion(p: DeviceProfile): string {
  const m = p.uptimeMinutes;
  const uptime = `${Math.floor(m / 1440)}:${p2(Math.floor((m % 1440) / 60))}:${p2(m % 60)}:00`;
  return [
    `System description      : Ruijie Full Gigabit Security & Intelligence Access Switch(${p.version.model}) By Ruijie Networks`,
    `System start time       : ${rgosDate(p.bootTime)}`,
    `System uptime           : ${uptime}`,
    'System hardware version : 1.00',
    `System software version : ${rgosSoftware(p)}`,
    'System patch number     : NA',
    `System serial number    : ${p.serial}`,
    'System boot version     : 1.2.18',
    'Module information:',
    `  Slot 0 : ${p.version.model}`,
    '    Hardware version    : 1.00',
    '    Boot version        : 1.2.18',
    `    Software version    : ${rgosSoftware(p)}`,
    `    Serial number       : ${p.serial}`,
  ].join('\n');
}

export function rgosShowIpIntBrief(config: BlockConfig, p: DeviceProfile): string {
  const lines = [
    'Interface                        IP-Address(Pri)      IP-Address(Sec)      Status                 Protocol',
  ];
  for (const i of interfaceStates(config, p)) {
    if (!i.ip) continue;
    const status = i.adminDown ? 'administratively down' : i.up ? 'up' : 'down';
    lines.push(
      `${pad(i.name, 33)}${pad(`${i.ip}/${i.prefix}`, 21)}${pad('no address', 21)}${pad(status, 23)}${i.up ? 'up' : 'down'}`,
    );
  }
  return lines.join('\n');
}

/** `show interfaces status`: every port, with its access VLAN, duplex and speed. */
export function rgosShowInterfacesStatus(config: BlockConfig, p: DeviceProfile): string {
  const lines = [
    'Interface                        Status    Vlan   Duplex   Speed     Type',
    '-------------------------------- --------  ----   -------  --------- ------',
  ];
  for (const i of interfaceStates(config, p)) {
    if (!/^(GigabitEthernet|TenGigabitEthernet|FastEthernet) /.test(i.name)) continue;
    const status = i.adminDown ? 'disabled' : i.up ? 'up' : 'down';
    const vlan = i.ip ? 'routed' : String(i.accessVlan ?? 1);
    lines.push(
      `${pad(i.name, 33)}${pad(status, 10)}${pad(vlan, 7)}${pad(i.up ? 'Full' : 'Unknown', 9)}${pad(i.up ? '1000M' : 'Unknown', 10)}copper`,
    );
  }
  return lines.join('\n');
}

/** `show interfaces`: RGOS's per-interface detail (state, address, MTU, speed, counters). */
export function rgosShowInterfaces(config: BlockConfig, p: DeviceProfile): string {
  const out: string[] = [];
  const states = interfaceStates(config, p);
  states.forEach((i, n) => {
    const physical = /^(GigabitEthernet|TenGigabitEthernet|FastEthernet) /.test(i.name);
    const mac = formatMac(i.mac, 'cisco');
    const state = i.adminDown ? 'administratively down' : i.up ? 'UP' : 'DOWN';
    const rx = i.counter(1, 9_000_000);
    const tx = i.counter(2, 9_000_000);
    out.push(
      `Index(dec):${n + 1} (hex):${(n + 1).toString(16)}`,
      `${i.name} is ${state}  , line protocol is ${i.up ? 'UP' : 'DOWN'}`,
      `Hardware is ${physical ? 'Broadcom 5464 GigabitEthernet' : i.name.split(' ')[0]}, address is ${mac} (bia ${mac})`,
      ...(i.description ? [`Description: ${i.description}`] : []),
      `Interface address is: ${i.ip ? `${i.ip}/${i.prefix}` : 'no ip address'}`,
      `  MTU 1500 bytes, BW ${physical ? 1_000_000 : 100_000} Kbit`,
      '  Encapsulation protocol is Ethernet-II, loopback not set',
      '  Keepalive interval is 10 sec , set',
      '  Carrier delay is 2 sec',
    );
    if (physical)
      out.push(
        '  Ethernet attributes:',
        '    Priority is 0',
        '    Admin medium-type is Copper, oper medium-type is Copper',
        `    Admin duplex mode is AUTO, oper duplex is ${i.up ? 'Full' : 'Unknown'}`,
        `    Admin speed is AUTO, oper speed is ${i.up ? '1000M' : 'Unknown'}`,
        '    Flow control admin status is OFF, flow control oper status is OFF',
        '  Bridge attributes:',
        `    Port-type: ${i.ip ? 'routed' : 'access'}`,
      );
    out.push(
      '  Rxload is 1/255, Txload is 1/255',
      `  10 seconds input rate ${i.counter(3, 90_000)} bits/sec, ${i.counter(4, 90)} packets/sec`,
      `  10 seconds output rate ${i.counter(5, 90_000)} bits/sec, ${i.counter(6, 90)} packets/sec`,
      `    ${rx} packets input, ${rx * 64} bytes, 0 no buffer, 0 dropped`,
      `    Received ${i.counter(7, 50_000)} broadcasts, 0 runts, 0 giants`,
      '    0 input errors, 0 CRC, 0 frame, 0 overrun, 0 abort',
      `    ${tx} packets output, ${tx * 64} bytes, 0 underruns, 0 dropped`,
      '    0 output errors, 0 collisions, 0 interface resets',
    );
  });
  return out.join('\n');
}
