import type { Platform } from '../../../libs/common/src/platforms';
import { hashString, Rng } from './random';

/** Facts about one simulated device, generated deterministically from its name (and optional seed). */
export interface InterfaceFacts {
  name: string;
  /** Short form used in brief tables (Gi1/0/1, Et1, GE0/0/1). */
  short: string;
  description: string | null;
  ipv4: string | null;
  prefix: number;
  shutdown: boolean;
  accessVlan: number | null;
  mac: string;
  /** Operational state when not shut down. */
  linkUp: boolean;
}

export interface VlanFacts {
  id: number;
  name: string;
}

export interface VersionFacts {
  /** Software version as the vendor prints it (15.2(7)E3, V200R019C10SPC500, 6635P07, 21.4R3-S5, 4.28.3M, 5.15.0-91-generic). */
  version: string;
  /** Product family / series (C2960X, S5720, S5130S-EI, ex4300, DCS-7050, ubuntu). */
  family: string;
  /** Model as printed (WS-C2960X-48FPD-L, S5720-28X-SI-AC, ...). */
  model: string;
  /** Extra vendor detail (image names, build ids). */
  image: string;
}

export interface DeviceProfile {
  name: string;
  platform: Platform;
  hostname: string;
  serial: string;
  baseMac: string;
  version: VersionFacts;
  uptimeMinutes: number;
  bootTime: Date;
  lastChange: Date;
  mgmtIp: string;
  mgmtPrefix: number;
  gateway: string;
  domain: string;
  ntpServers: string[];
  loggingHost: string;
  snmpCommunity: string;
  interfaces: InterfaceFacts[];
  vlans: VlanFacts[];
  clockPeriod: number;
  memoryKb: number;
  seedHex: string;
}

interface ModelDef {
  model: string;
  family: string;
  ports: number;
}

