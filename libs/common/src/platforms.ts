/**
 * Platforms are named as netmiko `device_type`s, the names network teams already use.
 * Pure data: safe to import from workflows, activities, the API and the device lab.
 */
export const PLATFORMS = [
  'cisco_ios',
  'huawei',
  'hp_comware',
  'juniper_junos',
  'arista_eos',
  'linux',
  'cisco_nxos',
  'cisco_xr',
  'cisco_asa',
  'aruba_aoscx',
  'dell_os10',
  'ruijie_os',
] as const;

export type Platform = (typeof PLATFORMS)[number];

export function isPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}

export const PLATFORM_VENDOR: Record<Platform, string> = {
  cisco_ios: 'Cisco IOS',
  huawei: 'Huawei VRP',
  hp_comware: 'H3C / HP Comware',
  juniper_junos: 'Juniper Junos',
  arista_eos: 'Arista EOS',
  linux: 'Linux',
  cisco_nxos: 'Cisco NX-OS',
  cisco_xr: 'Cisco IOS XR',
  cisco_asa: 'Cisco ASA',
  aruba_aoscx: 'Aruba AOS-CX',
  dell_os10: 'Dell SmartFabric OS10',
  ruijie_os: 'Ruijie RGOS',
};
