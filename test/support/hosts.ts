import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Stack } from './harness';
import { startSshd, type Sshd } from './sshd';

/**
 * A Linux host for file transfers and releases: a real OpenSSH sshd on its own loopback address
 * (127.0.0.<n>, so that each host's services can use the same port) whose sessions start in the
 * host's own root directory, exec and SFTP alike (a ForceCommand: `cd <root>`, or sftp-server -d
 * <root>). Paths relative to the login directory land under `root`.
 */
export interface LinuxHost {
  name: string;
  address: string;
  root: string;
  sshd: Sshd;
}

const SFTP_SERVER = ['/usr/lib/openssh/sftp-server', '/usr/lib/sftp-server'].find((p) => existsSync(p));

export async function startLinuxHost(name: string, n: number): Promise<LinuxHost> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `switchboard-host-${name}-`));
  const root = path.join(dir, 'root');
  mkdirSync(root);
  const force = path.join(dir, 'session.sh');
  writeFileSync(
    force,
    [
      '#!/bin/sh',
      `cd '${root}' || exit 1`,
      `case "$SSH_ORIGINAL_COMMAND" in *sftp-server*) exec ${SFTP_SERVER} -d '${root}' ;; esac`,
      'exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const address = `127.0.0.${n}`;
  const sshd = await startSshd([
    `ListenAddress ${address}`,
    `Subsystem sftp ${SFTP_SERVER}`,
    `ForceCommand ${force}`,
  ]);
  return { name, address, root, sshd };
}

/** The hosts as `linux` devices of the stack (one key credential each); their device ids by name. */
export async function registerHosts(stack: Stack, hosts: LinuxHost[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const h of hosts) {
    const credential = await stack.gql.request<{ createCredential: { id: string } }>(
      `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { id } }`,
      { input: { name: `key-${h.name}`, username: h.sshd.username, privateKey: h.sshd.privateKey } },
    );
    const device = await stack.gql.request<{ createDevice: { id: string } }>(
      `mutation ($input: CreateDeviceInput!) { createDevice(input: $input) { id } }`,
      {
        input: {
          name: h.name,
          host: h.address,
          port: h.sshd.port,
          platform: 'linux',
          credentialId: credential.createCredential.id,
          site: 'hosts',
        },
      },
    );
    ids.set(h.name, device.createDevice.id);
  }
  return ids;
}

/** The run's log, oldest first. */
export async function runEvents(
  stack: Stack,
  runId: string,
): Promise<
  {
    level: string;
    deviceName: string | null;
    message: string;
    stepId: string | null;
    attempt: number | null;
  }[]
> {
  const data = await stack.gql.request<{
    run: {
      events: {
        level: string;
        deviceName: string | null;
        message: string;
        stepId: string | null;
        attempt: number | null;
      }[];
    };
  }>(
    `query ($id: ID!) { run(id: $id) { events(first: 1000) { level deviceName message stepId attempt } } }`,
    {
      id: runId,
    },
  );
  return data.run.events;
}
