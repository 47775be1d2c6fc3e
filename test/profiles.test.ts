/**
 * User profiles (issue 12): defaults, updates with every invalid field named, optimistic
 * concurrency, versions and restore, export/import, and `profileUpdated` reaching every session of
 * the user (through PostgreSQL NOTIFY, so on another API instance too) and no one else.
 */
import type { INestApplication } from '@nestjs/common';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startApi } from '../apps/api/src/bootstrap';
import type { GraphQLResponse } from '../scripts/graphql-client';
import { startStack, waitFor, type Stack } from './support/harness';

const PASSWORD = 'correct horse battery';

/** A browser: keeps the cookies the API sets and sends the CSRF header with what it posts. */
class Browser {
  cookies = new Map<string, string>();
  csrf: string | null = null;

  constructor(private readonly url: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API, checked by each test
  async post(path: string, body: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: this.cookieHeader(),
        ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
      },
      body: JSON.stringify(body),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair.split('=');
      if (value) this.cookies.set(name.trim(), value.trim());
    }
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async login(username: string): Promise<this> {
    const result = await this.post('/auth/login', { username, password: PASSWORD });
    expect(result.status).toBe(200);
    this.csrf = result.body.csrfToken;
    return this;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  async gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
    return (await this.post('/graphql', { query, variables })).body as GraphQLResponse<T>;
  }
}

const PROFILE = `userId version updatedAt displayName language timeZone defaultSite
  contact { email mobile dingTalkId weComId feishuId }
  savedFilters { name page value } savedViews { name page value }
  notifications { runFailed { email sms dingTalk weCom feishu } approvalRequested { email sms dingTalk weCom feishu } }`;

interface Profile {
  userId: string;
  version: number;
  displayName: string;
  language: string;
  timeZone: string;
  defaultSite: string | null;
  contact: Record<string, string | null>;
  savedViews: { name: string; page: string | null; value: unknown }[];
  savedFilters: { name: string; page: string | null; value: unknown }[];
  notifications: Record<string, Record<string, boolean>>;
}

/** A `profileUpdated` subscription: what it received, and whether it ended. */
interface Follower {
  received: Profile[];
  errors: unknown[];
  ended: boolean;
  ws: WsClient;
  stop(): Promise<void>;
}

/** Follows profileUpdated on `url` with a session cookie (as a browser does) or a bearer token. */
async function follow(url: string, auth: { cookie?: string; token?: string }): Promise<Follower> {
  const cookie = auth.cookie;
  // The upgrade request carries the cookie, as a browser's would.
  class CookieSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: cookie ? { cookie } : {} });
    }
  }
  const ws = createClient({
    url: url.replace('http', 'ws') + '/graphql',
    webSocketImpl: CookieSocket,
    connectionParams: auth.token ? { authorization: `Bearer ${auth.token}` } : {},
    retryAttempts: 0,
  });
  const follower: Follower = {
    received: [],
    errors: [],
    ended: false,
    ws,
    stop: async () => {
      unsubscribe();
      await ws.dispose();
    },
  };
  const unsubscribe = ws.subscribe<{ profileUpdated: Profile }>(
    { query: `subscription { profileUpdated { ${PROFILE} } }` },
    {
      next: (message) => {
        if (message.errors) follower.errors.push(...message.errors);
        if (message.data) follower.received.push(message.data.profileUpdated);
      },
      error: (error) => {
        follower.errors.push(error);
        follower.ended = true;
      },
      complete: () => {
        follower.ended = true;
      },
    },
  );
  // The first message is the profile as it is: the subscription is in place once it arrives.
  await waitFor(
    'the first profileUpdated message',
    () => follower.received.length > 0 || follower.errors.length > 0,
    {
      timeoutMs: 10_000,
    },
  );
  expect(follower.errors).toEqual([]);
  return follower;
}

const codeOf = (r: GraphQLResponse<unknown>) => r.errors?.[0]?.extensions?.code;
const fieldsOf = (r: GraphQLResponse<unknown>) =>
  ((r.errors?.[0]?.extensions?.fields as { field: string }[] | undefined) ?? []).map((f) => f.field);

