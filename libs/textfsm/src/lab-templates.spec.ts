import * as path from 'node:path';
import { DeviceLab } from '../../../apps/device-lab/src';
import { PLATFORMS } from '../../common/src/platforms';
import type { Platform } from '../../common/src/platforms';
import { normaliseFacts, parseAndNormalise } from './facts';
import type { Row } from './facts';
import { TemplateIndex } from './index';

/**
 * Every shipped template against what the lab's devices print, and normalisation against the facts the
 * lab device really has (its generated profile).
 */
const index = TemplateIndex.load(path.resolve(__dirname, '../../../templates/textfsm'));

const FACT_COMMANDS: Record<Platform, string[]> = {
  cisco_ios: ['show version', 'show running-config'],
  arista_eos: ['show version', 'show running-config'],
  huawei: ['display version', 'display current-configuration', 'display esn'],
  hp_comware: ['display version', 'display current-configuration', 'display device manuinfo'],
  juniper_junos: ['show version', 'show system uptime', 'show chassis hardware'],
  linux: ['uname -a', 'uptime', 'hostnamectl'],
  cisco_nxos: ['show version', 'show inventory'],
  cisco_xr: ['show version', 'show running-config', 'show inventory'],
  cisco_asa: ['show version', 'show running-config'],
  aruba_aoscx: ['show system'],
  dell_os10: ['show version', 'show inventory', 'show running-configuration'],
  ruijie_os: ['show version', 'show running-config'],
};

/** Interface commands, and the interface names the raw output lists (found independently of the templates). */
const INTERFACE_COMMANDS: Record<Platform, Array<[string, (out: string) => string[]]>> = {
  cisco_ios: [
    ['show ip interface brief', (o) => lines(o).slice(1).map(first)],
    [
      'show interfaces',
      (o) =>
        lines(o)
          .filter((l) => / line protocol is /.test(l))
          .map(first),
    ],
  ],
  arista_eos: [
    ['show ip interface brief', (o) => lines(o).slice(3).map(first)],
    [
      'show interfaces',
      (o) =>
        lines(o)
          .filter((l) => / line protocol is /.test(l))
          .map(first),
    ],
  ],
  huawei: [
    ['display interface brief', (o) => after(lines(o), /^Interface\s+PHY/).map(first)],
    [
      'display interface',
      (o) =>
        lines(o)
          .filter((l) => /^\S+ current state :/.test(l))
          .map(first),
    ],
  ],
  hp_comware: [
    [
      'display interface brief',
      (o) =>
        [...after(lines(o), /^Interface\s+Link Protocol/), ...after(lines(o), /^Interface\s+Link Speed/)].map(
          first,
        ),
    ],
    ['display interface', (o) => lines(o).filter((l) => /^[^\s:]+$/.test(l))],
  ],
  juniper_junos: [
    ['show interfaces terse', (o) => lines(o).slice(1).map(first)],
    ['show interfaces', (o) => lines(o).flatMap((l) => /^Physical interface: ([^,]+)/.exec(l)?.[1] ?? [])],
  ],
  linux: [['ip -brief address', (o) => lines(o).map(first)]],
  cisco_nxos: [
    [
      'show interface brief',
      (o) =>
        lines(o)
          .filter((l) => /^(mgmt|Eth|Lo|Vlan|Po)\d/.test(l))
          .map((l) =>
            first(l)
              .replace(/^Eth/, 'Ethernet')
              .replace(/^Lo(?=\d)/, 'loopback')
              .replace(/^Po(?=\d)/, 'port-channel'),
          ),
    ],
  ],
  cisco_xr: [['show ip interface brief', (o) => lines(o).slice(2).map(first)]],
  cisco_asa: [['show interface ip brief', (o) => lines(o).slice(1).map(first)]],
  aruba_aoscx: [['show ip interface brief', (o) => lines(o).slice(2).map(first)]],
  dell_os10: [
    [
      'show ip interface brief',
      (o) =>
        lines(o)
          .slice(2)
          .map((l) => l.split(/\s{2,}/)[0]!.replace(/^(\w+) /, (_m, kind: string) => kind.toLowerCase())),
    ],
  ],
  // RGOS names carry a space (`GigabitEthernet 0/1`): the name is the first column, up to two spaces.
  ruijie_os: [
    [
      'show ip interface brief',
      (o) =>
        lines(o)
          .slice(1)
          .map((l) => l.split(/\s{2,}/)[0]!),
    ],
    [
      'show interfaces',
      (o) =>
        lines(o)
          .map((l) => / is .*, line protocol is /.test(l) && l.slice(0, l.indexOf(' is ')))
          .filter((n): n is string => !!n),
    ],
  ],
};

function lines(out: string): string[] {
  return out.split('\n').filter((l) => l.trim() !== '');
}
function first(line: string): string {
  return line.trim().split(/\s+/)[0]!;
}
/** Non-blank lines after a header, up to the next blank line (in the original text). */
function after(nonBlank: string[], header: RegExp): string[] {
  const start = nonBlank.findIndex((l) => header.test(l));
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of nonBlank.slice(start + 1)) {
    if (/^(Brief information|Link:|Speed:|Duplex:|Type:|Protocol:)/.test(l)) break;
    out.push(l);
  }
  return out;
}

