import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

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
 * year), and its page for every other GET that asks for HTML (the portal routes in the browser).
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
  app.useStaticAssets(path.join(dir, 'assets'), {
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    fallthrough: false,
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
