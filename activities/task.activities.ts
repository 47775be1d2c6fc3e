import { ApplicationFailure } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import { isUUID } from 'class-validator';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../libs/config/src/config';
import { SwitchboardError } from '../libs/common/src/errors';
import { RUNNING_CONFIG_COMMAND } from '../libs/common/src/running-config';
import { BEFORE_SESSION_KINDS } from '../libs/ssh/src/errors';
import {
  aggregate,
  CHANGE_KINDS,
  evaluateCondition,
  resolveParams,
  validateInputs,
  type StepDefinition,
  type TaskDefinition,
} from '../libs/tasks/src';
import { DeviceEntity } from '../graphql/devices/device.entity';
import { resolveDeviceSelection, type DeviceSelector } from '../graphql/devices/device-selection';
import { collectionInputOf, insertRunDevices, newRun } from '../graphql/runs/run-factory';
import { RunEntity } from '../graphql/runs/run.entity';
import { TaskEntity, TaskVersionEntity } from '../graphql/tasks/task.entity';
import type { CollectionInput } from '../workflows/collection.workflow';
import type { TaskRunInput, TaskRunStatus } from '../workflows/task.workflow';
import { runEvent } from './device-session';
import { deviceQueues, liveNodes, recentLatency } from './routing';
import { placeItems, type Placement } from '../libs/temporal/src/placement';
import { routeFor } from '../libs/temporal/src/routing';
import { releaseDeviceLocks } from './safety.activities';
import { createTaskItemActivities, runScope, type TaskItemDeps } from './task-items';

export type TaskActivityDeps = TaskItemDeps & {
  config: Pick<AppConfig, 'collection' | 'ssh' | 'temporal' | 'nodes'>;
};

/** How the workflow carries out a step that an activity prepared. */
export type StepPlan =
  | { type: 'skip' }
  | { type: 'sleep'; seconds: number }
  | { type: 'approval'; timeoutSeconds: number; defaultDecision: 'approve' | 'reject' }
  | { type: 'collection'; workflowId: string; input: CollectionInput }
  | { type: 'subtask'; workflowId: string; input: TaskRunInput }
  | { type: 'http'; stepKey: string; queue: string | null }
  | ItemPlan;

/** A step done per item (per device, or per fan-out item), items stored in run_step_items. */
export interface ItemPlan {
  type: 'items';
  stepKey: string;
  count: number;
  concurrency: number;
  shardSize: number;
  /** Capabilities the step requires of the nodes that run its items (routing). */
  requires?: string[];
  /** Child workflows per shard (fan-out), or activities straight from the run's workflow. */
  sharded: boolean;
  perItem: 'activity' | 'subtask';
}

/** Per-device steps over more devices than this run in shards of child workflows. */
const INLINE_ITEMS_MAX = 100;
const DEVICE_KINDS = ['ssh.configure', 'script'];

interface RunRow {
  id: string;
  priority: number | null;
  task_id: string;
  task_version: number;
  task_name: string;
  inputs: Record<string, unknown>;
  definition: TaskDefinition;
  workflow_id: string;
}

/** The step key of a step's own work or of its compensation (items and HTTP outputs are kept apart). */
/** Item failures that happen before a session could change anything on the device. */
const NOT_REACHED = [...BEFORE_SESSION_KINDS, 'DEVICE_GONE', 'NO_CREDENTIAL'];

export const stepKeyOf = (stepId: string, compensation: boolean) =>
  compensation ? `${stepId}#compensate` : stepId;

function badParams(stepId: string, error: unknown): ApplicationFailure {
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    type: 'BAD_PARAMS',
    message: `step ${stepId}: ${message}`,
    nonRetryable: true,
  });
}

