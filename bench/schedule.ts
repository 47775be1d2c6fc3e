/**
 * npm run bench:schedule -- --schedules N --every S --duration D [--overlap SKIP] [--offsets aligned|spread] [--skip-build]
 *
 * N schedules of a trivial task (one `sleep` of 0 s), each firing every S seconds for D seconds,
 * created through the GraphQL API. Every schedule starts at the same S-second boundary (`aligned`:
 * N runs fall due at once; `spread`: offsets spread over the interval) and ends after D seconds, so
 * N × ⌈D / S⌉ firings fall due. PostgreSQL, the Temporal dev server, the API and one worker are
 * separate processes on this machine. Prints the fire-time lag (a run's start, `runs.started_at`,
 * and its storing, `runs.created_at`, against its scheduled time) at p50/p99/max, overall and per
 * firing round, the runs started per second, firings skipped by the overlap policy, and CPU
 * seconds by process.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { waitFor } from '../scripts/infra/process';
import { cpuSeconds, treeCpuSeconds } from './proc';
import { startBenchStack, type BenchStack } from './stack';

const { values } = parseArgs({
  options: {
    schedules: { type: 'string', default: '200' },
    every: { type: 'string', default: '10' },
    duration: { type: 'string', default: '120' },
    overlap: { type: 'string', default: 'SKIP' },
    offsets: { type: 'string', default: 'aligned' },
    'skip-build': { type: 'boolean', default: false },
  },
});
const count = Number(values.schedules);
const every = Number(values.every);
const duration = Number(values.duration);
const overlap = values.overlap!;
const spread = values.offsets === 'spread';
if (!Number.isInteger(count) || count < 1) throw new Error('--schedules must be a positive integer');
if (!Number.isInteger(every) || every < 1) throw new Error('--every must be a positive integer (seconds)');
if (!Number.isInteger(duration) || duration < every)
  throw new Error('--duration must be an integer ≥ --every');
if (!['aligned', 'spread'].includes(values.offsets!)) throw new Error('--offsets is aligned or spread');

const log = (line: string) => console.error(`[bench] ${line}`);

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
};
const fmt = (ms: number) =>
  Number.isNaN(ms) ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;

const TRIVIAL = { name: 'bench-trivial', steps: [{ id: 'noop', kind: 'sleep', params: { seconds: 0 } }] };

let stack: BenchStack | undefined;

async function main(): Promise<void> {
  stack = await startBenchStack({
    build: !values['skip-build'],
    env: { SCHEDULE_DEFAULT_TIMEZONE: 'UTC' },
    poolSize: 2,
  });
  const { gql, db } = stack;
  const measured = stack.pids;

  await gql.request(`mutation ($input: SaveTaskInput!) { createTask(input: $input) { id } }`, {
    input: { definition: TRIVIAL },
  });

  // Every schedule starts at the same boundary, far enough ahead for all of them to be created.
  const stepMs = every * 1000;
  const t0 = Math.ceil((Date.now() + 20_000 + count * 150) / stepMs) * stepMs;
  const endAt = t0 + duration * 1000 - 1;
  const rounds = Math.ceil(duration / every);
  log(
    `creating ${count} schedules: every ${every} s (${spread ? 'offsets spread' : 'aligned'}), ${overlap}, ` +
      `from ${new Date(t0).toISOString()} for ${duration} s (${rounds} firings each)`,
  );
  const createdAt0 = performance.now();
  for (let i = 0; i < count; i++) {
    const offsetSeconds = spread ? Math.floor((i * every) / count) : 0;
    await gql.request(`mutation ($input: CreateScheduleInput!) { createSchedule(input: $input) { id } }`, {
      input: {
        name: `bench-${String(i).padStart(4, '0')}`,
        task: TRIVIAL.name,
        spec: {
          intervals: [{ everySeconds: every, offsetSeconds }],
          startAt: new Date(t0).toISOString(),
          endAt: new Date(endAt).toISOString(),
        },
        policy: { overlap },
      },
    });
  }
  const createMs = performance.now() - createdAt0;
  log(`created in ${(createMs / 1000).toFixed(1)} s (${(createMs / count).toFixed(0)} ms each)`);
  if (Date.now() > t0) throw new Error('creating the schedules took past the start time; fewer schedules?');

  const cpuNow = () =>
    Object.fromEntries(
      Object.entries(measured).map(([name, pid]) => [
        name,
        name === 'api' || name === 'worker' ? cpuSeconds(pid) : treeCpuSeconds(pid),
      ]),
    );
  await waitFor('the first firing', () => Date.now() >= t0, { timeoutMs: 600_000, intervalMs: 50 });
  const cpu0 = cpuNow();
  const wall0 = Date.now();
  log(`firing; the last firings fall due at ${new Date(t0 + (rounds - 1) * stepMs).toISOString()}`);

  // After the last firing, wait for the runs to drain: every run ended and nothing new for 15 s.
  await waitFor('the end of the schedule window', () => Date.now() > endAt, {
    timeoutMs: duration * 1000 + 60_000,
    intervalMs: 500,
  });
  let last = { n: -1, at: Date.now() };
  await waitFor(
    'the runs to drain',
    async () => {
      const { rows } = await db.query<{ n: number; open: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE finished_at IS NULL)::int AS open
           FROM runs WHERE schedule_id IS NOT NULL`,
      );
      const { n, open } = rows[0];
      if (n !== last.n) last = { n, at: Date.now() };
      return open === 0 && Date.now() - last.at > 15_000;
    },
    { timeoutMs: 900_000, intervalMs: 1000 },
  );
  const drainedAt = last.at;
  const cpu1 = cpuNow();
  const wall = (drainedAt - wall0) / 1000;

  const { rows: runs } = await db.query<{
    scheduled: string;
    created: string;
    started: string | null;
    status: string;
  }>(
    `SELECT (extract(epoch FROM scheduled_at) * 1000)::float8 AS scheduled,
            (extract(epoch FROM created_at) * 1000)::float8 AS created,
            (extract(epoch FROM started_at) * 1000)::float8 AS started, status
       FROM runs WHERE schedule_id IS NOT NULL`,
  );
  const described = await gql.request<{
    schedules: { edges: { node: { actionsSkippedOverlap: number; actionsMissedCatchupWindow: number } }[] };
  }>(
    `query ($n: Int!) { schedules(first: $n) { edges { node { actionsSkippedOverlap actionsMissedCatchupWindow } } } }`,
    {
      n: Math.min(count, 500),
    },
  );
  const skipped = described.schedules.edges.reduce((s, e) => s + e.node.actionsSkippedOverlap, 0);
  const missed = described.schedules.edges.reduce((s, e) => s + e.node.actionsMissedCatchupWindow, 0);

  const started = runs.filter((r) => r.started !== null);
  const startLag = stats(started.map((r) => Number(r.started) - Number(r.scheduled)));
  const storeLag = stats(runs.map((r) => Number(r.created) - Number(r.scheduled)));
  const lastStart = Math.max(...started.map((r) => Number(r.started)));
  const startRate = started.length / ((lastStart - t0) / 1000);
  const inWindow = started.filter((r) => Number(r.started) < t0 + duration * 1000).length;
  const byStatus = new Map<string, number>();
  for (const r of runs) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);

  const perRound = Array.from({ length: rounds }, (_, k) => {
    const from = t0 + k * stepMs;
    const inRound = started.filter((r) => Number(r.scheduled) >= from && Number(r.scheduled) < from + stepMs);
    const lag = stats(inRound.map((r) => Number(r.started) - Number(r.scheduled)));
    return `  ${String(k + 1).padStart(5)}  ${new Date(from).toISOString().slice(11, 19)}  ${String(inRound.length).padStart(5)}  ${fmt(lag.p50).padStart(8)}  ${fmt(lag.p99).padStart(8)}  ${fmt(lag.max).padStart(8)}`;
  });
  const cpu = Object.fromEntries(Object.keys(cpu1).map((k) => [k, cpu1[k] - cpu0[k]]));
  const cpuTotal = Object.values(cpu).reduce((a, b) => a + b, 0);

  console.log(`
schedule benchmark: ${count} schedules every ${every} s (${spread ? 'offsets spread' : 'aligned'}, overlap ${overlap}) for ${duration} s, ${os.cpus().length} CPUs (${os.cpus()[0]?.model})
  firings due            ${count * rounds} (${((count / every) * 1).toFixed(1)} per second offered)
  runs stored            ${runs.length}; started ${started.length}; ${[...byStatus].map(([s, n]) => `${s} ${n}`).join(', ')}
  skipped (overlap)      ${skipped}; missed catch-up window ${missed}
  fire-time lag, start   p50 ${fmt(startLag.p50)}   p99 ${fmt(startLag.p99)}   max ${fmt(startLag.max)}   (runs.started_at − scheduled time)
  fire-time lag, stored  p50 ${fmt(storeLag.p50)}   p99 ${fmt(storeLag.p99)}   max ${fmt(storeLag.max)}   (runs.created_at − scheduled time)
  runs started per second ${(inWindow / duration).toFixed(1)} during the ${duration} s window (${inWindow} runs); ${startRate.toFixed(1)} from the first firing to the last run start (${((lastStart - t0) / 1000).toFixed(1)} s)
  CPU seconds by process ${Object.entries(cpu)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(
      ', ',
    )} — ${cpuTotal.toFixed(1)} of ${(wall * os.cpus().length).toFixed(1)} available in ${wall.toFixed(1)} s
  creating the schedules ${(createMs / count).toFixed(0)} ms each through the API

  round  due (UTC)  runs   lag p50   lag p99   lag max
${perRound.join('\n')}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => stack?.stop());
