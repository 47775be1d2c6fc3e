import { registerEnumType } from '@nestjs/graphql';
import { ALERT_EVENT_KINDS, ALERT_SEVERITIES, CHANNEL_KINDS } from '../../../core/alerts/alert-rules';
import { ALERT_STATUSES } from '../../../core/alerts/alert-states';

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const AlertEventKindEnum = asEnum(ALERT_EVENT_KINDS);
registerEnumType(AlertEventKindEnum, {
  name: 'AlertEventKind',
  description:
    'RUN_FINISHED: a run reached a final status. STEP_AWAITING_APPROVAL: a task step waits for a decision. ' +
    'DEVICE_DOWN / DEVICE_UP: a reachability check changed the status of a device. NODE_DOWN / NODE_UP: an execution node stopped heartbeating, or came back. ' +
    'CHANNEL_FAILED: a notification could not be delivered on a channel (attempts used up, or refused).',
});

export const AlertSeverityEnum = asEnum(ALERT_SEVERITIES);
registerEnumType(AlertSeverityEnum, { name: 'AlertSeverity' });

export const AlertChannelKindEnum = asEnum(CHANNEL_KINDS);
registerEnumType(AlertChannelKindEnum, {
  name: 'AlertChannelKind',
  description:
    'EMAIL (SMTP_URL), WEBHOOK (HMAC-SHA256 signed JSON), DINGTALK custom robot, WECOM group robot, FEISHU / Lark custom bot.',
});

export const AlertStatusEnum = asEnum(ALERT_STATUSES);
registerEnumType(AlertStatusEnum, {
  name: 'AlertStatus',
  description:
    'FIRING: notifications go out (repeats, escalation). ACKNOWLEDGED: someone took it. SILENCED: quiet until a time. ' +
    'RESOLVED: the condition cleared (the device is UP again) or someone resolved it.',
});