export function createTaskActivities(deps: TaskActivityDeps) {
  const { dataSource } = deps;
  const event = runEvent;

  async function loadRun(runId: string, manager: EntityManager | DataSource = dataSource): Promise<RunRow> {
    const rows: RunRow[] = await manager.query(
      `SELECT r.id, r.task_id, r.task_version, r.inputs, r.workflow_id, r.priority, t.name AS task_name, v.definition
         FROM runs r JOIN tasks t ON t.id = r.task_id
         JOIN task_versions v ON v.task_id = r.task_id AND v.version = r.task_version
        WHERE r.id = $1`,
      [runId],
    );
    if (!rows[0]) {
      throw ApplicationFailure.create({
        type: 'RUN_GONE',
        message: `task run ${runId} not found`,
        nonRetryable: true,
      });
    }
    return rows[0];
  }

  function stepOf(run: RunRow, stepId: string): StepDefinition {
    const step = run.definition.steps.find((s) => s.id === stepId);
    if (!step)
      throw ApplicationFailure.create({ type: 'BAD_STEP', message: `no step ${stepId}`, nonRetryable: true });
    return step;
  }

  const scopeOf = (run: RunRow) => runScope(dataSource, run);

  /**
   * For the compensation of a change step that failed or was cancelled: the devices the step
   * reached (its item succeeded, or failed or stopped after logging in, so it may have changed
   * something). Null when the step succeeded or is not a per-device change: the compensation's own
   * devices then stand.
   */
  async function reachedDevices(
    runId: string,
    step: StepDefinition,
  ): Promise<(Set<string> & { status: string }) | null> {
    if (!CHANGE_KINDS.includes(step.kind)) return null;
    const [row]: { status: string }[] = await dataSource.query(
      `SELECT status FROM run_steps WHERE run_id = $1 AND step_id = $2`,
      [runId, step.id],
    );
    if (!row || row.status === 'SUCCEEDED') return null;
    const items: { id: string }[] = await dataSource.query(
      `SELECT item->>'id' AS id FROM run_step_items
        WHERE run_id = $1 AND step_key = $2 AND status <> 'PENDING'
          AND NOT (status = 'FAILED' AND error_kind = ANY($3::text[]))`,
      [runId, stepKeyOf(step.id, false), NOT_REACHED],
    );
    return Object.assign(new Set(items.map((i) => i.id)), { status: row.status });
  }

  async function devicesOf(stepId: string, target: unknown): Promise<DeviceEntity[]> {
    if (typeof target !== 'object' || target === null || Array.isArray(target)) {
      throw badParams(stepId, 'params.devices must be a device selector object');
    }
    try {
      const devices = await resolveDeviceSelection(
        dataSource.getRepository(DeviceEntity),
        target as DeviceSelector,
      );
      if (devices.length === 0) throw SwitchboardError.badInput('devices', 'matches no devices');
      return devices;
    } catch (error) {
      if (error instanceof SwitchboardError) throw badParams(stepId, `params.${error.message}`);
      throw error;
    }
  }

  /**
   * How many devices a change step may work on at once: the definition's maxDevicesAtOnce and, per
   * site, maxPercentOfSite of that site's inventory (at least one). One limit for the whole step,
   * the smallest, so that no site ever exceeds its share.
   */
  async function blastRadius(
    definition: TaskDefinition,
    devices: DeviceEntity[],
  ): Promise<{ limit: number; note: string | null }> {
    const { maxDevicesAtOnce, maxPercentOfSite } = definition.safety ?? {};
    let limit = maxDevicesAtOnce ?? Number.MAX_SAFE_INTEGER;
    const why: string[] = maxDevicesAtOnce ? [`at most ${maxDevicesAtOnce} device(s) at once`] : [];
    if (maxPercentOfSite) {
      const sites = [...new Set(devices.map((d) => d.site ?? ''))];
      const sizes: { site: string; n: number }[] = await dataSource.query(
        `SELECT COALESCE(site, '') AS site, count(*)::int AS n FROM devices WHERE COALESCE(site, '') = ANY($1::text[]) GROUP BY 1`,
        [sites],
      );
      for (const s of sizes) {
        const share = Math.max(1, Math.floor((s.n * maxPercentOfSite) / 100));
        if (share < limit) {
          limit = share;
          why.push(`${maxPercentOfSite} % of site ${s.site || '(none)'} is ${share} of ${s.n} device(s)`);
        }
      }
    }
    return { limit, note: why.length ? `blast radius: ${why.join('; ')}` : null };
  }

  /** Store the items of a step once; a retried preparation finds them there. */
  async function storeItems(runId: string, stepKey: string, items: unknown[]): Promise<void> {
    await dataSource.query(
      `INSERT INTO run_step_items (run_id, step_key, item_index, item)
       SELECT $1, $2, (t.ord - 1)::int, t.value FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t(value, ord)
       ON CONFLICT DO NOTHING`,
      [runId, stepKey, JSON.stringify(items)],
    );
  }

  const deviceItem = (d: DeviceEntity) => ({
    id: d.id,
    name: d.name,
    platform: d.platform,
    host: d.host,
    site: d.site,
    tags: d.tags,
    credential: d.credential?.name ?? null,
  });

  /** A child task run (subtask step or fan-out item), stored before its workflow starts. */
  async function createChildTaskRun(
    parent: RunRow,
    stepId: string,
    spec: { task: string; version?: number; inputs?: Record<string, unknown> },
  ): Promise<{ workflowId: string; input: TaskRunInput; runId: string }> {
    const rows: { id: string; version: number; definition: TaskDefinition }[] = await dataSource.query(
      `SELECT t.id, v.version, v.definition FROM tasks t
           JOIN task_versions v ON v.task_id = t.id AND v.version = COALESCE($2, t.latest_version)
          WHERE t.name = $1 AND t.deleted_at IS NULL`,
      [spec.task, spec.version ?? null],
    );
    const task = rows[0];
    if (!task) {
      throw badParams(
        stepId,
        `task "${spec.task}"${spec.version ? ` version ${spec.version}` : ''} not found`,
      );
    }
    const checked = validateInputs(task.definition, spec.inputs ?? {});
    if (checked.errors.length) {
      throw badParams(stepId, checked.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    }
    const runId = randomUUID();
    const workflowId = `task-${runId}`;
    await dataSource.transaction(async (manager) => {
      await manager.insert(
        RunEntity,
        newRun(manager, {
          id: runId,
          kind: 'task',
          workflowId,
          concurrency: task.definition.concurrency,
          selector: {},
          totalDevices: 0,
          taskId: task.id,
          taskVersion: task.version,
          inputs: checked.inputs,
          // Child workflows inherit the parent's Temporal priority; the row says so too.
          priority: parent.priority,
          parentRunId: parent.id,
          parentStepId: stepId,
        }),
      );
      await insertStepRows(manager, runId, task.definition, new Map());
      await event(
        manager,
        parent.id,
        'INFO',
        null,
        `started subtask ${spec.task} v${task.version} as run ${runId}`,
        {
          stepId,
        },
      );
    });
    return { runId, workflowId, input: taskRunInput(runId, task.definition, []) };
  }

  function taskRunInput(runId: string, definition: TaskDefinition, reused: string[]): TaskRunInput {
    return taskRunInputOf(runId, definition, reused, deps.config);
  }

  async function setStepRunning(
    manager: EntityManager,
    run: RunRow,
    step: StepDefinition,
    compensation: boolean,
    params: unknown,
    status = 'RUNNING',
  ): Promise<void> {
    if (compensation) {
      await manager.query(
        `UPDATE run_steps SET compensation_status = $4, compensation_params = $3 WHERE run_id = $1 AND step_id = $2`,
        [run.id, step.id, JSON.stringify(params), status],
      );
    } else {
      await manager.query(
        `UPDATE run_steps SET status = $4, params = $3, attempts = attempts + 1, started_at = COALESCE(started_at, now())
          WHERE run_id = $1 AND step_id = $2`,
        [run.id, step.id, JSON.stringify(params), status],
      );
    }
    await event(
      manager,
      run.id,
      'INFO',
      null,
      compensation
        ? `compensating step ${step.id} (${step.compensate!.kind})`
        : `step ${step.id} started (${step.kind})`,
      { stepId: step.id },
    );
  }

  return {
    ...createTaskItemActivities(deps),

    async taskRunStarted({ runId }: { runId: string }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        const rows: unknown[] = await manager.query(
          `WITH started AS (UPDATE runs SET status = 'RUNNING', started_at = COALESCE(started_at, now())
            WHERE id = $1 AND status = 'PENDING' RETURNING id) SELECT id FROM started`,
          [runId],
        );
        if (rows.length) await event(manager, runId, 'INFO', null, 'run started');
      });
    },

    async notePause({ runId, paused }: { runId: string; paused: boolean }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE runs SET paused = $2, status = CASE WHEN $2 THEN 'PAUSED' ELSE 'RUNNING' END
            WHERE id = $1 AND status IN ('RUNNING', 'PAUSED')`,
          [runId, paused],
        );
        await event(
          manager,
          runId,
          'INFO',
          null,
          paused ? 'run paused: no new step starts; running steps finish' : 'run resumed',
        );
      });
    },

    /**
     * Resolve a step's parameters against the run's inputs and earlier outputs, evaluate its
     * condition, and set up what it needs (items, a child run) so the workflow can carry it out.
     * Idempotent: a retried preparation reuses the child run and items stored the first time.
     */
    async prepareStep(input: { runId: string; stepId: string; compensation: boolean }): Promise<StepPlan> {
      const run = await loadRun(input.runId);
      const step = stepOf(run, input.stepId);
      const { compensation } = input;
      const spec = compensation ? step.compensate! : step;
      const stepKey = stepKeyOf(step.id, compensation);
      const scope = await scopeOf(run);

      if (!compensation && step.when) {
        let go: boolean;
        try {
          go = evaluateCondition(step.when, scope);
        } catch (error) {
          throw badParams(step.id, error);
        }
        if (!go) {
          await dataSource.transaction(async (manager) => {
            await manager.query(
              `UPDATE run_steps SET status = 'SKIPPED', started_at = now(), finished_at = now() WHERE run_id = $1 AND step_id = $2`,
              [run.id, step.id],
            );
            await event(
              manager,
              run.id,
              'INFO',
              null,
              `step ${step.id} skipped: condition "${step.when}" is false`,
              {
                stepId: step.id,
              },
            );
          });
          return { type: 'skip' };
        }
      }

      const requires = step.requires ?? [];
      const nodes = requires.length ? await liveNodes(dataSource, deps.config) : [];
      if (requires.length && !nodes.some((n) => requires.every((c) => n.capabilities.includes(c)))) {
        await event(
          dataSource,
          run.id,
          'WARN',
          null,
          `step ${step.id} requires ${requires.join(', ')}: no live node has ${
            requires.length > 1 ? 'them all' : 'it'
          }; its work waits until one does`,
          { stepId: step.id },
        );
      }

      // Fan-out sub-steps are resolved per item, with `item` in scope.
      const { step: subStep, task: subTask, ...fanoutOwn } = spec.params as Record<string, unknown>;
      const own = spec.kind === 'fanout' ? fanoutOwn : spec.params;
      let params: Record<string, unknown>;
      try {
        params = resolveParams(own, scope) as Record<string, unknown>;
      } catch (error) {
        throw badParams(step.id, error);
      }
      const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);

      switch (spec.kind) {
        case 'sleep':
          await dataSource.transaction((m) => setStepRunning(m, run, step, compensation, params));
          return { type: 'sleep', seconds: num(params.seconds, 0) };
        case 'approval':
          await dataSource.transaction(async (m) => {
            await setStepRunning(m, run, step, compensation, params, 'WAITING_APPROVAL');
            await event(
              m,
              run.id,
              'INFO',
              null,
              `step ${step.id} waits for approval${params.message ? `: ${String(params.message)}` : ''}`,
              { stepId: step.id },
            );
          });
          return {
            type: 'approval',
            timeoutSeconds: num(params.timeoutSeconds, 3600),
            defaultDecision: params.defaultDecision === 'approve' ? 'approve' : 'reject',
          };
        case 'http.request':
          await dataSource.transaction((m) => setStepRunning(m, run, step, compensation, params));
          return {
            type: 'http',
            stepKey,
            queue: routeFor(deps.config.temporal.taskQueue, nodes, null, requires),
          };
        case 'ssh.commands': {
          const devices = await devicesOf(step.id, params.devices);
          const existing: { child_run_id: string | null }[] = await dataSource.query(
            `SELECT child_run_id FROM run_steps WHERE run_id = $1 AND step_id = $2`,
            [run.id, step.id],
          );
          const backupReason = typeof params.backupReason === 'string' ? params.backupReason : null;
          const childId = (!compensation && existing[0]?.child_run_id) || randomUUID();
          const child = newRunForCommands(childId, params, backupReason, devices.length);
          if (compensation || !existing[0]?.child_run_id) {
            await dataSource.transaction(async (manager) => {
              await manager.insert(
                RunEntity,
                newRun(manager, { ...child, parentRunId: run.id, parentStepId: step.id }),
              );
              await insertRunDevices(manager, childId, devices);
              await setStepRunning(manager, run, step, compensation, params);
              if (!compensation) {
                await manager.query(
                  `UPDATE run_steps SET child_run_id = $3 WHERE run_id = $1 AND step_id = $2`,
                  [run.id, step.id, childId],
                );
              }
            });
          }
          return {
            type: 'collection',
            workflowId: child.workflowId,
            input: collectionInputOf(
              child,
              devices.map((d) => d.id),
              deps.config,
              await deviceQueues(
                dataSource,
                deps.config,
                devices.map((d) => d.id),
                requires,
              ),
            ),
          };
        }
        case 'subtask': {
          const existing: { child_run_id: string | null }[] = await dataSource.query(
            `SELECT r.id AS child_run_id FROM run_steps s JOIN runs r ON r.id = s.child_run_id
              WHERE s.run_id = $1 AND s.step_id = $2`,
            [run.id, step.id],
          );
          if (!compensation && existing[0]?.child_run_id) {
            const childRun = await loadRun(existing[0].child_run_id);
            return {
              type: 'subtask',
              workflowId: childRun.workflow_id,
              input: taskRunInput(childRun.id, childRun.definition, []),
            };
          }
          const child = await createChildTaskRun(run, step.id, params as { task: string });
          await dataSource.transaction(async (manager) => {
            await setStepRunning(manager, run, step, compensation, params);
            if (!compensation) {
              await manager.query(
                `UPDATE run_steps SET child_run_id = $3 WHERE run_id = $1 AND step_id = $2`,
                [run.id, step.id, child.runId],
              );
            }
          });
          return { type: 'subtask', workflowId: child.workflowId, input: child.input };
        }
        case 'ssh.configure':
        case 'script': {
          let devices = await devicesOf(step.id, params.devices);
          const reached = compensation ? await reachedDevices(run.id, step) : null;
          if (reached) {
            const all = devices.length;
            devices = devices.filter((d) => reached.has(d.id));
            await event(
              dataSource,
              run.id,
              'INFO',
              null,
              `step ${step.id} ended ${reached.status}: its compensation runs on the ${devices.length} of ${all} devices it reached`,
              { stepId: step.id },
            );
          }
          await storeItems(run.id, stepKey, devices.map(deviceItem));
          await dataSource.transaction((m) => setStepRunning(m, run, step, compensation, params));
          const radius = await blastRadius(run.definition, devices);
          if (radius.note) {
            await event(dataSource, run.id, 'INFO', null, `step ${step.id}: ${radius.note}`, {
              stepId: step.id,
            });
          }
          return {
            type: 'items',
            stepKey,
            count: devices.length,
            concurrency: Math.min(
              num(params.concurrency, 10),
              deps.config.collection.maxConcurrency,
              radius.limit,
            ),
            shardSize: INLINE_ITEMS_MAX,
            sharded: devices.length > INLINE_ITEMS_MAX,
            perItem: 'activity',
            requires,
          };
        }
        case 'device.check': {
          // Read-only: no locks, windows or blast radius. No selector (or {}) means every device.
          const target = params.devices;
          const all =
            target === undefined ||
            target === null ||
            (typeof target === 'object' && !Array.isArray(target) && Object.keys(target).length === 0);
          const devices = all
            ? await dataSource
                .getRepository(DeviceEntity)
                .find({ relations: { credential: true }, order: { name: 'ASC' } })
            : await devicesOf(step.id, target);
          await storeItems(run.id, stepKey, devices.map(deviceItem));
          await dataSource.transaction((m) => setStepRunning(m, run, step, compensation, params));
          return {
            type: 'items',
            stepKey,
            count: devices.length,
            concurrency: Math.min(num(params.concurrency, 50), deps.config.collection.maxConcurrency),
            shardSize: INLINE_ITEMS_MAX,
            sharded: devices.length > INLINE_ITEMS_MAX,
            perItem: 'activity',
            requires,
          };
        }
        case 'fanout': {
          let items: unknown[];
          if (params.devices !== undefined) {
            items = (await devicesOf(step.id, params.devices)).map(deviceItem);
          } else if (Array.isArray(params.items)) {
            items = params.items;
          } else {
            throw badParams(step.id, 'params.items must resolve to a list');
          }
          await storeItems(run.id, stepKey, items);
          await dataSource.transaction((m) =>
            setStepRunning(m, run, step, compensation, { ...params, step: subStep, task: subTask }),
          );
          return {
            type: 'items',
            stepKey,
            count: items.length,
            concurrency: Math.min(num(params.concurrency, 10), deps.config.collection.maxConcurrency),
            shardSize: num(params.shardSize, 100),
            sharded: items.length > 0,
            perItem: subTask ? 'subtask' : 'activity',
            requires,
          };
        }
      }
    },

    /** The item of a fan-out whose work is a whole task: its child run, created once. Null when it is done. */
    async prepareItemSubtask(input: {
      runId: string;
      stepKey: string;
      index: number;
    }): Promise<{ workflowId: string; input: TaskRunInput } | null> {
      const [row]: { status: string; item: unknown; output: { runId?: string } | null }[] =
        await dataSource.query(
          `SELECT status, item, output FROM run_step_items WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
          [input.runId, input.stepKey, input.index],
        );
      if (!row)
        throw ApplicationFailure.create({ type: 'ITEM_GONE', message: 'no such item', nonRetryable: true });
      if (row.status === 'SUCCEEDED') return null;
      if (row.output?.runId) {
        const child = await loadRun(row.output.runId);
        return { workflowId: child.workflow_id, input: taskRunInput(child.id, child.definition, []) };
      }
      const run = await loadRun(input.runId);
      const stepId = input.stepKey.split('#')[0];
      const [stepRow]: { params: { task: { task: string; version?: number; inputs?: unknown } } }[] =
        await dataSource.query(`SELECT params FROM run_steps WHERE run_id = $1 AND step_id = $2`, [
          run.id,
          stepId,
        ]);
      const scope = { ...(await scopeOf(run)), item: row.item, index: input.index };
      let spec: { task: string; version?: number; inputs?: Record<string, unknown> };
      try {
        spec = resolveParams(stepRow.params.task, scope) as typeof spec;
      } catch (error) {
        throw badParams(stepId, error);
      }
      const child = await createChildTaskRun(run, stepId, spec);
      await dataSource.query(
        `UPDATE run_step_items SET status = 'RUNNING', output = $4, attempts = attempts + 1, executions = executions + 1,
                started_at = COALESCE(started_at, now())
          WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
        [input.runId, input.stepKey, input.index, JSON.stringify({ runId: child.runId })],
      );
      return { workflowId: child.workflowId, input: child.input };
    },

    async recordItemSubtask(input: { runId: string; stepKey: string; index: number }): Promise<void> {
      const [row]: { output: { runId: string } }[] = await dataSource.query(
        `SELECT output FROM run_step_items WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
        [input.runId, input.stepKey, input.index],
      );
      const outcome = await childRunOutcome(dataSource, row.output.runId);
      if (outcome.status !== 'COMPLETED' && outcome.status !== 'COMPLETED_WITH_ERRORS') {
        throw ApplicationFailure.create({
          type: 'SUBTASK_FAILED',
          message: `subtask run ${outcome.runId} ended ${outcome.status}`,
          nonRetryable: true,
        });
      }
      await dataSource.query(
        `UPDATE run_step_items SET status = 'SUCCEEDED', output = $4, finished_at = now()
          WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
        [input.runId, input.stepKey, input.index, JSON.stringify(outcome)],
      );
    },

    /**
     * Where each item in [from, to) runs (`placeItems`): on its route's queue (its device's site
     * when live nodes serve it, a capability queue with `requires`, else the shared queue), or on
     * one node's own queue when several nodes serve the route and recent reachability checks say
     * which is closest to the device and has a free slot. Reachability checks themselves stay on
     * the route, so that every node of it gets measured.
     */
    async itemQueues(input: {
      runId: string;
      stepKey: string;
      from: number;
      to: number;
      requires?: string[];
    }): Promise<Placement[]> {
      const nodes = await liveNodes(dataSource, deps.config);
      const rows: { item_index: number; site: string | null; device: string | null; kind: string }[] =
        await dataSource.query(
          `SELECT i.item_index, s.kind,
                  CASE WHEN i.item ? 'platform' THEN i.item->>'site' END AS site,
                  CASE WHEN i.item ? 'platform' THEN i.item->>'id' END AS device
             FROM run_step_items i JOIN run_steps s ON s.run_id = i.run_id AND s.step_id = split_part(i.step_key, '#', 1)
            WHERE i.run_id = $1 AND i.step_key = $2 AND i.item_index >= $3 AND i.item_index < $4
            ORDER BY i.item_index`,
          [input.runId, input.stepKey, input.from, input.to],
        );
      const measure = rows.some((r) => r.kind === 'device.check');
      const latency = measure
        ? new Map<string, Record<string, number>>()
        : await recentLatency(
            dataSource,
            rows.flatMap((r) => (r.device ? [r.device] : [])),
          );
      const placements = placeItems(
        deps.config.temporal.taskQueue,
        nodes,
        rows.map((r) => ({ site: r.site, latency: (r.device && latency.get(r.device)) || {} })),
        input.requires ?? [],
      );
      const out: Placement[] = Array.from({ length: input.to - input.from }, () => ({
        queue: null,
        fallback: null,
      }));
      rows.forEach((r, k) => (out[r.item_index - input.from] = placements[k]));
      const byNode = new Map<string, number>();
      for (const p of placements) if (p.node) byNode.set(p.node, (byNode.get(p.node) ?? 0) + 1);
      if (byNode.size) {
        const placed = [...byNode.values()].reduce((a, b) => a + b, 0);
        const where = [...byNode]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([node, n]) => `${node}: ${n}`)
          .join(', ');
        await event(
          dataSource,
          input.runId,
          'INFO',
          null,
          `step ${input.stepKey}: placed ${placed} of ${rows.length} items by recent latency (${where})`,
          { stepId: input.stepKey.split('#')[0] },
        );
      }
      return out;
    },

    async recordItemFailure(input: {
      runId: string;
      stepKey: string;
      index: number;
      kind: string;
      message: string;
    }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        const rows: { item: { name?: string } }[] = await manager.query(
          `WITH failed AS (
             UPDATE run_step_items SET status = 'FAILED', error_kind = $4, error_message = $5, finished_at = now()
              WHERE run_id = $1 AND step_key = $2 AND item_index = $3 AND status <> 'SUCCEEDED' RETURNING item)
           SELECT item FROM failed`,
          [input.runId, input.stepKey, input.index, input.kind, input.message],
        );
        const name = rows[0]?.item && typeof rows[0].item === 'object' ? (rows[0].item.name ?? null) : null;
        await event(
          manager,
          input.runId,
          'ERROR',
          name,
          `item ${input.index} of ${input.stepKey} failed: ${input.kind}: ${input.message}`,
          { stepId: input.stepKey.split('#')[0] },
        );
      });
    },

    /**
     * The step's work is done: build its output (from the child run or its items), decide whether
     * it succeeded by its failure threshold, and store it. Outputs stay here; later steps read them.
     */
    async completeStep(input: {
      runId: string;
      stepId: string;
      compensation: boolean;
      output?: unknown;
    }): Promise<{ ok: true } | { ok: false; kind: string; message: string }> {
      const run = await loadRun(input.runId);
      const step = stepOf(run, input.stepId);
      const spec = input.compensation ? step.compensate! : step;
      const stepKey = stepKeyOf(step.id, input.compensation);
      const [row]: {
        params: Record<string, unknown> | null;
        compensation_params: Record<string, unknown> | null;
        child_run_id: string | null;
        output: unknown;
      }[] = await dataSource.query(
        `SELECT params, compensation_params, child_run_id, output FROM run_steps WHERE run_id = $1 AND step_id = $2`,
        [run.id, step.id],
      );
      const params = (input.compensation ? row.compensation_params : row.params) ?? {};
      let output: unknown = input.output;
      let failure: { kind: string; message: string } | undefined;
      const limit = (key: string, fallback: number | null) =>
        typeof params[key] === 'number' ? (params[key] as number) : fallback;

      switch (spec.kind) {
        case 'ssh.commands': {
          const childId = input.compensation
            ? ((
                await dataSource.query(
                  `SELECT id FROM runs WHERE parent_run_id = $1 AND parent_step_id = $2 ORDER BY created_at DESC LIMIT 1`,
                  [run.id, step.id],
                )
              )[0]?.id as string)
            : row.child_run_id!;
          output = await collectionOutput(dataSource, childId);
          const o = output as { failed: number; total: number; status: string };
          const max = limit('maxFailedDevices', null);
          if (o.status === 'CANCELLED' || o.status === 'FAILED') {
            failure = { kind: 'COLLECTION_FAILED', message: `collection run ${childId} ended ${o.status}` };
          } else if (max !== null && o.failed > max) {
            failure = {
              kind: 'TOO_MANY_FAILURES',
              message: `${o.failed} of ${o.total} devices failed (at most ${max} allowed)`,
            };
          }
          break;
        }
        case 'subtask':
          output = await childRunOutcome(dataSource, row.child_run_id!);
          break;
        case 'http.request':
          output = input.compensation ? undefined : row.output;
          break;
        case 'device.check': {
          const items: {
            item: Record<string, unknown>;
            status: string;
            output: Record<string, unknown> | null;
            error_kind: string | null;
            error_message: string | null;
          }[] = await dataSource.query(
            `SELECT item, status, output, error_kind, error_message FROM run_step_items
              WHERE run_id = $1 AND step_key = $2 ORDER BY item_index`,
            [run.id, stepKey],
          );
          output = deviceCheckOutput(items);
          const failed = items.filter((i) => i.status !== 'SUCCEEDED').length;
          if (failed > 0) {
            failure = {
              kind: 'TOO_MANY_FAILURES',
              message: `the check itself failed on ${failed} of ${items.length} devices (DOWN devices are not failures)`,
            };
          }
          break;
        }
        case 'ssh.configure':
        case 'script':
        case 'fanout': {
          const items: {
            item_index: number;
            item: Record<string, unknown>;
            status: string;
            output: unknown;
            error_kind: string | null;
            error_message: string | null;
          }[] = await dataSource.query(
            `SELECT item_index, item, status, output, error_kind, error_message FROM run_step_items
              WHERE run_id = $1 AND step_key = $2 ORDER BY item_index`,
            [run.id, stepKey],
          );
          const ok = items.filter((i) => i.status === 'SUCCEEDED');
          const failed = items.filter((i) => i.status !== 'SUCCEEDED');
          const error = (i: (typeof items)[number]) =>
            i.status === 'SUCCEEDED'
              ? null
              : `${i.error_kind ?? i.status}: ${i.error_message ?? 'did not finish'}`;
          if (DEVICE_KINDS.includes(spec.kind)) {
            output = {
              total: items.length,
              succeeded: ok.length,
              failed: failed.length,
              devices: items.map((i) => ({
                ...i.item,
                status: i.status,
                error: error(i),
                ...(typeof i.output === 'object' && i.output ? i.output : {}),
              })),
            };
          } else {
            let result: unknown;
            try {
              result = aggregate(
                ok.map((i) => ({ item: i.item, output: i.output })),
                params.aggregate as Parameters<typeof aggregate>[1],
              );
            } catch (e) {
              failure = { kind: 'AGGREGATE_FAILED', message: e instanceof Error ? e.message : String(e) };
            }
            output = {
              total: items.length,
              succeeded: ok.length,
              failed: failed.length,
              failures: failed.map((i) => ({ index: i.item_index, item: i.item, error: error(i) })),
              result: result ?? null,
            };
          }
          const max = limit(
            spec.kind === 'fanout' ? 'maxFailedItems' : 'maxFailedDevices',
            spec.kind === 'fanout' ? null : 0,
          );
          if (!failure && max !== null && failed.length > max) {
            failure = {
              kind: 'TOO_MANY_FAILURES',
              message: `${failed.length} of ${items.length} ${spec.kind === 'fanout' ? 'items' : 'devices'} failed (at most ${max} allowed)`,
            };
          }
          break;
        }
        default:
          break;
      }

      await dataSource.transaction(async (manager) => {
        if (input.compensation) {
          if (failure) return; // recorded by compensationFailed
          await manager.query(
            `UPDATE run_steps SET compensation_status = 'COMPENSATED', compensated_at = now() WHERE run_id = $1 AND step_id = $2`,
            [run.id, step.id],
          );
          await event(manager, run.id, 'INFO', null, `step ${step.id} compensated`, { stepId: step.id });
          return;
        }
        if (failure) {
          // The output is kept so the failures can be read; stepFailed records the status.
          await manager.query(`UPDATE run_steps SET output = $3 WHERE run_id = $1 AND step_id = $2`, [
            run.id,
            step.id,
            JSON.stringify(output ?? null),
          ]);
          return;
        }
        await manager.query(
          `UPDATE run_steps SET status = 'SUCCEEDED', output = $3, error_kind = NULL, error_message = NULL, finished_at = now(),
                  completion_seq = (SELECT COALESCE(max(completion_seq), 0) + 1 FROM run_steps WHERE run_id = $1)
            WHERE run_id = $1 AND step_id = $2`,
          [run.id, step.id, JSON.stringify(output ?? null)],
        );
        await event(manager, run.id, 'INFO', null, `step ${step.id} succeeded`, { stepId: step.id });
      });
      return failure ? { ok: false, ...failure } : { ok: true };
    },

    async stepFailed(input: {
      runId: string;
      stepId: string;
      kind: string;
      message: string;
      output?: unknown;
    }): Promise<void> {
      const cancelled = input.kind === 'CANCELLED';
      await dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE run_steps SET status = $3, error_kind = $4, error_message = $5, finished_at = now(),
                  output = COALESCE($6::jsonb, output)
            WHERE run_id = $1 AND step_id = $2`,
          [
            input.runId,
            input.stepId,
            cancelled ? 'CANCELLED' : 'FAILED',
            input.kind,
            input.message,
            input.output === undefined ? null : JSON.stringify(input.output),
          ],
        );
        await event(
          manager,
          input.runId,
          cancelled ? 'WARN' : 'ERROR',
          null,
          cancelled
            ? `step ${input.stepId} cancelled`
            : `step ${input.stepId} failed: ${input.kind}: ${input.message}`,
          { stepId: input.stepId },
        );
      });
    },

    async rollbackStarted(input: { runId: string; reason: string; steps: string[] }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        await manager.query(`UPDATE runs SET status = 'ROLLING_BACK', paused = false WHERE id = $1`, [
          input.runId,
        ]);
        await manager.query(
          `UPDATE run_steps SET compensation_status = 'PENDING' WHERE run_id = $1 AND step_id = ANY($2::text[])`,
          [input.runId, input.steps],
        );
        await event(
          manager,
          input.runId,
          'WARN',
          null,
          `rolling back (${input.reason}): compensating ${input.steps.join(', ')} in that order`,
        );
      });
    },

    async compensationFailed(input: {
      runId: string;
      stepId: string;
      kind: string;
      message: string;
    }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE run_steps SET compensation_status = 'FAILED', compensation_error = $3 WHERE run_id = $1 AND step_id = $2`,
          [input.runId, input.stepId, `${input.kind}: ${input.message}`],
        );
        await event(
          manager,
          input.runId,
          'ERROR',
          null,
          `compensation of step ${input.stepId} failed: ${input.kind}: ${input.message}`,
          { stepId: input.stepId },
        );
      });
    },

    async finishTaskRun(input: {
      runId: string;
      status: TaskRunStatus;
      reason: string | null;
      notRun: string[];
    }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE run_steps SET status = 'NOT_RUN' WHERE run_id = $1 AND step_id = ANY($2::text[]) AND status = 'PENDING'`,
          [input.runId, input.notRun],
        );
        await manager.query(
          `UPDATE runs SET status = $2, error = $3, paused = false, finished_at = now(), started_at = COALESCE(started_at, now())
            WHERE id = $1`,
          [input.runId, input.status, input.reason],
        );
        const released = await releaseDeviceLocks(manager, input.runId);
        if (released)
          await event(manager, input.runId, 'INFO', null, `released the locks on ${released} device(s)`);
        await event(
          manager,
          input.runId,
          input.status === 'COMPLETED' ? 'INFO' : 'WARN',
          null,
          `run ${input.status.toLowerCase().replace(/_/g, ' ')}${input.reason ? `: ${input.reason}` : ''}`,
        );
      });
    },
  };

  function newRunForCommands(
    id: string,
    params: Record<string, unknown>,
    backupReason: string | null,
    devices: number,
  ) {
    const commands = Array.isArray(params.commands) ? (params.commands as string[]) : [];
    const byPlatform = (params.commandsByPlatform ?? {}) as Record<string, string[]>;
    // A backup that names no commands collects each platform's running config.
    const defaults = backupReason && commands.length === 0 && Object.keys(byPlatform).length === 0;
    const { collection } = deps.config;
    return {
      id,
      kind: 'collection' as const,
      workflowId: `collection-${id}`,
      commands: defaults ? backupCommands().commands : commands,
      commandsByPlatform: defaults ? backupCommands().byPlatform : byPlatform,
      concurrency: Math.min(
        typeof params.concurrency === 'number' ? params.concurrency : collection.defaultConcurrency,
        collection.maxConcurrency,
      ),
      commandTimeoutMs:
        typeof params.commandTimeoutSeconds === 'number' ? params.commandTimeoutSeconds * 1000 : null,
      selector: params.devices as RunEntity['selector'],
      backupReason,
      totalDevices: devices,
    };
  }
}

