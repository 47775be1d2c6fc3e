import { credentialInput, deviceInput } from './factories/device.factory';
import { startCollection, startStack, type Stack } from './support/harness';
import { graphqlClient } from '../scripts/graphql-client';

describe('API: authentication, validation and inventory', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 2 }, worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const createCredential = async (overrides: Record<string, unknown> = {}) => {
    const input = credentialInput(overrides);
    const data = await stack.gql.request<{ createCredential: { id: string; name: string } }>(
      `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { id name username kind } }`,
      { input },
    );
    return { ...data.createCredential, password: input.password as string };
  };

  describe('authentication', () => {
    it('answers UNAUTHENTICATED without a token or with a wrong one', async () => {
      for (const token of [undefined, 'wrong-token-wrong-token']) {
        const result = await graphqlClient(`${stack.url}/graphql`, token).raw(`{ devices { totalCount } }`);
        expect(result.data ?? null).toBeNull();
        expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      }
    });

    it('tells no one unauthenticated anything of the schema', async () => {
      const anonymous = graphqlClient(`${stack.url}/graphql`);
      for (const query of [
        '{ __schema { types { name } } }',
        '{ devicez { totalCount } }',
        '{ __type(name: "Run") { name } }',
      ]) {
        const result = await anonymous.raw(query);
        expect(result.data ?? null).toBeNull();
        expect(result.errors).toHaveLength(1);
        expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
        expect(JSON.stringify(result)).not.toMatch(/devices|Did you mean|Run\b/);
      }
    });

    it('carries no server stack trace in error responses', async () => {
      const bad = await stack.gql.raw(`{ run(id: "not-a-run") { id } }`);
      expect(bad.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      const typo = await stack.gql.raw(`{ runz { totalCount } }`);
      expect(typo.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      for (const response of [bad, typo]) {
        expect(JSON.stringify(response)).not.toMatch(/stacktrace|\.ts:\d+|node_modules/);
      }
    });

    it('keeps /healthz open for load balancers', async () => {
      const response = await fetch(`${stack.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });
  });

  describe('startCollection validation', () => {
    const expectBadInput = async (input: Record<string, unknown>, field: string) => {
      const result = await stack.gql.raw(
        `mutation ($input: StartCollectionInput!) { startCollection(input: $input) { id } }`,
        { input },
      );
      expect(result.errors).toHaveLength(1);
      expect(result.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(result.errors![0].message).toContain(field);
      return result.errors![0];
    };
    const someDevice = () => [...stack.deviceIds.values()][0];

    it('names deviceIds for an unknown device id', async () => {
      const error = await expectBadInput(
        { deviceIds: [someDevice(), '6f1c2d43-0000-4000-8000-000000000000'], commands: ['show version'] },
        'deviceIds',
      );
      expect(error.message).toContain('6f1c2d43-0000-4000-8000-000000000000');
    });

    it('names commands for an empty command list', async () => {
      await expectBadInput({ deviceIds: [someDevice()], commands: [] }, 'commands');
    });

    it('names concurrency for 0 and for more than the configured maximum', async () => {
      await expectBadInput(
        { deviceIds: [someDevice()], commands: ['show version'], concurrency: 0 },
        'concurrency',
      );
      await expectBadInput(
        { deviceIds: [someDevice()], commands: ['show version'], concurrency: 100000 },
        'concurrency',
      );
    });

    it('names the selector when it matches nothing and the platform of an override', async () => {
      await expectBadInput({ selector: { site: 'nowhere' }, commands: ['show version'] }, 'selector');
      await expectBadInput(
        {
          deviceIds: [someDevice()],
          commands: ['x'],
          commandsByPlatform: [{ platform: 'cisco_nxos_typo', commands: ['x'] }],
        },
        'commandsByPlatform[0].platform',
      );
    });

    it('creates nothing when the input is refused', async () => {
      const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM runs');
      expect(rows[0].n).toBe(0);
    });

    it('accepts a valid run even with no worker listening: it stays PENDING in Temporal', async () => {
      const run = await startCollection(stack, { deviceIds: [someDevice()], commands: ['show version'] });
      expect(run.status).toBe('PENDING');
      expect(run.progress).toMatchObject({ total: 1, pending: 1 });
    });
  });

  describe('credentials', () => {
    it('never returns a secret and stores it encrypted', async () => {
      const credential = await createCredential();
      const { rows } = await stack.db.query('SELECT * FROM credentials WHERE id = $1', [credential.id]);
      const stored = JSON.stringify(rows[0]);
      expect(stored).not.toContain(credential.password);
      expect(rows[0].secret_enc).toMatch(/^v1\./);
      const introspection = await stack.gql.request<{ __type: { fields: { name: string }[] } }>(
        `{ __type(name: "Credential") { fields { name } } }`,
      );
      expect(introspection.__type.fields.map((f) => f.name).sort()).toEqual(
        ['createdAt', 'id', 'kind', 'name', 'updatedAt', 'username'].sort(),
      );
    });

    it('refuses a duplicate name with CONFLICT and deleting one in use', async () => {
      const credential = await createCredential();
      const duplicate = await stack.gql.raw(
        `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { id } }`,
        {
          input: credentialInput({ name: credential.name }),
        },
      );
      expect(duplicate.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'name' });
      await stack.gql.request(
        `mutation ($input: CreateDeviceInput!) { createDevice(input: $input) { id } }`,
        {
          input: deviceInput(credential.id),
        },
      );
      const removal = await stack.gql.raw(`mutation ($id: ID!) { deleteCredential(id: $id) }`, {
        id: credential.id,
      });
      expect(removal.errors?.[0].extensions?.code).toBe('CONFLICT');
    });
  });

  describe('devices', () => {
    it('creates, filters, pages, updates and deletes devices', async () => {
      const credential = await createCredential();
      const site = `site-${Date.now()}`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const data = await stack.gql.request<{ createDevice: { id: string; hasEnableSecret: boolean } }>(
          `mutation ($input: CreateDeviceInput!) { createDevice(input: $input) { id hasEnableSecret credential { name } } }`,
          {
            input: deviceInput(credential.id, {
              name: `${site}-sw${i}`,
              site,
              platform: i < 3 ? 'huawei' : 'cisco_ios',
              enableSecret: 'en-secret-1',
            }),
          },
        );
        expect(data.createDevice.hasEnableSecret).toBe(true);
        ids.push(data.createDevice.id);
      }
      const query = `query ($filter: DeviceFilter, $after: String) { devices(filter: $filter, first: 2, after: $after) {
        totalCount edges { node { name platform } } pageInfo { hasNextPage endCursor } } }`;
      type Page = {
        devices: {
          totalCount: number;
          edges: { node: { name: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      const names: string[] = [];
      let after: string | undefined;
      do {
        const page: Page = await stack.gql.request<Page>(query, {
          filter: { site, platform: 'huawei' },
          after,
        });
        expect(page.devices.totalCount).toBe(3);
        names.push(...page.devices.edges.map((e) => e.node.name));
        after = page.devices.pageInfo.hasNextPage ? page.devices.pageInfo.endCursor : undefined;
      } while (after);
      expect(names).toEqual([`${site}-sw0`, `${site}-sw1`, `${site}-sw2`]);

      const { rows } = await stack.db.query('SELECT enable_secret_enc FROM devices WHERE id = $1', [ids[0]]);
      expect(rows[0].enable_secret_enc).not.toContain('en-secret-1');

      const updated = await stack.gql.request<{ updateDevice: { port: number; tags: string[] } }>(
        `mutation ($id: ID!, $input: UpdateDeviceInput!) { updateDevice(id: $id, input: $input) { port tags } }`,
        { id: ids[0], input: { port: 2222, tags: ['edge', 'pe'] } },
      );
      expect(updated.updateDevice).toEqual({ port: 2222, tags: ['edge', 'pe'] });
      const badPort = await stack.gql.raw(
        `mutation ($id: ID!, $input: UpdateDeviceInput!) { updateDevice(id: $id, input: $input) { port } }`,
        {
          id: ids[0],
          input: { port: 70000 },
        },
      );
      expect(badPort.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'port' });

      expect(
        (
          await stack.gql.request<{ deleteDevice: boolean }>(
            `mutation ($id: ID!) { deleteDevice(id: $id) }`,
            { id: ids[4] },
          )
        ).deleteDevice,
      ).toBe(true);
      const missing = await stack.gql.raw(`query ($id: ID!) { device(id: $id) { id } }`, { id: ids[4] });
      expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    });

    it('imports CSV rows and reports exactly the bad row, field by field', async () => {
      const credential = await createCredential();
      const csv = [
        'name,host,port,platform,site,tags,credential,enable_secret',
        `imp-a,10.9.0.1,22,cisco_ios,bj-2,core;pe,${credential.name},`,
        `imp-b,10.9.0.2,22,juniper_junos,bj-2,core,${credential.name},`,
        `imp-c,10.9.0.3,22,cisco_nexus_typo,bj-2,core,${credential.name},`,
        `imp-d,10.9.0.4,830,huawei,bj-2,,${credential.name},s3cret`,
      ].join('\n');
      const result = await stack.gql.request<{
        importDevices: {
          created: number;
          updated: number;
          failed: number;
          errors: { row: number; name: string; field: string; message: string }[];
        };
      }>(
        `mutation ($input: ImportDevicesInput!) { importDevices(input: $input) { created updated failed errors { row name field message } } }`,
        { input: { format: 'CSV', data: csv } },
      );
      expect(result.importDevices).toMatchObject({ created: 3, updated: 0, failed: 1 });
      expect(result.importDevices.errors).toHaveLength(1);
      expect(result.importDevices.errors[0]).toMatchObject({ row: 3, name: 'imp-c', field: 'platform' });
      expect(result.importDevices.errors[0].message).toContain('cisco_ios');

      const again = await stack.gql.request<{
        importDevices: { created: number; failed: number; errors: { field: string }[] };
      }>(
        `mutation ($input: ImportDevicesInput!) { importDevices(input: $input) { created failed errors { field } } }`,
        { input: { format: 'CSV', data: csv.split('\n').slice(0, 2).join('\n') } },
      );
      expect(again.importDevices).toMatchObject({ created: 0, failed: 1, errors: [{ field: 'name' }] });

      const malformed = await stack.gql.raw(
        `mutation ($input: ImportDevicesInput!) { importDevices(input: $input) { created } }`,
        {
          input: { format: 'JSON', data: '[{"name": "x",' },
        },
      );
      expect(malformed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'data' });
    });
  });
});
