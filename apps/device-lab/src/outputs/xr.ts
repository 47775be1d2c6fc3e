/**
 * Cisco IOS XR outputs (64-bit XR 7.x on NCS 540/5500 and ASR 9000). Every `show` command starts
 * with a timestamp line (`Mon Nov 23 10:21:33.123 UTC`), as on the real routers; the running
 * configuration starts with `Building configuration...` and the `!! IOS XR Configuration` and
 * `!! Last configuration change` comment lines.
 */
import { BlockConfig, renderItems } from '../config';
import type { ConfigItem } from '../config';
import type { DeviceProfile } from '../profile';
import { splitUptime } from '../profile';
import { fillerIp, interfaceStates, pad, prefixToMask } from './common';
import type { ConfigMeta } from './meta';

const leaf = (head: string): ConfigItem => ({ head, children: null });
const block = (head: string, children: string[]): ConfigItem => ({ head, children });

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** `Mon Nov 23 10:21:33.123 UTC`, the line XR prints before every show command's output. */
export function xrTimestamp(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')} UTC`;
}

/** `Mon Nov 23 10:21:33 2026` (XR commit and configuration change times). */
function xrTime(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

export function xrInitialConfig(p: DeviceProfile): BlockConfig {
  const items: ConfigItem[] = [
    leaf(`hostname ${p.hostname}`),
    leaf('clock timezone UTC UTC'),
    leaf(`logging ${p.loggingHost} vrf default severity info`),
    leaf(`domain name ${p.domain}`),
    block('username admin', [
      'group root-lr',
      'group cisco-support',
      `secret 10 $6$${p.seedHex.slice(0, 4)}$Hq2Wm8tRk3Jd0Vb5Pp9sZ/${p.seedHex}`,
    ]),
    block(
      'ntp',
      p.ntpServers.map((s) => `server ${s}`),
    ),
    block('interface Loopback0', [
      `ipv4 address ${p.mgmtIp.replace(/^\d+\.\d+\./, '10.255.')} 255.255.255.255`,
    ]),
    block('interface MgmtEth0/RP0/CPU0/0', [`ipv4 address ${p.mgmtIp} ${prefixToMask(p.mgmtPrefix)}`]),
    ...p.interfaces.map((i) =>
      block(`interface ${i.name}`, [
        ...(i.description ? [`description ${i.description}`] : []),
        ...(i.ipv4 ? [`ipv4 address ${i.ipv4} ${prefixToMask(i.prefix)}`] : []),
        ...(i.shutdown ? ['shutdown'] : []),
      ]),
    ),
    leaf(`snmp-server community ${p.snmpCommunity} RO`),
    leaf('ssh server v2'),
    leaf('ssh server vrf default'),
  ];
  return new BlockConfig(items, ['snmp-server ', 'ssh ']);
}

function xrPadding(targetBytes: number): ConfigItem[] {
  const items: ConfigItem[] = [];
  let size = 0;
  for (let n = 1; size < targetBytes; n++) {
    const children = [`10 remark LAB-PAD generated block ${n}`];
    for (let r = 0; r < 40; r++)
      children.push(
        `${(r + 2) * 10} permit tcp ${fillerIp(n * 64 + r, 172)} 0.0.0.255 host ${fillerIp(n + r, 10)} eq ${[22, 443, 8443, 161][r % 4]}`,
      );
    items.push(
      block(`interface Loopback${1000 + n}`, [
        `description lab padding block ${n}`,
        `ipv4 address ${fillerIp(n, 192)} 255.255.255.255`,
      ]),
      block(`ipv4 access-list LAB-PAD-ACL-${n}`, children),
    );
    size += children.reduce((a, c) => a + c.length + 2, 0) + 120;
  }
  return items;
}

export function renderXrConfig(
  config: BlockConfig,
  meta: ConfigMeta,
  p: DeviceProfile,
  now: Date,
  padBytes: number,
): string {
  const body: string[] = [
    xrTimestamp(now),
    'Building configuration...',
    `!! IOS XR Configuration ${p.version.version}`,
    `!! Last configuration change at ${xrTime(meta.lastChange)} by ${meta.lastChangeBy}`,
    '!',
  ];
  let items = config.items;
  if (padBytes > 0) {
    const at = items.findIndex((i) => i.head.startsWith('snmp-server '));
    items = [...items.slice(0, at), ...xrPadding(padBytes), ...items.slice(at)];
  }
  renderItems(items, 'xr', body);
  body.push('end');
  return body.join('\n');
}

export function xrShowVersion(p: DeviceProfile, now: Date): string {
  const v = p.version;
  const u = splitUptime(p.uptimeMinutes);
  const parts: string[] = [];
  if (u.weeks) parts.push(`${u.weeks} week${u.weeks === 1 ? '' : 's'}`);
  if (u.days) parts.push(`${u.days} day${u.days === 1 ? '' : 's'}`);
  if (u.hours) parts.push(`${u.hours} hour${u.hours === 1 ? '' : 's'}`);
  parts.push(`${u.minutes} minute${u.minutes === 1 ? '' : 's'}`);
  return [
    xrTimestamp(now),
    `Cisco IOS XR Software, Version ${v.version}`,
    'Copyright (c) 2013-2023 by Cisco Systems, Inc.',
    '',
    'Build Information:',
    ' Built By     : ingunawa',
    ' Built On     : Tue Jun  6 16:20:12 PDT 2023',
    ` Built Host   : ${v.image}`,
    ` Workspace    : /auto/srcarchive17/prod/${v.version}/${v.family.toLowerCase()}/ws`,
    ` Version      : ${v.version}`,
    ' Location     : /opt/cisco/XR/packages/',
    ` Label        : ${v.version}`,
    '',
    `cisco ${v.family} () processor`,
    `System uptime is ${parts.join(' ')}`,
  ].join('\n');
}

export function xrShowIpIntBrief(config: BlockConfig, p: DeviceProfile, now: Date): string {
  const lines = [
    xrTimestamp(now),
    '',
    'Interface                      IP-Address      Status          Protocol Vrf-Name',
  ];
  for (const i of interfaceStates(config, p)) {
    const status = i.adminDown ? 'Shutdown' : i.up ? 'Up' : 'Down';
    lines.push(
      `${pad(i.name, 31)}${pad(i.ip ?? 'unassigned', 16)}${pad(status, 16)}${pad(i.up ? 'Up' : 'Down', 9)}default `,
    );
  }
  return lines.join('\n');
}

export function xrShowInventory(p: DeviceProfile, now: Date): string {
  return [
    xrTimestamp(now),
    `NAME: "Rack 0", DESCR: "Cisco ${p.version.family} ${p.interfaces.length}-port Router"`,
    `PID: ${p.version.model.padEnd(18)}, VID: V01, SN: ${p.serial}`,
  ].join('\n');
}

/** One row of `show configuration commit list`. */
export interface XrCommit {
  id: number;
  user: string;
  at: Date;
  comment: string;
}

export function xrCommitList(commits: readonly XrCommit[], now: Date): string {
  const lines = [
    xrTimestamp(now),
    'SNo. Label/ID              User      Line                Client      Time Stamp',
    '~~~~ ~~~~~~~~              ~~~~      ~~~~                ~~~~~~      ~~~~~~~~~~',
  ];
  [...commits].reverse().forEach((c, i) => {
    lines.push(
      `${pad(String(i + 1), 5)}${pad(String(c.id), 22)}${pad(c.user, 10)}${pad('vty0:node0_RP0_C', 20)}${pad(c.comment || 'CLI', 12)}${xrTime(c.at)}`,
    );
  });
  return lines.join('\n');
}

export function xrBanner(): string {
  return '';
}
