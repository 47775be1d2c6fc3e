import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/infra/process';
import { spawnWorkerProcess, startStack, TEST_TOKEN, waitFor, type Stack } from './support/harness';
import { registerHosts, runEvents, startLinuxHost, type LinuxHost } from './support/hosts';
import { uploadArtifact } from './support/artifacts';
import { createTask, startTaskRun, step, waitForTaskRunEnd } from './support/tasks';

interface DeviceResult {
  name: string;
  status: string;
  error: string | null;
  version?: string;
  previous?: string | null;
  pruned?: string[];
  healthChecks?: number;
}

/**
 * A release of the tiny service: answers /health with 200 "ok <version>", or 500 when built broken
 * (`'on-break'`: broken only on a host whose host.env sets BREAK).
 */
function releaseTarball(version: string, broken: boolean | 'on-break'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `switchboard-release-${version}-`));
  const src = path.join(dir, 'src');
  execFileSync('mkdir', ['-p', src]);
  writeFileSync(
    path.join(src, 'server.js'),
    `const http = require('http');
const healthy = ${broken === 'on-break' ? '!process.env.BREAK' : broken ? 'false' : 'true'};
http.createServer((req, res) => {
  res.writeHead(healthy ? 200 : 500, { 'content-type': 'text/plain' });
  res.end((healthy ? 'ok ' : 'broken ') + process.env.RELEASE_VERSION);
}).listen(Number(process.env.PORT), process.env.ADDRESS);
`,
  );
  writeFileSync(path.join(src, 'VERSION'), version);
  const tarball = path.join(dir, `web-${version}.tar.gz`);
  execFileSync('tar', ['-czf', tarball, '-C', src, '.']);
  return tarball;
}

/**
 * The restart command: stop the service the pid file names (waiting until it is gone), start the
 * current release's server in the background, detached from the SSH channel.
 */
const RESTART = [
  '. "$BASE_DIR/../host.env"',
  'if [ -f "$BASE_DIR/service.pid" ]; then old=$(cat "$BASE_DIR/service.pid"); kill "$old" 2>/dev/null; while kill -0 "$old" 2>/dev/null; do sleep 0.05; done; fi',
  `ADDRESS="$ADDRESS" PORT="$PORT" BREAK="$BREAK" nohup ${process.execPath} server.js > "$BASE_DIR/service.log" 2>&1 < /dev/null &`,
  'echo $! > "$BASE_DIR/service.pid"',
].join('\n');

/** Stop the host's service (the pid file the restart command writes) and its sshd. */
function stopHost(h: LinuxHost): void {
  const pidFile = path.join(h.root, 'app/service.pid');
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(execFileSync('cat', [pidFile], { encoding: 'utf8' }).trim()));
    } catch {
      // already stopped
    }
  }
  h.sshd.stop();
}

