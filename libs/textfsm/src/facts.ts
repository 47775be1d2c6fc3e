/**
 * Vendor-neutral facts and interfaces from TextFSM rows. Pure.
 *
 * Rows come from the templates in templates/textfsm (ntc-templates column names where ntc-templates has an
 * equivalent). Facts usually need several commands (Junos: `show version` + `show system uptime`; EOS and
 * VRP print no hostname in their version output): pass the rows of all of them to `normaliseFacts`, the
 * first non-empty value of each field wins.
 */
import type { TemplateIndex } from './index';
import { TextFsmError, TextFsmTemplateError } from './textfsm';
import type { CellValue, ParsedDict } from './textfsm';

export type Row = ParsedDict;

export interface DeviceFacts {
  hostname: string | null;
  vendor: string | null;
  model: string | null;
  osVersion: string | null;
  serial: string | null;
  uptimeSeconds: number | null;
}

/** IF-MIB ifOperStatus names. */
export type OperStatus = 'up' | 'down' | 'testing' | 'unknown' | 'dormant' | 'notPresent' | 'lowerLayerDown';

export interface Interface {
  name: string;
  adminStatus: 'up' | 'down';
  operStatus: OperStatus;
  /** CIDR (`10.0.0.1/24`) when the output carries a mask or prefix; the bare address otherwise (IOS brief). */
  addresses: string[];
  mtu: number | null;
  speedMbps: number | null;
  description: string | null;
}

// ---------------------------------------------------------------------------------------------- units

const UNIT_SECONDS: Array<[RegExp, number]> = [
  [/^(years?|yrs?|y)$/, 365 * 86400],
  [/^(months?|mo)$/, 30 * 86400],
  [/^(weeks?|wks?|w)$/, 7 * 86400],
  [/^(days?|d)$/, 86400],
  [/^(hours?|hrs?|h)$/, 3600],
  [/^(minutes?|mins?|m)$/, 60],
  [/^(seconds?|secs?|s)$/, 1],
];

/**
 * Uptime text → seconds. Understands `1 year, 2 weeks, 3 days, 4 hours, 5 minutes` (IOS, VRP, Comware,
 * EOS `... and 4 minutes`), Junos `28w1d 16:46` / `197 days, 16:46`, Linux `up 3 days,  4:05` / `up 5 min`,
 * bare `hh:mm[:ss]`, and Ruijie RGOS's `d:hh:mm:ss`. Returns null when nothing is recognised.
 */
export function parseUptime(text: string | null | undefined): number | null {
  if (!text) return null;
  let s = text.toLowerCase();
  let total = 0;
  let found = false;
  s = s.replace(/(\d+):(\d{2}):(\d{2}):(\d{2})/g, (_m, d: string, h: string, m: string, sec: string) => {
    total += Number(d) * 86400 + Number(h) * 3600 + Number(m) * 60 + Number(sec);
    found = true;
    return ' ';
  });
  s = s.replace(/(\d+):(\d{2})(?::(\d{2}))?/g, (_m, h: string, m: string, sec?: string) => {
    total += Number(h) * 3600 + Number(m) * 60 + Number(sec ?? 0);
    found = true;
    return ' ';
  });
  for (const m of s.matchAll(/(\d+)\s*([a-z]+)/g)) {
    const unit = UNIT_SECONDS.find(([re]) => re.test(m[2]!));
    if (!unit) continue;
    total += Number(m[1]) * unit[1];
    found = true;
  }
  return found ? total : null;
}

/**
 * Speed text → Mbps: `1000Mb/s`, `1Gbps`, `10G`, `1G(a)`, `a-1G`, `a-1000`, `100000Kbit`, `1000mbps`, bare
 * numbers (Mbps, as VRP prints them). `auto`, `unknown`, `Auto-speed` → null.
 */
