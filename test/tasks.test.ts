import { normaliseConfig } from '../libs/configs/src';
import { startStack, waitFor, type Stack } from './support/harness';
import {
  control,
  createTask,
  getTaskRun,
  startRecorder,
  startTaskRun,
  step,
  waitForStep,
  waitForTaskRunEnd,
  type Recorder,
  expectBadInput,
} from './support/tasks';

const http = (url: string, extra: Record<string, unknown> = {}) => ({
  kind: 'http.request',
  params: { method: 'POST', url, ...extra },
  retry: { maximumAttempts: 2, initialIntervalSeconds: 0.2 },
});

describe('task engine', () => {
  let stack: Stack;
  let web: Recorder;

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 6, http: {} } });
    web = await startRecorder();
  });
  afterAll(async () => {
    await web?.close();
    await stack?.stop();
  });
  beforeEach(() => {
    web.calls.length = 0;
    web.status.clear();
  });

  it('runs a diamond: B and C at the same time, D after both', async () => {
    await createTask(stack, {
      name: 'diamond',
      steps: [
        { id: 'a', kind: 'sleep', params: { seconds: 0 } },
        { id: 'b', kind: 'sleep', params: { seconds: 2 }, dependsOn: ['a'] },
        { id: 'c', kind: 'sleep', params: { seconds: 2 }, dependsOn: ['a'] },
        {
          id: 'd',
          kind: 'http.request',
          params: { url: `${web.url}/d?from={{ steps.b.output.seconds }}` },
          dependsOn: ['b', 'c'],
        },
      ],
    });
    const run = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'diamond')).id);
    expect(run.status).toBe('COMPLETED');
    const t = (id: string, f: 'startedAt' | 'finishedAt') => Date.parse(step(run, id)[f]!);
    // B and C overlap; D starts after both ended.
    expect(t('b', 'startedAt')).toBeLessThan(t('c', 'finishedAt'));
    expect(t('c', 'startedAt')).toBeLessThan(t('b', 'finishedAt'));
    expect(t('b', 'startedAt')).toBeGreaterThanOrEqual(t('a', 'finishedAt'));
    expect(t('d', 'startedAt')).toBeGreaterThanOrEqual(Math.max(t('b', 'finishedAt'), t('c', 'finishedAt')));
    expect(web.calls).toEqual(['GET /d?from=2']);
    expect(step(run, 'd').output).toMatchObject({ status: 200, json: { path: '/d?from=2' } });
    expect(run.temporalUrl).toContain(run.workflowId);
  });

  it('rolls back steps 2 then 1 when step 3 of 4 fails for good; the device is put back', async () => {
    const cisco = stack.lab.devices().find((d) => d.platform === 'cisco_ios')!;
    const config = () => normaliseConfig('cisco_ios', stack.lab.runningConfig(cisco.name));
    const before = config();
    await createTask(stack, {
      name: 'four-steps',
      steps: [
        {
          id: 'vlan',
          kind: 'ssh.configure',
          params: { devices: { names: [cisco.name] }, lines: ['vlan 342', ' name TASKS'] },
          compensate: {
            kind: 'ssh.configure',
            params: { devices: { names: [cisco.name] }, lines: ['no vlan 342'] },
          },
        },
        { id: 'two', ...http(`${web.url}/do/2`), dependsOn: ['vlan'], compensate: http(`${web.url}/undo/2`) },
        { id: 'three', ...http(`${web.url}/fail`), dependsOn: ['two'] },
        { id: 'four', ...http(`${web.url}/do/4`), dependsOn: ['three'] },
      ],
    });
    web.status.set('/fail', 400);
    const started = await startTaskRun(stack, 'four-steps');
    const mid = await waitForStep(stack, started.id, 'two', ['SUCCEEDED']);
    expect(stack.lab.runningConfig(cisco.name)).toContain('vlan 342');
    expect(step(mid, 'vlan').output).toMatchObject({ total: 1, succeeded: 1 });

    const run = await waitForTaskRunEnd(stack, started.id);
    expect(run.status).toBe('ROLLED_BACK');
    // 400 is not retried; the compensations run newest first.
    expect(web.calls).toEqual(['POST /do/2', 'POST /fail', 'POST /undo/2']);
    expect(step(run, 'three')).toMatchObject({ status: 'FAILED', errorKind: 'HTTP_STATUS' });
    expect(step(run, 'four').status).toBe('NOT_RUN');
    expect(step(run, 'two').compensationStatus).toBe('COMPENSATED');
    expect(step(run, 'vlan').compensationStatus).toBe('COMPENSATED');
    const { rows } = await stack.db.query<{ step_id: string }>(
      `SELECT step_id FROM run_steps WHERE run_id = $1 AND compensated_at IS NOT NULL ORDER BY compensated_at`,
      [run.id],
    );
    expect(rows.map((r) => r.step_id)).toEqual(['two', 'vlan']);
    expect(stack.lab.runningConfig(cisco.name)).not.toContain('vlan 342');
    // Byte for byte, minus volatile lines (change timestamp, NTP clock period).
    expect(config()).toBe(before);
  });

  it('undoes a change step that failed part-way on the devices it reached, not on the others', async () => {
    const cisco = stack.lab.devices().find((d) => d.platform === 'cisco_ios')!;
    const locked = stack.lab.devices().find((d) => d.platform !== 'cisco_ios' && d.platform !== 'linux')!;
    const config = () => normaliseConfig('cisco_ios', stack.lab.runningConfig(cisco.name));
    const before = config();
    const devices = { names: [cisco.name, locked.name] };
    await createTask(stack, {
      name: 'partial-change',
      steps: [
        {
          id: 'vlan',
          kind: 'ssh.configure',
          params: { devices, lines: ['vlan 344', ' name PARTIAL'] },
          retry: { maximumAttempts: 1 },
          compensate: { kind: 'ssh.configure', params: { devices, lines: ['no vlan 344'] } },
        },
      ],
    });
    stack.lab.setFaults(locked.name, { wrongPassword: true });
    try {
      const run = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'partial-change')).id);
      // Without its compensation, the run would end FAILED with vlan 344 left on the cisco device.
      expect(run.status).toBe('ROLLED_BACK');
      expect(step(run, 'vlan')).toMatchObject({
        status: 'FAILED',
        errorKind: 'TOO_MANY_FAILURES',
        compensationStatus: 'COMPENSATED',
      });
      const { rows } = await stack.db.query<{ name: string }>(
        `SELECT item->>'name' AS name FROM run_step_items WHERE run_id = $1 AND step_key = 'vlan#compensate'`,
        [run.id],
      );
      // The device whose login failed was never changed, so it is not "undone" (which would fail too).
      expect(rows.map((r) => r.name)).toEqual([cisco.name]);
      expect(config()).toBe(before);
    } finally {
      stack.lab.clearFaults(locked.name);
    }
  });

  it('rolls back step 1 when the run is cancelled during step 2', async () => {
    await createTask(stack, {
      name: 'cancel-me',
      steps: [
        { id: 'one', ...http(`${web.url}/do/1`), compensate: http(`${web.url}/undo/1`) },
        { id: 'two', kind: 'sleep', params: { seconds: 120 }, dependsOn: ['one'] },
      ],
    });
    const started = await startTaskRun(stack, 'cancel-me');
    await waitForStep(stack, started.id, 'two', ['RUNNING']);
    await stack.gql.request(`mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: started.id });
    const run = await waitForTaskRunEnd(stack, started.id);
    expect(run.status).toBe('ROLLED_BACK');
    expect(step(run, 'two').status).toBe('CANCELLED');
    expect(step(run, 'one').compensationStatus).toBe('COMPENSATED');
    expect(web.calls).toEqual(['POST /do/1', 'POST /undo/1']);
  });

  it('pauses (no new step starts) and resumes', async () => {
    await createTask(stack, {
      name: 'pausable',
      steps: [
        { id: 'first', kind: 'sleep', params: { seconds: 1 } },
        { id: 'second', ...http(`${web.url}/second`), dependsOn: ['first'] },
      ],
    });
    const started = await startTaskRun(stack, 'pausable');
    await waitForStep(stack, started.id, 'first', ['RUNNING']);
    await control(stack, 'pauseRun', started.id);
    await waitForStep(stack, started.id, 'first', ['SUCCEEDED']);
    await new Promise((r) => setTimeout(r, 1500));
    const paused = await getTaskRun(stack, started.id);
    expect(paused.status).toBe('PAUSED');
    expect(step(paused, 'second').status).toBe('PENDING');
    expect(web.calls).toEqual([]);
    await control(stack, 'resumeRun', started.id);
    const run = await waitForTaskRunEnd(stack, started.id);
    expect(run.status).toBe('COMPLETED');
    expect(web.calls).toEqual(['POST /second']);
  });

  describe('approval', () => {
    beforeAll(async () => {
      await createTask(stack, {
        name: 'needs-approval',
        inputSchema: {
          type: 'object',
          properties: {
            timeout: { type: 'integer', default: 120 },
            fallback: { type: 'string', default: 'reject' },
          },
        },
        steps: [
          {
            id: 'ok',
            kind: 'approval',
            params: {
              message: 'push it?',
              timeoutSeconds: '{{ inputs.timeout }}',
              defaultDecision: '{{ inputs.fallback }}',
            },
          },
          { id: 'push', ...http(`${web.url}/push`), dependsOn: ['ok'] },
        ],
      });
    });

    const decide = (runId: string, approve: boolean) =>
      stack.gql.request(
        `mutation ($input: StepDecisionInput!) { decideStep(input: $input) { stepId status } }`,
        { input: { runId, stepId: 'ok', approve, by: 'alice', comment: approve ? 'go' : 'not today' } },
      );

    it('approved: the next step runs and the decision is the step output', async () => {
      const started = await startTaskRun(stack, 'needs-approval');
      await waitForStep(stack, started.id, 'ok', ['WAITING_APPROVAL']);
      await decide(started.id, true);
      const run = await waitForTaskRunEnd(stack, started.id);
      expect(run.status).toBe('COMPLETED');
      expect(step(run, 'ok').output).toMatchObject({ decision: 'approved', by: 'alice', comment: 'go' });
      expect(web.calls).toEqual(['POST /push']);
    });

    it('rejected: the run fails and the next step never runs', async () => {
      const started = await startTaskRun(stack, 'needs-approval');
      await waitForStep(stack, started.id, 'ok', ['WAITING_APPROVAL']);
      await decide(started.id, false);
      const run = await waitForTaskRunEnd(stack, started.id);
      expect(run.status).toBe('FAILED');
      expect(step(run, 'ok')).toMatchObject({ status: 'FAILED', errorKind: 'APPROVAL_REJECTED' });
      expect(step(run, 'ok').output).toMatchObject({ decision: 'rejected', by: 'alice' });
      expect(step(run, 'push').status).toBe('NOT_RUN');
      expect(web.calls).toEqual([]);
    });

    it('timed out: the default decision applies (reject, then approve)', async () => {
      const rejected = await waitForTaskRunEnd(
        stack,
        (await startTaskRun(stack, 'needs-approval', { timeout: 1 })).id,
      );
      expect(rejected.status).toBe('FAILED');
      expect(step(rejected, 'ok').output).toMatchObject({ decision: 'rejected', by: 'timeout' });
      const approved = await waitForTaskRunEnd(
        stack,
        (await startTaskRun(stack, 'needs-approval', { timeout: 1, fallback: 'approve' })).id,
      );
      expect(approved.status).toBe('COMPLETED');
      expect(step(approved, 'ok').output).toMatchObject({ decision: 'approved', by: 'timeout' });
      expect(web.calls).toEqual(['POST /push']);
    });

    it('a decision for a step that does not wait is refused', async () => {
      const started = await startTaskRun(stack, 'needs-approval');
      await waitForStep(stack, started.id, 'ok', ['WAITING_APPROVAL']);
      await expect(
        stack.gql.request(`mutation ($input: StepDecisionInput!) { decideStep(input: $input) { stepId } }`, {
          input: { runId: started.id, stepId: 'push', approve: true },
        }),
      ).rejects.toThrow(/BAD_USER_INPUT: stepId: step "push" is not an approval/);
      await stack.gql.request(`mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: started.id });
      expect((await waitForTaskRunEnd(stack, started.id)).status).toBe('CANCELLED');
    });
  });

  it('an approval with approvers refuses anyone else', async () => {
    const task = await createTask(stack, {
      name: 'carol-decides',
      steps: [{ id: 'ok', kind: 'approval', params: { timeoutSeconds: 120, approvers: ['carol'] } }],
    });
    const started = await startTaskRun(stack, 'carol-decides');
    await waitForStep(stack, started.id, 'ok', ['WAITING_APPROVAL']);
    const decide = (by: string) =>
      stack.gql.request(`mutation ($input: StepDecisionInput!) { decideStep(input: $input) { stepId } }`, {
        input: { runId: started.id, stepId: 'ok', approve: true, by },
      });
    await expect(decide('alice')).rejects.toThrow(
      /FORBIDDEN: step "ok" may be decided only by carol, not alice/,
    );
    await decide('carol');
    expect((await waitForTaskRunEnd(stack, started.id)).status).toBe('COMPLETED');
    const listed = await stack.gql.request<{ runs: { edges: { node: { id: string; taskName: string } }[] } }>(
      `query ($taskId: ID!) { runs(first: 10, taskId: $taskId) { edges { node { id taskName } } } }`,
      { taskId: task.id },
    );
    expect(listed.runs.edges.map((e) => e.node)).toEqual([{ id: started.id, taskName: 'carol-decides' }]);
  });

  it('an approval as a compensation waits on rollback for its approver, then the undo goes on', async () => {
    await createTask(stack, {
      name: 'approve-the-undo',
      steps: [
        {
          id: 'push',
          ...http(`${web.url}/push-undoable`),
          compensate: { kind: 'approval', params: { timeoutSeconds: 600, approvers: ['dave'] } },
        },
        { id: 'breaks', ...http(`${web.url}/breaks`), dependsOn: ['push'] },
      ],
    });
    web.status.set('/breaks', 400);
    const started = await startTaskRun(stack, 'approve-the-undo');
    const waiting = await waitFor('the compensation to wait for approval', async () => {
      const run = await getTaskRun(stack, started.id);
      return step(run, 'push').compensationStatus === 'WAITING_APPROVAL' ? run : undefined;
    });
    expect(waiting.status).toBe('ROLLING_BACK');
    const decide = (by: string) =>
      stack.gql.request(`mutation ($input: StepDecisionInput!) { decideStep(input: $input) { stepId } }`, {
        input: { runId: started.id, stepId: 'push', approve: true, by },
      });
    await expect(decide('erin')).rejects.toThrow(/FORBIDDEN: step "push" may be decided only by dave/);
    await decide('dave');
    const run = await waitForTaskRunEnd(stack, started.id);
    expect(run.status).toBe('ROLLED_BACK');
    expect(step(run, 'push').compensationStatus).toBe('COMPENSATED');
  });

  it('retry from failure re-runs only the failed step and its dependants', async () => {
    await createTask(stack, {
      name: 'retryable',
      steps: [
        { id: 'a', ...http(`${web.url}/a`) },
        { id: 'side', ...http(`${web.url}/side`) },
        { id: 'b', ...http(`${web.url}/b`), dependsOn: ['a'] },
        { id: 'c', ...http(`${web.url}/c?a={{ steps.a.output.json.n }}`), dependsOn: ['b'] },
      ],
    });
    web.status.set('/b', 404);
    const first = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'retryable')).id);
    expect(first.status).toBe('FAILED');
    expect(step(first, 'b').status).toBe('FAILED');
    expect(step(first, 'c').status).toBe('NOT_RUN');
    const aCallNumber = (step(first, 'a').output as { json: { n: number } }).json.n;

    web.calls.length = 0;
    web.status.clear();
    const retry = await control(stack, 'retryRunFromFailure', first.id);
    expect(retry.sourceRunId).toBe(first.id);
    const run = await waitForTaskRunEnd(stack, retry.id);
    expect(run.status).toBe('COMPLETED');
    expect(step(run, 'a').status).toBe('REUSED');
    expect(step(run, 'side').status).toBe('REUSED');
    // Only b and c ran again; c read a's output from the first run.
    expect(web.calls).toEqual(['POST /b', `POST /c?a=${aCallNumber}`]);
  });

  it('fans out over a list of items and aggregates with count and a Liquid reduce', async () => {
    const fan = (aggregate: Record<string, unknown>) => ({
      kind: 'fanout',
      params: {
        items: '{{ inputs.items }}',
        concurrency: 2,
        step: { kind: 'http.request', params: { url: `${web.url}/item/{{ item }}` } },
        aggregate,
      },
    });
    await createTask(stack, {
      name: 'fan-items',
      inputSchema: { type: 'object', properties: { items: { type: 'array' } }, required: ['items'] },
      steps: [
        { id: 'count', ...fan({ mode: 'count', field: 'status' }) },
        {
          id: 'sum',
          ...fan({ mode: 'reduce', expression: 'acc | plus: output.status', initial: 0 }),
          dependsOn: ['count'],
        },
      ],
    });
    const run = await waitForTaskRunEnd(
      stack,
      (await startTaskRun(stack, 'fan-items', { items: ['a', 'b', 'c'] })).id,
    );
    expect(run.status).toBe('COMPLETED');
    expect(step(run, 'count').output).toMatchObject({
      total: 3,
      succeeded: 3,
      failed: 0,
      result: { '200': 3 },
    });
    expect(step(run, 'sum').output).toMatchObject({ result: 600 });
    expect([...web.calls].sort()).toEqual([
      'GET /item/a',
      'GET /item/a',
      'GET /item/b',
      'GET /item/b',
      'GET /item/c',
      'GET /item/c',
    ]);
  });

  it('collects devices over their HTTP API (RESTCONF-style JSON) with each device credential', async () => {
    await createTask(stack, {
      name: 'http-facts',
      inputSchema: { type: 'object', properties: { base: { type: 'string' } }, required: ['base'] },
      steps: [
        {
          id: 'versions',
          kind: 'fanout',
          params: {
            devices: { tags: ['lab'] },
            step: {
              kind: 'http.request',
              params: {
                url: '{{ inputs.base }}/devices/{{ item.name }}/restconf/data/ietf-system:system-state',
                auth: { credential: '{{ item.credential }}' },
                extract: { os: '["ietf-system:system-state"].platform["os-name"]' },
              },
            },
            aggregate: { mode: 'count', field: 'extracted.os' },
          },
        },
      ],
    });
    const run = await waitForTaskRunEnd(
      stack,
      (await startTaskRun(stack, 'http-facts', { base: stack.lab.httpUrl })).id,
    );
    expect(run.status).toBe('COMPLETED');
    const output = step(run, 'versions').output as { succeeded: number; result: Record<string, number> };
    expect(output.succeeded).toBe(6);
    expect(Object.values(output.result).reduce((a, b) => a + b, 0)).toBe(6);
    for (const d of stack.lab.devices()) expect(stack.lab.httpLog(d.name)).toHaveLength(1);
  });

  it('runs a subtask as a child run and exposes its outputs', async () => {
    await createTask(stack, {
      name: 'child',
      inputSchema: { type: 'object', properties: { who: { type: 'string' } }, required: ['who'] },
      steps: [{ id: 'hello', ...http(`${web.url}/hello/{{ inputs.who }}`) }],
    });
    await createTask(stack, {
      name: 'parent',
      steps: [
        { id: 'sub', kind: 'subtask', params: { task: 'child', inputs: { who: 'bob' } } },
        {
          id: 'after',
          ...http(`${web.url}/after/{{ steps.sub.output.outputs.hello.status }}`),
          dependsOn: ['sub'],
        },
      ],
    });
    const run = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'parent')).id);
    expect(run.status).toBe('COMPLETED');
    expect(web.calls).toEqual(['POST /hello/bob', 'POST /after/200']);
    const child = await getTaskRun(stack, step(run, 'sub').childRunId!);
    expect(child).toMatchObject({ status: 'COMPLETED', taskName: 'child', inputs: { who: 'bob' } });
  });

  it('collects with ssh.commands and runs scripts on Linux servers over SSH exec', async () => {
    const linux = stack.lab.devices().filter((d) => d.platform === 'linux');
    await createTask(stack, {
      name: 'ssh-steps',
      steps: [
        {
          id: 'facts',
          kind: 'ssh.commands',
          params: { devices: { platform: 'linux' }, commands: ['uname -a'] },
        },
        {
          id: 'script',
          kind: 'script',
          params: { devices: { platform: 'linux' }, script: 'hostname' },
          dependsOn: ['facts'],
        },
      ],
    });
    const run = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'ssh-steps')).id);
    expect(run.status).toBe('COMPLETED');
    const facts = step(run, 'facts').output as {
      total: number;
      succeeded: number;
      outputs: Record<string, Record<string, string>>;
    };
    expect(facts).toMatchObject({ total: linux.length, succeeded: linux.length });
    expect(facts.outputs[linux[0].name]['uname -a']).toMatch(/Linux/);
    const script = step(run, 'script').output as {
      devices: { name: string; exitCode: number; stdout: string }[];
    };
    expect(script.devices.map((d) => [d.name, d.exitCode])).toEqual(linux.map((d) => [d.name, 0]));
    expect(script.devices[0].stdout.trim()).toBe(linux[0].hostname);
  });

  it('a run keeps its pinned version when the task is edited in flight', async () => {
    const v1 = {
      name: 'pinned',
      steps: [
        { id: 'wait', kind: 'sleep', params: { seconds: 2 } },
        { id: 'v1', ...http(`${web.url}/v1`), dependsOn: ['wait'] },
      ],
    };
    const task = await createTask(stack, v1);
    const started = await startTaskRun(stack, 'pinned');
    await waitForStep(stack, started.id, 'wait', ['RUNNING']);
    await stack.gql.request(
      `mutation ($task: String!, $input: SaveTaskInput!) { updateTask(task: $task, input: $input) { latestVersion } }`,
      {
        task: task.id,
        input: {
          definition: {
            ...v1,
            steps: [v1.steps[0], { id: 'v2', ...http(`${web.url}/v2`), dependsOn: ['wait'] }],
          },
        },
      },
    );
    const run = await waitForTaskRunEnd(stack, started.id);
    expect(run).toMatchObject({ status: 'COMPLETED', taskVersion: 1 });
    expect(web.calls).toEqual(['POST /v1']);
    const next = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'pinned')).id);
    expect(next.taskVersion).toBe(2);
    expect(web.calls).toEqual(['POST /v1', 'POST /v2']);
  });

  describe('validation', () => {
    it('refuses a cycle, an unknown step reference and an unknown output, naming step and field', async () => {
      const cyclic = await expectBadInput(
        createTask(stack, {
          name: 'cyclic',
          steps: [
            { id: 'a', kind: 'sleep', params: { seconds: 0 }, dependsOn: ['c'] },
            { id: 'b', kind: 'sleep', params: { seconds: 0 }, dependsOn: ['a'] },
            { id: 'c', kind: 'sleep', params: { seconds: 0 }, dependsOn: ['b'] },
          ],
        }),
      );
      expect(cyclic.map((f) => f.field)).toContain('definition.steps[0].dependsOn');
      expect(cyclic.map((f) => f.message).join()).toMatch(/cycle: a → b → c → a|cycle/);

      const unknown = await expectBadInput(
        createTask(stack, {
          name: 'unknown-ref',
          steps: [
            { id: 'a', kind: 'sleep', params: { seconds: 0 } },
            { id: 'b', kind: 'sleep', params: { seconds: 0 }, dependsOn: ['nope'] },
          ],
        }),
      );
      expect(unknown).toEqual([
        expect.objectContaining({
          field: 'definition.steps[1].dependsOn[0]',
          message: expect.stringMatching(/"b".*"nope"/),
        }),
      ]);

      const output = await expectBadInput(
        createTask(stack, {
          name: 'bad-output',
          steps: [
            { id: 'a', kind: 'sleep', params: { seconds: 0 } },
            { id: 'b', kind: 'sleep', params: { seconds: '{{ steps.a.output.nothing }}' }, dependsOn: ['a'] },
          ],
        }),
      );
      expect(output[0].field).toBe('definition.steps[1].params.seconds');
    });

    it('refuses inputs that do not match the schema, naming the field', async () => {
      const fields = await expectBadInput(startTaskRun(stack, 'child', { who: 42 }));
      expect(fields[0].field).toBe('inputs.who');
    });

    it('a batch with one bad item reports exactly that item; atomic changes nothing', async () => {
      const good = (name: string) => ({
        op: 'CREATE',
        definition: { name, steps: [{ id: 'a', kind: 'sleep', params: { seconds: 0 } }] },
      });
      const bad = {
        op: 'CREATE',
        definition: { name: 'bad-one', steps: [{ id: 'a', kind: 'teleport', params: {} }] },
      };
      const batch = (atomic: boolean, items: unknown[]) =>
        stack.gql.request<{
          batchTasks: {
            ok: boolean;
            applied: boolean;
            results: {
              index: number;
              ok: boolean;
              id: string | null;
              code: string | null;
              fields: string[] | null;
            }[];
          };
        }>(
          `mutation ($input: BatchTasksInput!) { batchTasks(input: $input) { ok applied results { index ok id code fields error } } }`,
          { input: { atomic, items } },
        );
      const atomic = (await batch(true, [good('batch-a'), bad, good('batch-b')])).batchTasks;
      expect(atomic.ok).toBe(false);
      expect(atomic.applied).toBe(false);
      expect(atomic.results.filter((r) => !r.ok)).toEqual([
        expect.objectContaining({ index: 1, code: 'BAD_USER_INPUT', fields: ['definition.steps[0].kind'] }),
      ]);
      const { rows: none } = await stack.db.query(`SELECT name FROM tasks WHERE name LIKE 'batch-%'`);
      expect(none).toEqual([]);

      const partial = (await batch(false, [good('batch-a'), bad, good('batch-b')])).batchTasks;
      expect(partial.results.map((r) => r.ok)).toEqual([true, false, true]);
      const { rows } = await stack.db.query(`SELECT name FROM tasks WHERE name LIKE 'batch-%' ORDER BY name`);
      expect(rows.map((r) => r.name)).toEqual(['batch-a', 'batch-b']);
    });

    it('imports and exports YAML, keeping versions', async () => {
      const data = await stack.gql.request<{ task: { export: string; latestVersion: number } }>(
        `query { task(task: "diamond") { export(format: YAML) latestVersion } }`,
      );
      expect(data.task.export).toMatch(/^name: diamond/m);
      const imported = await stack.gql.request<{ importTask: { name: string; latestVersion: number } }>(
        `mutation ($text: String!) { importTask(input: { text: $text, format: YAML }) { name latestVersion } }`,
        { text: data.task.export.replace('seconds: 2', 'seconds: 1') },
      );
      expect(imported.importTask).toEqual({ name: 'diamond', latestVersion: data.task.latestVersion + 1 });
      const bad = await expectBadInput(
        stack.gql.request(
          `mutation { importTask(input: { text: "name: x\\nsteps: [", format: YAML }) { name } }`,
        ),
      );
      expect(bad[0].message).toMatch(/line \d+, column \d+/);
    });
  });
});
