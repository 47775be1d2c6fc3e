import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What a write saw: the content's SHA-256 and size, in a temporary file until committed. */
export interface StagedBlob {
  tmp: string;
  sha256: string;
  size: number;
}

/** Thrown when the source is longer than the store accepts; nothing is kept. */
export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/**
 * Content-addressed blobs on the local file system: `<dir>/sha256/<2 hex>/<64 hex>`. A write
 * streams to a temporary file under `<dir>/tmp` while hashing (the content is never held whole in
 * memory), and only a committed blob is renamed into place, so a reader never sees half a file.
 */
export class BlobStore {
  constructor(readonly dir: string) {}

  pathOf(sha256: string): string {
    return path.join(this.dir, 'sha256', sha256.slice(0, 2), sha256);
  }

  /** Stream `source` into a temporary file, hashing and counting; refuse it past `maxBytes`. */
  async stage(source: Readable, maxBytes: number): Promise<StagedBlob> {
    const tmpDir = path.join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new BlobTooLargeError(maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(tmp, { flags: 'wx' }));
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    return { tmp, sha256: hash.digest('hex'), size };
  }

  /** Move a staged blob into place (a blob already there with the same content wins). */
  async commit(staged: StagedBlob): Promise<void> {
    const target = this.pathOf(staged.sha256);
    if (await this.has(staged.sha256)) {
      await this.discard(staged);
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await rename(staged.tmp, target);
  }

  /** Where the partial upload `key` (any text: it is hashed into a file name) is kept. */
  private partialPath(key: string): string {
    return path.join(this.dir, 'tmp', 'resumable', createHash('sha256').update(key).digest('hex'));
  }

  /** Bytes of the partial upload `key` so far (0: none). */
  async partialSize(key: string): Promise<number> {
    return stat(this.partialPath(key)).then(
      (s) => s.size,
      () => 0,
    );
  }

  /** Append `source` to the partial upload `key`, refusing it past `total` bytes; its new size. */
  async append(key: string, source: Readable, total: number): Promise<number> {
    const file = this.partialPath(key);
    await mkdir(path.dirname(file), { recursive: true });
    let size = await this.partialSize(key);
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > total) return done(new BlobTooLargeError(total));
        done(null, chunk);
      },
    });
    // Bytes appended before a failure stay: the client continues from the size it is told.
    await pipeline(source, meter, createWriteStream(file, { flags: 'a' }));
    return size;
  }

  /** A complete partial upload as a staged blob (hashed by reading it once), ready to commit. */
  async stagePartial(key: string): Promise<StagedBlob> {
    const tmp = this.partialPath(key);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(tmp) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    return { tmp, sha256: hash.digest('hex'), size };
  }

  async discard(staged: StagedBlob): Promise<void> {
    await rm(staged.tmp, { force: true });
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  /** The blob's bytes from `start` (default 0). */
  open(sha256: string, start = 0): ReadStream {
    return createReadStream(this.pathOf(sha256), { start });
  }

  /**
   * Temporary files not written for `olderThanMs`: partial uploads nobody finished, and staging
   * files of a process that died mid-upload. Deleted; how many.
   */
  async removeStale(olderThanMs: number): Promise<number> {
    let removed = 0;
    for (const dir of [path.join(this.dir, 'tmp'), path.join(this.dir, 'tmp', 'resumable')]) {
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        const file = path.join(dir, name);
        const s = await stat(file).catch(() => null);
        if (s?.isFile() && Date.now() - s.mtimeMs > olderThanMs) {
          await rm(file, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }
}
