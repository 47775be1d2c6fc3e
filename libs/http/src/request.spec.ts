/**
 * httpRequest against a real node:http server on 127.0.0.1 (ephemeral port): every route records
 * what arrived so the tests can assert on the wire, not on mocks.
 */
import { once } from 'events';
import * as http from 'http';
import { AddressInfo } from 'net';
import { httpRequest, HttpRequestSpec, HttpStepError } from './request';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const ROUTES: Record<string, (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void> = {
  '/devices': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count: 2, items: [{ name: 'r1', site: { id: 7 } }, { name: 'r2' }] }));
  },
  '/echo': (req, res, body) => {
    res.writeHead(201, { 'content-type': 'application/json', 'x-request-method': req.method ?? '' });
    res.end(JSON.stringify({ received: body, type: req.headers['content-type'] ?? null }));
  },
  '/text': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello');
  },
  '/missing': (_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'no such thing', pad: 'x'.repeat(500) }));
  },
  '/unavailable': (_req, res) => {
    res.writeHead(503);
    res.end('try later');
  },
  '/throttled': (_req, res) => {
    res.writeHead(429);
    res.end();
  },
  '/echo-auth': (req, res) => {
    // A server that leaks the request's credentials into its error body.
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end(`forbidden for ${req.headers.authorization ?? ''}`);
  },
  '/echo-auth-late': (req, res) => {
    // The credentials straddle the 200 characters an error message quotes.
    res.writeHead(401, { 'content-type': 'text/plain' });
    res.end(`${'.'.repeat(188)}${req.headers.authorization ?? ''}`);
  },
  '/slow': () => {
    // never answers
  },
  '/slow-body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"partial":');
    // the rest never comes
  },
  '/big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = 'é'.repeat(32 * 1024); // 2 bytes per character
    let sent = 0;
    const more = (): void => {
      while (sent < 64) {
        sent++;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  },
};

