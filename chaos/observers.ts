/**
 * What the chaos suite sees from outside Switchboard: every command a lab device received (with the
 * time and, for the configuration lines of the plan, whether the line was already in effect), and
 * every HTTP request the task steps made to the recorder.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeviceLab } from '../apps/device-lab/src';

export interface SentCommand {
  ts: number;
  device: string;
  command: string;
  /** For a watched line: whether the device already had it when the line arrived. */
  presentBefore?: boolean;
}

/**
 * Record each device's commands as the lab logs them. The lab logs a line before it executes it, so
 * the running config read here is the state the line was applied to.
 */
export function watchLab(
  lab: DeviceLab,
  /** For a watched line, how to tell from a running config whether it is in effect. */
  watched: (device: string, command: string) => ((config: string) => boolean) | undefined,
): { sent: SentCommand[] } {
  const sent: SentCommand[] = [];
  for (const { name } of lab.devices()) {
    const sim = lab.simDevice(name);
    const log = sim.commandLog;
    const push = log.push.bind(log);
    log.push = (...commands: string[]) => {
      for (const command of commands) {
        const present = watched(name, command);
        sent.push({
          ts: Date.now(),
          device: name,
          command,
          ...(present ? { presentBefore: present(sim.runningConfig()) } : {}),
        });
      }
      return push(...commands);
    };
  }
  return { sent };
}

export interface RecordedRequest {
  ts: number;
  method: string;
  path: string;
}

export interface Recorder {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A loopback HTTP service for task steps: 400 for paths under /fail/, else 200 with a JSON echo. */
export async function startRecorder(): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ ts: Date.now(), method: req.method ?? 'GET', path });
      res.writeHead(path.startsWith('/fail/') ? 400 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path, n: requests.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