const IOS_MODELS: ModelDef[] = [
  { model: 'WS-C2960X-48FPD-L', family: 'C2960X', ports: 48 },
  { model: 'WS-C2960X-24TS-L', family: 'C2960X', ports: 24 },
  { model: 'WS-C2960X-48TS-L', family: 'C2960X', ports: 48 },
  { model: 'WS-C3560CX-12PC-S', family: 'C3560CX', ports: 12 },
  { model: 'WS-C3560CX-8PC-S', family: 'C3560CX', ports: 8 },
  { model: 'WS-C3750X-24T-S', family: 'C3750E', ports: 24 },
];
const IOS_VERSIONS: Record<string, string[]> = {
  C2960X: ['15.2(7)E3', '15.2(7)E4', '15.2(7)E8'],
  C3560CX: ['15.2(7)E3', '15.2(7)E6'],
  C3750E: ['15.0(2)SE11', '15.2(4)E10'],
};
const HUAWEI_MODELS: ModelDef[] = [
  { model: 'S5720-28X-SI-AC', family: 'S5720', ports: 24 },
  { model: 'S5720-52X-SI-AC', family: 'S5720', ports: 48 },
  { model: 'S5735-L8T4S-A1', family: 'S5735', ports: 8 },
  { model: 'S5735-L24T4S-A1', family: 'S5735', ports: 24 },
  { model: 'S5720-16X-PWH-LI-AC', family: 'S5720', ports: 16 },
];
const HUAWEI_VERSIONS = ['V200R019C10SPC500', 'V200R020C10SPC500', 'V200R021C10SPC600'];
const COMWARE_MODELS: ModelDef[] = [
  { model: 'S5130S-28S-EI', family: 'S5130S_EI', ports: 24 },
  { model: 'S5130S-52S-EI', family: 'S5130S_EI', ports: 48 },
  { model: 'S5120V2-10P-LI', family: 'S5120V2_LI', ports: 8 },
  { model: 'S5560X-30C-EI', family: 'S5560X_EI', ports: 24 },
];
const COMWARE_RELEASES = ['6635P07', '6615P08', '6628P05'];
const JUNOS_MODELS: ModelDef[] = [
  { model: 'ex4300-48t', family: 'ex4300', ports: 48 },
  { model: 'ex2300-24t', family: 'ex2300', ports: 24 },
  { model: 'ex3400-24t', family: 'ex3400', ports: 24 },
  { model: 'srx340', family: 'srx', ports: 16 },
  { model: 'ex2300-c-12t', family: 'ex2300', ports: 12 },
];
const JUNOS_VERSIONS = ['21.4R3-S5', '22.2R3-S1', '20.4R3-S7'];
const ARISTA_MODELS: ModelDef[] = [
  { model: 'DCS-7050TX-64', family: 'DCS-7050', ports: 48 },
  { model: 'DCS-7280SR-48C6', family: 'DCS-7280', ports: 48 },
  { model: 'CCS-720XP-24ZY4', family: 'CCS-720', ports: 24 },
  { model: 'DCS-7010TX-48', family: 'DCS-7010', ports: 48 },
  { model: 'DCS-7020SR-24C2', family: 'DCS-7020', ports: 24 },
];
const EOS_VERSIONS = ['4.28.3M', '4.29.2F', '4.30.4M'];
const NXOS_MODELS: ModelDef[] = [
  { model: 'N9K-C93180YC-EX', family: 'C93180YC-EX', ports: 48 },
  { model: 'N9K-C93108TC-FX', family: 'C93108TC-FX', ports: 48 },
  { model: 'N9K-C9336C-FX2', family: 'C9336C-FX2', ports: 36 },
  { model: 'N3K-C3172PQ-10GE', family: 'C3172PQ-10GE', ports: 48 },
  { model: 'N9K-C92348GC-X', family: 'C92348GC-X', ports: 24 },
];
const NXOS_VERSIONS = ['9.3(10)', '9.3(12)', '10.2(5)', '10.3(4a)'];
const XR_MODELS: ModelDef[] = [
  { model: 'N540-24Z8Q2C-M', family: 'NCS-540', ports: 24 },
  { model: 'N540X-8Z16G-SYS-A', family: 'NCS-540', ports: 16 },
  { model: 'ASR-9901', family: 'ASR9K', ports: 12 },
  { model: 'NCS-55A1-24H', family: 'NCS-5500', ports: 8 },
];
const XR_VERSIONS = ['7.5.2', '7.7.21', '7.9.2', '7.3.2'];
const ASA_MODELS: ModelDef[] = [
  { model: 'FPR-1120', family: 'FPR-1000', ports: 8 },
  { model: 'FPR-1140', family: 'FPR-1000', ports: 12 },
  { model: 'FPR-2110', family: 'FPR-2100', ports: 12 },
  { model: 'ASA5516', family: 'ASA5500-X', ports: 8 },
];
const ASA_VERSIONS = ['9.16(4)', '9.18(3)', '9.20(2)'];
const AOSCX_MODELS: ModelDef[] = [
  { model: 'JL658A', family: '6300M 24SFP+ 4SFP56 Swch', ports: 24 },
  { model: 'JL664A', family: '6300M 48G 4SFP56 Swch', ports: 48 },
  { model: 'JL678A', family: '6100 24G CL4 4SFP+ Swch', ports: 24 },
  { model: 'R8N87A', family: '6000 48G CL4 4SFP Swch', ports: 48 },
];
const AOSCX_VERSIONS = ['10.10.1040', '10.11.1010', '10.12.1000'];
const OS10_MODELS: ModelDef[] = [
  { model: 'S5248F-ON', family: 'S5200', ports: 48 },
  { model: 'S5224F-ON', family: 'S5200', ports: 24 },
  { model: 'S4148F-ON', family: 'S4100', ports: 48 },
  { model: 'N3248TE-ON', family: 'N3200', ports: 48 },
];
const RGOS_MODELS: ModelDef[] = [
  { model: 'S2910-24GT4XS-E', family: 'S29', ports: 24 },
  { model: 'S2910-48GT4XS-E', family: 'S29', ports: 48 },
  { model: 'S5310-24GT4XS', family: 'S5310', ports: 24 },
  { model: 'S5750-24GT4XS-L', family: 'S5750', ports: 24 },
];
const RGOS_VERSIONS = ['11.4(1)B70P2', '11.4(1)B12P5', '11.4(1)B74P1'];
const OS10_VERSIONS = ['10.5.4.4', '10.5.5.2', '10.5.3.2'];
const LINUX_KERNELS = ['5.15.0-91-generic', '5.15.0-105-generic', '6.8.0-45-generic'];

