import { gzipSync } from 'node:zlib';
import { SwitchboardError } from '../../libs/common/src/errors';
import { exportConfigs } from '../../libs/templating/src/archive';
import { decodeArchive, deviceNameOf, readSnapshotArchive, type ArchiveLimits } from './snapshot-archive';

const limits: ArchiveLimits = { maxEntries: 3, maxArchiveBytes: 64 * 1024, maxUncompressedBytes: 4096 };

async function badInput(promise: Promise<unknown>): Promise<SwitchboardError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SwitchboardError);
  return error as SwitchboardError;
}

describe('snapshot archives', () => {
  it('names devices from the file name, stripping folders', () => {
    expect(deviceNameOf('sw1.cfg')).toBe('sw1');
    expect(deviceNameOf('site-a/core/rtr-2.TXT')).toBe('rtr-2');
    expect(deviceNameOf('notes.md')).toBeNull();
    expect(deviceNameOf('.hidden.cfg')).toBeNull();
  });

  it.each(['zip', 'tar.gz'] as const)('reads every config of a %s archive', async (format) => {
    const archive = await exportConfigs(
      [
        { name: 'sw1.cfg', content: 'hostname sw1\n' },
        { name: 'site-b/sw2.txt', content: 'hostname sw2\n' },
        { name: 'README.md', content: 'hello' },
      ],
      format,
    );
    const { entries, errors } = await readSnapshotArchive(archive, format, limits);
    expect(entries).toEqual([
      { entry: 'sw1.cfg', deviceName: 'sw1', content: 'hostname sw1\n' },
      { entry: 'site-b/sw2.txt', deviceName: 'sw2', content: 'hostname sw2\n' },
    ]);
    expect(errors).toEqual([expect.objectContaining({ entry: 'README.md', field: 'entry' })]);
  });

  it.each(['zip', 'tar.gz'] as const)('rejects a malformed %s archive on archiveBase64', async (format) => {
    for (const buffer of [Buffer.from('not an archive at all'), gzipSync('not a tar file either, clearly')]) {
      const error = await badInput(readSnapshotArchive(buffer, format, limits));
      expect(error.fields).toEqual([expect.objectContaining({ field: 'archiveBase64' })]);
    }
  });

  it.each(['zip', 'tar.gz'] as const)('enforces the entry and expansion limits (%s)', async (format) => {
    const many = await exportConfigs(
      ['a', 'b', 'c', 'd'].map((n) => ({ name: `${n}.cfg`, content: n })),
      format,
    );
    expect((await badInput(readSnapshotArchive(many, format, limits))).message).toMatch(/more than 3 files/);
    const big = await exportConfigs([{ name: 'a.cfg', content: 'x'.repeat(10_000) }], format);
    expect((await badInput(readSnapshotArchive(big, format, limits))).message).toMatch(/expands to more/);
  });

  it('enforces the decoded size limit and rejects bad base64', () => {
    const tooBig = Buffer.alloc(limits.maxArchiveBytes + 1).toString('base64');
    expect(() => decodeArchive(tooBig, limits)).toThrow(/larger than/);
    expect(() => decodeArchive('%%%not base64', limits)).toThrow(/base64/);
    expect(decodeArchive(Buffer.from('abc').toString('base64'), limits).toString()).toBe('abc');
  });
});
