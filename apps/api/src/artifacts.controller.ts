import { Controller, Get, HttpCode, Param, Put, Query, Req, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { DataSource } from 'typeorm';
import { normaliseSha256 } from '../../../libs/common/src/artifact-refs';
import type { ArtifactsRepository } from '../../../core/artifacts/artifacts.repository';
import { appendAudit } from '../../../core/accounts/audit';
import type { Permission } from '../../../core/accounts/permissions';
import { can, rolesOf, type Principal } from '../../../core/accounts/principal';
import { csrfMatches } from '../../../core/accounts/secrets';
import { ErrorCode, SwitchboardError } from '../../../libs/common/src/errors';
import { toArtifactModel } from '../../../graphql/artifacts/artifacts.service';
import { ARTIFACTS } from '../../../graphql/artifacts/artifacts.tokens';
import { Public } from '../../../graphql/common/auth.guard';
import { CSRF_HEADER, type AuthenticatedRequest } from './authenticate.middleware';

/** `bytes <start>-<end>/<total>` (a part) or `bytes *\/<total>` (a question); else BAD_USER_INPUT. */
export function parseContentRange(text: string): { start: number | null; total: number } {
  const part = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(text.trim());
  if (part) {
    const [start, end, total] = part.slice(1).map(Number);
    if (start <= end && end < total) return { start, total };
  }
  const question = /^bytes \*\/(\d+)$/.exec(text.trim());
  if (question) return { start: null, total: Number(question[1]) };
  throw SwitchboardError.badInput(
    'content-range',
    'must be "bytes <start>-<end>/<total>" (a part) or "bytes */<total>" (how much arrived)',
  );
}

/**
 * Artifact content over HTTP, streamed both ways (never held whole in memory):
 * `PUT /artifacts/<name>/<version>` stores the request body, checked against the
 * `x-checksum-sha256` header when given; with `Content-Range: bytes <start>-<end>/<total>` (and
 * the checksum) it is one part of a resumable upload: `308` with `Range: bytes=0-<received - 1>`
 * until the last part, then `201`; `Content-Range: bytes *\/<total>` without a body asks how much
 * arrived. `GET /artifacts/<name>/<version>` sends it back, with `Range: bytes=<from>-` to resume. Same credentials as GraphQL (bearer token or session
 * cookie, plus the CSRF header for a PUT with a cookie); artifacts:write / artifacts:read.
 */
@Controller('artifacts')
export class ArtifactsController {
  constructor(
    @ARTIFACTS() private readonly artifacts: ArtifactsRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  // @Public: the global guard only knows GraphQL; this controller checks the principal itself.
  @Public()
  @Put(':name/:version')
  @HttpCode(201)
  async upload(
    @Param('name') name: string,
    @Param('version') version: string,
    @Query('retainDays') retainDays: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    const principal = await this.authorize(req, 'artifacts:write', `PUT /artifacts/${name}/${version}`);
    const declared = req.headers['x-checksum-sha256'];
    let expectedSha256: string | null = null;
    if (declared !== undefined) {
      expectedSha256 = typeof declared === 'string' ? normaliseSha256(declared) : null;
      if (!expectedSha256)
        throw SwitchboardError.badInput('x-checksum-sha256', 'must be 64 hex digits (SHA-256)');
    }
    let retain: number | null = null;
    if (retainDays !== undefined) {
      retain = /^\d{1,6}$/.test(retainDays) ? Number(retainDays) : NaN;
    }
    const started = Date.now();
    const input = {
      name,
      version,
      expectedSha256,
      retainDays: retain,
      contentType: typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : null,
      source: 'upload' as const,
    };
    let artifact;
    const contentRange = req.headers['content-range'];
    if (contentRange !== undefined) {
      const range = parseContentRange(String(contentRange));
      if (!expectedSha256)
        throw SwitchboardError.badInput(
          'x-checksum-sha256',
          'is required for a resumable upload (Content-Range)',
        );
      const part = await this.artifacts.storePart(
        { ...input, expectedSha256 },
        range,
        range.start === null ? null : req,
      );
      if ('received' in part) {
        res.statusCode = 308;
        if (part.received > 0) res.setHeader('range', `bytes=0-${part.received - 1}`);
        return { received: part.received, total: range.total };
      }
      artifact = part.artifact;
    } else {
      artifact = await this.artifacts.store(input, req);
    }
    await appendAudit(this.dataSource, {
      actorId: principal.userId,
      actorName: principal.username,
      roles: rolesOf(principal),
      address: req.socket?.remoteAddress ?? null,
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
      kind: 'mutation',
      operation: 'PUT /artifacts',
      arguments: { name, version, sha256: artifact.sha256, sizeBytes: artifact.sizeBytes },
      outcome: 'OK',
      errorCode: null,
      durationMs: Date.now() - started,
    });
    return toArtifactModel(artifact);
  }

  @Public()
  @Get(':name/:version')
  async download(
    @Param('name') name: string,
    @Param('version') version: string,
    @Req() req: AuthenticatedRequest,
    @Res() res: ServerResponse,
  ): Promise<void> {
    await this.authorize(req, 'artifacts:read');
    const artifact = await this.artifacts.resolve({ name, version });
    if (!artifact || !(await this.artifacts.blobs.has(artifact.sha256)))
      throw SwitchboardError.notFound('artifact', `${name}@${version}`);
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    const start = range ? Number(range[1]) : 0;
    if (start > artifact.sizeBytes) {
      res.writeHead(416, { 'content-range': `bytes */${artifact.sizeBytes}` });
      res.end();
      return;
    }
    res.writeHead(range ? 206 : 200, {
      'content-type': artifact.contentType,
      'content-length': String(artifact.sizeBytes - start),
      'accept-ranges': 'bytes',
      etag: `"${artifact.sha256}"`,
      'x-checksum-sha256': artifact.sha256,
      'content-disposition': `attachment; filename="${artifact.name}-${artifact.version}"`,
      ...(range ? { 'content-range': `bytes ${start}-${artifact.sizeBytes - 1}/${artifact.sizeBytes}` } : {}),
    });
    await pipeline(this.artifacts.blobs.open(artifact.sha256, start), res).catch(() => {
      // The client went away mid-download: nothing to answer any more.
    });
  }

  /** The request's principal, holding `permission`; a PUT made with a session cookie needs its CSRF token. */
  private async authorize(
    req: AuthenticatedRequest,
    permission: Permission,
    operation?: string,
  ): Promise<Principal> {
    const principal = req.principal;
    if (!principal) throw new SwitchboardError(ErrorCode.UNAUTHENTICATED, 'Missing or invalid credentials');
    const deny = async (message: string): Promise<never> => {
      await appendAudit(this.dataSource, {
        actorId: principal.userId,
        actorName: principal.username,
        roles: rolesOf(principal),
        address: req.socket?.remoteAddress ?? null,
        userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
        kind: 'denied',
        operation: operation ?? `GET /artifacts`,
        arguments: null,
        outcome: 'DENIED',
        errorCode: ErrorCode.FORBIDDEN,
        durationMs: null,
      });
      throw new SwitchboardError(ErrorCode.FORBIDDEN, message);
    };
    if (!can(principal, permission))
      return deny(`this needs the permission ${permission}, which ${principal.username} does not hold`);
    if (
      operation &&
      principal.via === 'session' &&
      !csrfMatches(req.headers[CSRF_HEADER], principal.csrfHash)
    )
      return deny(`an upload made with a session cookie needs its CSRF token in the ${CSRF_HEADER} header`);
    return principal;
  }
}