describe('shipped templates on the device lab', () => {
  let lab: DeviceLab;
  beforeAll(async () => {
    // Four devices per platform: different models, versions, interface layouts.
    lab = await DeviceLab.start({
      devices: 4 * PLATFORMS.length,
      mix: Object.fromEntries(PLATFORMS.map((p) => [p, 1])),
    });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('normalises facts to what each lab device really has', () => {
    for (const device of lab.devices()) {
      const rows: Row[] = [];
      for (const command of FACT_COMMANDS[device.platform]) {
        const text = lab.expectedOutput(device.name, command);
        const result = parseAndNormalise(index, { platform: device.platform, command, text });
        if (result.status !== 'parsed')
          throw new Error(`${device.name} ${command}: ${result.reason} ${result.message}`);
        expect(result.facts).toBeDefined();
        rows.push(...result.rows);
      }
      const profile = lab.simDevice(device.name).profile;
      const facts = normaliseFacts(device.platform, rows);
      expect({ device: device.name, ...facts }).toEqual({
        device: device.name,
        hostname: device.hostname,
        vendor: expect.any(String),
        model: device.platform === 'linux' ? null : profile.version.model,
        osVersion: profile.version.version,
        serial: device.platform === 'linux' ? null : profile.serial,
        // ASA prints days and hours only.
        uptimeSeconds:
          device.platform === 'cisco_asa'
            ? Math.floor(profile.uptimeMinutes / 60) * 3600
            : profile.uptimeMinutes * 60,
      });
      expect(facts.uptimeSeconds).toBeGreaterThan(0);
    }
  });

  it('parses every interface command into one interface per interface in the output', () => {
    for (const device of lab.devices()) {
      for (const [command, expectedNames] of INTERFACE_COMMANDS[device.platform]) {
        const text = lab.expectedOutput(device.name, command);
        const result = parseAndNormalise(index, { platform: device.platform, command, text });
        if (result.status !== 'parsed')
          throw new Error(`${device.name} ${command}: ${result.reason} ${result.message}`);
        const names = expectedNames(text);
        expect(names.length).toBeGreaterThan(0);
        expect({ device: device.name, command, names: result.interfaces!.map((i) => i.name) }).toEqual({
          device: device.name,
          command,
          names,
        });
      }
    }
  });

  it('interface state, addresses, MTU, speed and description match the device', () => {
    for (const device of lab.devices()) {
      const profile = lab.simDevice(device.name).profile;
      const facts = new Map(profile.interfaces.map((i) => [i.name, i]));
      const detailed = INTERFACE_COMMANDS[device.platform].at(-1)![0];
      const result = parseAndNormalise(index, {
        platform: device.platform,
        command: detailed,
        text: lab.expectedOutput(device.name, detailed),
      });
      if (result.status !== 'parsed') throw new Error(result.message);
      for (const iface of result.interfaces!) {
        const f = facts.get(iface.name);
        if (!f) continue; // management / loopback / VLAN interfaces
        const where = `${device.name} ${iface.name}`;
        if (device.platform === 'linux') {
          // `ip -brief` shows the operational state only (the lab's Linux ignores `shutdown`).
          expect([where, iface.operStatus]).toEqual([where, f.linkUp ? 'up' : 'down']);
        } else {
          expect([where, iface.adminStatus]).toEqual([where, f.shutdown ? 'down' : 'up']);
          expect([where, iface.operStatus]).toEqual([where, !f.shutdown && f.linkUp ? 'up' : 'down']);
        }
        if (device.platform === 'cisco_xr' || device.platform === 'cisco_asa') {
          // XR's brief table prints the address without its mask.
          expect([where, iface.addresses]).toEqual([where, f.ipv4 ? [f.ipv4] : []]);
        } else if (device.platform !== 'juniper_junos' && device.platform !== 'cisco_nxos') {
          // NX-OS `show interface brief` prints addresses for mgmt0 and tunnels only.
          // Junos `show interfaces` lists physical ports; addresses live on logical units (terse output).
          const v4 = iface.addresses.filter((a) => !a.includes(':'));
          expect([where, v4]).toEqual([where, f.ipv4 ? [`${f.ipv4}/${f.prefix}`] : []]);
        }
        if (device.platform !== 'linux') {
          expect([where, iface.mtu === null || iface.mtu > 0]).toEqual([where, true]);
          // XR's brief table has no speed column.
          if (
            !['cisco_xr', 'cisco_asa', 'aruba_aoscx', 'dell_os10'].includes(device.platform) &&
            f.linkUp &&
            !f.shutdown
          )
            expect([where, iface.speedMbps]).toEqual([where, expect.any(Number)]);
        }
        if (['cisco_ios', 'arista_eos', 'huawei', 'ruijie_os'].includes(device.platform))
          expect([where, iface.description]).toEqual([where, f.description]);
      }
    }
  });

  it('flags output that no template matches, that a template rejects, or that yields nothing', () => {
    const [ios] = lab.devices().filter((d) => d.platform === 'cisco_ios');
    expect(
      parseAndNormalise(index, {
        platform: 'cisco_ios',
        command: 'show clock',
        text: lab.expectedOutput(ios!.name, 'show clock'),
      }),
    ).toMatchObject({ status: 'anomaly', reason: 'NO_TEMPLATE' });
    const rejected = parseAndNormalise(index, {
      platform: 'cisco_ios',
      command: 'show ip interface brief',
      text: lab.expectedOutput(ios!.name, 'show ip interface brief x'),
    });
    expect(rejected).toMatchObject({ status: 'anomaly', reason: 'TEMPLATE_ERROR' });
    expect(rejected.status === 'anomaly' && rejected.message).toMatch(
      /unexpected output before the table header/,
    );
    expect(
      parseAndNormalise(index, { platform: 'cisco_ios', command: 'show running-config', text: '!\nend\n' }),
    ).toMatchObject({ status: 'anomaly', reason: 'EMPTY_RESULT' });
  });
});
