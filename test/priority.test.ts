import { startInProcessWorker, startStack, type Stack } from './support/harness';
import { createTask, startRecorder, startTaskRun, waitForTaskRunEnd, type Recorder } from './support/tasks';

/**
 * A run's priority (1 most urgent .. 5) is its Temporal priorityKey, inherited by its activities:
 * with work queued behind a busy worker, the urgent run goes first.
 */
describe('run priority', () => {
  let stack: Stack;
  let web: Recorder;

  beforeAll(async () => {
    // No worker yet: every run's work waits in the task queue's backlog.
    stack = await startStack({
      lab: { devices: 1 },
      worker: false,
      env: { WORKER_MAX_CONCURRENT_ACTIVITIES: '1' },
    });
    web = await startRecorder();
    await createTask(stack, {
      name: 'call',
      inputSchema: { type: 'object', properties: { tag: { type: 'string' } } },
      steps: [
        { id: 'post', kind: 'http.request', params: { method: 'POST', url: `${web.url}/{{ inputs.tag }}` } },
      ],
    });
  });
  afterAll(async () => {
    await web?.close();
    await stack?.stop();
  });

  it('runs the priority-1 run before the priority-5 runs queued ahead of it', async () => {
    const low = [];
    for (let i = 0; i < 4; i++)
      low.push(await startTaskRun(stack, 'call', { tag: `low-${i}` }, { priority: 5 }));
    const urgent = await startTaskRun(stack, 'call', { tag: 'urgent' }, { priority: 1 });
    expect(urgent.priority).toBe(1);
    const worker = await startInProcessWorker(stack.config);
    try {
      for (const run of [urgent, ...low])
        expect((await waitForTaskRunEnd(stack, run.id)).status).toBe('COMPLETED');
      expect(web.calls[0]).toBe('POST /urgent');
      expect(web.calls).toHaveLength(5);
    } finally {
      await worker.stop();
    }
  });
});
