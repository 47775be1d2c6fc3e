import { connect } from 'node:net';
import path from 'node:path';
import { artifactVersionProblem } from '../../../libs/common/src/artifact-refs';
import { WorkFailure } from '../../../libs/common/src/failures';
import { httpRequest } from '../../../libs/http/src';
import { shellQuote as q, SshFiles, uploadFile } from '../../../libs/ssh/src';
import type { ItemRunContext, StepKindHandler } from '../step-kind';
import { deviceStep } from './device-steps';
import {
  artifactsOf,
  describeUpload,
  deviceEvent,
  linuxDevice,
  progressEvents,
  stepArtifact,
} from './file-transfer';

interface HealthCheckSpec {
  http?: {
    port: number;
    path?: string;
    host?: string;
    scheme?: 'http' | 'https';
    expectStatus?: number[];
    bodyContains?: string;
  };
  tcp?: { port: number; host?: string };
  command?: { run: string; expectOutput?: string };
  retries?: number;
  intervalSeconds?: number;
  timeoutSeconds?: number;
}

/**
 * Which release directories to delete: all but the newest `keep` (names newest first), never the
 * ones in `protect` (the current and the previous release).
 */
export function releasesToPrune(newestFirst: string[], keep: number, protect: (string | null)[]): string[] {
  const kept = new Set(newestFirst.slice(0, keep));
  return newestFirst.filter((name) => !kept.has(name) && !protect.includes(name));
}

/** `releases/<version>` (what `current` points at) → `<version>`. */
const versionOfLink = (link: string | null) => (link ? path.posix.basename(link) : null);

/**
 * `deploy.release`: a `.tar.gz` artifact as a new release on each Linux host, under `baseDir`:
 * upload (verified, resumable) and unpack into `releases/<version>`, run the pre-start hook there,
 * switch the `current` symlink atomically (a new link renamed over the old one), run the restart
 * command, health-check with retries until a deadline; on failure switch back to the previous
 * release and restart it (HEALTH_CHECK_FAILED, the host's item fails, the others go on); keep the
 * newest `keepReleases`. A retried attempt finds what an earlier one did (the unpacked release,
 * `.previous-release`) and goes on from there.
 */
