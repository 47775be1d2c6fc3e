import type { Platform } from '../../libs/common/src/platforms';

/** Three read-only commands per platform, in each vendor's own syntax. */
export const THREE_COMMANDS: Record<Platform, string[]> = {
  cisco_ios: ['show version', 'show running-config', 'show ip interface brief'],
  arista_eos: ['show version', 'show running-config', 'show ip interface brief'],
  huawei: ['display version', 'display current-configuration', 'display interface brief'],
  hp_comware: ['display version', 'display current-configuration', 'display interface brief'],
  juniper_junos: ['show version', 'show configuration', 'show interfaces terse'],
  linux: ['uname -a', 'cat /etc/os-release', 'ip -brief address'],
  cisco_nxos: ['show version', 'show running-config', 'show interface brief'],
  cisco_xr: ['show version', 'show running-config', 'show ip interface brief'],
  cisco_asa: ['show version', 'show running-config', 'show interface ip brief'],
  aruba_aoscx: ['show system', 'show running-config', 'show ip interface brief'],
  dell_os10: ['show version', 'show running-configuration', 'show ip interface brief'],
  ruijie_os: ['show version', 'show running-config', 'show ip interface brief'],
};

export const RUNNING_CONFIG: Record<Platform, string> = {
  cisco_ios: 'show running-config',
  arista_eos: 'show running-config',
  huawei: 'display current-configuration',
  hp_comware: 'display current-configuration',
  juniper_junos: 'show configuration',
  linux: 'cat /etc/os-release',
  cisco_nxos: 'show running-config',
  cisco_xr: 'show running-config',
  cisco_asa: 'show running-config',
  aruba_aoscx: 'show running-config',
  dell_os10: 'show running-configuration',
  ruijie_os: 'show running-config',
};

/** startCollection input fields: cisco_ios's list as the default, the others as per-platform overrides. */
export function perPlatform(commands: Record<Platform, string[]>) {
  return {
    commands: commands.cisco_ios,
    commandsByPlatform: Object.entries(commands)
      .filter(([platform]) => platform !== 'cisco_ios')
      .map(([platform, list]) => ({ platform, commands: list })),
  };
}
