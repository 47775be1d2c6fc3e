import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { AccountsRepository } from '../core/accounts/accounts.repository';
import { BUILTIN_ROLES } from '../core/accounts/permissions';
import { graphqlClient, type GraphQLResponse } from '../scripts/graphql-client';
import { roleAllows, rootFieldHandlers } from '../scripts/permissions';
import { Browser } from './support/accounts';
import { getRun, startStack, waitFor, waitForRunEnd, type Stack } from './support/harness';
import { createTask, startTaskRun, waitForStep, waitForTaskRunEnd } from './support/tasks';

const PASSWORD = 'correct horse battery';

const codeOf = (r: GraphQLResponse<unknown>) => r.errors?.[0]?.extensions?.code;

describe('accounts: login, sessions, tokens, roles, approvals and the audit log', () => {
  let stack: Stack;
  const ids = new Map<string, string>();
  const tokens = new Map<string, string>();
  const as = (user: string) => graphqlClient(`${stack.url}/graphql`, tokens.get(user));

  const createUser = async (username: string, roles: string[], password: string | null = PASSWORD) => {
    const data = await stack.gql.request<{ createUser: { id: string } }>(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username, roles, password } },
    );
    ids.set(username, data.createUser.id);
    return data.createUser.id;
  };

  /** A personal access token of `username`, made in a session of theirs. */
  const tokenOf = async (username: string, permissions: string[] | null = null) => {
    const browser = new Browser(stack.url);
    expect((await browser.login(username, PASSWORD)).status).toBe(200);
    const created = await browser.gql<{ createApiToken: { secret: string } }>(
      `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret token { id prefix } } }`,
      { input: { name: `t-${Math.random().toString(36).slice(2)}`, permissions } },
    );
    expect(created.errors).toBeUndefined();
    return created.data!.createApiToken.secret;
  };

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 4, mix: { huawei: 1 } } });
    for (const role of BUILTIN_ROLES) {
      const username = `as-${role.name}`;
      await createUser(username, [role.name]);
      tokens.set(username, await tokenOf(username));
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describe('password login and browser sessions', () => {
    it('refuses a login without its fields, naming them', async () => {
      const browser = new Browser(stack.url);
      const result = await browser.post('/auth/login', { username: '' }, false);
      expect(result.status).toBe(400);
      expect(result.body.errors[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [
          { field: 'username', message: 'is required' },
          { field: 'password', message: 'is required' },
        ],
      });
    });

    it('answers a wrong password and an unknown user alike', async () => {
      await createUser('lee', ['viewer']);
      const browser = new Browser(stack.url);
      const wrong = await browser.login('lee', 'not the password at all');
      const unknown = await browser.login('nobody-here', 'not the password at all');
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body.errors[0]).toMatchObject({
        message: 'invalid username or password',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expect(wrong.setCookie).toEqual([]);
    });

    it('sets an HttpOnly, SameSite session cookie; a mutation needs its CSRF token', async () => {
      await createUser('mia', ['operator']);
      const browser = new Browser(stack.url);
      const login = await browser.login('mia', PASSWORD);
      expect(login.status).toBe(200);
      expect(login.body.user).toMatchObject({ username: 'mia' });
      const session = login.setCookie.find((c) => c.startsWith('sb_session='))!;
      expect(session).toMatch(/HttpOnly/);
      expect(session).toMatch(/SameSite=Lax/);
      expect(session).not.toMatch(/Secure/); // API_SECURE_COOKIES is off on plain HTTP
      expect(login.setCookie.find((c) => c.startsWith('sb_csrf='))).not.toMatch(/HttpOnly/);

      const me = await browser.gql(`{ me { username roles { role sites } } myPermissions }`);
      expect(me.data.me).toEqual({ username: 'mia', roles: [{ role: 'operator', sites: [] }] });
      expect(me.data.myPermissions).toContain('runs:start');
      expect(me.data.myPermissions).not.toContain('changes:approve');

      const revoke = `mutation { revokeApiToken(id: "00000000-0000-4000-8000-000000000000") }`;
      const forged = await browser.gql(revoke, {}, false);
      expect(codeOf(forged)).toBe('FORBIDDEN');
      expect(forged.errors![0].message).toMatch(/CSRF token in the x-csrf-token header/);
      expect(await browser.gql(revoke)).toEqual({ data: { revokeApiToken: false } });
      // The operator holds no credentials:write: refused for the permission, CSRF token or not.
      const create = await browser.gql(
        `mutation { createCredential(input: { name: "c1", username: "u", password: "pw-0123456789" }) { id } }`,
      );
      expect(create.errors![0].message).toMatch(
        /needs the permission credentials:write, which mia does not hold/,
      );
    });

    it('lists and revokes sessions; logout ends the cookie', async () => {
      const first = new Browser(stack.url);
      const second = new Browser(stack.url);
      await first.login('mia', PASSWORD);
      await second.login('mia', PASSWORD);
      const listed = await first.gql<{ mySessions: { id: string; current: boolean }[] }>(
        `{ mySessions { id current } }`,
      );
      const other = listed.data!.mySessions.find((s) => !s.current)!;
      expect(listed.data!.mySessions.filter((s) => s.current)).toHaveLength(1);
      const revoked = await first.gql(`mutation ($id: ID!) { revokeSession(id: $id) }`, { id: other.id });
      expect(revoked.data).toEqual({ revokeSession: true });

      // Whichever of the two was revoked can no longer ask anything; the other still can.
      const answers = await Promise.all([first, second].map((b) => b.gql(`{ me { username } }`)));
      expect(answers.map(codeOf).sort()).toEqual(['UNAUTHENTICATED', undefined].sort());

      const live = answers[0].data ? first : second;
      const out = await live.post('/auth/logout', {});
      expect(out.status).toBe(200);
      expect(live.cookies.has('sb_session')).toBe(false);
      expect(codeOf(await live.gql(`{ me { username } }`))).toBe('UNAUTHENTICATED');
    });

    it('locks an account after five failures, until an administrator unlocks it', async () => {
      await createUser('nia', ['viewer']);
      const browser = new Browser(stack.url);
      for (let i = 0; i < 5; i++)
        expect((await browser.login('nia', `wrong password ${i}!`)).status).toBe(401);
      const locked = await browser.login('nia', PASSWORD);
      expect(locked.status).toBe(401);
      expect(locked.body.errors[0].message).toBe('invalid username or password');
      const user = await stack.gql.request<{ user: { locked: boolean } }>(
        `query ($id: ID!) { user(id: $id) { locked } }`,
        {
          id: ids.get('nia'),
        },
      );
      expect(user.user.locked).toBe(true);
      await stack.gql.request(`mutation ($id: ID!) { unlockUser(id: $id) { id } }`, { id: ids.get('nia') });
      expect((await browser.login('nia', PASSWORD)).status).toBe(200);
    });

    it('refuses a weak password, naming every problem', async () => {
      const result = await stack.gql.raw(
        `mutation { createUser(input: { username: "weak", password: "weakweak", roles: ["viewer"] }) { id } }`,
      );
      expect(result.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [
          { field: 'password', message: 'must be at least 12 characters' },
          { field: 'password', message: 'must not contain the username' },
          { field: 'password', message: 'must use at least 5 different characters' },
        ],
      });
    });

    it('a disabled account loses its sessions and tokens at once', async () => {
      await createUser('olu', ['viewer']);
      const browser = new Browser(stack.url);
      await browser.login('olu', PASSWORD);
      const token = await tokenOf('olu');
      await stack.gql.request(`mutation ($id: ID!) { disableUser(id: $id) { status } }`, {
        id: ids.get('olu'),
      });
      expect(codeOf(await browser.gql(`{ me { username } }`))).toBe('UNAUTHENTICATED');
      expect(codeOf(await graphqlClient(`${stack.url}/graphql`, token).raw(`{ me { username } }`))).toBe(
        'UNAUTHENTICATED',
      );
      expect((await browser.login('olu', PASSWORD)).status).toBe(401);
    });
  });

  describe('personal access tokens', () => {
    it('are limited to the permissions asked for, never more than the user holds, and revocable', async () => {
      const browser = new Browser(stack.url);
      await browser.login('as-operator', PASSWORD);
      const beyond = await browser.gql(
        `mutation { createApiToken(input: { name: "too-much", permissions: ["devices:read", "accounts:write"] }) { secret } }`,
      );
      expect(beyond.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'permissions[1]',
      });

      const created = await browser.gql<{
        createApiToken: { secret: string; token: { id: string; prefix: string } };
      }>(
        `mutation { createApiToken(input: { name: "read-only", permissions: ["devices:read"] }) { secret token { id prefix } } }`,
      );
      const { secret, token } = created.data!.createApiToken;
      expect(secret).toMatch(/^sbp_/);
      expect(secret.startsWith(token.prefix)).toBe(true);
      const client = graphqlClient(`${stack.url}/graphql`, secret);
      expect(
        (await client.request<{ devices: { totalCount: number } }>(`{ devices { totalCount } }`)).devices
          .totalCount,
      ).toBe(4);
      const refused = await client.raw(`{ runs { totalCount } }`);
      expect(refused.errors?.[0].message).toMatch(/needs the permission runs:read/);

      const listed = await browser.gql(`{ myApiTokens { id name prefix permissions } }`);
      expect(JSON.stringify(listed)).not.toContain(secret);
      expect(listed.data.myApiTokens).toContainEqual({
        id: token.id,
        name: 'read-only',
        prefix: token.prefix,
        permissions: ['devices:read'],
      });
      await browser.gql(`mutation ($id: ID!) { revokeApiToken(id: $id) }`, { id: token.id });
      expect(codeOf(await client.raw(`{ devices { totalCount } }`))).toBe('UNAUTHENTICATED');
    });

    it('API_TOKEN is the service account, an administrator', async () => {
      const me = await stack.gql.request<{
        me: { username: string; kind: string; roles: { role: string }[] };
      }>(`{ me { username kind roles { role } } }`);
      expect(me.me).toEqual({ username: 'service', kind: 'service', roles: [{ role: 'administrator' }] });
    });
  });

  describe('the permission of every root field, for every built-in role', () => {
    interface TypeRef {
      kind: string;
      name: string | null;
      ofType: TypeRef | null;
    }
    interface InputType {
      name: string;
      kind: string;
      inputFields: { name: string; type: TypeRef }[] | null;
      enumValues: { name: string }[] | null;
    }

    it('allows exactly what the role holds (from the resolvers’ @Requires), and refuses the rest', async () => {
      const typeRef =
        'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
      const schema = await stack.gql.request<{
        __schema: {
          types: (InputType & {
            fields: { name: string; args: { name: string; type: TypeRef }[]; type: TypeRef }[] | null;
          })[];
        };
      }>(
        `{ __schema { types { name kind enumValues { name } inputFields { name type { ${typeRef} } }
             fields { name type { ${typeRef} } args { name type { ${typeRef} } } } } } }`,
      );
      const types = new Map(schema.__schema.types.map((t) => [t.name, t]));
      const named = (t: TypeRef): TypeRef => (t.ofType ? named(t.ofType) : t);
      const typeText = (t: TypeRef): string =>
        t.kind === 'NON_NULL'
          ? `${typeText(t.ofType!)}!`
          : t.kind === 'LIST'
            ? `[${typeText(t.ofType!)}]`
            : t.name!;
      // A value of the type that GraphQL accepts; what the resolver makes of it does not matter here.
      const sample = (t: TypeRef): unknown => {
        if (t.kind === 'NON_NULL') return sample(t.ofType!);
        if (t.kind === 'LIST') return [];
        const type = types.get(t.name!)!;
        if (type.kind === 'ENUM') return type.enumValues![0].name;
        if (type.kind === 'INPUT_OBJECT') {
          return Object.fromEntries(
            type.inputFields!.filter((f) => f.type.kind === 'NON_NULL').map((f) => [f.name, sample(f.type)]),
          );
        }
        return (
          (
            {
              ID: '00000000-0000-4000-8000-000000000000',
              Int: 1,
              Float: 1,
              Boolean: false,
              DateTime: '2030-01-01T00:00:00Z',
            } as Record<string, unknown>
          )[t.name!] ?? 'x'
        );
      };
      const handlers = rootFieldHandlers().filter((h) => h.type !== 'Subscription');
      let checked = 0;
      for (const role of BUILTIN_ROLES) {
        const client = as(`as-${role.name}`);
        for (const h of handlers) {
          const field = types.get(h.type)!.fields!.find((f) => f.name === h.name)!;
          const required = field.args.filter((a) => a.type.kind === 'NON_NULL');
          const declared = required.map((a, i) => `$a${i}: ${typeText(a.type)}`).join(', ');
          const passed = required.map((a, i) => `${a.name}: $a${i}`).join(', ');
          const selection = ['OBJECT', 'INTERFACE', 'UNION'].includes(
            types.get(named(field.type).name!)!.kind,
          )
            ? ' { __typename }'
            : '';
          const operation = `${h.type === 'Query' ? 'query' : 'mutation'}${declared ? ` (${declared})` : ''} { ${h.name}${
            passed ? `(${passed})` : ''
          }${selection} }`;
          const variables = Object.fromEntries(required.map((a, i) => [`a${i}`, sample(a.type)]));
          const result = await client.raw(operation, variables);
          const denied = (result.errors ?? []).some(
            (e) => e.extensions?.code === 'FORBIDDEN' && /needs the permission/.test(e.message),
          );
          expect({ role: role.name, field: `${h.type}.${h.name}`, denied }).toEqual({
            role: role.name,
            field: `${h.type}.${h.name}`,
            denied: !roleAllows(role.name, h.permission),
          });
          expect(codeOf(result)).not.toBe('GRAPHQL_VALIDATION_FAILED');
          checked++;
        }
      }
      expect(checked).toBe(handlers.length * BUILTIN_ROLES.length);
    });

    it('checks subscriptions when they start: a role without runs:read cannot follow a run', async () => {
      await stack.gql.request(
        `mutation { createRole(input: { name: "inventory-only", permissions: ["devices:read"] }) { name } }`,
      );
      await createUser('pia', ['inventory-only']);
      const follow = async (token: string) => {
        const ws = createClient({
          url: stack.url.replace('http', 'ws') + '/graphql',
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${token}` },
        });
        try {
          const iterator = ws.iterate({
            query: `subscription { runUpdated(runId: "00000000-0000-4000-8000-000000000000") { run { id } } }`,
          });
          const first = await iterator.next();
          await iterator.return?.();
          return first.value as GraphQLResponse<unknown>;
        } catch (error) {
          return { errors: error as GraphQLResponse<unknown>['errors'] };
        } finally {
          await ws.dispose();
        }
      };
      const denied = await follow(await tokenOf('pia'));
      expect(JSON.stringify(denied)).toMatch(/needs the permission runs:read/);
      const allowed = await follow(tokens.get('as-viewer')!);
      expect(JSON.stringify(allowed)).not.toMatch(/needs the permission/);
    });
  });

  describe('approvals: the approver permission for those devices, and separation of duties', () => {
    it('the requester cannot approve their own change; an approver of other sites cannot either; one of its site can', async () => {
      const sites = await stack.db.query<{ id: string; name: string; site: string }>(
        `SELECT id, name, site FROM devices`,
      );
      const target = sites.rows.find((d) => d.site === 'lab-a')!;
      await createUser('quin', ['operator', 'change-approver']);
      await createUser('rae', []);
      await createUser('sam', []);
      for (const [user, site] of [
        ['rae', 'lab-b'],
        ['sam', 'lab-a'],
      ]) {
        await stack.gql.request(`mutation ($input: BindRoleInput!) { bindRole(input: $input) { id } }`, {
          input: { userId: ids.get(user), role: 'change-approver', sites: [site] },
        });
      }
      tokens.set('quin', await tokenOf('quin'));
      tokens.set('rae', await tokenOf('rae'));
      tokens.set('sam', await tokenOf('sam'));
      const started = await as('quin').request<{ startChange: { id: string; createdBy: string } }>(
        `mutation ($input: StartChangeInput!) { startChange(input: $input) { id createdBy } }`,
        {
          input: {
            reason: 'CHG-ACC-1',
            deviceIds: [target.id],
            configByPlatform: [{ platform: 'huawei', config: 'vlan 777\n description by-quin' }],
            requireApproval: true,
          },
        },
      );
      expect(started.startChange.createdBy).toBe('quin');
      const run = started.startChange;
      await waitFor(
        'approval to be awaited',
        async () => (await getRun(stack, run.id)).status === 'AWAITING_APPROVAL',
      );
      const approve = (user: string) =>
        as(user).raw(`mutation ($id: ID!) { approveChange(id: $id, approved: true) { id } }`, { id: run.id });

      const own = await approve('quin');
      expect(codeOf(own)).toBe('FORBIDDEN');
      expect(own.errors![0].message).toMatch(/quin started this run and may not approve it/);
      const elsewhere = await approve('rae');
      expect(codeOf(elsewhere)).toBe('FORBIDDEN');
      expect(elsewhere.errors![0].message).toContain(`rae may not approve for ${target.name}`);
      expect((await approve('sam')).errors).toBeUndefined();
      expect((await waitForRunEnd(stack, run.id)).status).toBe('COMPLETED');
      const events = await stack.db.query<{ message: string }>(
        `SELECT message FROM run_events WHERE run_id = $1`,
        [run.id],
      );
      expect(events.rows.map((e) => e.message)).toContain('approved by sam');
    });

    it('an approval step: no self-approval unless an administrator allows it for the task', async () => {
      const quin = { ...stack, gql: as('quin') };
      await createTask(stack, {
        name: 'sod-task',
        steps: [{ id: 'ok', kind: 'approval', params: { timeoutSeconds: 300 } }],
      });
      const decide = (runId: string, by?: string) =>
        as('quin').raw(`mutation ($input: StepDecisionInput!) { decideStep(input: $input) { stepId } }`, {
          input: { runId, stepId: 'ok', approve: true, ...(by ? { by } : {}) },
        });
      const first = await startTaskRun(quin, 'sod-task');
      await waitForStep(stack, first.id, 'ok', ['WAITING_APPROVAL']);
      expect((await decide(first.id)).errors?.[0].message).toMatch(
        /quin started this run and may not approve it/,
      );
      // Nor can a user record the decision as someone else.
      expect((await decide(first.id, 'sam')).errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'by',
      });

      const allowed = await stack.gql.request<{ setTaskSelfApproval: { selfApproval: boolean } }>(
        `mutation { setTaskSelfApproval(task: "sod-task", allowed: true) { selfApproval } }`,
      );
      expect(allowed.setTaskSelfApproval.selfApproval).toBe(true);
      expect((await decide(first.id)).errors).toBeUndefined();
      const ended = await waitForTaskRunEnd(stack, first.id);
      expect(ended.status).toBe('COMPLETED');
      const step = await stack.db.query<{ output: { by?: string } }>(
        `SELECT output FROM run_steps WHERE run_id = $1 AND step_id = 'ok'`,
        [first.id],
      );
      expect(step.rows[0].output.by).toBe('quin');
    });
  });

  describe('the first administrator', () => {
    it('is created once, with a password that logs in', async () => {
      const accounts = stack.api.get(AccountsRepository);
      // Humans exist already in this database: none is made.
      expect(await accounts.ensureFirstAdministrator()).toBeNull();
      const { rows: humans } = await stack.db.query<{ id: string }>(
        `UPDATE users SET deleted_at = now() WHERE kind = 'human' AND deleted_at IS NULL RETURNING id`,
      );
      const first = await accounts.ensureFirstAdministrator('first-admin');
      expect(first).toMatchObject({ username: 'first-admin' });
      expect(await accounts.ensureFirstAdministrator('first-admin')).toBeNull();
      const browser = new Browser(stack.url);
      expect((await browser.login('first-admin', first!.password)).status).toBe(200);
      const me = await browser.gql(`{ me { roles { role } } }`);
      expect(me.data.me.roles).toEqual([{ role: 'administrator' }]);
      // The other humans come back for the tests that follow.
      await stack.db.query(`UPDATE users SET deleted_at = NULL WHERE id = ANY($1)`, [
        humans.map((h) => h.id),
      ]);
    });
  });

  describe('the audit log', () => {
    it('records mutations, logins and refusals, with secrets redacted; searchable and exportable', async () => {
      const log = await stack.gql.request<{
        auditLog: {
          operation: string;
          actorName: string;
          outcome: string;
          argumentsJson: string | null;
          errorCode: string | null;
          roles: string[];
          address: string | null;
        }[];
      }>(
        `{ auditLog(filter: { first: 1000 }) { operation actorName outcome argumentsJson errorCode roles address } }`,
      );
      const entries = log.auditLog;
      const createLee = entries.find(
        (e) => e.operation === 'Mutation.createUser' && e.argumentsJson?.includes('"lee"'),
      )!;
      expect(createLee).toMatchObject({ actorName: 'service', outcome: 'OK', roles: ['administrator'] });
      expect(createLee.argumentsJson).toContain('[redacted]');
      expect(JSON.stringify(entries)).not.toContain(PASSWORD);
      expect(entries).toContainEqual(
        expect.objectContaining({
          operation: 'auth.login',
          actorName: 'nobody-here',
          outcome: 'DENIED',
          errorCode: 'UNAUTHENTICATED',
        }),
      );
      expect(entries).toContainEqual(
        expect.objectContaining({
          operation: 'Mutation.approveChange',
          actorName: 'rae',
          outcome: 'ERROR',
          errorCode: 'FORBIDDEN',
        }),
      );
      expect(entries).toContainEqual(
        expect.objectContaining({
          operation: 'Mutation.createCredential',
          actorName: 'mia',
          outcome: 'DENIED',
        }),
      );
      expect(entries.find((e) => e.operation === 'auth.login' && e.outcome === 'OK')?.address).toMatch(
        /127\.0\.0\.1/,
      );

      const filtered = await stack.gql.request<{ auditLog: { actorName: string; outcome: string }[] }>(
        `{ auditLog(filter: { user: "mia", outcome: "DENIED" }) { actorName outcome } }`,
      );
      expect(filtered.auditLog.length).toBeGreaterThan(0);
      expect(new Set(filtered.auditLog.map((e) => `${e.actorName} ${e.outcome}`))).toEqual(
        new Set(['mia DENIED']),
      );

      const csv = await stack.gql.request<{ auditLogCsv: string }>(
        `{ auditLogCsv(filter: { user: "mia" }) }`,
      );
      const lines = csv.auditLogCsv.trim().split('\r\n');
      expect(lines[0]).toBe(
        'id,ts,actor_name,roles,address,user_agent,kind,operation,arguments,outcome,error_code,duration_ms',
      );
      expect(lines.length).toBeGreaterThan(1);

      // Auditors read it; operators do not.
      expect((await as('as-auditor').raw(`{ verifyAuditLog { ok } }`)).errors).toBeUndefined();
      expect(codeOf(await as('as-operator').raw(`{ auditLog { id } }`))).toBe('FORBIDDEN');
    });

    it('is append-only, and an edit or a deletion made behind its back is found', async () => {
      const verify = () =>
        stack.gql.request<{
          verifyAuditLog: { ok: boolean; checked: number; firstBadId: string | null; reason: string | null };
        }>(`{ verifyAuditLog { ok checked firstBadId reason } }`);
      const before = await verify();
      expect(before.verifyAuditLog).toMatchObject({ ok: true, firstBadId: null });
      expect(before.verifyAuditLog.checked).toBeGreaterThan(50);

      await expect(stack.db.query(`UPDATE audit_log SET outcome = 'OK' WHERE id = 5`)).rejects.toThrow(
        /append-only/,
      );
      await expect(stack.db.query(`DELETE FROM audit_log WHERE id = 5`)).rejects.toThrow(/append-only/);
      await expect(stack.db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);

      // Someone with the database owner's rights turns the trigger off and edits a row.
      await stack.db.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
      await stack.db.query(`UPDATE audit_log SET actor_name = 'someone-else' WHERE id = 7`);
      const edited = await verify();
      expect(edited.verifyAuditLog).toMatchObject({
        ok: false,
        firstBadId: '7',
        reason: 'its content was changed',
      });

      await stack.db.query(`DELETE FROM audit_log WHERE id <= 7`);
      const deleted = await verify();
      expect(deleted.verifyAuditLog).toMatchObject({ ok: false, firstBadId: '8' });
      expect(deleted.verifyAuditLog.reason).toMatch(/removed or inserted/);
      await stack.db.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    });
  });
});
