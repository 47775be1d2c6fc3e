/**
 * Workflow tests with stub activities: the real workflow code (the shared bundle) runs on the
 * integration project's Temporal dev server, on a fresh task queue per test, against activities the
 * test writes. No PostgreSQL, no SSH. Every activity call is recorded in order (name and input);
 * an activity the test did not stub fails the test at once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type {
  Client,
  WorkflowHandle,
  WorkflowHandleWithFirstExecutionRunId,
  WorkflowStartOptions,
} from '@temporalio/client';
import {
  ApplicationFailure,
  ApplicationFailureCategory,
  type Workflow,
  type WorkflowResultType,
} from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type {
  ChangeActivities,
  CollectionActivities,
  ItemActivities,
  RunActivities,
  SafetyActivities,
  ScheduleActivities,
  TaskActivities,
  WorkflowName,
} from '../../workflows/contracts';
import { waitFor } from '../../scripts/infra/process';
import { workflowBundle } from './bundle';

/** Every activity a workflow of the project may call. */
export type AllActivities = RunActivities &
  CollectionActivities &
  ChangeActivities &
  TaskActivities &
  ItemActivities &
  SafetyActivities &
  ScheduleActivities;
export type ActivityName = keyof AllActivities;
export type ActivityInput<K extends ActivityName> = Parameters<AllActivities[K]>[0];
/** What a test gives: the activities its workflow should call; any other call fails the test. */
export type Stubs = Partial<AllActivities>;

/** Every name of AllActivities (the type makes sure none is missing): all are registered. */
const ACTIVITY_NAMES: { [K in ActivityName]-?: true } = {
  markRunStarted: true,
  recordDeviceFailure: true,
  collectDevice: true,
  finishRun: true,
  planChangeDevice: true,
  applyChangeDevice: true,
  rollbackChangeDevice: true,
  restoreFailedApply: true,
  rollbackFailed: true,
  setRunStatus: true,
  finishChange: true,
  taskRunStarted: true,
  notePause: true,
  prepareStep: true,
  prepareItemSubtask: true,
  recordItemSubtask: true,
  itemQueues: true,
  recordItemFailure: true,
  completeStep: true,
  stepFailed: true,
  rollbackStarted: true,
  compensationFailed: true,
  finishTaskRun: true,
  runStepItem: true,
  runHttpStep: true,
  acquireDeviceLocks: true,
  releaseDeviceLocks: true,
  checkWindows: true,
  noteStepWaiting: true,
  storeScheduledRun: true,
  awaitUpstream: true,
  upstreamPassed: true,
  endScheduledRun: true,
};

/** One activity call (one attempt), as the worker ran it. */
export interface ActivityCall<K extends ActivityName = ActivityName> {
  name: K;
  input: ActivityInput<K>;
  workflowId: string;
  attempt: number;
  /** running until the stub returned (completed) or threw (failed). */
  outcome: 'running' | 'completed' | 'failed';
  /** The stub's error, when it failed. */
  error?: string;
  /** Temporal asked the activity to stop (seen by `hold` through the cancellation signal). */
  cancelRequested: boolean;
}

/** The calls of one test, in the order the worker started them. */
export class CallLog {
  readonly all: ActivityCall[] = [];

  of<K extends ActivityName>(name: K): ActivityCall<K>[] {
    return this.all.filter((c): c is ActivityCall<K> => c.name === name);
  }

  inputs<K extends ActivityName>(name: K): ActivityInput<K>[] {
    return this.of(name).map((c) => c.input);
  }

  names(): ActivityName[] {
    return this.all.map((c) => c.name);
  }

  /** Position of the first call matching, -1 when there is none. */
  indexOf<K extends ActivityName>(name: K, match: (input: ActivityInput<K>) => boolean = () => true): number {
    return this.all.findIndex((c) => c.name === name && match(c.input as ActivityInput<K>));
  }

  /** Wait (with a deadline) until the log satisfies `probe`. */
  until(what: string, probe: (log: CallLog) => boolean, timeoutMs = 20_000): Promise<void> {
    return waitFor(what, () => probe(this) || undefined, { timeoutMs, intervalMs: 20 }).then(() => undefined);
  }
}

