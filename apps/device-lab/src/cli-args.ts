import { parseArgs } from 'node:util';
import { isPlatform, PLATFORMS } from '../../../libs/common/src/platforms';
import type { Platform } from '../../../libs/common/src/platforms';

export interface LabCliOptions {
  devices: number;
  mix?: Partial<Record<Platform, number>>;
  host: string;
  basePort: number;
  controlPort: number;
  /** RESTCONF-style HTTP API port; 0 = ephemeral, null = no HTTP API. */
  httpPort: number | null;
  inventory: string;
}

export const USAGE = `Usage: npm run lab -- [options]
  --devices N            number of simulated devices (default 30)
  --mix P=W,...          platform weights, e.g. cisco_ios=3,huawei=2,linux=1 (default: all six equally)
  --host ADDR            listen address (default 127.0.0.1)
  --base-port PORT       first SSH port, device i uses PORT+i (default 0 = ephemeral ports)
  --control-port PORT    HTTP control API port (default base-port - 1; 0 = disabled)
  --http-port PORT       serve the devices' RESTCONF-style HTTP API on PORT (0 = ephemeral; default: off)
  --inventory FILE       where to write the inventory JSON (default ./.data/lab-inventory.json)
  --help`;

function intFlag(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new Error(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function parseMix(raw: string): Partial<Record<Platform, number>> {
  const mix: Partial<Record<Platform, number>> = {};
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z_]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new Error(`--mix: "${part}" is not platform=weight`);
    if (!isPlatform(m[1]))
      throw new Error(`--mix: unknown platform "${m[1]}" (expected one of ${PLATFORMS.join(', ')})`);
    mix[m[1]] = Number(m[2]);
  }
  if (!Object.values(mix).some((w) => w > 0))
    throw new Error('--mix: at least one platform needs a weight > 0');
  return mix;
}

/** Parses and validates the command line; throws errors that name the offending flag. */
export function parseLabArgs(argv: string[]): LabCliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string' },
      mix: { type: 'string' },
      host: { type: 'string' },
      'base-port': { type: 'string' },
      'control-port': { type: 'string' },
      'http-port': { type: 'string' },
      inventory: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const devices = intFlag('devices', values.devices, 30, 1, 20000);
  const basePort = intFlag('base-port', values['base-port'], 0, 0, 65535);
  if (basePort && basePort + devices - 1 > 65535)
    throw new Error(`--base-port ${basePort} + --devices ${devices} exceeds port 65535`);
  const controlPort = intFlag('control-port', values['control-port'], basePort ? basePort - 1 : 0, 0, 65535);
  if (controlPort && basePort && controlPort >= basePort && controlPort < basePort + devices)
    throw new Error(
      `--control-port ${controlPort} collides with the device ports ${basePort}-${basePort + devices - 1}`,
    );
  const httpPort =
    values['http-port'] === undefined ? null : intFlag('http-port', values['http-port'], 0, 0, 65535);
  if (httpPort && basePort && httpPort >= basePort && httpPort < basePort + devices)
    throw new Error(
      `--http-port ${httpPort} collides with the device ports ${basePort}-${basePort + devices - 1}`,
    );
  if (httpPort && httpPort === controlPort)
    throw new Error(`--http-port ${httpPort} is also the --control-port`);
  const host = values.host ?? '127.0.0.1';
  if (!host.trim()) throw new Error('--host must not be empty');
  return {
    devices,
    mix: values.mix !== undefined ? parseMix(values.mix) : undefined,
    host,
    basePort,
    controlPort,
    httpPort,
    inventory: values.inventory ?? '.data/lab-inventory.json',
  };
}
