import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import { PLATFORMS } from '../../libs/common/src/platforms';
import {
  checkHost,
  checkPort,
  checkTags,
  isHost,
  locateJsonError,
  parseImportDocument,
  planImport,
  referencedNames,
  type RawImportRow,
  type RowContext,
} from './device-import';

const CRED_ID = '11111111-1111-4111-8111-111111111111';
const OTHER_CRED_ID = '22222222-2222-4222-8222-222222222222';
const EXISTING_ID = '33333333-3333-4333-8333-333333333333';

function context(overrides: Partial<RowContext> = {}): RowContext {
  return {
    credentialIdsByName: new Map([
      ['lab', CRED_ID],
      ['other', OTHER_CRED_ID],
    ]),
    credentialIds: new Set([CRED_ID, OTHER_CRED_ID]),
    existingDeviceIdsByName: new Map([['existing-1', EXISTING_ID]]),
    upsert: false,
    ...overrides,
  };
}

function documentError(run: () => unknown): SwitchboardError {
  try {
    run();
  } catch (error) {
    if (error instanceof SwitchboardError) return error;
    throw error;
  }
  throw new Error('expected a SwitchboardError');
}

const HEADER = 'name,host,port,platform,site,tags,credential,enable_secret';

describe('host, port and tag rules', () => {
  it.each(['10.0.0.1', '::1', 'fe80::1', 'core-sw1', 'core-sw1.example.net', 'a.b.c.'])(
    'accepts host %s',
    (host) => {
      expect(isHost(host)).toBe(true);
    },
  );

  it.each(['', '10.0.0.256', '1.2.3', 'bad_host', '-lead.example', 'has space', 'a..b', 'x'.repeat(64)])(
    'rejects host %j',
    (host) => {
      expect(checkHost(host)).toMatchObject({ ok: false });
    },
  );

  it('defaults a blank port to 22 and rejects ports outside 1..65535', () => {
    expect(checkPort('')).toEqual({ ok: true, value: 22 });
    expect(checkPort('2222')).toEqual({ ok: true, value: 2222 });
    expect(checkPort(65535)).toEqual({ ok: true, value: 65535 });
    for (const port of ['0', '65536', 'ssh', '22.5', -1, 1.5])
      expect(checkPort(port)).toMatchObject({ ok: false });
  });

  it('splits tags on ";" and "|", trims them and drops duplicates', () => {
    expect(checkTags('core; edge|core | lab')).toEqual({ ok: true, value: ['core', 'edge', 'lab'] });
    expect(checkTags(['a', ' b '])).toEqual({ ok: true, value: ['a', 'b'] });
    expect(checkTags(['two words'])).toMatchObject({ ok: false });
  });
});

describe('parseImportDocument (CSV)', () => {
  it('reads a header case-insensitively and numbers data rows from 1', () => {
    const rows = parseImportDocument(
      'CSV',
      `Name,HOST,Platform,Credential\nr1,10.0.0.1,cisco_ios,lab\n\nr2,10.0.0.2,huawei,lab\n`,
    );
    expect(rows.map((r) => [r.row, r.values.name, r.values.host])).toEqual([
      [1, 'r1', '10.0.0.1'],
      [2, 'r2', '10.0.0.2'],
    ]);
  });

  it('rejects an unclosed quote as a whole, naming data and the line, without echoing values', () => {
    const error = documentError(() =>
      parseImportDocument(
        'CSV',
        `${HEADER}\nr1,10.0.0.1,22,cisco_ios,,,lab,\nr2,10.0.0.2,22,cisco_ios,,,lab,"s3cret\n`,
      ),
    );
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.fields[0].field).toBe('data');
    expect(error.message).toMatch(/line 3/);
    expect(error.message).not.toContain('s3cret');
  });

  it('rejects unknown and missing columns as a document error', () => {
    expect(
      documentError(() => parseImportDocument('CSV', 'name,hostname,platform,credential\nr1,h,linux,lab'))
        .message,
    ).toMatch(/unknown column\(s\) "hostname"/);
    expect(documentError(() => parseImportDocument('CSV', 'name,host,platform\nr1,h,linux')).message).toMatch(
      /missing required column\(s\) credential/,
    );
  });

  it('rejects a document without data rows', () => {
    expect(documentError(() => parseImportDocument('CSV', `${HEADER}\n`)).fields[0].field).toBe('data');
  });

  it('reports a row with the wrong number of values as a row problem, not a document error', () => {
    const rows = parseImportDocument(
      'CSV',
      'name,host,platform,credential\nr1,h1,linux,lab,extra\nr2,h2,linux,lab',
    );
    expect(rows[0].problems).toHaveLength(1);
    expect(rows[0].problems[0].message).toMatch(/5 values but the header has 4 columns/);
    expect(rows[1].problems).toEqual([]);
  });
});

