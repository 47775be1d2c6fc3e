/**
 * The words of a notification: a Liquid subject and body per channel kind and language, rendered
 * with the same engine as config templates (libs/templating: strict variables, bounded time and
 * memory). Pure.
 */
import type { FieldError } from '../../libs/common/src/errors';
import { renderConfig, TemplateError, validateTemplate } from '../../libs/templating/src';
import type {
  AlertEventKind,
  AlertLanguage,
  AlertSeverity,
  ChannelKind,
  MessageTemplate,
} from './alert-rules';

export interface MessageEvent {
  kind: AlertEventKind;
  ts: Date;
  labels: Record<string, string | null>;
  data: Record<string, unknown>;
}

export interface MessageInput {
  rule: { name: string; severity: AlertSeverity; eventKind: AlertEventKind };
  alert: {
    id: string;
    status: string;
    severity: AlertSeverity;
    level: number;
    eventCount: number;
    firstAt: Date;
    labels: Record<string, unknown>;
    /** A signed link that acknowledges the alert; '' when API_PUBLIC_URL is not set. */
    ackUrl: string;
  };
  /** The newest events first, at most a few dozen. */
  events: MessageEvent[];
}

export interface RenderedMessage {
  subject: string;
  body: string;
}

const SEVERITY_TEXT: Record<AlertLanguage, Record<AlertSeverity, string>> = {
  en: { CRITICAL: 'CRITICAL', WARNING: 'WARNING', INFO: 'INFO' },
  'zh-CN': { CRITICAL: '严重', WARNING: '警告', INFO: '提示' },
};

const s = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** One line about an event, in a language. */
export function summaryOf(event: MessageEvent, language: AlertLanguage): string {
  const d = event.data;
  const zh = language === 'zh-CN';
  switch (event.kind) {
    case 'RUN_FINISHED': {
      const what = d.taskName ? `${s(d.taskName)}` : s(d.runKind);
      const error = d.error ? (zh ? `：${s(d.error)}` : `: ${s(d.error)}`) : '';
      return zh
        ? `运行 ${s(d.runId)}（${what}）结束，状态 ${s(d.status)}${error}`
        : `Run ${s(d.runId)} (${what}) finished ${s(d.status)}${error}`;
    }
    case 'STEP_AWAITING_APPROVAL':
      return zh
        ? `运行 ${s(d.runId)}（${s(d.taskName)}）的步骤 ${s(d.stepId)} 等待审批`
        : `Run ${s(d.runId)} (${s(d.taskName)}): step ${s(d.stepId)} waits for approval`;
    case 'DEVICE_DOWN': {
      const site = d.site ? ` @ ${s(d.site)}` : '';
      const error = d.error ? (zh ? `：${s(d.error)}` : `: ${s(d.error)}`) : '';
      return zh
        ? `设备 ${s(d.device)}（${s(d.host)}${site}）不可达${error}`
        : `Device ${s(d.device)} (${s(d.host)}${site}) is DOWN${error}`;
    }
    case 'DEVICE_UP':
      return zh
        ? `设备 ${s(d.device)}（${s(d.host)}）已恢复`
        : `Device ${s(d.device)} (${s(d.host)}) is UP again`;
    case 'NODE_DOWN':
      return zh
        ? `执行节点 ${s(d.nodeId)} 宕机：${s(d.message)}`
        : `Node ${s(d.nodeId)} is DOWN: ${s(d.message)}`;
    case 'NODE_UP':
      return zh ? `执行节点 ${s(d.nodeId)} 已上线` : `Node ${s(d.nodeId)} is UP`;
    case 'CHANNEL_FAILED':
      return zh
        ? `通知渠道 ${s(d.channel)}（${s(d.channelKind)}）发送失败：${s(d.error)}`
        : `Channel ${s(d.channel)} (${s(d.channelKind)}) failed: ${s(d.error)}`;
  }
}

/** What a template sees: `rule`, `alert`, `events` (newest first) and `event` (the newest). */
export function templateContext(input: MessageInput, language: AlertLanguage): Record<string, unknown> {
  const events = input.events.map((e) => ({
    kind: e.kind,
    ts: e.ts.toISOString(),
    summary: summaryOf(e, language),
    ...e.labels,
    ...e.data,
  }));
  return {
    language,
    rule: { ...input.rule },
    alert: {
      ...input.alert,
      firstAt: input.alert.firstAt.toISOString(),
      severityText: SEVERITY_TEXT[language][input.alert.severity],
    },
    events,
    event: events[0] ?? {},
  };
}

/** The built-in templates, used when a rule has none for a channel kind and language. */
export const DEFAULT_TEMPLATES: Record<AlertLanguage, { subject: string; body: string }> = {
  en: {
    subject:
      '[{{ alert.severityText }}] {{ rule.name }}{% if alert.eventCount > 1 %} ({{ alert.eventCount }} events){% endif %}',
    body:
      '**{{ rule.name }}** ({{ alert.severityText }}{% if alert.level > 0 %}, escalated to level {{ alert.level }}{% endif %})\n\n' +
      '{% for e in events %}- {{ e.summary }}{% if e.link != blank %} ({{ e.link }}){% endif %}\n{% endfor %}' +
      '{% if alert.eventCount > events.size %}- ... {{ alert.eventCount | minus: events.size }} more\n{% endif %}' +
      '\nFiring since {{ alert.firstAt }}. Alert {{ alert.id }}.' +
      '{% if alert.ackUrl != "" %}\n\nAcknowledge: {{ alert.ackUrl }}{% endif %}\n',
  },
  'zh-CN': {
    subject:
      '【{{ alert.severityText }}】{{ rule.name }}{% if alert.eventCount > 1 %}（{{ alert.eventCount }} 个事件）{% endif %}',
    body:
      '**{{ rule.name }}**（{{ alert.severityText }}{% if alert.level > 0 %}，已升级到第 {{ alert.level }} 级{% endif %}）\n\n' +
      '{% for e in events %}- {{ e.summary }}{% if e.link != blank %}（{{ e.link }}）{% endif %}\n{% endfor %}' +
      '{% if alert.eventCount > events.size %}- …… 另有 {{ alert.eventCount | minus: events.size }} 个\n{% endif %}' +
      '\n开始时间 {{ alert.firstAt }}，告警 {{ alert.id }}。' +
      '{% if alert.ackUrl != "" %}\n\n确认告警：{{ alert.ackUrl }}{% endif %}\n',
  },
};

