import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { graphqlClient } from '../scripts/graphql-client';
import { startStack, TEST_TOKEN, type Stack } from './support/harness';
import { uploadArtifact } from './support/artifacts';

const ARTIFACT_FIELDS =
  'id name version sha256 sizeBytes contentType source createdBy createdAt expiresAt downloadPath';

/** `size` random bytes as a stream of 64 KiB chunks, and their SHA-256: never one buffer of it all. */
function randomContent(size: number, seed = randomBytes(16)): { stream: () => Readable; sha256: string } {
  const chunk = (i: number) => createHash('sha512').update(seed).update(String(i)).digest();
  const chunks = function* () {
    let left = size;
    for (let i = 0; left > 0; i++) {
      const block = Buffer.concat(Array.from({ length: 1024 }, (_, j) => chunk(i * 1024 + j)));
      yield block.subarray(0, Math.min(left, block.length));
      left -= Math.min(left, block.length);
    }
  };
  const hash = createHash('sha256');
  for (const c of chunks()) hash.update(c);
  return { stream: () => Readable.from(chunks()), sha256: hash.digest('hex') };
}

describe('artifact store: streamed uploads, checksums, GraphQL metadata, permissions', () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-artifacts-'));
    stack = await startStack({ lab: { devices: 1 }, worker: false, env: { ARTIFACTS_DIR: dir } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const tmpFiles = () => (existsSync(path.join(dir, 'tmp')) ? readdirSync(path.join(dir, 'tmp')) : []);
  const blobPath = (sha: string) => path.join(dir, 'sha256', sha.slice(0, 2), sha);

  it('stores a streamed upload under its SHA-256, records the uploader, and streams it back (with resume)', async () => {
    const content = randomContent(6 * 1024 * 1024 + 123);
    const put = await uploadArtifact(stack.url, TEST_TOKEN, 'web', '1.0.0', content.stream(), {
      sha256: content.sha256.toUpperCase(),
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({
      name: 'web',
      version: '1.0.0',
      sha256: content.sha256,
      sizeBytes: 6 * 1024 * 1024 + 123,
      source: 'upload',
    });
    expect(existsSync(blobPath(content.sha256))).toBe(true);
    expect(tmpFiles()).toEqual([]);

    const data = await stack.gql.request<{ artifactVersion: Record<string, unknown> }>(
      `query { artifactVersion(name: "web", version: "1.0.0") { ${ARTIFACT_FIELDS} } }`,
    );
    expect(data.artifactVersion).toMatchObject({
      sha256: content.sha256,
      createdBy: 'service',
      expiresAt: null,
      downloadPath: '/artifacts/web/1.0.0',
    });

    const whole = await fetch(`${stack.url}/artifacts/web/1.0.0`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('x-checksum-sha256')).toBe(content.sha256);
    const body = Buffer.from(await whole.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(content.sha256);

    const rest = await fetch(`${stack.url}/artifacts/web/1.0.0`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}`, range: 'bytes=5000000-' },
    });
    expect(rest.status).toBe(206);
    expect(Buffer.from(await rest.arrayBuffer()).equals(body.subarray(5_000_000))).toBe(true);

    // The same content again is the same artifact (a retried upload); other content is a conflict.
    const again = await uploadArtifact(stack.url, TEST_TOKEN, 'web', '1.0.0', content.stream());
    expect(again.body).toMatchObject({ id: (put.body as { id: string }).id });
    const other = await uploadArtifact(
      stack.url,
      TEST_TOKEN,
      'web',
      '1.0.0',
      Readable.from([Buffer.from('other')]),
    );
    expect(other.status).toBe(409);
    expect(JSON.stringify(other.body)).toMatch(/already exists with other content/);
  });

  it('refuses content whose SHA-256 differs from the declared one, and keeps nothing of it', async () => {
    const content = randomContent(300_000);
    const before = readdirSync(dir, { recursive: true }).length;
    const put = await uploadArtifact(stack.url, TEST_TOKEN, 'bad', '1', content.stream(), {
      sha256: 'ab'.repeat(32),
    });
    expect(put.status).toBe(400);
    const error = (put.body as { errors: { message: string; extensions: { code: string; field: string } }[] })
      .errors[0];
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sha256' });
    expect(error.message).toContain(content.sha256);
    expect(tmpFiles()).toEqual([]);
    expect(existsSync(blobPath(content.sha256))).toBe(false);
    expect(readdirSync(dir, { recursive: true }).length).toBe(before);
    const listed = await stack.gql.request<{ artifacts: { totalCount: number } }>(
      `query { artifacts(name: "bad") { totalCount } }`,
    );
    expect(listed.artifacts.totalCount).toBe(0);

    const badName = await uploadArtifact(stack.url, TEST_TOKEN, '..hidden', '1', content.stream());
    expect(badName.status).toBe(400);
    expect(JSON.stringify(badName.body)).toMatch(/"field":"name"/);
  });

  it('lists newest first, keeps a blob two versions share until the last one is deleted, applies retention', async () => {
    const content = randomContent(10_000);
    const a = await uploadArtifact(stack.url, TEST_TOKEN, 'shared', '1', content.stream());
    const b = await uploadArtifact(stack.url, TEST_TOKEN, 'shared', '2', content.stream(), {
      retainDays: 30,
    });
    const idA = (a.body as { id: string }).id;
    const idB = (b.body as { id: string; expiresAt: string }).id;
    const expires = new Date((b.body as { expiresAt: string }).expiresAt).getTime();
    expect(Math.abs(expires - Date.now() - 30 * 86_400_000)).toBeLessThan(60_000);

    const page = await stack.gql.request<{
      artifacts: {
        totalCount: number;
        edges: { node: { version: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(
      `query { artifacts(name: "shared", first: 1) { totalCount edges { node { version } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(page.artifacts).toMatchObject({
      totalCount: 2,
      edges: [{ node: { version: '2' } }],
      pageInfo: { hasNextPage: true },
    });
    const next = await stack.gql.request<{ artifacts: { edges: { node: { version: string } }[] } }>(
      `query ($after: String) { artifacts(name: "shared", first: 1, after: $after) { edges { node { version } } } }`,
      { after: page.artifacts.pageInfo.endCursor },
    );
    expect(next.artifacts.edges.map((e) => e.node.version)).toEqual(['1']);

    await stack.gql.request(`mutation ($id: ID!) { deleteArtifact(id: $id) { id } }`, { id: idA });
    expect(existsSync(blobPath(content.sha256))).toBe(true);
    await stack.gql.request(`mutation ($id: ID!) { deleteArtifact(id: $id) { id } }`, { id: idB });
    expect(existsSync(blobPath(content.sha256))).toBe(false);
    const gone = await stack.gql.raw(`query ($id: ID!) { artifact(id: $id) { id } }`, { id: idB });
    expect(gone.data).toEqual({ artifact: null });

    // Past its retention an artifact is gone for readers at once.
    const old = await uploadArtifact(stack.url, TEST_TOKEN, 'old', '1', Readable.from([Buffer.from('x')]), {
      retainDays: 1,
    });
    await stack.db.query(`UPDATE artifacts SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      (old.body as { id: string }).id,
    ]);
    const hidden = await fetch(`${stack.url}/artifacts/old/1`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    expect(hidden.status).toBe(404);
  });

  it('takes an upload in resumable parts (Content-Range), each continuing where the last one stopped', async () => {
    const content = randomContent(5 * 1024 * 1024 + 11);
    const whole = Buffer.concat(await content.stream().toArray());
    const size = whole.length;
    const part = (start: number, end: number) =>
      uploadArtifact(stack.url, TEST_TOKEN, 'image', '17.3', Readable.from([whole.subarray(start, end)]), {
        sha256: content.sha256,
        headers: { 'content-range': `bytes ${start}-${end - 1}/${size}` },
      });
    const ask = () =>
      uploadArtifact(stack.url, TEST_TOKEN, 'image', '17.3', Readable.from([]), {
        sha256: content.sha256,
        headers: { 'content-range': `bytes */${size}` },
      });

    expect(await ask()).toMatchObject({ status: 308, body: { received: 0, total: size } });
    const first = await part(0, 2_000_000);
    expect(first).toMatchObject({ status: 308, body: { received: 2_000_000 } });
    expect(first.headers.range).toBe('bytes=0-1999999');
    // The connection dropped, the client asks where to go on; a part at the wrong offset is refused.
    expect((await ask()).body).toMatchObject({ received: 2_000_000 });
    const wrong = await part(3_000_000, 4_000_000);
    expect(wrong.status).toBe(409);
    expect(JSON.stringify(wrong.body)).toMatch(/send the part starting at byte 2000000/);
    expect((await part(2_000_000, 4_000_000)).status).toBe(308);
    const last = await part(4_000_000, size);
    expect(last.status).toBe(201);
    expect(last.body).toMatchObject({
      name: 'image',
      version: '17.3',
      sha256: content.sha256,
      sizeBytes: size,
    });
    expect(existsSync(blobPath(content.sha256))).toBe(true);
    expect(readdirSync(path.join(dir, 'tmp/resumable'))).toEqual([]);
    // Asking again once it is stored answers the artifact.
    expect((await ask()).status).toBe(201);

    // Parts that do not add up to the declared checksum: refused at the end, and the partial upload is dropped.
    const bad = (start: number, end: number) =>
      uploadArtifact(stack.url, TEST_TOKEN, 'image', '17.4', Readable.from([Buffer.alloc(end - start, 1)]), {
        sha256: content.sha256,
        headers: { 'content-range': `bytes ${start}-${end - 1}/1000` },
      });
    expect((await bad(0, 600)).status).toBe(308);
    const refused = await bad(600, 1000);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/"field":"sha256"/);
    expect(readdirSync(path.join(dir, 'tmp/resumable'))).toEqual([]);
    const noChecksum = await uploadArtifact(
      stack.url,
      TEST_TOKEN,
      'image',
      '17.5',
      Readable.from([Buffer.from('x')]),
      {
        headers: { 'content-range': 'bytes 0-0/1' },
      },
    );
    expect(noChecksum.status).toBe(400);
    expect(JSON.stringify(noChecksum.body)).toMatch(/x-checksum-sha256/);
  });

  it('needs artifacts:write to upload or delete and artifacts:read to list or download', async () => {
    await uploadArtifact(stack.url, TEST_TOKEN, 'perm', '1', Readable.from([Buffer.from('perm')]));
    const token = async (permissions: string[]) =>
      (
        await stack.gql.request<{ createApiToken: { secret: string } }>(
          `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }`,
          { input: { name: `t-${permissions.join('-')}`, permissions } },
        )
      ).createApiToken.secret;
    const reader = await token(['artifacts:read']);
    const outsider = await token(['devices:read']);

    const refused = await uploadArtifact(stack.url, reader, 'perm', '2', Readable.from([Buffer.from('x')]));
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toMatch(/artifacts:write/);
    const anonymous = await uploadArtifact(stack.url, null, 'perm', '2', Readable.from([Buffer.from('x')]));
    expect(anonymous.status).toBe(401);
    expect(
      (await fetch(`${stack.url}/artifacts/perm/1`, { headers: { authorization: `Bearer ${reader}` } }))
        .status,
    ).toBe(200);
    expect(
      (await fetch(`${stack.url}/artifacts/perm/1`, { headers: { authorization: `Bearer ${outsider}` } }))
        .status,
    ).toBe(403);

    const asReader = graphqlClient(`${stack.url}/graphql`, reader);
    const list = await asReader.request<{ artifacts: { totalCount: number } }>(
      `query { artifacts(name: "perm") { totalCount } }`,
    );
    expect(list.artifacts.totalCount).toBe(1);
    const del = await asReader.raw(
      `mutation { deleteArtifact(id: "00000000-0000-0000-0000-000000000000") { id } }`,
    );
    expect(del.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const asOutsider = graphqlClient(`${stack.url}/graphql`, outsider);
    expect((await asOutsider.raw(`query { artifacts { totalCount } }`)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
  });
});
