import { ackUrl, verifyAck } from './ack-links';
import {
  groupKeyOf,
  levelAfter,
  ruleMatches,
  ruleProblems,
  type AlertEvent,
  type AlertRule,
} from './alert-rules';
import { transitionOutcome } from './alert-states';
import {
  buildHttpRequest,
  channelProblems,
  dingtalkSign,
  feishuSign,
  interpretResponse,
  rateLimitWait,
  webhookSignature,
} from './channels';
import { DEFAULT_TEMPLATES, renderMessage, sampleInput, templateProblems } from './messages';

const rule = (over: Partial<AlertRule> = {}): AlertRule => ({
  id: 'r1',
  name: 'failed runs',
  enabled: true,
  eventKind: 'RUN_FINISHED',
  filters: {},
  severity: 'CRITICAL',
  recipients: { userIds: [], roles: [], channelIds: ['c1'] },
  escalations: [],
  templates: [],
  groupBy: [],
  groupWindowSeconds: 0,
  repeatIntervalSeconds: 0,
  language: 'en',
  createdAt: new Date('2026-01-01T00:00:00Z'),
  ...over,
});

const runEvent = (over: Partial<AlertEvent['data']> = {}): AlertEvent => ({
  kind: 'RUN_FINISHED',
  key: 'run:1',
  subject: 'task:t1',
  clears: [],
  ts: new Date('2026-02-01T00:00:00Z'),
  labels: { runKind: 'task', status: 'FAILED', task: 'backup', site: 'dc1' },
  data: {
    runId: '1',
    runKind: 'task',
    status: 'FAILED',
    taskId: 't1',
    taskName: 'backup',
    sites: ['dc1', 'dc2'],
    ...over,
  },
});

