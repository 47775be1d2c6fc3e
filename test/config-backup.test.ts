import type { Platform } from '../libs/common/src/platforms';
import { normaliseConfig } from '../libs/configs/src';
import { SshSession } from '../libs/ssh/src';
import {
  normalise,
  startStack,
  waitForRunEnd,
  RUN_FIELDS,
  type RunView,
  type Stack,
} from './support/harness';

interface SnapshotView {
  id: string;
  version: number;
  hash: string;
  reason: string;
  content: string;
}

describe('config backups: versioned snapshots, dedup and diff', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 6 } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const backup = async (reason: string): Promise<RunView> => {
    const { startBackup } = await stack.gql.request<{ startBackup: RunView }>(
      `mutation ($input: StartBackupInput!) { startBackup(input: $input) { ${RUN_FIELDS} } }`,
      { input: { selector: { tags: ['lab'] }, reason } },
    );
    return waitForRunEnd(stack, startBackup.id);
  };
  const snapshots = async (deviceName: string): Promise<SnapshotView[]> => {
    const data = await stack.gql.request<{ configSnapshots: { edges: { node: SnapshotView }[] } }>(
      `query ($deviceId: ID!) { configSnapshots(deviceId: $deviceId, first: 10) { edges { node { id version hash reason content } } } }`,
      { deviceId: stack.deviceIds.get(deviceName) },
    );
    return data.configSnapshots.edges.map((e) => e.node);
  };

  it('saves version 1 of every device, equal to its running config', async () => {
    const run = await backup('baseline before change window');
    expect(run.status).toBe('COMPLETED');
    for (const device of stack.lab.devices()) {
      const [v1, ...older] = await snapshots(device.name);
      expect(older).toEqual([]);
      expect(v1).toMatchObject({ version: 1, reason: 'baseline before change window' });
      expect(normalise(v1.content)).toBe(normalise(stack.lab.runningConfig(device.name)));
    }
  });

  it('does not create a version when nothing changed', async () => {
    expect((await backup('nightly')).status).toBe('COMPLETED');
    for (const device of stack.lab.devices())
      expect((await snapshots(device.name)).map((s) => s.version)).toEqual([1]);
  });

  it('saves version 2 after a change, and diffs the two versions by block', async () => {
    const device = stack.lab.devices().find((d) => d.platform === 'cisco_ios')!;
    const session = await SshSession.open(
      { ...device, platform: device.platform as Platform },
      { connectTimeoutMs: 5000, promptTimeoutMs: 5000, commandTimeoutMs: 5000 },
    );
    try {
      const result = await session.configure([
        'ntp server 10.77.0.1',
        'vlan 377',
        'name sb-backup-test',
        'exit',
      ]);
      expect(result.failed).toBeNull();
    } finally {
      await session.close();
    }
    await backup('after change CHG-1042');
    const [v2, v1] = await snapshots(device.name);
    expect(v2.version).toBe(2);
    expect(v2.hash).not.toBe(v1.hash);
    expect(v2.reason).toBe('after change CHG-1042');

    const { configDiff } = await stack.gql.request<{
      configDiff: { unified: string; changes: { path: string[]; added: string[]; removed: string[] }[] };
    }>(
      `query ($a: ID!, $b: ID!) { configDiff(fromId: $a, toId: $b) { unified changes { path added removed } } }`,
      {
        a: v1.id,
        b: v2.id,
      },
    );
    const added = configDiff.unified.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    // `!` is the separator IOS prints between blocks.
    expect(
      added
        .map((l) => l.slice(1).trim())
        .filter((l) => l !== '!')
        .sort(),
    ).toEqual(['name sb-backup-test', 'ntp server 10.77.0.1', 'vlan 377'].sort());
    expect(configDiff.unified).not.toMatch(/^-(?!--)/m);
    expect(configDiff.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ['vlan 377'], added: ['name sb-backup-test'] }),
      ]),
    );
  });

  it('requires a reason', async () => {
    const result = await stack.gql.raw(
      `mutation { startBackup(input: { selector: { tags: ["lab"] }, reason: "" }) { id } }`,
    );
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
  });

  it('reports compliance of an intended snippet against the latest snapshot', async () => {
    const device = stack.lab.devices().find((d) => d.platform === 'cisco_ios')!;
    const query = `query ($id: ID!, $intended: String!) { configCompliance(deviceId: $id, intended: $intended) {
      compliant missing { path line } extra { path line } snapshot { version } } }`;
    type Result = {
      configCompliance: {
        compliant: boolean;
        missing: { path: string[]; line: string }[];
        snapshot: { version: number };
      };
    };
    const ok = await stack.gql.request<Result>(query, {
      id: stack.deviceIds.get(device.name),
      intended: 'ntp server 10.77.0.1\nvlan 377\n name sb-backup-test',
    });
    expect(ok.configCompliance).toMatchObject({ compliant: true, missing: [], snapshot: { version: 2 } });
    const drift = await stack.gql.request<Result>(query, {
      id: stack.deviceIds.get(device.name),
      intended: 'ntp server 10.77.0.1\nntp server 10.99.9.9\nvlan 377\n name sb-other',
    });
    expect(drift.configCompliance.compliant).toBe(false);
    expect(drift.configCompliance.missing).toEqual(
      expect.arrayContaining([
        { path: [], line: 'ntp server 10.99.9.9' },
        { path: ['vlan 377'], line: 'name sb-other' },
      ]),
    );
  });

  it('rolls a device back to a stored version, exactly, and a second rollback changes nothing', async () => {
    const device = stack.lab.devices().find((d) => d.platform === 'cisco_ios')!;
    const [, v1] = await snapshots(device.name);
    expect(v1.version).toBe(1);
    const rollback = async () => {
      const { rollbackToSnapshot } = await stack.gql.request<{ rollbackToSnapshot: RunView }>(
        `mutation ($id: ID!) { rollbackToSnapshot(snapshotId: $id, reason: "undo CHG-1042") { ${RUN_FIELDS} } }`,
        { id: v1.id },
      );
      const done = await waitForRunEnd(stack, rollbackToSnapshot.id);
      const { run } = await stack.gql.request<{
        run: { devices: { edges: { node: { outcome: string } }[] } };
      }>(`query ($id: ID!) { run(id: $id) { devices { edges { node { outcome } } } } }`, {
        id: rollbackToSnapshot.id,
      });
      return { status: done.status, outcome: run.devices.edges[0].node.outcome };
    };
    expect(await rollback()).toEqual({ status: 'COMPLETED', outcome: 'CHANGED' });
    expect(normaliseConfig('cisco_ios', stack.lab.runningConfig(device.name))).toBe(
      normaliseConfig('cisco_ios', v1.content),
    );
    expect(await rollback()).toEqual({ status: 'COMPLETED', outcome: 'NO_CHANGE' });
  });
});
