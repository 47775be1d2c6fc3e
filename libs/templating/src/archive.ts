/**
 * Rendered configs as one download: a zip or a gzipped tar, built in memory.
 * Names are sanitised: no absolute paths, no `..`, no drive letters or control characters;
 * sub-folders are kept (`site-a/sw1.cfg`) and duplicates get a numeric suffix (`sw1-2.cfg`).
 */
import archiverModule from 'archiver';
import type { Archiver, ArchiverOptions } from 'archiver';
import { SwitchboardError } from '../../common/src/errors';

// The installed archiver 7 exports a factory function; @types/archiver 8 describes archiver 8's classes.
const archiver = archiverModule as unknown as (format: 'zip' | 'tar', options?: ArchiverOptions) => Archiver;

export type ArchiveFormat = 'zip' | 'tar.gz';

export interface ConfigFile {
  name: string;
  content: string;
}

/** A safe relative path for an archive entry; `config` if nothing usable is left. */
export function sanitiseFileName(name: string): string {
  const segments = name
    .replace(/\\/g, '/')
    .split('/')
    .map((segment) =>
      segment
        // eslint-disable-next-line no-control-regex
        .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
        .trim(),
    )
    .filter((segment) => segment !== '' && segment !== '.' && segment !== '..')
    .map((segment) => segment.replace(/^\.+/, (dots) => '_'.repeat(dots.length)).slice(0, 255));
  return segments.join('/') || 'config';
}

function uniqueNames(files: ConfigFile[]): string[] {
  const used = new Set<string>();
  return files.map((file) => {
    const name = sanitiseFileName(file.name);
    let candidate = name;
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > name.lastIndexOf('/') + 1 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${stem}-${n}${ext}`;
    used.add(candidate.toLowerCase());
    return candidate;
  });
}

/** Builds the archive in memory. */
export function exportConfigs(files: ConfigFile[], format: ArchiveFormat): Promise<Buffer> {
  if (format !== 'zip' && format !== 'tar.gz') {
    return Promise.reject(
      SwitchboardError.badInput('format', `unsupported archive format ${String(format)}`),
    );
  }
  const archive =
    format === 'zip'
      ? archiver('zip', { zlib: { level: 9 } })
      : archiver('tar', { gzip: true, gzipOptions: { level: 9 } });
  const names = uniqueNames(files);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    archive.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('error', reject);
    archive.on('warning', reject);
    files.forEach((file, i) => archive.append(file.content, { name: names[i], mode: 0o644 }));
    archive.finalize().catch(reject);
  });
}
