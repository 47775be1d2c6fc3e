import { Client as TemporalClient } from '@temporalio/client';
import { createHmac, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startStack, waitFor, type Stack } from './support/harness';
import {
  createTask,
  expectBadInput,
  startRecorder,
  startTaskRun,
  waitForTaskRunEnd,
  type Recorder,
} from './support/tasks';

/**
 * Alerts end to end: a real SMTP server and a loopback HTTP server that plays the webhook receiver,
 * the DingTalk and WeCom robots and the Feishu bot. Each checks the signature scheme its provider
 * documents (computed here independently of core/alerts) and answers as the provider does.
 */

interface Received {
  channel: 'webhook' | 'dingtalk' | 'wecom' | 'feishu';
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  text: string;
}

const DING_TOKEN = 'ding-token-1';
const DING_SECRET = 'SEC' + randomBytes(16).toString('hex');
const WECOM_KEY = 'wecom-key-1';
const FEISHU_HOOK = 'feishu-hook-1';
const FEISHU_SECRET = randomBytes(12).toString('hex');
const WEBHOOK_SECRET = randomBytes(16).toString('hex');

function startFakeProviders(): Promise<{
  url: string;
  received: Received[];
  rejected: string[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const rejected: string[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      const answer = (value: unknown, status = 200) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const now = Date.now();
      if (url.pathname === '/webhook') {
        const ts = String(req.headers['x-switchboard-timestamp']);
        const expected =
          'sha256=' + createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${raw}`).digest('hex');
        if (req.headers['x-switchboard-signature'] !== expected || Math.abs(now / 1000 - Number(ts)) > 300) {
          rejected.push('webhook');
          return answer({ error: 'bad signature' }, 401);
        }
        received.push({ channel: 'webhook', headers: req.headers, body, text: String(body.text) });
        return answer({ ok: true });
      }
      if (url.pathname === '/dingtalk/robot/send') {
        // 钉钉自定义机器人加签: sign = urlEncode(base64(HmacSHA256(secret, timestamp + "\n" + secret))), ms, within an hour.
        const ts = url.searchParams.get('timestamp') ?? '';
        const sign = createHmac('sha256', DING_SECRET).update(`${ts}\n${DING_SECRET}`).digest('base64');
        if (url.searchParams.get('access_token') !== DING_TOKEN) {
          rejected.push('dingtalk');
          return answer({ errcode: 300001, errmsg: 'token is not exist' });
        }
        if (url.searchParams.get('sign') !== sign || Math.abs(now - Number(ts)) > 3600_000) {
          rejected.push('dingtalk');
          return answer({ errcode: 310000, errmsg: 'sign not match' });
        }
        if (received.filter((r) => r.channel === 'dingtalk').length >= 20) {
          return answer({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
        }
        const md = body.markdown as { text: string };
        received.push({ channel: 'dingtalk', headers: req.headers, body, text: md.text });
        return answer({ errcode: 0, errmsg: 'ok' });
      }
      if (url.pathname === '/wecom/cgi-bin/webhook/send') {
        if (url.searchParams.get('key') !== WECOM_KEY) {
          rejected.push('wecom');
          return answer({ errcode: 93000, errmsg: 'invalid webhook url' });
        }
        const md = body.markdown as { content: string };
        received.push({ channel: 'wecom', headers: req.headers, body, text: md.content });
        return answer({ errcode: 0, errmsg: 'ok' });
      }
      if (url.pathname === `/feishu/open-apis/bot/v2/hook/${FEISHU_HOOK}`) {
        // 飞书签名校验: base64(HmacSHA256(key = timestamp + "\n" + secret, data = "")), seconds, within an hour.
        const ts = String(body.timestamp);
        const sign = createHmac('sha256', `${ts}\n${FEISHU_SECRET}`).update('').digest('base64');
        if (body.sign !== sign || Math.abs(now / 1000 - Number(ts)) > 3600) {
          rejected.push('feishu');
          return answer({
            code: 19021,
            data: {},
            msg: 'sign match fail or timestamp is not within one hour from current time',
          });
        }
        const card = body.card as { elements: { text: { content: string } }[] };
        received.push({ channel: 'feishu', headers: req.headers, body, text: card.elements[0].text.content });
        return answer({ code: 0, data: {}, msg: 'success' });
      }
      answer({ error: 'no such endpoint' }, 404);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        received,
        rejected,
        close: () => new Promise((done) => server.close(() => done())),
      });
    }),
  );
}

/** The Subject header of a raw mail, its RFC 2047 encoded words decoded. */
function subjectOf(raw: string): string {
  const header = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)![1];
  return header
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    )
    .replace(/\r?\n[ \t]/g, '');
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const ALERT_FIELDS = `id ruleName status severity level eventCount groupKey acknowledgedVia resolveReason
  events { kind subject data clearedAt }
  deliveries { id round level kind recipient status attemptCount error attempts { attempt ok statusCode response } }`;

interface AlertView {
  id: string;
  ruleName: string;
  status: string;
  level: number;
  eventCount: number;
  acknowledgedVia: string | null;
  resolveReason: string | null;
  events: { kind: string; subject: string; data: Record<string, unknown>; clearedAt: string | null }[];
  deliveries: {
    id: string;
    round: number;
    level: number;
    kind: string;
    recipient: string;
    status: string;
    attempts: { attempt: number; ok: boolean; statusCode: number | null; response: string | null }[];
  }[];
}

describe('alerts', () => {
  let stack: Stack;
  let providers: Awaited<ReturnType<typeof startFakeProviders>>;
  let recorder: Recorder;
  let smtp: SMTPServer;
  const mails: string[] = [];
  const channels: Record<string, string> = {};
  let temporal: TemporalClient;

  const gql = <T>(query: string, variables?: Record<string, unknown>) =>
    stack.gql.request<T>(query, variables);
  const alertsOf = async (rule: string): Promise<AlertView[]> => {
    const data = await gql<{ alerts: { edges: { node: AlertView }[] } }>(
      `query ($search: String) { alerts(first: 50, search: $search) { edges { node { ${ALERT_FIELDS} } } } }`,
      { search: rule },
    );
    return data.alerts.edges.map((e) => e.node).filter((a) => a.ruleName === rule);
  };
  const createRule = async (input: Record<string, unknown>) =>
    (
      await gql<{ createAlertRule: { id: string } }>(
        `mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`,
        { input },
      )
    ).createAlertRule.id;
  const workflowStatus = async (alertId: string) =>
    (await temporal.workflow.getHandle(`alert-${alertId}`).describe()).status.name;

  beforeAll(async () => {
    providers = await startFakeProviders();
    recorder = await startRecorder();
    recorder.status.set('/fail', 500);
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        let data = '';
        stream.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
        stream.on('end', () => {
          mails.push(data);
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as net.AddressInfo).port;
    const apiPort = await freePort();
    stack = await startStack({
      lab: { devices: 3 },
      env: {
        API_PORT: String(apiPort),
        API_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        SMTP_FROM: 'Switchboard <switchboard@example.test>',
        ALERTS_EVALUATE_INTERVAL_MS: '300',
      },
    });
    temporal = stack.api.get(TemporalClient);
    await gql(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: {
        username: 'oncall',
        roles: ['operator'],
        password: 'correct horse battery 9',
        email: 'oncall@example.test',
      },
    });
    const make = async (input: Record<string, unknown>) =>
      (
        await gql<{ createAlertChannel: { id: string } }>(
          `mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { id } }`,
          { input },
        )
      ).createAlertChannel.id;
    channels.webhook = await make({
      name: 'hook',
      kind: 'WEBHOOK',
      url: `${providers.url}/webhook`,
      secret: WEBHOOK_SECRET,
    });
    channels.dingtalk = await make({
      name: 'ding',
      kind: 'DINGTALK',
      language: 'zh-CN',
      url: `${providers.url}/dingtalk/robot/send?access_token=${DING_TOKEN}`,
      secret: DING_SECRET,
      atMobiles: ['13800000000'],
    });
    channels.wecom = await make({
      name: 'wecom',
      kind: 'WECOM',
      url: `${providers.url}/wecom/cgi-bin/webhook/send?key=${WECOM_KEY}`,
    });
    channels.feishu = await make({
      name: 'feishu',
      kind: 'FEISHU',
      url: `${providers.url}/feishu/open-apis/bot/v2/hook/${FEISHU_HOOK}`,
      secret: FEISHU_SECRET,
    });
    channels.mail = await make({ name: 'mail', kind: 'EMAIL', language: 'zh-CN', to: ['noc@example.test'] });
  });

  afterAll(async () => {
    // The evaluator and any alert still firing would wait forever on this test's task queue.
    const running = temporal?.workflow.list({
      query: `TaskQueue = "${stack.config.temporal.taskQueue}" AND ExecutionStatus = "Running"`,
    });
    if (running)
      for await (const w of running) await temporal.workflow.getHandle(w.workflowId).terminate('test over');
    await stack?.stop();
    await providers?.close();
    await recorder?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('keeps channel secrets encrypted and never returns them; names the field of bad rules', async () => {
    const { rows } = await stack.db.query<{ secret: string }>(
      `SELECT secret FROM alert_channels WHERE id = $1`,
      [channels.dingtalk],
    );
    expect(rows[0].secret).toMatch(/^v1\./);
    expect(rows[0].secret).not.toContain(DING_SECRET);
    expect(rows[0].secret).not.toContain(DING_TOKEN);
    const listed = JSON.stringify(
      await gql(`{ alertChannels { id name kind language to atMobiles hasUrl signed enabled } }`),
    );
    expect(listed).toContain('"signed":true');
    for (const secret of [DING_SECRET, DING_TOKEN, WEBHOOK_SECRET, FEISHU_SECRET, WECOM_KEY]) {
      expect(listed).not.toContain(secret);
    }

    const fields = await expectBadInput(
      gql(`mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`, {
        input: {
          name: 'bad',
          eventKind: 'DEVICE_DOWN',
          severity: 'WARNING',
          filters: { statuses: ['FAILED'] },
          groupBy: ['task'],
          recipients: { channelIds: ['00000000-0000-4000-8000-000000000000'], roles: ['nobody'] },
          templates: [{ language: 'en', subject: 'x', body: '{{ event.nope }}' }],
        },
      }),
    );
    expect(fields.map((f) => f.field).sort()).toEqual(
      [
        'filters.statuses',
        'groupBy[0]',
        'recipients.channelIds[0]',
        'recipients.roles[0]',
        'templates[0].body',
      ].sort(),
    );
    const wrongKind = await expectBadInput(
      gql(`mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { id } }`, {
        input: { name: 'w', kind: 'WECOM', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' },
      }),
    );
    expect(wrongKind.map((f) => f.field)).toEqual(['url']);

    const preview = await gql<{ previewAlertMessage: { subject: string; body: string } }>(
      `mutation ($rule: AlertRuleInput!) { previewAlertMessage(rule: $rule, channelKind: DINGTALK, language: "zh-CN") { subject body } }`,
      {
        rule: {
          name: '备份失败',
          eventKind: 'RUN_FINISHED',
          severity: 'CRITICAL',
          recipients: { roles: ['operator'] },
        },
      },
    );
    expect(preview.previewAlertMessage.subject).toBe('【严重】备份失败');
    // Without a rule there is no evaluator: an installation without alerts runs no workflow for them.
    await expect(
      temporal.workflow.getHandle(`alerts-evaluator@${stack.config.temporal.taskQueue}`).describe(),
    ).rejects.toThrow(/not found/i);
    expect(preview.previewAlertMessage.body).toContain('结束，状态 FAILED');
  });

  it('a failing run fires an alert to every channel, repeats, escalates, and stops once acknowledged by link', async () => {
    const task = await createTask(stack, {
      name: 'nightly-push',
      steps: [
        {
          id: 'push',
          kind: 'http.request',
          params: { method: 'POST', url: `${recorder.url}/fail` },
          retry: { maximumAttempts: 1 },
        },
      ],
    });
    await createRule({
      name: 'push failed',
      eventKind: 'RUN_FINISHED',
      severity: 'CRITICAL',
      filters: { statuses: ['FAILED'], taskIds: [task.id] },
      recipients: {
        channelIds: [channels.webhook, channels.dingtalk, channels.feishu, channels.mail],
        roles: ['operator'],
      },
      escalations: [{ afterSeconds: 3, channelIds: [channels.wecom] }],
      repeatIntervalSeconds: 2,
      templates: [
        {
          language: 'en',
          channelKind: 'WEBHOOK',
          subject: 'run {{ event.runId }} {{ event.status }}',
          body: '{{ events.size }} event(s): {{ event.summary }}\nack: {{ alert.ackUrl }}',
        },
      ],
    });
    // The operator reads Chinese (their profile): their mail is in zh-CN, whatever the rule's language.
    await stack.db.query(
      `INSERT INTO profiles (user_id, version, data) SELECT id, 1, '{"language": "zh-CN"}' FROM users WHERE username = 'oncall'`,
    );
    // Saving the rule started the evaluator.
    const evaluator = await temporal.workflow
      .getHandle(`alerts-evaluator@${stack.config.temporal.taskQueue}`)
      .describe();
    expect(evaluator.status.name).toBe('RUNNING');
    const run = await startTaskRun(stack, 'nightly-push');
    expect((await waitForTaskRunEnd(stack, run.id)).status).toBe('FAILED');

    // First round: webhook, DingTalk, Feishu, the mail channel and the operator's mail.
    const [alert] = await waitFor(
      'the first round',
      async () => {
        const [a] = await alertsOf('push failed');
        return a && a.deliveries.filter((d) => d.round === 0 && d.status === 'SENT').length === 5
          ? [a]
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(alert.status).toBe('FIRING');
    expect(alert.events).toEqual([
      expect.objectContaining({ kind: 'RUN_FINISHED', subject: `task:${task.id}` }),
    ]);
    expect(alert.events[0].data).toMatchObject({ runId: run.id, status: 'FAILED', taskName: 'nightly-push' });
    const byChannel = (c: Received['channel']) => providers.received.filter((r) => r.channel === c);
    const [hook] = byChannel('webhook');
    expect(hook.body.subject).toBe(`run ${run.id} FAILED`);
    expect(hook.text).toContain(`Run ${run.id} (nightly-push) finished FAILED`);
    expect(hook.headers['idempotency-key']).toBe(
      alert.deliveries.find((d) => d.kind === 'WEBHOOK' && d.round === 0)!.id,
    );
    expect(hook.body).toMatchObject({ alert: { id: alert.id, severity: 'CRITICAL', rule: 'push failed' } });
    expect(byChannel('dingtalk')[0].text).toContain(`运行 ${run.id}（nightly-push）结束，状态 FAILED`);
    expect(byChannel('dingtalk')[0].text).toContain('@13800000000');
    // The built-in template links the run in the Temporal Web UI.
    expect(byChannel('feishu')[0].text).toContain(`/workflows/${encodeURIComponent(run.workflowId)}`);
    expect((byChannel('dingtalk')[0].body.at as { atMobiles: string[] }).atMobiles).toEqual(['13800000000']);
    expect(byChannel('feishu')[0].text).toContain(`Run ${run.id}`);
    expect(providers.rejected).toEqual([]);
    // Mail: to the channel's address (zh-CN subject, encoded) and to the operator.
    await waitFor('two mails', async () => (mails.length >= 2 ? true : undefined), { timeoutMs: 10_000 });
    const toNoc = mails.find((m) => /^To: noc@example\.test/m.test(m))!;
    expect(toNoc).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/m);
    expect(subjectOf(toNoc)).toBe('【严重】push failed');
    expect(subjectOf(mails.find((m) => /^To: oncall@example\.test/m.test(m))!)).toBe('【严重】push failed');

    // Repeats every 2 s, then after 3 s the escalation level tells WeCom.
    await waitFor(
      'a repeat and the escalation',
      async () => (byChannel('wecom').length >= 1 && byChannel('webhook').length >= 2 ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 200,
      },
    );
    expect(byChannel('wecom')[0].text).toContain('escalated to level 1');
    expect((await alertsOf('push failed'))[0].level).toBe(1);

    // Acknowledge with the signed link in the webhook message: GET only shows a button.
    const link = /ack: (\S+)/.exec(hook.text)![1];
    expect(link.startsWith(stack.config.api.publicUrl!)).toBe(true);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect((await alertsOf('push failed'))[0].status).toBe('FIRING');
    const forged = await fetch(link.replace(/sig=[^&]+/, 'sig=AAAA'), { method: 'POST' });
    expect(forged.status).toBe(403);
    const acked = await fetch(link, { method: 'POST' });
    expect(acked.status).toBe(200);
    const after = (await alertsOf('push failed'))[0];
    expect(after).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedVia: 'link' });
    const audited = await stack.db.query(
      `SELECT actor_id, outcome, arguments FROM audit_log WHERE operation = 'acknowledgeAlert (signed link)'`,
    );
    expect(audited.rows).toEqual([{ actor_id: null, outcome: 'OK', arguments: { id: alert.id } }]);

    // The alert's workflow ends: no further round can be sent.
    await waitFor(
      'the alert workflow to end',
      async () => ((await workflowStatus(alert.id)) === 'COMPLETED' ? true : undefined),
      {
        timeoutMs: 15_000,
      },
    );
    // Workflow histories carry ids, never a channel's URL or secret.
    const histories = JSON.stringify([
      await temporal.workflow.getHandle(`alert-${alert.id}`).fetchHistory(),
      await temporal.workflow.getHandle(`alerts-evaluator@${stack.config.temporal.taskQueue}`).fetchHistory(),
    ]);
    expect(histories).toContain(alert.id);
    for (const secret of [DING_SECRET, DING_TOKEN, WEBHOOK_SECRET, FEISHU_SECRET, WECOM_KEY, providers.url]) {
      expect(histories).not.toContain(secret);
    }
    const rounds = new Set((await alertsOf('push failed'))[0].deliveries.map((d) => d.round));
    const sent = providers.received.length;
    // Every delivery was sent once: one attempt, one message per delivery id.
    const final = (await alertsOf('push failed'))[0];
    expect(
      final.deliveries.every((d) => d.status === 'SENT' && d.attempts.length === 1 && d.attempts[0].ok),
    ).toBe(true);
    const keys = byChannel('webhook').map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(final.deliveries.filter((d) => d.kind === 'WEBHOOK').length);
    expect(rounds.size).toBeGreaterThanOrEqual(3);
    expect(providers.received.length).toBe(sent);
  });

  it('devices DOWN together make one grouped alert; UP again resolves it', async () => {
    await gql(
      `mutation { createTaskFromTemplate(input: { template: "device-reachability", name: "reach-now", params: { timeoutSeconds: 2 } }) { id } }`,
    );
    await createRule({
      name: 'devices down',
      eventKind: 'DEVICE_DOWN',
      severity: 'WARNING',
      recipients: { channelIds: [channels.webhook] },
      groupWindowSeconds: 1,
    });
    // The same events, one alert per device (read by the scope test below).
    await createRule({
      name: 'down by device',
      eventKind: 'DEVICE_DOWN',
      severity: 'WARNING',
      recipients: { channelIds: [channels.feishu] },
      groupBy: ['device'],
    });
    const names = [...stack.deviceIds.keys()].sort().slice(0, 2);
    const ports = new Map<string, number>();
    const { rows } = await stack.db.query<{ name: string; port: number }>(`SELECT name, port FROM devices`);
    for (const r of rows) ports.set(r.name, r.port);
    const setPort = async (name: string, port: number) =>
      gql(`mutation ($id: ID!, $port: Int!) { updateDevice(id: $id, input: { port: $port }) { id } }`, {
        id: stack.deviceIds.get(name),
        port,
      });
    for (const name of names) await setPort(name, await freePort());
    const before = providers.received.filter((r) => r.channel === 'webhook').length;
    const down = await startTaskRun(stack, 'reach-now');
    expect((await waitForTaskRunEnd(stack, down.id)).status).toBe('COMPLETED');

    const [alert] = await waitFor(
      'the grouped alert to be sent',
      async () => {
        const [a] = await alertsOf('devices down');
        return a?.deliveries.some((d) => d.status === 'SENT') ? [a] : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(alert.eventCount).toBe(2);
    expect(alert.deliveries).toHaveLength(1);
    const message = providers.received.filter((r) => r.channel === 'webhook').slice(before);
    expect(message).toHaveLength(1);
    for (const name of names) expect(message[0].text).toContain(`Device ${name} `);

    for (const name of names) await setPort(name, ports.get(name)!);
    const up = await startTaskRun(stack, 'reach-now');
    expect((await waitForTaskRunEnd(stack, up.id)).status).toBe('COMPLETED');
    const resolved = await waitFor(
      'the alert to resolve',
      async () => {
        const [a] = await alertsOf('devices down');
        return a.status === 'RESOLVED' ? a : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(resolved.resolveReason).toBe('condition cleared');
    expect(resolved.events.every((e) => e.clearedAt !== null)).toBe(true);
    await waitFor(
      'its workflow to end',
      async () => ((await workflowStatus(alert.id)) === 'COMPLETED' ? true : undefined),
      {
        timeoutMs: 15_000,
      },
    );
  });

  it('a step waiting for approval alerts; the decision resolves the alert', async () => {
    await createTask(stack, {
      name: 'gated',
      steps: [
        {
          id: 'ok',
          kind: 'approval',
          params: { message: 'go?', timeoutSeconds: 120, defaultDecision: 'reject' },
        },
      ],
    });
    await createRule({
      name: 'approvals',
      eventKind: 'STEP_AWAITING_APPROVAL',
      severity: 'INFO',
      recipients: { channelIds: [channels.webhook], approvers: true },
      groupBy: ['run', 'step'],
    });
    // Who may approve gets mail: a change approver, not the operator.
    await gql(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: {
        username: 'approver',
        roles: ['change-approver'],
        password: 'correct horse battery 9',
        email: 'approver@example.test',
      },
    });
    const run = await startTaskRun(stack, 'gated');
    const alert = await waitFor(
      'the approval alert',
      async () => {
        const [a] = await alertsOf('approvals');
        return a?.deliveries.some((d) => d.status === 'SENT') ? a : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(alert.events[0].data).toMatchObject({ runId: run.id, stepId: 'ok' });
    const approver = (await stack.db.query(`SELECT id FROM users WHERE username = 'approver'`)).rows[0]
      .id as string;
    const operator = (await stack.db.query(`SELECT id FROM users WHERE username = 'oncall'`)).rows[0]
      .id as string;
    const recipients = alert.deliveries.map((d) => d.recipient);
    expect(recipients).toContain(`user:${approver}`);
    expect(recipients).not.toContain(`user:${operator}`);
    await waitFor(
      'the approver mail',
      async () => (mails.some((m) => /^To: approver@example\.test/m.test(m)) ? true : undefined),
      { timeoutMs: 10_000 },
    );
    await gql(`mutation ($input: StepDecisionInput!) { decideStep(input: $input) { stepId } }`, {
      input: { runId: run.id, stepId: 'ok', approve: true, by: 'alice' },
    });
    const resolved = await waitFor(
      'the approval alert to resolve',
      async () => {
        const [a] = await alertsOf('approvals');
        return a.status === 'RESOLVED' ? a : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(resolved.resolveReason).toBe('condition cleared');
  });

  it('a channel that fails for good raises its own alert on another channel', async () => {
    const broken = (
      await gql<{ createAlertChannel: { id: string } }>(
        `mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { id } }`,
        {
          input: {
            name: 'broken',
            kind: 'WECOM',
            url: `${providers.url}/wecom/cgi-bin/webhook/send?key=wrong`,
          },
        },
      )
    ).createAlertChannel.id;
    await createRule({
      name: 'channel failures',
      eventKind: 'CHANNEL_FAILED',
      severity: 'WARNING',
      recipients: { channelIds: [channels.webhook] },
    });
    const task = await createTask(stack, {
      name: 'other-push',
      steps: [
        {
          id: 'push',
          kind: 'http.request',
          params: { method: 'POST', url: `${recorder.url}/fail` },
          retry: { maximumAttempts: 1 },
        },
      ],
    });
    await createRule({
      name: 'to broken',
      eventKind: 'RUN_FINISHED',
      severity: 'WARNING',
      filters: { taskIds: [task.id] },
      recipients: { channelIds: [broken] },
    });
    const run = await startTaskRun(stack, 'other-push');
    await waitForTaskRunEnd(stack, run.id);
    const failed = await waitFor(
      'the delivery to fail',
      async () => {
        const [a] = await alertsOf('to broken');
        return a?.deliveries[0]?.status === 'FAILED' ? a.deliveries[0] : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // WeCom's "invalid webhook url" is a refusal: one attempt, not retried.
    expect(failed.attempts).toEqual([
      { attempt: 1, ok: false, statusCode: 200, response: expect.stringContaining('93000') },
    ]);
    expect(providers.rejected).toContain('wecom');
    const alert = await waitFor(
      'the channel alert',
      async () => {
        const [a] = await alertsOf('channel failures');
        return a?.deliveries.some((d) => d.status === 'SENT') ? a : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(alert.events[0].data).toMatchObject({ channel: 'broken', channelKind: 'WECOM' });
    const hook = providers.received.filter((r) => r.channel === 'webhook').at(-1)!;
    expect(hook.text).toContain('Channel broken (WECOM) failed: WECOM error 93000: invalid webhook url');
  });

  it('a reader bound to a site sees only the alerts about what it may see', async () => {
    const password = 'correct horse battery 9';
    const { createUser } = await gql<{ createUser: { id: string } }>(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username: 'site-a-viewer', roles: [], password } },
    );
    await gql(`mutation ($input: BindRoleInput!) { bindRole(input: $input) { id } }`, {
      input: { userId: createUser.id, role: 'operator', sites: ['lab-a'], tags: [] },
    });
    const login = await fetch(`${stack.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'site-a-viewer', password }),
    });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const call = (query: string, variables: Record<string, unknown> = {}) =>
      fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
        body: JSON.stringify({ query, variables }),
      }).then(
        (r) =>
          r.json() as Promise<{
            data?: Record<string, unknown>;
            errors?: { extensions: { code: string } }[];
          }>,
      );

    const seen = (await call(`{ alerts(first: 100) { edges { node { id ruleName } } } }`)).data as {
      alerts: { edges: { node: { id: string; ruleName: string } }[] };
    };
    const visible = new Set(seen.alerts.edges.map((e) => e.node.id));
    const { rows } = await stack.db.query<{ id: string; kind: string; sites: string[]; runs: number }>(
      `SELECT a.id, min(e.kind) AS kind,
              array_agg(DISTINCT d.site) FILTER (WHERE d.site IS NOT NULL) AS sites,
              count(e.data->>'runId')::int AS runs
         FROM alerts a JOIN alert_events e ON e.alert_id = a.id
         LEFT JOIN devices d ON d.id::text = e.data->>'deviceId'
        GROUP BY a.id`,
    );
    let checked = 0;
    for (const a of rows) {
      if (a.kind.startsWith('DEVICE_')) {
        // Device alerts: visible when every device is at lab-a.
        expect([a.id, visible.has(a.id)]).toEqual([a.id, a.sites.every((s) => s === 'lab-a')]);
        checked++;
      } else if (a.runs > 0) {
        // Runs that touched no device (HTTP and approval steps): only their starter sees them.
        expect([a.id, visible.has(a.id)]).toEqual([a.id, false]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(rows.some((a) => a.kind.startsWith('DEVICE_') && visible.has(a.id))).toBe(true);
    // An alert it cannot see does not exist for it, to read or to acknowledge.
    const hidden = rows.find((a) => !visible.has(a.id))!;
    const read = await call(`query ($id: ID!) { alert(id: $id) { id } }`, { id: hidden.id });
    expect(read.errors?.[0].extensions.code).toBe('NOT_FOUND');
    const ack = await call(`mutation ($id: ID!) { acknowledgeAlert(id: $id) { id } }`, { id: hidden.id });
    expect(ack.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  it('a silenced alert is quiet until the silence ends, then tells everyone again', async () => {
    await createTask(stack, {
      name: 'quiet-push',
      steps: [
        {
          id: 'push',
          kind: 'http.request',
          params: { method: 'POST', url: `${recorder.url}/fail` },
          retry: { maximumAttempts: 1 },
        },
      ],
    });
    const task = (await stack.db.query(`SELECT id FROM tasks WHERE name = 'quiet-push'`)).rows[0]
      .id as string;
    await createRule({
      name: 'quiet',
      eventKind: 'RUN_FINISHED',
      severity: 'WARNING',
      filters: { taskIds: [task] },
      recipients: { channelIds: [channels.webhook] },
    });
    await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'quiet-push')).id);
    const first = await waitFor(
      'the first message',
      async () => {
        const [a] = await alertsOf('quiet');
        return a?.deliveries.some((d) => d.status === 'SENT') ? a : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const until = new Date(Date.now() + 3000);
    const silenced = await gql<{
      silenceAlert: { status: string; silencedUntil: string; silenceReason: string };
    }>(
      `mutation ($id: ID!, $until: DateTime!) { silenceAlert(id: $id, until: $until, reason: "maintenance CHG-42") {
         status silencedUntil silenceReason } }`,
      { id: first.id, until: until.toISOString() },
    );
    expect(silenced.silenceAlert).toMatchObject({ status: 'SILENCED', silenceReason: 'maintenance CHG-42' });
    const again = await waitFor(
      'the message after the silence',
      async () => {
        const [a] = await alertsOf('quiet');
        return a.deliveries.filter((d) => d.status === 'SENT').length === 2 ? a : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(again.status).toBe('FIRING');
    const second = (
      await stack.db.query<{ created_at: Date }>(
        `SELECT created_at FROM alert_deliveries WHERE alert_id = $1 AND round = 1`,
        [first.id],
      )
    ).rows[0];
    expect(second.created_at.getTime()).toBeGreaterThanOrEqual(until.getTime());
  });

  it("holds a user's alert mail during their quiet hours (not a CRITICAL one) and sends it when they end", async () => {
    const sleeper = await gql<{ createUser: { id: string } }>(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      {
        input: {
          username: 'sleeper',
          roles: ['viewer'],
          password: 'correct horse battery 7',
          email: 'sleeper@example.test',
        },
      },
    );
    // Quiet hours in New York time from a minute ago to the next minute but one (at least 60 s
    // from now): the WARNING mail waits for their end, the CRITICAL one does not.
    const clock = (d: Date) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'America/New_York',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(d);
    const now = Date.now();
    const endAt = Math.floor(now / 60_000) * 60_000 + 120_000;
    const quiet = { start: clock(new Date(now - 60_000)), end: clock(new Date(endAt)) };
    await stack.db.query(`INSERT INTO profiles (user_id, version, data) VALUES ($1, 1, $2)`, [
      sleeper.createUser.id,
      JSON.stringify({ timeZone: 'America/New_York', notifications: { quietHours: quiet } }),
    ]);
    await createTask(stack, {
      name: 'night-push',
      steps: [
        {
          id: 'push',
          kind: 'http.request',
          params: { method: 'POST', url: `${recorder.url}/fail` },
          retry: { maximumAttempts: 1 },
        },
      ],
    });
    const task = (await stack.db.query(`SELECT id FROM tasks WHERE name = 'night-push'`)).rows[0]
      .id as string;
    for (const [name, severity] of [
      ['night warning', 'WARNING'],
      ['night critical', 'CRITICAL'],
    ]) {
      await createRule({
        name,
        eventKind: 'RUN_FINISHED',
        severity,
        filters: { taskIds: [task] },
        recipients: { channelIds: [channels.webhook], userIds: [sleeper.createUser.id] },
      });
    }
    const toSleeper = () => mails.filter((m) => /^To: sleeper@example\.test/m.test(m));
    await waitForTaskRunEnd(stack, (await startTaskRun(stack, 'night-push')).id);

    // Inside quiet hours: the CRITICAL alert reaches the user's mail, the WARNING one only the channel.
    await waitFor(
      'the critical mail',
      async () => {
        const [a] = await alertsOf('night critical');
        return a?.deliveries.filter((d) => d.status === 'SENT').length === 2 ? a : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const held = await waitFor(
      'the warning on its channel',
      async () => {
        const [a] = await alertsOf('night warning');
        return a?.deliveries.some((d) => d.kind === 'WEBHOOK' && d.status === 'SENT') ? a : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(Date.now()).toBeLessThan(endAt);
    expect(held.deliveries.find((d) => d.kind === 'EMAIL')).toMatchObject({
      status: 'PENDING',
      attemptCount: 0,
    });
    expect(toSleeper()).toHaveLength(1);

    // When quiet hours end, the held mail goes out (a durable timer in the alert's workflow).
    const sent = await waitFor(
      'the held mail',
      async () => {
        const [a] = await alertsOf('night warning');
        return a?.deliveries.find((d) => d.kind === 'EMAIL' && d.status === 'SENT') ? a : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    const mail = sent.deliveries.find((d) => d.kind === 'EMAIL')!;
    const [row] = (
      await stack.db.query<{ sent_at: Date }>(`SELECT sent_at FROM alert_deliveries WHERE id = $1`, [mail.id])
    ).rows;
    expect(row.sent_at.getTime()).toBeGreaterThanOrEqual(endAt);
    expect(toSleeper()).toHaveLength(2);
  }, 200_000);

  it('silences, and refuses to acknowledge a resolved alert', async () => {
    const [resolved] = await alertsOf('devices down');
    const refused = gql(`mutation ($id: ID!) { acknowledgeAlert(id: $id) { id } }`, { id: resolved.id });
    await expect(refused).rejects.toMatchObject({
      errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'CONFLICT' }) })],
    });
    const bad = await expectBadInput(
      gql(
        `mutation ($id: ID!) { silenceAlert(id: $id, until: "2020-01-01T00:00:00Z", reason: "x") { id } }`,
        {
          id: resolved.id,
        },
      ),
    );
    expect(bad.map((f) => f.field)).toEqual(['until']);

    // The history exports as CSV, with the same filters as alerts(...).
    const { exportAlerts: csv } = await gql<{ exportAlerts: string }>(
      `{ exportAlerts(statuses: [RESOLVED], search: "devices down") }`,
    );
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,rule,status,severity,level,events,first_at,last_at,group_key,acknowledged_at,acknowledged_via,' +
        'silenced_until,silence_reason,resolved_at,resolve_reason,deliveries_sent,deliveries_failed',
    );
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        new RegExp(`^${resolved.id},devices down,RESOLVED,WARNING,0,2,.*,condition cleared,1,0$`),
      ),
    ]);

    // With no rule and no open alert left, the evaluator ends by itself.
    const { alertRules } = await gql<{ alertRules: { id: string }[] }>(`{ alertRules { id } }`);
    for (const r of alertRules) await gql(`mutation ($id: ID!) { deleteAlertRule(id: $id) }`, { id: r.id });
    await waitFor(
      'the evaluator to end',
      async () => {
        const d = await temporal.workflow
          .getHandle(`alerts-evaluator@${stack.config.temporal.taskQueue}`)
          .describe();
        return d.status.name === 'COMPLETED' ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
  });
});
