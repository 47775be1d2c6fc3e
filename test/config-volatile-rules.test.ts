import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import type { Platform } from '../libs/common/src/platforms';
import { hierarchicalDiff } from '../libs/configs/src';
import { SshSession } from '../libs/ssh/src';
import { RUN_FIELDS, startStack, waitForRunEnd, type RunView, type Stack } from './support/harness';

describe('site volatile-line rules and restore order', () => {
  let stack: Stack;
  const rulesFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'sb-rules-')), 'volatile.yaml');

  beforeAll(async () => {
    writeFileSync(
      rulesFile,
      `# lines our monitoring rewrites; not configuration anyone owns
- platform: cisco_ios
  pattern: '^snmp-server location '
`,
    );
    stack = await startStack({
      lab: { devices: 1, mix: { cisco_ios: 1 } },
      env: { VOLATILE_RULES_FILE: rulesFile },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const device = () => stack.lab.devices()[0];
  const configure = async (lines: string[]) => {
    const session = await SshSession.open(
      { ...device(), platform: device().platform as Platform },
      { connectTimeoutMs: 5000, promptTimeoutMs: 5000, commandTimeoutMs: 5000 },
    );
    try {
      expect((await session.configure(lines)).failed).toBeNull();
    } finally {
      await session.close();
    }
  };
  const backup = async (reason: string) => {
    const { startBackup } = await stack.gql.request<{ startBackup: RunView }>(
      `mutation ($input: StartBackupInput!) { startBackup(input: $input) { ${RUN_FIELDS} } }`,
      { input: { selector: { tags: ['lab'] }, reason } },
    );
    expect((await waitForRunEnd(stack, startBackup.id)).status).toBe('COMPLETED');
  };
  const versions = async () => {
    const data = await stack.gql.request<{
      configSnapshots: { edges: { node: { id: string; version: number; content: string } }[] };
    }>(
      `query ($deviceId: ID!) { configSnapshots(deviceId: $deviceId, first: 10) { edges { node { id version content } } } }`,
      { deviceId: stack.deviceIds.get(device().name) },
    );
    return data.configSnapshots.edges.map((e) => e.node);
  };

  it('lists the built-in rules and the site rules of a platform', async () => {
    const { volatileRules } = await stack.gql.request<{
      volatileRules: { pattern: string; source: string }[];
    }>(`{ volatileRules(platform: "cisco_ios") { pattern source } }`);
    expect(volatileRules.at(-1)).toEqual({
      pattern: '^snmp-server location ',
      source: 'VOLATILE_RULES_FILE',
    });
    expect(volatileRules.filter((r) => r.source === 'builtin').length).toBeGreaterThan(5);
    await expect(stack.gql.request(`{ volatileRules(platform: "ios") { pattern } }`)).rejects.toThrow(
      /BAD_USER_INPUT: platform: unknown platform "ios"/,
    );
  });

  it('a change only in lines the site rules ignore makes no new version; a real change does', async () => {
    await backup('baseline');
    await configure(['snmp-server location rack-42-moved']);
    await backup('after the location moved');
    expect((await versions()).map((v) => v.version)).toEqual([1]);
    await configure(['vlan 388', 'name sb-volatile', 'exit']);
    await backup('after vlan 388');
    expect((await versions()).map((v) => v.version)).toEqual([2, 1]);
  });

  it('restores with MINIMAL order and checks the result ignoring order', async () => {
    const v1 = (await versions()).find((v) => v.version === 1)!;
    await expect(
      stack.gql.request(
        `mutation ($id: ID!) { rollbackToSnapshot(snapshotId: $id, reason: "x", restoreOrder: "ANY") { id } }`,
        {
          id: v1.id,
        },
      ),
    ).rejects.toThrow(/BAD_USER_INPUT: restoreOrder: must be EXACT or MINIMAL/);
    const { rollbackToSnapshot } = await stack.gql.request<{ rollbackToSnapshot: RunView }>(
      `mutation ($id: ID!) { rollbackToSnapshot(snapshotId: $id, reason: "undo vlan 388", restoreOrder: "MINIMAL") { ${RUN_FIELDS} } }`,
      { id: v1.id },
    );
    expect((await waitForRunEnd(stack, rollbackToSnapshot.id)).status).toBe('COMPLETED');
    const running = stack.lab.runningConfig(device().name);
    expect(running).not.toContain('vlan 388');
    expect(hierarchicalDiff('cisco_ios', running, v1.content)).toEqual([]);
  });
});
