import { ArtifactsRepository, type Artifact } from '../../../core/artifacts/artifacts.repository';
import { BlobStore } from '../../../core/artifacts/blob-store';
import { loadDeviceTarget } from '../../../core/devices/device-target';
import { runEvent } from '../../../core/runs/run-log';
import { stepIdOf } from '../../../core/runs/run-steps';
import { formatArtifactRef, parseArtifactRef } from '../../../libs/common/src/artifact-refs';
import { SwitchboardError } from '../../../libs/common/src/errors';
import { WorkFailure } from '../../../libs/common/src/failures';
import { SshFiles, uploadFile, type UploadResult } from '../../../libs/ssh/src';
import type { ItemRunContext, StepKindHandler } from '../step-kind';
import { deviceStep } from './device-steps';

/** The artifact store as the worker reads and writes it (the same directory as the API's). */
export function artifactsOf(deps: ItemRunContext['deps']): ArtifactsRepository {
  const { dir, maxBytes } = deps.config.artifacts;
  return new ArtifactsRepository(deps.dataSource, new BlobStore(dir), maxBytes);
}

/** The artifact a step names, its blob present; else a permanent ARTIFACT_NOT_FOUND. */
export async function stepArtifact(deps: ItemRunContext['deps'], text: unknown): Promise<Artifact> {
  const ref = parseArtifactRef(String(text));
  if (!ref)
    throw new WorkFailure(
      'BAD_PARAMS',
      `params.artifact "${String(text)}" is not name@version or sha256:<hex>`,
    );
  try {
    return await artifactsOf(deps).require(ref);
  } catch (error) {
    if (error instanceof SwitchboardError)
      throw new WorkFailure('ARTIFACT_NOT_FOUND', `artifact ${formatArtifactRef(ref)} is not in the store`);
    throw error;
  }
}

/** The device to transfer to: Linux only (SFTP, sha256sum, a POSIX shell). */
export async function linuxDevice(ctx: ItemRunContext) {
  const device = await loadDeviceTarget(ctx.deps.dataSource, ctx.deps.secrets, ctx.deviceId);
  if (device.platform !== 'linux') {
    throw new WorkFailure(
      'UNSUPPORTED_PLATFORM',
      `${device.name} is a ${device.platform} device: file transfer and releases need a linux host (SFTP)`,
    );
  }
  return device;
}

/** A step's event about one device (the run log shows it under the step, with the attempt). */
export function deviceEvent(ctx: ItemRunContext, deviceName: string) {
  return (message: string, level: 'INFO' | 'WARN' = 'INFO') =>
    runEvent(ctx.deps.dataSource, ctx.runId, level, deviceName, message, {
      stepId: stepIdOf(ctx.stepKey),
      attempt: ctx.attempt,
    });
}

/**
 * Progress of one transfer in the run log: an event at each quarter. The events are written in
 * order, one after the other, and `flush` waits for the last one.
 */
