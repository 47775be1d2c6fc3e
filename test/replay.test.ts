import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { startStack, waitFor, waitForRunEnd, workflowBundle, type Stack } from './support/harness';
import {
  createSchedule,
  deleteSchedule,
  isFinal,
  ms,
  scheduleMutation,
  waitForScheduleRuns,
} from './support/schedules';
import {
  createTask,
  getTaskRun,
  startRecorder,
  startTaskRun,
  step,
  waitForTaskRunEnd,
} from './support/tasks';

/**
 * Workflow code must replay the histories of runs started by earlier versions: a worker upgraded
 * while runs are in flight replays their histories with the new code, and a change that is not
 * deterministic (a command added, removed or reordered without `patched()`) fails them.
 *
 * test/fixtures/histories holds real histories of the workflows (task runs with fan-out,
 * rollback, approvals and signals; scheduled runs with upstream waits; collection and change
 * runs). This test replays every one with the current workflow bundle. To add the histories of
 * the current code (after a deliberate, patched change, or for a new workflow), run
 *   RECORD_HISTORIES=1 npx jest --selectProjects integration test/replay.test.ts
 * which runs the scenarios below against the real stack and writes one file per workflow
 * execution, named <scenario>.<n>.<workflow id, URI-encoded>.binpb (the History protobuf, as
 * Temporal serves it). Keep the
 * old files: they are the point.
 */
const DIR = path.join(__dirname, 'fixtures', 'histories');

