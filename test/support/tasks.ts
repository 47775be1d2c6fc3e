import { GraphQLRequestError } from '../../scripts/graphql-client';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RUN_FIELDS, waitFor, waitForRunEnd, type RunView, type Stack } from './harness';

/**
 * A loopback HTTP service that task steps call: it records every request in order and answers
 * with the status a test sets per path (default 200 and a JSON echo).
 */
export interface Recorder {
  url: string;
  calls: string[];
  status: Map<string, number>;
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const calls: string[] = [];
  const status = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      calls.push(`${req.method} ${path}`);
      const code = status.get(path) ?? 200;
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ path, method: req.method, body: body ? JSON.parse(body) : null, n: calls.length }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    status,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export const TASK_RUN_FIELDS = `${RUN_FIELDS} startedAt finishedAt taskName taskVersion inputs priority sourceRunId
  steps { stepId kind status dependsOn attempts startedAt finishedAt output errorKind errorMessage
          childRunId compensationStatus compensationError items { total pending running succeeded failed } }`;

export interface StepView {
  stepId: string;
  kind: string;
  status: string;
  dependsOn: string[];
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  output: unknown;
  errorKind: string | null;
  errorMessage: string | null;
  childRunId: string | null;
  compensationStatus: string | null;
  compensationError: string | null;
  items: { total: number; pending: number; running: number; succeeded: number; failed: number } | null;
}

export type TaskRunView = RunView & {
  startedAt: string | null;
  finishedAt: string | null;
  taskName: string;
  taskVersion: number;
  inputs: Record<string, unknown>;
  priority: number;
  sourceRunId: string | null;
  steps: StepView[];
};

export async function createTask(
  stack: Stack,
  definition: Record<string, unknown>,
): Promise<{ id: string; name: string }> {
  const data = await stack.gql.request<{ createTask: { id: string; name: string } }>(
    `mutation ($input: SaveTaskInput!) { createTask(input: $input) { id name } }`,
    { input: { definition } },
  );
  return data.createTask;
}

export async function startTaskRun(
  stack: Stack,
  task: string,
  inputs: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<TaskRunView> {
  const data = await stack.gql.request<{ startTaskRun: TaskRunView }>(
    `mutation ($input: StartTaskRunInput!) { startTaskRun(input: $input) { ${TASK_RUN_FIELDS} } }`,
    { input: { task, inputs, ...extra } },
  );
  return data.startTaskRun;
}

export async function getTaskRun(stack: Stack, id: string): Promise<TaskRunView> {
  const data = await stack.gql.request<{ run: TaskRunView }>(
    `query ($id: ID!) { run(id: $id) { ${TASK_RUN_FIELDS} } }`,
    { id },
  );
  return data.run;
}

export async function waitForTaskRunEnd(stack: Stack, id: string, timeoutMs = 120_000): Promise<TaskRunView> {
  await waitForRunEnd(stack, id, timeoutMs);
  return getTaskRun(stack, id);
}

export function step(run: TaskRunView, id: string): StepView {
  const found = run.steps.find((s) => s.stepId === id);
  if (!found) throw new Error(`run ${run.id} has no step ${id}`);
  return found;
}

export async function waitForStep(
  stack: Stack,
  runId: string,
  stepId: string,
  statuses: string[],
  timeoutMs = 60_000,
): Promise<TaskRunView> {
  return waitFor(
    `step ${stepId} of run ${runId} to be ${statuses.join('/')}`,
    async () => {
      const run = await getTaskRun(stack, runId);
      return statuses.includes(step(run, stepId).status) ? run : undefined;
    },
    { timeoutMs, intervalMs: 150 },
  );
}

/** `mutation { name(id: $id) { ... } }` for the run controls. */
export async function control(stack: Stack, mutation: string, id: string, args = ''): Promise<TaskRunView> {
  const data = await stack.gql.request<Record<string, TaskRunView>>(
    `mutation ($id: ID!) { ${mutation}(id: $id${args}) { ${TASK_RUN_FIELDS} } }`,
    { id },
  );
  return data[mutation];
}

/** The fields of the BAD_USER_INPUT error a request must fail with. */
export async function expectBadInput(
  promise: Promise<unknown>,
): Promise<{ field?: string; message: string }[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLRequestError);
    const e = (error as GraphQLRequestError).errors[0];
    expect(e.extensions?.code).toBe('BAD_USER_INPUT');
    return e.extensions?.fields ?? [{ field: e.extensions?.field, message: e.message }];
  }
  throw new Error('expected BAD_USER_INPUT');
}
