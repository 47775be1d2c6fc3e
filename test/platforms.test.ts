import { normaliseConfig } from '../libs/configs/src';
import type { Platform } from '../libs/common/src/platforms';
import { perPlatform, THREE_COMMANDS } from './factories/commands';
import {
  normalise,
  runDevices,
  startCollection,
  startStack,
  waitForRunEnd,
  RUN_FIELDS,
  type RunView,
  type Stack,
} from './support/harness';

/**
 * The platforms added after the first six, through the real API → Temporal → worker → lab: collect,
 * back up, change with verification, and roll back a change the device refuses.
 */
const NEW_PLATFORMS: Platform[] = [
  'cisco_nxos',
  'cisco_xr',
  'cisco_asa',
  'aruba_aoscx',
  'dell_os10',
  'ruijie_os',
];

const INTENT: Partial<Record<Platform, string>> = {
  cisco_nxos: ['ntp server 10.55.0.1 use-vrf management', 'vlan 555', '  name sb-change'].join('\n'),
  cisco_xr: ['ntp', ' server 10.55.0.1', 'interface Loopback555', ' description sb-change'].join('\n'),
  cisco_asa: ['ntp server 10.55.0.1', 'object network sb-change', ' host 10.55.0.2'].join('\n'),
  aruba_aoscx: ['ntp server 10.55.0.1', 'vlan 555', '    name sb-change'].join('\n'),
  dell_os10: ['ntp server 10.55.0.1', 'interface vlan555', ' description sb-change'].join('\n'),
  // RGOS interface names carry a space.
  ruijie_os: ['ntp server 10.55.0.1', 'interface VLAN 555', ' description sb-change'].join('\n'),
};
/** Six good lines with a refused seventh (NX-OS and XR both reject `bogus-command`). */
const REFUSED: Partial<Record<Platform, string>> = {
  cisco_nxos: [
    ...[1, 2, 3, 4, 5, 6].map((i) => `ntp server 10.66.0.${i} use-vrf management`),
    'bogus-command 7',
  ].join('\n'),
  cisco_xr: ['interface Loopback661', ' description sb-refused', 'bogus-command 7'].join('\n'),
  cisco_asa: [...[1, 2, 3, 4, 5, 6].map((i) => `ntp server 10.66.0.${i}`), 'bogus-command 7'].join('\n'),
  aruba_aoscx: [...[1, 2, 3, 4, 5, 6].map((i) => `ntp server 10.66.0.${i}`), 'bogus-command 7'].join('\n'),
  dell_os10: [...[1, 2, 3, 4, 5, 6].map((i) => `ntp server 10.66.0.${i}`), 'bogus-command 7'].join('\n'),
  ruijie_os: [...[1, 2, 3, 4, 5, 6].map((i) => `ntp server 10.66.0.${i}`), 'bogus-command 7'].join('\n'),
};

interface ChangeDevice {
  deviceName: string;
  status: string;
  outcome: string;
  plan: string[] | null;
  pushedLines: number | null;
  errorKind: string | null;
  errorMessage: string | null;
}