export function progressEvents(event: (message: string) => Promise<void>, label: string) {
  let chain = Promise.resolve();
  let reported = 0;
  return {
    onProgress(sent: number, total: number) {
      const quarter = total > 0 ? Math.floor((sent / total) * 4) : 4;
      if (quarter <= reported || quarter >= 4) return;
      reported = quarter;
      chain = chain
        .then(() => event(`${label}: ${quarter * 25} % (${mib(sent)} of ${mib(total)})`))
        .catch(() => undefined);
    },
    flush: () => chain,
  };
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function describeUpload(r: UploadResult, size: number): string {
  if (!r.changed) return 'already there with the same SHA-256: nothing sent';
  const seconds = Math.max(r.durationMs, 1) / 1000;
  const rate = `${(r.bytesSent / 1024 / 1024 / seconds).toFixed(1)} MiB/s`;
  const resumed = r.resumedFrom !== null ? `, resumed from byte ${r.resumedFrom}` : '';
  return `${mib(size)} verified (sha256sum) and renamed into place in ${seconds.toFixed(1)} s (${mib(r.bytesSent)} sent, ${rate}${resumed})`;
}

/** Mode param ("0644") as bits. */
export const modeOf = (value: unknown): number | undefined =>
  typeof value === 'string' ? parseInt(value, 8) : undefined;

const commandTimeoutMs = (ctx: ItemRunContext, seconds?: unknown) =>
  typeof seconds === 'number' ? seconds * 1000 : ctx.deps.config.ssh.commandTimeoutMs;

/**
 * `file.upload`: an artifact to a path on each Linux device, over SFTP (see libs/ssh/src/sftp.ts:
 * temporary name, resume, sha256sum on the host, mode and owner, atomic rename). Prepared and
 * completed like the other per-device change steps (locks, windows, blast radius, maxFailedDevices).
 */
export const fileUpload: StepKindHandler = {
  prepare: deviceStep.prepare,
  complete: deviceStep.complete,
  async runItem(ctx) {
    const p = ctx.params;
    const artifact = await stepArtifact(ctx.deps, p.artifact);
    const device = await linuxDevice(ctx);
    const event = deviceEvent(ctx, device.name);
    const path = String(p.path);
    const label = `${artifact.name}@${artifact.version} to ${path}`;
    const progress = progressEvents(event, `upload ${label}`);
    await event(`upload ${label} (${mib(artifact.sizeBytes)}) started`);
    const files = await SshFiles.open(device.target, {
      connectTimeoutMs: ctx.deps.config.ssh.connectTimeoutMs,
      signal: ctx.signal,
    });
    try {
      const blobs = artifactsOf(ctx.deps).blobs;
      const result = await uploadFile(files, {
        source: (offset) => blobs.open(artifact.sha256, offset),
        size: artifact.sizeBytes,
        sha256: artifact.sha256,
        remotePath: path,
        mode: modeOf(p.mode),
        owner: typeof p.owner === 'string' ? p.owner : undefined,
        createDirs: p.createDirs !== false,
        bytesPerSecond: typeof p.bandwidthLimitKBps === 'number' ? p.bandwidthLimitKBps * 1024 : undefined,
        commandTimeoutMs: commandTimeoutMs(ctx),
        onProgress: progress.onProgress,
      });
      await progress.flush();
      await event(`upload ${label}: ${describeUpload(result, artifact.sizeBytes)}`);
      return {
        path,
        artifact: `${artifact.name}@${artifact.version}`,
        sha256: artifact.sha256,
        sizeBytes: artifact.sizeBytes,
        ...result,
      };
    } finally {
      await progress.flush();
      files.close();
    }
  },
};

/** A device name as part of an artifact version (letters, digits, `.`, `_`, `+`, `-`). */
const versionPart = (text: string) =>
  text.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'device';

/**
 * `file.download`: a file from each Linux device into the artifact store, streamed (never held in
 * memory), resumed after an interruption, and checked against the SHA-256 the host computes. Stored as `<name>@<version>-<device>`
 * (version: the param, else the run id's first 8 characters), uploader: who started the run.
 */
export const fileDownload: StepKindHandler = {
  prepare: deviceStep.prepare,
  complete: deviceStep.complete,
  async runItem(ctx) {
    const p = ctx.params;
    const device = await linuxDevice(ctx);
    const event = deviceEvent(ctx, device.name);
    const path = String(p.path);
    const files = await SshFiles.open(device.target, {
      connectTimeoutMs: ctx.deps.config.ssh.connectTimeoutMs,
      signal: ctx.signal,
    });
    try {
      const sha256 = await files.remoteSha256(path, commandTimeoutMs(ctx));
      if (!sha256) throw new WorkFailure('REMOTE_FILE_MISSING', `${path} is not a file on ${device.name}`);
      const version = `${typeof p.version === 'string' ? p.version : ctx.runId.slice(0, 8)}-${versionPart(device.name)}`;
      const [run]: { created_by: string | null }[] = await ctx.deps.dataSource.query(
        `SELECT created_by FROM runs WHERE id = $1`,
        [ctx.runId],
      );
      const size = (await files.stat(path))?.size ?? 0;
      const started = Date.now();
      const input = {
        name: String(p.name),
        version,
        expectedSha256: sha256,
        source: 'download' as const,
        retainDays: typeof p.retainDays === 'number' ? p.retainDays : null,
        createdBy: run?.created_by ?? null,
      };
      // As a resumable upload into the store: what an interrupted attempt fetched is kept, and the
      // next one reads the file from there.
      const artifacts = artifactsOf(ctx.deps);
      let artifact: Artifact;
      let resumedFrom: number | null = null;
      try {
        const asked = await artifacts.storePart(input, { start: null, total: size }, null);
        if ('artifact' in asked) artifact = asked.artifact;
        else {
          resumedFrom = asked.received > 0 ? asked.received : null;
          const part = await artifacts.storePart(
            input,
            { start: asked.received, total: size },
            files.read(path, asked.received),
          );
          if (!('artifact' in part))
            throw new WorkFailure(
              'DOWNLOAD_INCOMPLETE',
              `${path} ended after ${part.received} of ${size} bytes`,
              true,
            );
          artifact = part.artifact;
        }
      } catch (error) {
        // The file changed while it was read (or the name@version holds other content).
        if (error instanceof SwitchboardError) throw new WorkFailure('DOWNLOAD_REFUSED', error.message, true);
        throw error;
      }
      const resumed = resumedFrom !== null ? `, resumed from byte ${resumedFrom}` : '';
      await event(
        `download ${path} → ${artifact.name}@${artifact.version}: ${mib(artifact.sizeBytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s, sha256 ${sha256}${resumed}`,
      );
      return {
        path,
        artifact: `${artifact.name}@${artifact.version}`,
        artifactId: artifact.id,
        sha256: artifact.sha256,
        sizeBytes: artifact.sizeBytes,
        resumedFrom,
      };
    } finally {
      files.close();
    }
  },
};
