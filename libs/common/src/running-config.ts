import type { Platform } from './platforms';

/** The command that prints the running configuration, per platform. */
export const RUNNING_CONFIG_COMMAND: Record<Platform, string> = {
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
