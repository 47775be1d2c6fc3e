import { normaliseConfig } from '../libs/configs/src';
import type { Platform } from '../libs/common/src/platforms';
import {
  getRun,
  spawnWorkerProcess,
  startInProcessWorker,
  startStack,
  waitFor,
  waitForRunEnd,
  RUN_FIELDS,
  type InProcessWorker,
  type RunView,
  type Stack,
} from './support/harness';

const INTENT: Record<string, string> = {
  cisco_ios: ['ntp server 10.55.0.1', 'vlan 555', ' name sb-change'].join('\n'),
  arista_eos: ['ntp server 10.55.0.1', 'vlan 555', ' name sb-change'].join('\n'),
  huawei: ['ntp-service unicast-server 10.55.0.1', 'vlan 555', ' description sb-change'].join('\n'),
  juniper_junos: ['set system ntp server 10.55.0.1', 'set vlans sb-change vlan-id 555'].join('\n'),
};
const twelve = (bad?: number) =>
  Array.from({ length: 12 }, (_, i) =>
    i + 1 === bad ? 'bogus-command 7' : `ntp server 10.66.0.${i + 1}`,
  ).join('\n');

interface ChangeDevice {
  deviceName: string;
  status: string;
  outcome: string;
  plan: string[] | null;
  pushedLines: number | null;
  errorKind: string | null;
  errorMessage: string | null;
}