export const deployRelease: StepKindHandler = {
  prepare: deviceStep.prepare,
  complete: deviceStep.complete,
  async runItem(ctx) {
    const p = ctx.params;
    if (p.rollback === true) return rollBack(ctx);
    const artifact = await stepArtifact(ctx.deps, p.artifact);
    const version = typeof p.version === 'string' ? p.version : artifact.version;
    const problem = artifactVersionProblem(version);
    if (problem) throw new WorkFailure('BAD_PARAMS', `params.version "${version}" ${problem}`);
    const device = await linuxDevice(ctx);
    const event = deviceEvent(ctx, device.name);
    const t =
      typeof p.commandTimeoutSeconds === 'number'
        ? p.commandTimeoutSeconds * 1000
        : ctx.deps.config.ssh.commandTimeoutMs;
    const files = await SshFiles.open(device.target, {
      connectTimeoutMs: ctx.deps.config.ssh.connectTimeoutMs,
      signal: ctx.signal,
    });
    const progress = progressEvents(event, `release ${version}: upload`);
    try {
      const base = await baseDirOf(files, String(p.baseDir), t);
      const releases = `${base}/releases`;
      const release = `${releases}/${version}`;
      const link = `releases/${version}`;
      const env = `RELEASE_DIR=${q(release)} BASE_DIR=${q(base)} RELEASE_VERSION=${q(version)}`;
      // 1. The release directory, unless an earlier attempt (or deployment) unpacked it already.
      const existing = await files.stat(release);
      if (!existing?.isDirectory) {
        const tarball = `${releases}/.${version}.tar.gz`;
        const unpack = `${releases}/.${version}.unpack`;
        const blobs = artifactsOf(ctx.deps).blobs;
        const uploaded = await uploadFile(files, {
          source: (offset) => blobs.open(artifact.sha256, offset),
          size: artifact.sizeBytes,
          sha256: artifact.sha256,
          remotePath: tarball,
          bytesPerSecond: typeof p.bandwidthLimitKBps === 'number' ? p.bandwidthLimitKBps * 1024 : undefined,
          commandTimeoutMs: t,
          onProgress: progress.onProgress,
        });
        await progress.flush();
        await event(
          `release ${version}: ${artifact.name}@${artifact.version} ${describeUpload(uploaded, artifact.sizeBytes)}`,
        );
        await files.run(
          `rm -rf -- ${q(unpack)} && mkdir -p -- ${q(unpack)} && tar -xzf ${q(tarball)} -C ${q(unpack)} && mv -T -- ${q(unpack)} ${q(release)} && rm -f -- ${q(tarball)}`,
          t,
          `unpacking ${artifact.name}@${artifact.version} into ${release}`,
          'UNPACK_FAILED',
        );
        await event(`release ${version}: unpacked into ${release}`);
      } else {
        await event(`release ${version}: ${release} is there already, not uploaded again`);
      }

      // 2. The release to come back to: what `current` pointed at before this deployment switched it.
      const current = (await files.exec(`readlink -- ${q(`${base}/current`)}`, t)).stdout.trim() || null;
      let previous: string | null;
      if (current && current !== link) {
        previous = current;
        await files.run(
          `printf %s ${q(current)} > ${q(`${base}/.previous-release`)}`,
          t,
          'recording the previous release',
        );
      } else if (current === link) {
        previous =
          (await files.exec(`cat -- ${q(`${base}/.previous-release`)} 2>/dev/null`, t)).stdout.trim() || null;
        if (previous === link) previous = null;
      } else {
        previous = null;
      }

      // 3. Pre-start hook, in the new release.
      if (typeof p.preStart === 'string') {
        await files.run(
          `cd ${q(release)} && ${env} sh -c ${q(p.preStart)}`,
          t,
          'the pre-start hook',
          'PRE_START_FAILED',
        );
        await event(`release ${version}: pre-start hook done`);
      }

      const switchTo = (target: string) => switchCurrent(files, base, target, t);
      const restart = (target: string) => restartRelease(files, base, target, String(p.restart), t);

      // 4. Switch, restart, check; on failure back to the previous release.
      let failure: WorkFailure | null = null;
      let health: { ok: boolean; attempts: number; detail: string } | null = null;
      try {
        await switchTo(link);
        await event(`release ${version}: current → ${link}${previous ? ` (was ${previous})` : ''}`);
        await restart(link);
        health = await checkHealth(ctx, files, device.target.host, p.healthCheck as HealthCheckSpec, t);
        if (!health.ok)
          failure = new WorkFailure(
            'HEALTH_CHECK_FAILED',
            `release ${version} is unhealthy after ${health.attempts} check(s): ${health.detail}`,
          );
      } catch (error) {
        if (!(error instanceof WorkFailure) || error.retryable) throw error;
        failure = error;
      }
      if (failure) {
        await event(`release ${version}: ${failure.message}`, 'WARN');
        if (!previous)
          throw new WorkFailure(
            failure.kind,
            `${failure.message}; there is no previous release to go back to`,
          );
        await switchTo(previous);
        await restart(previous);
        // The previous release is checked too: the operator learns whether the host is serving.
        const after = await checkHealth(ctx, files, device.target.host, p.healthCheck as HealthCheckSpec, t);
        const state = after.ok ? 'healthy' : `NOT healthy either: ${after.detail}`;
        await event(`release ${version}: rolled back, current → ${previous}, restarted, ${state}`, 'WARN');
        throw new WorkFailure(failure.kind, `${failure.message}; rolled back to ${previous} (${state})`);
      }
      await event(`release ${version}: healthy (${health!.detail})`);

      // 5. Keep the newest releases (and never the current or previous one).
      const keep = typeof p.keepReleases === 'number' ? p.keepReleases : 5;
      const listed = (await files.exec(`ls -1t -- ${q(releases)}`, t)).stdout.split('\n').filter(Boolean);
      const pruned = releasesToPrune(listed, keep, [version, versionOfLink(previous)]);
      if (pruned.length) {
        await files.run(
          `cd ${q(releases)} && rm -rf -- ${pruned.map(q).join(' ')}`,
          t,
          'removing old releases',
        );
        await event(`release ${version}: removed old releases ${pruned.join(', ')}`);
      }
      return {
        version,
        release,
        previous: versionOfLink(previous),
        artifact: `${artifact.name}@${artifact.version}`,
        sha256: artifact.sha256,
        sizeBytes: artifact.sizeBytes,
        healthChecks: health!.attempts,
        health: health!.detail,
        pruned,
      };
    } finally {
      await progress.flush();
      files.close();
    }
  },
};

/** The base directory as an absolute path (created; a relative one is relative to the login directory). */
async function baseDirOf(files: SshFiles, given: string, t: number): Promise<string> {
  return (
    await files.run(`mkdir -p -- ${q(given)} && cd -- ${q(given)} && pwd -P`, t, `creating ${given}`)
  ).trim();
}

/** Point `<base>/current` at `target` atomically: a new link renamed over the old one. */
function switchCurrent(files: SshFiles, base: string, target: string, t: number) {
  return files.run(
    `ln -sfn -- ${q(target)} ${q(`${base}/.current.tmp`)} && mv -fT -- ${q(`${base}/.current.tmp`)} ${q(`${base}/current`)}`,
    t,
    `switching ${base}/current to ${target}`,
    'SWITCH_FAILED',
  );
}

/** The restart command, in `<base>/current`, with RELEASE_DIR, BASE_DIR and RELEASE_VERSION set. */
function restartRelease(files: SshFiles, base: string, target: string, command: string, t: number) {
  const dir = target.startsWith('/') ? target : `${base}/${target}`;
  return files.run(
    `cd ${q(`${base}/current`)} && RELEASE_DIR=${q(dir)} BASE_DIR=${q(base)} RELEASE_VERSION=${q(versionOfLink(target) ?? '')} sh -c ${q(command)}`,
    t,
    `the restart command (${versionOfLink(target)})`,
    'RESTART_FAILED',
  );
}

