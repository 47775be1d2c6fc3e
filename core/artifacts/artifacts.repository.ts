import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import {
  decodeCursor,
  encodeCursor,
  toConnection,
  type ConnectionShape,
} from '../../libs/common/src/pagination';
import { currentActorId } from '../accounts/actor';
import { inTransaction, type Db } from '../runs/run-log';
import {
  artifactNameProblem,
  artifactVersionProblem,
  formatArtifactRef,
  type ArtifactRef,
} from '../../libs/common/src/artifact-refs';
import { BlobStore, BlobTooLargeError, type StagedBlob } from './blob-store';

/** An artifact as the API and the step kinds see it. */
export interface Artifact {
  id: string;
  name: string;
  version: string;
  sha256: string;
  sizeBytes: number;
  contentType: string;
  source: 'upload' | 'download';
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
}

export interface NewArtifact {
  name: string;
  version: string;
  /** The checksum the client declared: the content must match it, or nothing is stored. */
  expectedSha256?: string | null;
  contentType?: string | null;
  source?: 'upload' | 'download';
  /** Retention in days from now; null or undefined keeps it until deleted. */
  retainDays?: number | null;
  /** Default: the signed-in user of the request (null in the worker). */
  createdBy?: string | null;
}

/** Name, version and retention of a new artifact, or BAD_USER_INPUT naming each bad one. */
function checkNew(input: NewArtifact): void {
  const problems = [
    ['name', artifactNameProblem(input.name)],
    ['version', artifactVersionProblem(input.version)],
  ].filter((p): p is [string, string] => p[1] !== null);
  if (problems.length)
    throw SwitchboardError.invalidFields(problems.map(([field, message]) => ({ field, message })));
  if (input.retainDays !== undefined && input.retainDays !== null) {
    if (!Number.isInteger(input.retainDays) || input.retainDays < 1 || input.retainDays > 36_500)
      throw SwitchboardError.badInput('retainDays', 'must be a whole number of days, 1 to 36500');
  }
}

const COLUMNS = `id, name, version, sha256, size_bytes::float8 AS "sizeBytes", content_type AS "contentType",
  source, created_by AS "createdBy", created_at AS "createdAt", expires_at AS "expiresAt"`;
const LIVE = `(expires_at IS NULL OR expires_at > now())`;

/** Serialises the writers of one blob: a delete never removes a file an upload just committed. */
const lockBlob = (m: Db, sha256: string) =>
  m.query(`SELECT pg_advisory_xact_lock(hashtext('switchboard:artifact-blob:' || $1))`, [sha256]);

/**
 * The artifact store: the only code that writes `artifacts` and the blob directory. Content is
 * streamed to a temporary file while its SHA-256 is computed, checked against the declared one,
 * then renamed into place under that hash in the same transaction that inserts the row.
 */
export class ArtifactsRepository {
  constructor(
    private readonly db: DataSource,
    readonly blobs: BlobStore,
    private readonly maxBytes: number,
  ) {}

  /**
   * Store `content` as name@version. The same name@version with the same content again is not an
   * error (a retried upload): the existing artifact is returned. Different content is a CONFLICT.
   */
  async store(input: NewArtifact, content: Readable): Promise<Artifact> {
    checkNew(input);
    let staged;
    try {
      staged = await this.blobs.stage(content, this.maxBytes);
    } catch (error) {
      throw this.tooLarge(error);
    }
    return this.commitStaged(input, staged);
  }

  /**
   * One part of a resumable upload (`Content-Range: bytes <start>-<end>/<total>`): appended to the
   * partial upload of this name@version and checksum, which must hold exactly `start` bytes so far.
   * When it reaches `total` bytes its SHA-256 is checked and it becomes the artifact. Without
   * content (`bytes *\/<total>`) it only says how many bytes arrived. A partial upload is kept in
   * ARTIFACTS_DIR/tmp/resumable until completed or until the artifact exists.
   */
  async storePart(
    input: NewArtifact & { expectedSha256: string },
    range: { start: number | null; total: number },
    content: Readable | null,
  ): Promise<{ artifact: Artifact } | { received: number }> {
    checkNew(input);
    if (range.total > this.maxBytes) throw this.tooLarge(new BlobTooLargeError(this.maxBytes));
    const existing = await this.resolve({ name: input.name, version: input.version });
    if (existing && existing.sha256 === input.expectedSha256) return { artifact: existing };
    const key = `${input.name}@${input.version}:${input.expectedSha256}:${range.total}`;
    let received = await this.blobs.partialSize(key);
    if (range.start === null || !content) return { received };
    if (range.start !== received)
      throw SwitchboardError.conflict(
        `this upload has ${received} of ${range.total} bytes: send the part starting at byte ${received}`,
        'content-range',
      );
    try {
      received = await this.blobs.append(key, content, range.total);
    } catch (error) {
      throw this.tooLarge(error, range.total);
    }
    if (received < range.total) return { received };
    const staged = await this.blobs.stagePartial(key);
    return { artifact: await this.commitStaged(input, staged) };
  }

  private tooLarge(error: unknown, total?: number): unknown {
    if (!(error instanceof BlobTooLargeError)) return error;
    return total !== undefined && error.limit === total
      ? SwitchboardError.badInput('content-range', `the parts are longer than the declared ${total} bytes`)
      : SwitchboardError.badInput(
          'content',
          `is larger than the ${this.maxBytes} bytes allowed (ARTIFACTS_MAX_BYTES)`,
        );
  }

