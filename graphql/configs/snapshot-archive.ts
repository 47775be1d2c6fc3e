/**
 * Reading an uploaded archive of configs (zip or gzipped tar) into `{ deviceName, content }` entries.
 * Pure: no database, no Nest. Each file must be `<deviceName>.cfg` or `<deviceName>.txt`; folders are
 * ignored and path components stripped (`site-a/sw1.cfg` is `sw1`). Anything unreadable is a
 * SwitchboardError on `archiveBase64`; a file with another name is an entry error, not a failure.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import * as yauzl from 'yauzl';
import { SwitchboardError } from '../../libs/common/src/errors';

export type SnapshotArchiveFormat = 'zip' | 'tar.gz';

export const IMPORT_MAX_ENTRIES = 10_000;
export const IMPORT_MAX_ARCHIVE_BYTES = 50 * 1024 * 1024;
/** Guard against decompression bombs: total uncompressed bytes read from one archive. */
export const IMPORT_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024;

export interface ArchiveLimits {
  maxEntries: number;
  maxArchiveBytes: number;
  maxUncompressedBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxEntries: IMPORT_MAX_ENTRIES,
  maxArchiveBytes: IMPORT_MAX_ARCHIVE_BYTES,
  maxUncompressedBytes: IMPORT_MAX_UNCOMPRESSED_BYTES,
};

export interface ArchiveEntry {
  /** The path inside the archive, as given. */
  entry: string;
  deviceName: string;
  content: string;
}

export interface ArchiveEntryError {
  entry: string;
  field: string;
  message: string;
}

export interface ArchiveContents {
  entries: ArchiveEntry[];
  errors: ArchiveEntryError[];
}

const FIELD = 'archiveBase64';
const CONFIG_FILE = /^(.+)\.(cfg|txt)$/i;

/** Decodes base64, enforcing the size limit before and after decoding. */
export function decodeArchive(base64: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Buffer {
  const trimmed = base64.replace(/\s+/g, '');
  if (trimmed === '') throw SwitchboardError.badInput(FIELD, 'must not be empty');
  if (Math.floor((trimmed.length * 3) / 4) - 2 > limits.maxArchiveBytes) throw tooLarge(limits);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) throw SwitchboardError.badInput(FIELD, 'is not valid base64');
  const buffer = Buffer.from(trimmed, 'base64');
  if (buffer.length > limits.maxArchiveBytes) throw tooLarge(limits);
  return buffer;
}

function tooLarge(limits: ArchiveLimits): SwitchboardError {
  return SwitchboardError.badInput(
    FIELD,
    `archive is larger than ${Math.round(limits.maxArchiveBytes / 1024 / 1024)} MB`,
  );
}

function malformed(format: SnapshotArchiveFormat, cause: unknown): SwitchboardError {
  if (cause instanceof SwitchboardError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return SwitchboardError.badInput(FIELD, `is not a valid ${format} archive: ${detail}`);
}

/** `a/b/sw1.cfg` → `sw1`; null when the file is not a config file (or a hidden / macOS metadata file). */
export function deviceNameOf(path: string): string | null {
  const base = path.replace(/\\/g, '/').split('/').filter(Boolean).at(-1) ?? '';
  const match = CONFIG_FILE.exec(base);
  if (!match || base.startsWith('.')) return null;
  return match[1].trim() || null;
}

function isMetadata(path: string): boolean {
  const parts = path.replace(/\\/g, '/').split('/');
  return parts.includes('__MACOSX') || (parts.at(-1) ?? '').startsWith('._');
}

/** Collects file entries: counts them, checks names and keeps the uncompressed total under the limit. */
class Collector {
  readonly contents: ArchiveContents = { entries: [], errors: [] };
  private files = 0;
  private bytes = 0;

  constructor(private readonly limits: ArchiveLimits) {}

  /** Returns false when the entry is to be skipped (its data is not needed). */
  accept(path: string, declaredSize: number): boolean {
    if (isMetadata(path)) return false;
    if (++this.files > this.limits.maxEntries) {
      throw SwitchboardError.badInput(FIELD, `archive has more than ${this.limits.maxEntries} files`);
    }
    if (deviceNameOf(path) === null) {
      this.contents.errors.push({
        entry: path,
        field: 'entry',
        message: 'must be named <deviceName>.cfg or <deviceName>.txt',
      });
      return false;
    }
    this.count(declaredSize);
    return true;
  }

  count(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.limits.maxUncompressedBytes) {
      throw SwitchboardError.badInput(
        FIELD,
        `archive expands to more than ${Math.round(this.limits.maxUncompressedBytes / 1024 / 1024)} MB`,
      );
    }
  }

  add(path: string, data: Buffer): void {
    this.contents.entries.push({
      entry: path,
      deviceName: deviceNameOf(path)!,
      content: data.toString('utf8'),
    });
  }
}

function readZip(buffer: Buffer, limits: ArchiveLimits): Promise<ArchiveContents> {
  const collector = new Collector(limits);
  return new Promise<ArchiveContents>((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, decodeStrings: true }, (openError, zip) => {
      if (openError || !zip) return reject(malformed('zip', openError));
      const fail = (error: unknown) => {
        zip.close();
        reject(malformed('zip', error));
      };
      zip.on('error', fail);
      zip.on('end', () => resolve(collector.contents));
      zip.on('entry', (entry: yauzl.Entry) => {
        try {
          if (entry.fileName.endsWith('/') || !collector.accept(entry.fileName, entry.uncompressedSize)) {
            zip.readEntry();
            return;
          }
        } catch (error) {
          return fail(error);
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return fail(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', fail);
          stream.on('end', () => {
            collector.add(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

async function readTarGz(buffer: Buffer, limits: ArchiveLimits): Promise<ArchiveContents> {
  const collector = new Collector(limits);
  const extract = tar.extract();
  const gunzip = createGunzip();
  gunzip.on('error', (error) => extract.destroy(error));
  Readable.from([buffer]).pipe(gunzip).pipe(extract);
  try {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      if (type !== 'file' || !collector.accept(name, size ?? 0)) {
        entry.resume();
        continue;
      }
      const chunks: Buffer[] = [];
      let read = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read > (size ?? 0)) collector.count(chunk.length);
        chunks.push(chunk);
      }
      collector.add(name, Buffer.concat(chunks));
    }
  } catch (error) {
    gunzip.destroy();
    throw malformed('tar.gz', error);
  }
  return collector.contents;
}

/** Reads every config file of an archive. Throws BAD_USER_INPUT on `archiveBase64` when it cannot. */
export async function readSnapshotArchive(
  buffer: Buffer,
  format: SnapshotArchiveFormat,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<ArchiveContents> {
  if (buffer.length > limits.maxArchiveBytes) throw tooLarge(limits);
  return format === 'zip' ? readZip(buffer, limits) : readTarGz(buffer, limits);
}
