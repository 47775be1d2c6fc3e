import { parseAndNormalise, type NormalisedOutput } from '../libs/textfsm/src/facts';
import type { TemplateIndex } from '../libs/textfsm/src/index';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../libs/config/src/config';
import type { SecretBox } from '../libs/crypto/src/secret-box';
import { HttpStepError, httpRequest, type HttpRequestSpec } from '../libs/http/src';
import { SshSession, sshExec } from '../libs/ssh/src';
import { probeSsh } from '../libs/reachability/src';
import { resolveParams, type ResolveScope, type TaskDefinition } from '../libs/tasks/src';
import { DeviceEntity } from '../graphql/devices/device.entity';
import { resolveDeviceSelection, type DeviceSelector } from '../graphql/devices/device-selection';
import { loadDeviceTarget, runEvent, toActivityFailure } from './device-session';

/** A task run with what references resolve against. */
export interface TaskRunRow {
  id: string;
  inputs: Record<string, unknown> | null;
  task_name: string;
  task_version: number;
  definition: TaskDefinition;
}

/** What a step's references see: the run's inputs, the outputs of steps done so far, the run itself. */
export async function runScope(
  dataSource: DataSource,
  run: Pick<TaskRunRow, 'id' | 'inputs' | 'task_name' | 'task_version'>,
): Promise<ResolveScope> {
  const rows: { step_id: string; output: unknown }[] = await dataSource.query(
    `SELECT step_id, output FROM run_steps WHERE run_id = $1 AND status IN ('SUCCEEDED', 'REUSED')`,
    [run.id],
  );
  return {
    inputs: run.inputs ?? {},
    steps: Object.fromEntries(rows.map((r) => [r.step_id, { output: r.output }])),
    run: { id: run.id, taskName: run.task_name, taskVersion: run.task_version },
  };
}

export interface TaskItemDeps {
  dataSource: DataSource;
  secrets: SecretBox;
  ssh: AppConfig['ssh'];
  /** Recorded on each item it works on (which worker did what). */
  identity: string;
  /** TextFSM templates: fan-out `ssh.commands` items parse their outputs as collection runs do. */
  templates: TemplateIndex;
}

interface ItemRow {
  status: string;
  item: unknown;
  output: unknown;
  attempts: number;
}

/** What one item does: a kind and its resolved params, on a device when the kind needs one. */
interface ItemWork {
  kind: string;
  params: Record<string, unknown>;
  deviceId?: string;
  /** The task run, for work that records it (device.check). */
  runId?: string;
}

/**
 * The activities that do a step's real work: one HTTP request, or one item of a per-device step or
 * fan-out. Each stores its result before returning and first checks whether an earlier attempt
 * already stored one, so a worker that dies after finishing an item never has it done twice.
 */
