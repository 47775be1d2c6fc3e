import * as net from 'node:net';
import { Worker } from 'node:worker_threads';
import { classifyConnectError, probeSsh } from './probe';

/** A loopback TCP server; `onSocket` decides what each connection gets. Records what clients send. */
async function server(onSocket: (socket: net.Socket) => void) {
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    received: () => Buffer.concat(received),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
async function listen(onSocket: (socket: net.Socket) => void) {
  const s = await server(onSocket);
  closers.push(s.close);
  return s;
}

const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('probeSsh', () => {
  it('is UP with the identification line and latencies, and sends nothing', async () => {
    const s = await listen((socket) => socket.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    const r = await probeSsh({ host: '127.0.0.1', port: s.port, timeoutMs: 2000 });
    expect(r).toEqual({
      status: 'UP',
      connectMs: expect.any(Number),
      bannerMs: expect.any(Number),
      banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2',
      errorKind: null,
      errorMessage: null,
    });
    expect(r.bannerMs!).toBeGreaterThanOrEqual(r.connectMs!);
    await waitMs(50);
    expect(s.received().length).toBe(0);
  });

  it('ignores lines before the identification line (RFC 4253 4.2)', async () => {
    const s = await listen((socket) => {
      socket.write('Welcome to the lab\r\nAuthorised users only\r\n');
      setTimeout(() => socket.write('SSH-2.0-Cisco-1.25\r\n'), 20);
    });
    const r = await probeSsh({ host: '127.0.0.1', port: s.port, timeoutMs: 2000 });
    expect(r.status).toBe('UP');
    expect(r.banner).toBe('SSH-2.0-Cisco-1.25');
  });

  it('reads an identification line split across packets, and measures a slow one', async () => {
    const s = await listen((socket) => {
      setTimeout(() => socket.write('SSH-2.0-'), 150);
      setTimeout(() => socket.write('slow\r\n'), 200);
    });
    const r = await probeSsh({ host: '127.0.0.1', port: s.port, timeoutMs: 2000 });
    expect(r.status).toBe('UP');
    expect(r.banner).toBe('SSH-2.0-slow');
    expect(r.bannerMs!).toBeGreaterThanOrEqual(190);
    expect(r.connectMs!).toBeLessThan(150);
  });

  it('is DOWN with REFUSED when nothing listens on the port', async () => {
    const s = await server(() => undefined);
    await s.close();
    const r = await probeSsh({ host: '127.0.0.1', port: s.port, timeoutMs: 2000 });
    expect(r).toMatchObject({
      status: 'DOWN',
      connectMs: null,
      bannerMs: null,
      banner: null,
      errorKind: 'REFUSED',
    });
    expect(r.errorMessage).toContain('ECONNREFUSED');
  });

  it('is DOWN with NO_BANNER when the server says nothing in time', async () => {
    const s = await listen(() => undefined);
    const started = Date.now();
    const r = await probeSsh({ host: '127.0.0.1', port: s.port, timeoutMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(r).toMatchObject({ status: 'DOWN', errorKind: 'NO_BANNER', banner: null, bannerMs: null });
    expect(r.connectMs).not.toBeNull();
    expect(r.errorMessage).toContain('within 300 ms');
  });

  it('is DOWN with NO_BANNER when the server closes without one', async () => {
    const s = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const r = await probeSsh({ host: '127.0.0.1', port: s.port, timeoutMs: 2000 });
    expect(r).toMatchObject({ status: 'DOWN', errorKind: 'NO_BANNER' });
    expect(r.errorMessage).toContain('closed');
  });

  it('stops reading after maxBytes without an identification line', async () => {
    const s = await listen((socket) => socket.write(`${'x'.repeat(100)}\r\n`.repeat(100)));
    const r = await probeSsh({ host: '127.0.0.1', port: s.port, timeoutMs: 2000, maxBytes: 8192 });
    expect(r).toMatchObject({ status: 'DOWN', errorKind: 'NO_BANNER' });
    expect(r.errorMessage).toContain('first 8192 bytes');
  });

  it('is DOWN with UNREACHABLE when the name does not resolve', async () => {
    const lookup: net.LookupFunction = (hostname, _options, callback) => {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      process.nextTick(() => callback(error, '', 4));
    };
    const r = await probeSsh({ host: 'nowhere.invalid', port: 22, timeoutMs: 2000, lookup });
    expect(r).toMatchObject({ status: 'DOWN', errorKind: 'UNREACHABLE', connectMs: null });
  });

  it('is DOWN with TIMEOUT when the TCP handshake does not complete', async () => {
    // A listener whose thread never accepts: once its accept queue is full the kernel drops SYNs.
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const net = require('node:net');
       const { parentPort, workerData } = require('node:worker_threads');
       const srv = net.createServer(() => undefined);
       srv.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         parentPort.postMessage(srv.address().port);
         Atomics.wait(workerData, 0, 0, 10000);
         srv.close();
       });`,
      { eval: true, workerData: gate },
    );
    closers.push(async () => {
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await worker.terminate();
    });
    const port = await new Promise<number>((resolve) => worker.once('message', resolve));
    const fillers: net.Socket[] = [];
    closers.push(async () => {
      for (const f of fillers) f.destroy();
    });
    // Fill the accept queue: connections that complete stay queued, the next ones hang.
    for (let i = 0; i < 8; i++) {
      const f = net.connect({ host: '127.0.0.1', port });
      f.on('error', () => undefined);
      fillers.push(f);
    }
    await waitMs(200);
    const r = await probeSsh({ host: '127.0.0.1', port, timeoutMs: 400 });
    expect(r).toMatchObject({ status: 'DOWN', errorKind: 'TIMEOUT', connectMs: null });
    expect(r.errorMessage).toContain('within 400 ms');
  });

  it('rejects when cancelled', async () => {
    const s = await listen(() => undefined);
    const controller = new AbortController();
    const probe = probeSsh({ host: '127.0.0.1', port: s.port, timeoutMs: 5000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(probe).rejects.toThrow('cancelled');
  });
});

describe('classifyConnectError', () => {
  it.each([
    ['ECONNREFUSED', 'REFUSED'],
    ['ETIMEDOUT', 'TIMEOUT'],
    ['EHOSTUNREACH', 'UNREACHABLE'],
    ['ENETUNREACH', 'UNREACHABLE'],
    ['ENOTFOUND', 'UNREACHABLE'],
    ['EAI_AGAIN', 'UNREACHABLE'],
    ['EPERM', 'UNKNOWN'],
    [undefined, 'UNKNOWN'],
  ])('%s is %s', (code, kind) => {
    expect(classifyConnectError({ code })).toBe(kind);
  });
});