/**
 * A device.check step's output: counts by reachability, and each device (selection order) with its
 * item's result. An item that failed (the check itself could not be done) has status FAILED.
 */
export function deviceCheckOutput(
  items: {
    item: Record<string, unknown>;
    status: string;
    output: Record<string, unknown> | null;
    error_kind: string | null;
    error_message: string | null;
  }[],
) {
  const devices = items.map((i) => {
    const ok = i.status === 'SUCCEEDED' && i.output;
    return {
      ...i.item,
      status: ok ? (i.output!.status as string) : 'FAILED',
      error: ok
        ? ((i.output!.error as string | null) ?? null)
        : `${i.error_kind ?? i.status}: ${i.error_message ?? 'did not finish'}`,
      latencyMs: ok ? ((i.output!.latencyMs as number | null) ?? null) : null,
      connectMs: ok ? ((i.output!.connectMs as number | null) ?? null) : null,
      bannerMs: ok ? ((i.output!.bannerMs as number | null) ?? null) : null,
      banner: ok ? ((i.output!.banner as string | null) ?? null) : null,
      changed: ok ? i.output!.changed === true : false,
    };
  });
  return {
    total: devices.length,
    up: devices.filter((d) => d.status === 'UP').length,
    down: devices.filter((d) => d.status === 'DOWN').length,
    devices,
  };
}