export function createTaskItemActivities(deps: TaskItemDeps) {
  const { dataSource, secrets } = deps;

  async function taskRun(runId: string): Promise<TaskRunRow> {
    const [run]: TaskRunRow[] = await dataSource.query(
      `SELECT r.id, r.inputs, r.task_version, t.name AS task_name, v.definition FROM runs r
           JOIN tasks t ON t.id = r.task_id JOIN task_versions v ON v.task_id = r.task_id AND v.version = r.task_version
          WHERE r.id = $1`,
      [runId],
    );
    return run;
  }

  async function stepParams(
    runId: string,
    stepKey: string,
  ): Promise<{ kind: string; params: Record<string, unknown> }> {
    const [stepId, part] = stepKey.split('#');
    const [row]: {
      kind: string;
      params: Record<string, unknown>;
      compensation_params: Record<string, unknown>;
    }[] = await dataSource.query(
      `SELECT kind, params, compensation_params FROM run_steps WHERE run_id = $1 AND step_id = $2`,
      [runId, stepId],
    );
    if (part !== 'compensate') return { kind: row.kind, params: row.params ?? {} };
    const { definition } = await taskRun(runId);
    const kind = definition.steps.find((s) => s.id === stepId)!.compensate!.kind;
    return { kind, params: row.compensation_params ?? {} };
  }

  /** Resolve what this item does: the step's own kind per device, or a fan-out's sub-step for this item. */
  async function workOf(runId: string, stepKey: string, index: number, item: unknown): Promise<ItemWork> {
    const step = await stepParams(runId, stepKey);
    const device = (item as { id?: string } | null)?.id;
    if (step.kind !== 'fanout') return { kind: step.kind, params: step.params, deviceId: device, runId };
    const sub = step.params.step as { kind: string; params: Record<string, unknown> };
    const scope = await runScope(dataSource, await taskRun(runId));
    let params: Record<string, unknown>;
    try {
      params = resolveParams(sub.params, { ...scope, item, index }) as Record<string, unknown>;
    } catch (error) {
      throw ApplicationFailure.create({
        type: 'BAD_PARAMS',
        message: error instanceof Error ? error.message : String(error),
        nonRetryable: true,
      });
    }
    // A device fan-out runs its sub-step on the item's device.
    const fromDevices = step.params.devices !== undefined;
    return { kind: sub.kind, params, deviceId: fromDevices ? device : undefined };
  }

  async function credentialAuth(params: Record<string, unknown>): Promise<HttpRequestSpec['auth']> {
    const auth = params.auth as { credential?: string; bearerToken?: string } | undefined;
    if (!auth) return undefined;
    if (auth.bearerToken) return { bearerToken: auth.bearerToken };
    const [c]: { id: string; username: string; secret_enc: string; kind: string }[] = await dataSource.query(
      `SELECT id, username, secret_enc, kind FROM credentials WHERE name = $1`,
      [auth.credential],
    );
    if (!c || c.kind !== 'password') {
      throw ApplicationFailure.create({
        type: 'NO_CREDENTIAL',
        message: `no password credential named "${auth.credential}"`,
        nonRetryable: true,
      });
    }
    return {
      basic: { username: c.username, password: secrets.decrypt(c.secret_enc, `credential:${c.id}:secret`) },
    };
  }

  async function doHttp(params: Record<string, unknown>, signal: AbortSignal) {
    try {
      return await httpRequest(
        {
          method: (params.method as HttpRequestSpec['method']) ?? 'GET',
          url: String(params.url),
          headers: params.headers as Record<string, string> | undefined,
          body: params.body,
          auth: await credentialAuth(params),
          expectStatus: params.expectStatus as number[] | undefined,
          extract: params.extract as Record<string, string> | undefined,
          timeoutMs: typeof params.timeoutSeconds === 'number' ? params.timeoutSeconds * 1000 : 30_000,
        },
        signal,
      );
    } catch (error) {
      if (error instanceof HttpStepError) {
        throw ApplicationFailure.create({
          type: error.kind,
          message: error.message,
          nonRetryable: !error.retryable,
        });
      }
      throw error;
    }
  }

  /** One piece of work on one device (or none), its output as stored for the item. */
  async function perform(work: ItemWork, ctx: Context): Promise<Record<string, unknown>> {
    const signal = ctx.cancellationSignal;
    const sshOptions = (timeoutMs?: number) => ({
      connectTimeoutMs: deps.ssh.connectTimeoutMs,
      promptTimeoutMs: deps.ssh.promptTimeoutMs,
      commandTimeoutMs: timeoutMs ?? deps.ssh.commandTimeoutMs,
      signal,
    });
    const p = work.params;
    if (work.kind === 'sleep') {
      await sleepCancellable(Number(p.seconds ?? 0) * 1000, signal);
      return { seconds: p.seconds };
    }
    if (work.kind === 'http.request') {
      const r = await doHttp(p, signal);
      return { status: r.status, headers: r.headers, body: r.body, json: r.json, extracted: r.extracted };
    }
    if (!work.deviceId) {
      // An items fan-out whose sub-step names its own devices: do the work on each, in turn.
      const devices = await resolveDeviceSelection(
        dataSource.getRepository(DeviceEntity),
        p.devices as DeviceSelector,
      ).catch((error: unknown) => {
        throw ApplicationFailure.create({
          type: 'BAD_PARAMS',
          message: `params.devices: ${error instanceof Error ? error.message : String(error)}`,
          nonRetryable: true,
        });
      });
      const results: Record<string, unknown>[] = [];
      for (const d of devices)
        results.push({ name: d.name, ...(await perform({ ...work, deviceId: d.id }, ctx)) });
      return { devices: results };
    }
    if (work.kind === 'device.check') return checkDevice(work.deviceId, p, work.runId ?? null, signal);
    const device = await loadDeviceTarget(dataSource, secrets, work.deviceId);
    if (work.kind === 'script') {
      const timeoutMs =
        typeof p.timeoutSeconds === 'number' ? p.timeoutSeconds * 1000 : deps.ssh.commandTimeoutMs;
      const r = await sshExec(device.target, String(p.script), {
        connectTimeoutMs: deps.ssh.connectTimeoutMs,
        timeoutMs,
        signal,
      });
      const expected = typeof p.expectExitCode === 'number' ? p.expectExitCode : 0;
      if (r.exitCode !== expected) {
        throw ApplicationFailure.create({
          type: 'SCRIPT_FAILED',
          message: `exit code ${r.exitCode ?? r.exitSignal} (expected ${expected})${r.stderr.trim() ? `: ${r.stderr.trim().slice(-300)}` : ''}`,
          nonRetryable: true,
        });
      }
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    }
    const session = await SshSession.open(
      device.target,
      sshOptions(typeof p.commandTimeoutSeconds === 'number' ? p.commandTimeoutSeconds * 1000 : undefined),
    );
    try {
      if (work.kind === 'ssh.configure') {
        const byPlatform = p.linesByPlatform as Record<string, string[]> | undefined;
        const lines = byPlatform?.[device.platform] ?? (p.lines as string[] | undefined) ?? [];
        const r = await session.configure(lines);
        if (r.failed) {
          throw ApplicationFailure.create({
            type: 'CONFIG_REJECTED',
            message: `line ${r.failed.index + 1} "${r.failed.line}" refused: ${r.failed.error}`,
            nonRetryable: true,
          });
        }
        return { applied: r.applied };
      }
      if (work.kind === 'ssh.commands') {
        const byPlatform = p.commandsByPlatform as Record<string, string[]> | undefined;
        const commands = byPlatform?.[device.platform] ?? (p.commands as string[] | undefined) ?? [];
        const outputs: Record<string, string> = {};
        const errors: Record<string, string> = {};
        // Parsed as collection runs parse (ntc-templates): rows, normalised facts or interfaces, or
        // the anomaly (no template, template error, no rows); never instead of the raw output.
        const parsed: Record<string, NormalisedOutput> = {};
        for (const command of commands) {
          const r = await session.run(command);
          outputs[command] = r.output;
          if (r.error) errors[command] = r.error;
          else
            parsed[command] = parseAndNormalise(deps.templates, {
              platform: device.platform,
              command,
              text: r.output,
            });
          ctx.heartbeat();
        }
        return { outputs, errors, parsed };
      }
      throw ApplicationFailure.create({
        type: 'BAD_PARAMS',
        message: `unknown item kind ${work.kind}`,
        nonRetryable: true,
      });
    } finally {
      await session.close();
    }
  }

  /**
   * device.check on one device: probe its SSH port, then record the check and the device's current
   * status in one transaction. A DOWN device is a result, not a failure; only an error of the check
   * itself (the device is gone, the database fails) fails the item.
   */
  async function checkDevice(
    deviceId: string,
    p: Record<string, unknown>,
    runId: string | null,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const [device]: { host: string; port: number }[] = await dataSource.query(
      `SELECT host, port FROM devices WHERE id = $1`,
      [deviceId],
    );
    if (!device) {
      throw ApplicationFailure.create({
        type: 'DEVICE_GONE',
        message: `device ${deviceId} was deleted`,
        nonRetryable: true,
      });
    }
    const timeoutMs = (typeof p.timeoutSeconds === 'number' ? p.timeoutSeconds : 5) * 1000;
    const r = await probeSsh({ host: device.host, port: device.port, timeoutMs, signal });
    const checkedAt = new Date();
    const latencyMs = r.status === 'UP' ? r.bannerMs : null;
    const error = r.errorKind ? `${r.errorKind}: ${r.errorMessage}` : null;
    const changed = await dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO device_checks (device_id, checked_at, run_id, node_id, status, connect_ms, banner_ms, banner, error_kind, error_message)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          deviceId,
          checkedAt,
          runId,
          deps.identity,
          r.status,
          r.connectMs,
          r.bannerMs,
          r.banner,
          r.errorKind,
          r.errorMessage,
        ],
      );
      // A check that finished before the last recorded one (overlapping runs) only adds history.
      // TypeORM answers an UPDATE ... RETURNING with [rows, affected count].
      const [rows]: [{ previous: string }[], number] = await m.query(
        `WITH old AS (SELECT id, reach_status FROM devices WHERE id = $1 FOR UPDATE)
         UPDATE devices d SET reach_status = $2, reach_checked_at = $3, reach_latency_ms = $4, reach_error = $5,
                reach_changed_at = CASE WHEN d.reach_status IS DISTINCT FROM $2 THEN $3 ELSE d.reach_changed_at END
           FROM old WHERE d.id = old.id AND (d.reach_checked_at IS NULL OR d.reach_checked_at <= $3)
         RETURNING old.reach_status AS previous`,
        [deviceId, r.status, checkedAt, latencyMs, error],
      );
      return rows.length > 0 && rows[0].previous !== r.status;
    });
    return {
      status: r.status,
      error,
      latencyMs,
      connectMs: r.connectMs,
      bannerMs: r.bannerMs,
      banner: r.banner,
      changed,
    };
  }

  return {
    async runStepItem(input: {
      runId: string;
      stepKey: string;
      index: number;
    }): Promise<{ reused: boolean }> {
      const ctx = Context.current();
      const [row]: ItemRow[] = await dataSource.query(
        `SELECT status, item, output, attempts FROM run_step_items WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
        [input.runId, input.stepKey, input.index],
      );
      if (!row)
        throw ApplicationFailure.create({ type: 'ITEM_GONE', message: 'no such item', nonRetryable: true });
      if (row.status === 'SUCCEEDED') return { reused: true };
      const attempt = ctx.info.attempt;
      const stepId = input.stepKey.split('#')[0];
      const name = (row.item as { name?: string } | null)?.name ?? null;
      await dataSource.query(
        `UPDATE run_step_items SET status = 'RUNNING', attempts = $4, executions = executions + 1, worker = $5,
                started_at = COALESCE(started_at, now())
          WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
        [input.runId, input.stepKey, input.index, attempt, deps.identity],
      );
      const beat = setInterval(() => ctx.heartbeat(), 1000);
      try {
        const work = await workOf(input.runId, input.stepKey, input.index, row.item);
        const output = await perform(work, ctx);
        await dataSource.transaction(async (manager) => {
          await manager.query(
            `UPDATE run_step_items SET status = 'SUCCEEDED', output = $4, error_kind = NULL, error_message = NULL, finished_at = now()
              WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
            [input.runId, input.stepKey, input.index, JSON.stringify(output)],
          );
          await runEvent(manager, input.runId, 'INFO', name, `item ${input.index} of ${input.stepKey} done`, {
            stepId,
            attempt,
          });
        });
        return { reused: false };
      } catch (error) {
        const failure = toActivityFailure(error, ctx.cancellationSignal.aborted);
        await dataSource.transaction(async (manager) => {
          await manager.query(
            `UPDATE run_step_items SET error_kind = $4, error_message = $5 WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
            [input.runId, input.stepKey, input.index, failure.type, failure.message],
          );
          await runEvent(
            manager,
            input.runId,
            'WARN',
            name,
            `item ${input.index} of ${input.stepKey}, attempt ${attempt} failed (${failure.type}): ${failure.message}`,
            { stepId, attempt },
          );
        });
        throw failure;
      } finally {
        clearInterval(beat);
      }
    },

    async runHttpStep(input: { runId: string; stepKey: string }): Promise<void> {
      const ctx = Context.current();
      const [stepId, part] = input.stepKey.split('#');
      const [row]: { output: unknown; status: string }[] = await dataSource.query(
        `SELECT output, status FROM run_steps WHERE run_id = $1 AND step_id = $2`,
        [input.runId, stepId],
      );
      if (part !== 'compensate' && row.output !== null && row.output !== undefined) return;
      const { params } = await stepParams(input.runId, input.stepKey);
      try {
        const r = await doHttp(params, ctx.cancellationSignal);
        const output = {
          status: r.status,
          headers: r.headers,
          body: r.body,
          json: r.json,
          extracted: r.extracted,
        };
        if (part !== 'compensate') {
          await dataSource.query(`UPDATE run_steps SET output = $3 WHERE run_id = $1 AND step_id = $2`, [
            input.runId,
            stepId,
            JSON.stringify(output),
          ]);
        }
        await runEvent(
          dataSource,
          input.runId,
          'INFO',
          null,
          `${params.method ?? 'GET'} ${String(params.url)}: ${r.status}`,
          {
            stepId,
            attempt: ctx.info.attempt,
          },
        );
      } catch (error) {
        const failure = toActivityFailure(error, ctx.cancellationSignal.aborted);
        await runEvent(
          dataSource,
          input.runId,
          'WARN',
          null,
          `${params.method ?? 'GET'} ${String(params.url)}, attempt ${ctx.info.attempt} failed (${failure.type}): ${failure.message}`,
          { stepId, attempt: ctx.info.attempt },
        );
        throw failure;
      }
    },
  };
}

function sleepCancellable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('cancelled'));
    });
  });
}
