import { createWriteStream } from 'node:fs';
import type { Managed } from '../infra/process';

/**
 * Append a managed process's output to `file` until its pipes close. startManaged's own logFile ends
 * its stream on 'exit', and output still buffered in the pipe after a SIGKILL then arrives as a write
 * after end, an error that kills the parent; the cluster's processes are killed on purpose, so they
 * log through this instead ('close' comes after the last chunk).
 */
export function logTo(managed: Managed, file: string): Managed {
  const out = createWriteStream(file, { flags: 'a' });
  out.on('error', () => undefined);
  const write = (chunk: Buffer) => {
    if (!out.writableEnded) out.write(chunk);
  };
  managed.child.stdout?.on('data', write);
  managed.child.stderr?.on('data', write);
  managed.child.once('close', () => out.end());
  return managed;
}
