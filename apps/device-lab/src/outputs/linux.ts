import type { DeviceProfile } from '../profile';
import { ctime, splitUptime } from '../profile';
import { fillerIp } from './common';

/** `/etc/os-release`, the file the lab treats as a Linux host's configuration (padded with comments on request). */
export function linuxOsRelease(p: DeviceProfile, padBytes = 0): string {
  const ver = p.version.image; // e.g. 22.04.4 LTS
  const codename = ver.startsWith('24') ? 'noble' : 'jammy';
  const short = ver.split(' ')[0]!.split('.').slice(0, 2).join('.');
  const lines = [
    `PRETTY_NAME="Ubuntu ${ver}"`,
    'NAME="Ubuntu"',
    `VERSION_ID="${short}"`,
    `VERSION="${ver} (${codename === 'noble' ? 'Noble Numbat' : 'Jammy Jellyfish'})"`,
    `VERSION_CODENAME=${codename}`,
    'ID=ubuntu',
    'ID_LIKE=debian',
    'HOME_URL="https://www.ubuntu.com/"',
    'SUPPORT_URL="https://help.ubuntu.com/"',
    'BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"',
    'PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"',
    `UBUNTU_CODENAME=${codename}`,
  ];
  for (let n = 1, size = 0; size < padBytes; n++) {
    const line = `# lab padding ${String(n).padStart(7, '0')}: LOGO=ubuntu-logo VARIANT_ID=server-${n % 97} ANSI_COLOR="0;38;2;233;84;32"`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

export function linuxUname(p: DeviceProfile, hostname: string): string {
  const build = p.version.version.split('-')[1];
  return `Linux ${hostname} ${p.version.version} #${Number(build) + 10}-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 x86_64 x86_64 x86_64 GNU/Linux`;
}

export function linuxUptime(p: DeviceProfile): string {
  const u = splitUptime(p.uptimeMinutes);
  const days = u.weeks * 7 + u.days;
  return ` 10:21:33 up ${days} days, ${String(u.hours).padStart(2, ' ')}:${String(u.minutes).padStart(2, '0')},  1 user,  load average: 0.08, 0.03, 0.01`;
}

export function linuxIpBrief(p: DeviceProfile): string {
  const lines = ['lo               UNKNOWN        127.0.0.1/8 ::1/128 '];
  for (const i of p.interfaces) {
    const state = i.linkUp ? 'UP' : 'DOWN';
    lines.push(
      `${i.name.padEnd(17)}${state.padEnd(15)}${i.ipv4 ? `${i.ipv4}/${i.prefix} fe80::5054:ff:fe${i.mac.slice(6, 8)}:${i.mac.slice(8)}/64 ` : ''}`,
    );
  }
  return lines.join('\n');
}

/** `cat /etc/netplan/50-cloud-init.yaml`. */
export function linuxNetplan(p: DeviceProfile, padBytes = 0): string {
  const lines = ['network:', '  version: 2', '  ethernets:'];
  for (const i of p.interfaces) {
    lines.push(`    ${i.name}:`);
    if (i.ipv4) {
      lines.push('      addresses:', `        - ${i.ipv4}/${i.prefix}`);
      if (i.ipv4 === p.mgmtIp)
        lines.push(
          '      routes:',
          '        - to: default',
          `          via: ${p.gateway}`,
          '      nameservers:',
          `        search: [${p.domain}]`,
          `        addresses: [${p.ntpServers.join(', ')}]`,
        );
    } else lines.push('      dhcp4: false');
  }
  for (let n = 1, size = 0; size < padBytes; n++) {
    const entry = [
      `    dummy${n}:`,
      '      addresses:',
      `        - ${fillerIp(n, 192)}/32`,
      `      # lab padding block ${n}`,
    ];
    lines.push(...entry);
    size += entry.reduce((a, l) => a + l.length + 1, 0);
  }
  return lines.join('\n');
}

export function linuxBanner(p: DeviceProfile): string {
  return [
    `Welcome to Ubuntu ${p.version.image} (GNU/Linux ${p.version.version} x86_64)`,
    '',
    ' * Documentation:  https://help.ubuntu.com',
    ' * Management:     https://landscape.canonical.com',
    ' * Support:        https://ubuntu.com/pro',
    '',
    `Last login: ${ctime(p.lastChange)} from 10.0.0.5`,
  ].join('\n');
}