/** A backup step without commands collects each platform's running config. */
function backupCommands(): { commands: string[]; byPlatform: Record<string, string[]> } {
  return {
    commands: [RUNNING_CONFIG_COMMAND.cisco_ios],
    byPlatform: Object.fromEntries(Object.entries(RUNNING_CONFIG_COMMAND).map(([p, c]) => [p, [c]])),
  };
}

/** What a task run is started with, by the API (start, restart, retry, batches) and by a schedule. */
export interface TaskRunRequest {
  /** Task name or id. */
  task: string;
  /** Default: the task's latest version. */
  version?: number | null;
  inputs?: unknown;
  priority?: number | null;
}

/** Where a task run comes from, besides its request. */
export interface TaskRunOrigin {
  /** Restarts and retries: the run repeated, and the outputs kept from it (by step id). */
  sourceRunId?: string | null;
  reused?: Map<string, unknown>;
  /** Runs of a schedule: the schedule, the time it fired for, and the wrapper workflow execution. */
  schedule?: { id: string; scheduledAt: Date; workflowId: string; workflowRunId: string };
}

/**
 * Validate and store a task run (PENDING, with its step rows) in the caller's transaction. The one
 * way a task run is stored: by the API and by a schedule's wrapper workflow. The caller starts the
 * workflow after commit.
 */