export function parseSpeedMbps(text: string | null | undefined): number | null {
  if (!text) return null;
  const m = /(\d+(?:\.\d+)?)\s*([kmgt])?(?:b(?:ps|\/s|its?(?:\/sec)?)?)?\b/i.exec(text.replace(/^a-/i, ''));
  if (!m) return null;
  const n = Number(m[1]);
  const scale: Record<string, number> = { k: 0.001, m: 1, g: 1000, t: 1_000_000 };
  const v = n * scale[(m[2] ?? 'm').toLowerCase()]!;
  return Number.isFinite(v) && v > 0 ? Math.round(v * 1000) / 1000 : null;
}

/** 255.255.255.0 → 24; `24` / `/24` → 24; null when not a contiguous mask. */
export function maskToPrefix(mask: string | null | undefined): number | null {
  if (!mask) return null;
  const bare = mask.replace(/^\//, '');
  if (/^\d{1,2}$/.test(bare)) return Number(bare) <= 32 ? Number(bare) : null;
  const parts = bare.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  const bits = parts.map((p) => p.toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : null;
}

/** Address + optional mask/prefix → `a.b.c.d/len` (address unchanged when it already has one). */
export function toCidr(address: string, mask?: string | null): string {
  if (address.includes('/')) return address;
  const prefix = maskToPrefix(mask ?? null);
  return prefix === null ? address : `${address}/${prefix}`;
}

// ---------------------------------------------------------------------------------------------- facts

function str(v: CellValue | undefined): string | null {
  if (v === undefined) return null;
  if (Array.isArray(v)) {
    const first = v[0];
    if (first === undefined) return null;
    return typeof first === 'string' ? first || null : null;
  }
  return v.trim() || null;
}

function pick(rows: Row[], columns: string[]): string | null {
  for (const col of columns)
    for (const r of rows) {
      const v = str(r[col]);
      if (v) return v;
    }
  return null;
}

const FACT_COLUMNS: Record<
  string,
  { vendor: string; vendorColumns?: string[]; model: string[]; osVersion: string[]; serial: string[] }
> = {
  cisco_ios: { vendor: 'Cisco', model: ['HARDWARE', 'MODEL'], osVersion: ['VERSION'], serial: ['SERIAL'] },
  arista_eos: {
    vendor: 'Arista',
    model: ['MODEL'],
    osVersion: ['IMAGE', 'VERSION'],
    serial: ['SERIAL_NUMBER', 'SERIAL'],
  },
  huawei: {
    vendor: 'Huawei',
    model: ['MODEL', 'DEVICE_NAME'],
    osVersion: ['PRODUCT_VERSION', 'VRP_VERSION'],
    serial: ['ESN', 'SERIAL', 'DEVICE_SERIAL_NUMBER'],
  },
  hp_comware: {
    vendor: 'HPE',
    vendorColumns: ['VENDOR', 'VENDOR_NAME'],
    model: ['MODEL', 'DEVICE_NAME'],
    osVersion: ['RELEASE', 'SOFTWARE_VERSION'],
    serial: ['DEVICE_SERIAL_NUMBER', 'SERIAL'],
  },
  juniper_junos: {
    vendor: 'Juniper',
    model: ['MODEL'],
    osVersion: ['JUNOS_VERSION', 'VERSION'],
    serial: ['CHASSIS_SERIAL', 'SERIAL'],
  },
  cisco_nxos: { vendor: 'Cisco', model: ['PID', 'PLATFORM'], osVersion: ['OS'], serial: ['SERIAL', 'SN'] },
  cisco_xr: { vendor: 'Cisco', model: ['PID', 'HARDWARE'], osVersion: ['VERSION'], serial: ['SN'] },
  aruba_aoscx: {
    vendor: 'Aruba',
    vendorColumns: ['VENDOR'],
    model: ['MODEL'],
    osVersion: ['VERSION'],
    serial: ['SERIAL'],
  },
  dell_os10: { vendor: 'Dell', model: ['MODEL'], osVersion: ['VERSION'], serial: ['SERIAL'] },
  ruijie_os: { vendor: 'Ruijie', model: ['MODEL'], osVersion: ['VERSION'], serial: ['SERIAL'] },
  cisco_asa: { vendor: 'Cisco', model: ['MODEL', 'HARDWARE'], osVersion: ['VERSION'], serial: ['SERIAL'] },
  linux: {
    vendor: 'Linux',
    vendorColumns: ['OS_NAME'],
    model: ['HARDWARE_MODEL'],
    osVersion: ['KERNEL_RELEASE', 'RELEASE'],
    serial: ['SERIAL'],
  },
};

/** Facts from the rows of one or more commands of one device (first non-empty value per field wins). */
export function normaliseFacts(platform: string, rows: Row[]): DeviceFacts {
  const cols = FACT_COLUMNS[platform] ?? {
    vendor: platform,
    model: ['MODEL', 'HARDWARE'],
    osVersion: ['VERSION', 'OS_VERSION'],
    serial: ['SERIAL', 'SERIAL_NUMBER'],
  };
  const uptimeText = pick(rows, ['UPTIME']);
  return {
    hostname: pick(rows, ['HOSTNAME']),
    vendor: pick(rows, cols.vendorColumns ?? []) ?? cols.vendor,
    model: pick(rows, cols.model),
    osVersion: pick(rows, cols.osVersion),
    serial: pick(rows, cols.serial),
    uptimeSeconds: parseUptime(uptimeText),
  };
}

// ---------------------------------------------------------------------------------------------- interfaces

function num(v: CellValue | undefined): number | null {
  const s = str(v);
  if (!s) return null;
  const n = Number(s.replace(/[^\d.]/g, ''));
  return s && Number.isFinite(n) && /\d/.test(s) ? n : null;
}

function listOf(v: CellValue | undefined): string[] {
  if (v === undefined || v === '') return [];
  if (typeof v === 'string') return [v];
  return v.map((x) => (typeof x === 'string' ? x : Object.values(x).join(' '))).filter(Boolean);
}

function oper(text: string | null): OperStatus {
  const t = (text ?? '')
    .toLowerCase()
    .replace(/\(.*\)/, '')
    .trim();
  if (/^(\*?)up|^enabled$/.test(t)) return 'up';
  if (/dormant/.test(t)) return 'dormant';
  if (/lowerlayerdown/.test(t)) return 'lowerLayerDown';
  if (/notpresent/.test(t)) return 'notPresent';
  if (/testing/.test(t)) return 'testing';
  if (/down|disabled|adm/.test(t)) return 'down';
  return 'unknown';
}

function adminDown(...texts: Array<string | null>): boolean {
  return texts.some((t) => t !== null && /admin|^\*down$|^adm$|^disabled$/i.test(t.trim()));
}

function addressesOf(r: Row): string[] {
  const addresses = listOf(r.IP_ADDRESS ?? r.LOCAL ?? r.ADDRESSES);
  const prefixes = listOf(r.PREFIX_LENGTH ?? r.MASK ?? r.IP_MASK);
  return addresses
    .filter((a) => /^[\d.]+(\/\d+)?$|:/.test(a) && !/^unassigned$/i.test(a))
    .map((a, i) => toCidr(a, prefixes[i] ?? prefixes[0] ?? null));
}

function description(r: Row): string | null {
  const d = str(r.DESCRIPTION);
  return d ?? null;
}

type RowMapper = (r: Row) => Omit<Interface, 'name'>;

const INTERFACE_MAPPERS: Record<string, RowMapper> = {
  cisco_ios: (r) => {
    const admin = str(r.LINK_STATUS) ?? str(r.STATUS);
    return {
      adminStatus: adminDown(admin) ? 'down' : 'up',
      operStatus: oper(str(r.PROTOCOL_STATUS) ?? str(r.PROTO) ?? admin),
      addresses: addressesOf(r),
      mtu: num(r.MTU),
      speedMbps: parseSpeedMbps(str(r.SPEED)),
      description: description(r),
    };
  },
  huawei: (r) => {
    const phy = str(r.PHY) ?? str(r.LINK_STATUS);
    return {
      adminStatus: adminDown(phy) ? 'down' : 'up',
      operStatus: oper(str(r.PROTOCOL) ?? str(r.PROTOCOL_STATUS) ?? phy),
      addresses: addressesOf(r),
      mtu: num(r.MTU),
      speedMbps: parseSpeedMbps(str(r.SPEED)),
      description: description(r),
    };
  },
  hp_comware: (r) => {
    const link = str(r.LINK) ?? str(r.LINK_STATUS);
    return {
      adminStatus: adminDown(link) ? 'down' : 'up',
      operStatus: oper(str(r.PROTOCOL) ?? str(r.PROTOCOL_STATUS) ?? link),
      addresses: addressesOf(r),
      mtu: num(r.MTU),
      speedMbps: parseSpeedMbps(str(r.SPEED)),
      description: description(r),
    };
  },
  juniper_junos: (r) => {
    const admin = str(r.ADMIN_STATE) ?? str(r.ADMIN);
    return {
      adminStatus: admin !== null && /down|disabled/i.test(admin) ? 'down' : 'up',
      operStatus: oper(str(r.LINK_STATE) ?? str(r.LINK_STATUS) ?? str(r.LINK)),
      addresses: addressesOf(r),
      mtu: num(r.MTU),
      speedMbps: parseSpeedMbps(str(r.SPEED)),
      description: description(r),
    };
  },
  linux: (r) => {
    const state = (str(r.STATE) ?? 'UNKNOWN').toUpperCase();
    const map: Record<string, OperStatus> = {
      UP: 'up',
      DOWN: 'down',
      DORMANT: 'dormant',
      LOWERLAYERDOWN: 'lowerLayerDown',
      NOTPRESENT: 'notPresent',
      TESTING: 'testing',
    };
    return {
      // `ip -brief` prints the operational state only; DOWN is taken as administratively down too.
      adminStatus: state === 'DOWN' ? 'down' : 'up',
      operStatus: map[state] ?? 'unknown',
      addresses: addressesOf(r),
      mtu: num(r.MTU),
      speedMbps: parseSpeedMbps(str(r.SPEED)),
      description: description(r),
    };
  },
};
INTERFACE_MAPPERS.arista_eos = INTERFACE_MAPPERS.cisco_ios!;
INTERFACE_MAPPERS.cisco_asa = INTERFACE_MAPPERS.cisco_ios!;
/** RGOS `show ip interface brief`: IOS's Status/Protocol columns (names keep their space). */
INTERFACE_MAPPERS.ruijie_os = INTERFACE_MAPPERS.cisco_ios!;
/** AOS-CX `show ip interface brief`: `link/admin` state, addresses with their prefix. */
INTERFACE_MAPPERS.aruba_aoscx = (r) => ({
  adminStatus: str(r.ADMIN_STATUS) === 'down' ? 'down' : 'up',
  operStatus: oper(str(r.LINK_STATUS)),
  addresses: addressesOf(r),
  mtu: null,
  speedMbps: null,
  description: null,
});
/** NX-OS `show interface brief`: a Reason column says why a port is down; IPs only on mgmt0/tunnels. */
INTERFACE_MAPPERS.cisco_nxos = (r) => {
  const reason = str(r.REASON);
  const ip = str(r.IP);
  const mtu = num(r.MTU);
  const desc = str(r.DESCRIPTION);
  return {
    adminStatus: reason !== null && /admin/i.test(reason) ? 'down' : 'up',
    operStatus: oper(str(r.STATUS)),
    addresses: ip && ip !== '--' ? [ip] : [],
    mtu,
    speedMbps: parseSpeedMbps(str(r.SPEED)),
    description: desc && desc !== '--' ? desc : null,
  };
};
/** IOS XR `show ip interface brief`: Status is Up, Down or Shutdown (administratively down). */
INTERFACE_MAPPERS.cisco_xr = (r) => {
  const status = str(r.STATUS);
  return {
    adminStatus: status === 'Shutdown' ? 'down' : 'up',
    operStatus: oper(str(r.PROTO) ?? status),
    addresses: addressesOf(r),
    mtu: null,
    speedMbps: null,
    description: null,
  };
};

/** OS10 `show ip interface brief`: Status is up/down/admin down, names `Ethernet 1/1/1`. */
INTERFACE_MAPPERS.dell_os10 = (r) => {
  const status = str(r.STATUS);
  return {
    adminStatus: status !== null && /admin/i.test(status) ? 'down' : 'up',
    operStatus: oper(str(r.PROTOCOL)),
    addresses: addressesOf(r),
    mtu: null,
    speedMbps: null,
    description: null,
  };
};

/** Abbreviated names some tables print, expanded to the configuration's names (NX-OS `Eth1/1`). */
const NAME_EXPANSIONS: Record<string, Array<[RegExp, (match: string, ...groups: string[]) => string]>> = {
  dell_os10: [
    [/^(Ethernet|Mgmt|Vlan|Loopback|Port-channel) (\S+)$/, (_m, kind, id) => kind!.toLowerCase() + id],
  ],
  cisco_nxos: [
    [/^Eth(?=\d)/, () => 'Ethernet'],
    [/^Lo(?=\d)/, () => 'loopback'],
    [/^Po(?=\d)/, () => 'port-channel'],
  ],
};

/** One Interface per row that names an interface. */
export function normaliseInterfaces(platform: string, rows: Row[]): Interface[] {
  const mapper = INTERFACE_MAPPERS[platform] ?? INTERFACE_MAPPERS.cisco_ios!;
  const out: Interface[] = [];
  for (const r of rows) {
    const raw = str(r.INTERFACE);
    if (!raw) continue;
    const name = (NAME_EXPANSIONS[platform] ?? []).reduce((n, [re, to]) => n.replace(re, to), raw);
    out.push({ name, ...mapper(r) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- pipeline

export type AnomalyReason = 'NO_TEMPLATE' | 'TEMPLATE_ERROR' | 'EMPTY_RESULT';

export type NormalisedOutput =
  | {
      status: 'parsed';
      template: string;
      rows: Row[];
      facts?: DeviceFacts;
      interfaces?: Interface[];
    }
  | { status: 'anomaly'; reason: AnomalyReason; message: string; template?: string };

/**
 * Parses one command's output and normalises it: rows with an INTERFACE column become `interfaces`, any
 * other rows `facts` (partial when the command carries only some of them). Output that no template
 * matches, that a template rejects (Error action, or a broken template) or that yields no rows is returned
 * as an anomaly with its reason, never dropped.
 */
export function parseAndNormalise(
  index: TemplateIndex,
  input: { platform: string; command: string; text: string; hostname?: string },
): NormalisedOutput {
  const templates = index.find(input);
  if (!templates.length)
    return {
      status: 'anomaly',
      reason: 'NO_TEMPLATE',
      message: `no template for platform ${input.platform}, command ${JSON.stringify(input.command)}`,
    };
  let parsed;
  try {
    parsed = index.parse(input);
  } catch (err) {
    if (err instanceof TextFsmError || err instanceof TextFsmTemplateError)
      return {
        status: 'anomaly',
        reason: 'TEMPLATE_ERROR',
        message: err.message,
        template: templates.join(':'),
      };
    throw err;
  }
  if (!parsed.rows.length)
    return {
      status: 'anomaly',
      reason: 'EMPTY_RESULT',
      message: `template ${parsed.template} produced no rows for ${JSON.stringify(input.command)}`,
      template: parsed.template,
    };
  const result: NormalisedOutput = { status: 'parsed', template: parsed.template, rows: parsed.rows };
  if (parsed.header.includes('INTERFACE'))
    result.interfaces = normaliseInterfaces(input.platform, parsed.rows);
  else result.facts = normaliseFacts(input.platform, parsed.rows);
  return result;
}