describe('parseImportDocument (JSON)', () => {
  it('accepts an array or {devices: [...]}, with tags as an array or a string', () => {
    const rows = parseImportDocument(
      'JSON',
      JSON.stringify({
        devices: [
          { name: 'r1', tags: ['a'] },
          { Name: 'r2', tags: 'a;b', credentialId: CRED_ID },
        ],
      }),
    );
    expect(rows.map((r) => r.values)).toEqual([
      { name: 'r1', tags: ['a'] },
      { name: 'r2', tags: 'a;b', credentialId: CRED_ID },
    ]);
  });

  it('names data and the line of a syntax error', () => {
    const error = documentError(() =>
      parseImportDocument('JSON', '[\n  {"name": "r1"},\n  {"name": "r2",}\n]'),
    );
    expect(error.fields[0].field).toBe('data');
    expect(error.message).toMatch(/invalid JSON at line 3/);
  });

  it('locates errors that JSON.parse reports without a position', () => {
    expect(locateJsonError('[\n  {"a": x}\n]')).toMatchObject({ line: 2, column: 9 });
    expect(locateJsonError('[{"a": 1}')).toMatchObject({
      line: 1,
      reason: expect.stringMatching(/end of input/),
    });
    expect(locateJsonError('[{"a": 1}, "ok", -1.5e3, true, null]')).toBeNull();
  });

  it('rejects JSON that is not a list of devices', () => {
    expect(documentError(() => parseImportDocument('JSON', '{"name": "r1"}')).message).toMatch(
      /array of device objects/,
    );
  });

  it('reports non-object elements and unknown keys as row problems', () => {
    const rows = parseImportDocument('JSON', '[1, {"name": "r1", "colour": "red"}]');
    expect(rows[0].problems[0]).toEqual({ field: null, message: 'must be a JSON object' });
    expect(rows[1].problems[0].field).toBe('colour');
  });
});

