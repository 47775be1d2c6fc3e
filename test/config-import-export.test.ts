import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startStack, type Stack } from './support/harness';

interface ImportResult {
  imported: number;
  unchanged: number;
  failed: number;
  errors: { entry: string; field: string; message: string }[];
  snapshots: { deviceId: string; version: number; source: string; reason: string; content: string }[];
}
interface ExportResult {
  fileName: string;
  contentBase64: string;
  files: number;
  missing: string[];
}

const IMPORT = `mutation ($input: ImportConfigSnapshotsInput!) { importConfigSnapshots(input: $input) {
  imported unchanged failed errors { entry field message }
  snapshots { deviceId version source reason content } } }`;
const EXPORT = `mutation ($input: ExportConfigSnapshotsInput!) {
  exportConfigSnapshots(input: $input) { fileName contentBase64 files missing } }`;

describe('config snapshot import and export', () => {
  let stack: Stack;
  let names: string[];
  const content = (name: string) =>
    `hostname ${name}\n!\ninterface Loopback0\n ip address 10.9.9.9 255.255.255.255\n!\n`;

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 3 }, worker: false });
    names = stack.lab.devices().map((d) => d.name);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const importSnapshots = async (input: Record<string, unknown>): Promise<ImportResult> =>
    (await stack.gql.request<{ importConfigSnapshots: ImportResult }>(IMPORT, { input }))
      .importConfigSnapshots;
  const exportSnapshots = async (format: string): Promise<ExportResult> =>
    (
      await stack.gql.request<{ exportConfigSnapshots: ExportResult }>(EXPORT, {
        input: { format, deviceIds: names.map((n) => stack.deviceIds.get(n)) },
      })
    ).exportConfigSnapshots;
  const files = () => [
    { deviceName: names[0], content: content(names[0]) },
    { deviceName: names[1], content: content(names[1]) },
    { deviceName: 'no-such-device', content: 'hostname ghost\n' },
  ];

  it('imports files by device name and reports the unknown one', async () => {
    const result = await importSnapshots({
      format: 'FILES',
      files: files(),
      reason: 'migration from rancid',
    });
    expect(result).toMatchObject({ imported: 2, unchanged: 0, failed: 1 });
    expect(result.errors).toEqual([
      expect.objectContaining({ entry: 'no-such-device', field: 'deviceName' }),
    ]);
    expect(result.snapshots).toHaveLength(2);
    for (const [i, snapshot] of result.snapshots.entries()) {
      expect(snapshot).toMatchObject({
        deviceId: stack.deviceIds.get(names[i]),
        version: 1,
        source: 'import',
        reason: 'migration from rancid',
        content: content(names[i]),
      });
    }
  });

  it('stores nothing new when the same configs are imported again', async () => {
    const result = await importSnapshots({ format: 'FILES', files: files(), reason: 'again' });
    expect(result).toMatchObject({ imported: 0, unchanged: 2, failed: 1 });
    expect(result.snapshots.map((s) => s.version)).toEqual([1, 1]);
  });

  it.each([
    ['ZIP', 'zip', (file: string) => execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' })],
    ['TAR_GZ', 'tar.gz', (file: string) => execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })],
  ])('exports the latest versions as %s', async (format, ext, list) => {
    const result = await exportSnapshots(format);
    expect(result.files).toBe(2);
    expect(result.missing).toEqual([names[2]]);
    expect(result.fileName).toMatch(new RegExp(`^config-snapshots-.*\\.${ext.replace('.', '\\.')}$`));
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-snapshots-'));
    try {
      const file = path.join(dir, result.fileName);
      writeFileSync(file, Buffer.from(result.contentBase64, 'base64'));
      expect(list(file).split('\n').filter(Boolean).sort()).toEqual(
        [`${names[0]}.cfg`, `${names[1]}.cfg`].sort(),
      );
      const extracted = path.join(dir, 'out');
      mkdirSync(extracted);
      if (format === 'ZIP') execFileSync('unzip', ['-q', file, '-d', extracted]);
      else execFileSync('tar', ['-xzf', file, '-C', extracted]);
      for (const name of names.slice(0, 2)) {
        expect(readFileSync(path.join(extracted, `${name}.cfg`), 'utf8')).toBe(content(name));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['ZIP', 'TAR_GZ'])('imports an exported %s archive back: all unchanged', async (format) => {
    const exported = await exportSnapshots(format);
    const result = await importSnapshots({
      format,
      archiveBase64: exported.contentBase64,
      reason: 'round trip',
    });
    expect(result).toMatchObject({ imported: 0, unchanged: 2, failed: 0, errors: [] });
  });

  it('rejects a malformed archive and the wrong input shape', async () => {
    const malformed = await stack.gql.raw(IMPORT, {
      input: {
        format: 'ZIP',
        archiveBase64: Buffer.from('definitely not a zip').toString('base64'),
        reason: 'x',
      },
    });
    expect(malformed.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'archiveBase64',
    });
    const noFiles = await stack.gql.raw(IMPORT, { input: { format: 'FILES', reason: 'x' } });
    expect(noFiles.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'files' });
    const noArchive = await stack.gql.raw(IMPORT, { input: { format: 'TAR_GZ', reason: 'x' } });
    expect(noArchive.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'archiveBase64',
    });
  });

  it('reports an empty config as an entry error', async () => {
    const result = await importSnapshots({
      format: 'FILES',
      files: [{ deviceName: names[2], content: '  \n' }],
      reason: 'empty',
    });
    expect(result).toMatchObject({ imported: 0, unchanged: 0, failed: 1 });
    expect(result.errors).toEqual([expect.objectContaining({ entry: names[2], field: 'content' })]);
  });
});