describe('deploy.release on Linux hosts over SSH', () => {
  let stack: Stack;
  let hosts: LinuxHost[];
  let port: number;

  beforeAll(async () => {
    const artifacts = mkdtempSync(path.join(os.tmpdir(), 'switchboard-artifacts-'));
    stack = await startStack({ lab: { devices: 1 }, env: { ARTIFACTS_DIR: artifacts } });
    hosts = [await startLinuxHost('app-a', 4), await startLinuxHost('app-b', 5)];
    await registerHosts(stack, hosts);
    port = await freePort();
    for (const h of hosts) {
      const env = `ADDRESS=${h.address}\nPORT=${port}\nBREAK=${h.name === 'app-b' ? '1' : ''}\n`;
      writeFileSync(path.join(h.root, 'host.env'), env);
    }
    for (const [version, broken] of [
      ['1.0.0', false],
      ['2.0.0', false],
      ['3.0.0', true],
      ['4.0.0', false],
      ['5.0.0', 'on-break'],
    ] as const) {
      const put = await uploadArtifact(
        stack.url,
        TEST_TOKEN,
        'web',
        version,
        createReadStream(releaseTarball(version, broken)),
        {
          retainDays: 1,
        },
      );
      expect(put.status).toBe(201);
    }
    await createTask(stack, {
      name: 'deploy-web',
      inputSchema: { type: 'object', required: ['version'], properties: { version: { type: 'string' } } },
      steps: [
        {
          id: 'deploy',
          kind: 'deploy.release',
          params: {
            devices: { site: 'hosts' },
            artifact: 'web@{{ inputs.version }}',
            baseDir: 'app',
            preStart: 'echo "$RELEASE_VERSION" > PRESTART_RAN',
            restart: RESTART,
            healthCheck: {
              http: { port, path: '/health', bodyContains: 'ok' },
              retries: 30,
              intervalSeconds: 1,
              timeoutSeconds: 6,
            },
            keepReleases: 1,
            // Rolling: one host at a time.
            concurrency: 1,
          },
          retry: { maximumAttempts: 2, initialIntervalSeconds: 0.5 },
        },
      ],
    });
  });

  afterAll(async () => {
    for (const h of hosts ?? []) stopHost(h);
    await stack?.stop();
  });

  const deploy = async (version: string) =>
    waitForTaskRunEnd(stack, (await startTaskRun(stack, 'deploy-web', { version })).id);
  const devicesOf = (run: Awaited<ReturnType<typeof deploy>>) =>
    (step(run, 'deploy').output as { devices: DeviceResult[] }).devices;
  const current = (h: LinuxHost) => readlinkSync(path.join(h.root, 'app/current'));
  const answer = async (h: LinuxHost) => (await fetch(`http://${h.address}:${port}/health`)).text();

  it('deploys a release host by host: unpacked, pre-start hook, current switched, service restarted and healthy', async () => {
    const run = await deploy('1.0.0');
    expect(run.status).toBe('COMPLETED');
    expect(devicesOf(run)).toEqual(
      hosts.map((h) =>
        expect.objectContaining({ name: h.name, status: 'SUCCEEDED', version: '1.0.0', previous: null }),
      ),
    );
    for (const h of hosts) {
      expect(current(h)).toBe('releases/1.0.0');
      expect(await answer(h)).toBe('ok 1.0.0');
      expect(
        execFileSync('cat', [path.join(h.root, 'app/releases/1.0.0/PRESTART_RAN')], { encoding: 'utf8' }),
      ).toBe('1.0.0\n');
      // The uploaded tarball and the unpacking directory are gone.
      expect(readdirSync(path.join(h.root, 'app/releases'))).toEqual(['1.0.0']);
    }
    // One host at a time: the second host's switch comes after the first host was healthy.
    const events = (await runEvents(stack, run.id)).filter((e) => e.stepId === 'deploy');
    const at = (host: string, pattern: RegExp) =>
      events.findIndex((e) => e.deviceName === host && pattern.test(e.message));
    const [first, second] =
      at('app-a', /current →/) < at('app-b', /current →/) ? ['app-a', 'app-b'] : ['app-b', 'app-a'];
    expect(at(first, /healthy/)).toBeGreaterThan(-1);
    expect(at(first, /healthy/)).toBeLessThan(at(second, /current →/));
  });

  it('a release that fails its health check is rolled back to the previous one, which is restarted', async () => {
    expect((await deploy('2.0.0')).status).toBe('COMPLETED');
    for (const h of hosts) expect(await answer(h)).toBe('ok 2.0.0');

    const bad = await deploy('3.0.0');
    expect(bad.status).toBe('FAILED');
    for (const d of devicesOf(bad)) {
      expect(d.status).toBe('FAILED');
      expect(d.error).toMatch(
        /HEALTH_CHECK_FAILED: release 3\.0\.0 is unhealthy after \d+ check\(s\): .*500.*rolled back to releases\/2\.0\.0 \(healthy\)/,
      );
    }
    for (const h of hosts) {
      expect(current(h)).toBe('releases/2.0.0');
      await waitFor(`${h.name} answering with 2.0.0 again`, async () => (await answer(h)) === 'ok 2.0.0', {
        timeoutMs: 10_000,
      });
    }
    const events = await runEvents(stack, bad.id);
    expect(
      events
        .filter(
          (e) =>
            e.level === 'WARN' &&
            /rolled back, current → releases\/2\.0\.0, restarted, healthy/.test(e.message),
        )
        .map((e) => e.deviceName)
        .sort(),
    ).toEqual(['app-a', 'app-b']);
  });

  it('keeps the newest releases and the previous one, and removes the others', async () => {
    const run = await deploy('4.0.0');
    expect(run.status).toBe('COMPLETED');
    for (const d of devicesOf(run))
      expect(d).toMatchObject({ previous: '2.0.0', pruned: expect.arrayContaining(['1.0.0', '3.0.0']) });
    for (const h of hosts) {
      expect(current(h)).toBe('releases/4.0.0');
      expect(await answer(h)).toBe('ok 4.0.0');
      expect(readdirSync(path.join(h.root, 'app/releases')).sort()).toEqual(['2.0.0', '4.0.0']);
    }
  });

  it('with maxFailedDevices 0, a host that fails rolls the hosts already switched back too (the rollback compensation)', async () => {
    const params = {
      devices: { site: 'hosts' },
      baseDir: 'app',
      restart: RESTART,
      concurrency: 1,
    };
    await createTask(stack, {
      name: 'deploy-web-guarded',
      steps: [
        {
          id: 'deploy',
          kind: 'deploy.release',
          params: {
            ...params,
            artifact: 'web@5.0.0',
            healthCheck: {
              http: { port, path: '/health' },
              retries: 30,
              intervalSeconds: 1,
              timeoutSeconds: 6,
            },
            maxFailedDevices: 0,
          },
          retry: { maximumAttempts: 1 },
          compensate: { kind: 'deploy.release', params: { ...params, rollback: true } },
        },
      ],
    });
    const run = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'deploy-web-guarded')).id);
    expect(run.status).toBe('ROLLED_BACK');
    const byName = new Map(devicesOf(run).map((d) => [d.name, d]));
    expect(byName.get('app-a')).toMatchObject({ status: 'SUCCEEDED', version: '5.0.0', previous: '4.0.0' });
    expect(byName.get('app-b')!.error).toMatch(
      /HEALTH_CHECK_FAILED.*rolled back to releases\/4\.0\.0 \(healthy\)/,
    );
    for (const h of hosts) {
      expect(current(h)).toBe('releases/4.0.0');
      await waitFor(`${h.name} answering with 4.0.0`, async () => (await answer(h)) === 'ok 4.0.0', {
        timeoutMs: 10_000,
      });
    }
    const events = await runEvents(stack, run.id);
    expect(events.map((e) => `${e.deviceName}: ${e.message}`)).toEqual(
      expect.arrayContaining([
        'app-a: rollback: current → releases/4.0.0 (was releases/5.0.0), restarted',
        'app-b: rollback: nothing to do (current is releases/4.0.0)',
      ]),
    );
  });
});

