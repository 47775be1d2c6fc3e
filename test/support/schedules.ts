import { waitFor, type Stack } from './harness';

export const SCHEDULE_FIELDS = `id name taskName taskVersion inputs paused note remainingActions
  actionsTaken actionsSkippedOverlap actionsMissedCatchupWindow temporalScheduleId
  spec { cron intervals { everySeconds offsetSeconds } calendars { second minute hour dayOfMonth month dayOfWeek year comment }
         timezone startAt endAt jitterSeconds oneOffAt }
  policy { overlap catchupWindowSeconds pauseOnFailure }`;

export interface ScheduleView {
  id: string;
  name: string;
  taskName: string;
  taskVersion: number | null;
  inputs: Record<string, unknown>;
  paused: boolean;
  note: string | null;
  remainingActions: number | null;
  actionsTaken: number;
  actionsSkippedOverlap: number;
  actionsMissedCatchupWindow: number;
  temporalScheduleId: string;
  spec: {
    cron: string[];
    intervals: { everySeconds: number; offsetSeconds: number }[];
    calendars: Record<string, string | null>[];
    timezone: string;
    startAt: string | null;
    endAt: string | null;
    jitterSeconds: number;
    oneOffAt: string[];
  };
  policy: { overlap: string; catchupWindowSeconds: number; pauseOnFailure: boolean };
  nextFireTimes?: string[];
}

export interface ScheduledRunView {
  id: string;
  status: string;
  error: string | null;
  scheduleId: string | null;
  scheduledAt: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  steps: { stepId: string; status: string; errorKind: string | null; compensationStatus: string | null }[];
}

export async function createSchedule(stack: Stack, input: Record<string, unknown>): Promise<ScheduleView> {
  const data = await stack.gql.request<{ createSchedule: ScheduleView }>(
    `mutation ($input: CreateScheduleInput!) { createSchedule(input: $input) { ${SCHEDULE_FIELDS} } }`,
    { input },
  );
  return data.createSchedule;
}

export async function getSchedule(stack: Stack, id: string, extra = ''): Promise<ScheduleView> {
  const data = await stack.gql.request<{ schedule: ScheduleView }>(
    `query ($id: String!) { schedule(id: $id) { ${SCHEDULE_FIELDS} ${extra} } }`,
    { id },
  );
  return data.schedule;
}

export async function scheduleMutation(
  stack: Stack,
  mutation: string,
  id: string,
  args: Record<string, unknown> = {},
  types: Record<string, string> = {},
): Promise<ScheduleView> {
  const decl = Object.entries(types)
    .map(([k, t]) => `, $${k}: ${t}`)
    .join('');
  const pass = Object.keys(types)
    .map((k) => `, ${k}: $${k}`)
    .join('');
  const data = await stack.gql.request<Record<string, ScheduleView>>(
    `mutation ($id: String!${decl}) { ${mutation}(id: $id${pass}) { ${SCHEDULE_FIELDS} } }`,
    { id, ...args },
  );
  return data[mutation];
}

export async function deleteSchedule(stack: Stack, id: string): Promise<void> {
  await stack.gql.request(`mutation ($id: String!) { deleteSchedule(id: $id) }`, { id });
}

/** The runs a schedule started, oldest first. */
export async function scheduleRuns(stack: Stack, id: string): Promise<ScheduledRunView[]> {
  const data = await stack.gql.request<{
    schedule: { runs: { edges: { node: ScheduledRunView }[] } };
  }>(
    `query ($id: String!) { schedule(id: $id) { runs(first: 500) { edges { node {
       id status error scheduleId scheduledAt createdAt startedAt finishedAt steps { stepId status errorKind compensationStatus } } } } } }`,
    { id },
  );
  return data.schedule.runs.edges.map((e) => e.node).reverse();
}

const FINAL = [
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'CANCELLED',
  'FAILED',
  'ROLLED_BACK',
  'ROLLBACK_FAILED',
  'SKIPPED',
];
export const isFinal = (run: { status: string }) => FINAL.includes(run.status);

/** Wait until the schedule's runs satisfy `done` (polling the API); returns them, oldest first. */
export function waitForScheduleRuns(
  stack: Stack,
  id: string,
  what: string,
  done: (runs: ScheduledRunView[]) => boolean,
  timeoutMs = 60_000,
): Promise<ScheduledRunView[]> {
  return waitFor(
    `schedule ${id}: ${what}`,
    async () => {
      const runs = await scheduleRuns(stack, id);
      return done(runs) ? runs : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

export const ms = (iso: string | null) => (iso ? Date.parse(iso) : NaN);
