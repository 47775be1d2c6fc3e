/**
 * Query cost control and request limits (issue 11, "Hold under load", defect 3): depth, alias,
 * field and cost limits checked before anything runs; one describe per schedule and request;
 * Temporal calls cancelled when a query's client goes; per-client rate limits; body limits that
 * depend on the token.
 */
import type { INestApplication } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import { startApi } from '../apps/api/src/bootstrap';
import { RequestScope } from '../graphql/common/request-scope';
import { loadConfig, type Env } from '../libs/config/src/config';
import { graphqlClient } from '../scripts/graphql-client';
import { credentialInput } from './factories/device.factory';
import { startStack, TEST_TOKEN, waitFor, type Stack } from './support/harness';
import { createSchedule, deleteSchedule, getSchedule } from './support/schedules';
import { createTask } from './support/tasks';

interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };

async function post(url: string, body: unknown, headers: Record<string, string> = AUTH): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Answer['body'],
  };
}

/** The query of issue 11, `aliases` times: 50 schedules each, their fire times and conflicts. */
const aliasBomb = (aliases: number) =>
  `{ ${Array.from(
    { length: aliases },
    (_, i) =>
      `a${i}: schedules(first: 50) { edges { node { nextFireTimes(count: 10) conflicts { kind } } } }`,
  ).join(' ')} }`;

