import { randomUUID } from 'node:crypto';
import { deviceQueues } from '../../../core/routing/nodes';
import { createRun } from '../../../core/runs/run-factory';
import { setStepChildRun } from '../../../core/runs/run-steps';
import type { RunEntity } from '../../../core/runs/run.entity';
import { collectionInputOf } from '../../../core/runs/workflow-inputs';
import type { Db } from '../../../core/runs/run-log';
import { RUNNING_CONFIG_COMMAND } from '../../../libs/common/src/running-config';
import type { AppConfig } from '../../../libs/config/src/config';
import { stepDevices } from '../task-context';
import type { StepKindHandler } from '../step-kind';

/**
 * `ssh.commands`: a collection run of its own (a child `collectionWorkflow`), so outputs, parsing,
 * backups and per-device retries work as for any collection. The output sums it up by device.
 */
export const sshCommands: StepKindHandler = {
  async prepare(ctx) {
    const { deps, run, step, compensation, params } = ctx;
    const devices = await stepDevices(deps.dataSource, step.id, params.devices, run.id);
    const [existing]: { child_run_id: string | null }[] = await deps.dataSource.query(
      `SELECT child_run_id FROM run_steps WHERE run_id = $1 AND step_id = $2`,
      [run.id, step.id],
    );
    const backupReason = typeof params.backupReason === 'string' ? params.backupReason : null;
    // A retried preparation reuses the child run the first one stored (compensations get a new one).
    const childId = (!compensation && existing?.child_run_id) || randomUUID();
    const child = collectionRunOf(childId, params, backupReason, devices.length, deps.config);
    if (compensation || !existing?.child_run_id) {
      await deps.dataSource.transaction(async (m) => {
        await createRun(m, { ...child, parentRunId: run.id, parentStepId: step.id }, devices);
        await ctx.started({ m });
        if (!compensation) await setStepChildRun(m, run.id, step.id, childId);
      });
    }
    const ids = devices.map((d) => d.id);
    return {
      type: 'collection',
      workflowId: child.workflowId,
      input: collectionInputOf(
        child,
        ids,
        deps.config,
        await deviceQueues(deps.dataSource, deps.config, ids, ctx.requires),
      ),
    };
  },

  async complete(ctx) {
    const { deps, run, step, compensation } = ctx;
    const childId = compensation
      ? ((
          await deps.dataSource.query(
            `SELECT id FROM runs WHERE parent_run_id = $1 AND parent_step_id = $2 ORDER BY created_at DESC LIMIT 1`,
            [run.id, step.id],
          )
        )[0]?.id as string)
      : ctx.row.child_run_id!;
    const output = await collectionOutput(deps.dataSource, childId);
    const max = typeof ctx.params.maxFailedDevices === 'number' ? ctx.params.maxFailedDevices : null;
    if (output.status === 'CANCELLED' || output.status === 'FAILED') {
      return {
        output,
        failure: { kind: 'COLLECTION_FAILED', message: `collection run ${childId} ended ${output.status}` },
      };
    }
    if (max !== null && output.failed > max) {
      return {
        output,
        failure: {
          kind: 'TOO_MANY_FAILURES',
          message: `${output.failed} of ${output.total} devices failed (at most ${max} allowed)`,
        },
      };
    }
    return { output };
  },
};

/** The child collection run of an `ssh.commands` step. A backup that names no commands collects each platform's running config. */
function collectionRunOf(
  id: string,
  params: Record<string, unknown>,
  backupReason: string | null,
  devices: number,
  config: Pick<AppConfig, 'collection'>,
) {
  const commands = Array.isArray(params.commands) ? (params.commands as string[]) : [];
  const byPlatform = (params.commandsByPlatform ?? {}) as Record<string, string[]>;
  const defaults = backupReason && commands.length === 0 && Object.keys(byPlatform).length === 0;
  const { collection } = config;
  return {
    id,
    kind: 'collection' as const,
    workflowId: `collection-${id}`,
    commands: defaults ? [RUNNING_CONFIG_COMMAND.cisco_ios] : commands,
    commandsByPlatform: defaults
      ? Object.fromEntries(Object.entries(RUNNING_CONFIG_COMMAND).map(([p, c]) => [p, [c]]))
      : byPlatform,
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

/** A collection run as a step output: counts, each device's status and facts, and the outputs by device and command. */
async function collectionOutput(db: Db, runId: string) {
  const [run]: { status: string }[] = await db.query(`SELECT status FROM runs WHERE id = $1`, [runId]);
  const devices: {
    id: string;
    device_id: string;
    name: string;
    platform: string;
    status: string;
    error_kind: string | null;
    error_message: string | null;
    facts: unknown;
  }[] = await db.query(
    `SELECT id, device_id, device_name AS name, platform, status, error_kind, error_message, facts
       FROM run_devices WHERE run_id = $1 ORDER BY device_name`,
    [runId],
  );
  const outputs: { name: string; command: string; output: string }[] = await db.query(
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
