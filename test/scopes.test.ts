import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphqlClient, type GraphQLResponse } from '../scripts/graphql-client';
import { startStack, waitForRunEnd, type Stack } from './support/harness';
import { deleteSchedule } from './support/schedules';
import { createTask, getTaskRun, step, waitForTaskRunEnd } from './support/tasks';

const PASSWORD = 'correct horse battery';

const codeOf = (r: GraphQLResponse<unknown>) => r.errors?.[0]?.extensions?.code;

/**
 * Site- and tag-scoped role bindings (issue 12): an operator of lab-a sees nothing of lab-b and
 * cannot start work that touches it; an unscoped operator can. The lab import alternates the
 * sites: even devices are lab-a, odd ones lab-b (scripts/lab-inventory.ts).
 */
describe('scoped role bindings: reads and starts stay inside the sites of the binding', () => {
  let stack: Stack;
  const tokens = new Map<string, string>();
  const as = (user: string) => graphqlClient(`${stack.url}/graphql`, tokens.get(user));
  let labA: { id: string; name: string }[];
  let labB: { id: string; name: string }[];
  /** A credential used only by a device of lab-b. */
  let onlyB: string;
  let snapshotsB: string[];
  let snapshotA: string;
  /** A collection of every device, and one of lab-b only, both by the service account. */
  let everyRun: string;
  let bRun: string;

  /** A user with `role` bound to `sites` (none: everywhere), and a personal access token of theirs. */
  const userWith = async (
    username: string,
    bindings: { role: string; sites?: string[]; tags?: string[] }[],
  ) => {
    const created = await stack.gql.request<{ createUser: { id: string } }>(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username, roles: [], password: PASSWORD } },
    );
    for (const b of bindings) {
      await stack.gql.request(`mutation ($input: BindRoleInput!) { bindRole(input: $input) { id } }`, {
        input: { userId: created.createUser.id, role: b.role, sites: b.sites ?? [], tags: b.tags ?? [] },
      });
    }
    const login = await fetch(`${stack.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const made = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({
        query: `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }`,
        variables: { input: { name: `t-${username}` } },
      }),
    });
    const body = (await made.json()) as { data: { createApiToken: { secret: string } } };
    tokens.set(username, body.data.createApiToken.secret);
  };

  const collect = async (selector: Record<string, unknown>) =>
    (
      await stack.gql.request<{ startCollection: { id: string } }>(
        `mutation ($input: StartCollectionInput!) { startCollection(input: $input) { id } }`,
        { input: { commands: ['show version'], selector } },
      )
    ).startCollection.id;

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 4, mix: { cisco_ios: 4 } } });
    const { rows } = await stack.db.query<{ id: string; name: string; site: string; credential_id: string }>(
      `SELECT id, name, site, credential_id FROM devices ORDER BY name`,
    );
    labA = rows.filter((r) => r.site === 'lab-a');
    labB = rows.filter((r) => r.site === 'lab-b');
    expect(labA.length).toBe(2);
    expect(labB.length).toBe(2);

    everyRun = await collect({ tags: ['lab'] });
    bRun = await collect({ site: 'lab-b' });
    await waitForRunEnd(stack, everyRun);
    await waitForRunEnd(stack, bRun);

    // A credential only a lab-b device uses (one no run touches: it is not tagged lab), and one no
    // device uses yet.
    onlyB = (
      await stack.gql.request<{ createCredential: { id: string } }>(
        `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { id } }`,
        { input: { name: 'b-secret-login', username: 'b-admin', password: 'b-password-123' } },
      )
    ).createCredential.id;
    await stack.gql.request(
      `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { id } }`,
      { input: { name: 'unused-login', username: 'nobody', password: 'unused-password-1' } },
    );
    const extra = await stack.gql.request<{ createDevice: { id: string; name: string } }>(
      `mutation ($input: CreateDeviceInput!) { createDevice(input: $input) { id name } }`,
      {
        input: {
          name: 'zz-b-extra',
          host: '127.0.0.1',
          port: 1,
          platform: 'cisco_ios',
          site: 'lab-b',
          tags: ['extra'],
          credentialId: onlyB,
        },
      },
    );
    labB.push(extra.createDevice);

    // Two config versions of each lab device.
    for (const version of [1, 2]) {
      const imported = await stack.gql.request<{
        importConfigSnapshots: { snapshots: { id: string; deviceId: string }[] };
      }>(
        `mutation ($input: ImportConfigSnapshotsInput!) {
          importConfigSnapshots(input: $input) { snapshots { id deviceId } } }`,
        {
          input: {
            format: 'FILES',
            reason: `v${version}`,
            files: [...labA, ...labB.slice(0, 2)].map((d) => ({
              deviceName: d.name,
              content: `hostname ${d.name}\n!\nvlan ${100 + version}\n!\n`,
            })),
          },
        },
      );
      const snapshots = imported.importConfigSnapshots.snapshots;
      if (version === 1) snapshotsB = [];
      snapshotsB.push(...snapshots.filter((s) => labB.some((d) => d.id === s.deviceId)).map((s) => s.id));
      snapshotA = snapshots.find((s) => s.deviceId === labA[0].id)!.id;
    }

    await userWith('ops-a', [{ role: 'operator', sites: ['lab-a'] }]);
    await userWith('ops-all', [{ role: 'operator' }]);
    // Reads everywhere, operates in lab-a only: its refusals may name the devices it can read.
    await userWith('look-all-ops-a', [{ role: 'viewer' }, { role: 'operator', sites: ['lab-a'] }]);
    // Scoped by tag instead of site: only devices carrying the tag.
    await userWith('ops-extra', [{ role: 'operator', tags: ['extra'] }]);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  describe('devices', () => {
    const DEVICES = `{ devices(first: 100) { totalCount edges { node { name site credential { name } } } } }`;

    it('lists only the devices of the binding’s sites', async () => {
      const scoped = await as('ops-a').request<{
        devices: { totalCount: number; edges: { node: { name: string; site: string } }[] };
      }>(DEVICES);
      expect(scoped.devices.edges.map((e) => e.node.name)).toEqual(labA.map((d) => d.name));
      expect(scoped.devices.totalCount).toBe(labA.length);
      const all = await as('ops-all').request<{ devices: { totalCount: number } }>(DEVICES);
      expect(all.devices.totalCount).toBe(labA.length + labB.length);
    });

    it('scopes by device tags as it does by sites', async () => {
      const tagged = await as('ops-extra').request<{
        devices: { totalCount: number; edges: { node: { name: string } }[] };
      }>(DEVICES);
      expect(tagged.devices.edges.map((e) => e.node.name)).toEqual(['zz-b-extra']);
      const names = await as('ops-extra').request<{ credentials: { edges: { node: { name: string } }[] } }>(
        `{ credentials(first: 100) { edges { node { name } } } }`,
      );
      expect(names.credentials.edges.map((e) => e.node.name).sort()).toEqual([
        'b-secret-login',
        'unused-login',
      ]);
      const refused = await as('ops-extra').raw(
        `mutation ($input: StartCollectionInput!) { startCollection(input: $input) { id } }`,
        { input: { commands: ['show version'], selector: { site: 'lab-b' } } },
      );
      expect(codeOf(refused)).toBe('FORBIDDEN');
    });

    it('answers NOT_FOUND for a device of another site, as for one that does not exist', async () => {
      const other = await as('ops-a').raw(`query ($id: ID!) { device(id: $id) { name } }`, {
        id: labB[0].id,
      });
      expect(codeOf(other)).toBe('NOT_FOUND');
      const checks = await as('ops-a').raw(`query ($id: ID!) { deviceChecks(deviceId: $id) { id } }`, {
        id: labB[0].id,
      });
      expect(codeOf(checks)).toBe('NOT_FOUND');
      const own = await as('ops-a').request<{ device: { name: string } }>(
        `query ($id: ID!) { device(id: $id) { name } }`,
        { id: labA[0].id },
      );
      expect(own.device.name).toBe(labA[0].name);
      expect(
        (
          await as('ops-all').request<{ device: { name: string } }>(
            `query ($id: ID!) { device(id: $id) { name } }`,
            {
              id: labB[0].id,
            },
          )
        ).device.name,
      ).toBe(labB[0].name);
    });

    it('previews a config template only for devices of the binding’s sites', async () => {
      const PREVIEW = `query ($input: RenderConfigInput!) { renderConfigPreview(input: $input) { deviceName } }`;
      const hidden = await as('ops-a').raw(PREVIEW, {
        input: { builtinName: 'ios-base', deviceIds: [labA[0].id, labB[0].id] },
      });
      expect(codeOf(hidden)).toBe('BAD_USER_INPUT');
      expect(hidden.errors![0].message).not.toContain(labB[0].name);
      const own = await as('ops-a').request<{ renderConfigPreview: { deviceName: string }[] }>(PREVIEW, {
        input: { builtinName: 'ios-base', deviceIds: [labA[0].id] },
      });
      expect(own.renderConfigPreview.map((r) => r.deviceName)).toEqual([labA[0].name]);
      const all = await as('ops-all').request<{ renderConfigPreview: { deviceName: string }[] }>(PREVIEW, {
        input: { builtinName: 'ios-base', deviceIds: [labA[0].id, labB[0].id] },
      });
      expect(all.renderConfigPreview).toHaveLength(2);
    });

    it('cannot change, move into or delete devices of another site', async () => {
      const update = await as('ops-a').raw(
        `mutation ($id: ID!) { updateDevice(id: $id, input: { port: 2222 }) { id } }`,
        { id: labB[0].id },
      );
      expect(codeOf(update)).toBe('NOT_FOUND');
      const move = await as('ops-a').raw(
        `mutation ($id: ID!) { updateDevice(id: $id, input: { site: "lab-b" }) { id } }`,
        { id: labA[0].id },
      );
      expect(codeOf(move)).toBe('FORBIDDEN');
      const remove = await as('ops-a').raw(`mutation ($id: ID!) { deleteDevice(id: $id) }`, {
        id: labB[0].id,
      });
      expect(codeOf(remove)).toBe('NOT_FOUND');
      const many = await as('ops-a').request<{ deleteDevices: number }>(
        `mutation ($ids: [ID!]!) { deleteDevices(ids: $ids) }`,
        { ids: [labB[0].id, labB[1].id] },
      );
      expect(many.deleteDevices).toBe(0);
      const create = await as('ops-a').raw(
        `mutation ($input: CreateDeviceInput!) { createDevice(input: $input) { id } }`,
        {
          input: {
            name: 'a-new-in-b',
            host: '127.0.0.1',
            platform: 'cisco_ios',
            site: 'lab-b',
            credentialId: (
              await stack.db.query(`SELECT credential_id FROM devices WHERE id = $1`, [labA[0].id])
            ).rows[0].credential_id,
          },
        },
      );
      expect(codeOf(create)).toBe('FORBIDDEN');
      const imported = await as('ops-a').raw<{
        importDevices: { created: number; updated: number; errors: { field: string; message: string }[] };
      }>(
        `mutation ($input: ImportDevicesInput!) {
          importDevices(input: $input) { created updated errors { field message } } }`,
        {
          input: {
            format: 'JSON',
            upsert: true,
            data: JSON.stringify([
              {
                name: labB[0].name,
                host: '127.0.0.1',
                platform: 'cisco_ios',
                site: 'lab-a',
                credential: 'unused-login',
              },
            ]),
          },
        },
      );
      // The name is held by a device ops-a cannot read: not available, as if taken by nothing it knows.
      expect(imported.data?.importDevices).toEqual({
        created: 0,
        updated: 0,
        errors: [
          {
            field: 'name',
            message: `the name "${labB[0].name}" is not available (device names are unique across all sites): choose another`,
          },
        ],
      });
      const { rows } = await stack.db.query(`SELECT site, port FROM devices WHERE id = $1`, [labB[0].id]);
      expect(rows[0].site).toBe('lab-b');
      expect(rows[0].port).not.toBe(2222);
    });
  });

  describe('device names', () => {
    const NOT_AVAILABLE = (name: string) =>
      `the name "${name}" is not available (device names are unique across all sites): choose another`;

    it('answers a name held in another site as "not available", never "a device exists"', async () => {
      const credentialId = (
        await stack.db.query(`SELECT credential_id FROM devices WHERE id = $1`, [labA[0].id])
      ).rows[0].credential_id;
      const CREATE = `mutation ($input: CreateDeviceInput!) { createDevice(input: $input) { id } }`;
      const device = (name: string) => ({
        input: { name, host: '127.0.0.1', platform: 'cisco_ios', site: 'lab-a', credentialId },
      });
      const hidden = await as('ops-a').raw(CREATE, device(labB[0].name));
      expect(codeOf(hidden)).toBe('CONFLICT');
      expect(hidden.errors![0].message).toBe(NOT_AVAILABLE(labB[0].name));
      // A name it can see: the device is there, and it says so.
      const own = await as('ops-a').raw(CREATE, device(labA[1].name));
      expect(codeOf(own)).toBe('CONFLICT');
      expect(own.errors![0].message).toBe(`a device named "${labA[1].name}" already exists`);
      const rename = await as('ops-a').raw(
        `mutation ($id: ID!, $name: String!) { updateDevice(id: $id, input: { name: $name }) { id } }`,
        { id: labA[0].id, name: labB[0].name },
      );
      expect(codeOf(rename)).toBe('CONFLICT');
      expect(rename.errors![0].message).toBe(NOT_AVAILABLE(labB[0].name));
      // An unscoped operator is told plainly.
      const plain = await as('ops-all').raw(CREATE, device(labB[0].name));
      expect(plain.errors![0].message).toBe(`a device named "${labB[0].name}" already exists`);
    });
  });

  describe('runs', () => {
    const RUNS = `{ runs(first: 100) { totalCount edges { node { id } } } }`;
    const RUN = `query ($id: ID!) { run(id: $id) { id progress { total }
      devices(first: 50) { totalCount edges { node { deviceName } } } } }`;

    it('lists the runs that touched the binding’s sites, and only their rows there', async () => {
      const scoped = await as('ops-a').request<{ runs: { edges: { node: { id: string } }[] } }>(RUNS);
      const ids = scoped.runs.edges.map((e) => e.node.id);
      expect(ids).toContain(everyRun);
      expect(ids).not.toContain(bRun);
      const all = await as('ops-all').request<{ runs: { edges: { node: { id: string } }[] } }>(RUNS);
      expect(all.runs.edges.map((e) => e.node.id)).toEqual(expect.arrayContaining([everyRun, bRun]));

      const run = await as('ops-a').request<{
        run: {
          progress: { total: number };
          devices: { totalCount: number; edges: { node: { deviceName: string } }[] };
        };
      }>(RUN, { id: everyRun });
      expect(run.run.devices.edges.map((e) => e.node.deviceName)).toEqual(labA.map((d) => d.name));
      expect(run.run.devices.totalCount).toBe(labA.length);
      expect(run.run.progress.total).toBe(labA.length);
      const whole = await as('ops-all').request<{ run: { devices: { totalCount: number } } }>(RUN, {
        id: everyRun,
      });
      expect(whole.run.devices.totalCount).toBe(4);
    });

    it('shows the run log of a visible run without the events of devices outside the scope', async () => {
      const EVENTS = `query ($id: ID!) { run(id: $id) { events(first: 1000) { deviceName message } } }`;
      type Events = { run: { events: { deviceName: string | null; message: string }[] } };
      const all = await as('ops-all').request<Events>(EVENTS, { id: everyRun });
      const aboutB = all.run.events.filter((e) => labB.some((d) => d.name === e.deviceName));
      expect(aboutB.length).toBeGreaterThan(0);
      const scoped = await as('ops-a').request<Events>(EVENTS, { id: everyRun });
      const names = new Set(scoped.run.events.map((e) => e.deviceName).filter((n) => n !== null));
      expect([...names].sort()).toEqual(labA.map((d) => d.name));
      expect(scoped.run.events.length).toBe(all.run.events.length - aboutB.length);
    });

    it('does not let a scoped reader follow a run of another site', async () => {
      const follow = async (user: string, runId: string) => {
        const ws = createClient({
          url: stack.url.replace('http', 'ws') + '/graphql',
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${tokens.get(user)}` },
        });
        try {
          const iterator = ws.iterate({
            query: `subscription ($id: ID!) { runUpdated(runId: $id) { run { id } events { deviceName } } }`,
            variables: { id: runId },
          });
          const first = await iterator.next();
          await iterator.return?.();
          return first.value as GraphQLResponse<{ runUpdated: { events: { deviceName: string | null }[] } }>;
        } catch (error) {
          return { errors: error as GraphQLResponse<unknown>['errors'] } as GraphQLResponse<never>;
        } finally {
          await ws.dispose();
        }
      };
      expect(JSON.stringify(await follow('ops-a', bRun))).toMatch(/NOT_FOUND|not found/i);
      const own = await follow('ops-a', everyRun);
      expect(own.errors).toBeUndefined();
      const names = own.data!.runUpdated.events.map((e) => e.deviceName).filter((n) => n !== null);
      for (const d of labB) expect(names).not.toContain(d.name);
      expect((await follow('ops-all', bRun)).errors).toBeUndefined();
    });

    it('answers NOT_FOUND for a run of another site, and cannot cancel it', async () => {
      expect(codeOf(await as('ops-a').raw(RUN, { id: bRun }))).toBe('NOT_FOUND');
      expect(
        codeOf(await as('ops-a').raw(`mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: bRun })),
      ).toBe('NOT_FOUND');
      expect((await as('ops-all').raw(RUN, { id: bRun })).errors).toBeUndefined();
    });
  });

  describe('configs', () => {
    it('hides the config versions, diffs and exports of another site', async () => {
      const list = await as('ops-a').raw(
        `query ($id: ID!) { configSnapshots(deviceId: $id) { totalCount } }`,
        { id: labB[0].id },
      );
      expect(codeOf(list)).toBe('NOT_FOUND');
      const one = await as('ops-a').raw(`query ($id: ID!) { configSnapshot(id: $id) { content } }`, {
        id: snapshotsB[0],
      });
      expect(codeOf(one)).toBe('NOT_FOUND');
      const diff = await as('ops-a').raw(
        `query ($from: ID!, $to: ID!) { configDiff(fromId: $from, toId: $to) { unified } }`,
        { from: snapshotsB[0], to: snapshotsB[snapshotsB.length - 1] },
      );
      expect(codeOf(diff)).toBe('NOT_FOUND');
      const rollback = await as('ops-a').raw(
        `mutation ($id: ID!) { rollbackToSnapshot(snapshotId: $id, reason: "x") { id } }`,
        { id: snapshotsB[0] },
      );
      expect(codeOf(rollback)).toBe('NOT_FOUND');
      const own = await as('ops-a').request<{ configSnapshot: { content: string } }>(
        `query ($id: ID!) { configSnapshot(id: $id) { content } }`,
        { id: snapshotA },
      );
      expect(own.configSnapshot.content).toContain(labA[0].name);

      const EXPORT = `mutation ($input: ExportConfigSnapshotsInput!) {
        exportConfigSnapshots(input: $input) { files missing } }`;
      const input = { format: 'ZIP', selector: { tags: ['lab'] } };
      const scoped = await as('ops-a').request<{
        exportConfigSnapshots: { files: number; missing: string[] };
      }>(EXPORT, { input });
      expect(scoped.exportConfigSnapshots).toEqual({ files: labA.length, missing: [] });
      // A device of another site is unknown, in the same words as one that does not exist.
      const missing = '00000000-0000-4000-8000-000000000000';
      const byId = await as('ops-a').raw(EXPORT, {
        input: { format: 'ZIP', deviceIds: [labB[0].id, missing] },
      });
      expect(codeOf(byId)).toBe('BAD_USER_INPUT');
      expect(byId.errors![0].message).toContain(`unknown device id(s): ${labB[0].id}, ${missing}`);
      const all = await as('ops-all').request<{
        exportConfigSnapshots: { files: number; missing: string[] };
      }>(EXPORT, { input });
      expect(all.exportConfigSnapshots).toEqual({ files: 4, missing: [] });
    });
  });

  describe('credentials', () => {
    const NAMES = `{ credentials(first: 100) { totalCount edges { node { id name } } } }`;

    it('hides a credential only devices of another site use', async () => {
      const scoped = await as('ops-a').request<{ credentials: { edges: { node: { name: string } }[] } }>(
        NAMES,
      );
      const names = scoped.credentials.edges.map((e) => e.node.name);
      expect(names).not.toContain('b-secret-login');
      expect(names).toContain('unused-login');
      expect(names.length).toBeGreaterThan(1); // the lab's shared login, used in lab-a too
      expect(
        codeOf(await as('ops-a').raw(`query ($id: ID!) { credential(id: $id) { name } }`, { id: onlyB })),
      ).toBe('NOT_FOUND');
      const attach = await as('ops-a').raw(
        `mutation ($id: ID!, $input: UpdateDeviceInput!) { updateDevice(id: $id, input: $input) { id } }`,
        { id: labA[0].id, input: { credentialId: onlyB } },
      );
      expect(codeOf(attach)).toBe('BAD_USER_INPUT');
      const all = await as('ops-all').request<{ credentials: { edges: { node: { name: string } }[] } }>(
        NAMES,
      );
      expect(all.credentials.edges.map((e) => e.node.name)).toContain('b-secret-login');
    });
  });

  describe('conflict reports', () => {
    const hour = (new Date().getUTCHours() + 12) % 24;
    const input = (name: string, names: string[]) => ({
      name,
      task: 'scoped-push',
      inputs: { names },
      spec: { cron: [`0 ${hour} * * *`], timezone: 'UTC' },
    });
    const PREVIEW = `query ($input: CreateScheduleInput!) {
      scheduleConflicts(input: $input) { kind message deviceIds deviceCount } }`;
    type Preview = {
      scheduleConflicts: { kind: string; message: string; deviceIds: string[]; deviceCount: number }[];
    };
    let scheduleId: string;

    beforeAll(async () => {
      await createTask(stack, {
        name: 'scoped-push',
        inputSchema: { type: 'object', properties: { names: { type: 'array', items: { type: 'string' } } } },
        steps: [
          {
            id: 'push',
            kind: 'ssh.configure',
            params: { devices: { names: '{{ inputs.names }}' }, lines: ['vlan 733'] },
          },
        ],
      });
      const created = await stack.gql.request<{ createSchedule: { id: string } }>(
        `mutation ($input: CreateScheduleInput!) { createSchedule(input: $input) { id } }`,
        { input: input('push-both-sites', [labA[0].name, labB[0].name]) },
      );
      scheduleId = created.createSchedule.id;
    });
    afterAll(async () => {
      if (scheduleId) await deleteSchedule(stack, scheduleId).catch(() => undefined);
    });

    it('leaves the devices of another site out of what a scoped reader sees', async () => {
      const both = input('preview', [labA[0].name, labB[0].name]);
      const all = await as('ops-all').request<Preview>(PREVIEW, { input: both });
      expect(all.scheduleConflicts).toHaveLength(1);
      expect(all.scheduleConflicts[0]).toMatchObject({ kind: 'SCHEDULE_OVERLAP', deviceCount: 2 });
      expect(all.scheduleConflicts[0].message).toContain(labB[0].name);

      const scoped = await as('ops-a').request<Preview>(PREVIEW, { input: both });
      expect(scoped.scheduleConflicts).toHaveLength(1);
      expect(scoped.scheduleConflicts[0]).toMatchObject({ deviceIds: [labA[0].id], deviceCount: 1 });
      expect(scoped.scheduleConflicts[0].message).toContain(labA[0].name);
      expect(scoped.scheduleConflicts[0].message).not.toContain(labB[0].name);

      const onlyB = await as('ops-a').request<Preview>(PREVIEW, {
        input: input('preview-b', [labB[0].name]),
      });
      expect(onlyB.scheduleConflicts).toEqual([]);
    });

    it('refuses a schedule (created or changed) whose devices reach another site', async () => {
      const CREATE = `mutation ($input: CreateScheduleInput!) { createSchedule(input: $input) { id } }`;
      const refused = await as('ops-a').raw(CREATE, {
        input: input('ops-a-both', [labA[0].name, labB[0].name]),
      });
      expect(codeOf(refused)).toBe('FORBIDDEN');
      expect(refused.errors![0].message).toBe(
        'ops-a may not use 1 more device(s): outside the sites and tags of their schedules:write role',
      );
      const own = await as('ops-a').request<{ createSchedule: { id: string } }>(CREATE, {
        input: input('ops-a-own', [labA[0].name]),
      });
      try {
        const UPDATE = `mutation ($id: String!, $input: UpdateScheduleInput!) { updateSchedule(id: $id, input: $input) { id } }`;
        const widened = await as('ops-a').raw(UPDATE, {
          id: own.createSchedule.id,
          input: { inputs: { names: [labB[0].name] } },
        });
        expect(codeOf(widened)).toBe('FORBIDDEN');
        const stored = await stack.db.query(`SELECT inputs FROM schedules WHERE id = $1`, [
          own.createSchedule.id,
        ]);
        expect(stored.rows[0].inputs).toEqual({ names: [labA[0].name] });
        // An unscoped operator schedules both sites.
        const all = await as('ops-all').request<{ createSchedule: { id: string } }>(CREATE, {
          input: input('ops-all-both', [labA[0].name, labB[0].name]),
        });
        await deleteSchedule(stack, all.createSchedule.id);
      } finally {
        await deleteSchedule(stack, own.createSchedule.id);
      }
      expect((await stack.db.query(`SELECT 1 FROM schedules WHERE name = 'ops-a-both'`)).rows).toEqual([]);
    });
  });
  describe('schedules', () => {
    const hour = (new Date().getUTCHours() + 12) % 24;
    const spec = { cron: [`0 ${hour} * * *`], timezone: 'UTC' };
    const CREATE = `mutation ($input: CreateScheduleInput!) { createSchedule(input: $input) { id } }`;
    const LIST = `query ($task: String, $after: String, $first: Int) {
      schedules(task: $task, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }`;
    type List = {
      schedules: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        edges: { node: { name: string } }[];
      };
    };
    const names = (l: List) => l.schedules.edges.map((e) => e.node.name);
    const ids = new Map<string, string>();

    beforeAll(async () => {
      await createTask(stack, {
        name: 'vis-push',
        inputSchema: { type: 'object', properties: { names: { type: 'array', items: { type: 'string' } } } },
        steps: [
          {
            id: 'push',
            kind: 'ssh.configure',
            params: { devices: { names: '{{ inputs.names }}' }, lines: ['vlan 734'] },
          },
        ],
      });
      // A task that names no device before it runs.
      await createTask(stack, {
        name: 'vis-http',
        steps: [{ id: 'call', kind: 'http.request', params: { url: 'http://127.0.0.1:1/' } }],
      });
      const made: [string, string, Record<string, unknown>, string][] = [
        ['vis-a', 'vis-push', { names: [labA[0].name] }, 'admin'],
        ['vis-a2', 'vis-push', { names: [labA[1].name] }, 'admin'],
        ['vis-both', 'vis-push', { names: [labA[0].name, labB[0].name] }, 'admin'],
        ['vis-b', 'vis-push', { names: [labB[0].name] }, 'admin'],
        ['vis-http', 'vis-http', {}, 'admin'],
        ['vis-http-own', 'vis-http', {}, 'ops-a'],
      ];
      for (const [name, task, inputs, by] of made) {
        const client = by === 'admin' ? stack.gql : as(by);
        const created = await client.request<{ createSchedule: { id: string } }>(CREATE, {
          input: { name, task, inputs, spec },
        });
        ids.set(name, created.createSchedule.id);
      }
    });
    afterAll(async () => {
      for (const id of ids.values()) await deleteSchedule(stack, id).catch(() => undefined);
    });

    it('lists to a scoped reader only the schedules whose devices are all inside its sites', async () => {
      const scoped = await as('ops-a').request<List>(LIST, { task: 'vis-push' });
      expect(names(scoped)).toEqual(['vis-a', 'vis-a2']);
      expect(scoped.schedules.totalCount).toBe(2);
      const all = await as('ops-all').request<List>(LIST, { task: 'vis-push' });
      expect(names(all)).toEqual(['vis-a', 'vis-a2', 'vis-b', 'vis-both']);
      expect(all.schedules.totalCount).toBe(4);
      // Pages count only what the reader sees.
      const first = await as('ops-a').request<List>(LIST, { task: 'vis-push', first: 1 });
      expect(names(first)).toEqual(['vis-a']);
      expect(first.schedules.pageInfo.hasNextPage).toBe(true);
      const second = await as('ops-a').request<List>(LIST, {
        task: 'vis-push',
        first: 1,
        after: first.schedules.pageInfo.endCursor,
      });
      expect(names(second)).toEqual(['vis-a2']);
      expect(second.schedules.pageInfo.hasNextPage).toBe(false);
      // By tag: no vis-push schedule is inside the tag `extra`.
      expect(names(await as('ops-extra').request<List>(LIST, { task: 'vis-push' }))).toEqual([]);
    });

    it('shows a schedule that names no device before it runs only to its creator', async () => {
      expect(names(await as('ops-a').request<List>(LIST, { task: 'vis-http' }))).toEqual(['vis-http-own']);
      expect(names(await as('ops-all').request<List>(LIST, { task: 'vis-http' }))).toEqual([
        'vis-http',
        'vis-http-own',
      ]);
    });

    it('answers NOT_FOUND by id or name, for reads and changes, outside the scope', async () => {
      const GET = `query ($id: String!) { schedule(id: $id) { name } }`;
      expect(
        (await as('ops-a').request<{ schedule: { name: string } }>(GET, { id: ids.get('vis-a') })).schedule
          .name,
      ).toBe('vis-a');
      for (const id of [ids.get('vis-both'), 'vis-both', ids.get('vis-b'), ids.get('vis-http')]) {
        const hidden = await as('ops-a').raw(GET, { id });
        expect(codeOf(hidden)).toBe('NOT_FOUND');
        expect(hidden.errors![0].message).not.toContain(labB[0].name);
      }
      const paused = await as('ops-a').raw(`mutation ($id: String!) { pauseSchedule(id: $id) { paused } }`, {
        id: ids.get('vis-b'),
      });
      expect(codeOf(paused)).toBe('NOT_FOUND');
      const deleted = await as('ops-a').raw(`mutation ($id: String!) { deleteSchedule(id: $id) }`, {
        id: ids.get('vis-both'),
      });
      expect(codeOf(deleted)).toBe('NOT_FOUND');
      expect(
        (await stack.db.query(`SELECT 1 FROM schedules WHERE id = $1`, [ids.get('vis-both')])).rows,
      ).toHaveLength(1);
      const other = await as('ops-all').request<{ schedule: { name: string } }>(GET, { id: 'vis-both' });
      expect(other.schedule.name).toBe('vis-both');
    });

    it('does not name an overlapping schedule the reader cannot see in a conflict report', async () => {
      const CONFLICTS = `query ($id: String!) { schedule(id: $id) {
        conflicts { kind message deviceIds otherScheduleId otherScheduleName } } }`;
      type Conflicts = {
        schedule: {
          conflicts: {
            kind: string;
            message: string;
            deviceIds: string[];
            otherScheduleId: string | null;
            otherScheduleName: string | null;
          }[];
        };
      };
      const all = await as('ops-all').request<Conflicts>(CONFLICTS, { id: 'vis-a' });
      const overlap = all.schedule.conflicts.filter((c) => c.kind === 'SCHEDULE_OVERLAP');
      expect(overlap.map((c) => c.otherScheduleName)).toEqual(['vis-both']);

      const scoped = await as('ops-a').request<Conflicts>(CONFLICTS, { id: 'vis-a' });
      const seen = scoped.schedule.conflicts.filter((c) => c.kind === 'SCHEDULE_OVERLAP');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        deviceIds: [labA[0].id],
        otherScheduleId: null,
        otherScheduleName: null,
      });
      expect(seen[0].message).toContain(labA[0].name);
      expect(seen[0].message).not.toContain('vis-both');
      expect(seen[0].message).not.toContain(labB[0].name);
    });
  });

  describe('starting work', () => {
    const COLLECT = `mutation ($input: StartCollectionInput!) { startCollection(input: $input) { id } }`;
    const CHANGE = `mutation ($input: StartChangeInput!) { startChange(input: $input) { id } }`;
    const change = (selector: Record<string, unknown>) => ({
      reason: 'scope check',
      selector,
      dryRun: true,
      configByPlatform: [{ platform: 'cisco_ios', config: 'vlan 901' }],
    });

    it('refuses a collection, a backup or a change whose selector reaches another site', async () => {
      const collection = await as('ops-a').raw(COLLECT, {
        input: { commands: ['show version'], selector: { tags: ['lab'] } },
      });
      expect(codeOf(collection)).toBe('FORBIDDEN');
      // The devices it may not read are counted, not named.
      expect(collection.errors![0].message).toMatch(
        /ops-a may not use 2 more device\(s\): outside .* runs:start/,
      );
      for (const d of labB) expect(collection.errors![0].message).not.toContain(d.name);
      const byId = await as('ops-a').raw(COLLECT, {
        input: { commands: ['show version'], deviceIds: [labA[0].id, labB[0].id] },
      });
      expect(codeOf(byId)).toBe('FORBIDDEN');
      const backup = await as('ops-a').raw(
        `mutation ($input: StartBackupInput!) { startBackup(input: $input) { id } }`,
        { input: { reason: 'nightly', selector: { tags: ['lab'] } } },
      );
      expect(codeOf(backup)).toBe('FORBIDDEN');
      const changed = await as('ops-a').raw(CHANGE, { input: change({ tags: ['lab'] }) });
      expect(codeOf(changed)).toBe('FORBIDDEN');
      expect(changed.errors![0].message).toMatch(/changes:start/);
    });

    it('names the devices outside the scope when the caller may read them', async () => {
      const refused = await as('look-all-ops-a').raw(COLLECT, {
        input: { commands: ['show version'], selector: { tags: ['lab'] } },
      });
      expect(codeOf(refused)).toBe('FORBIDDEN');
      expect(refused.errors![0].message).toContain(
        `look-all-ops-a may not use ${labB
          .slice(0, 2)
          .map((d) => d.name)
          .sort()
          .join(', ')}: outside the sites and tags of their runs:start role`,
      );
    });

    it('starts work inside the scope, and an unscoped operator starts it everywhere', async () => {
      const own = await as('ops-a').request<{ startCollection: { id: string } }>(COLLECT, {
        input: { commands: ['show version'], selector: { site: 'lab-a' } },
      });
      expect((await waitForRunEnd(stack, own.startCollection.id)).status).toBe('COMPLETED');
      const everywhere = await as('ops-all').request<{ startCollection: { id: string } }>(COLLECT, {
        input: { commands: ['show version'], selector: { tags: ['lab'] } },
      });
      await waitForRunEnd(stack, everywhere.startCollection.id);
      const dry = await as('ops-all').raw(CHANGE, { input: change({ tags: ['lab'] }) });
      expect(dry.errors).toBeUndefined();
      const dryOwn = await as('ops-a').raw(CHANGE, { input: change({ site: 'lab-a' }) });
      expect(dryOwn.errors).toBeUndefined();
    });

    it('fails a task run whose step reaches another site, for its creator’s scope; not an unscoped one', async () => {
      await createTask(stack, {
        name: 'show-everything',
        steps: [
          {
            id: 'show',
            kind: 'ssh.commands',
            params: { devices: { site: 'lab-b', tags: ['lab'] }, commands: ['show version'] },
          },
        ],
      });
      const START = `mutation ($input: StartTaskRunInput!) { startTaskRun(input: $input) { id } }`;
      const scoped = await as('ops-a').request<{ startTaskRun: { id: string } }>(START, {
        input: { task: 'show-everything' },
      });
      const ended = await waitForTaskRunEnd(stack, scoped.startTaskRun.id);
      expect(ended.status).toBe('FAILED');
      expect(step(ended, 'show')).toMatchObject({ status: 'FAILED', errorKind: 'FORBIDDEN' });
      expect(step(ended, 'show').childRunId).toBeNull();
      // The failed run touched no device of its creator's sites: the creator sees it (it made it, and
      // it has no device at all).
      expect(
        (await as('ops-a').raw(`query ($id: ID!) { run(id: $id) { id } }`, { id: ended.id })).errors,
      ).toBeUndefined();

      const unscoped = await as('ops-all').request<{ startTaskRun: { id: string } }>(START, {
        input: { task: 'show-everything' },
      });
      const done = await getTaskRun(stack, (await waitForTaskRunEnd(stack, unscoped.startTaskRun.id)).id);
      expect(step(done, 'show').errorKind).not.toBe('FORBIDDEN');
      expect(step(done, 'show').childRunId).not.toBeNull();

      // Its collection of lab-b devices is invisible to the lab-a operator; a run over both sites is
      // visible, but the output of the step that worked on lab-b too is not.
      const STEPS = `query ($id: ID!) { run(id: $id) { steps { stepId output } } }`;
      expect(codeOf(await as('ops-a').raw(STEPS, { id: done.id }))).toBe('NOT_FOUND');
      await createTask(stack, {
        name: 'show-both',
        steps: [
          {
            id: 'own',
            kind: 'ssh.commands',
            params: { devices: { site: 'lab-a' }, commands: ['show version'] },
          },
          {
            id: 'both',
            kind: 'ssh.commands',
            params: { devices: { tags: ['lab'] }, commands: ['show version'] },
          },
        ],
      });
      const both = await as('ops-all').request<{ startTaskRun: { id: string } }>(START, {
        input: { task: 'show-both' },
      });
      await waitForTaskRunEnd(stack, both.startTaskRun.id);
      type Steps = { run: { steps: { stepId: string; output: unknown }[] } };
      const seen = await as('ops-a').request<Steps>(STEPS, { id: both.startTaskRun.id });
      const output = (id: string) => seen.run.steps.find((s) => s.stepId === id)!.output;
      expect(output('own')).not.toBeNull();
      expect(output('both')).toBeNull();
      const whole = await as('ops-all').request<Steps>(STEPS, { id: both.startTaskRun.id });
      expect(whole.run.steps.every((s) => s.output !== null)).toBe(true);
    });

    it('names no device of another site in a visible run’s log lines or step errors; a subtask’s fan-out hides its step output', async () => {
      await createTask(stack, {
        name: 'fan-sleep',
        steps: [
          {
            id: 'each',
            kind: 'fanout',
            params: { devices: { tags: ['lab'] }, step: { kind: 'sleep', params: { seconds: 0 } } },
          },
        ],
      });
      await createTask(stack, {
        name: 'sub-fan',
        steps: [
          {
            id: 'own',
            kind: 'ssh.commands',
            params: { devices: { site: 'lab-a' }, commands: ['show version'] },
          },
          { id: 'sub', kind: 'subtask', params: { task: 'fan-sleep' } },
        ],
      });
      const START = `mutation ($input: StartTaskRunInput!) { startTaskRun(input: $input) { id } }`;
      const started = await as('ops-all').request<{ startTaskRun: { id: string } }>(START, {
        input: { task: 'sub-fan' },
      });
      const id = started.startTaskRun.id;
      expect((await waitForTaskRunEnd(stack, id)).status).toBe('COMPLETED');
      const VIEW = `query ($id: ID!) { run(id: $id) {
        error events(first: 1000) { message } steps { stepId output errorMessage } } }`;
      type View = {
        run: {
          error: string | null;
          events: { message: string }[];
          steps: { stepId: string; output: unknown; errorMessage: string | null }[];
        };
      };
      const stepOf = (view: View, stepId: string) => view.run.steps.find((s) => s.stepId === stepId)!;
      // The subtask's own fan-out worked on lab-b devices too: its step shows ops-a no output.
      const scoped = await as('ops-a').request<View>(VIEW, { id });
      expect(stepOf(scoped, 'own').output).not.toBeNull();
      expect(stepOf(scoped, 'sub').output).toBeNull();
      const whole = await as('ops-all').request<View>(VIEW, { id });
      expect(stepOf(whole, 'sub').output).not.toBeNull();

      // Free text of the run that names devices: a run-level log line, the run's and a step's error.
      await stack.db.query(`INSERT INTO run_events (run_id, level, message) VALUES ($1, 'WARN', $2)`, [
        id,
        `retrying ${labB[0].name} and ${labA[0].name}`,
      ]);
      await stack.db.query(`UPDATE runs SET error = $2 WHERE id = $1`, [id, `lost ${labB[0].name}`]);
      await stack.db.query(`UPDATE run_steps SET error_message = $2 WHERE run_id = $1 AND step_id = 'own'`, [
        id,
        `${labB[0].name} refused; ${labA[0].name} answered`,
      ]);
      const redacted = await as('ops-a').request<View>(VIEW, { id });
      const hidden = '[a device outside your sites and tags]';
      expect(redacted.run.events.map((e) => e.message)).toContain(`retrying ${hidden} and ${labA[0].name}`);
      expect(JSON.stringify(redacted.run.events)).not.toContain(labB[0].name);
      expect(stepOf(redacted, 'own').errorMessage).toBe(`${hidden} refused; ${labA[0].name} answered`);
      expect(redacted.run.error).toBe(`lost ${hidden}`);
      const plain = await as('ops-all').request<View>(VIEW, { id });
      expect(plain.run.events.map((e) => e.message)).toContain(
        `retrying ${labB[0].name} and ${labA[0].name}`,
      );
      expect(stepOf(plain, 'own').errorMessage).toBe(`${labB[0].name} refused; ${labA[0].name} answered`);
      expect(plain.run.error).toBe(`lost ${labB[0].name}`);
    });
  });
});
