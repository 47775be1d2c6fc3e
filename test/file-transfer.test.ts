import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { partPathOf } from '../libs/ssh/src';
import { startStack, TEST_TOKEN, waitFor, type Stack } from './support/harness';
import { registerHosts, runEvents, startLinuxHost, type LinuxHost } from './support/hosts';
import { uploadArtifact } from './support/artifacts';
import { createTask, expectBadInput, startTaskRun, step, waitForTaskRunEnd } from './support/tasks';

interface DeviceResult {
  name: string;
  status: string;
  error: string | null;
  changed?: boolean;
  resumedFrom?: number | null;
  bytesSent?: number;
  sha256?: string;
  artifact?: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * file.upload and file.download over SFTP against real OpenSSH hosts on loopback (each sshd with its
 * own address and root directory), artifacts from the store.
 */
describe('file.upload / file.download over SFTP', () => {
  let stack: Stack;
  let hosts: LinuxHost[];
  let network: string;
  const content = randomBytes(6 * 1024 * 1024 + 777);
  const digest = sha256(content);

  beforeAll(async () => {
    const artifacts = mkdtempSync(path.join(os.tmpdir(), 'switchboard-artifacts-'));
    stack = await startStack({
      lab: { devices: 1, mix: { cisco_ios: 1 } },
      env: { ARTIFACTS_DIR: artifacts },
    });
    hosts = [await startLinuxHost('web-a', 2), await startLinuxHost('web-b', 3)];
    await registerHosts(stack, hosts);
    network = stack.lab.devices()[0].name;
    const put = await uploadArtifact(stack.url, TEST_TOKEN, 'payload', '1.0.0', Readable.from([content]), {
      sha256: digest,
    });
    expect(put.status).toBe(201);
  });
  afterAll(async () => {
    for (const h of hosts ?? []) h.sshd.stop();
    await stack?.stop();
  });

  const devicesOf = (output: unknown) => (output as { devices: DeviceResult[] }).devices;

  it('uploads to every Linux host with mode and owner, verified and renamed into place; a network device fails alone', async () => {
    await createTask(stack, {
      name: 'push-payload',
      steps: [
        {
          id: 'push',
          kind: 'file.upload',
          params: {
            devices: { names: ['web-a', 'web-b', network] },
            artifact: 'payload@1.0.0',
            path: 'opt/app/payload.bin',
            mode: '0640',
            owner: 'nobody',
            maxFailedDevices: 1,
          },
        },
      ],
    });
    const run = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'push-payload')).id);
    expect(run.status).toBe('COMPLETED');
    const devices = devicesOf(step(run, 'push').output);
    const byName = new Map(devices.map((d) => [d.name, d]));
    for (const h of hosts) {
      expect(byName.get(h.name)).toMatchObject({ status: 'SUCCEEDED', changed: true, sha256: digest });
      const file = path.join(h.root, 'opt/app/payload.bin');
      expect(sha256(readFileSync(file))).toBe(digest);
      const st = statSync(file);
      expect(st.mode & 0o777).toBe(0o640);
      expect(st.uid).toBe(Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })));
      // Nothing left beside it: the temporary part was renamed.
      expect(existsSync(path.join(h.root, partPathOf('opt/app/payload.bin', digest)))).toBe(false);
    }
    expect(byName.get(network)).toMatchObject({ status: 'FAILED' });
    expect(byName.get(network)!.error).toMatch(/UNSUPPORTED_PLATFORM.*linux/);

    // Per-host progress in the run log.
    const events = await runEvents(stack, run.id);
    for (const h of hosts) {
      const mine = events.filter((e) => e.deviceName === h.name && e.stepId === 'push').map((e) => e.message);
      expect(mine).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/upload payload@1\.0\.0 to opt\/app\/payload\.bin \(6\.0 MiB\) started/),
          expect.stringMatching(/: 50 % \(/),
          expect.stringMatching(/verified \(sha256sum\) and renamed into place/),
        ]),
      );
    }

    // The same upload again sends nothing: the hosts already have this content.
    const again = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'push-payload')).id);
    expect(devicesOf(step(again, 'push').output).filter((d) => d.name !== network)).toEqual(
      hosts.map((h) => expect.objectContaining({ name: h.name, changed: false, bytesSent: 0 })),
    );
  });

  it('resumes a partial upload, and sends a corrupted part again whole after the host finds its checksum wrong', async () => {
    const target = 'srv/resume.bin';
    const [a, b] = hosts;
    const part = (h: LinuxHost) => path.join(h.root, partPathOf(target, digest));
    mkdirSync(path.dirname(part(a)), { recursive: true });
    mkdirSync(path.dirname(part(b)), { recursive: true });
    writeFileSync(part(a), content.subarray(0, 2_000_000));
    writeFileSync(part(b), Buffer.alloc(2_000_000, 0x55));
    await createTask(stack, {
      name: 'resume-payload',
      steps: [
        {
          id: 'push',
          kind: 'file.upload',
          params: { devices: { names: ['web-a', 'web-b'] }, artifact: `sha256:${digest}`, path: target },
          retry: { maximumAttempts: 3, initialIntervalSeconds: 0.2 },
        },
      ],
    });
    const run = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'resume-payload')).id);
    expect(run.status).toBe('COMPLETED');
    const byName = new Map(devicesOf(step(run, 'push').output).map((d) => [d.name, d]));
    expect(byName.get('web-a')).toMatchObject({
      changed: true,
      resumedFrom: 2_000_000,
      bytesSent: content.length - 2_000_000,
    });
    expect(byName.get('web-b')).toMatchObject({
      changed: true,
      resumedFrom: null,
      bytesSent: content.length,
    });
    for (const h of hosts) expect(sha256(readFileSync(path.join(h.root, target)))).toBe(digest);
    const events = await runEvents(stack, run.id);
    expect(events.filter((e) => e.deviceName === 'web-b').map((e) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/attempt 1 failed \(CHECKSUM_MISMATCH\).*resumed from byte 2000000/),
      ]),
    );
  });

  it('resumes after the connection is cut mid-transfer', async () => {
    const target = 'srv/cut.bin';
    const [a] = hosts;
    await createTask(stack, {
      name: 'cut-payload',
      steps: [
        {
          id: 'push',
          kind: 'file.upload',
          // ~2 MiB/s: the transfer takes about three seconds, long enough to cut it.
          params: {
            devices: { names: ['web-a'] },
            artifact: 'payload@1.0.0',
            path: target,
            bandwidthLimitKBps: 2048,
          },
          retry: { maximumAttempts: 3, initialIntervalSeconds: 0.2 },
        },
      ],
    });
    const started = await startTaskRun(stack, 'cut-payload');
    const part = path.join(a.root, partPathOf(target, digest));
    await waitFor(
      'a part of 1 MiB on the host',
      () => existsSync(part) && statSync(part).size > 1024 * 1024,
      {
        timeoutMs: 30_000,
        intervalMs: 20,
      },
    );
    // Kill the sshd processes serving the connection (the listener's children): the host "goes away".
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(a.sshd.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
    expect(children.length).toBeGreaterThan(0);
    for (const pid of children) process.kill(pid, 'SIGKILL');
    const run = await waitForTaskRunEnd(stack, started.id);
    expect(run.status).toBe('COMPLETED');
    const [result] = devicesOf(step(run, 'push').output);
    expect(result.resumedFrom).toBeGreaterThan(1024 * 1024);
    expect(result.bytesSent).toBe(content.length - result.resumedFrom!);
    expect(sha256(readFileSync(path.join(a.root, target)))).toBe(digest);
    const events = await runEvents(stack, run.id);
    expect(events.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/attempt 1 failed \((CONNECTION_LOST|REMOTE_FILE_ERROR)\)/),
      ]),
    );
  });

  it('downloads a file from each host into the artifact store, checked against the host’s sha256sum, resuming what arrived', async () => {
    const reportOf = (h: LinuxHost) =>
      Buffer.concat([Buffer.from(`report of ${h.name}\n`), content.subarray(0, 3_000_000)]);
    for (const h of hosts) writeFileSync(path.join(h.root, 'report.txt'), reportOf(h));
    // The first megabyte of web-a's copy is already there (an earlier, interrupted transfer into the
    // same name@version, checksum and size).
    const a = reportOf(hosts[0]);
    const earlier = await uploadArtifact(
      stack.url,
      TEST_TOKEN,
      'reports',
      'nightly-web-a',
      Readable.from([a.subarray(0, 1_000_000)]),
      {
        sha256: sha256(a),
        headers: { 'content-range': `bytes 0-999999/${a.length}` },
      },
    );
    expect(earlier.status).toBe(308);
    await createTask(stack, {
      name: 'fetch-report',
      steps: [
        {
          id: 'fetch',
          kind: 'file.download',
          params: {
            devices: { site: 'hosts' },
            path: 'report.txt',
            name: 'reports',
            version: 'nightly',
            retainDays: 7,
          },
        },
      ],
    });
    const run = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'fetch-report')).id);
    expect(run.status).toBe('COMPLETED');
    const devices = devicesOf(step(run, 'fetch').output);
    expect(devices.map((d) => [d.artifact, d.resumedFrom]).sort()).toEqual([
      ['reports@nightly-web-a', 1_000_000],
      ['reports@nightly-web-b', null],
    ]);
    for (const h of hosts) {
      const res = await fetch(`${stack.url}/artifacts/reports/nightly-${h.name}`, {
        headers: { authorization: `Bearer ${TEST_TOKEN}` },
      });
      expect(Buffer.from(await res.arrayBuffer()).equals(reportOf(h))).toBe(true);
    }
    const listed = await stack.gql.request<{
      artifacts: {
        edges: { node: { source: string; createdBy: string | null; expiresAt: string | null } }[];
      };
    }>(`query { artifacts(name: "reports") { edges { node { source createdBy expiresAt } } } }`);
    expect(listed.artifacts.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ source: 'download', createdBy: 'service', expiresAt: expect.any(String) }),
      expect.objectContaining({ source: 'download', createdBy: 'service', expiresAt: expect.any(String) }),
    ]);

    await createTask(stack, {
      name: 'fetch-missing',
      steps: [
        {
          id: 'fetch',
          kind: 'file.download',
          params: { devices: { names: ['web-a'] }, path: 'nope.txt', name: 'reports' },
        },
      ],
    });
    const missing = await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'fetch-missing')).id);
    expect(missing.status).toBe('FAILED');
    expect(devicesOf(step(missing, 'fetch').output)[0].error).toMatch(/REMOTE_FILE_MISSING/);
  });

  it('refuses a definition whose artifact, mode or owner is not one', async () => {
    const fields = await expectBadInput(
      createTask(stack, {
        name: 'bad-upload',
        steps: [
          {
            id: 'push',
            kind: 'file.upload',
            params: {
              devices: { names: ['web-a'] },
              artifact: 'payload',
              path: 'x',
              mode: '999',
              owner: 'a b',
            },
          },
        ],
      }),
    );
    expect(fields.map((f) => f.field).sort()).toEqual([
      'definition.steps[0].params.artifact',
      'definition.steps[0].params.mode',
      'definition.steps[0].params.owner',
    ]);
  });
});
