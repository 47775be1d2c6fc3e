import * as http from 'node:http';
import type { Readable } from 'node:stream';

/**
 * PUT /artifacts/<name>/<version> with a streamed body (chunked: the client never holds it whole),
 * as any HTTP client would; answers the status and the parsed JSON body.
 */
export function uploadArtifact(
  baseUrl: string,
  token: string | null,
  name: string,
  version: string,
  body: Readable,
  options: { sha256?: string; retainDays?: number; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; headers: http.IncomingHttpHeaders }> {
  const url = new URL(`/artifacts/${encodeURIComponent(name)}/${encodeURIComponent(version)}`, baseUrl);
  if (options.retainDays !== undefined) url.searchParams.set('retainDays', String(options.retainDays));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'PUT',
        headers: {
          'content-type': 'application/octet-stream',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(options.sha256 ? { 'x-checksum-sha256': options.sha256 } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text ? (JSON.parse(text) as unknown) : null,
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    body.on('error', reject);
    body.pipe(req);
  });
}
