import { Context } from '@temporalio/activity';
import { DeviceEntity } from '../../core/devices/device.entity';
import { resolveDeviceSelection, type DeviceSelector } from '../../core/devices/device-selection';
import { assertRunCreatorMay } from '../../core/accounts/device-scope';
import { loadDeviceTarget } from '../../core/devices/device-target';
import { recordDeviceCheck } from '../../core/devices/reachability';
import { runEvent } from '../../core/runs/run-log';
import * as steps from '../../core/runs/run-steps';
import { stepIdOf } from '../../core/runs/run-steps';
import { runScope } from '../../core/tasks/run-scope';
import { WorkFailure } from '../../libs/common/src/failures';
import { httpRequest, type HttpRequestSpec } from '../../libs/http/src';
import { probeSsh } from '../../libs/reachability/src';
import { sshExec } from '../../libs/ssh/src';
import { resolveParams } from '../../libs/tasks/src';
import { parseAndNormalise, type NormalisedOutput } from '../../libs/textfsm/src/facts';
import type { ItemActivities } from '../../workflows/contracts';
import { withDeviceSession } from '../device-session';
import { toActivityFailure } from '../failures';
import { STEP_KIND_HANDLERS } from './kinds';
import { loadTaskRun, type TaskActivityDeps } from './task-context';

/** What one item does: a kind and its resolved params, on a device when the kind needs one. */
interface ItemWork {
  kind: string;
  params: Record<string, unknown>;
  deviceId?: string;
  /** The task run, for work that records it (device.check). */
  runId?: string;
  /** The step (or compensation) the item belongs to, for kinds that run their own items. */
  stepKey?: string;
}

/**
 * The activities that do a step's real work: one HTTP request, or one item of a per-device step or
 * fan-out. Each stores its result before returning and first checks whether an earlier attempt
 * already stored one, so a worker that dies after finishing an item never has it done twice.
 */