const VLAN_POOL: VlanFacts[] = [
  { id: 10, name: 'USERS' },
  { id: 20, name: 'VOICE' },
  { id: 30, name: 'SERVERS' },
  { id: 40, name: 'PRINTERS' },
  { id: 50, name: 'GUEST' },
  { id: 100, name: 'MGMT' },
  { id: 110, name: 'CAMERAS' },
  { id: 200, name: 'IOT' },
  { id: 300, name: 'WIFI-CORP' },
  { id: 999, name: 'PARKING' },
];
const DESCRIPTIONS = [
  'uplink-core-01',
  'uplink-core-02',
  'ap-floor{n}',
  'printer-{n}',
  'srv-esx-{n}',
  'desk-{n}',
  'camera-{n}',
  'to-dist-{n}',
  'voip-phone-{n}',
  'badge-reader-{n}',
];

export function deriveHostname(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return (cleaned || 'device').slice(0, 48);
}

function mac(rng: Rng, ouiHex: string): string {
  return (ouiHex + rng.hex(6)).toLowerCase();
}

export function formatMac(hex12: string, style: 'cisco' | 'huawei' | 'colon'): string {
  if (style === 'colon') return hex12.match(/../g)!.join(':');
  return hex12.match(/..../g)!.join(style === 'cisco' ? '.' : '-');
}

function interfaceNames(platform: Platform, family: string, count: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 1; i <= count; i++) {
    switch (platform) {
      case 'cisco_ios':
        out.push(
          family === 'C2960X'
            ? [`GigabitEthernet1/0/${i}`, `Gi1/0/${i}`]
            : [`GigabitEthernet0/${i}`, `Gi0/${i}`],
        );
        break;
      case 'huawei':
        out.push([`GigabitEthernet0/0/${i}`, `GE0/0/${i}`]);
        break;
      case 'hp_comware':
        out.push([`GigabitEthernet1/0/${i}`, `GE1/0/${i}`]);
        break;
      case 'juniper_junos':
        out.push([`ge-0/0/${i - 1}`, `ge-0/0/${i - 1}`]);
        break;
      case 'arista_eos':
        out.push([`Ethernet${i}`, `Et${i}`]);
        break;
      case 'linux':
        out.push([`ens${i + 2}`, `ens${i + 2}`]);
        break;
      case 'cisco_nxos':
        out.push([`Ethernet1/${i}`, `Eth1/${i}`]);
        break;
      case 'cisco_xr':
        out.push([`GigabitEthernet0/0/0/${i - 1}`, `Gi0/0/0/${i - 1}`]);
        break;
      case 'aruba_aoscx':
        out.push([`1/1/${i}`, `1/1/${i}`]);
        break;
      case 'dell_os10':
        out.push([`ethernet1/1/${i}`, `Eth 1/1/${i}`]);
        break;
      case 'ruijie_os':
        out.push([`GigabitEthernet 0/${i}`, `Gi0/${i}`]);
        break;
      case 'cisco_asa':
        out.push(
          family === 'ASA5500-X' ? [`GigabitEthernet1/${i}`, `Gi1/${i}`] : [`Ethernet1/${i}`, `Eth1/${i}`],
        );
        break;
    }
  }
  return out;
}

