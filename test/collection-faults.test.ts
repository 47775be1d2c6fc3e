import type { Platform } from '../libs/common/src/platforms';
import { perPlatform, RUNNING_CONFIG, THREE_COMMANDS } from './factories/commands';
import {
  runDevices,
  startCollection,
  startStack,
  waitFor,
  waitForRunEnd,
  type Stack,
} from './support/harness';

const twoCommands = Object.fromEntries(
  Object.entries(THREE_COMMANDS).map(([platform, list]) => [
    platform,
    [list[0], RUNNING_CONFIG[platform as Platform]],
  ]),
) as Record<Platform, string[]>;

describe('collection with failing devices', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      lab: { devices: 12 },
      env: {
        // Long enough for a loaded machine's healthy devices; the hung one still times out.
        SSH_COMMAND_TIMEOUT_MS: '8000',
        COLLECTION_MAX_ATTEMPTS: '2',
        COLLECTION_RETRY_INITIAL_MS: '100',
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('fails only the broken devices, each with its own error kind, and completes the run', async () => {
    const [wrongPassword, drops, hangs, large] = stack.lab.devices().filter((d) => d.platform !== 'linux');
    stack.lab.setFaults(wrongPassword.name, { wrongPassword: true });
    stack.lab.setFaults(drops.name, { dropMidOutput: true });
    stack.lab.setFaults(hangs.name, { hang: true });
    stack.lab.setFaults(large.name, { largeOutputBytes: 5_000_000 });
    try {
      const run = await startCollection(stack, {
        deviceIds: [...stack.deviceIds.values()],
        ...perPlatform(twoCommands),
        concurrency: 12,
      });
      const done = await waitForRunEnd(stack, run.id);
      expect(done.status).toBe('COMPLETED_WITH_ERRORS');
      expect(done.progress).toMatchObject({ total: 12, succeeded: 9, failed: 3, running: 0, pending: 0 });

      const devices = new Map((await runDevices(stack, run.id)).map((d) => [d.deviceName, d]));
      expect(devices.get(wrongPassword.name)).toMatchObject({
        status: 'FAILED',
        errorKind: 'AUTH_FAILED',
        attempts: 1,
      });
      expect(devices.get(drops.name)).toMatchObject({
        status: 'FAILED',
        errorKind: 'CONNECTION_LOST',
        attempts: 2,
      });
      expect(devices.get(hangs.name)).toMatchObject({
        status: 'FAILED',
        errorKind: 'COMMAND_TIMEOUT',
        attempts: 2,
      });
      for (const d of [wrongPassword, drops, hangs]) {
        const message = devices.get(d.name)!.errorMessage!;
        expect(message.length).toBeGreaterThan(0);
        expect(message).not.toContain(d.password);
      }

      const big = devices.get(large.name)!;
      expect(big.status).toBe('SUCCEEDED');
      const config = big.outputs.find((o) => o.command === RUNNING_CONFIG[large.platform as Platform])!;
      expect(config.sizeBytes).toBeGreaterThanOrEqual(5_000_000);
      expect(config.output.trimEnd().split('\n').at(-1)).toBe(
        stack.lab.runningConfig(large.name).trimEnd().split('\n').at(-1),
      );

      const healthy = [...devices.values()].filter(
        (d) => ![wrongPassword, drops, hangs].some((f) => f.name === d.deviceName),
      );
      expect(healthy.every((d) => d.status === 'SUCCEEDED' && d.outputs.length === 2)).toBe(true);

      // The failures are in the run log too.
      const log = await stack.gql.request<{
        run: { events: { level: string; deviceName: string; message: string }[] };
      }>(`query ($id: ID!) { run(id: $id) { events(first: 1000) { level deviceName message } } }`, {
        id: run.id,
      });
      const errors = log.run.events.filter((e) => e.level === 'ERROR' && e.message.startsWith('failed:'));
      expect(errors.map((e) => e.deviceName).sort()).toEqual(
        [wrongPassword.name, drops.name, hangs.name].sort(),
      );
      await waitFor('the hung session to be closed', () => stack.lab.openSessions() === 0, {
        timeoutMs: 10_000,
      });
    } finally {
      for (const d of [wrongPassword, drops, hangs, large]) stack.lab.clearFaults(d.name);
    }
  });
});