/** Gates not opened yet: each `run` opens them when its body ends, so no held stub outlives a test. */
const closedGates = new Set<Gate>();

/** A promise the test opens: a stub blocked on it (see `hold`) goes on. */
export class Gate {
  private release!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.release = resolve));

  constructor() {
    closedGates.add(this);
  }

  open(): void {
    closedGates.delete(this);
    this.release();
  }
}

const currentCall = new AsyncLocalStorage<ActivityCall>();

/**
 * What a held activity does when Temporal cancels it:
 * - `cancel`: ends cancelled (a CancelledFailure, as `Context.current().sleep()` does: awaitUpstream);
 * - `fail`: fails with the non-retryable ApplicationFailure CANCELLED that toActivityFailure
 *   (activities/failures.ts) makes of a cancelled device or item activity;
 * - `ignore`: finishes its work first (a config push or restore that must not stop half-way).
 */
export type OnCancel = 'cancel' | 'fail' | 'ignore';

/**
 * Block a stub until `gate` opens, heartbeating (so that a cancel reaches it) and reacting to
 * `Context.current().cancellationSignal` as `onCancel` says.
 */
export async function hold(gate: Gate, onCancel: OnCancel): Promise<void> {
  const ctx = Context.current();
  const call = currentCall.getStore();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), 100);
  const signal = ctx.cancellationSignal;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onAbort = () => {
        if (call) call.cancelRequested = true;
        if (onCancel === 'cancel') reject(signal.reason);
        if (onCancel === 'fail') reject(permanent('CANCELLED', 'run cancelled'));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      void gate.opened.then(resolve);
    });
  } finally {
    clearInterval(beat);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * A stub's failure, as activities/failures.ts makes them. BENIGN only keeps the worker from logging
 * each expected failure with its stack (the workflows never look at a failure's category).
 */
function stubFailure(type: string, message: string, nonRetryable: boolean): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable,
    category: ApplicationFailureCategory.BENIGN,
  });
}

/** A permanent failure (not retried), as the SSH driver or an activity reports it. */
export function permanent(type: string, message = `${type.toLowerCase()} (stub)`): ApplicationFailure {
  return stubFailure(type, message, true);
}

