import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as OTPAuth from 'otpauth';
import type { Browser as Chromium } from 'playwright-core';
import { portalDirectory } from '../apps/api/src/portal';
import { Browser, MailCatcher } from './support/accounts';
import { launchChromium, openPage, type WatchedPage } from './support/browser';
import { startStack, waitFor, waitForRunEnd, type Stack } from './support/harness';

const PASSWORD = 'correct horse battery';
const PERIOD_MS = 30_000;
/** The devices of site lab-a (the lab puts even-numbered entries there). */
const SITE_A = ['lab-cisco-ios-001', 'lab-cisco-ios-003'];

/**
 * The portal in a real browser (Debian's Chromium driven by playwright-core) against the real stack:
 * the API serving the built portal, the worker, Temporal, PostgreSQL and the device lab. Every page
 * fails the test on a console error, an uncaught exception or a failed request; screenshots of each
 * page go to the test's temporary directory (printed at the end).
 */
describe('portal: sign in, collect a site, watch it live, read a device output (zh-CN and en)', () => {
  let stack: Stack;
  let chromium: Chromium;
  let smtp: MailCatcher;
  const shots = mkdtempSync(path.join(os.tmpdir(), 'switchboard-portal-'));
  const pages: WatchedPage[] = [];
  const ids = new Map<string, string>();
  const authenticators = new Map<string, OTPAuth.TOTP>();

  const createUser = async (username: string, roles: string[]) => {
    const data = await stack.gql.request<{ createUser: { id: string } }>(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username, roles, password: PASSWORD } },
    );
    ids.set(username, data.createUser.id);
  };

  /** Turns TOTP on for `username` (with a code of this 30 s step; the sign-in will use the next). */
  const enrollTotp = async (username: string, language: 'zh-CN' | 'en') => {
    const http = new Browser(stack.url);
    expect((await http.login(username, PASSWORD)).status).toBe(200);
    const begun = await http.gql(`mutation { beginTotpEnrollment { otpauthUri } }`);
    const totp = OTPAuth.URI.parse(begun.data.beginTotpEnrollment.otpauthUri) as OTPAuth.TOTP;
    const confirmed = await http.gql(`mutation ($code: String!) { confirmTotpEnrollment(code: $code) }`, {
      code: totp.generate({ timestamp: Date.now() }),
    });
    expect(confirmed.errors).toBeUndefined();
    const saved = await http.gql(
      `mutation { updateMyProfile(input: { language: "${language}" }) { language } }`,
    );
    expect(saved.data.updateMyProfile.language).toBe(language);
    authenticators.set(username, totp);
  };
  /** A code of the next step: accepted (±1 step of drift), and never used before. */
  const nextCode = (username: string) =>
    authenticators.get(username)!.generate({ timestamp: Date.now() + PERIOD_MS });

  const open = async (locale: string, name: string) => {
    const watched = await openPage(chromium, { baseURL: stack.url, locale, dir: path.join(shots, name) });
    pages.push(watched);
    return watched;
  };

  const profileLanguage = async (username: string) =>
    (
      await stack.gql.request<{ userProfile: { language: string } }>(
        `query ($id: ID!) { userProfile(userId: $id) { language } }`,
        { id: ids.get(username) },
      )
    ).userProfile.language;

  beforeAll(async () => {
    if (!portalDirectory())
      throw new Error('the portal is not built: run `npm run portal:build` (npm test does it when stale)');
    // Four Cisco IOS devices: sites lab-a and lab-b get two each.
    // A mail catcher: the users page invites people (inviteUser mails a link).
    smtp = await MailCatcher.start();
    stack = await startStack({
      lab: { devices: 4, mix: { cisco_ios: 1 } },
      env: { SMTP_URL: smtp.url, SMTP_FROM: 'Switchboard <switchboard@example.test>' },
    });
    chromium = await launchChromium();
    await createUser('li', ['operator']);
    await createUser('lee', ['operator']);
    await createUser('vera', ['viewer']);
    await stack.gql.request(
      `mutation { createRole(input: { name: "inventory-only", permissions: ["devices:read"] }) { name } }`,
    );
    await createUser('ina', ['inventory-only']);
    await enrollTotp('li', 'zh-CN');
    await enrollTotp('lee', 'en');
  });

  afterEach(() => {
    // Every page of the test: no console error, no uncaught exception, no failed request.
    const problems = pages.flatMap((p) => p.problems);
    pages.length = 0;
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    await chromium?.close();
    await stack?.stop();
    await smtp?.close();
    console.log(`portal screenshots: ${shots}`);
  });

  /** Signs in through the login page, with the MFA step when `mfa`. */
  const signIn = async (
    w: WatchedPage,
    username: string,
    text: { username: string; password: string; submit: string; code?: string; verify?: string },
  ) => {
    const { page } = w;
    await page.goto('/');
    await page.waitForURL('**/login');
    await page.getByLabel(text.username).fill(username);
    await page.getByLabel(text.password).fill(PASSWORD);
    await w.check('login');
    await page.getByRole('button', { name: text.submit }).click();
    if (text.code) {
      await page.getByLabel(text.code).fill(nextCode(username));
      await w.check('login-mfa');
      await page.getByRole('button', { name: text.verify }).click();
    }
  };

  /** Starts a collection of lab-a from the devices page, watches the run end, opens a device's output. */
  const collectAndWatch = async (
    w: WatchedPage,
    text: {
      devices: string;
      collect: string;
      start: string;
      running: string;
      completed: string;
      progress: string;
      showOutput: string;
      outputOf: (device: string) => string;
    },
  ) => {
    const { page } = w;
    await page.getByRole('link', { name: text.devices }).click();
    await page.getByRole('cell', { name: 'lab-cisco-ios-001', exact: true }).waitFor();
    await w.check('devices');
    await page.getByRole('button', { name: text.collect }).click();
    await page.getByRole('dialog').getByText('lab-a').waitFor();
    await w.check('collect-dialog');
    // Slow enough answers that the page shows the run going on before it ends.
    for (const name of SITE_A) stack.lab.setFaults(name, { commandLatencyMs: 2000 });
    await page.getByRole('button', { name: text.start }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = page.url().split('/').pop()!;
    const heading = page.getByRole('heading', { level: 1 });
    await heading.getByText(text.running).waitFor();
    await w.check('run-running');
    // Live: the page is never reloaded; the run's end arrives over the runUpdated subscription.
    const finished = await waitForRunEnd(stack, runId);
    for (const name of SITE_A) stack.lab.clearFaults(name);
    expect(finished.status).toBe('COMPLETED');
    await heading.getByText(text.completed).waitFor();
    await page.getByText(text.progress).waitFor();
    await w.check('run');
    const devices = page
      .getByRole('row')
      .filter({ has: page.getByRole('button', { name: text.showOutput }) });
    expect(await devices.count()).toBe(2);
    await page.getByRole('button', { name: `${text.showOutput} lab-cisco-ios-001` }).click();
    const drawer = page.getByRole('dialog', { name: text.outputOf('lab-cisco-ios-001') });
    const output = drawer.getByTestId('device-output').first();
    await output.waitFor();
    expect(await output.textContent()).toMatch(/lab-cisco-ios-001# show version[\s\S]*Cisco IOS/);
    await w.check('device-output');
    return runId;
  };

  it('zh-CN: an operator signs in with MFA, collects lab-a, watches it finish and reads an output; the language switch is saved in the profile', async () => {
    const w = await open('zh-CN', 'zh-CN');
    const { page } = w;
    await signIn(w, 'li', {
      username: '用户名',
      password: '密码',
      submit: '登录',
      code: '验证码',
      verify: '验证',
    });
    await page.getByRole('heading', { name: '仪表盘' }).waitFor();
    const nav = page.getByRole('navigation');
    for (const item of ['仪表盘', '运行', '设备']) await nav.getByRole('link', { name: item }).waitFor();
    await w.check('dashboard');
    await collectAndWatch(w, {
      devices: '设备',
      collect: '采集站点',
      start: '开始采集',
      running: '运行中',
      completed: '已完成',
      progress: '2 / 2 台设备已完成',
      showOutput: '查看输出',
      outputOf: (d) => `${d} 的输出`,
    });
    await page.keyboard.press('Escape');
    // The runs list shows it (server-side paging), filtered by status.
    await nav.getByRole('link', { name: '运行' }).click();
    await page.getByRole('heading', { name: '运行' }).waitFor();
    await page.getByText('共 1 项').waitFor();
    await w.check('runs');

    expect(await profileLanguage('li')).toBe('zh-CN');
    await page.getByText('English', { exact: true }).click();
    await nav.getByRole('link', { name: 'Runs' }).waitFor();
    // The page switches at once; the profile is saved behind it.
    await waitFor("li's profile to say en", async () => (await profileLanguage('li')) === 'en', {
      timeoutMs: 10_000,
    });
  });

  it('en: an operator whose profile says English signs in with MFA and does the same in English', async () => {
    const w = await open('en-US', 'en');
    const { page } = w;
    // The login page speaks Chinese until the user chooses (zh-CN is the default).
    await page.goto('/login');
    await page.getByRole('heading', { name: '登录 Switchboard' }).waitFor();
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in to Switchboard' }).waitFor();
    await signIn(w, 'lee', {
      username: 'Username',
      password: 'Password',
      submit: 'Sign in',
      code: 'Code',
      verify: 'Verify',
    });
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await w.check('dashboard');
    await collectAndWatch(w, {
      devices: 'Devices',
      collect: 'Collect a site',
      start: 'Start collection',
      running: 'Running',
      completed: 'Completed',
      progress: '2 of 2 devices finished',
      showOutput: 'Show output',
      outputOf: (d) => `Output of ${d}`,
    });
    expect(await profileLanguage('lee')).toBe('en');
  });

  it('a viewer is offered no action; an operator may cancel a run that has not ended', async () => {
    // lab-b's devices answer after a minute: a run that stays unfinished, something to cancel.
    for (const name of ['lab-cisco-ios-002', 'lab-cisco-ios-004'])
      stack.lab.setFaults(name, { commandLatencyMs: 60_000 });
    const started = await stack.gql.request<{ startCollection: { id: string } }>(
      `mutation { startCollection(input: { selector: { site: "lab-b" }, commands: ["show version"] }) { id } }`,
    );
    const runId = started.startCollection.id;

    const viewer = await open('zh-CN', 'viewer');
    await signIn(viewer, 'vera', { username: '用户名', password: '密码', submit: '登录' });
    await viewer.page.getByRole('heading', { name: '仪表盘' }).waitFor();
    await viewer.page.getByRole('link', { name: '设备' }).click();
    await viewer.page.getByRole('cell', { name: 'lab-cisco-ios-001', exact: true }).waitFor();
    expect(await viewer.page.getByRole('button', { name: '采集站点' }).count()).toBe(0);
    await viewer.page.goto(`/runs/${runId}`);
    await viewer.page
      .getByRole('heading', { level: 1 })
      .getByText(/等待中|运行中/)
      .waitFor();
    await viewer.check('run');
    for (const action of ['取消运行', '暂停', '继续', '从失败处重试', '重新运行'])
      expect(await viewer.page.getByRole('button', { name: action }).count()).toBe(0);

    // An operator without a second factor (li's and lee's codes of this step are used up).
    const operator = await open('zh-CN', 'operator-cancel');
    await createUser('olga', ['operator']);
    await signIn(operator, 'olga', { username: '用户名', password: '密码', submit: '登录' });
    await operator.page.getByRole('heading', { name: '仪表盘' }).waitFor();
    await operator.page.goto(`/runs/${runId}`);
    await operator.page.getByRole('button', { name: '取消运行' }).click();
    await operator.page.getByRole('button', { name: '确定' }).click();
    await operator.page
      .getByRole('heading', { level: 1 })
      .getByText(/取消中|已取消/)
      .waitFor();
    await operator.check('run-cancelling');
    expect((await waitForRunEnd(stack, runId)).status).toBe('CANCELLED');
    await operator.page.getByRole('heading', { level: 1 }).getByText('已取消').waitFor();
    for (const name of ['lab-cisco-ios-002', 'lab-cisco-ios-004']) stack.lab.clearFaults(name);
  });

  it('compares two config versions of a device side by side', async () => {
    const config = (ntp: string, extra: string[] = []) =>
      [
        'hostname lab-cisco-ios-001',
        '!',
        `ntp server ${ntp}`,
        'interface GigabitEthernet0/1',
        ...extra,
        'end',
        '',
      ].join('\n');
    for (const content of [
      config('10.0.0.1'),
      config('10.0.0.2'),
      config('10.0.0.2', [' description 上联到核心']),
    ]) {
      const imported = await stack.gql.request<{ importConfigSnapshots: { imported: number } }>(
        `mutation ($input: ImportConfigSnapshotsInput!) { importConfigSnapshots(input: $input) { imported } }`,
        {
          input: {
            format: 'FILES',
            reason: 'portal test',
            files: [{ deviceName: 'lab-cisco-ios-001', content }],
          },
        },
      );
      expect(imported.importConfigSnapshots.imported).toBe(1);
    }
    const w = await open('zh-CN', 'configs');
    const { page } = w;
    await signIn(w, 'vera', { username: '用户名', password: '密码', submit: '登录' });
    await page.getByRole('navigation').getByRole('link', { name: '设备' }).click();
    await page.getByRole('link', { name: '配置 lab-cisco-ios-001' }).click();
    await page.getByRole('heading', { name: 'lab-cisco-ios-001 的配置版本' }).waitFor();
    // The two latest versions first: v2 → v3 adds the description.
    const diff = (title: string) => page.getByRole('table', { name: title });
    await diff('v2 → v3').getByText('description 上联到核心').waitFor();
    await w.check('configs-latest');
    // Any two: v1 and v3, the NTP server changed on the same row, left and right.
    await page.getByRole('checkbox', { name: '比较 v2' }).uncheck();
    await page.getByRole('checkbox', { name: '比较 v1' }).check();
    const changed = diff('v1 → v3').locator('tr[data-change]').filter({ hasText: 'ntp server 10.0.0.1' });
    await changed.waitFor();
    expect(await changed.textContent()).toContain('ntp server 10.0.0.2');
    await w.check('configs-v1-v3');
  });

  it('serves the page (with its CSP) for the portal routes, its scripts compressed within the first-load budget', async () => {
    const get = (url: string, headers: Record<string, string>) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number; body: string }>(
        (resolve, reject) => {
          http
            .get(`${stack.url}${url}`, { headers }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => {
                const body = Buffer.concat(chunks);
                resolve({
                  status: res.statusCode!,
                  headers: res.headers,
                  bytes: body.length,
                  body: body.toString(),
                });
              });
            })
            .on('error', reject);
        },
      );
    const html = { accept: 'text/html' };
    const page = await get('/runs/some-run', html);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await get('/healthz', html)).body).toBe('{"status":"ok"}');
    expect((await get('/auth/oidc/providers', html)).body).not.toContain('<div id="root">');
    const scripts = [...page.body.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    let sent = 0;
    for (const script of scripts) {
      const asset = await get(script, { 'accept-encoding': 'gzip, deflate, br' });
      expect(asset.headers['content-encoding']).toBe('br');
      expect(asset.headers['cache-control']).toContain('immutable');
      sent += asset.bytes;
    }
    // The budget: at most 600 KB of compressed JavaScript before the first page renders.
    expect(sent).toBeLessThan(600 * 1024);
    expect((await get('/assets/..%2F..%2Fpackage.json', {})).status).toBe(404);
  });

  it('a user the MFA policy concerns sets up an authenticator at sign-in and is shown the recovery codes once', async () => {
    await stack.gql.request(
      `mutation { setMfaPolicy(input: { required: true, roles: ["auditor"] }) { required } }`,
    );
    await createUser('aud', ['auditor']);
    const w = await open('zh-CN', 'mfa-enrolment');
    const { page } = w;
    await signIn(w, 'aud', { username: '用户名', password: '密码', submit: '登录' });
    await page.getByRole('heading', { name: '启用两步验证' }).waitFor();
    await page.getByRole('img', { name: '身份验证器应用的二维码' }).waitFor();
    await w.check('enrol');
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    await page.getByLabel('验证码').fill(totp.generate());
    await page.getByRole('button', { name: '验证' }).click();
    await page.getByRole('heading', { name: '恢复码' }).waitFor();
    const codes = (await page.getByTestId('recovery-codes').textContent())!.trim().split(/\s+/);
    expect(codes).toHaveLength(10);
    await w.check('recovery-codes');
    await page.getByRole('button', { name: '我已保存，继续' }).click();
    await page.getByRole('heading', { name: '仪表盘' }).waitFor();
    const mfa = await stack.db.query(`SELECT enabled_at FROM user_mfa WHERE user_id = $1`, [ids.get('aud')]);
    expect(mfa.rows[0]?.enabled_at).toBeTruthy();
  });

  it('a user sets their time zone and ends their session in another browser from the profile page', async () => {
    await createUser('pia', ['viewer']);
    const other = await open('en-US', 'profile-other-browser');
    await signIn(other, 'pia', { username: '用户名', password: '密码', submit: '登录' });
    await other.page.getByRole('heading', { name: '仪表盘' }).waitFor();

    const w = await open('zh-CN', 'profile');
    const { page } = w;
    await signIn(w, 'pia', { username: '用户名', password: '密码', submit: '登录' });
    await page.getByRole('link', { name: '当前用户：pia' }).click();
    await page.getByRole('heading', { name: '个人资料' }).waitFor();
    const sessions = page
      .getByRole('row')
      .filter({ has: page.getByText('HeadlessChrome', { exact: false }) });
    await waitFor('both sessions listed', async () => (await sessions.count()) === 2);
    await w.check('profile');

    await page.getByLabel('时区').fill('Europe/Berlin');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByText('已保存').waitFor();
    const profile = await stack.gql.request<{ userProfile: { timeZone: string } }>(
      `query ($id: ID!) { userProfile(userId: $id) { timeZone } }`,
      { id: ids.get('pia') },
    );
    expect(profile.userProfile.timeZone).toBe('Europe/Berlin');

    await page.getByRole('button', { name: '结束会话' }).click();
    await waitFor('one session left', async () => (await sessions.count()) === 1);
    // The other browser's next request is refused, and it is back at the login page.
    await other.page.reload();
    await other.page.getByRole('heading', { name: '登录 Switchboard' }).waitFor();
    const refused = other.problems.filter((p) => /401/.test(p));
    expect(refused.length).toBeGreaterThan(0);
    other.problems.splice(0, other.problems.length, ...other.problems.filter((p) => !/401/.test(p)));
  });

  it('navigation shows only the pages a role may see; the others answer 403', async () => {
    const w = await open('en-US', 'inventory-only');
    await signIn(w, 'ina', { username: '用户名', password: '密码', submit: '登录' });
    // The dashboard needs runs:read: the first page the role may see instead.
    await w.page.waitForURL('**/devices');
    const nav = w.page.getByRole('navigation');
    await nav.getByRole('link', { name: '设备' }).waitFor();
    expect(await nav.getByRole('link', { name: '运行' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: '仪表盘' }).count()).toBe(0);
    await w.page.goto('/runs');
    await w.page.getByText('您没有查看此页面的权限。').waitFor();
    await w.check('forbidden');
  });
  it('an administrator invites a user, sees the audit entry of it, verifies the chain, exports CSV and manages an API token', async () => {
    await createUser('ada', ['administrator']);
    // Her profile says English (the portal follows the profile once signed in).
    const http = new Browser(stack.url);
    expect((await http.login('ada', PASSWORD)).status).toBe(200);
    await http.gql(`mutation { updateMyProfile(input: { language: "en" }) { language } }`);
    const w = await open('en-US', 'administrator');
    const { page } = w;
    // The login page speaks Chinese (this browser never chose); the profile's English follows.
    await signIn(w, 'ada', { username: '用户名', password: '密码', submit: '登录' });
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    const nav = page.getByRole('navigation');
    await nav.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByRole('cell', { name: /^vera/ }).waitFor();
    await w.check('users');

    // Invite: the account appears INVITED, a link is mailed, and the invitation can be sent again.
    await page.getByRole('button', { name: 'Invite a user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite a user' });
    await dialog.getByLabel('Username').fill('nina');
    await dialog.getByLabel('Email').fill('nina@example.test');
    await dialog.getByLabel('Roles').fill('viewer');
    await dialog.getByLabel('Roles').press('Enter');
    await dialog.getByText('viewer', { exact: true }).waitFor();
    // Closes the role list (a click elsewhere in the form).
    await dialog.getByLabel('Display name').click();
    await page.locator('.ant-select-dropdown').waitFor({ state: 'hidden' });
    await w.check('users-invite');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    const nina = page.getByRole('row').filter({ hasText: 'nina@example.test' });
    await nina.getByText('Invited', { exact: true }).waitFor();
    await nina.getByText('viewer', { exact: true }).waitFor();
    expect(await smtp.next('nina@example.test')).toContain('/auth/invite');
    await nina.getByRole('button', { name: 'Resend invitation' }).click();
    await page.getByText(/Invitation sent again to/).waitFor();
    expect(await smtp.next('nina@example.test')).toContain('/auth/invite');

    // The audit log shows it, filtered on the server by actor and operation.
    await nav.getByRole('link', { name: 'Audit log', exact: true }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByLabel('Actor (username)').fill('ada');
    await page.getByLabel('Actor (username)').press('Enter');
    await page.getByLabel('Operation (e.g. Mutation.disableUser)').fill('Mutation.inviteUser');
    await page.getByLabel('Operation (e.g. Mutation.disableUser)').press('Enter');
    const rows = page.getByRole('row').filter({ hasText: 'Mutation.inviteUser' });
    await waitFor('one inviteUser entry', async () => (await rows.count()) === 1);
    expect(await rows.textContent()).toContain('ada');
    expect(await page.getByRole('row').filter({ hasText: 'Mutation.resendInvite' }).count()).toBe(0);
    await w.check('audit');

    await page.getByRole('button', { name: 'Verify the hash chain' }).click();
    await page.getByText(/The hash chain is intact: \d+ entries checked/).waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Mutation.inviteUser');
    await w.check('audit-verified');

    // The profile: a token is shown once, listed by its prefix, then revoked.
    await page.getByRole('link', { name: 'Signed in as ada' }).click();
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('ci');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByTestId('api-token-secret').textContent())!.trim();
    const me = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    expect(((await me.json()) as { data: { me: { username: string } } }).data.me.username).toBe('ada');
    await w.check('token-created');
    await page.getByRole('button', { name: 'I copied it' }).click();
    // Shown once: gone from the page once closed, and the list shows only its prefix.
    await page.getByTestId('api-token-secret').waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('button', { name: 'Revoke ci' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'OK', exact: true }).click();
    // The answer (a failure would say why, in the same place).
    const answer = page.getByText(/^(ci revoked|Something went wrong.*)$/);
    await answer.waitFor();
    expect(await answer.textContent()).toBe('ci revoked');
    await waitFor(
      'the token gone',
      async () => (await page.getByRole('button', { name: 'Revoke ci' }).count()) === 0,
    );
    const refused = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    const refusal = (await refused.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(refusal.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('an auditor reads the users and the audit log but is offered no action; a viewer sees neither page', async () => {
    // The policy of the MFA test concerns auditors: off again, this test is about permissions.
    await stack.gql.request(`mutation { setMfaPolicy(input: { required: false }) { required } }`);
    await createUser('otto', ['auditor']);
    const auditor = await open('zh-CN', 'auditor');
    await signIn(auditor, 'otto', { username: '用户名', password: '密码', submit: '登录' });
    await auditor.page.getByRole('heading', { name: '仪表盘' }).waitFor();
    const nav = auditor.page.getByRole('navigation');
    await nav.getByRole('link', { name: '用户', exact: true }).click();
    await auditor.page.getByRole('heading', { name: '用户' }).waitFor();
    await auditor.page.getByRole('cell', { name: /^vera/ }).waitFor();
    await auditor.check('users-auditor');
    for (const action of ['邀请用户', '授予角色', '停用', '启用', '重发邀请'])
      expect(await auditor.page.getByRole('button', { name: action }).count()).toBe(0);
    await nav.getByRole('link', { name: '审计日志', exact: true }).click();
    await auditor.page.getByRole('heading', { name: '审计日志' }).waitFor();
    await auditor.page.getByRole('row').filter({ hasText: 'Mutation.createUser' }).first().waitFor();
    await auditor.page.getByRole('button', { name: '校验哈希链' }).click();
    await auditor.page.getByText(/哈希链完整：已校验 \d+ 条记录/).waitFor();
    await auditor.check('audit-auditor');

    const viewer = await open('zh-CN', 'viewer-no-audit');
    await signIn(viewer, 'vera', { username: '用户名', password: '密码', submit: '登录' });
    await viewer.page.getByRole('heading', { name: '仪表盘' }).waitFor();
    const viewerNav = viewer.page.getByRole('navigation');
    await viewerNav.getByRole('link', { name: '设备', exact: true }).waitFor();
    for (const item of ['用户', '审计日志'])
      expect(await viewerNav.getByRole('link', { name: item, exact: true }).count()).toBe(0);
    for (const url of ['/audit', '/users']) {
      await viewer.page.goto(url);
      await viewer.page.getByText('您没有查看此页面的权限。').waitFor();
    }
    await viewer.check('forbidden-audit');
  });
});
