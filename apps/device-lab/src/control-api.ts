import * as http from 'node:http';
import type { DeviceLab } from './lab';
import type { LabFaults } from './types';

const FAULT_KEYS: Record<keyof LabFaults, 'boolean' | 'number'> = {
  wrongPassword: 'boolean',
  connectLatencyMs: 'number',
  bannerDelayMs: 'number',
  commandLatencyMs: 'number',
  dropMidOutput: 'boolean',
  hang: 'boolean',
  largeOutputBytes: 'number',
  promptLikeMotd: 'boolean',
  pressAnyKey: 'boolean',
  silentUntilReturn: 'boolean',
  passwordChange: 'boolean',
};

/** Validates a LabFaults JSON body; throws with a message naming the bad field. */
export function parseFaults(body: unknown): LabFaults {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new Error('body must be a JSON object of LabFaults');
  const out: Record<string, boolean | number> = {};
  for (const [key, value] of Object.entries(body)) {
    const type = FAULT_KEYS[key as keyof LabFaults];
    if (!type) throw new Error(`unknown fault "${key}" (expected ${Object.keys(FAULT_KEYS).join(', ')})`);
    if (typeof value !== type || (type === 'number' && !(Number.isFinite(value) && (value as number) >= 0)))
      throw new Error(`fault "${key}" must be a ${type === 'number' ? 'number >= 0' : 'boolean'}`);
    out[key] = value as boolean | number;
  }
  return out as LabFaults;
}

/**
 * Tiny HTTP control API for the standalone lab:
 * GET /devices, GET /devices/:name, PUT|DELETE /devices/:name/faults, GET /sessions,
 * GET /devices/:name/running-config.
 */
export function startControlApi(lab: DeviceLab, port: number, host: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json'): void => {
      const text = type === 'application/json' ? JSON.stringify(body, null, 2) + '\n' : String(body);
      res.writeHead(status, { 'content-type': `${type}; charset=utf-8` });
      res.end(text);
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const url = new URL(req.url ?? '/', 'http://lab');
        const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
        const method = req.method ?? 'GET';
        if (method === 'GET' && parts.length === 1 && parts[0] === 'sessions')
          return send(200, { open: lab.openSessions() });
        if (parts[0] !== 'devices') return send(404, { error: 'not found' });
        if (parts.length === 1 && method === 'GET') return send(200, lab.devices());
        const name = parts[1]!;
        if (!lab.devices().some((d) => d.name === name))
          return send(404, { error: `no device named "${name}"` });
        if (parts.length === 2 && method === 'GET')
          return send(200, {
            ...lab.device(name),
            faults: lab.faults(name),
            openSessions: lab.openSessions(name),
            logins: lab.totalLogins(name),
            httpRequests: lab.httpLog(name).length,
          });
        if (parts.length === 3 && parts[2] === 'running-config' && method === 'GET')
          return send(200, lab.runningConfig(name) + '\n', 'text/plain');
        if (parts.length === 3 && parts[2] === 'faults') {
          if (method === 'PUT') {
            let body: unknown;
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
            } catch {
              return send(400, { error: 'body is not valid JSON' });
            }
            let faults: LabFaults;
            try {
              faults = parseFaults(body);
            } catch (err) {
              return send(400, { error: (err as Error).message });
            }
            lab.setFaults(name, faults);
            return send(200, { name, faults });
          }
          if (method === 'DELETE') {
            lab.clearFaults(name);
            return send(200, { name, faults: {} });
          }
          if (method === 'GET') return send(200, lab.faults(name));
        }
        return send(404, { error: 'not found' });
      } catch (err) {
        return send(500, { error: (err as Error).message });
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`--control-port: cannot listen on ${host}:${port}: ${err.code ?? err.message}`)),
    );
    server.listen(port, host, () => resolve(server));
  });
}