describe.each(NEW_PLATFORMS.map((p) => [p]))('%s through the API and the worker', (platform) => {
  let stack: Stack;
  const names = () => stack.lab.devices().map((d) => d.name);
  const ids = (list: string[]) => list.map((n) => stack.deviceIds.get(n)!);
  const configOf = (name: string) => normaliseConfig(platform, stack.lab.runningConfig(name));

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 3, mix: { [platform]: 1 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const change = async (input: Record<string, unknown>): Promise<RunView> => {
    const data = await stack.gql.request<{ startChange: RunView }>(
      `mutation ($input: StartChangeInput!) { startChange(input: $input) { ${RUN_FIELDS} } }`,
      { input: { reason: 'CHG-1700', concurrency: 3, ...input } },
    );
    return waitForRunEnd(stack, data.startChange.id);
  };
  const devicesOf = async (runId: string): Promise<Map<string, ChangeDevice>> => {
    const data = await stack.gql.request<{ run: { devices: { edges: { node: ChangeDevice }[] } } }>(
      `query ($id: ID!) { run(id: $id) { devices(first: 100) { edges { node {
        deviceName status outcome plan pushedLines errorKind errorMessage } } } } }`,
      { id: runId },
    );
    return new Map(data.run.devices.edges.map((e) => [e.node.deviceName, e.node]));
  };
  const snapshots = async (name: string) => {
    const data = await stack.gql.request<{
      configSnapshots: { edges: { node: { version: number; content: string } }[] };
    }>(
      `query ($deviceId: ID!) { configSnapshots(deviceId: $deviceId, first: 10) { edges { node { version content } } } }`,
      { deviceId: stack.deviceIds.get(name) },
    );
    return data.configSnapshots.edges.map((e) => e.node);
  };

  it('collects three commands, parsed into facts that match the device', async () => {
    const run = await startCollection(stack, {
      deviceIds: ids(names()),
      ...perPlatform(THREE_COMMANDS),
      concurrency: 3,
    });
    expect((await waitForRunEnd(stack, run.id)).status).toBe('COMPLETED');
    const devices = await runDevices(stack, run.id);
    expect(devices).toHaveLength(3);
    for (const device of devices) {
      expect(device.status).toBe('SUCCEEDED');
      expect(device.outputs.map((o) => o.command)).toEqual(THREE_COMMANDS[platform]);
      for (const output of device.outputs) {
        expect(output.error).toBeNull();
        expect(normalise(output.output)).toBe(
          normalise(stack.lab.expectedOutput(device.deviceName, output.command)),
        );
        expect({ command: output.command, parse: output.parseStatus }).toEqual({
          command: output.command,
          parse: 'PARSED',
        });
      }
      const lab = stack.lab.simDevice(device.deviceName);
      expect(device.facts).toMatchObject({
        hostname: lab.hostname,
        vendor:
          { aruba_aoscx: 'Aruba', dell_os10: 'Dell', ruijie_os: 'Ruijie' }[platform as string] ?? 'Cisco',
        osVersion: lab.profile.version.version,
        // ASA prints days and hours only.
        uptimeSeconds:
          platform === 'cisco_asa'
            ? Math.floor(lab.profile.uptimeMinutes / 60) * 3600
            : lab.profile.uptimeMinutes * 60,
      });
    }
  });

  it('backs up every device, and a second backup stores no new version', async () => {
    const backup = async (reason: string) => {
      const { startBackup } = await stack.gql.request<{ startBackup: RunView }>(
        `mutation ($input: StartBackupInput!) { startBackup(input: $input) { ${RUN_FIELDS} } }`,
        { input: { selector: { tags: ['lab'] }, reason } },
      );
      return waitForRunEnd(stack, startBackup.id);
    };
    expect((await backup('baseline')).status).toBe('COMPLETED');
    expect((await backup('nightly')).status).toBe('COMPLETED');
    for (const name of names()) {
      const versions = await snapshots(name);
      expect(versions.map((v) => v.version)).toEqual([1]);
      expect(normalise(versions[0]!.content)).toBe(normalise(stack.lab.runningConfig(name)));
    }
  });

  it('pushes a change that verifies; the same change again changes nothing', async () => {
    const [a, b] = names();
    const configByPlatform = [{ platform, config: INTENT[platform] }];
    const first = await change({ deviceIds: ids([a!, b!]), configByPlatform });
    expect(first.status).toBe('COMPLETED');
    const devices = await devicesOf(first.id);
    for (const name of [a!, b!]) {
      expect({ name, outcome: devices.get(name)!.outcome }).toEqual({ name, outcome: 'CHANGED' });
      expect(stack.lab.runningConfig(name)).toContain('10.55.0.1');
      expect(stack.lab.runningConfig(name)).toContain('sb-change');
    }
    if (platform === 'cisco_xr') {
      // One commit per device, made by the change.
      for (const name of [a!, b!]) expect(stack.lab.simDevice(name).commits).toHaveLength(1);
    }

    const sentBefore = stack.lab.commandLog(a!).length;
    const second = await change({ deviceIds: ids([a!, b!]), configByPlatform });
    expect(second.status).toBe('COMPLETED');
    const again = await devicesOf(second.id);
    expect(again.get(a!)!.outcome).toBe('NO_CHANGE');
    expect(
      stack.lab
        .commandLog(a!)
        .slice(sentBefore)
        .some((c) => c.startsWith('configure')),
    ).toBe(false);
  });

  it('rolls back a device that refuses a line: the running config is the one before', async () => {
    const name = names()[2]!;
    const before = configOf(name);
    const run = await change({
      deviceIds: ids([name]),
      configByPlatform: [{ platform, config: REFUSED[platform] }],
      maxFailures: 1,
    });
    expect(run.status).toBe('COMPLETED_WITH_ERRORS');
    const device = (await devicesOf(run.id)).get(name)!;
    expect(device).toMatchObject({
      status: 'FAILED',
      outcome: 'ROLLED_BACK',
      errorKind: 'CHANGE_ROLLED_BACK',
    });
    expect(device.errorMessage).toContain('"bogus-command 7" refused');
    expect(configOf(name)).toBe(before);
    if (platform === 'cisco_xr') {
      // The candidate was discarded before anything was committed.
      expect(stack.lab.runningConfig(name)).not.toContain('sb-refused');
      expect(stack.lab.simDevice(name).commits).toHaveLength(0);
    }
  });

  if (platform === 'cisco_xr') {
    it('a commit the router refuses (duplicate address) is reported and leaves the config as it was', async () => {
      const name = names()[2]!;
      const before = configOf(name);
      const taken = /ipv4 address (\S+) 255\.255\.255\.255/.exec(stack.lab.runningConfig(name))![1];
      const run = await change({
        deviceIds: ids([name]),
        configByPlatform: [
          { platform, config: `interface Loopback662\n ipv4 address ${taken} 255.255.255.255` },
        ],
        maxFailures: 1,
      });
      expect(run.status).toBe('COMPLETED_WITH_ERRORS');
      const device = (await devicesOf(run.id)).get(name)!;
      expect(device.outcome).toBe('ROLLED_BACK');
      expect(device.errorMessage).toMatch(/commit/);
      expect(configOf(name)).toBe(before);
    });
  }
});
