/**
 * Issue 12, "Bad input and security": after real use — a user signs in, makes a token, changes
 * their password, fails a login; a person is invited and resets a password by mailed links; credentials are stored and used by a collection over SSH — none
 * of the secrets involved appears in plain text in what the API answered, in what the processes
 * logged, in a dump of the database, or in the run's Temporal workflow history.
 */
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import { findPgBinDir } from '../scripts/infra/postgres';
import { MailCatcher } from './support/accounts';
import { startStack, TEST_TOKEN, waitForRunEnd, type Stack } from './support/harness';

const unique = (label: string) => `${label}-${randomBytes(9).toString('base64url')}`;

describe('secrets leak nowhere: API answers, logs, a database dump, Temporal histories', () => {
  let stack: Stack;
  const secrets = {
    devicePassword: unique('device-pw'),
    userPassword: unique('user-pw'),
    newPassword: unique('new-pw'),
    wrongPassword: unique('wrong-pw'),
    credentialPassword: unique('cred-pw'),
    enableSecret: unique('enable'),
    passphrase: unique('passphrase'),
    invitePassword: unique('invite-pw'),
    resetPassword: unique('reset-pw'),
  } as Record<string, string>;
  let smtp: MailCatcher;
  /** Answers that may hold a secret by design: the one that hands it out. */
  const answers: { what: string; text: string }[] = [];
  let logged = '';
  const restore: (() => void)[] = [];

  async function call(
    what: string,
    pathname: string,
    body: unknown,
    headers: Record<string, string> = {},
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API, checked by each step
  ): Promise<{ text: string; json: any; response: Response }> {
    const response = await fetch(`${stack.url}${pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    answers.push({
      what,
      text: `${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`,
    });
    return { text, json: JSON.parse(text), response };
  }
  const asService = { authorization: `Bearer ${TEST_TOKEN}` };

  beforeAll(async () => {
    // Everything the processes in this file write: Nest's logger writes to stdout, the Temporal
    // runtime and the rest log through console.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        logged += String(chunk);
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => (stream.write = write));
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[method];
      console[method] = (...args: unknown[]) => {
        logged += `${format(...args)}\n`;
        original.apply(console, args);
      };
      restore.push(() => (console[method] = original));
    }
    smtp = await MailCatcher.start();
    stack = await startStack({
      lab: {
        devices: [
          { name: 'leak-linux', platform: 'linux', password: secrets.devicePassword },
          { name: 'leak-huawei', platform: 'huawei', password: secrets.devicePassword },
        ],
      },
      env: { LOG_LEVEL: 'debug', SMTP_URL: smtp.url, SMTP_FROM: 'Switchboard <sb@example.test>' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await smtp?.close();
    for (const undo of restore) undo();
  });

  it('holds after accounts, tokens, credentials and a collection have been used', async () => {
    // A user; their session; a personal access token; a password change; a failed login.
    const created = await call(
      'createUser',
      '/graphql',
      {
        query: `mutation ($input: CreateUserInput!) { createUser(input: $input) { id username } }`,
        variables: { input: { username: 'leaker', password: secrets.userPassword, roles: ['operator'] } },
      },
      asService,
    );
    expect(created.json.errors).toBeUndefined();
    const login = await call('login', '/auth/login', { username: 'leaker', password: secrets.userPassword });
    expect(login.response.status).toBe(200);
    const session = login.response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    secrets.sessionCookie = session.match(/sb_session=([^;]+)/)![1];
    secrets.csrfToken = login.json.csrfToken;
    const withSession = { cookie: session, 'x-csrf-token': secrets.csrfToken };
    const token = await call(
      'createApiToken',
      '/graphql',
      {
        query: `mutation { createApiToken(input: { name: "ci" }) { secret token { id prefix name } } }`,
      },
      withSession,
    );
    secrets.personalToken = token.json.data.createApiToken.secret;
    const changed = await call(
      'changePassword',
      '/graphql',
      {
        query: `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`,
        variables: { c: secrets.userPassword, n: secrets.newPassword },
      },
      withSession,
    );
    expect(changed.json.errors).toBeUndefined();
    const failed = await call('failed login', '/auth/login', {
      username: 'leaker',
      password: secrets.wrongPassword,
    });
    expect(failed.response.status).toBe(401);
    // An invitation accepted, then a password-reset link used: their tokens and the passwords.
    const invited = await call(
      'inviteUser',
      '/graphql',
      {
        query: `mutation { inviteUser(input: { username: "invitee", email: "invitee@example.test" }) { id } }`,
      },
      asService,
    );
    expect(invited.json.errors).toBeUndefined();
    secrets.inviteToken = await smtp.linkToken('invitee@example.test', '/auth/invite', 'sbi_');
    const accepted = await call('accept invitation', '/auth/invite/accept', {
      token: secrets.inviteToken,
      password: secrets.invitePassword,
    });
    expect(accepted.response.status).toBe(200);
    expect(
      (await call('reset request', '/auth/password-reset', { username: 'invitee' })).response.status,
    ).toBe(202);
    secrets.resetToken = await smtp.linkToken('invitee@example.test', '/auth/password-reset', 'sbr_');
    const reset = await call('reset confirm', '/auth/password-reset/confirm', {
      token: secrets.resetToken,
      password: secrets.resetPassword,
    });
    expect(reset.response.status).toBe(200);
    const invitee = await call('invitee login', '/auth/login', {
      username: 'invitee',
      password: secrets.resetPassword,
    });
    expect(invitee.response.status).toBe(200);

    const mine = await call(
      'me with the token',
      '/graphql',
      { query: `{ me { username } myApiTokens { prefix name lastUsedAt } mySessions { id address } }` },
      { authorization: `Bearer ${secrets.personalToken}` },
    );
    expect(mine.json.data.me.username).toBe('leaker');

    // A credential with every kind of secret, read back every way the schema allows.
    const credential = await call(
      'createCredential',
      '/graphql',
      {
        query: `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { id } }`,
        variables: {
          input: {
            name: 'leak-cred',
            username: 'netops',
            password: secrets.credentialPassword,
          },
        },
      },
      asService,
    );
    expect(credential.json.errors).toBeUndefined();
    // A private key, encrypted with a passphrase (both secrets; a line of the key stands for it).
    const keyFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'leak-key-')), 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', secrets.passphrase, '-f', keyFile]);
    const privateKey = readFileSync(keyFile, 'utf8');
    secrets.privateKeyLine = privateKey.split('\n')[2];
    const keyed = await call(
      'createCredential (key)',
      '/graphql',
      {
        query: `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { id } }`,
        variables: {
          input: { name: 'leak-key', username: 'netops', privateKey, passphrase: secrets.passphrase },
        },
      },
      asService,
    );
    expect(keyed.json.errors).toBeUndefined();
    const device = await call(
      'createDevice',
      '/graphql',
      {
        query: `mutation ($input: CreateDeviceInput!) { createDevice(input: $input) { id name } }`,
        variables: {
          input: {
            name: 'leak-enable',
            host: '127.0.0.1',
            platform: 'cisco_ios',
            credentialId: credential.json.data.createCredential.id,
            enableSecret: secrets.enableSecret,
          },
        },
      },
      asService,
    );
    expect(device.json.errors).toBeUndefined();
    const credentialType = await call(
      'introspect Credential',
      '/graphql',
      { query: `{ __type(name: "Credential") { fields { name type { kind ofType { kind } } } } }` },
      asService,
    );
    const scalars = (
      credentialType.json.data.__type.fields as {
        name: string;
        type: { kind: string; ofType?: { kind: string } };
      }[]
    )
      .filter((f) => ['SCALAR', 'ENUM'].includes(f.type.ofType?.kind ?? f.type.kind))
      .map((f) => f.name);
    const read = await call(
      'credential',
      '/graphql',
      {
        query: `query ($id: ID!) { credential(id: $id) { ${scalars.join(' ')} } }`,
        variables: { id: credential.json.data.createCredential.id },
      },
      asService,
    );
    expect(read.json.errors).toBeUndefined();

    // A collection over SSH with the lab's credential (its password is a secret too).
    const run = await call(
      'startCollection',
      '/graphql',
      {
        query: `mutation ($ids: [ID!]) { startCollection(input: { deviceIds: $ids, commands: ["show version"], commandsByPlatform: [{ platform: "huawei", commands: ["display version"] }, { platform: "linux", commands: ["uname -a"] }] }) { id workflowId } }`,
        variables: { ids: [...stack.deviceIds.values()] },
      },
      asService,
    );
    const ended = await waitForRunEnd(stack, run.json.data.startCollection.id);
    expect(ended.status).toBe('COMPLETED');
    await call(
      'audit log',
      '/graphql',
      { query: `{ auditLog(filter: { first: 1000 }) { operation argumentsJson } auditLogCsv }` },
      asService,
    );

    const found = (where: string, text: string, except: string[] = []) =>
      Object.entries(secrets)
        .filter(([name, value]) => !except.includes(name) && text.includes(value))
        .map(([name]) => `${name} in ${where}`);

    const leaks: string[] = [];
    for (const { what, text } of answers) {
      // Handed out once, by design: the login's session and CSRF token, the new token's secret.
      const byDesign =
        what === 'login'
          ? ['sessionCookie', 'csrfToken']
          : what === 'createApiToken'
            ? ['personalToken']
            : [];
      leaks.push(...found(`the answer to ${what}`, text, byDesign));
    }
    leaks.push(...found('the logs', logged));

    const pgBin = findPgBinDir();
    const dump = execFileSync(pgBin ? path.join(pgBin, 'pg_dump') : 'pg_dump', [stack.config.database.url], {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    });
    expect(dump).toContain('leak-cred'); // the dump is of the right database
    leaks.push(...found('the database dump', dump));
    expect(dump).not.toContain(TEST_TOKEN);

    const connection = await Connection.connect({ address: stack.config.temporal.address });
    try {
      const temporal = new TemporalClient({ connection, namespace: stack.config.temporal.namespace });
      const history = await temporal.workflow
        .getHandle(run.json.data.startCollection.workflowId)
        .fetchHistory();
      // Payloads as text (their `data` is bytes, base64 in JSON), so that the check sees into them.
      const text = JSON.stringify(history, (key, v: unknown) =>
        v instanceof Uint8Array
          ? Buffer.from(v).toString('utf8')
          : key === 'data' && typeof v === 'string'
            ? Buffer.from(v, 'base64').toString('utf8')
            : v,
      );
      expect(text).toContain('show version');
      leaks.push(...found('the Temporal history', text));
    } finally {
      await connection.close();
    }

    expect(leaks).toEqual([]);
  });
});
