/**
 * Cisco ASA outputs (ASA 9.x on Firepower 1000/2100 and ASA 5500-X, single context). The running
 * configuration starts with `: Saved` and `: Serial Number:` / `: Hardware:` comment lines and ends
 * with `Cryptochecksum:` and `: end`.
 */
import { createHash } from 'node:crypto';
import { BlockConfig, renderItems, SEP } from '../config';
import type { ConfigItem } from '../config';
import type { DeviceProfile } from '../profile';
import { iosTime, splitUptime } from '../profile';
import { fillerIp, interfaceStates, pad, prefixToMask } from './common';
import type { ConfigMeta } from './meta';

const leaf = (head: string): ConfigItem => ({ head, children: null });
const block = (head: string, children: string[]): ConfigItem => ({ head, children });
const sep: ConfigItem = leaf(SEP);

function hardware(p: DeviceProfile): string {
  return `${p.version.model}, ${p.memoryKb >= 4194304 ? 14884 : 6588} MB RAM, CPU Atom C3000 series 2200 MHz, 1 CPU (8 cores)`;
}

export function asaInitialConfig(p: DeviceProfile): BlockConfig {
  const items: ConfigItem[] = [
    leaf(`ASA Version ${p.version.version}`),
    sep,
    leaf(`hostname ${p.hostname}`),
    leaf(`domain-name ${p.domain}`),
    leaf(`enable password ***** pbkdf2`),
    leaf('service-module 0 keepalive-timeout 4'),
    leaf('service-module 0 keepalive-counter 6'),
    leaf('names'),
    leaf('no mac-address auto'),
    sep,
    ...p.interfaces.map((i, n) =>
      block(`interface ${i.name}`, [
        ...(i.description ? [`description ${i.description}`] : []),
        ...(i.ipv4
          ? [
              `nameif ${n === 0 ? 'outside' : `dmz${n}`}`,
              `security-level ${n === 0 ? 0 : 50}`,
              `ip address ${i.ipv4} ${prefixToMask(i.prefix)}`,
            ]
          : ['no nameif', 'no security-level', 'no ip address']),
        ...(i.shutdown ? ['shutdown'] : []),
      ]),
    ),
    block('interface Management1/1', [
      'management-only',
      'nameif management',
      'security-level 100',
      `ip address ${p.mgmtIp} ${prefixToMask(p.mgmtPrefix)}`,
    ]),
    leaf('ftp mode passive'),
    leaf('dns server-group DefaultDNS'),
    block('object network LAB-MGMT-NET', [`subnet ${p.mgmtIp.replace(/\.\d+$/, '.0')} 255.255.255.0`]),
    leaf('pager lines 24'),
    leaf('logging enable'),
    leaf('logging timestamp'),
    leaf(`logging host management ${p.loggingHost}`),
    leaf('mtu outside 1500'),
    leaf('mtu management 1500'),
    leaf('no failover'),
    leaf(`route management 0.0.0.0 0.0.0.0 ${p.gateway} 1`),
    leaf('timeout xlate 3:00:00'),
    leaf('aaa authentication ssh console LOCAL'),
    leaf(`snmp-server community ${p.snmpCommunity}`),
    leaf(`ssh ${p.mgmtIp.replace(/\.\d+$/, '.0')} 255.255.255.0 management`),
    leaf('ssh version 2'),
    ...p.ntpServers.map((s) => leaf(`ntp server ${s}`)),
    leaf(`username admin password ***** pbkdf2 privilege 15`),
  ];
  return new BlockConfig(items, ['ntp ', 'username ']);
}

function asaPadding(targetBytes: number): ConfigItem[] {
  const items: ConfigItem[] = [];
  let size = 0;
  for (let n = 1; size < targetBytes; n++) {
    for (let r = 0; r < 40; r++) {
      const line = `access-list LAB-PAD-ACL-${n} extended permit tcp ${fillerIp(n * 64 + r, 172)} 255.255.255.0 host ${fillerIp(n + r, 10)} eq ${[22, 443, 8443, 161][r % 4]}`;
      items.push(leaf(line));
      size += line.length + 1;
    }
  }
  return items;
}

