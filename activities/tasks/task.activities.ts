import { liveNodes, recentLatency } from '../../core/routing/nodes';
import * as lifecycle from '../../core/runs/run-lifecycle';
import { inTransaction, runEvent } from '../../core/runs/run-log';
import * as steps from '../../core/runs/run-steps';
import { stepIdOf, stepKeyOf } from '../../core/runs/run-steps';
import { releaseDeviceLocks } from '../../core/safety/locks';
import { runScope } from '../../core/tasks/run-scope';
import { WorkFailure } from '../../libs/common/src/failures';
import { evaluateCondition, resolveParams } from '../../libs/tasks/src';
import { placeItems, type Placement } from '../../libs/temporal/src/placement';
import type { TaskActivities } from '../../workflows/contracts';
import { STEP_KIND_HANDLERS } from './kinds';
import type { CompleteContext, PrepareContext } from './step-kind';
import {
  badParams,
  childRunOutcome,
  createChildTaskRun,
  loadTaskRun,
  stepOf,
  taskRunInput,
  type TaskActivityDeps,
} from './task-context';

/**
 * A task run's bookkeeping, for taskRunWorkflow: each step is prepared (condition, references,
 * items or a child run: per kind, activities/tasks/kinds) and completed (its output built from
 * what was stored) here; the run's and steps' state changes go through core/runs.
 */