describe('planImport', () => {
  const csv = (...lines: string[]) => parseImportDocument('CSV', [HEADER, ...lines].join('\n'));

  it('plans valid rows with normalised values', () => {
    const plan = planImport(
      csv('r1,10.0.0.1,,cisco_ios,lab-a,core;edge,lab,en4ble', 'r2,r2.example.net,2222,linux,,,other,'),
      context(),
    );
    expect(plan.errors).toEqual([]);
    expect(plan.failed).toBe(0);
    expect(plan.devices).toEqual([
      {
        row: 1,
        existingId: null,
        name: 'r1',
        host: '10.0.0.1',
        port: 22,
        platform: 'cisco_ios',
        site: 'lab-a',
        tags: ['core', 'edge'],
        credentialId: CRED_ID,
        enableSecret: 'en4ble',
      },
      {
        row: 2,
        existingId: null,
        name: 'r2',
        host: 'r2.example.net',
        port: 2222,
        platform: 'linux',
        site: null,
        tags: [],
        credentialId: OTHER_CRED_ID,
        enableSecret: null,
      },
    ]);
  });

  it('validates every row independently and reports each problem with row, name and field', () => {
    const plan = planImport(
      csv(
        'ok-1,10.0.0.1,22,cisco_ios,,,lab,',
        ',10.0.0.2,22,cisco_ios,,,lab,',
        'bad name!,10.0.0.3,70000,ios,,,nobody,',
        'ok-2,10.0.0.4,22,huawei,,,lab,',
      ),
      context(),
    );
    expect(plan.devices.map((d) => d.name)).toEqual(['ok-1', 'ok-2']);
    expect(plan.failed).toBe(2);
    expect(plan.errors).toEqual([
      { row: 2, name: null, field: 'name', message: 'is required' },
      {
        row: 3,
        name: 'bad name!',
        field: 'name',
        message: expect.stringMatching(/^must be 1 to 128 characters/),
      },
      { row: 3, name: 'bad name!', field: 'port', message: 'must be an integer between 1 and 65535' },
      { row: 3, name: 'bad name!', field: 'platform', message: `must be one of: ${PLATFORMS.join(', ')}` },
      { row: 3, name: 'bad name!', field: 'credential', message: 'no credential named "nobody"' },
    ]);
  });

  it('rejects a name longer than 128 characters', () => {
    const plan = planImport(csv(`${'a'.repeat(129)},10.0.0.1,22,linux,,,lab,`), context());
    expect(plan.errors.map((e) => e.field)).toEqual(['name']);
  });

  it('reports later rows that repeat a name from the file, even when the first one is invalid', () => {
    const plan = planImport(
      csv(
        'dup,10.0.0.1,22,linux,,,lab,',
        'dup,10.0.0.2,22,linux,,,lab,',
        'bad,,22,linux,,,lab,',
        'bad,10.0.0.3,22,linux,,,lab,',
      ),
      context(),
    );
    expect(plan.devices.map((d) => d.row)).toEqual([1]);
    expect(plan.errors).toEqual([
      { row: 2, name: 'dup', field: 'name', message: 'duplicates the name in row 1' },
      { row: 3, name: 'bad', field: 'host', message: 'is required' },
      { row: 4, name: 'bad', field: 'name', message: 'duplicates the name in row 3' },
    ]);
  });

  it('reports existing names unless upsert, and plans an update with upsert', () => {
    const rows = csv('existing-1,10.9.9.9,22,linux,,,lab,');
    expect(planImport(rows, context()).errors).toEqual([
      { row: 1, name: 'existing-1', field: 'name', message: expect.stringMatching(/already exists/) },
    ]);
    const plan = planImport(rows, context({ upsert: true }));
    expect(plan.errors).toEqual([]);
    expect(plan.devices[0]).toMatchObject({ existingId: EXISTING_ID, host: '10.9.9.9' });
  });

  it('resolves a JSON credentialId and refuses one that disagrees with the credential name', () => {
    const rows = parseImportDocument(
      'JSON',
      JSON.stringify([
        { name: 'j1', host: '10.0.0.1', platform: 'linux', credentialId: CRED_ID, port: 2022, tags: ['x'] },
        { name: 'j2', host: '10.0.0.2', platform: 'linux', credentialId: OTHER_CRED_ID, credential: 'lab' },
        { name: 'j3', host: '10.0.0.3', platform: 'linux', credentialId: 'not-a-uuid' },
        { name: 'j4', host: '10.0.0.4', platform: 'linux' },
      ]),
    );
    const plan = planImport(rows, context());
    expect(plan.devices).toEqual([
      expect.objectContaining({ name: 'j1', credentialId: CRED_ID, port: 2022, tags: ['x'] }),
    ]);
    expect(plan.errors.map((e) => [e.row, e.field])).toEqual([
      [2, 'credentialId'],
      [3, 'credentialId'],
      [4, 'credential'],
    ]);
  });

  it('never puts an enable secret into an error message', () => {
    const rows: RawImportRow[] = [{ row: 1, values: { name: 'r1', enable_secret: 42 }, problems: [] }];
    const plan = planImport(rows, context());
    expect(plan.errors.find((e) => e.field === 'enable_secret')?.message).toBe('must be a string');
  });

  it('lists the names a document refers to, so the caller can look them up', () => {
    const rows = parseImportDocument(
      'JSON',
      JSON.stringify([
        { name: 'a', credential: 'lab' },
        { name: 'b', credentialId: CRED_ID },
        { name: 'a', credentialId: 'nope' },
      ]),
    );
    expect(referencedNames(rows)).toEqual({
      credentialNames: ['lab'],
      credentialIds: [CRED_ID],
      deviceNames: ['a', 'b'],
    });
  });
});