export async function storeTaskRun(
  manager: EntityManager,
  request: TaskRunRequest,
  origin: TaskRunOrigin = {},
): Promise<{ run: RunEntity; taskName: string; definition: TaskDefinition }> {
  if (request.priority !== undefined && request.priority !== null) {
    if (!Number.isInteger(request.priority) || request.priority < 1 || request.priority > 5) {
      throw SwitchboardError.badInput('priority', 'must be an integer from 1 (most urgent) to 5');
    }
  }
  const task = await manager
    .createQueryBuilder(TaskEntity, 't')
    .where('t.deleted_at IS NULL')
    .andWhere(isUUID(request.task, 'all') ? 't.id = :key' : 't.name = :key', { key: request.task })
    .getOne();
  if (!task) throw SwitchboardError.notFound('task', request.task);
  const version = await manager.findOne(TaskVersionEntity, {
    where: { taskId: task.id, version: request.version ?? task.latestVersion },
  });
  if (!version) {
    throw SwitchboardError.badInput('version', `task ${task.name} has no version ${request.version}`);
  }
  const { inputs, errors } = validateInputs(version.definition, request.inputs ?? {});
  if (errors.length) throw SwitchboardError.invalidFields(errors);
  const runId = randomUUID();
  const { schedule } = origin;
  const run = newRun(manager, {
    id: runId,
    kind: 'task',
    workflowId: `task-${runId}`,
    concurrency: version.definition.concurrency,
    selector: {},
    totalDevices: 0,
    taskId: task.id,
    taskVersion: version.version,
    inputs,
    priority: request.priority ?? task.priority,
    sourceRunId: origin.sourceRunId ?? null,
    scheduleId: schedule?.id ?? null,
    scheduledAt: schedule?.scheduledAt ?? null,
    scheduleWorkflowId: schedule?.workflowId ?? null,
    scheduleWorkflowRunId: schedule?.workflowRunId ?? null,
  });
  await manager.insert(RunEntity, run);
  await insertStepRows(manager, runId, version.definition, origin.reused ?? new Map());
  return { run, taskName: task.name, definition: version.definition };
}

