import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

/**
 * Where `npm run portal:build` leaves the portal: apps/portal/dist, found from this file whether it
 * runs from source (ts-node, tests) or from the build (dist/apps/api/src).
 */
export function portalDirectory(): string | null {
  const candidates = [
    path.resolve(__dirname, '../../portal/dist'),
    path.resolve(__dirname, '../../../../apps/portal/dist'),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? null;
}

/** Paths the API answers itself: never the portal's page. */
const API_PATHS = /^\/(graphql|auth|healthz|artifacts)(\/|$|\?)/;

/**
 * The page loads only what comes from here: its scripts and styles (Ant Design puts its styles in
 * <style> elements), GraphQL over HTTP and WebSocket on this origin; it may not be framed.
 */
const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/**
 * Serves the built portal at `/` (docs/portal.md): its hashed assets under /assets (cached for a
 * year, compressed), and its page for every other GET that asks for HTML (the portal routes in the browser).
 * Registered before authentication: the files are public, the data behind them is not (every
 * GraphQL call needs a session). Without a build, `/` says how to make one.
 */
export function servePortal(app: NestExpressApplication, dir = portalDirectory()): void {
  const logger = new Logger('Portal');
  if (!dir) {
    logger.warn('the portal is not built (npm run portal:build): / answers 404');
    app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      if (req.method !== 'GET' || req.url !== '/') return next();
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The portal is not built: run `npm run portal:build` (npm start does it for you).\n');
    });
    return;
  }
  const assets = new PortalAssets(path.join(dir, 'assets'));
  app.use('/assets', (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    assets.serve(req, res).catch(next);
  });
  const page = readFileSync(path.join(dir, 'index.html'));
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = req.url ?? '/';
    const wantsPage =
      (req.method === 'GET' || req.method === 'HEAD') &&
      !API_PATHS.test(url) &&
      (req.headers.accept ?? '').includes('text/html');
    if (!wantsPage) return next();
    res.writeHead(200, { ...PAGE_HEADERS, 'content-length': page.length });
    res.end(req.method === 'HEAD' ? undefined : page);
  });
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};
const compressBrotli = promisify(brotliCompress);
const compressGzip = promisify(gzip);

/**
 * The build's assets (hashed names: cached for a year), held in memory and sent compressed
 * (Brotli, else gzip, as the browser accepts) so that the first load moves about a third of the
 * bytes. Each file is compressed once, when first asked for.
 */
class PortalAssets {
  private readonly files = new Map<string, Buffer>();
  private readonly compressed = new Map<string, Promise<Buffer>>();

  constructor(dir: string) {
    for (const name of readdirSync(dir)) this.files.set(name, readFileSync(path.join(dir, name)));
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // req.url is relative to /assets; only plain file names of the build are served.
    const name = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
    const raw = this.files.get(name);
    if (!raw || name.includes('/')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found\n');
      return;
    }
    const type = TYPES[path.extname(name)] ?? 'application/octet-stream';
    const accepted = String(req.headers['accept-encoding'] ?? '');
    const encoding = !type.startsWith('text/')
      ? null
      : /\bbr\b/.test(accepted)
        ? 'br'
        : /\bgzip\b/.test(accepted)
          ? 'gzip'
          : null;
    const body = encoding ? await this.compress(name, raw, encoding) : raw;
    res.writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
      ...(encoding ? { 'content-encoding': encoding } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private compress(name: string, raw: Buffer, encoding: 'br' | 'gzip'): Promise<Buffer> {
    const key = `${encoding}:${name}`;
    let done = this.compressed.get(key);
    if (!done) {
      done =
        encoding === 'br'
          ? compressBrotli(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } })
          : compressGzip(raw, { level: 9 });
      this.compressed.set(key, done);
    }
    return done;
  }
}