describe('config changes with automatic rollback', () => {
  let stack: Stack;
  let worker: InProcessWorker | undefined;
  const names = (platform: string) =>
    stack.lab
      .devices()
      .filter((d) => d.platform === platform)
      .map((d) => d.name);
  const ids = (list: string[]) => list.map((n) => stack.deviceIds.get(n)!);

  beforeAll(async () => {
    stack = await startStack({
      lab: {
        devices: 16,
        mix: { cisco_ios: 5, huawei: 3, juniper_junos: 3, arista_eos: 2, hp_comware: 1, linux: 2 },
      },
      worker: false,
      env: { COLLECTION_HEARTBEAT_TIMEOUT_MS: '3000' },
    });
    worker = await startInProcessWorker(stack.config);
  });
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });

  const change = async (input: Record<string, unknown>): Promise<RunView> => {
    const data = await stack.gql.request<{ startChange: RunView }>(
      `mutation ($input: StartChangeInput!) { startChange(input: $input) { ${RUN_FIELDS} } }`,
      { input: { reason: 'CHG-2001', concurrency: 4, ...input } },
    );
    return data.startChange;
  };
  const devicesOf = async (runId: string): Promise<Map<string, ChangeDevice>> => {
    const data = await stack.gql.request<{ run: { devices: { edges: { node: ChangeDevice }[] } } }>(
      `query ($id: ID!) { run(id: $id) { devices(first: 100) { edges { node {
        deviceName status outcome plan pushedLines errorKind errorMessage } } } } }`,
      { id: runId },
    );
    return new Map(data.run.devices.edges.map((e) => [e.node.deviceName, e.node]));
  };
  const configOf = (name: string) =>
    normaliseConfig(stack.lab.device(name).platform as Platform, stack.lab.runningConfig(name));

  it('pushes to 10 devices of three vendors; a second identical push changes nothing', async () => {
    const targets = [...names('cisco_ios').slice(0, 4), ...names('huawei'), ...names('juniper_junos')];
    expect(targets).toHaveLength(10);
    const configByPlatform = ['cisco_ios', 'huawei', 'juniper_junos'].map((platform) => ({
      platform,
      config: INTENT[platform],
    }));
    const first = await waitForRunEnd(
      stack,
      (await change({ deviceIds: ids(targets), configByPlatform })).id,
    );
    const devices = await devicesOf(first.id);
    expect(first.status).toBe('COMPLETED');
    for (const name of targets) {
      expect({ name, outcome: devices.get(name)!.outcome }).toEqual({ name, outcome: 'CHANGED' });
      expect(stack.lab.runningConfig(name)).toContain('10.55.0.1');
      expect(stack.lab.runningConfig(name)).toContain('sb-change');
    }

    const sentBefore = new Map(targets.map((n) => [n, stack.lab.commandLog(n).length]));
    const configsBefore = new Map(targets.map((n) => [n, configOf(n)]));
    const second = await waitForRunEnd(
      stack,
      (await change({ deviceIds: ids(targets), configByPlatform })).id,
    );
    expect(second.status).toBe('COMPLETED');
    const again = await devicesOf(second.id);
    for (const name of targets) {
      expect({ name, outcome: again.get(name)!.outcome }).toEqual({ name, outcome: 'NO_CHANGE' });
      expect(configOf(name)).toBe(configsBefore.get(name));
      const sent = stack.lab.commandLog(name).slice(sentBefore.get(name));
      expect(sent.some((c) => /^(configure|system-view)/.test(c))).toBe(false);
    }
  });

  it('restores a device whose line 7 of 12 is refused; the others keep the change (KEEP_SUCCEEDED)', async () => {
    const [a, b] = names('cisco_ios').slice(-2);
    const [eos] = names('arista_eos');
    const before = new Map([a, b, eos].map((n) => [n, configOf(n)]));
    const run = await change({
      deviceIds: ids([a, b, eos]),
      configByPlatform: [
        { platform: 'cisco_ios', config: twelve() },
        { platform: 'arista_eos', config: twelve(7) },
      ],
      maxFailures: 1,
      concurrency: 1,
    });
    const done = await waitForRunEnd(stack, run.id);
    expect(done.status).toBe('COMPLETED_WITH_ERRORS');
    const devices = await devicesOf(run.id);
    expect(devices.get(eos)).toMatchObject({
      status: 'FAILED',
      outcome: 'ROLLED_BACK',
      pushedLines: 6,
      errorKind: 'CHANGE_ROLLED_BACK',
    });
    expect(devices.get(eos)!.plan).toHaveLength(12);
    expect(devices.get(eos)!.errorMessage).toContain('line 7 of 12 "bogus-command 7" refused');
    // Byte for byte, volatile lines aside.
    expect(configOf(eos)).toBe(before.get(eos));
    for (const name of [a, b]) {
      expect(devices.get(name)!.outcome).toBe('CHANGED');
      expect(stack.lab.runningConfig(name)).toContain('ntp server 10.66.0.12');
    }
  });

  it('stops the rollout and restores the devices that changed (ROLLBACK_ALL)', async () => {
    const [eos] = names('arista_eos').slice(-1);
    const [first, , third] = names('cisco_ios');
    const before = new Map([first, eos, third].map((n) => [n, configOf(n)]));
    const run = await change({
      deviceIds: ids([first, eos, third]),
      configByPlatform: [
        { platform: 'cisco_ios', config: 'logging host 10.77.0.1\nlogging host 10.77.0.2' },
        { platform: 'arista_eos', config: twelve(7) },
      ],
      maxFailures: 0,
      failurePolicy: 'ROLLBACK_ALL',
      concurrency: 1,
    });
    const done = await waitForRunEnd(stack, run.id);
    expect(done.status).toBe('COMPLETED_WITH_ERRORS');
    const devices = await devicesOf(run.id);
    expect(devices.get(first)!.outcome).toBe('ROLLED_BACK');
    expect(devices.get(eos)!.outcome).toBe('ROLLED_BACK');
    expect(devices.get(third)).toMatchObject({ status: 'CANCELLED', outcome: 'SKIPPED' });
    for (const name of [first, eos, third]) expect(configOf(name)).toBe(before.get(name));
  });

  it('a cancel while ROLLBACK_ALL restores the changed devices stops none of the restores', async () => {
    const changed = names('cisco_ios').slice(0, 4);
    const [eos] = names('arista_eos').slice(0, 1);
    const targets = [...changed, eos];
    const before = new Map(targets.map((n) => [n, configOf(n)]));
    // Slow devices, so that the rollback is still going when the cancel comes.
    for (const name of targets) stack.lab.setFaults(name, { commandLatencyMs: 150 });
    try {
      const run = await change({
        deviceIds: ids(targets),
        configByPlatform: [
          { platform: 'cisco_ios', config: 'logging host 10.78.0.1\nlogging host 10.78.0.2' },
          { platform: 'arista_eos', config: twelve(7) },
        ],
        maxFailures: 0,
        failurePolicy: 'ROLLBACK_ALL',
        concurrency: 1,
      });
      // The four cisco devices change, the EOS one fails and is restored: the rollout stops and
      // the cisco devices are restored one by one. Cancel once the first of them is back.
      await waitFor(
        'the rollback to have restored its first device',
        async () => {
          const devices = await devicesOf(run.id);
          return changed.some((n) => devices.get(n)!.outcome === 'ROLLED_BACK') ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 100 },
      );
      await stack.gql.request(`mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: run.id });
      const done = await waitForRunEnd(stack, run.id);
      expect(done.status).toBe('CANCELLED');
      const devices = await devicesOf(run.id);
      for (const name of targets) {
        expect({ name, outcome: devices.get(name)!.outcome }).toEqual({ name, outcome: 'ROLLED_BACK' });
        expect({ name, config: configOf(name) }).toEqual({ name, config: before.get(name) });
      }
    } finally {
      for (const name of targets) stack.lab.setFaults(name, {});
    }
  });

  it('dry run records the plan and changes nothing', async () => {
    const [name] = names('hp_comware');
    const before = configOf(name);
    const run = await change({
      deviceIds: ids([name]),
      configByPlatform: [{ platform: 'hp_comware', config: 'vlan 556\n description sb-dry' }],
      dryRun: true,
    });
    expect((await waitForRunEnd(stack, run.id)).status).toBe('COMPLETED');
    const device = (await devicesOf(run.id)).get(name)!;
    expect(device.outcome).toBe('PLANNED');
    expect(device.plan!.join('\n')).toContain('vlan 556');
    expect(configOf(name)).toBe(before);
  });

  it('waits for approval: rejected pushes nothing, approved pushes', async () => {
    const [name] = names('huawei');
    const before = configOf(name);
    const input = {
      deviceIds: ids([name]),
      configByPlatform: [{ platform: 'huawei', config: 'vlan 557\n description sb-approve' }],
      requireApproval: true,
    };
    const decide = async (approved: boolean) => {
      const run = await change(input);
      await waitFor(
        'approval to be awaited',
        async () => (await getRun(stack, run.id)).status === 'AWAITING_APPROVAL',
      );
      await stack.gql.request(
        `mutation ($id: ID!, $ok: Boolean!) { approveChange(id: $id, approved: $ok, comment: "CAB") { id } }`,
        {
          id: run.id,
          ok: approved,
        },
      );
      return waitForRunEnd(stack, run.id);
    };
    expect((await decide(false)).status).toBe('REJECTED');
    expect(configOf(name)).toBe(before);
    expect((await decide(true)).status).toBe('COMPLETED');
    expect(stack.lab.runningConfig(name)).toContain('sb-approve');
  });

  it('refuses a selection with a platform that has no intended config, naming the field', async () => {
    const result = await stack.gql.raw(
      `mutation ($input: StartChangeInput!) { startChange(input: $input) { id } }`,
      {
        input: {
          reason: 'x',
          deviceIds: ids(names('cisco_ios').slice(0, 1).concat(names('huawei').slice(0, 1))),
          configByPlatform: [{ platform: 'cisco_ios', config: 'ntp server 1.1.1.1' }],
        },
      },
    );
    expect(result.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'configByPlatform',
    });
    expect(result.errors?.[0].message).toContain('huawei');
  });

  it('renders each device from a stored template, validates all before pushing, then pushes', async () => {
    const [a, b] = names('cisco_ios').slice(0, 2);
    const { createConfigTemplate } = await stack.gql.request<{ createConfigTemplate: { id: string } }>(
      `mutation ($input: CreateConfigTemplateInput!) { createConfigTemplate(input: $input) { id } }`,
      {
        input: {
          name: 'ntp-and-vlan',
          platforms: ['cisco_ios'],
          source: 'ntp server {{ ntp }}\nvlan {{ vlan }}\n name {{ vlan_name }}\n',
          variablesSchema: JSON.stringify({
            type: 'object',
            required: ['ntp', 'vlan'],
            properties: { ntp: { type: 'string' }, vlan: { type: 'integer' }, vlan_name: { type: 'string' } },
          }),
        },
      },
    );
    const setVars = (scope: string, key: string, vars: object) =>
      stack.gql.request(
        `mutation ($s: VariableScope!, $k: String!, $v: String!) { setVariables(scope: $s, key: $k, variablesJson: $v) { key } }`,
        {
          s: scope,
          k: key,
          v: JSON.stringify(vars),
        },
      );
    await setVars('GLOBAL', '', { ntp: '10.44.0.1' });
    await setVars('DEVICE', stack.deviceIds.get(a)!, { vlan_name: `users-${a}` });
    const template = { templateId: createConfigTemplate.id, inputsJson: JSON.stringify({ vlan: 444 }) };

    // b has no vlan_name: refused as a whole before anything is pushed, naming the device, line and column.
    const before = configOf(a);
    const refused = await stack.gql.raw(
      `mutation ($input: StartChangeInput!) { startChange(input: $input) { id } }`,
      {
        input: { reason: 'CHG-3001', deviceIds: ids([a, b]), template },
      },
    );
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0].message).toMatch(new RegExp(`${b} \\(line 3, column \\d+\\).*vlan_name`));
    expect(configOf(a)).toBe(before);

    await setVars('DEVICE', stack.deviceIds.get(b)!, { vlan_name: `users-${b}` });
    const run = await change({ deviceIds: ids([a, b]), template });
    expect((await waitForRunEnd(stack, run.id)).status).toBe('COMPLETED');
    for (const name of [a, b]) {
      expect(stack.lab.runningConfig(name)).toContain('ntp server 10.44.0.1');
      expect(stack.lab.runningConfig(name)).toContain(`name users-${name}`);
    }
  });

  it('a worker killed during a push: every device ends fully changed or restored, none half-configured', async () => {
    await worker!.stop();
    worker = undefined;
    const targets = [...names('cisco_ios').slice(0, 2), ...names('huawei').slice(0, 2)];
    const before = new Map(targets.map((n) => [n, configOf(n)]));
    for (const n of targets) stack.lab.setFaults(n, { commandLatencyMs: 150 });
    let child = spawnWorkerProcess(stack.env);
    try {
      const lines = Array.from({ length: 20 }, (_, i) => `10.88.0.${i + 1}`);
      const run = await change({
        deviceIds: ids(targets),
        configByPlatform: [
          { platform: 'cisco_ios', config: lines.map((ip) => `ntp server ${ip}`).join('\n') },
          { platform: 'huawei', config: lines.map((ip) => `ntp-service unicast-server ${ip}`).join('\n') },
        ],
        concurrency: 4,
      });
      await waitFor(
        'a push to be under way',
        () => targets.some((n) => stack.lab.commandLog(n).filter((c) => c.includes('10.88.0.')).length >= 3),
        { timeoutMs: 90_000, intervalMs: 50 },
      );
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const mid = targets.map((n) => stack.lab.runningConfig(n).split('10.88.0.').length - 1);
      expect(mid.some((count) => count > 0 && count < 20)).toBe(true); // really half-way at the kill

      child = spawnWorkerProcess(stack.env);
      const done = await waitForRunEnd(stack, run.id, 180_000);
      expect(done.status).toBe('COMPLETED');
      const devices = await devicesOf(run.id);
      for (const name of targets) {
        const config = stack.lab.runningConfig(name);
        const present = lines.filter(
          (ip) => config.includes(`${ip}\n`) || config.includes(`${ip}\r`) || config.endsWith(ip),
        );
        const outcome = devices.get(name)!.outcome;
        if (outcome === 'CHANGED') expect({ name, present: present.length }).toEqual({ name, present: 20 });
        else
          expect({ name, restored: configOf(name) === before.get(name) }).toEqual({ name, restored: true });
      }
    } finally {
      child.kill('SIGTERM');
      for (const n of targets) stack.lab.clearFaults(n);
    }
  });
});
