/**
 * Network filters available in every config template. IPv4 only; each throws on bad input, and
 * the renderer reports that as a render error at the filter's line and column.
 *
 * | filter           | input                                        | output            |
 * |------------------|----------------------------------------------|-------------------|
 * | `ip_address`     | `"10.1.2.3/24"`                              | `"10.1.2.3"`      |
 * | `ip_network`     | `"10.1.2.3/24"`                              | `"10.1.2.0/24"`   |
 * | `network_address`| `"10.1.2.3/24"`                              | `"10.1.2.0"`      |
 * | `prefix_length`  | `"10.1.2.3/24"` or `"255.255.255.0"`         | `24`              |
 * | `netmask`        | `24` or `"24"` or `"/24"`                    | `"255.255.255.0"` |
 * | `cidr_to_mask`   | `"10.1.2.3/24"`                              | `"255.255.255.0"` |
 * | `wildcard`       | `24`, `"/24"`, `"255.255.255.0"` or a CIDR   | `"0.0.0.255"`     |
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string, filter: string): number {
  const m = IPV4.exec(text);
  let value = 0;
  for (let i = 1; m && i <= 4; i++) {
    const octet = m[i];
    if (Number(octet) > 255 || (octet.length > 1 && octet[0] === '0')) break;
    value = value * 256 + Number(octet);
    if (i === 4) return value;
  }
  throw new Error(`${filter}: "${text}" is not an IPv4 address`);
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function parsePrefixLength(value: unknown, filter: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const digits = text.startsWith('/') ? text.slice(1) : text;
  if (!/^\d{1,2}$/.test(digits) || Number(digits) > 32) {
    throw new Error(`${filter}: ${JSON.stringify(value)} is not a prefix length (0-32)`);
  }
  return Number(digits);
}

function parseCidr(value: unknown, filter: string): { address: number; prefix: number } {
  if (typeof value !== 'string' || !value.includes('/')) {
    throw new Error(`${filter}: ${JSON.stringify(value)} is not an IPv4 prefix like 10.0.0.1/24`);
  }
  const [address, prefix] = value.trim().split('/', 2);
  return { address: parseIpv4(address, filter), prefix: parsePrefixLength(prefix, filter) };
}

/** A dotted mask to its prefix length; throws if the mask's ones are not contiguous. */
function maskToPrefix(text: string, filter: string): number {
  const mask = parseIpv4(text, filter);
  const prefix = 32 - Math.log2((~mask >>> 0) + 1);
  if (!Number.isInteger(prefix)) throw new Error(`${filter}: "${text}" is not a contiguous netmask`);
  return prefix;
}

function anyPrefix(value: unknown, filter: string): number {
  if (typeof value === 'string' && value.includes('/') && !value.trim().startsWith('/')) {
    return parseCidr(value, filter).prefix;
  }
  if (typeof value === 'string' && value.includes('.')) return maskToPrefix(value.trim(), filter);
  return parsePrefixLength(value, filter);
}

export const NETWORK_FILTERS = {
  ip_address(value: unknown): string {
    return formatIpv4(parseCidr(value, 'ip_address').address);
  },
  ip_network(value: unknown): string {
    const { address, prefix } = parseCidr(value, 'ip_network');
    return `${formatIpv4((address & maskOf(prefix)) >>> 0)}/${prefix}`;
  },
  network_address(value: unknown): string {
    const { address, prefix } = parseCidr(value, 'network_address');
    return formatIpv4((address & maskOf(prefix)) >>> 0);
  },
  prefix_length(value: unknown): number {
    return anyPrefix(value, 'prefix_length');
  },
  netmask(value: unknown): string {
    return formatIpv4(maskOf(parsePrefixLength(value, 'netmask')));
  },
  cidr_to_mask(value: unknown): string {
    return formatIpv4(maskOf(parseCidr(value, 'cidr_to_mask').prefix));
  },
  wildcard(value: unknown): string {
    return formatIpv4(~maskOf(anyPrefix(value, 'wildcard')) >>> 0);
  },
} as const satisfies Record<string, (value: unknown) => unknown>;

export type NetworkFilterName = keyof typeof NETWORK_FILTERS;