export function renderAsaConfig(
  config: BlockConfig,
  meta: ConfigMeta,
  p: DeviceProfile,
  padBytes: number,
): string {
  const body: string[] = [];
  let items = config.items;
  if (padBytes > 0) {
    const at = items.findIndex((i) => i.head.startsWith('ntp '));
    items = [...items.slice(0, at), ...asaPadding(padBytes), ...items.slice(at)];
  }
  renderItems(items, 'ios', body);
  const text = body.join('\n');
  const checksum = createHash('md5').update(text).digest('hex');
  return [
    ': Saved',
    '',
    ':',
    `: Serial Number: ${p.serial}`,
    `: Hardware:   ${hardware(p)}`,
    `: Written by ${meta.lastChangeBy} at ${iosTime(meta.savedAt).replace(/^(\S+) UTC (\w+) (\w+) (\d+) (\d+)$/, '$1.000 UTC $2 $3 $4 $5')}`,
    ':',
    text,
    `Cryptochecksum:${checksum}`,
    ': end',
  ].join('\n');
}

export function asaShowVersion(p: DeviceProfile, hostname: string, meta: ConfigMeta): string {
  const v = p.version;
  const u = splitUptime(p.uptimeMinutes);
  const days = u.weeks * 7 + u.days;
  return [
    '',
    `Cisco Adaptive Security Appliance Software Version ${v.version} `,
    'SSP Operating System Version 2.10(1.162)',
    `Device Manager Version 7.${v.version.split('.')[1]!.replace(/\(.*$/, '')}(1)`,
    '',
    'Compiled on Wed 16-Mar-22 13:17 GMT by builders',
    `System image file is "${v.image}"`,
    'Config file at boot was "startup-config"',
    '',
    `${hostname} up ${days} days ${u.hours} hours`,
    '',
    `Hardware:   ${hardware(p)}`,
    '',
    `Model Id:   ${v.model}`,
    '',
    ...p.interfaces.map(
      (i, n) => ` ${n}: Ext: ${i.name.padEnd(18)}: address is ${i.mac.match(/..../g)!.join('.')}, irq 0`,
    ),
    '',
    'License mode: Smart Licensing',
    '',
    'Licensed features for this platform:',
    `Maximum Physical Interfaces       : Unlimited      perpetual`,
    'Maximum VLANs                     : 200            perpetual',
    'Inside Hosts                      : Unlimited      perpetual',
    'Failover                          : Active/Active  perpetual',
    'Encryption-DES                    : Enabled        perpetual',
    'Encryption-3DES-AES               : Enabled        perpetual',
    'Security Contexts                 : 2              perpetual',
    'Carrier                           : Disabled       perpetual',
    'AnyConnect Premium Peers          : 2              perpetual',
    'AnyConnect Essentials             : Disabled       perpetual',
    'Other VPN Peers                   : 250            perpetual',
    'Total VPN Peers                   : 250            perpetual',
    'AnyConnect for Mobile             : Disabled       perpetual',
    'AnyConnect for Cisco VPN Phone    : Disabled       perpetual',
    'Advanced Endpoint Assessment      : Disabled       perpetual',
    'Shared License                    : Disabled       perpetual',
    'Total TLS Proxy Sessions          : 320            perpetual',
    'Botnet Traffic Filter             : Disabled       perpetual',
    'Cluster                           : Disabled       perpetual',
    '',
    `Serial Number: ${p.serial}`,
    'Configuration register is 0x1',
    '',
    `Configuration last modified by ${meta.lastChangeBy} at ${iosTime(meta.lastChange)}`,
  ].join('\n');
}

export function asaShowInterfaceIpBrief(config: BlockConfig, p: DeviceProfile): string {
  const lines = ['Interface                  IP-Address      OK? Method Status                Protocol'];
  for (const i of interfaceStates(config, p)) {
    const status = i.adminDown ? 'administratively down' : i.up ? 'up' : 'down';
    lines.push(
      `${pad(i.name, 27)}${pad(i.ip ?? 'unassigned', 16)}YES ${pad(i.ip ? 'CONFIG' : 'unset', 7)}${pad(status, 22)}${i.up ? 'up' : 'down'}`,
    );
  }
  return lines.join('\n');
}