if (process.env.RECORD_HISTORIES) {
  describe('record workflow histories', () => {
    let stack: Stack;
    let temporal: Client;
    let recorder: Awaited<ReturnType<typeof startRecorder>>;

    beforeAll(async () => {
      stack = await startStack({ lab: { devices: 6 } });
      temporal = stack.api.get(Client);
      recorder = await startRecorder();
      recorder.status.set('/fail', 400);
      mkdirSync(DIR, { recursive: true });
    });
    afterAll(async () => {
      await recorder?.close();
      await stack?.stop();
    });

    /** Every workflow execution of a run and its children (task, shard, collection, wrapper). */
    const save = async (scenario: string, runIds: string[]) => {
      const { rows } = await stack.db.query<{ workflow_id: string; schedule_workflow_id: string | null }>(
        `WITH RECURSIVE tree AS (
           SELECT id, workflow_id, schedule_workflow_id FROM runs WHERE id = ANY($1::uuid[])
           UNION ALL SELECT r.id, r.workflow_id, r.schedule_workflow_id FROM runs r JOIN tree t ON r.parent_run_id = t.id)
         SELECT DISTINCT workflow_id, schedule_workflow_id FROM tree`,
        [runIds],
      );
      const pending = rows.flatMap((r) => [
        r.workflow_id,
        ...(r.schedule_workflow_id ? [r.schedule_workflow_id] : []),
      ]);
      const seen = new Set<string>();
      let n = 0;
      // Each execution, then the children its history started (shards, collection runs, subtasks).
      while (pending.length) {
        const id = pending.shift()!;
        if (seen.has(id)) continue;
        seen.add(id);
        // A skipped scheduled run never started its own workflow.
        const history = await temporal.workflow
          .getHandle(id)
          .fetchHistory()
          .catch((error: unknown) => {
            // gRPC status 5 (NOT_FOUND): fetchHistory does not wrap it.
            if (error instanceof WorkflowNotFoundError || (error as { code?: number }).code === 5)
              return null;
            throw error;
          });
        if (!history) continue;
        writeFileSync(
          path.join(DIR, `${scenario}.${n++}.${encodeURIComponent(id)}.binpb`),
          proto.api.history.v1.History.encode(history).finish(),
        );
        for (const e of history.events ?? []) {
          const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
          if (child) pending.push(child);
        }
      }
    };

    it('records the scenarios', async () => {
      const [cisco] = stack.lab.devices().filter((d) => d.platform === 'cisco_ios');
      const other = stack.lab.devices().find((d) => d.platform !== 'cisco_ios' && d.platform !== 'linux')!;
      const http = (p: string) => ({
        kind: 'http.request',
        params: { method: 'POST', url: `${recorder.url}${p}` },
        retry: { maximumAttempts: 1 },
      });

      await createTask(stack, {
        name: 'replay-diamond',
        steps: [
          { id: 'a', kind: 'sleep', params: { seconds: 0 } },
          { id: 'b', ...http('/b'), dependsOn: ['a'] },
          { id: 'c', ...http('/c'), dependsOn: ['a'] },
          { id: 'd', ...http('/d'), dependsOn: ['b', 'c'] },
        ],
      });
      await save('task-diamond', [
        (await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'replay-diamond')).id)).id,
      ]);

      await createTask(stack, {
        name: 'replay-fanout',
        steps: [
          {
            id: 'versions',
            kind: 'fanout',
            params: {
              devices: { tags: ['lab'] },
              shardSize: 3,
              step: {
                kind: 'ssh.commands',
                params: {
                  commands: ['show version'],
                  commandsByPlatform: {
                    linux: ['uname -a'],
                    huawei: ['display version'],
                    hp_comware: ['display version'],
                  },
                },
              },
            },
          },
          {
            id: 'configure',
            kind: 'script',
            params: { devices: { platform: 'linux' }, script: 'true' },
            dependsOn: ['versions'],
          },
        ],
      });
      await save('task-fanout', [
        (await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'replay-fanout')).id)).id,
      ]);

      // A change step that fails on one device: rolled back on the other; an approval compensation.
      const devices = { names: [cisco.name, other.name] };
      await createTask(stack, {
        name: 'replay-rollback',
        steps: [
          {
            id: 'mark',
            ...http('/mark'),
            compensate: { kind: 'approval', params: { timeoutSeconds: 600 } },
          },
          {
            id: 'vlan',
            kind: 'ssh.configure',
            params: { devices, lines: ['vlan 377'] },
            retry: { maximumAttempts: 1 },
            dependsOn: ['mark'],
            compensate: { kind: 'ssh.configure', params: { devices, lines: ['no vlan 377'] } },
          },
        ],
      });
      stack.lab.setFaults(other.name, { wrongPassword: true });
      const rollback = await startTaskRun(stack, 'replay-rollback');
      await waitFor('the approval compensation', async () => {
        const run = await getTaskRun(stack, rollback.id);
        return step(run, 'mark').compensationStatus === 'WAITING_APPROVAL' ? run : undefined;
      });
      stack.lab.clearFaults(other.name);
      await stack.gql.request(
        `mutation ($input: StepDecisionInput!) { decideStep(input: $input) { stepId } }`,
        {
          input: { runId: rollback.id, stepId: 'mark', approve: true, by: 'replay' },
        },
      );
      expect((await waitForTaskRunEnd(stack, rollback.id)).status).toBe('ROLLED_BACK');
      await save('task-rollback', [rollback.id]);

      // Pause, resume, and a cancel that rolls back.
      await createTask(stack, {
        name: 'replay-signals',
        steps: [
          { id: 'one', ...http('/one'), compensate: http('/undo-one') },
          { id: 'nap', kind: 'sleep', params: { seconds: 2 }, dependsOn: ['one'] },
          { id: 'two', ...http('/two'), dependsOn: ['nap'] },
        ],
      });
      const signals = await startTaskRun(stack, 'replay-signals');
      await stack.gql.request(`mutation ($id: ID!) { pauseRun(id: $id) { id } }`, { id: signals.id });
      await stack.gql.request(`mutation ($id: ID!) { resumeRun(id: $id) { id } }`, { id: signals.id });
      await stack.gql.request(`mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: signals.id });
      await waitForTaskRunEnd(stack, signals.id);
      await save('task-signals', [signals.id]);

      // Scheduled runs: B waits for A of the same slot (met), then a slot where A fails (skipped).
      await createTask(stack, {
        name: 'replay-up',
        inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
        steps: [{ id: 'work', ...http('{{ inputs.path }}') }],
      });
      await createTask(stack, {
        name: 'replay-down',
        upstream: { tasks: [{ task: 'replay-up' }], timeoutSeconds: 120 },
        steps: [{ id: 'work', ...http('/down') }],
      });
      const every = { spec: { intervals: [{ everySeconds: 60 }], timezone: 'UTC' }, paused: true };
      const up = await createSchedule(stack, {
        name: 'replay-up',
        task: 'replay-up',
        inputs: { path: '/up' },
        ...every,
      });
      const upFails = await createSchedule(stack, {
        name: 'replay-up-fails',
        task: 'replay-up',
        inputs: { path: '/fail' },
        ...every,
      });
      const down = await createSchedule(stack, { name: 'replay-down', task: 'replay-down', ...every });
      const slot = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
      const backfill = (id: string, at: number) =>
        scheduleMutation(
          stack,
          'backfillSchedule',
          id,
          {
            start: new Date(at - 1000).toISOString(),
            end: new Date(at + 1000).toISOString(),
            overlap: 'ALLOW_ALL',
          },
          { start: 'DateTime!', end: 'DateTime!', overlap: 'ScheduleOverlap' },
        );
      await backfill(down.id, slot);
      await backfill(up.id, slot);
      await backfill(down.id, slot + 60_000);
      await backfill(upFails.id, slot + 60_000);
      const downRuns = await waitForScheduleRuns(
        stack,
        down.id,
        'two ended',
        (r) => r.filter(isFinal).length === 2,
      );
      expect(downRuns.map((r) => [ms(r.scheduledAt) - slot, r.status])).toEqual([
        [0, 'COMPLETED'],
        [60_000, 'SKIPPED'],
      ]);
      for (const s of [up, upFails, down]) await deleteSchedule(stack, s.id);
      await save(
        'scheduled-upstream',
        downRuns.map((r) => r.id),
      );

      const collection = await stack.gql.request<{ startCollection: { id: string } }>(
        `mutation ($input: StartCollectionInput!) { startCollection(input: $input) { id } }`,
        { input: { deviceIds: [stack.deviceIds.get(cisco.name)], commands: ['show version'] } },
      );
      await waitForRunEnd(stack, collection.startCollection.id);
      await save('collection', [collection.startCollection.id]);

      const change = await stack.gql.request<{ startChange: { id: string } }>(
        `mutation ($input: StartChangeInput!) { startChange(input: $input) { id } }`,
        {
          input: {
            reason: 'replay',
            deviceIds: [stack.deviceIds.get(cisco.name)],
            configByPlatform: [{ platform: 'cisco_ios', config: 'ntp server 10.77.0.1' }],
          },
        },
      );
      await waitForRunEnd(stack, change.startChange.id);
      await save('change', [change.startChange.id]);
    });
  });
} else {
  describe('workflow histories', () => {
    it('replay with the current workflow code, every one of them', async () => {
      const files = readdirSync(DIR)
        .filter((f) => f.endsWith('.binpb'))
        .sort();
      expect(files.length).toBeGreaterThanOrEqual(10);
      const histories = files.map((f) => ({
        // The workflow id is part of the history's meaning (child ids derive from it).
        workflowId: decodeURIComponent(
          f
            .replace(/\.binpb$/, '')
            .split('.')
            .slice(2)
            .join('.'),
        ),
        history: proto.api.history.v1.History.decode(readFileSync(path.join(DIR, f))),
      }));
      const failures: string[] = [];
      let replayed = 0;
      for await (const result of Worker.runReplayHistories(
        { workflowBundle: await workflowBundle() },
        histories,
      )) {
        replayed++;
        if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
      }
      expect(failures).toEqual([]);
      expect(replayed).toBe(files.length);
    });
  });
}
