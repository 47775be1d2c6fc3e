/**
 * Alert rules as pure rules: the events a rule can fire on, the filters and grouping labels each
 * kind has, matching an event, the grouping key, and the checks of a rule's shape (each problem
 * names its field). No I/O: core/alerts/alerts.repository.ts stores rules, evaluator.ts applies them.
 */
import type { FieldError } from '../../libs/common/src/errors';

export const ALERT_EVENT_KINDS = [
  'RUN_FINISHED',
  'STEP_AWAITING_APPROVAL',
  'DEVICE_DOWN',
  'DEVICE_UP',
  'NODE_DOWN',
  'NODE_UP',
  'CHANNEL_FAILED',
] as const;
export type AlertEventKind = (typeof ALERT_EVENT_KINDS)[number];

export const ALERT_SEVERITIES = ['CRITICAL', 'WARNING', 'INFO'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_LANGUAGES = ['en', 'zh-CN'] as const;
export type AlertLanguage = (typeof ALERT_LANGUAGES)[number];

export const CHANNEL_KINDS = ['EMAIL', 'WEBHOOK', 'DINGTALK', 'WECOM', 'FEISHU'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export interface AlertFilters {
  /** RUN_FINISHED: final statuses (FAILED, ROLLBACK_FAILED, ...). */
  statuses?: string[];
  /** RUN_FINISHED: collection, change, backup, task ... */
  runKinds?: string[];
  /** RUN_FINISHED, STEP_AWAITING_APPROVAL: the run's task. */
  taskIds?: string[];
  /** Runs (any of their devices' sites) and devices. */
  sites?: string[];
  /** Devices carrying all of these tags. */
  deviceTags?: string[];
  deviceIds?: string[];
  nodeIds?: string[];
}
export type FilterName = keyof AlertFilters;

/** Which filters apply to which event kind. */
export const FILTERS_BY_KIND: Record<AlertEventKind, readonly FilterName[]> = {
  RUN_FINISHED: ['statuses', 'runKinds', 'taskIds', 'sites'],
  STEP_AWAITING_APPROVAL: ['taskIds'],
  DEVICE_DOWN: ['sites', 'deviceTags', 'deviceIds'],
  DEVICE_UP: ['sites', 'deviceTags', 'deviceIds'],
  NODE_DOWN: ['nodeIds'],
  NODE_UP: ['nodeIds'],
  CHANNEL_FAILED: [],
};

/** The labels an event of each kind carries: what `groupBy` may name. */
export const LABELS_BY_KIND: Record<AlertEventKind, readonly string[]> = {
  RUN_FINISHED: ['runKind', 'status', 'task', 'site'],
  STEP_AWAITING_APPROVAL: ['task', 'run', 'step'],
  DEVICE_DOWN: ['device', 'site'],
  DEVICE_UP: ['device', 'site'],
  NODE_DOWN: ['node'],
  NODE_UP: ['node'],
  CHANNEL_FAILED: ['channel'],
};

/** Something that happened, read from what the system records (run rows, device status, node events). */
export interface AlertEvent {
  kind: AlertEventKind;
  /** Unique per occurrence (`run:<id>`, `device:<id>:<changed at>`): an event joins an alert once. */
  key: string;
  /** What the event is about; a later event that `clears` it resolves the alert (device UP again). */
  subject: string;
  /** Subjects whose open events this one clears. */
  clears: string[];
  ts: Date;
  labels: Record<string, string | null>;
  /** What filters and templates read: runId, status, taskId, sites, deviceId, tags, error ... */
  data: Record<string, unknown>;
}

export interface Recipients {
  userIds: string[];
  roles: string[];
  channelIds: string[];
  /** STEP_AWAITING_APPROVAL: everyone who holds changes:approve (by e-mail). */
  approvers?: boolean;
}

export interface Escalation extends Recipients {
  /** Unacknowledged this long after the alert fired: these recipients are told too. */
  afterSeconds: number;
}

export interface MessageTemplate {
  language: AlertLanguage;
  /** Null: any channel kind without a template of its own. */
  channelKind: ChannelKind | null;
  subject: string;
  body: string;
}

export interface AlertRule {
  id: string;
  name: string;
  enabled: boolean;
  eventKind: AlertEventKind;
  filters: AlertFilters;
  severity: AlertSeverity;
  recipients: Recipients;
  escalations: Escalation[];
  templates: MessageTemplate[];
  groupBy: string[];
  groupWindowSeconds: number;
  repeatIntervalSeconds: number;
  language: AlertLanguage;
  createdAt: Date;
}

export const MAX_ESCALATIONS = 5;
export const MAX_TEMPLATES = 24;
export const MAX_RECIPIENTS = 100;
export const MAX_FILTER_VALUES = 200;
export const MAX_TEMPLATE_LENGTH = 16_384;
/** A week: longer windows and intervals are a mistake, not a policy. */
export const MAX_SECONDS = 7 * 24 * 3600;

const has = (list: readonly string[] | undefined) => !!list && list.length > 0;

/** Whether an event passes a rule's kind, age and filters. */
export function ruleMatches(rule: AlertRule, event: AlertEvent): boolean {
  if (!rule.enabled || rule.eventKind !== event.kind || event.ts < rule.createdAt) return false;
  const f = rule.filters;
  const d = event.data;
  const str = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : null);
  const arr = (key: string) => (Array.isArray(d[key]) ? (d[key] as string[]) : []);
  if (has(f.statuses) && !f.statuses!.includes(str('status') ?? '')) return false;
  if (has(f.runKinds) && !f.runKinds!.includes(str('runKind') ?? '')) return false;
  if (has(f.taskIds) && !f.taskIds!.includes(str('taskId') ?? '')) return false;
  if (has(f.sites) && !arr('sites').some((s) => f.sites!.includes(s))) return false;
  if (has(f.deviceTags) && !f.deviceTags!.every((t) => arr('tags').includes(t))) return false;
  if (has(f.deviceIds) && !f.deviceIds!.includes(str('deviceId') ?? '')) return false;
  if (has(f.nodeIds) && !f.nodeIds!.includes(str('nodeId') ?? '')) return false;
  return true;
}

/** The grouping key: the `groupBy` labels of the event (`site=lab,device=r1`); '' groups them all. */
export function groupKeyOf(groupBy: readonly string[], event: AlertEvent): string {
  return groupBy.map((l) => `${l}=${event.labels[l] ?? ''}`).join(',');
}

/** The labels an alert keeps: its grouping labels. */
export function groupLabelsOf(groupBy: readonly string[], event: AlertEvent): Record<string, string | null> {
  return Object.fromEntries(groupBy.map((l) => [l, event.labels[l] ?? null]));
}

/** The escalation level an alert unacknowledged for `elapsedSeconds` has reached (0: the rule's recipients). */
export function levelAfter(escalations: readonly Escalation[], elapsedSeconds: number): number {
  let level = 0;
  escalations.forEach((e, i) => {
    if (elapsedSeconds >= e.afterSeconds) level = i + 1;
  });
  return level;
}

/** The recipients of a level: 0 is the rule's, n is escalations[n - 1]. */
export function recipientsOfLevel(
  rule: Pick<AlertRule, 'recipients' | 'escalations'>,
  level: number,
): Recipients {
  return level === 0 ? rule.recipients : rule.escalations[level - 1];
}

type RuleShape = Pick<
  AlertRule,
  | 'name'
  | 'eventKind'
  | 'filters'
  | 'recipients'
  | 'escalations'
  | 'templates'
  | 'groupBy'
  | 'groupWindowSeconds'
  | 'repeatIntervalSeconds'
>;

/**
 * What is wrong with a rule's shape, each problem naming its field: filters that do not apply to
 * the event kind, unknown grouping labels, escalations out of order, no recipient at all, two
 * templates for the same channel kind and language. Template syntax is checked by messages.ts.
 */
export function ruleProblems(rule: RuleShape): FieldError[] {
  const problems: FieldError[] = [];
  const allowed = FILTERS_BY_KIND[rule.eventKind];
  for (const [name, values] of Object.entries(rule.filters ?? {})) {
    if (values === undefined || values === null) continue;
    if (!allowed.includes(name as FilterName)) {
      problems.push({
        field: `filters.${name}`,
        message: `does not apply to ${rule.eventKind} events (they have ${allowed.join(', ')})`,
      });
    }
  }
  const labels = LABELS_BY_KIND[rule.eventKind];
  rule.groupBy.forEach((label, i) => {
    if (!labels.includes(label)) {
      problems.push({
        field: `groupBy[${i}]`,
        message: `${rule.eventKind} events have the labels ${labels.join(', ')}`,
      });
    } else if (rule.groupBy.indexOf(label) !== i) {
      problems.push({ field: `groupBy[${i}]`, message: `${label} is listed twice` });
    }
  });
  const count = (r: Recipients) =>
    r.userIds.length + r.roles.length + r.channelIds.length + (r.approvers ? 1 : 0);
  if (count(rule.recipients) === 0) {
    problems.push({ field: 'recipients', message: 'name at least one user, role or channel' });
  }
  const approvers = [rule.recipients, ...rule.escalations].findIndex((r) => r.approvers);
  if (approvers >= 0 && rule.eventKind !== 'STEP_AWAITING_APPROVAL') {
    problems.push({
      field: approvers === 0 ? 'recipients.approvers' : `escalations[${approvers - 1}].approvers`,
      message: 'only STEP_AWAITING_APPROVAL rules notify the approvers',
    });
  }
  let previous = 0;
  rule.escalations.forEach((e, i) => {
    if (e.afterSeconds <= previous) {
      problems.push({
        field: `escalations[${i}].afterSeconds`,
        message: i === 0 ? 'must be more than 0' : `must be more than escalations[${i - 1}].afterSeconds`,
      });
    }
    previous = Math.max(previous, e.afterSeconds);
    if (count(e) === 0) {
      problems.push({ field: `escalations[${i}]`, message: 'name at least one user, role or channel' });
    }
  });
  const seen = new Set<string>();
  rule.templates.forEach((t, i) => {
    const key = `${t.channelKind ?? '*'}/${t.language}`;
    if (seen.has(key)) {
      problems.push({
        field: `templates[${i}]`,
        message: `a second template for ${t.channelKind ?? 'every channel kind'} in ${t.language}`,
      });
    }
    seen.add(key);
  });
  return problems;
}