describe('deploy.release when its worker is killed mid-rollout', () => {
  let stack: Stack;
  let host: LinuxHost;
  let port: number;

  beforeAll(async () => {
    const artifacts = mkdtempSync(path.join(os.tmpdir(), 'switchboard-artifacts-'));
    stack = await startStack({
      lab: { devices: 1 },
      worker: false,
      env: { ARTIFACTS_DIR: artifacts, COLLECTION_HEARTBEAT_TIMEOUT_MS: '3000' },
    });
    host = await startLinuxHost('app-c', 6);
    await registerHosts(stack, [host]);
    port = await freePort();
    writeFileSync(path.join(host.root, 'host.env'), `ADDRESS=${host.address}\nPORT=${port}\nBREAK=\n`);
    for (const [version, broken] of [
      ['1.0.0', false],
      ['3.0.0', true],
    ] as const) {
      const tarball = createReadStream(releaseTarball(version, broken));
      expect((await uploadArtifact(stack.url, TEST_TOKEN, 'web', version, tarball)).status).toBe(201);
    }
    await createTask(stack, {
      name: 'deploy-c',
      inputSchema: { type: 'object', required: ['version'], properties: { version: { type: 'string' } } },
      steps: [
        {
          id: 'deploy',
          kind: 'deploy.release',
          params: {
            devices: { names: ['app-c'] },
            artifact: 'web@{{ inputs.version }}',
            baseDir: 'app',
            restart: RESTART,
            healthCheck: {
              http: { port, path: '/health' },
              retries: 30,
              intervalSeconds: 1,
              timeoutSeconds: 8,
            },
          },
          retry: { maximumAttempts: 3, initialIntervalSeconds: 0.5 },
        },
      ],
    });
  });
  afterAll(async () => {
    if (host) stopHost(host);
    await stack?.stop();
  });

  it('a worker killed after the switch leaves no host on a half-switched release: the next attempt checks and rolls back', async () => {
    let worker = spawnWorkerProcess(stack.env);
    try {
      const first = await waitForTaskRunEnd(
        stack,
        (await startTaskRun(stack, 'deploy-c', { version: '1.0.0' })).id,
      );
      expect(first.status).toBe('COMPLETED');

      const started = await startTaskRun(stack, 'deploy-c', { version: '3.0.0' });
      const link = path.join(host.root, 'app/current');
      await waitFor('current switched to the bad release', () => readlinkSync(link) === 'releases/3.0.0', {
        timeoutMs: 60_000,
        intervalMs: 20,
      });
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      expect(readlinkSync(link)).toBe('releases/3.0.0');

      worker = spawnWorkerProcess(stack.env);
      const run = await waitForTaskRunEnd(stack, started.id, 180_000);
      expect(run.status).toBe('FAILED');
      const [result] = (step(run, 'deploy').output as { devices: DeviceResult[] }).devices;
      expect(result.error).toMatch(/HEALTH_CHECK_FAILED.*rolled back to releases\/1\.0\.0 \(healthy\)/);
      expect(readlinkSync(link)).toBe('releases/1.0.0');
      await waitFor(
        'the service answering with 1.0.0',
        async () => {
          const res = await fetch(`http://${host.address}:${port}/health`).catch(() => null);
          return (await res?.text()) === 'ok 1.0.0';
        },
        { timeoutMs: 10_000 },
      );
      const events = await runEvents(stack, run.id);
      expect(
        events.some(
          (e) =>
            e.attempt !== null && e.attempt >= 2 && /is there already, not uploaded again/.test(e.message),
        ),
      ).toBe(true);
    } finally {
      worker.kill('SIGTERM');
    }
  });
});
