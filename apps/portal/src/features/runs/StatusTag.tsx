import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { zhCN } from '../../i18n/zh-CN';

type StatusKey = keyof typeof zhCN.status;

const COLORS: Partial<Record<StatusKey, string>> = {
  COMPLETED: 'success',
  SUCCEEDED: 'success',
  UP: 'success',
  RUNNING: 'processing',
  CANCELLING: 'processing',
  ROLLING_BACK: 'processing',
  PENDING: 'default',
  WAITING_UPSTREAM: 'default',
  COMPLETED_WITH_ERRORS: 'warning',
  AWAITING_APPROVAL: 'warning',
  WAITING_APPROVAL: 'warning',
  PAUSED: 'warning',
  FAILED: 'error',
  ROLLBACK_FAILED: 'error',
  REJECTED: 'error',
  DOWN: 'error',
};

/** A run's, step's, device's or reachability status, coloured and in the user's language. */
export function StatusTag(props: { status: string }) {
  const { t } = useTranslation();
  const key = props.status as StatusKey;
  const known = Object.hasOwn(zhCN.status, key);
  return (
    <Tag color={COLORS[key] ?? 'default'} data-status={props.status}>
      {known ? t(`status.${key}`) : props.status}
    </Tag>
  );
}

export const RUN_STATUSES = [
  'PENDING',
  'WAITING_UPSTREAM',
  'RUNNING',
  'AWAITING_APPROVAL',
  'PAUSED',
  'CANCELLING',
  'ROLLING_BACK',
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'FAILED',
  'CANCELLED',
  'REJECTED',
  'ROLLED_BACK',
  'ROLLBACK_FAILED',
  'SKIPPED',
] as const;

/** Statuses a run does not leave. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set([
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'FAILED',
  'CANCELLED',
  'REJECTED',
  'ROLLED_BACK',
  'ROLLBACK_FAILED',
  'SKIPPED',
]);

export const RUN_KINDS = ['collection', 'change', 'task', 'backup'] as const;

/** A run's kind in the user's language (an unknown kind as the API names it). */
export function useKindLabel(): (kind: string) => string {
  const { t } = useTranslation();
  return (kind) =>
    (RUN_KINDS as readonly string[]).includes(kind)
      ? t(`runs.kinds.${kind as (typeof RUN_KINDS)[number]}`)
      : kind;
}