export function createTaskActivities(deps: TaskActivityDeps): TaskActivities {
  const { dataSource } = deps;

  return {
    async taskRunStarted({ runId }) {
      await lifecycle.startRun(dataSource, runId);
    },

    async notePause({ runId, paused }) {
      await lifecycle.setPaused(dataSource, runId, paused);
    },

    /**
     * Resolve a step's parameters against the run's inputs and earlier outputs, evaluate its
     * condition, and set up what it needs (items, a child run) so the workflow can carry it out.
     * Idempotent: a retried preparation reuses the child run and items stored the first time.
     */
    async prepareStep(input) {
      const run = await loadTaskRun(dataSource, input.runId);
      const step = stepOf(run, input.stepId);
      const { compensation } = input;
      const spec = compensation ? step.compensate! : step;
      const scope = await runScope(dataSource, run);

      if (!compensation && step.when) {
        let go: boolean;
        try {
          go = evaluateCondition(step.when, scope);
        } catch (error) {
          throw badParams(step.id, error);
        }
        if (!go) {
          await steps.stepSkipped(
            dataSource,
            run.id,
            step.id,
            `step ${step.id} skipped: condition "${step.when}" is false`,
          );
          return { type: 'skip' };
        }
      }

      const requires = step.requires ?? [];
      const nodes = requires.length ? await liveNodes(dataSource, deps.config) : [];
      if (requires.length && !nodes.some((n) => requires.every((c) => n.capabilities.includes(c)))) {
        await runEvent(
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

      // Fan-out sub-steps and tasks are resolved per item, with `item` in scope.
      const raw = spec.params as Record<string, unknown>;
      const { step: _subStep, task: _subTask, ...fanoutOwn } = raw;
      let params: Record<string, unknown>;
      try {
        params = resolveParams(spec.kind === 'fanout' ? fanoutOwn : raw, scope) as Record<string, unknown>;
      } catch (error) {
        throw badParams(step.id, error);
      }
      const ctx: PrepareContext = {
        deps,
        run,
        step,
        spec,
        compensation,
        stepKey: stepKeyOf(step.id, compensation),
        params,
        raw,
        requires,
        nodes,
        started: (o = {}) =>
          inTransaction(o.m ?? dataSource, (m) =>
            steps.stepStarted(
              m,
              { runId: run.id, stepId: step.id, compensation },
              o.params ?? params,
              o.status ?? 'RUNNING',
              o.message ??
                (compensation
                  ? `compensating step ${step.id} (${step.compensate!.kind})`
                  : `step ${step.id} started (${step.kind})`),
            ),
          ),
      };
      return STEP_KIND_HANDLERS[spec.kind].prepare(ctx);
    },

    /** The item of a fan-out whose work is a whole task: its child run, created once. Null when it is done. */
    async prepareItemSubtask(input) {
      const [row]: { status: string; item: unknown; output: { runId?: string } | null }[] =
        await dataSource.query(
          `SELECT status, item, output FROM run_step_items WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
          [input.runId, input.stepKey, input.index],
        );
      if (!row) throw new WorkFailure('ITEM_GONE', 'no such item');
      if (row.status === 'SUCCEEDED') return null;
      if (row.output?.runId) return taskRunInput(deps, row.output.runId);
      const run = await loadTaskRun(dataSource, input.runId);
      const stepId = stepIdOf(input.stepKey);
      const [stepRow]: { params: { task: { task: string; version?: number; inputs?: unknown } } }[] =
        await dataSource.query(`SELECT params FROM run_steps WHERE run_id = $1 AND step_id = $2`, [
          run.id,
          stepId,
        ]);
      const scope = { ...(await runScope(dataSource, run)), item: row.item, index: input.index };
      let spec: { task: string; version?: number; inputs?: Record<string, unknown> };
      try {
        spec = resolveParams(stepRow.params.task, scope) as typeof spec;
      } catch (error) {
        throw badParams(stepId, error);
      }
      const child = await createChildTaskRun(deps, run, stepId, spec);
      await steps.itemSubtaskStarted(dataSource, input, child.runId);
      return { workflowId: child.workflowId, input: child.input };
    },

    async recordItemSubtask(input) {
      const [row]: { output: { runId: string } }[] = await dataSource.query(
        `SELECT output FROM run_step_items WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
        [input.runId, input.stepKey, input.index],
      );
      const outcome = await childRunOutcome(dataSource, row.output.runId);
      if (outcome.status !== 'COMPLETED' && outcome.status !== 'COMPLETED_WITH_ERRORS') {
        throw new WorkFailure('SUBTASK_FAILED', `subtask run ${outcome.runId} ended ${outcome.status}`);
      }
      await steps.itemSucceeded(dataSource, input, outcome);
    },

    /**
     * Where each item in [from, to) runs (`placeItems`): on its route's queue (its device's site
     * when live nodes serve it, a capability queue with `requires`, else the shared queue), or on
     * one node's own queue when several nodes serve the route and recent reachability checks say
     * which is closest to the device and has a free slot. Reachability checks themselves stay on
     * the route, so that every node of it gets measured.
     */
    async itemQueues(input) {
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
        await runEvent(
          dataSource,
          input.runId,
          'INFO',
          null,
          `step ${input.stepKey}: placed ${placed} of ${rows.length} items by recent latency (${where})`,
          { stepId: stepIdOf(input.stepKey) },
        );
      }
      return out;
    },

    async recordItemFailure(input) {
      await steps.itemFailed(dataSource, input, { kind: input.kind, message: input.message });
    },

    /**
     * The step's work is done: build its output (from the child run or its items), decide whether
     * it succeeded by its failure threshold, and store it. Outputs stay here; later steps read them.
     */
    async completeStep(input) {
      const run = await loadTaskRun(dataSource, input.runId);
      const step = stepOf(run, input.stepId);
      const spec = input.compensation ? step.compensate! : step;
      const [row]: {
        params: Record<string, unknown> | null;
        compensation_params: Record<string, unknown> | null;
        child_run_id: string | null;
        output: unknown;
      }[] = await dataSource.query(
        `SELECT params, compensation_params, child_run_id, output FROM run_steps WHERE run_id = $1 AND step_id = $2`,
        [run.id, step.id],
      );
      const ctx: CompleteContext = {
        deps,
        run,
        step,
        spec,
        compensation: input.compensation,
        stepKey: stepKeyOf(step.id, input.compensation),
        params: (input.compensation ? row.compensation_params : row.params) ?? {},
        row,
        output: input.output,
      };
      const handler = STEP_KIND_HANDLERS[spec.kind];
      const { output, failure } = handler.complete ? await handler.complete(ctx) : { output: input.output };

      if (input.compensation) {
        if (!failure) await steps.stepCompensated(dataSource, run.id, step.id);
      } else if (failure) {
        // The output is kept so the failures can be read; stepFailed records the status.
        await steps.setStepOutput(dataSource, run.id, step.id, output);
      } else {
        await steps.stepSucceeded(dataSource, run.id, step.id, output);
      }
      return failure ? { ok: false, ...failure } : { ok: true };
    },

    async stepFailed(input) {
      await steps.stepFailed(dataSource, input);
    },

    async rollbackStarted(input) {
      await lifecycle.startRollback(
        dataSource,
        input.runId,
        {
          level: 'WARN',
          message: `rolling back (${input.reason}): compensating ${input.steps.join(', ')} in that order`,
        },
        (m) => steps.compensationsPlanned(m, input.runId, input.steps),
      );
    },

    async compensationFailed(input) {
      await steps.compensationFailed(dataSource, input);
    },

    async finishTaskRun(input) {
      await inTransaction(dataSource, async (m) => {
        await steps.stepsNotRun(m, input.runId, input.notRun);
        await lifecycle.finishRun(m, input.runId, input.status, {
          error: input.reason,
          more: async (tx) => {
            const released = await releaseDeviceLocks(tx, input.runId);
            if (released)
              await runEvent(tx, input.runId, 'INFO', null, `released the locks on ${released} device(s)`);
          },
          note: {
            level: input.status === 'COMPLETED' ? 'INFO' : 'WARN',
            message: `run ${input.status.toLowerCase().replace(/_/g, ' ')}${input.reason ? `: ${input.reason}` : ''}`,
          },
        });
      });
    },
  };
}