  /** Check a staged blob against the declared checksum, then make it name@version (see store). */
  private async commitStaged(input: NewArtifact, staged: StagedBlob): Promise<Artifact> {
    if (input.expectedSha256 && input.expectedSha256 !== staged.sha256) {
      await this.blobs.discard(staged);
      throw SwitchboardError.badInput(
        'sha256',
        `the content's SHA-256 is ${staged.sha256}, not the declared ${input.expectedSha256}: nothing was stored`,
      );
    }
    const createdBy = input.createdBy === undefined ? currentActorId() : input.createdBy;
    try {
      return await inTransaction(this.db, async (m) => {
        await lockBlob(m, staged.sha256);
        const [existing]: Artifact[] = await m.query(
          `SELECT ${COLUMNS} FROM artifacts WHERE name = $1 AND version = $2 FOR UPDATE`,
          [input.name, input.version],
        );
        if (existing && (existing.expiresAt === null || existing.expiresAt > new Date())) {
          if (existing.sha256 === staged.sha256) return existing;
          throw SwitchboardError.conflict(
            `artifact ${input.name}@${input.version} already exists with other content (sha256 ${existing.sha256}); upload a new version`,
            'version',
          );
        }
        await this.blobs.commit(staged);
        if (existing) {
          // Past its retention, not yet purged: replaced (its blob goes if nothing else shares it).
          await m.query(`DELETE FROM artifacts WHERE id = $1`, [existing.id]);
          if (existing.sha256 !== staged.sha256) await this.dropUnshared(m, existing.sha256);
        }
        const [row]: Artifact[] = await m.query(
          `INSERT INTO artifacts (name, version, sha256, size_bytes, content_type, source, created_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::int IS NULL THEN NULL ELSE now() + make_interval(days => $8::int) END)
           RETURNING ${COLUMNS}`,
          [
            input.name,
            input.version,
            staged.sha256,
            staged.size,
            input.contentType || 'application/octet-stream',
            input.source ?? 'upload',
            createdBy,
            input.retainDays ?? null,
          ],
        );
        return row;
      });
    } finally {
      // Committed blobs were renamed away; this only removes a temporary file left by a refusal.
      await this.blobs.discard(staged);
    }
  }

  async byId(id: string): Promise<Artifact | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const [row]: Artifact[] = await this.db.query(
      `SELECT ${COLUMNS} FROM artifacts WHERE id = $1 AND ${LIVE}`,
      [id],
    );
    return row ?? null;
  }

  /** The artifact a step names: name@version, or the newest one with that content. */
  async resolve(ref: ArtifactRef): Promise<Artifact | null> {
    const [row]: Artifact[] =
      'sha256' in ref
        ? await this.db.query(
            `SELECT ${COLUMNS} FROM artifacts WHERE sha256 = $1 AND ${LIVE} ORDER BY created_at DESC LIMIT 1`,
            [ref.sha256],
          )
        : await this.db.query(
            `SELECT ${COLUMNS} FROM artifacts WHERE name = $1 AND version = $2 AND ${LIVE}`,
            [ref.name, ref.version],
          );
    return row ?? null;
  }

  /** As resolve, and its blob must be there; else NOT_FOUND naming the reference. */
  async require(ref: ArtifactRef): Promise<Artifact> {
    const artifact = await this.resolve(ref);
    if (!artifact || !(await this.blobs.has(artifact.sha256)))
      throw SwitchboardError.notFound('artifact', formatArtifactRef(ref));
    return artifact;
  }

  /** Newest first; by name when given. */
  async list(options: {
    name?: string | null;
    first: number;
    after?: string | null;
  }): Promise<ConnectionShape<Artifact>> {
    const [createdAt, id] = options.after ? decodeCursor(options.after, 2) : [null, null];
    const name = options.name ?? null;
    const rows: Artifact[] = await this.db.query(
      `SELECT ${COLUMNS} FROM artifacts
        WHERE ${LIVE} AND ($1::text IS NULL OR name = $1)
          AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [name, createdAt, id, options.first + 1],
    );
    const [{ n }]: { n: number }[] = await this.db.query(
      `SELECT count(*)::int AS n FROM artifacts WHERE ${LIVE} AND ($1::text IS NULL OR name = $1)`,
      [name],
    );
    return toConnection(rows, options.first, n, (r) => encodeCursor([r.createdAt.toISOString(), r.id]));
  }

  /** Delete the artifact; its blob goes too when no other artifact has the same content. */
  async delete(id: string): Promise<Artifact> {
    const artifact = await this.byId(id);
    if (!artifact) throw SwitchboardError.notFound('artifact', id);
    await this.remove([artifact]);
    return artifact;
  }

  /** Artifacts past their retention, deleted with their unshared blobs; how many. */
  async purgeExpired(): Promise<number> {
    const rows: Artifact[] = await this.db.query(
      `SELECT ${COLUMNS} FROM artifacts WHERE expires_at <= now() LIMIT 1000`,
    );
    await this.remove(rows);
    return rows.length;
  }

  private async remove(artifacts: Artifact[]): Promise<void> {
    for (const a of artifacts) {
      await inTransaction(this.db, async (m) => {
        await lockBlob(m, a.sha256);
        await m.query(`DELETE FROM artifacts WHERE id = $1`, [a.id]);
        await this.dropUnshared(m, a.sha256);
      });
    }
  }

  /** Remove a blob no artifact refers to any more (the caller holds its lock). */
  private async dropUnshared(m: Db, sha256: string): Promise<void> {
    const [{ n }]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM artifacts WHERE sha256 = $1`,
      [sha256],
    );
    if (n === 0) await this.blobs.remove(sha256);
  }
}