/** A failure Temporal retries (up to the activity's maximumAttempts). */
export function retryable(type: string, message = `${type.toLowerCase()} (stub)`): ApplicationFailure {
  return stubFailure(type, message, false);
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** What a test body gets: a client, its task queue, the calls so far, and a few helpers. */
export interface StubWorld {
  client: Client;
  taskQueue: string;
  calls: CallLog;
  /** Start a workflow on this test's task queue (a fresh workflow id). */
  start<W extends Workflow>(
    type: WorkflowName,
    ...args: Parameters<W>
  ): Promise<WorkflowHandleWithFirstExecutionRunId<W>>;
  /** The workflow's result, or an error after `timeoutMs`. */
  result<W extends Workflow>(handle: WorkflowHandle<W>, timeoutMs?: number): Promise<WorkflowResultType<W>>;
  /** The workflow's history so far. */
  history(handle: WorkflowHandle): Promise<HistoryEvent[]>;
  /** Wait until the workflow has run its code after a cancel request (the cancel reached it). */
  cancelSeen(handle: WorkflowHandle): Promise<void>;
}

/**
 * The Temporal dev server of the integration project, and the workflows bundled once per test
 * file. Each `run` has its own worker on a fresh task queue.
 */
export class WorkflowTestEnv {
  private constructor(private readonly env: TestWorkflowEnvironment) {}

  static async connect(): Promise<WorkflowTestEnv> {
    const address = process.env.SWITCHBOARD_TEST_TEMPORAL_ADDRESS;
    if (!address) throw new Error('workflow tests must run through jest --selectProjects integration');
    const env = await TestWorkflowEnvironment.createFromExistingServer({ address, namespace: 'default' });
    await workflowBundle();
    return new WorkflowTestEnv(env);
  }

  get client(): Client {
    return this.env.client;
  }

  async close(): Promise<void> {
    await this.env.teardown();
  }

  /**
   * Run `body` while a worker with `stubs` serves a fresh task queue. The worker stops when the
   * body ends; workflows the body started and left running are terminated.
   */
  async run<T>(
    stubsOf: Stubs | ((world: StubWorld) => Stubs),
    body: (world: StubWorld) => Promise<T>,
  ): Promise<T> {
    const taskQueue = `wf-test-${randomUUID()}`;
    const calls = new CallLog();
    let stubs: Stubs = {};
    const started: WorkflowHandle[] = [];
    // The first call the test has no stub for: it fails the test at once (and after the body).
    let unexpectedCall: Error | undefined;
    let reportUnexpected!: (error: Error) => void;
    const unexpected = new Promise<never>((_, reject) => (reportUnexpected = reject));
    unexpected.catch(() => undefined);

    const activity = (name: ActivityName) => async (input: never) => {
      const info = Context.current().info;
      const call: ActivityCall = {
        name,
        input,
        workflowId: info.workflowExecution?.workflowId ?? '',
        attempt: info.attempt,
        outcome: 'running',
        cancelRequested: false,
      };
      calls.all.push(call);
      const stub = stubs[name] as ((input: never) => Promise<unknown>) | undefined;
      if (!stub) {
        const message = `unexpected activity ${name}(${JSON.stringify(input)}): the test has no stub for it`;
        unexpectedCall ??= new Error(message);
        reportUnexpected(unexpectedCall);
        call.outcome = 'failed';
        call.error = message;
        throw ApplicationFailure.create({ type: 'UNEXPECTED_ACTIVITY', message, nonRetryable: true });
      }
      try {
        const result = await currentCall.run(call, () => stub(input));
        call.outcome = 'completed';
        return result;
      } catch (error) {
        call.outcome = 'failed';
        call.error = error instanceof Error ? error.message : String(error);
        throw error;
      }
    };
    const activities: Record<string, (input: never) => Promise<unknown>> = Object.fromEntries(
      (Object.keys(ACTIVITY_NAMES) as ActivityName[]).map((name) => [name, activity(name)]),
    );

    const worker = await Worker.create({
      connection: this.env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
      // The same sandbox (one reused VM context), in this thread: a worker thread per test would
      // take about a second to start. Only the deadlock detector's time limit is lost.
      debugMode: true,
      // Heartbeats reach the server at least every 200 ms, so a cancel reaches a held stub quickly.
      maxHeartbeatThrottleInterval: 200,
      shutdownForceTime: '20 seconds',
    });
    const client = this.env.client;
    const world: StubWorld = {
      client,
      taskQueue,
      calls,
      async start<W extends Workflow>(type: WorkflowName, ...args: Parameters<W>) {
        const handle = await client.workflow.start<W>(type, {
          taskQueue,
          workflowId: `${type}-${randomUUID()}`,
          args,
        } as unknown as WorkflowStartOptions<W>);
        started.push(handle);
        return handle;
      },
      async result<W extends Workflow>(handle: WorkflowHandle<W>, timeoutMs = 30_000) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`workflow ${handle.workflowId} did not end within ${timeoutMs} ms`)),
            timeoutMs,
          );
        });
        try {
          return await Promise.race([handle.result(), deadline]);
        } finally {
          clearTimeout(timer);
        }
      },
      async history(handle) {
        return (await handle.fetchHistory()).events ?? [];
      },
      async cancelSeen(handle) {
        await waitFor(
          `workflow ${handle.workflowId} to handle its cancel request`,
          async () => {
            const events = await world.history(handle);
            const requested = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
            return (
              requested >= 0 &&
              events
                .slice(requested)
                .some(
                  (e) =>
                    e.workflowTaskCompletedEventAttributes || e.workflowExecutionCompletedEventAttributes,
                )
            );
          },
          { timeoutMs: 20_000, intervalMs: 50 },
        );
      },
    };

    stubs = typeof stubsOf === 'function' ? stubsOf(world) : stubsOf;

    return worker.runUntil(async () => {
      try {
        const result = await Promise.race([body(world), unexpected]);
        if (unexpectedCall) throw unexpectedCall;
        return result;
      } finally {
        for (const gate of [...closedGates]) gate.open();
        await Promise.all(started.map((h) => terminateIfRunning(h)));
      }
    });
  }
}

async function terminateIfRunning(handle: WorkflowHandle): Promise<void> {
  try {
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') await handle.terminate('workflow test ended');
  } catch {
    /* gone already */
  }
}
