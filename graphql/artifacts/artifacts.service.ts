import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Artifact, ArtifactsRepository } from '../../core/artifacts/artifacts.repository';
import { SwitchboardError } from '../../libs/common/src/errors';
import type { ConnectionShape } from '../../libs/common/src/pagination';
import type { ArtifactModel } from './models/artifact.model';
import { ARTIFACTS } from './artifacts.tokens';

export function toArtifactModel(a: Artifact): ArtifactModel {
  return {
    id: a.id,
    name: a.name,
    version: a.version,
    sha256: a.sha256,
    sizeBytes: a.sizeBytes,
    contentType: a.contentType,
    source: a.source,
    createdById: a.createdBy,
    createdAt: a.createdAt,
    expiresAt: a.expiresAt,
    downloadPath: `/artifacts/${encodeURIComponent(a.name)}/${encodeURIComponent(a.version)}`,
  };
}

/** An upload (resumable or not) that received nothing for this long is abandoned. */
export const STALE_UPLOAD_MS = 7 * 86_400_000;

/** Artifacts through GraphQL (metadata only), and the hourly purge of those past their retention. */
@Injectable()
export class ArtifactsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Artifacts');
  private timer?: NodeJS.Timeout;

  constructor(@ARTIFACTS() private readonly artifacts: ArtifactsRepository) {}

  async list(args: {
    name?: string;
    first: number;
    after?: string;
  }): Promise<ConnectionShape<ArtifactModel>> {
    const page = await this.artifacts.list(args);
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toArtifactModel(e.node) })) };
  }

  async get(id: string): Promise<ArtifactModel | null> {
    const a = await this.artifacts.byId(id);
    return a ? toArtifactModel(a) : null;
  }

  async delete(id: string): Promise<ArtifactModel> {
    return toArtifactModel(await this.artifacts.delete(id));
  }

  async byRef(name: string, version: string): Promise<ArtifactModel> {
    const a = await this.artifacts.resolve({ name, version });
    if (!a) throw SwitchboardError.notFound('artifact', `${name}@${version}`);
    return toArtifactModel(a);
  }

  /** Hourly: artifacts past their retention, and uploads left unfinished for a week. */
  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.artifacts.purgeExpired().then(
        (n) => n && this.logger.log(`${n} artifact(s) past their retention deleted`),
        (error: Error) => this.logger.warn(`purging artifacts failed: ${error.message}`),
      );
      this.artifacts.blobs.removeStale(STALE_UPLOAD_MS).then(
        (n) => n && this.logger.log(`${n} unfinished upload(s) older than a week deleted`),
        (error: Error) => this.logger.warn(`removing unfinished uploads failed: ${error.message}`),
      );
    }, 3600_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
