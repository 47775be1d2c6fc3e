import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, spawnWorkerProcess, testEnv, waitFor } from './support/harness';

const root = path.resolve(__dirname, '..');

function runApi(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'apps/api/src/main.ts'], {
      cwd: root,
      // Only what we pass: a clean environment, as an operator's misconfigured host would have.
      env: { PATH: process.env.PATH, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('processes', () => {
  it('the API refuses to start on bad configuration, naming every bad key and no secret value', async () => {
    const { code, output } = await runApi({
      API_TOKEN: 'short-secret',
      DATABASE_URL: 'mysql://nope',
      API_PORT: 'http',
      CREDENTIALS_KEY: 'dG9vLXNob3J0',
    });
    expect(code).toBe(1);
    for (const key of ['API_TOKEN', 'DATABASE_URL', 'API_PORT', 'CREDENTIALS_KEY'])
      expect(output).toContain(key);
    expect(output).not.toContain('short-secret');
    expect(output).not.toContain('dG9vLXNob3J0');
  });

  it('the worker shuts down gracefully on SIGTERM', async () => {
    const env = testEnv(await createTestDatabase(), { LOG_LEVEL: 'info' });
    const worker = spawnWorkerProcess(env);
    await waitFor('the worker to poll', () => worker.output().includes('serving task queue'), {
      timeoutMs: 60_000,
    });
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(worker.output()).toContain('worker stopped');
  });
});