/** The workflow input of a task run: built the same way by the API and by a parent run. */
export function taskRunInputOf(
  runId: string,
  definition: TaskDefinition,
  reused: string[],
  config: Pick<AppConfig, 'collection' | 'ssh'>,
): TaskRunInput {
  return {
    runId,
    definition,
    reused,
    timeouts: {
      heartbeatMs: config.collection.heartbeatTimeoutMs,
      itemStartToCloseMs:
        config.ssh.connectTimeoutMs + config.ssh.promptTimeoutMs + config.ssh.commandTimeoutMs * 20 + 60_000,
    },
  };
}

/** One row per step, PENDING (or REUSED with the earlier run's output). */
export async function insertStepRows(
  manager: EntityManager,
  runId: string,
  definition: TaskDefinition,
  reused: Map<string, unknown>,
): Promise<void> {
  await manager.query(
    `INSERT INTO run_steps (run_id, step_id, kind, status, output, completion_seq, finished_at)
     SELECT $1, e.value->>'id', e.value->>'kind',
            CASE WHEN (e.value->>'reused')::boolean THEN 'REUSED' ELSE 'PENDING' END, e.value->'output',
            CASE WHEN (e.value->>'reused')::boolean THEN e.ord::int END,
            CASE WHEN (e.value->>'reused')::boolean THEN now() END
       FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(value, ord)`,
    [
      runId,
      JSON.stringify(
        definition.steps.map((s) => ({
          id: s.id,
          kind: s.kind,
          reused: reused.has(s.id),
          output: reused.get(s.id) ?? null,
        })),
      ),
    ],
  );
}

