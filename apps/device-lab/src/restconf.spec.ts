import type { Platform } from '../../../libs/common/src/platforms';
import { httpRequest } from '../../../libs/http/src';
import { interfaceViews } from './interfaces';
import { DEFAULT_MIX_PLATFORMS, DeviceLab } from './lab';
import { LabShellClient, waitUntil } from './testing';
import type { LabDeviceInfo } from './types';

/** The lab's RESTCONF-style API on loopback, compared with what the same devices print over SSH. */

const STATE = '/restconf/data/ietf-system:system-state';
const INTERFACES = '/restconf/data/ietf-interfaces:interfaces';
const RUNNING = '/restconf/data/running-config';

const VERSION_COMMAND: Record<Platform, string> = {
  cisco_ios: 'show version',
  arista_eos: 'show version',
  huawei: 'display version',
  hp_comware: 'display version',
  juniper_junos: 'show version',
  linux: 'uname -a',
  cisco_nxos: 'show version',
  cisco_xr: 'show version',
  cisco_asa: 'show version',
  aruba_aoscx: 'show system',
  dell_os10: 'show version',
  ruijie_os: 'show version',
};

interface SystemState {
  platform: { 'os-name': string; 'os-version': string; machine: string };
  clock: { 'boot-datetime': string; 'current-datetime': string };
  hostname: string;
}
interface RestconfInterface {
  name: string;
  description?: string;
  type: string;
  enabled: boolean;
  'oper-status': 'up' | 'down';
  mtu: number;
  speed: string;
  ipv4?: { address: Array<{ ip: string; 'prefix-length': number }> };
}
interface ErrorBody {
  errors: { error: Array<{ 'error-tag': string; 'error-message': string }> };
}

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function get(d: LabDeviceInfo, path: string, password: string | null = d.password, init: RequestInit = {}) {
  const headers: Record<string, string> =
    password === null ? {} : { authorization: basic(d.username, password) };
  return fetch(`${d.httpUrl}${path}`, { ...init, headers });
}

async function json<T>(response: Response): Promise<T> {
  expect(response.headers.get('content-type')).toBe('application/yang-data+json');
  return (await response.json()) as T;
}

/** Minutes of uptime as the CLI prints them. */
function cliUptimeMinutes(lab: DeviceLab, d: LabDeviceInfo): number {
  if (d.platform === 'juniper_junos') {
    const out = lab.expectedOutput(d.name, 'show system uptime');
    const at = (label: string) =>
      Date.parse(new RegExp(`${label}: (\\S+) (\\S+) UTC`).exec(out)!.slice(1).join('T') + 'Z');
    return (at('Current time') - at('System booted')) / 60_000;
  }
  if (d.platform === 'linux') {
    const [, days, hours, minutes] = /up (\d+) days,\s*(\d+):(\d+)/.exec(
      lab.expectedOutput(d.name, 'uptime'),
    )!;
    return Number(days) * 1440 + Number(hours) * 60 + Number(minutes);
  }
  const line = lab
    .expectedOutput(d.name, VERSION_COMMAND[d.platform])
    .split('\n')
    .find((l) => /uptime is|Uptime:/i.test(l))!;
  const factor: Record<string, number> = { week: 7 * 1440, day: 1440, hour: 60, minute: 1 };
  let total = 0;
  for (const m of line.matchAll(/(\d+) (week|day|hour|minute)s?/g)) total += Number(m[1]) * factor[m[2]!]!;
  return total;
}

