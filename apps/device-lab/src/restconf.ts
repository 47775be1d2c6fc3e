import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Platform } from '../../../libs/common/src/platforms';
import type { SimDevice } from './device';
import { interfaceViews } from './interfaces';
import type { InterfaceView } from './interfaces';

/**
 * A RESTCONF-style read-only HTTP API in front of the lab's devices, one listener for the whole lab:
 * `GET /devices/:name/restconf/data/<resource>` with HTTP Basic auth using that device's SSH login.
 * Answers come from the same facts, interface model and running config the CLI prints, so a test
 * can compare an API step with an SSH step on the same device. Faults apply as on SSH:
 * `wrongPassword` → 401, `hang` → no answer ever, `commandLatencyMs` → delayed answer.
 *
 * JSON follows RFC 7951 where it matters to a client: 64-bit numbers (`speed`) are strings, absent
 * leaves (no description, no address) are omitted. Errors use the RESTCONF error body.
 */

/** How `show version` names the operating system. */
const OS_NAME: Record<Platform, string> = {
  cisco_ios: 'Cisco IOS',
  arista_eos: 'Arista EOS',
  huawei: 'Huawei VRP',
  hp_comware: 'H3C Comware',
  juniper_junos: 'Junos',
  linux: 'Linux',
  cisco_nxos: 'Cisco NX-OS',
  cisco_xr: 'Cisco IOS XR',
  cisco_asa: 'Cisco ASA',
  aruba_aoscx: 'ArubaOS-CX',
  dell_os10: 'Dell SmartFabric OS10',
  ruijie_os: 'Ruijie RGOS',
};

const CONTENT_TYPE = 'application/yang-data+json';

export interface RestconfServer {
  /** `http://host:port`; a device's base URL is `${url}/devices/${name}`. */
  readonly url: string;
  /** Stops listening and drops open requests (including hung ones). */
  close(): Promise<void>;
}

type Resource = (device: SimDevice) => unknown;

/** The resources under `/restconf/data/`. */
const RESOURCES: Record<string, Resource> = {
  'ietf-system:system-state': systemState,
  'ietf-interfaces:interfaces': (d) => ({
    'ietf-interfaces:interfaces': { interface: interfaceViews(d).map(restconfInterface) },
  }),
  'running-config': (d) => ({ 'running-config': d.runningConfig() }),
};

/** `2026-11-23T10:21:33Z` (YANG date-and-time). */
function dateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Platform facts from the profile `show version` renders. The lab's clock stands at the profile's
 * epoch (boot + uptime), so current − boot is exactly the uptime `show version` prints.
 */
function systemState(d: SimDevice): unknown {
  const p = d.profile;
  return {
    'ietf-system:system-state': {
      platform: { 'os-name': OS_NAME[d.platform], 'os-version': p.version.version, machine: p.version.model },
      clock: {
        'boot-datetime': dateTime(p.bootTime),
        'current-datetime': dateTime(new Date(p.bootTime.getTime() + p.uptimeMinutes * 60_000)),
      },
      // Not in ietf-system's state tree (it is config there); the lab adds it for convenience.
      hostname: d.hostname,
    },
  };
}

function interfaceType(name: string): string {
  if (/^(loopback|lo\d)/i.test(name)) return 'iana-if-type:softwareLoopback';
  if (/^vlan/i.test(name)) return 'iana-if-type:l3ipvlan';
  if (/^null/i.test(name)) return 'iana-if-type:other';
  return 'iana-if-type:ethernetCsmacd';
}

function restconfInterface(i: InterfaceView): Record<string, unknown> {
  return {
    name: i.name,
    ...(i.description !== null ? { description: i.description } : {}),
    type: interfaceType(i.name),
    enabled: i.enabled,
    'oper-status': i.up ? 'up' : 'down',
    mtu: i.mtu,
    speed: String(i.speedMbps * 1_000_000),
    ...(i.ipv4.length
      ? { ipv4: { address: i.ipv4.map((a) => ({ ip: a.ip, 'prefix-length': a.prefix })) } }
      : {}),
  };
}

function errorBody(tag: string, message: string): unknown {
  return { errors: { error: [{ 'error-type': 'protocol', 'error-tag': tag, 'error-message': message }] } };
}

/** True when the request carries the device's username and password as HTTP Basic credentials. */
function authorized(req: http.IncomingMessage, device: SimDevice): boolean {
  if (device.faults.wrongPassword) return false;
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return false;
  return (
    decoded.slice(0, colon) === device.info.username && decoded.slice(colon + 1) === device.info.password
  );
}

export function startRestconfServer(opts: {
  port: number;
  host: string;
  device: (name: string) => SimDevice | undefined;
}): Promise<RestconfServer> {
  const server = http.createServer((req, res) => {
    req.resume(); // read-only API: request bodies are ignored
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': CONTENT_TYPE, ...headers });
      res.end(JSON.stringify(body, null, 2) + '\n');
    };
    let parts: string[];
    try {
      parts = new URL(req.url ?? '/', 'http://lab').pathname
        .split('/')
        .filter(Boolean)
        .map(decodeURIComponent);
    } catch {
      return send(400, errorBody('malformed-message', 'the request path is not valid'));
    }
    if (parts[0] !== 'devices' || parts.length < 2)
      return send(404, errorBody('invalid-value', 'expected /devices/:name/restconf/data/<resource>'));
    const name = parts[1]!;
    const device = opts.device(name);
    if (!device) return send(404, errorBody('invalid-value', `no device named "${name}"`));

    const method = req.method ?? 'GET';
    device.httpLog.push(`${method} /${parts.slice(2).join('/')}`);
    if (device.faults.hang) return; // like a hung CLI: accept the request, never answer

    const answer = (): void => {
      if (!authorized(req, device))
        return send(401, errorBody('access-denied', `authentication failed for ${name}`), {
          'www-authenticate': 'Basic realm="restconf"',
        });
      if (method !== 'GET' && method !== 'HEAD')
        return send(405, errorBody('operation-not-supported', `${method} is not supported`), {
          allow: 'GET, HEAD',
        });
      const resource =
        parts.length === 5 && parts[2] === 'restconf' && parts[3] === 'data'
          ? RESOURCES[parts[4]!]
          : undefined;
      if (!resource)
        return send(
          404,
          errorBody(
            'invalid-value',
            `unknown resource /${parts.slice(2).join('/')} (expected /restconf/data/ followed by ` +
              `${Object.keys(RESOURCES).join(', ')})`,
          ),
        );
      send(200, resource(device));
    };
    const latency = device.faults.commandLatencyMs ?? 0;
    if (latency > 0) {
      const timer = setTimeout(answer, latency);
      res.once('close', () => clearTimeout(timer));
    } else answer();
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`http: cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`)),
    );
    server.listen(opts.port, opts.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
