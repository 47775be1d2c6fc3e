import { Client as TemporalClient, Connection } from '@temporalio/client';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Platform } from '../libs/common/src/platforms';
import { perPlatform, THREE_COMMANDS } from './factories/commands';
import {
  getRun,
  normalise,
  runDevices,
  startCollection,
  startStack,
  TEST_TOKEN,
  waitFor,
  waitForRunEnd,
  type Stack,
} from './support/harness';

describe('collection through API → Temporal → worker → lab', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 30 } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('collects 3 commands from 30 devices of all six platforms, outputs equal to what the devices print', async () => {
    const platforms = new Set(stack.lab.devices().map((d) => d.platform));
    expect(platforms.size).toBe(6);

    const run = await startCollection(stack, {
      deviceIds: [...stack.deviceIds.values()],
      ...perPlatform(THREE_COMMANDS),
      concurrency: 10,
    });
    expect(['PENDING', 'RUNNING']).toContain(run.status);
    expect(run.temporalUrl).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${run.workflowId}`);

    const done = await waitForRunEnd(stack, run.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.progress).toEqual({
      total: 30,
      pending: 0,
      running: 0,
      succeeded: 30,
      failed: 0,
      cancelled: 0,
    });

    const devices = await runDevices(stack, run.id);
    expect(devices).toHaveLength(30);
    for (const device of devices) {
      const expected = THREE_COMMANDS[device.platform as Platform];
      expect(device.status).toBe('SUCCEEDED');
      expect(device.outputs.map((o) => o.command)).toEqual(expected);
      for (const output of device.outputs) {
        expect(output.error).toBeNull();
        expect(output.output.length).toBeGreaterThan(0);
        expect(normalise(output.output)).toBe(
          normalise(stack.lab.expectedOutput(device.deviceName, output.command)),
        );
        expect(output.sizeBytes).toBe(Buffer.byteLength(output.output));
      }
    }

    // Parsed next to the raw output: vendor-neutral facts equal the device's own hostname.
    for (const device of devices) {
      const lab = stack.lab.device(device.deviceName);
      expect({ device: device.deviceName, hostname: device.facts?.hostname }).toEqual({
        device: device.deviceName,
        hostname: lab.hostname,
      });
      expect(device.facts?.osVersion).toBeTruthy();
      expect(device.outputs[0].parseStatus).toBe('PARSED');
    }

    // The run is a real Temporal workflow that completed, with only summaries in its history.
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    try {
      const client = new TemporalClient({ connection });
      const description = await client.workflow.getHandle(done.workflowId).describe();
      expect(description.status.name).toBe('COMPLETED');
      expect(description.taskQueue).toBe(stack.config.temporal.taskQueue);
    } finally {
      await connection.close();
    }
  });

  it('reports a command the device refuses as a per-command error, not a device failure', async () => {
    const cisco = stack.lab.devices().find((d) => d.platform === 'cisco_ios')!;
    const run = await startCollection(stack, {
      deviceIds: [stack.deviceIds.get(cisco.name)],
      commands: ['show version', 'show bogus-thing', 'show ip interface brief', 'show clock'],
    });
    const done = await waitForRunEnd(stack, run.id);
    expect(done.status).toBe('COMPLETED');
    const [device] = await runDevices(stack, run.id);
    expect(device.status).toBe('SUCCEEDED');
    expect(device.outputs.map((o) => o.error)).toEqual([
      null,
      "% Invalid input detected at '^' marker.",
      null,
      null,
    ]);
    // Output no template handles is kept and flagged, never dropped.
    expect(device.outputs.map((o) => [o.parseStatus, o.anomalyReason])).toEqual([
      ['PARSED', null],
      [null, null],
      ['PARSED', null],
      ['ANOMALY', 'NO_TEMPLATE'],
    ]);
    expect(device.outputs[3].output.length).toBeGreaterThan(0);
  });

  it('selects devices by platform and by site', async () => {
    const byPlatform = await startCollection(stack, {
      selector: { platform: 'juniper_junos' },
      commands: ['show version'],
    });
    expect((await waitForRunEnd(stack, byPlatform.id)).progress.total).toBe(5);
    const bySite = await startCollection(stack, {
      selector: { site: 'lab-b', platform: 'linux' },
      commands: ['uname -a'],
    });
    const done = await waitForRunEnd(stack, bySite.id);
    const names = (await runDevices(stack, bySite.id, false)).map((d) => d.deviceName);
    const expected = stack.lab
      .devices()
      .filter((d, i) => i % 2 === 1 && d.platform === 'linux')
      .map((d) => d.name);
    expect(names.sort()).toEqual(expected.sort());
    expect(done.status).toBe('COMPLETED');
  });

  it('pushes progress and log events over the runUpdated subscription', async () => {
    const huawei = stack.lab.devices().filter((d) => d.platform === 'huawei');
    for (const d of huawei) stack.lab.setFaults(d.name, { commandLatencyMs: 150 });
    try {
      const run = await startCollection(stack, {
        deviceIds: huawei.map((d) => stack.deviceIds.get(d.name)),
        commands: ['display version', 'display interface brief'],
        concurrency: 2,
      });
      const ws = createClient({
        url: stack.url.replace('http', 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${TEST_TOKEN}` },
      });
      type Update = {
        run: { status: string; progress: { succeeded: number } };
        events: { message: string }[];
      };
      const updates: Update[] = [];
      try {
        const iterator = ws.iterate<{ runUpdated: Update }>({
          query: `subscription ($id: ID!) { runUpdated(runId: $id) {
            run { status progress { succeeded failed running } } events { id level deviceName message } } }`,
          variables: { id: run.id },
        });
        for await (const result of iterator) {
          expect(result.errors).toBeUndefined();
          updates.push(result.data!.runUpdated);
          if (
            ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED', 'FAILED'].includes(
              result.data!.runUpdated.run.status,
            )
          )
            break;
        }
      } finally {
        await ws.dispose();
      }
      expect(updates.length).toBeGreaterThanOrEqual(3);
      expect(updates.at(-1)!.run).toMatchObject({
        status: 'COMPLETED',
        progress: { succeeded: huawei.length },
      });
      // Progress only ever moves forward, and every device's completion shows up in the log.
      const succeeded = updates.map((u) => u.run.progress.succeeded);
      expect([...succeeded].sort((a, b) => a - b)).toEqual(succeeded);
      const messages = updates.flatMap((u) => u.events.map((e) => e.message));
      expect(messages.filter((m) => m.startsWith('collected'))).toHaveLength(huawei.length);
    } finally {
      for (const d of huawei) stack.lab.clearFaults(d.name);
    }
  });

  it('refuses a subscription without the token', async () => {
    const ws = createClient({
      url: stack.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const outcome = await new Promise<string>((resolve) => {
      ws.subscribe(
        {
          query: 'subscription { runUpdated(runId: "00000000-0000-0000-0000-000000000000") { run { id } } }',
        },
        {
          next: () => resolve('next'),
          error: (e) => resolve(`error:${(e as { code?: number }).code ?? e}`),
          complete: () => resolve('complete'),
        },
      );
    });
    await ws.dispose();
    expect(outcome).toBe('error:4403');
  });

  it('lists runs newest first with cursor pagination', async () => {
    const first = await stack.gql.request<{
      runs: {
        totalCount: number;
        edges: { node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(`{ runs(first: 2) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`);
    expect(first.runs.totalCount).toBeGreaterThanOrEqual(4);
    expect(first.runs.pageInfo.hasNextPage).toBe(true);
    const second = await stack.gql.request<{ runs: { edges: { node: { id: string } }[] } }>(
      `query ($after: String) { runs(first: 2, after: $after) { edges { node { id } } } }`,
      { after: first.runs.pageInfo.endCursor },
    );
    const ids = [...first.runs.edges, ...second.runs.edges].map((e) => e.node.id);
    expect(new Set(ids).size).toBe(4);
    const all = await stack.gql.request<{ runs: { edges: { node: { id: string } }[] } }>(
      `{ runs(first: 4) { edges { node { id } } } }`,
    );
    expect(all.runs.edges.map((e) => e.node.id)).toEqual(ids);
    await waitFor('run lookup', () => getRun(stack, ids[0]));
  });
});