export function createItemActivities(deps: TaskActivityDeps): ItemActivities {
  const { dataSource, secrets } = deps;

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
    const { definition } = await loadTaskRun(dataSource, runId);
    const kind = definition.steps.find((s) => s.id === stepId)!.compensate!.kind;
    return { kind, params: row.compensation_params ?? {} };
  }

  /** Resolve what this item does: the step's own kind per device, or a fan-out's sub-step for this item. */
  async function workOf(runId: string, stepKey: string, index: number, item: unknown): Promise<ItemWork> {
    const step = await stepParams(runId, stepKey);
    const device = (item as { id?: string } | null)?.id;
    if (step.kind !== 'fanout')
      return { kind: step.kind, params: step.params, deviceId: device, runId, stepKey };
    const sub = step.params.step as { kind: string; params: Record<string, unknown> };
    const scope = await runScope(dataSource, await loadTaskRun(dataSource, runId));
    let params: Record<string, unknown>;
    try {
      params = resolveParams(sub.params, { ...scope, item, index }) as Record<string, unknown>;
    } catch (error) {
      throw new WorkFailure('BAD_PARAMS', error instanceof Error ? error.message : String(error));
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
      throw new WorkFailure('NO_CREDENTIAL', `no password credential named "${auth.credential}"`);
    }
    return {
      basic: { username: c.username, password: secrets.decrypt(c.secret_enc, `credential:${c.id}:secret`) },
    };
  }

  async function doHttp(params: Record<string, unknown>, signal: AbortSignal) {
    const r = await httpRequest(
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
    return { status: r.status, headers: r.headers, body: r.body, json: r.json, extracted: r.extracted };
  }

  /** One piece of work on one device (or none), its output as stored for the item. */
  async function perform(work: ItemWork, ctx: Context): Promise<Record<string, unknown>> {
    const signal = ctx.cancellationSignal;
    const p = work.params;
    if (work.kind === 'sleep') {
      await ctx.sleep(Number(p.seconds ?? 0) * 1000);
      return { seconds: p.seconds };
    }
    if (work.kind === 'http.request') return doHttp(p, signal);
    if (!work.deviceId) {
      // An items fan-out whose sub-step names its own devices: do the work on each, in turn.
      const devices = await resolveDeviceSelection(
        dataSource.getRepository(DeviceEntity),
        p.devices as DeviceSelector,
      ).catch((error: unknown) => {
        throw new WorkFailure(
          'BAD_PARAMS',
          `params.devices: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      if (work.runId) await assertRunCreatorMay(dataSource, work.runId, 'tasks:run', devices);
      const results: Record<string, unknown>[] = [];
      for (const d of devices)
        results.push({ name: d.name, ...(await perform({ ...work, deviceId: d.id }, ctx)) });
      return { devices: results };
    }
    if (work.kind === 'device.check') {
      const timeoutMs = (typeof p.timeoutSeconds === 'number' ? p.timeoutSeconds : 5) * 1000;
      return recordDeviceCheck(dataSource, {
        deviceId: work.deviceId,
        runId: work.runId ?? null,
        nodeId: deps.identity,
        probe: (target) => probeSsh({ ...target, timeoutMs, signal }),
      });
    }
    const runItem = STEP_KIND_HANDLERS[work.kind as keyof typeof STEP_KIND_HANDLERS]?.runItem;
    if (runItem && work.runId && work.stepKey) {
      const { runId, stepKey, deviceId, params } = work;
      return runItem({ deps, runId, stepKey, deviceId, params, attempt: ctx.info.attempt, signal });
    }
    const device = await loadDeviceTarget(dataSource, secrets, work.deviceId);
    if (work.kind === 'script') {
      const timeoutMs =
        typeof p.timeoutSeconds === 'number' ? p.timeoutSeconds * 1000 : deps.config.ssh.commandTimeoutMs;
      const r = await sshExec(device.target, String(p.script), {
        connectTimeoutMs: deps.config.ssh.connectTimeoutMs,
        timeoutMs,
        signal,
      });
      const expected = typeof p.expectExitCode === 'number' ? p.expectExitCode : 0;
      if (r.exitCode !== expected) {
        throw new WorkFailure(
          'SCRIPT_FAILED',
          `exit code ${r.exitCode ?? r.exitSignal} (expected ${expected})${r.stderr.trim() ? `: ${r.stderr.trim().slice(-300)}` : ''}`,
        );
      }
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    }
    const commandTimeoutMs =
      typeof p.commandTimeoutSeconds === 'number'
        ? p.commandTimeoutSeconds * 1000
        : deps.config.ssh.commandTimeoutMs;
    return withDeviceSession(
      device.target,
      { ssh: deps.config.ssh, commandTimeoutMs },
      async (session, beat) => {
        if (work.kind === 'ssh.configure') {
          const byPlatform = p.linesByPlatform as Record<string, string[]> | undefined;
          const lines = byPlatform?.[device.platform] ?? (p.lines as string[] | undefined) ?? [];
          const r = await session.configure(lines);
          if (r.failed) {
            throw new WorkFailure(
              'CONFIG_REJECTED',
              `line ${r.failed.index + 1} "${r.failed.line}" refused: ${r.failed.error}`,
            );
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
            beat();
          }
          return { outputs, errors, parsed };
        }
        throw new WorkFailure('BAD_PARAMS', `unknown item kind ${work.kind}`);
      },
    );
  }

  return {
    async runStepItem(input) {
      const ctx = Context.current();
      const [row]: { status: string; item: unknown }[] = await dataSource.query(
        `SELECT status, item FROM run_step_items WHERE run_id = $1 AND step_key = $2 AND item_index = $3`,
        [input.runId, input.stepKey, input.index],
      );
      if (!row) throw new WorkFailure('ITEM_GONE', 'no such item');
      if (row.status === 'SUCCEEDED') return { reused: true };
      const attempt = ctx.info.attempt;
      const name = (row.item as { name?: string } | null)?.name ?? null;
      await steps.itemStarted(dataSource, input, attempt, deps.identity);
      const beat = setInterval(() => ctx.heartbeat(), 1000);
      try {
        const work = await workOf(input.runId, input.stepKey, input.index, row.item);
        const output = await perform(work, ctx);
        await steps.itemSucceeded(dataSource, input, output, {
          deviceName: name,
          message: `item ${input.index} of ${input.stepKey} done`,
          attempt,
        });
        return { reused: false };
      } catch (error) {
        const failure = toActivityFailure(error, ctx.cancellationSignal.aborted);
        await steps.itemAttemptFailed(
          dataSource,
          input,
          { kind: failure.type ?? 'ERROR', message: failure.message },
          {
            deviceName: name,
            message: `item ${input.index} of ${input.stepKey}, attempt ${attempt} failed (${failure.type}): ${failure.message}`,
            attempt,
          },
        );
        throw failure;
      } finally {
        clearInterval(beat);
      }
    },

    async runHttpStep(input) {
      const ctx = Context.current();
      const [stepId, part] = input.stepKey.split('#');
      const [row]: { output: unknown }[] = await dataSource.query(
        `SELECT output FROM run_steps WHERE run_id = $1 AND step_id = $2`,
        [input.runId, stepId],
      );
      // An earlier attempt stored the response: the request is not sent again.
      if (part !== 'compensate' && row.output !== null && row.output !== undefined) return;
      const { params } = await stepParams(input.runId, input.stepKey);
      const what = `${String(params.method ?? 'GET')} ${String(params.url)}`;
      const step = { stepId: stepIdOf(input.stepKey), attempt: ctx.info.attempt };
      try {
        const output = await doHttp(params, ctx.cancellationSignal);
        if (part !== 'compensate') await steps.setStepOutput(dataSource, input.runId, stepId, output);
        await runEvent(dataSource, input.runId, 'INFO', null, `${what}: ${output.status}`, step);
      } catch (error) {
        const failure = toActivityFailure(error, ctx.cancellationSignal.aborted);
        await runEvent(
          dataSource,
          input.runId,
          'WARN',
          null,
          `${what}, attempt ${ctx.info.attempt} failed (${failure.type}): ${failure.message}`,
          step,
        );
        throw failure;
      }
    },
  };
}