describe('API limits', () => {
  let stack: Stack;
  let temporal: Client;
  const schedules: string[] = [];
  const extraApis: INestApplication[] = [];

  /** Another API process on the same database, with its own limits. */
  const startExtraApi = async (env: Env): Promise<{ url: string; temporal: Client }> => {
    const api = await startApi(loadConfig({ ...stack.env, ...env }));
    extraApis.push(api);
    return { url: (await api.getUrl()).replace('[::1]', '127.0.0.1'), temporal: api.get(Client) };
  };

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 1 }, worker: false });
    temporal = stack.api.get(Client);
    await createTask(stack, { name: 'quick', steps: [{ id: 'nap', kind: 'sleep', params: { seconds: 0 } }] });
    for (const name of ['daily-a', 'daily-b']) {
      const s = await createSchedule(stack, {
        name,
        task: 'quick',
        spec: { intervals: [{ everySeconds: 86_400 }] },
      });
      schedules.push(s.id);
    }
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    for (const api of extraApis) await api.close();
    for (const id of schedules) await deleteSchedule(stack, id).catch(() => undefined);
    await stack?.stop();
  });

  /** Calls of the Temporal client the API uses that describe schedule `id` (or any). */
  const describes = (spy: jest.SpyInstance, id?: string) =>
    spy.mock.calls.filter(([scheduleId]) => !id || scheduleId === `schedule-${id}`).length;

  describe('query limits', () => {
    it('refuses the alias bomb of issue 11 before anything runs: no Temporal call', async () => {
      const getHandle = jest.spyOn(temporal.schedule, 'getHandle');
      const byAliases = await post(stack.url, { query: aliasBomb(200) });
      expect(byAliases.status).toBe(400);
      expect(byAliases.body.data ?? null).toBeNull();
      expect(byAliases.body.errors).toHaveLength(1);
      expect(byAliases.body.errors![0].extensions).toEqual({
        code: 'QUERY_TOO_COMPLEX',
        limit: 'API_MAX_ALIASES',
        maximum: 50,
        measured: 200,
      });
      expect(byAliases.body.errors![0].message).toContain('200 aliased fields, more than the limit of 50');

      // Under the alias limit, the cost refuses it: 20 × (2 + 50 × (node, describe, conflict report)).
      const byCost = await post(stack.url, { query: aliasBomb(20) });
      expect(byCost.status).toBe(400);
      expect(byCost.body.errors![0].extensions).toEqual({
        code: 'QUERY_TOO_COMPLEX',
        limit: 'API_MAX_QUERY_COST',
        maximum: 6000,
        measured: 20 * (2 + 50 * (1 + 10 + 100)),
      });
      expect(byCost.body.errors![0].message).toMatch(/estimated cost is 111040, more than the limit of 6000/);
      expect(describes(getHandle)).toBe(0);

      // One of them is within the limits and runs; the live fields of the schedules answer.
      const one = await post(stack.url, { query: aliasBomb(1) });
      expect(one.status).toBe(200);
      expect(one.body.errors).toBeUndefined();
      const nodes = (
        one.body.data!.a0 as { edges: { node: { nextFireTimes: string[]; conflicts: unknown[] } }[] }
      ).edges.map((e) => e.node);
      expect(nodes).toHaveLength(2);
      for (const node of nodes) {
        expect(node.nextFireTimes).toHaveLength(10);
        expect(node.conflicts).toEqual([]);
      }
    });

    it('describes each schedule once per request, however many aliases and fields ask for it', async () => {
      const getHandle = jest.spyOn(temporal.schedule, 'getHandle');
      const [a, b] = schedules;
      const data = await stack.gql.request<{
        x: { paused: boolean; nextFireTimes: string[] };
        y: { note: string | null; actionsTaken: number };
        all: { edges: { node: { id: string; paused: boolean; remainingActions: number | null } }[] };
      }>(
        `query ($a: String!) {
          x: schedule(id: $a) { paused nextFireTimes(count: 2) }
          y: schedule(id: $a) { note actionsTaken }
          all: schedules { edges { node { id paused remainingActions } } }
        }`,
        { a },
      );
      expect(data.x).toMatchObject({
        paused: false,
        nextFireTimes: [expect.any(String), expect.any(String)],
      });
      expect(data.y.actionsTaken).toBe(0);
      expect(data.all.edges.map((e) => e.node.id).sort()).toEqual([a, b].sort());
      expect(describes(getHandle, a)).toBe(1);
      expect(describes(getHandle, b)).toBe(1);
      // The next request describes it again.
      await getSchedule(stack, a);
      expect(describes(getHandle, a)).toBe(2);
    });

    it('reads a schedule again after a write in the same request', async () => {
      const [a] = schedules;
      const data = await stack.gql.request<{
        before: { paused: boolean };
        p: { paused: boolean };
        u: { paused: boolean; note: string };
      }>(
        `mutation ($a: String!) {
          p: pauseSchedule(id: $a, note: "hold") { paused }
          u: unpauseSchedule(id: $a, note: "go") { paused note }
        }`,
        { a },
      );
      expect(data.p.paused).toBe(true);
      expect(data.u).toEqual({ paused: false, note: 'go' });
    });

    it('refuses a query deeper than API_MAX_QUERY_DEPTH, naming the limit and the depth', async () => {
      const { url, temporal } = await startExtraApi({ API_MAX_QUERY_DEPTH: '4' });
      const getHandle = jest.spyOn(temporal.schedule, 'getHandle');
      const deep = await post(url, { query: '{ schedules { edges { node { paused spec { cron } } } } }' });
      expect(deep.status).toBe(400);
      expect(deep.body.errors![0].extensions).toEqual({
        code: 'QUERY_TOO_DEEP',
        limit: 'API_MAX_QUERY_DEPTH',
        maximum: 4,
        measured: 5,
      });
      expect(deep.body.errors![0].message).toContain('nests fields 5 deep, more than the limit of 4');
      expect(describes(getHandle)).toBe(0);
      const within = await post(url, { query: '{ schedules { edges { node { paused } } } }' });
      expect(within.body.errors).toBeUndefined();
      expect(describes(getHandle)).toBe(2);
    });
  });

  describe('a client that goes', () => {
    type CallContext = AsyncLocalStorage<{ abortSignal?: AbortSignal }>;
    /** The abort signal each Temporal call is made with (the client's call context). */
    const callSignal = () =>
      (temporal.connection as unknown as { callContextStorage: CallContext }).callContextStorage.getStore()
        ?.abortSignal;

    /** Send a GraphQL request on a socket the test can close. */
    const send = (query: string) => {
      const request = http.request(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...AUTH },
      });
      request.on('error', () => undefined); // the test closes it
      request.end(JSON.stringify({ query }));
      return request;
    };

    /** The next RequestScope whose client goes, once the server has seen it go. */
    const nextClientGone = () =>
      new Promise<RequestScope>((resolve) => {
        const original = RequestScope.prototype.clientGone;
        jest.spyOn(RequestScope.prototype, 'clientGone').mockImplementation(function (this: RequestScope) {
          original.call(this);
          resolve(this);
        });
      });

    it("cancels a query's Temporal calls when its client closes the connection, later ones too", async () => {
      let seen: (signal: AbortSignal | undefined) => void = () => undefined;
      const signalOfCall = new Promise<AbortSignal | undefined>((resolve) => (seen = resolve));
      let lateCallEnded: (outcome: unknown) => void = () => undefined;
      const lateCall = new Promise<unknown>((resolve) => (lateCallEnded = resolve));
      const getHandle = temporal.schedule.getHandle.bind(temporal.schedule);
      const [other] = schedules;
      jest.spyOn(temporal.schedule, 'getHandle').mockImplementation((id) => {
        const handle = getHandle(id);
        // A describe that hangs until the client has gone, as a slow Temporal would...
        handle.describe = async () => {
          const signal = callSignal();
          seen(signal);
          if (!signal) throw new Error('no abort signal');
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          // ...then, like a service's loop, one more real call for the same request: cancelled.
          lateCallEnded(
            await getHandle(`schedule-${other}`)
              .describe()
              .then(
                () => 'answered',
                (error: unknown) => error,
              ),
          );
          throw new Error('cancelled');
        };
        return handle;
      });
      const gone = nextClientGone();
      const request = send('{ schedules(first: 1) { edges { node { name paused } } } }');
      const signal = await signalOfCall;
      expect(signal).toBeDefined();
      expect(signal!.aborted).toBe(false);

      request.destroy();
      const scope = await gone;
      expect(scope.signal).toBe(signal);
      expect(signal!.aborted).toBe(true);
      expect(signal!.reason).toMatchObject({ extensions: { code: 'CLIENT_CLOSED_REQUEST' } });
      // gRPC status 1: CANCELLED.
      expect(await lateCall).toMatchObject({ name: 'ServiceError', cause: { code: 1 } });
    });

    it('lets a mutation whose client has gone finish its writes', async () => {
      const [a] = schedules;
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      let seen: (signal: AbortSignal | undefined) => void = () => undefined;
      const signalOfCall = new Promise<AbortSignal | undefined>((resolve) => (seen = resolve));
      const getHandle = temporal.schedule.getHandle.bind(temporal.schedule);
      jest.spyOn(temporal.schedule, 'getHandle').mockImplementation((id) => {
        const handle = getHandle(id);
        const pause = handle.pause.bind(handle);
        handle.pause = async (note) => {
          seen(callSignal());
          await released;
          return pause(note);
        };
        return handle;
      });
      const gone = nextClientGone();
      const request = send(`mutation { pauseSchedule(id: "${a}", note: "left alone") { paused } }`);
      const signal = await signalOfCall;
      request.destroy();
      await gone;
      expect(signal!.aborted).toBe(false);
      release();
      jest.restoreAllMocks();
      await waitFor(
        'the pause to be written',
        async () => (await getSchedule(stack, a)).paused || undefined,
        {
          timeoutMs: 30_000,
          intervalMs: 100,
        },
      );
      expect((await getSchedule(stack, a)).note).toBe('left alone');
      await stack.gql.request(`mutation ($a: String!) { unpauseSchedule(id: $a) { id } }`, { a });
    });
  });

  describe('rate limits', () => {
    it('answers 429 RATE_LIMITED with Retry-After once the bucket of a client is empty', async () => {
      // A burst of 3, then one request every 1000 s.
      const { url } = await startExtraApi({ API_RATE_LIMIT_BURST: '3', API_RATE_LIMIT_PER_SECOND: '0.001' });
      const query = { query: '{ devices { totalCount } }' };
      for (let i = 0; i < 3; i++) {
        const ok = await post(url, query);
        expect(ok.status).toBe(200);
        expect(ok.body.errors).toBeUndefined();
      }
      const limited = await post(url, query);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(900);
      expect(retryAfter).toBeLessThanOrEqual(1000);
      expect(limited.body.errors).toEqual([
        {
          message: expect.stringContaining(`retry after ${retryAfter} s`),
          extensions: { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter },
        },
      ]);
      // Requests without the token count against their address, not against the token's client.
      const anonymous = await post(url, query, {});
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
      // /healthz is not limited.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });
  });

  describe('body limits', () => {
    const oneMegabyte = JSON.stringify({ query: `{ devices { totalCount } }`, padding: 'x'.repeat(1 << 20) });

    it('refuses 1 MB from a client without a valid token by its Content-Length: 413, before parsing', async () => {
      const anonymous: Record<string, string>[] = [{}, { authorization: 'Bearer not-the-token-0123456789' }];
      for (const headers of anonymous) {
        const answer = await post(stack.url, oneMegabyte, headers);
        expect(answer.status).toBe(413);
        expect(answer.body.errors).toEqual([
          {
            message: expect.stringMatching(
              /^Request body too large: more than 65536 bytes, the limit without a valid bearer token \(API_MAX_ANONYMOUS_BODY_BYTES\)/,
            ),
            extensions: { code: 'PAYLOAD_TOO_LARGE', limit: 65_536 },
          },
        ]);
      }
    });

    it('refuses 1 MB without a Content-Length (chunked) from a client without a token: by the bytes read', async () => {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request(`${stack.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        });
        request.on('response', (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        });
        request.on('error', reject);
        for (let i = 0; i < oneMegabyte.length; i += 16_384) request.write(oneMegabyte.slice(i, i + 16_384));
        request.end();
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).errors[0].extensions).toEqual({
        code: 'PAYLOAD_TOO_LARGE',
        limit: 65_536,
      });
    });

    it('takes a 1 MB importDevices from a client with the token', async () => {
      const credential = credentialInput();
      await stack.gql.request(
        `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { id } }`,
        {
          input: credential,
        },
      );
      const tags = ['a', 'b', 'c', 'd'].map((c) => c.repeat(60));
      const rows = Array.from({ length: 2400 }, (_, i) => ({
        name: `bulk-${String(i).padStart(5, '0')}-${'x'.repeat(90)}`,
        host: `10.77.${i >> 8}.${i & 255}`,
        port: 22,
        platform: 'cisco_ios',
        site: 'bulk',
        tags,
        credential: credential.name,
      }));
      const body = JSON.stringify({
        query: `mutation ($input: ImportDevicesInput!) { importDevices(input: $input) { created failed } }`,
        variables: { input: { format: 'JSON', data: JSON.stringify(rows) } },
      });
      expect(Buffer.byteLength(body)).toBeGreaterThan(1 << 20);
      const answer = await post(stack.url, body);
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toEqual({ importDevices: { created: 2400, failed: 0 } });
    });

    it('keeps the GraphQL refusal of a request without a token', async () => {
      const answer = await graphqlClient(`${stack.url}/graphql`).raw('{ devices { totalCount } }');
      expect(answer.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });
  });
});