export function generateProfile(
  name: string,
  platform: Platform,
  hostname?: string,
  seed?: number,
): DeviceProfile {
  const seedValue = (hashString(`${platform}:${name}`) ^ (seed ?? 0)) >>> 0;
  const rng = new Rng(seedValue);
  let def: ModelDef;
  let version: VersionFacts;
  let serial: string;
  let ouiHex: string;
  const alnum = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  switch (platform) {
    case 'cisco_ios': {
      def = rng.pick(IOS_MODELS);
      const v = rng.pick(IOS_VERSIONS[def.family] ?? ['15.2(7)E3']);
      const imageVersion = v.replace(/^(\d+)\.(\d+)\((\d+)\)(.*)$/, '$1$2-$3.$4');
      version = {
        version: v,
        family: def.family,
        model: def.model,
        image: `${def.family.toLowerCase()}-universalk9-mz.${imageVersion}.bin`,
      };
      serial = `FOC${rng.int(1800, 2450)}${rng.chars(alnum, 4)}`;
      ouiHex = rng.pick(['70db98', '00fcba', 'a0ecf9', '58ac78']);
      break;
    }
    case 'huawei': {
      def = rng.pick(HUAWEI_MODELS);
      version = { version: rng.pick(HUAWEI_VERSIONS), family: def.family, model: def.model, image: '' };
      version.image = `${def.family.toLowerCase()}-${version.version.toLowerCase()}.cc`;
      serial = `2102351${rng.int(100, 999)}DMJ${rng.int(1, 9)}${rng.chars('0123456789', 6)}`;
      ouiHex = rng.pick(['4c1fcc', '00e0fc', 'f4deaf', '70fd45']);
      break;
    }
    case 'hp_comware': {
      def = rng.pick(COMWARE_MODELS);
      const release = rng.pick(COMWARE_RELEASES);
      version = {
        version: release,
        family: def.family,
        model: def.model,
        image: `${def.family}-CMW710-SYSTEM-R${release}.bin`,
      };
      serial = `219801A${rng.chars(alnum, 3)}${rng.int(1, 9)}${rng.chars('0123456789ABCDEF', 3)}Q${rng.chars('0123456789', 4)}`;
      ouiHex = rng.pick(['70f96d', '3ce5a6', '583bd9', '9c06cf']);
      break;
    }
    case 'juniper_junos': {
      def = rng.pick(JUNOS_MODELS);
      const v = rng.pick(JUNOS_VERSIONS);
      version = {
        version: v,
        family: def.family,
        model: def.model,
        image: `2023${rng.int(1000, 1231)}.${rng.hex(7)}_builder_stable_12`,
      };
      serial =
        def.family === 'srx'
          ? `CX${rng.int(1000, 9999)}AF${rng.int(1000, 9999)}`
          : `NW${rng.int(3600, 3799)}${rng.chars('0123456789', 6)}`;
      ouiHex = rng.pick(['2c6bf5', '88e0f3', 'f4a739', '3c8ab0']);
      break;
    }
    case 'arista_eos': {
      def = rng.pick(ARISTA_MODELS);
      const v = rng.pick(EOS_VERSIONS);
      version = {
        version: v,
        family: def.family,
        model: def.model,
        image: `${v}-${rng.int(28000000, 34999999)}.${v.replace(/\./g, '')}`,
      };
      serial = `JPE${rng.int(14000000, 22999999)}`;
      ouiHex = rng.pick(['001c73', '444ca8', '985d82', 'c0d682']);
      break;
    }
    case 'cisco_nxos': {
      def = rng.pick(NXOS_MODELS);
      const v = rng.pick(NXOS_VERSIONS);
      version = {
        version: v,
        family: def.family,
        model: def.model,
        image: `nxos${v.startsWith('9') ? '' : '64-cs'}.${v.replace(/[()]/g, '.').replace(/\.$/, '')}${v.startsWith('9') ? '' : '.M'}.bin`,
      };
      serial = `FDO${rng.int(20, 27)}${rng.int(10, 52)}${rng.chars(alnum, 4)}`;
      ouiHex = rng.pick(['00defb', 'd4c93c', '7cad4f', 'f87b20']);
      break;
    }
    case 'cisco_xr': {
      def = rng.pick(XR_MODELS);
      const v = rng.pick(XR_VERSIONS);
      version = { version: v, family: def.family, model: def.model, image: `iox-ucs-0${rng.int(10, 49)}` };
      serial = `FOC${rng.int(2100, 2650)}${rng.chars(alnum, 4)}`;
      ouiHex = rng.pick(['008a96', '10f311', 'bc4a56', '5c710d']);
      break;
    }
    case 'dell_os10': {
      def = rng.pick(OS10_MODELS);
      const v = rng.pick(OS10_VERSIONS);
      version = { version: v, family: def.family, model: def.model, image: `${v}.${rng.int(100, 299)}` };
      serial = `CN0${rng.chars(alnum, 5)}${rng.int(10000, 99999)}`;
      ouiHex = rng.pick(['3c2c30', '0c29ef', '50e54e', 'e4f004']);
      break;
    }
    case 'ruijie_os': {
      def = rng.pick(RGOS_MODELS);
      const v = rng.pick(RGOS_VERSIONS);
      version = { version: v, family: def.family, model: def.model, image: `${def.family}_RGOS` };
      serial = `G1${rng.chars(alnum, 2)}${rng.int(10, 99)}${rng.chars(alnum, 3)}${rng.int(10000, 99999)}`;
      ouiHex = rng.pick(['00d0f8', '58696c', 'c0b8e6', '300d9e']);
      break;
    }
    case 'aruba_aoscx': {
      def = rng.pick(AOSCX_MODELS);
      const prefix = def.family.startsWith('6300') ? 'FL' : 'PL';
      const v = `${prefix}.${rng.pick(AOSCX_VERSIONS)}`;
      version = { version: v, family: def.family, model: def.model, image: 'primary' };
      serial = `SG${rng.int(0, 9)}${rng.chars(alnum, 3)}${rng.int(1000, 9999)}`;
      ouiHex = rng.pick(['0c42a1', '883a30', 'b8d4e7', '9020c2']);
      break;
    }
    case 'cisco_asa': {
      def = rng.pick(ASA_MODELS);
      const v = rng.pick(ASA_VERSIONS);
      version = {
        version: v,
        family: def.family,
        model: def.model,
        image:
          def.family === 'ASA5500-X'
            ? `disk0:/asa${v.replace(/[.(]/g, '-').replace(')', '')}-lfbff-k8.SPA`
            : 'disk0:/installables/switch/fxos-k8-fp1k-lfbff.2.10.1.162.SPA',
      };
      serial = `JAD${rng.int(2100, 2650)}${rng.chars(alnum, 4)}`;
      ouiHex = rng.pick(['00a7f5', '6c4ef6', 'bc671c', '00fcba']);
      break;
    }
    case 'linux': {
      const kernel = rng.pick(LINUX_KERNELS);
      def = { model: 'Standard PC (Q35 + ICH9, 2009)', family: 'ubuntu', ports: rng.int(1, 3) };
      version = {
        version: kernel,
        family: 'ubuntu',
        model: def.model,
        image: kernel.startsWith('6.8') ? '24.04.1 LTS' : '22.04.4 LTS',
      };
      serial = rng.hex(8) + '-' + rng.hex(4) + '-' + rng.hex(4) + '-' + rng.hex(4) + '-' + rng.hex(12);
      ouiHex = '525400';
      break;
    }
  }
  const baseMac = mac(rng, ouiHex);
  const a = rng.int(16, 31);
  const b = rng.int(0, 255);
  const c = rng.int(1, 250);
  const mgmtIp = `10.${a}.${b}.${c}`;
  const gateway = `10.${a}.${b}.254`;
  // Hosts and IOS XR routers have no VLAN database.
  const vlanCount =
    platform === 'linux' || platform === 'cisco_xr' || platform === 'cisco_asa' ? 0 : rng.int(2, 7);
  const vlans = [...VLAN_POOL]
    .map((v) => ({ v, k: rng.next() }))
    .sort((x, y) => x.k - y.k)
    .slice(0, vlanCount)
    .map((x) => x.v)
    .sort((x, y) => x.id - y.id);
  const names = interfaceNames(platform, def.family, def.ports);
  const interfaces: InterfaceFacts[] = names.map(([ifName, short], index) => {
    const used = rng.next() < 0.7;
    const routed =
      platform === 'linux' || platform === 'juniper_junos'
        ? index === 0 || rng.next() < 0.15
        : platform === 'cisco_xr' || platform === 'cisco_asa'
          ? index === 0 || rng.next() < 0.35
          : index === 0;
    const description = used
      ? rng.pick(DESCRIPTIONS).replace('{n}', String(rng.int(1, 40)).padStart(2, '0'))
      : null;
    const ipv4 = routed ? `10.${rng.int(32, 63)}.${rng.int(0, 255)}.${rng.pick([1, 5, 9, 13, 17])}` : null;
    return {
      name: ifName,
      short,
      description,
      ipv4,
      prefix: routed ? 30 : 0,
      shutdown: !used && rng.next() < 0.5,
      accessVlan: !routed && vlans.length > 0 && platform !== 'linux' ? rng.pick(vlans).id : null,
      mac: mac(rng, ouiHex),
      linkUp: used && rng.next() < 0.85,
    };
  });
  if (platform === 'linux') {
    const first = interfaces[0]!;
    first.ipv4 = mgmtIp;
    first.prefix = 24;
    first.linkUp = true;
    first.shutdown = false;
  }
  const uptimeMinutes = rng.int(90, 700 * 24 * 60);
  const epoch = Date.UTC(2026, 10, 23, 10, 21, 33);
  const lastChange = new Date(epoch - rng.int(0, 30 * 24 * 60) * 60_000 - rng.int(0, 59) * 1000);
  return {
    name,
    platform,
    hostname: hostname ?? deriveHostname(name),
    serial,
    baseMac,
    version,
    uptimeMinutes,
    bootTime: new Date(epoch - uptimeMinutes * 60_000),
    lastChange,
    mgmtIp,
    mgmtPrefix: 24,
    gateway,
    domain: rng.pick(['corp.example.net', 'example.com', 'net.example.org', 'lab.example.net']),
    ntpServers: [`10.${a}.0.${rng.int(1, 20)}`, `10.${a}.1.${rng.int(1, 20)}`].slice(0, rng.int(1, 2)),
    loggingHost: `10.${a}.2.${rng.int(1, 50)}`,
    snmpCommunity: rng.pick(['n3tm0n', 'public-ro', 'c0rpRO', 'monitor']),
    interfaces,
    vlans,
    clockPeriod: 36028000 + rng.int(0, 2000),
    memoryKb: rng.pick([524288, 1048576, 2097152, 4194304, 8388608]),
    seedHex: seedValue.toString(16).padStart(8, '0'),
  };
}

/** "12 weeks, 3 days, 4 hours, 31 minutes" split. */
export function splitUptime(minutes: number): {
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
} {
  const weeks = Math.floor(minutes / (7 * 1440));
  const days = Math.floor((minutes % (7 * 1440)) / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  return { weeks, days, hours, minutes: minutes % 60 };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** 10:21:33 UTC Mon Nov 23 2026 */
export function iosTime(d: Date): string {
  return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} UTC ${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()}`;
}

/** 2026-11-23 10:21:33 */
export function isoTime(d: Date): string {
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** Mon Nov 23 10:21:33 2026 */
export function ctime(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}
