import { randomUUID } from 'node:crypto';
import type {
  CollectDeviceSummary,
  CollectionInput,
  CollectionProgress,
  CollectionResult,
  CollectionWorkflow,
} from '../../workflows/contracts';
import {
  Gate,
  hold,
  permanent,
  retryable,
  WorkflowTestEnv,
  type OnCancel,
  type Stubs,
  type StubWorld,
} from '../support/workflow-env';

let env: WorkflowTestEnv;
beforeAll(async () => {
  env = await WorkflowTestEnv.connect();
});
afterAll(async () => {
  await env?.close();
});

const devices = (n: number) => Array.from({ length: n }, (_, i) => `dev-${i + 1}`);

function collection(deviceIds: string[], over: Partial<CollectionInput> = {}): CollectionInput {
  return {
    runId: `run-${randomUUID()}`,
    deviceIds,
    commands: ['show version'],
    concurrency: 2,
    commandTimeoutMs: 5_000,
    timeouts: { deviceStartToCloseMs: 30_000, heartbeatMs: 5_000 },
    retry: { maximumAttempts: 2, initialIntervalMs: 50 },
    ...over,
  };
}

const collected = (deviceId: string): CollectDeviceSummary => ({
  deviceId,
  deviceName: deviceId,
  commands: 1,
  commandErrors: 0,
  bytes: 42,
  durationMs: 1,
  reused: false,
});

/** Bookkeeping that always answers; finishRun says what it was told. */
function bookkeeping(): Stubs {
  return {
    markRunStarted: async () => undefined,
    recordDeviceFailure: async () => undefined,
    finishRun: async ({ runId, cancelled }): Promise<CollectionResult> => ({
      runId,
      status: cancelled ? 'CANCELLED' : 'COMPLETED',
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    }),
  };
}

