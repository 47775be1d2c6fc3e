import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { BlobStore, BlobTooLargeError } from './blob-store';

describe('BlobStore', () => {
  const fresh = () => new BlobStore(mkdtempSync(path.join(os.tmpdir(), 'blob-store-')));

  it('stages while hashing, commits under the SHA-256, and refuses content past the limit', async () => {
    const store = fresh();
    const staged = await store.stage(Readable.from([Buffer.from('hello '), Buffer.from('world')]), 100);
    expect(staged).toMatchObject({
      sha256: createHash('sha256').update('hello world').digest('hex'),
      size: 11,
    });
    await store.commit(staged);
    expect(existsSync(store.pathOf(staged.sha256))).toBe(true);
    await expect(store.stage(Readable.from([Buffer.alloc(101)]), 100)).rejects.toBeInstanceOf(
      BlobTooLargeError,
    );
    expect(readdirSync(path.join(store.dir, 'tmp'))).toEqual([]);
  });

  it('keeps partial uploads by key, appends in order, and removes stale temporary files', async () => {
    const store = fresh();
    expect(await store.partialSize('a@1')).toBe(0);
    expect(await store.append('a@1', Readable.from([Buffer.from('abc')]), 6)).toBe(3);
    expect(await store.append('a@1', Readable.from([Buffer.from('def')]), 6)).toBe(6);
    await expect(store.append('a@1', Readable.from([Buffer.from('g')]), 6)).rejects.toBeInstanceOf(
      BlobTooLargeError,
    );
    const staged = await store.stagePartial('a@1');
    expect(staged.sha256).toBe(createHash('sha256').update('abcdef').digest('hex'));

    await store.append('b@1', Readable.from([Buffer.from('x')]), 2);
    const dir = path.join(store.dir, 'tmp', 'resumable');
    const [old] = readdirSync(dir).filter((f) => path.join(dir, f) !== staged.tmp);
    const weekAgo = new Date(Date.now() - 8 * 86_400_000);
    utimesSync(path.join(dir, old), weekAgo, weekAgo);
    expect(await store.removeStale(7 * 86_400_000)).toBe(1);
    expect(await store.partialSize('b@1')).toBe(0);
    expect(await store.partialSize('a@1')).toBe(6);
  });
});