/** A finished child task run as a step output: its status and each step's output. */
async function childRunOutcome(
  dataSource: DataSource,
  runId: string,
): Promise<{ runId: string; status: string; outputs: Record<string, unknown> }> {
  const [run]: { status: string }[] = await dataSource.query(`SELECT status FROM runs WHERE id = $1`, [
    runId,
  ]);
  const steps: { step_id: string; output: unknown }[] = await dataSource.query(
    `SELECT step_id, output FROM run_steps WHERE run_id = $1 AND status IN ('SUCCEEDED', 'REUSED')`,
    [runId],
  );
  return {
    runId,
    status: run?.status ?? 'UNKNOWN',
    outputs: Object.fromEntries(steps.map((s) => [s.step_id, s.output])),
  };
}

/** A collection run as a step output: counts, each device's status and facts, and the outputs by device and command. */
async function collectionOutput(dataSource: DataSource, runId: string) {
  const [run]: { status: string }[] = await dataSource.query(`SELECT status FROM runs WHERE id = $1`, [
    runId,
  ]);
  const devices: {
    id: string;
    device_id: string;
    name: string;
    platform: string;
    status: string;
    error_kind: string | null;
    error_message: string | null;
    facts: unknown;
  }[] = await dataSource.query(
    `SELECT id, device_id, device_name AS name, platform, status, error_kind, error_message, facts
       FROM run_devices WHERE run_id = $1 ORDER BY device_name`,
    [runId],
  );
  const outputs: { name: string; command: string; output: string }[] = await dataSource.query(
    `SELECT rd.device_name AS name, o.command, o.output FROM command_outputs o JOIN run_devices rd ON rd.id = o.run_device_id
      WHERE o.run_id = $1 ORDER BY rd.device_name, o.seq`,
    [runId],
  );
  const byDevice: Record<string, Record<string, string>> = {};
  for (const o of outputs) (byDevice[o.name] ??= {})[o.command] = o.output;
  return {
    runId,
    status: run.status,
    total: devices.length,
    succeeded: devices.filter((d) => d.status === 'SUCCEEDED').length,
    failed: devices.filter((d) => d.status !== 'SUCCEEDED').length,
    devices: devices.map((d) => ({
      id: d.device_id,
      name: d.name,
      platform: d.platform,
      status: d.status,
      error: d.error_kind ? `${d.error_kind}: ${d.error_message}` : null,
      facts: d.facts,
    })),
    outputs: byDevice,
  };
}

export type TaskBookkeeping = ReturnType<typeof createTaskActivities>;
export type ItemActivities = ReturnType<typeof createTaskItemActivities>;
