import type { NestExpressApplication } from '@nestjs/platform-express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthenticatedRequest } from './authenticate.middleware';
import { sendGraphQLError } from './rate-limit';

const AUTHENTICATED = Symbol('switchboard:authenticated');

type Request = AuthenticatedRequest & { [AUTHENTICATED]?: boolean };

const isJson = (req: IncomingMessage) =>
  (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/json';

function tooLarge(res: ServerResponse, limit: number, authenticated: boolean): void {
  sendGraphQLError(
    res,
    413,
    `Request body too large: more than ${limit} bytes, the limit ` +
      (authenticated
        ? '(API_MAX_BODY_BYTES); split the import into several requests'
        : 'without a valid bearer token (API_MAX_ANONYMOUS_BODY_BYTES)'),
    { code: 'PAYLOAD_TOO_LARGE', limit },
  );
}

/**
 * Request bodies are limited before they are parsed: a request from nobody known (see the
 * authenticate middleware, which runs first and reads no body) may send `anonymous` bytes (no unauthenticated request needs more), one with
 * it `authenticated` (bulk imports of thousands of devices arrive as one GraphQL request). The
 * limit holds for the Content-Length a request declares (413 at once, nothing read) and for the
 * bytes actually read (a chunked body, or one longer than it said), before JSON.parse sees them.
 *
 * Replaces Nest's body parsers: create the app with `bodyParser: false`. Bodies under
 * `streamedPaths` (artifact uploads) are neither limited nor parsed here: their handler streams
 * them with its own limit.
 */
export function useBodyLimits(
  app: NestExpressApplication,
  options: { anonymous: number; authenticated: number },
  streamedPaths: string[] = [],
): void {
  const limitOf = (req: Request) => (req[AUTHENTICATED] ? options.authenticated : options.anonymous);
  const streamed = (req: Request) => !!req.principal && streamedPaths.some((p) => req.url?.startsWith(p));
  app.use((req: Request, res: ServerResponse, next: () => void) => {
    req[AUTHENTICATED] = !!req.principal;
    if (streamed(req)) return next();
    const declared = Number(req.headers['content-length']);
    // Node reads and drops the rest of a body we answer before reading.
    if (declared > limitOf(req)) return tooLarge(res, limitOf(req), !!req[AUTHENTICATED]);
    next();
  });
  app.useBodyParser('json', {
    limit: options.anonymous,
    type: (req: Request) => isJson(req) && !req[AUTHENTICATED] && !streamed(req),
  });
  app.useBodyParser('json', {
    limit: options.authenticated,
    type: (req: Request) => isJson(req) && !!req[AUTHENTICATED] && !streamed(req),
  });
  // body-parser counts the bytes it reads and stops at the limit with this error.
  app.use((error: { type?: string }, req: Request, res: ServerResponse, next: (error: unknown) => void) => {
    if (error?.type === 'entity.too.large') return tooLarge(res, limitOf(req), !!req[AUTHENTICATED]);
    next(error);
  });
}