describe('alert rules', () => {
  it('match by kind, age and each filter', () => {
    expect(ruleMatches(rule(), runEvent())).toBe(true);
    expect(ruleMatches(rule({ filters: { statuses: ['FAILED', 'ROLLBACK_FAILED'] } }), runEvent())).toBe(
      true,
    );
    expect(ruleMatches(rule({ filters: { statuses: ['COMPLETED'] } }), runEvent())).toBe(false);
    expect(ruleMatches(rule({ filters: { sites: ['dc2'] } }), runEvent())).toBe(true);
    expect(ruleMatches(rule({ filters: { sites: ['dc3'] } }), runEvent())).toBe(false);
    expect(ruleMatches(rule({ filters: { taskIds: ['t2'] } }), runEvent())).toBe(false);
    expect(ruleMatches(rule({ eventKind: 'DEVICE_DOWN' }), runEvent())).toBe(false);
    expect(ruleMatches(rule({ enabled: false }), runEvent())).toBe(false);
    // An event older than the rule does not fire it.
    expect(ruleMatches(rule({ createdAt: new Date('2026-03-01T00:00:00Z') }), runEvent())).toBe(false);
  });

  it('group by labels', () => {
    expect(groupKeyOf([], runEvent())).toBe('');
    expect(groupKeyOf(['task', 'site'], runEvent())).toBe('task=backup,site=dc1');
  });

  it('name the field of each problem', () => {
    const problems = ruleProblems({
      ...rule({ eventKind: 'DEVICE_DOWN' }),
      filters: { statuses: ['FAILED'] },
      groupBy: ['device', 'task', 'device'],
      recipients: { userIds: [], roles: [], channelIds: [] },
      escalations: [
        { afterSeconds: 600, userIds: ['u'], roles: [], channelIds: [] },
        { afterSeconds: 300, userIds: [], roles: [], channelIds: [] },
      ],
      templates: [
        { language: 'en', channelKind: null, subject: 'a', body: 'b' },
        { language: 'en', channelKind: null, subject: 'a', body: 'b' },
      ],
    });
    expect(problems.map((p) => p.field)).toEqual([
      'filters.statuses',
      'groupBy[1]',
      'groupBy[2]',
      'recipients',
      'escalations[1].afterSeconds',
      'escalations[1]',
      'templates[1]',
    ]);
  });

  it('notify approvers only for steps waiting for approval', () => {
    const base = { ...rule(), recipients: { userIds: [], roles: [], channelIds: [], approvers: true } };
    expect(ruleProblems(base).map((p) => p.field)).toEqual(['recipients.approvers']);
    expect(ruleProblems({ ...base, eventKind: 'STEP_AWAITING_APPROVAL' })).toEqual([]);
  });

  it('escalate by elapsed time', () => {
    const escalations = [
      { afterSeconds: 60, userIds: [], roles: ['ops'], channelIds: [] },
      { afterSeconds: 300, userIds: [], roles: ['boss'], channelIds: [] },
    ];
    expect([0, 59, 60, 299, 300, 9999].map((s) => levelAfter(escalations, s))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('lifecycle transitions apply, are no-ops or are refused', () => {
    expect(transitionOutcome('acknowledge', 'FIRING')).toBe('apply');
    expect(transitionOutcome('acknowledge', 'ACKNOWLEDGED')).toBe('noop');
    expect(transitionOutcome('acknowledge', 'RESOLVED')).toBe('refuse');
    expect(transitionOutcome('silence', 'ACKNOWLEDGED')).toBe('refuse');
    expect(transitionOutcome('resolve', 'SILENCED')).toBe('apply');
    expect(transitionOutcome('silenceEnded', 'ACKNOWLEDGED')).toBe('noop');
  });
});

describe('alert messages', () => {
  const input = sampleInput({ name: 'devices down', severity: 'CRITICAL', eventKind: 'DEVICE_DOWN' });

  it('render the built-in templates in English and Chinese', () => {
    const en = renderMessage(DEFAULT_TEMPLATES.en, input, 'en');
    expect(en.subject).toBe('[CRITICAL] devices down');
    expect(en.body).toContain('Device core-sw-01 (10.0.0.1 @ dc1) is DOWN: CONNECT_TIMEOUT');
    expect(en.body).toContain('Acknowledge: https://switchboard.example/alerts/ack?sample');
    const zh = renderMessage(
      DEFAULT_TEMPLATES['zh-CN'],
      { ...input, alert: { ...input.alert, eventCount: 3 } },
      'zh-CN',
    );
    expect(zh.subject).toBe('【严重】devices down（3 个事件）');
    expect(zh.body).toContain('设备 core-sw-01（10.0.0.1 @ dc1）不可达');
    expect(zh.body).toContain('另有 2 个');
  });

  it('check templates against a sample event, naming the field, line and column', () => {
    const problems = templateProblems(
      [
        { language: 'en', channelKind: null, subject: '{{ rule.name }}', body: 'ok {{ event.device }}' },
        { language: 'zh-CN', channelKind: 'DINGTALK', subject: '{% if %}', body: '{{ event.nope }}' },
      ],
      { name: 'r', severity: 'INFO', eventKind: 'DEVICE_DOWN' },
    );
    expect(problems.map((p) => p.field)).toEqual(['templates[1].subject', 'templates[1].body']);
    expect(problems[1].message).toMatch(/line 1, column \d+: undefined variable: event.nope/);
  });
});

describe('alert channels', () => {
  const message = { deliveryId: 'd-1', subject: 'S', body: 'B', payload: { alert: { id: 'a' } } };
  const now = new Date(1577262236757);

  // Expected values computed independently (Python hmac/base64, following the providers' sample code).
  it('sign DingTalk, Feishu and webhooks as their documents say', () => {
    expect(dingtalkSign('SEC1234567890abcdef', 1577262236757)).toBe(
      'f7qQ1A8KagEZ45y1gasTtKsEq5ERTeDXP9T+WkIqzDk=',
    );
    expect(feishuSign('feishu-secret', 1599360473)).toBe('GnmU6lMJMtXPkxW7kXxgtXI0SJxjk0TQFnFuz93Dt+0=');
    expect(webhookSignature('whsec', 1700000000, '{"a":1}')).toBe(
      'sha256=8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032',
    );
  });

  it('put the DingTalk signature in the URL, URL-encoded', () => {
    const r = buildHttpRequest(
      'DINGTALK',
      { url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: 'SEC1234567890abcdef' },
      { atMobiles: ['13800000000'] },
      message,
      now,
    );
    expect(r.url).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1577262236757&sign=f7qQ1A8KagEZ45y1gasTtKsEq5ERTeDXP9T%2BWkIqzDk%3D',
    );
    const body = JSON.parse(r.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.at.atMobiles).toEqual(['13800000000']);
    expect(body.markdown.text).toContain('@13800000000');
  });

  it('sign webhook bodies with a timestamp and carry the idempotency key', () => {
    const r = buildHttpRequest('WEBHOOK', { url: 'http://h/x', secret: 'whsec' }, {}, message, now);
    const ts = Number(r.headers['x-switchboard-timestamp']);
    expect(r.headers['x-switchboard-signature']).toBe(webhookSignature('whsec', ts, r.body));
    expect(r.headers['idempotency-key']).toBe('d-1');
    expect(JSON.parse(r.body)).toMatchObject({ id: 'd-1', subject: 'S', text: 'B', alert: { id: 'a' } });
  });

  it('read the providers answers: success, rate limits (retried) and refusals (not)', () => {
    expect(interpretResponse('DINGTALK', 200, '{"errcode":0,"errmsg":"ok"}').ok).toBe(true);
    const limited = interpretResponse('DINGTALK', 200, '{"errcode":130101,"errmsg":"send too fast"}');
    expect([limited.ok, limited.retryable]).toEqual([false, true]);
    const badSign = interpretResponse('DINGTALK', 200, '{"errcode":310000,"errmsg":"sign not match"}');
    expect([badSign.ok, badSign.retryable]).toEqual([false, false]);
    expect(
      interpretResponse('WECOM', 200, '{"errcode":45009,"errmsg":"api freq out of limit"}').retryable,
    ).toBe(true);
    expect(interpretResponse('FEISHU', 200, '{"code":0,"msg":"success","data":{}}').ok).toBe(true);
    expect(interpretResponse('FEISHU', 200, '{"code":19021,"msg":"sign match fail"}').retryable).toBe(false);
    expect(interpretResponse('WEBHOOK', 503, 'busy').retryable).toBe(true);
    expect(interpretResponse('WEBHOOK', 401, 'no').retryable).toBe(false);
  });

  it('wait for a slot on a channel at its rate limit (20 a minute), never past the window', () => {
    const now = new Date('2026-01-01T00:01:00Z');
    const at = (s: number) => new Date(now.getTime() - s * 1000);
    const nineteen = Array.from({ length: 19 }, (_, i) => at(i + 1));
    expect(rateLimitWait(nineteen, 20, now)).toBe(0);
    // Twenty in the last minute, the oldest 50 s ago: its slot frees in 10 s.
    expect(rateLimitWait([...nineteen, at(50)], 20, now)).toBe(10_000);
    // Older messages do not count.
    expect(rateLimitWait([...nineteen, at(61)], 20, now)).toBe(0);
  });

  it('check settings per kind', () => {
    expect(channelProblems('EMAIL', { to: ['x'] }, {}, true).map((p) => p.field)).toEqual(['to[0]']);
    expect(
      channelProblems('DINGTALK', {}, { url: 'https://oapi.dingtalk.com/robot/send' }, true)[0].field,
    ).toBe('url');
    expect(
      channelProblems('WECOM', {}, { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' }, true),
    ).toEqual([]);
    expect(channelProblems('FEISHU', {}, {}, true)[0].field).toBe('url');
  });
});

describe('acknowledge links', () => {
  const key = Buffer.alloc(32, 7);
  it('verify their signature and expiry', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const url = new URL(ackUrl('https://sb.example', key, 'a-1', now));
    const values = Object.fromEntries(url.searchParams);
    expect(url.pathname).toBe('/alerts/ack');
    expect(verifyAck(key, values, now)).toBe(true);
    expect(verifyAck(key, { ...values, alert: 'a-2' }, now)).toBe(false);
    expect(verifyAck(Buffer.alloc(32, 8), values, now)).toBe(false);
    expect(verifyAck(key, values, new Date('2026-01-09T00:00:00Z'))).toBe(false);
  });
});