describe('DeviceLab RESTCONF API', () => {
  let lab: DeviceLab;
  const first = (platform: Platform): LabDeviceInfo => lab.devices().find((d) => d.platform === platform)!;

  beforeAll(async () => {
    lab = await DeviceLab.start({ devices: 12, http: { port: 0 } });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('serves all devices on one ephemeral port, each under its own base URL', async () => {
    expect(lab.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const d of lab.devices()) expect(d.httpUrl).toBe(`${lab.httpUrl}/devices/${d.name}`);
    const plain = await DeviceLab.start({ devices: 1 });
    try {
      expect(plain.httpUrl).toBeNull();
      expect(plain.devices()[0]!.httpUrl).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });

  it("requires the device's own Basic credentials; the wrongPassword fault refuses them", async () => {
    const d = first('cisco_ios');
    const anonymous = await get(d, STATE, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="restconf"');
    expect((await json<ErrorBody>(anonymous)).errors.error[0]!['error-tag']).toBe('access-denied');
    expect((await get(d, STATE, 'wrong')).status).toBe(401);
    expect((await get(d, STATE)).status).toBe(200);
    lab.setFaults(d.name, { wrongPassword: true });
    try {
      expect((await get(d, STATE)).status).toBe(401);
    } finally {
      lab.clearFaults(d.name);
    }
    expect((await get(d, STATE)).status).toBe(200);
  });

  // The lab above has the default mix; NX-OS and IOS XR are covered over SSH in lab.spec.ts.
  describe.each(DEFAULT_MIX_PLATFORMS.map((p) => [p]))('%s', (platform) => {
    it('reports the facts `show version` prints', async () => {
      const d = first(platform);
      const state = (await json<{ 'ietf-system:system-state': SystemState }>(await get(d, STATE)))[
        'ietf-system:system-state'
      ];
      const version = lab.expectedOutput(d.name, VERSION_COMMAND[platform]);
      expect(version).toContain(state.platform['os-version']);
      if (platform === 'linux')
        expect(version.startsWith(`${state.platform['os-name']} ${d.hostname} `)).toBe(true);
      else expect(version).toContain(state.platform.machine);
      expect(state.hostname).toBe(d.hostname);
      if (platform === 'cisco_ios') expect(version).toContain(`${state.hostname} uptime is`);
      if (platform === 'juniper_junos') expect(version).toContain(`Hostname: ${state.hostname}`);
      const uptime =
        (Date.parse(state.clock['current-datetime']) - Date.parse(state.clock['boot-datetime'])) / 60_000;
      expect(uptime).toBe(cliUptimeMinutes(lab, d));
      expect(state.clock['boot-datetime']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it('lists the interfaces the CLI shows', async () => {
      const d = first(platform);
      const list = (
        await json<{ 'ietf-interfaces:interfaces': { interface: RestconfInterface[] } }>(
          await get(d, INTERFACES),
        )
      )['ietf-interfaces:interfaces'].interface;
      expect(list.length).toBeGreaterThan(0);
      for (const i of list) expect(Number(i.speed)).toBeGreaterThan(0);
      const summary = list.map((i) => ({
        name: i.name,
        enabled: i.enabled,
        up: i['oper-status'] === 'up',
        ipv4: (i.ipv4?.address ?? []).map((a) => `${a.ip}/${a['prefix-length']}`),
      }));
      expect(summary).toEqual(cliInterfaces(lab, d));
    });
  });

  it('matches `show interfaces` field by field on IOS (descriptions, MTU, speed)', async () => {
    const d = first('cisco_ios');
    const list = (
      await json<{ 'ietf-interfaces:interfaces': { interface: RestconfInterface[] } }>(
        await get(d, INTERFACES),
      )
    )['ietf-interfaces:interfaces'].interface;
    const blocks = lab.expectedOutput(d.name, 'show interfaces').split(/\n(?=\S)/);
    expect(list).toHaveLength(blocks.length);
    list.forEach((i, n) => {
      const block = blocks[n]!;
      expect(block.startsWith(`${i.name} is `)).toBe(true);
      expect(/Description: (.*)/.exec(block)?.[1]).toBe(i.description);
      expect(block).toContain(`MTU ${i.mtu} bytes, BW ${Number(i.speed) / 1000} Kbit/sec`);
    });
    expect(list.find((i) => i.name === 'Vlan1')!.type).toBe('iana-if-type:l3ipvlan');
  });

  it('serves the live running config, including a change made over SSH', async () => {
    const d = lab.devices().filter((x) => x.platform === 'cisco_ios')[1]!;
    const before = (await json<{ 'running-config': string }>(await get(d, RUNNING)))['running-config'];
    expect(before).toBe(lab.runningConfig(d.name));
    expect(before).not.toContain('Loopback88');

    const s = await LabShellClient.connect(d);
    try {
      await s.waitFor((b) => b.endsWith(`${d.hostname}>`));
      await s.command('enable', (b) => b.endsWith('Password: '));
      await s.command(d.enableSecret, (b) => b.endsWith(`${d.hostname}#`));
      for (const line of [
        'configure terminal',
        'interface Loopback88',
        'description restconf-spec',
        'ip address 10.88.88.1 255.255.255.255',
        'end',
      ])
        await s.command(line, (b) => /[>#]$/.test(b));
    } finally {
      s.end();
    }
    await waitUntil('the SSH session to close', () => lab.openSessions(d.name) === 0);

    const after = (await json<{ 'running-config': string }>(await get(d, RUNNING)))['running-config'];
    expect(after).toBe(lab.runningConfig(d.name));
    expect(after).toContain(
      'interface Loopback88\n description restconf-spec\n ip address 10.88.88.1 255.255.255.255',
    );
    const list = (
      await json<{ 'ietf-interfaces:interfaces': { interface: RestconfInterface[] } }>(
        await get(d, INTERFACES),
      )
    )['ietf-interfaces:interfaces'].interface;
    expect(list.find((i) => i.name === 'Loopback88')).toMatchObject({
      description: 'restconf-spec',
      type: 'iana-if-type:softwareLoopback',
      enabled: true,
      ipv4: { address: [{ ip: '10.88.88.1', 'prefix-length': 32 }] },
    });
  });

  it('answers unknown devices, resources and paths with 404 and a RESTCONF error body', async () => {
    const d = first('huawei');
    const cases: Array<[string, RegExp]> = [
      [`${lab.httpUrl}/devices/no-such-device${STATE}`, /no device named "no-such-device"/],
      [`${d.httpUrl}/restconf/data/ietf-system:nope`, /unknown resource \/restconf\/data\/ietf-system:nope/],
      [`${d.httpUrl}/restconf`, /unknown resource/],
      [`${lab.httpUrl}/restconf/data/running-config`, /expected \/devices\/:name/],
    ];
    for (const [url, message] of cases) {
      const response = await fetch(url, { headers: { authorization: basic(d.username, d.password) } });
      expect(response.status).toBe(404);
      const body = await json<ErrorBody>(response);
      expect(body.errors.error[0]!['error-tag']).toBe('invalid-value');
      expect(body.errors.error[0]!['error-message']).toMatch(message);
    }
    const patch = await get(d, RUNNING, d.password, { method: 'PATCH', body: '{}' });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, HEAD');
  });

  it('counts the requests each device receives, whatever their outcome', async () => {
    const [a, b] = lab.devices().filter((x) => x.platform === 'arista_eos') as [LabDeviceInfo, LabDeviceInfo];
    const beforeA = lab.httpLog(a.name).length;
    const beforeB = lab.httpLog(b.name).length;
    await get(a, STATE);
    await get(a, STATE, 'wrong');
    await get(a, '/restconf/data/nope');
    await get(a, INTERFACES, a.password, { method: 'HEAD' });
    expect(lab.httpLog(a.name).slice(beforeA)).toEqual([
      `GET ${STATE}`,
      `GET ${STATE}`,
      'GET /restconf/data/nope',
      `HEAD ${INTERFACES}`,
    ]);
    expect(lab.httpLog(b.name)).toHaveLength(beforeB);
    expect(lab.commandLog(a.name)).toEqual([]);
  });

  it('delays answers by commandLatencyMs and never answers with the hang fault', async () => {
    const d = first('hp_comware');
    lab.setFaults(d.name, { commandLatencyMs: 300 });
    try {
      const started = Date.now();
      expect((await get(d, STATE)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      lab.setFaults(d.name, { hang: true });
      const count = lab.httpLog(d.name).length;
      await expect(get(d, STATE, d.password, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
      expect(lab.httpLog(d.name)).toHaveLength(count + 1);
    } finally {
      lab.clearFaults(d.name);
    }
  });

  it('stops promptly with a hung request open', async () => {
    const small = await DeviceLab.start({ devices: 1, http: {} });
    const [d] = small.devices() as [LabDeviceInfo];
    small.setFaults(d.name, { hang: true });
    const pending = get(d, STATE).then(
      () => 'answered',
      () => 'dropped',
    );
    await waitUntil('the request to arrive', () => small.httpLog(d.name).length === 1);
    const started = Date.now();
    await small.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('dropped');
  });

  it('works as a task step target: httpRequest with basic auth and a wildcard extract', async () => {
    const d = first('juniper_junos');
    const r = await httpRequest({
      method: 'GET',
      url: `${d.httpUrl}${INTERFACES}`,
      auth: { basic: { username: d.username, password: d.password } },
      extract: { names: 'ietf-interfaces:interfaces.interface[*].name', os: 'nope' },
      timeoutMs: 5000,
    }).catch((err: unknown) => err);
    expect(r).toMatchObject({ kind: 'HTTP_EXTRACT' });
    const ok = await httpRequest({
      method: 'GET',
      url: `${d.httpUrl}${INTERFACES}`,
      auth: { basic: { username: d.username, password: d.password } },
      extract: { names: 'ietf-interfaces:interfaces.interface[*].name' },
      timeoutMs: 5000,
    });
    expect(ok.extracted.names).toEqual(interfaceViews(lab.simDevice(d.name)).map((i) => i.name));
  });
});

interface CliInterface {
  name: string;
  enabled: boolean;
  up: boolean;
  ipv4: string[];
}

/** Interfaces parsed from the platform's own CLI listing. */
function cliInterfaces(lab: DeviceLab, d: LabDeviceInfo): CliInterface[] {
  switch (d.platform) {
    case 'cisco_ios':
    case 'arista_eos':
      return lab
        .expectedOutput(d.name, 'show interfaces')
        .split(/\n(?=\S)/)
        .map((block) => {
          const [, name, state, proto] = /^(\S+) is (.+?), line protocol is (\w+)/.exec(block)!;
          const ip = /Internet address is (\S+)/.exec(block)?.[1];
          return {
            name: name!,
            enabled: state !== 'administratively down',
            up: proto === 'up',
            ipv4: ip ? [ip] : [],
          };
        });
    case 'huawei':
    case 'hp_comware': {
      const out = lab.expectedOutput(d.name, 'display interface');
      const blocks =
        d.platform === 'huawei'
          ? out.split(/\n(?=\S+ current state)/)
          : out.split(/\n\n(?=\S)/).filter(Boolean);
      return blocks.map((block) => {
        const name = block.split(/[\s]/)[0]!;
        const state = /[Cc]urrent state\s*:\s*(.+)/.exec(block)![1]!.replace(/ \(ifindex.*$/, '');
        const proto = /Line protocol (?:current )?state\s*:\s*(\w+)/.exec(block)![1]!;
        const ip = /Internet [Aa]ddress(?: is|:) (\S+)/.exec(block)?.[1];
        return { name, enabled: state !== 'Administratively DOWN', up: proto === 'UP', ipv4: ip ? [ip] : [] };
      });
    }
    case 'juniper_junos': {
      const out: CliInterface[] = [];
      for (const row of lab.expectedOutput(d.name, 'show interfaces terse').split('\n').slice(1)) {
        const [name, admin, link, , local] = row.split(/\s+/);
        if (!name!.includes('.'))
          out.push({ name: name!, enabled: admin === 'up', up: link === 'up', ipv4: [] });
        else if (local) out.at(-1)!.ipv4.push(local);
      }
      return out;
    }
    case 'linux':
      return lab
        .expectedOutput(d.name, 'ip -brief address')
        .split('\n')
        .filter((row) => !row.startsWith('lo '))
        .map((row) => {
          const [name, state, ip] = row.trim().split(/\s+/);
          // `ip` shows no admin state: the profile's shut-down ports are the ones that are down and unused.
          return {
            name: name!,
            enabled: !lab.simDevice(d.name).profile.interfaces.find((i) => i.name === name)!.shutdown,
            up: state === 'UP',
            ipv4: ip ? [ip] : [],
          };
        });
    default:
      // The suite runs the default mix; NX-OS and IOS XR views are checked in lab.spec.ts.
      throw new Error(`no CLI interface listing for ${d.platform} in this test`);
  }
}