describe('collectionWorkflow (stub activities)', () => {
  it('collects every device once and finishes the run not cancelled', async () => {
    const input = collection(devices(5));
    await env.run(
      { ...bookkeeping(), collectDevice: async ({ deviceId }) => collected(deviceId) },
      async (t) => {
        const handle = await t.start<CollectionWorkflow>('collectionWorkflow', input);
        const result = await t.result(handle);

        expect(result.status).toBe('COMPLETED');
        expect(t.calls.names()[0]).toBe('markRunStarted');
        expect(
          t.calls
            .inputs('collectDevice')
            .map((c) => c.deviceId)
            .sort(),
        ).toEqual(input.deviceIds);
        expect(t.calls.inputs('collectDevice').find((c) => c.deviceId === 'dev-1')).toEqual({
          runId: input.runId,
          deviceId: 'dev-1',
          commands: ['show version'],
          commandTimeoutMs: 5_000,
        });
        expect(t.calls.of('recordDeviceFailure')).toHaveLength(0);
        expect(t.calls.inputs('finishRun')).toEqual([{ runId: input.runId, cancelled: false }]);
        expect(t.calls.names().at(-1)).toBe('finishRun');
        expect(await handle.query<CollectionProgress>('progress')).toEqual({
          total: 5,
          running: 0,
          succeeded: 5,
          failed: 0,
        });
      },
    );
  });

  it('records a device that fails for good (AUTH_FAILED, not retried) and collects the others', async () => {
    const input = collection(devices(4));
    let flaky = 0;
    await env.run(
      {
        ...bookkeeping(),
        collectDevice: async ({ deviceId }) => {
          if (deviceId === 'dev-2') throw permanent('AUTH_FAILED', 'authentication failed for admin');
          // A transient failure is retried by Temporal (maximumAttempts 2) and never recorded.
          if (deviceId === 'dev-3' && flaky++ === 0) throw retryable('CONNECT_FAILED', 'connection reset');
          return collected(deviceId);
        },
      },
      async (t) => {
        const handle = await t.start<CollectionWorkflow>('collectionWorkflow', input);
        await t.result(handle);

        const byDevice = (id: string) => t.calls.of('collectDevice').filter((c) => c.input.deviceId === id);
        expect(byDevice('dev-2').map((c) => c.attempt)).toEqual([1]);
        expect(byDevice('dev-3').map((c) => [c.attempt, c.outcome])).toEqual([
          [1, 'failed'],
          [2, 'completed'],
        ]);
        for (const id of ['dev-1', 'dev-3', 'dev-4']) expect(byDevice(id).at(-1)?.outcome).toBe('completed');
        expect(t.calls.inputs('recordDeviceFailure')).toEqual([
          {
            runId: input.runId,
            deviceId: 'dev-2',
            kind: 'AUTH_FAILED',
            message: 'authentication failed for admin',
          },
        ]);
        expect(t.calls.inputs('finishRun')).toEqual([{ runId: input.runId, cancelled: false }]);
        expect(await handle.query<CollectionProgress>('progress')).toEqual({
          total: 4,
          running: 0,
          succeeded: 3,
          failed: 1,
        });
      },
    );
  });

  // 'fail' is what the real activity does (toActivityFailure: ApplicationFailure CANCELLED);
  // 'cancel' is the SDK's own CancelledFailure. Neither may count the devices as failed.
  it.each<OnCancel>(['fail', 'cancel'])(
    'cancelling while devices are in flight cancels their activities, then finishes the run cancelled (%s)',
    async (onCancel) => {
      const input = collection(devices(4));
      const gate = new Gate();
      let inFlightAtFinish: string[] | undefined;
      const stubs = (t: StubWorld): Stubs => ({
        ...bookkeeping(),
        collectDevice: async ({ deviceId }) => {
          await hold(gate, onCancel);
          return collected(deviceId);
        },
        finishRun: async ({ runId, cancelled }) => {
          inFlightAtFinish = t.calls
            .of('collectDevice')
            .filter((c) => c.outcome === 'running')
            .map((c) => c.input.deviceId);
          return {
            runId,
            status: cancelled ? 'CANCELLED' : 'COMPLETED',
            succeeded: 0,
            failed: 0,
            cancelled: 4,
          };
        },
      });
      await env.run(stubs, async (t) => {
        const handle = await t.start<CollectionWorkflow>('collectionWorkflow', input);
        await t.calls.until('two devices in flight', (log) => log.of('collectDevice').length === 2);
        await handle.cancel();
        const result = await t.result(handle);

        expect(result.status).toBe('CANCELLED');
        const calls = t.calls.of('collectDevice');
        expect(calls.map((c) => c.input.deviceId).sort()).toEqual(['dev-1', 'dev-2']);
        expect(calls.map((c) => [c.cancelRequested, c.outcome])).toEqual([
          [true, 'failed'],
          [true, 'failed'],
        ]);
        // The activities had ended (sessions closed) before the run was marked cancelled.
        expect(inFlightAtFinish).toEqual([]);
        expect(t.calls.of('recordDeviceFailure')).toHaveLength(0);
        expect(t.calls.inputs('finishRun')).toEqual([{ runId: input.runId, cancelled: true }]);
      });
    },
  );

  it('waits out DATABASE_UNAVAILABLE with a durable pause and never records the device as failed', async () => {
    const input = collection(devices(2));
    let dbCalls = 0;
    await env.run(
      {
        ...bookkeeping(),
        collectDevice: async ({ deviceId }) => {
          // Both attempts of the first activity fail; the workflow pauses, then calls again.
          if (deviceId === 'dev-1' && dbCalls++ < 2) {
            throw retryable('DATABASE_UNAVAILABLE', 'the database is unavailable (ECONNREFUSED)');
          }
          return collected(deviceId);
        },
      },
      async (t) => {
        const handle = await t.start<CollectionWorkflow>('collectionWorkflow', input);
        const result = await t.result(handle);

        expect(result.status).toBe('COMPLETED');
        const dev1 = t.calls.of('collectDevice').filter((c) => c.input.deviceId === 'dev-1');
        // Attempts 1 and 2 of one activity (Temporal's retry), then a new activity after the pause.
        expect(dev1.map((c) => [c.attempt, c.outcome])).toEqual([
          [1, 'failed'],
          [2, 'failed'],
          [1, 'completed'],
        ]);
        const timers = (await t.history(handle)).filter((e) => e.timerStartedEventAttributes);
        expect(timers).toHaveLength(1);
        expect(String(timers[0].timerStartedEventAttributes!.startToFireTimeout!.seconds)).toBe('2');
        expect(t.calls.of('recordDeviceFailure')).toHaveLength(0);
        expect(t.calls.inputs('finishRun')).toEqual([{ runId: input.runId, cancelled: false }]);
        expect(await handle.query<CollectionProgress>('progress')).toEqual({
          total: 2,
          running: 0,
          succeeded: 2,
          failed: 0,
        });
      },
    );
  });
});
