import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { exportConfigs, sanitiseFileName } from './archive';

const files = [
  { name: 'sw1.cfg', content: 'hostname sw1\n' },
  { name: 'site-a/sw2.cfg', content: 'hostname sw2\n' },
  { name: '../../etc/passwd', content: 'not escaping\n' },
  { name: '/abs/sw3.cfg', content: 'hostname sw3\n' },
  { name: 'sw1.cfg', content: 'hostname sw1 again\n' },
];
const expectedNames = ['sw1.cfg', 'site-a/sw2.cfg', 'etc/passwd', 'abs/sw3.cfg', 'sw1-2.cfg'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'templating-archive-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function save(name: string, data: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

describe('exportConfigs', () => {
  it('builds a zip holding every file under its sanitised name', async () => {
    const zip = save('configs.zip', await exportConfigs(files, 'zip'));
    const listing = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(expectedNames);
    expect(execFileSync('unzip', ['-p', zip, 'site-a/sw2.cfg'], { encoding: 'utf8' })).toBe('hostname sw2\n');
    expect(execFileSync('unzip', ['-p', zip, 'sw1-2.cfg'], { encoding: 'utf8' })).toBe(
      'hostname sw1 again\n',
    );
    expect(execFileSync('unzip', ['-l', zip], { encoding: 'utf8' })).toMatch(/5 files/);
  });

  it('builds a tar.gz holding every file under its sanitised name', async () => {
    const tgz = save('configs.tar.gz', await exportConfigs(files, 'tar.gz'));
    expect(execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n')).toEqual(
      expectedNames,
    );
    expect(execFileSync('tar', ['-xzOf', tgz, 'etc/passwd'], { encoding: 'utf8' })).toBe('not escaping\n');
  });

  it('builds an empty archive from no files', async () => {
    const zip = await exportConfigs([], 'zip');
    // Only the end-of-central-directory record, with zero entries.
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\x05\x06');
    expect(zip.readUInt16LE(10)).toBe(0);
    const tgz = save('empty.tar.gz', await exportConfigs([], 'tar.gz'));
    expect(execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' })).toBe('');
  });

  it('rejects an unknown format', async () => {
    await expect(exportConfigs(files, 'rar' as 'zip')).rejects.toThrow(/unsupported archive format/);
  });
});

describe('sanitiseFileName', () => {
  it.each([
    ['sw1.cfg', 'sw1.cfg'],
    ['..\\..\\windows\\system32', 'windows/system32'],
    ['C:\\configs\\sw1.cfg', 'C_/configs/sw1.cfg'],
    ['a/./b/../c', 'a/b/c'],
    ['.hidden', '_hidden'],
    ['sw\u0000|1?.cfg', 'sw__1_.cfg'],
    ['../..', 'config'],
    ['', 'config'],
  ])('%j becomes %j', (input, output) => {
    expect(sanitiseFileName(input)).toBe(output);
  });
});