/** The rule's template for a channel kind and language: its own, the rule's for any kind, or the default. */
export function templateFor(
  templates: readonly MessageTemplate[],
  channelKind: ChannelKind,
  language: AlertLanguage,
): { subject: string; body: string } {
  return (
    templates.find((t) => t.channelKind === channelKind && t.language === language) ??
    templates.find((t) => t.channelKind === null && t.language === language) ??
    DEFAULT_TEMPLATES[language]
  );
}

/** Renders a message; a template error is a BAD_USER_INPUT naming `field` (and the line and column). */
export function renderMessage(
  template: { subject: string; body: string },
  input: MessageInput,
  language: AlertLanguage,
  field = 'template',
): RenderedMessage {
  const variables = templateContext(input, language);
  return {
    subject: renderConfig({ source: template.subject, variables, name: `${field}.subject` })
      .replace(/\s+/g, ' ')
      .trim(),
    body: renderConfig({ source: template.body, variables, name: `${field}.body` }),
  };
}

/** A made-up event of each kind, for previews and for checking templates when a rule is saved. */
export function sampleEvent(kind: AlertEventKind, now = new Date()): MessageEvent {
  const base = { kind, ts: now };
  switch (kind) {
    case 'RUN_FINISHED':
      return {
        ...base,
        labels: { runKind: 'task', status: 'FAILED', task: 'nightly-backup', site: 'dc1' },
        data: {
          runId: '00000000-0000-4000-8000-000000000001',
          runKind: 'task',
          status: 'FAILED',
          taskId: '00000000-0000-4000-8000-000000000002',
          taskName: 'nightly-backup',
          sites: ['dc1'],
          error: 'step backup failed on 3 devices',
          link: '',
        },
      };
    case 'STEP_AWAITING_APPROVAL':
      return {
        ...base,
        labels: { task: 'core-change', run: '00000000-0000-4000-8000-000000000001', step: 'approve' },
        data: {
          runId: '00000000-0000-4000-8000-000000000001',
          stepId: 'approve',
          taskId: '00000000-0000-4000-8000-000000000002',
          taskName: 'core-change',
          link: '',
        },
      };
    case 'DEVICE_DOWN':
    case 'DEVICE_UP':
      return {
        ...base,
        labels: { device: 'core-sw-01', site: 'dc1' },
        data: {
          deviceId: '00000000-0000-4000-8000-000000000003',
          device: 'core-sw-01',
          host: '10.0.0.1',
          site: 'dc1',
          sites: ['dc1'],
          tags: ['core'],
          status: kind === 'DEVICE_DOWN' ? 'DOWN' : 'UP',
          error: kind === 'DEVICE_DOWN' ? 'CONNECT_TIMEOUT: no answer in 5000 ms' : null,
        },
      };
    case 'NODE_DOWN':
    case 'NODE_UP':
      return {
        ...base,
        labels: { node: 'worker-2' },
        data: {
          nodeId: 'worker-2',
          message: kind === 'NODE_DOWN' ? 'no heartbeat for 15 s' : 'serving switchboard',
        },
      };
    case 'CHANNEL_FAILED':
      return {
        ...base,
        labels: { channel: 'ops-dingtalk' },
        data: {
          channelId: '00000000-0000-4000-8000-000000000004',
          channel: 'ops-dingtalk',
          channelKind: 'DINGTALK',
          deliveryId: '00000000-0000-4000-8000-000000000005',
          error: 'DINGTALK error 310000: sign not match',
        },
      };
  }
}

/** A sample alert of a rule, for previews. */
export function sampleInput(
  rule: MessageInput['rule'],
  now = new Date(),
  ackUrl = 'https://switchboard.example/alerts/ack?sample',
): MessageInput {
  return {
    rule,
    alert: {
      id: '00000000-0000-4000-8000-00000000000a',
      status: 'FIRING',
      severity: rule.severity,
      level: 0,
      eventCount: 1,
      firstAt: now,
      labels: {},
      ackUrl,
    },
    events: [sampleEvent(rule.eventKind, now)],
  };
}

/**
 * Problems of a rule's templates: syntax, and rendering against a sample event of its kind
 * (an unknown variable is an error), each naming `templates[i].subject` or `.body`.
 */
export function templateProblems(
  templates: readonly MessageTemplate[],
  rule: MessageInput['rule'],
): FieldError[] {
  const problems: FieldError[] = [];
  templates.forEach((t, i) => {
    for (const part of ['subject', 'body'] as const) {
      const field = `templates[${i}].${part}`;
      const syntax = validateTemplate(t[part]);
      if (!syntax.ok) {
        const e = syntax.errors[0];
        problems.push({ field, message: `line ${e.line}, column ${e.column}: ${e.message}` });
        continue;
      }
      try {
        renderMessage({ subject: '', body: '', [part]: t[part] }, sampleInput(rule), t.language);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        const e = error.issue;
        problems.push({ field, message: `line ${e.line}, column ${e.column}: ${e.message}` });
      }
    }
  });
  return problems;
}