const UPDATE = `mutation ($input: UpdateProfileInput!, $expected: Int) {
  updateMyProfile(input: $input, expectedVersion: $expected) { ${PROFILE} } }`;

describe('profiles: defaults, versions, export/import, and sync across sessions', () => {
  let stack: Stack;
  let second: INestApplication;
  let secondUrl: string;
  const followers: Follower[] = [];

  const createUser = async (username: string, roles: string[] = ['viewer']) => {
    const data = await stack.gql.request<{ createUser: { id: string } }>(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username, roles, password: PASSWORD, displayName: `${username} display` } },
    );
    return data.createUser.id;
  };

  beforeAll(async () => {
    stack = await startStack({ lab: { devices: 1 }, worker: false });
    // A second API on the same database: another process's subscribers must hear of changes too.
    second = await startApi(stack.config);
    secondUrl = (await second.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await Promise.all(followers.map((f) => f.stop().catch(() => undefined)));
    await second?.close();
    await stack?.stop();
  });

  const track = (f: Follower) => {
    followers.push(f);
    return f;
  };

  it('a new user has the defaults: zh-CN, Asia/Shanghai, the account name, version 0', async () => {
    const id = await createUser('pei');
    const me = await new Browser(stack.url).login('pei');
    const result = await me.gql<{ myProfile: Profile }>(`{ myProfile { ${PROFILE} } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.myProfile).toMatchObject({
      userId: id,
      version: 0,
      displayName: 'pei display',
      language: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      defaultSite: null,
      savedViews: [],
      savedFilters: [],
    });
    expect(result.data!.myProfile.notifications.runFailed.email).toBe(false);
    // An update that changes nothing stores nothing, not even the defaults.
    const same = await me.gql<{ updateMyProfile: Profile }>(UPDATE, { input: { language: 'zh-CN' } });
    expect(same.data!.updateMyProfile.version).toBe(0);
    const versions = await me.gql<{ myProfileVersions: unknown[] }>(`{ myProfileVersions { version } }`);
    expect(versions.data!.myProfileVersions).toEqual([]);
  });

  it("an update in one session reaches the user's other sessions at once, on every API, and no one else", async () => {
    await createUser('wen');
    await createUser('zhao');
    const first = await new Browser(stack.url).login('wen');
    const other = await new Browser(stack.url).login('wen');
    const stranger = await new Browser(stack.url).login('zhao');

    const otherHere = track(await follow(stack.url, { cookie: other.cookieHeader() }));
    const otherThere = track(await follow(secondUrl, { cookie: other.cookieHeader() }));
    const strangerSub = track(await follow(secondUrl, { cookie: stranger.cookieHeader() }));
    // A personal access token in the connection parameters follows the same way.
    const created = await stranger.gql<{ createApiToken: { secret: string } }>(
      `mutation { createApiToken(input: { name: "profile-sync" }) { secret } }`,
    );
    const strangerByToken = track(await follow(stack.url, { token: created.data!.createApiToken.secret }));
    expect(otherHere.received[0]).toMatchObject({ version: 0, language: 'zh-CN' });
    expect(strangerSub.received[0].displayName).toBe('zhao display');

    const started = Date.now();
    const updated = await first.gql<{ updateMyProfile: Profile }>(UPDATE, {
      input: {
        language: 'en',
        timeZone: 'Europe/Berlin',
        contact: { email: 'wen@example.com', dingTalkId: 'ding-wen' },
        notifications: { runFailed: { email: true, dingTalk: true } },
        savedViews: [{ name: 'core switches', page: 'devices', value: { site: 'lab-a', tags: ['core'] } }],
      },
      expected: 0,
    });
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateMyProfile).toMatchObject({
      version: 1,
      language: 'en',
      timeZone: 'Europe/Berlin',
    });

    for (const f of [otherHere, otherThere]) {
      await waitFor('the update in the other session', () => f.received.length === 2, { timeoutMs: 5_000 });
      expect(f.received[1]).toEqual(updated.data!.updateMyProfile);
    }
    expect(Date.now() - started).toBeLessThan(5_000);

    // The stranger heard nothing of it, on either API.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(strangerSub.received).toHaveLength(1);
    expect(strangerByToken.received).toHaveLength(1);
    expect(strangerSub.received[0].displayName).toBe('zhao display');
    expect(JSON.stringify(strangerSub.received)).not.toMatch(/wen@example\.com/);

    // The stranger's own change reaches the stranger, not wen.
    const own = await stranger.gql(UPDATE, { input: { displayName: 'Zhao Lei' } });
    expect(own.errors).toBeUndefined();
    await waitFor(
      'the stranger hears its own change',
      () => strangerSub.received.length === 2 && strangerByToken.received.length === 2,
      { timeoutMs: 5_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(otherHere.received).toHaveLength(2);
    expect(otherThere.received).toHaveLength(2);
    expect(JSON.stringify([...otherHere.received, ...otherThere.received])).not.toMatch(/Zhao Lei/);
  });

  it('a stale expectedVersion is a CONFLICT, and nothing changes', async () => {
    await createUser('sun');
    const a = await new Browser(stack.url).login('sun');
    const b = await new Browser(stack.url).login('sun');
    expect((await a.gql(UPDATE, { input: { displayName: 'Sun A' }, expected: 0 })).errors).toBeUndefined();
    const stale = await b.gql(UPDATE, { input: { displayName: 'Sun B' }, expected: 0 });
    expect(codeOf(stale)).toBe('CONFLICT');
    expect(stale.errors![0].message).toMatch(/version 1/);
    const now = await b.gql<{ myProfile: Profile; me: { displayName: string } }>(
      `{ myProfile { version displayName } me { displayName } }`,
    );
    expect(now.data!.myProfile).toEqual({ version: 1, displayName: 'Sun A' });
    // The account shows the profile's name.
    expect(now.data!.me.displayName).toBe('Sun A');
    // Without expectedVersion the last write wins; with the current one it goes through.
    expect((await b.gql(UPDATE, { input: { displayName: 'Sun B' }, expected: 1 })).errors).toBeUndefined();
    expect(
      codeOf(await a.gql(`mutation { restoreMyProfile(version: 1, expectedVersion: 1) { version } }`)),
    ).toBe('CONFLICT');
  });

  it('names every invalid field, and stores nothing', async () => {
    await createUser('li');
    const me = await new Browser(stack.url).login('li');
    const result = await me.gql(UPDATE, {
      input: {
        language: 'fr',
        timeZone: 'Mars/Olympus_Mons',
        contact: { email: 'not an email', mobile: '12ab' },
        defaultSite: '   ',
        savedViews: [
          { name: 'a', value: {} },
          { name: 'b', value: { x: 1 } },
          { name: '', value: {} },
          { name: 'd', value: [1, 2] },
        ],
        notifications: { approvalRequested: { weCom: true } },
      },
    });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result).sort()).toEqual(
      [
        'language',
        'timeZone',
        'contact.email',
        'contact.mobile',
        'defaultSite',
        'savedViews[2].name',
        'savedViews[3].value',
        'notifications.approvalRequested.weCom',
      ].sort(),
    );
    expect(result.errors![0].message).toMatch(/timeZone: must be an IANA time zone/);

    const tooMany = await me.gql(UPDATE, {
      input: { savedFilters: Array.from({ length: 51 }, (_, i) => ({ name: `f${i}`, value: {} })) },
    });
    expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(tooMany)).toEqual(['savedFilters']);

    const now = await me.gql<{ myProfile: Profile }>(`{ myProfile { version language } }`);
    expect(now.data!.myProfile).toEqual({ version: 0, language: 'zh-CN' });
  });

  it('keeps quiet hours, and names each wrong part of them', async () => {
    await createUser('qi');
    const me = await new Browser(stack.url).login('qi');
    const bad = await me.gql(UPDATE, {
      input: { notifications: { quietHours: { start: '25:00', end: '7am' } } },
    });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(bad)).toEqual(['notifications.quietHours.start', 'notifications.quietHours.end']);
    const QUIET = `mutation ($input: UpdateProfileInput!) {
      updateMyProfile(input: $input) { version notifications { quietHours { start end } } } }`;
    type Quiet = { updateMyProfile: { version: number; notifications: { quietHours: unknown } } };
    const set = await me.gql<Quiet>(QUIET, {
      input: { timeZone: 'Europe/Berlin', notifications: { quietHours: { start: '22:00', end: '07:00' } } },
    });
    expect(set.data!.updateMyProfile).toEqual({
      version: 1,
      notifications: { quietHours: { start: '22:00', end: '07:00' } },
    });
    const cleared = await me.gql<Quiet>(QUIET, { input: { notifications: { quietHours: null } } });
    expect(cleared.data!.updateMyProfile).toEqual({ version: 2, notifications: { quietHours: null } });
  });

  it('keeps every version; restore makes a new version equal to an old one', async () => {
    await createUser('ma');
    const me = await new Browser(stack.url).login('ma');
    for (const timeZone of ['Asia/Tokyo', 'Europe/London', 'America/New_York']) {
      expect((await me.gql(UPDATE, { input: { timeZone } })).errors).toBeUndefined();
    }
    // An update that changes nothing stores nothing.
    const same = await me.gql<{ updateMyProfile: Profile }>(UPDATE, {
      input: { timeZone: 'America/New_York' },
    });
    expect(same.data!.updateMyProfile.version).toBe(3);

    const listed = await me.gql<{
      myProfileVersions: { version: number; action: string; createdBy: string; profile: Profile }[];
    }>(
      `{ myProfileVersions(first: 10) { version action createdBy restoredFrom profile { version timeZone } } }`,
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.myProfileVersions.map((v) => [v.version, v.profile.timeZone, v.createdBy])).toEqual([
      [3, 'America/New_York', 'ma'],
      [2, 'Europe/London', 'ma'],
      [1, 'Asia/Tokyo', 'ma'],
    ]);

    const follower = track(await follow(stack.url, { cookie: me.cookieHeader() }));
    const restored = await me.gql<{ restoreMyProfile: Profile }>(
      `mutation { restoreMyProfile(version: 1, expectedVersion: 3) { version timeZone } }`,
    );
    expect(restored.data!.restoreMyProfile).toEqual({ version: 4, timeZone: 'Asia/Tokyo' });
    await waitFor('the restore pushed', () => follower.received.length === 2, { timeoutMs: 5_000 });
    expect(follower.received[1]).toMatchObject({ version: 4, timeZone: 'Asia/Tokyo' });

    const newest = await me.gql(`{ myProfileVersions(first: 1) { version action restoredFrom } }`);
    expect(newest.data).toEqual({ myProfileVersions: [{ version: 4, action: 'restore', restoredFrom: 1 }] });
    const paged = await me.gql(`{ myProfileVersions(first: 2, before: 3) { version } }`);
    expect(paged.data).toEqual({ myProfileVersions: [{ version: 2 }, { version: 1 }] });

    const missing = await me.gql(`mutation { restoreMyProfile(version: 99) { version } }`);
    expect(codeOf(missing)).toBe('NOT_FOUND');
  });

  it('an export imports back as a new version; a bad import names what is wrong', async () => {
    await createUser('qian');
    const me = await new Browser(stack.url).login('qian');
    const saved = await me.gql<{ updateMyProfile: Profile }>(UPDATE, {
      input: {
        displayName: '钱 Qian',
        language: 'en',
        defaultSite: 'lab-b',
        contact: { feishuId: 'ou_123', mobile: '+8613800138000' },
        notifications: { approvalRequested: { feishu: true, sms: true } },
        savedFilters: [{ name: 'failed today', page: 'runs', value: { status: ['FAILED'], since: '-1d' } }],
      },
    });
    expect(saved.errors).toBeUndefined();
    const exported = await me.gql<{ exportMyProfile: string }>(`{ exportMyProfile }`);
    const text = exported.data!.exportMyProfile;
    expect(JSON.parse(text)).toMatchObject({ format: 'switchboard-profile', username: 'qian', version: 1 });

    expect(
      (await me.gql(UPDATE, { input: { language: 'zh-CN', savedFilters: null } })).errors,
    ).toBeUndefined();
    const imported = await me.gql<{ importMyProfile: Profile }>(
      `mutation ($json: String!) { importMyProfile(json: $json) { ${PROFILE} } }`,
      { json: text },
    );
    expect(imported.errors).toBeUndefined();
    const {
      version: importedVersion,
      updatedAt: _u1,
      ...importedData
    } = imported.data!.importMyProfile as Profile & {
      updatedAt: string;
    };
    const {
      version: savedVersion,
      updatedAt: _u2,
      ...savedData
    } = saved.data!.updateMyProfile as Profile & {
      updatedAt: string;
    };
    expect(importedVersion).toBe(3);
    expect(savedVersion).toBe(1);
    expect(importedData).toEqual(savedData);

    const importOf = (json: string) =>
      me.gql(`mutation ($json: String!) { importMyProfile(json: $json) { version } }`, { json });
    const notJson = await importOf('{nope');
    expect(codeOf(notJson)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(notJson)).toEqual(['json']);
    const wrongFormat = await importOf(JSON.stringify({ profile: {} }));
    expect(fieldsOf(wrongFormat)).toEqual(['json.format']);
    const badField = await importOf(
      JSON.stringify({
        ...JSON.parse(text),
        profile: { ...JSON.parse(text).profile, timeZone: 'Nowhere/Else' },
      }),
    );
    expect(fieldsOf(badField)).toEqual(['timeZone']);
    const stale = await me.gql(
      `mutation ($json: String!) { importMyProfile(json: $json, expectedVersion: 1) { version } }`,
      {
        json: text,
      },
    );
    expect(codeOf(stale)).toBe('CONFLICT');
  });

  it('keeps following after the LISTEN connection is killed: it reconnects and listens again', async () => {
    await createUser('lin');
    const a = await new Browser(stack.url).login('lin');
    const b = await new Browser(stack.url).login('lin');
    const follower = track(await follow(stack.url, { cookie: b.cookieHeader() }));
    const listeners = async () =>
      (
        await stack.db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = 'switchboard-listen-profiles'`,
        )
      ).rows.map((r) => r.pid);
    const before = await listeners();
    expect(before.length).toBeGreaterThan(0);
    await stack.db.query(`SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid`, [before]);
    await waitFor('a new LISTEN connection', async () => {
      const now = await listeners();
      return now.length > 0 && now.every((pid) => !before.includes(pid));
    });
    // Well within the subscription's 30-s re-check: only the notification can bring it.
    expect((await a.gql(UPDATE, { input: { timeZone: 'Europe/Berlin' } })).errors).toBeUndefined();
    await waitFor(
      'the change after the reconnection',
      () => follower.received.some((p) => p.timeZone === 'Europe/Berlin'),
      { timeoutMs: 10_000 },
    );
  });

  it("administrators read another's profile; a revoked session's subscription ends", async () => {
    const id = await createUser('hu');
    const asAdmin = await stack.gql.request<{ userProfile: Profile }>(
      `query ($id: ID!) { userProfile(userId: $id) { userId version timeZone } }`,
      { id },
    );
    expect(asAdmin.userProfile).toEqual({ userId: id, version: 0, timeZone: 'Asia/Shanghai' });

    const a = await new Browser(stack.url).login('hu');
    const b = await new Browser(stack.url).login('hu');
    const follower = track(await follow(stack.url, { cookie: b.cookieHeader() }));
    const sessions = await a.gql<{ mySessions: { id: string; current: boolean }[] }>(
      `{ mySessions { id current } }`,
    );
    const other = sessions.data!.mySessions.find((s) => !s.current)!;
    expect(
      (await a.gql(`mutation ($id: ID!) { revokeSession(id: $id) }`, { id: other.id })).errors,
    ).toBeUndefined();
    expect((await a.gql(UPDATE, { input: { timeZone: 'UTC' } })).errors).toBeUndefined();
    await waitFor('the subscription of the revoked session ends', () => follower.ended, { timeoutMs: 5_000 });
    expect(follower.received).toHaveLength(1);
  });
});