describe('httpRequest (node:http on loopback)', () => {
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const route = ROUTES[new URL(req.url ?? '/', 'http://x').pathname];
        if (route) route(req, res, body);
        else {
          res.writeHead(500);
          res.end('no route');
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const get = (path: string, extra: Partial<HttpRequestSpec> = {}): HttpRequestSpec => ({
    method: 'GET',
    url: `${base}${path}`,
    timeoutMs: 5000,
    ...extra,
  });
  const failure = (promise: Promise<unknown>): Promise<HttpStepError> =>
    promise.then(
      () => {
        throw new Error('expected the request to fail');
      },
      (err: unknown) => {
        expect(err).toBeInstanceOf(HttpStepError);
        return err as HttpStepError;
      },
    );

  it('GETs JSON and extracts values, with wildcards', async () => {
    const r = await httpRequest(
      get('/devices?page=1', {
        headers: { accept: 'application/json', 'x-trace': 'abc' },
        extract: { count: 'count', names: 'items[*].name', site: 'items[0].site.id' },
      }),
    );
    expect(r).toMatchObject({
      status: 200,
      json: { count: 2 },
      extracted: { count: 2, names: ['r1', 'r2'], site: 7 },
      truncated: false,
    });
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/devices?page=1' });
    expect(seen[0]!.headers['x-trace']).toBe('abc');
  });

  it('POSTs an object as JSON and a string as is', async () => {
    const r = await httpRequest({
      ...get('/echo'),
      method: 'POST',
      body: { hostname: 'r1', vlans: [10, 20] },
    });
    expect(r.status).toBe(201);
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]!.body)).toEqual({ hostname: 'r1', vlans: [10, 20] });
    expect(r.json).toEqual({ received: seen[0]!.body, type: 'application/json' });

    await httpRequest({
      ...get('/echo'),
      method: 'PUT',
      body: 'raw=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(seen[1]).toMatchObject({ method: 'PUT', body: 'raw=1' });
    expect(seen[1]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('parses a JSON body whatever the content-type says, and leaves text as null json', async () => {
    expect((await httpRequest(get('/text'))).json).toBeNull();
    expect((await httpRequest(get('/text'))).body).toBe('hello');
    const head = await httpRequest(get('/devices', { method: 'HEAD' }));
    expect(head).toMatchObject({ status: 200, body: '', json: null });
  });

  it('sends basic and bearer auth headers', async () => {
    await httpRequest(get('/devices', { auth: { basic: { username: 'admin', password: 'pa:ss' } } }));
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('admin:pa:ss').toString('base64')}`);
    await httpRequest(get('/devices', { auth: { bearerToken: 'tok-123' } }));
    expect(seen[1]!.headers.authorization).toBe('Bearer tok-123');
  });

  it('fails a 404 with HTTP_STATUS, not retryable, with the response and the start of the body', async () => {
    const err = await failure(httpRequest(get('/missing')));
    expect(err).toMatchObject({ kind: 'HTTP_STATUS', retryable: false, response: { status: 404 } });
    expect(err.message).toContain('404');
    expect(err.message).toContain(`GET ${base}/missing returned 404 Not Found`);
    expect(err.message).toContain('{"error":"no such thing"');
    expect(err.message.length).toBeLessThan(400);
    expect(err.response!.json).toMatchObject({ error: 'no such thing' });
  });

  it('fails 503 and 429 as retryable; expectStatus makes other statuses success', async () => {
    await expect(httpRequest(get('/unavailable'))).rejects.toMatchObject({
      kind: 'HTTP_STATUS',
      retryable: true,
      message: expect.stringContaining('503 Service Unavailable (expected 2xx): try later'),
    });
    await expect(httpRequest(get('/throttled'))).rejects.toMatchObject({
      kind: 'HTTP_STATUS',
      retryable: true,
    });
    await expect(httpRequest(get('/missing', { expectStatus: [404] }))).resolves.toMatchObject({
      status: 404,
    });
    await expect(httpRequest(get('/devices', { expectStatus: [204] }))).rejects.toMatchObject({
      message: expect.stringContaining('(expected 204)'),
    });
  });

  it('never puts auth values in messages, even when the server echoes them', async () => {
    const basic = await failure(
      httpRequest(get('/echo-auth', { auth: { basic: { username: 'admin', password: 's3cret-pw' } } })),
    );
    const token = Buffer.from('admin:s3cret-pw').toString('base64');
    expect(basic.response!.body).toContain(token); // the response is kept as received...
    expect(basic.message).not.toContain(token); // ...the message is not
    expect(basic.message).not.toContain('s3cret-pw');
    expect(basic.message).toContain('forbidden for Basic ***');

    const bearer = await failure(
      httpRequest(get('/echo-auth', { auth: { bearerToken: 'tok-very-secret' } })),
    );
    expect(bearer.message).not.toContain('tok-very-secret');
    const late = await failure(
      httpRequest(get('/echo-auth-late', { auth: { bearerToken: 'tok-very-secret' } })),
    );
    expect(late.message).not.toMatch(/tok-/);
    const header = await failure(
      httpRequest(get('/echo-auth', { headers: { Authorization: 'Token abc123' } })),
    );
    expect(header.message).not.toContain('abc123');
  });

  it('times out with HTTP_TIMEOUT (retryable), waiting for headers or for the body', async () => {
    const started = Date.now();
    await expect(httpRequest(get('/slow', { timeoutMs: 300 }))).rejects.toMatchObject({
      kind: 'HTTP_TIMEOUT',
      retryable: true,
      message: expect.stringContaining('within 300 ms'),
    });
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(httpRequest(get('/slow-body', { timeoutMs: 300 }))).rejects.toMatchObject({
      kind: 'HTTP_TIMEOUT',
    });
  });

  it('is cancelled by the caller signal with HTTP_CANCELLED (not retryable)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(httpRequest(get('/slow'), controller.signal)).rejects.toMatchObject({
      kind: 'HTTP_CANCELLED',
      retryable: false,
    });
    await expect(httpRequest(get('/devices'), controller.signal)).rejects.toMatchObject({
      kind: 'HTTP_CANCELLED',
    });
  });

  it('fails an extract path that matches nothing with HTTP_EXTRACT naming the path', async () => {
    const err = await failure(
      httpRequest(get('/devices', { extract: { count: 'count', serial: 'items[0].serial' } })),
    );
    expect(err).toMatchObject({ kind: 'HTTP_EXTRACT', retryable: false, response: { status: 200 } });
    expect(err.message).toContain('"serial"');
    expect(err.message).toContain('"items[0].serial"');
    await expect(httpRequest(get('/text', { extract: { x: 'a' } }))).rejects.toMatchObject({
      kind: 'HTTP_EXTRACT',
      message: expect.stringContaining('not JSON'),
    });
  });

  it('truncates the body at maxBodyBytes (default 4 MiB) on a character boundary', async () => {
    const small = await httpRequest(get('/big', { maxBodyBytes: 1001 }));
    expect(small).toMatchObject({ status: 200, truncated: true, json: null });
    expect(small.body).toBe('é'.repeat(500));
    const whole = await httpRequest(get('/big'));
    expect(whole.truncated).toBe(false);
    expect(whole.body).toHaveLength(64 * 32 * 1024);
  });

  it('maps a refused connection to HTTP_CONNECT (retryable) and bad specs to HTTP_BAD_REQUEST', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(
      httpRequest({ method: 'GET', url: `http://127.0.0.1:${port}/x`, timeoutMs: 2000 }),
    ).rejects.toMatchObject({
      kind: 'HTTP_CONNECT',
      retryable: true,
      message: expect.stringContaining('ECONNREFUSED'),
    });

    const bad: Array<[Partial<HttpRequestSpec>, RegExp]> = [
      [{ url: 'not a url' }, /valid absolute URL/],
      [{ url: 'ftp://host/x' }, /http or https/],
      [{ url: 'http://user:pw@127.0.0.1/x' }, /credentials in auth/],
      [{ body: { a: 1 } }, /cannot have a body/],
      [{ timeoutMs: 0 }, /timeoutMs/],
      [{ extract: { x: 'a..b' } }, /extract "x": invalid path/],
      [{ method: 'TRACE' as never }, /method must be one of/],
    ];
    for (const [patch, message] of bad) {
      const err = await failure(httpRequest({ ...get('/devices'), ...patch }));
      expect(err).toMatchObject({ kind: 'HTTP_BAD_REQUEST', retryable: false });
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('pw@');
    }
    expect(seen).toHaveLength(0);
  });
});