/**
 * `rollback: true` (a compensation): switch back to the release `current` pointed at before the
 * last deployment switched it (`.previous-release`) and restart it. A host already there (its
 * deployment failed its health check and went back by itself), or without a previous release, is
 * left as it is.
 */
async function rollBack(ctx: ItemRunContext): Promise<Record<string, unknown>> {
  const p = ctx.params;
  const device = await linuxDevice(ctx);
  const event = deviceEvent(ctx, device.name);
  const t =
    typeof p.commandTimeoutSeconds === 'number'
      ? p.commandTimeoutSeconds * 1000
      : ctx.deps.config.ssh.commandTimeoutMs;
  const files = await SshFiles.open(device.target, {
    connectTimeoutMs: ctx.deps.config.ssh.connectTimeoutMs,
    signal: ctx.signal,
  });
  try {
    const base = await baseDirOf(files, String(p.baseDir), t);
    const current = (await files.exec(`readlink -- ${q(`${base}/current`)}`, t)).stdout.trim() || null;
    const previous =
      (await files.exec(`cat -- ${q(`${base}/.previous-release`)} 2>/dev/null`, t)).stdout.trim() || null;
    if (!previous || previous === current) {
      await event(`rollback: nothing to do (current is ${current ?? 'not set'})`);
      return { rolledBack: false, version: versionOfLink(current), previous: null };
    }
    await switchCurrent(files, base, previous, t);
    await restartRelease(files, base, previous, String(p.restart), t);
    await event(`rollback: current → ${previous} (was ${current ?? 'not set'}), restarted`, 'WARN');
    return { rolledBack: true, version: versionOfLink(previous), previous: versionOfLink(current) };
  } finally {
    files.close();
  }
}

/** Health check with retries until its deadline: HTTP (from the worker), TCP, or a command on the host. */
async function checkHealth(
  ctx: ItemRunContext,
  files: SshFiles,
  deviceHost: string,
  spec: HealthCheckSpec,
  commandTimeoutMs: number,
): Promise<{ ok: boolean; attempts: number; detail: string }> {
  const deadline = Date.now() + (spec.timeoutSeconds ?? 60) * 1000;
  const retries = spec.retries ?? 10;
  const interval = (spec.intervalSeconds ?? 2) * 1000;
  let detail = 'not checked';
  for (let attempt = 1; ; attempt++) {
    const left = Math.max(1000, deadline - Date.now());
    try {
      detail = await checkOnce(ctx, files, deviceHost, spec, Math.min(left, commandTimeoutMs));
      return { ok: true, attempts: attempt, detail };
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      detail = error instanceof Error ? error.message : String(error);
    }
    if (attempt > retries || Date.now() + interval >= deadline)
      return { ok: false, attempts: attempt, detail };
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, interval);
      ctx.signal.addEventListener('abort', done, { once: true });
    });
  }
}

async function checkOnce(
  ctx: ItemRunContext,
  files: SshFiles,
  deviceHost: string,
  spec: HealthCheckSpec,
  timeoutMs: number,
): Promise<string> {
  if (spec.http) {
    const h = spec.http;
    const url = `${h.scheme ?? 'http'}://${h.host ?? deviceHost}:${h.port}${h.path ?? '/'}`;
    const r = await httpRequest(
      { method: 'GET', url, expectStatus: h.expectStatus, timeoutMs, maxBodyBytes: 64 * 1024 },
      ctx.signal,
    );
    if (h.bodyContains !== undefined && !r.body.includes(h.bodyContains))
      throw new Error(`GET ${url}: ${r.status}, the body does not contain ${JSON.stringify(h.bodyContains)}`);
    return `GET ${url}: ${r.status}`;
  }
  if (spec.tcp) {
    const host = spec.tcp.host ?? deviceHost;
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port: spec.tcp!.port, timeout: timeoutMs });
      socket.once('connect', () => (socket.destroy(), resolve()));
      socket.once(
        'timeout',
        () => (
          socket.destroy(),
          reject(new Error(`TCP ${host}:${spec.tcp!.port}: no answer in ${timeoutMs} ms`))
        ),
      );
      socket.once('error', (e) => reject(new Error(`TCP ${host}:${spec.tcp!.port}: ${e.message}`)));
    });
    return `TCP ${host}:${spec.tcp.port} open`;
  }
  const c = spec.command!;
  const r = await files.exec(c.run, timeoutMs);
  const out = r.stdout.trim();
  if (r.exitCode !== 0)
    throw new Error(
      `${c.run}: exit ${r.exitCode ?? 'none'}${r.stderr.trim() ? `: ${r.stderr.trim().slice(-200)}` : ''}`,
    );
  if (c.expectOutput !== undefined && !out.includes(c.expectOutput))
    throw new Error(
      `${c.run}: the output does not contain ${JSON.stringify(c.expectOutput)}: ${out.slice(-200)}`,
    );
  return `${c.run}: ${out.slice(-100) || 'exit 0'}`;
}
