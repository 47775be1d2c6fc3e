import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import type { TypedDocumentNode } from '@apollo/client';
import {
  Alert,
  App,
  Button,
  Card,
  Descriptions,
  Drawer,
  Popconfirm,
  Progress,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { Pager, useCursorPages } from '../../app/paging';
import { useFormat, useSession } from '../../app/session';
import type { PortalRunUpdatedSubscription } from '../../gql/graphql';
import { DeviceOutputs } from './DeviceOutputs';
import {
  CancelRun,
  PauseRun,
  RestartRun,
  ResumeRun,
  RetryRun,
  RunDevicesQuery,
  RunQuery,
} from './run.documents';
import { RunUpdatedSubscription } from './run.documents';
import { FINAL_STATUSES, StatusTag, useKindLabel } from './StatusTag';

type RunEvent = PortalRunUpdatedSubscription['runUpdated']['events'][number];
const DEVICES_PAGE = 100;
const FALLBACK_POLL_MS = 10_000;

/**
 * One run, live: its state and progress (pushed by runUpdated, which also brings the event log),
 * its steps, its devices with their state, a device's outputs, the link to its workflow in the
 * Temporal UI, and the actions this user may take.
 */
export default function RunPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const format = useFormat();
  const kindLabel = useKindLabel();
  const { data, error, startPolling, stopPolling } = useQuery(RunQuery, { variables: { id } });
  const status = data?.run.status;
  // The subscription pushes every change; a slow poll until the run ends covers a socket that dropped.
  useEffect(() => {
    if (!status || FINAL_STATUSES.has(status)) return stopPolling();
    startPolling(FALLBACK_POLL_MS);
    return stopPolling;
  }, [status, startPolling, stopPolling]);
  const pages = useCursorPages();
  const devices = useQuery(RunDevicesQuery, { variables: { id, first: DEVICES_PAGE, after: pages.after } });
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [shown, setShown] = useState<{ name: string; after: string | null } | null>(null);
  // Each update carries the run (normalised into the cache by id, so the page re-renders) and the
  // events since the previous one; the devices' states are read again with it.
  useSubscription(RunUpdatedSubscription, {
    variables: { runId: id },
    onData: ({ data: update }) => {
      const fresh = update.data?.runUpdated.events ?? [];
      if (fresh.length)
        setEvents((old) => {
          const seen = new Set(old.map((e) => e.id));
          return [...old, ...fresh.filter((e) => !seen.has(e.id))];
        });
      void devices.refetch();
    },
  });

  if (error) return <Alert type="error" title={t('common.error', { message: error.message })} />;
  const run = data?.run;
  if (!run) return <Card loading />;
  const p = run.progress;
  const done = p.succeeded + p.failed + p.cancelled;
  const rows = devices.data?.run.devices.edges ?? [];
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Card
        title={
          <Typography.Title level={1} style={{ fontSize: 20, margin: 0 }}>
            {t('run.title', { id: run.id.slice(0, 8) })} <StatusTag status={run.status} />
          </Typography.Title>
        }
        extra={<RunActions id={run.id} kind={run.kind} status={run.status} />}
      >
        <Progress
          aria-label={t('runs.progress')}
          percent={p.total ? Math.round((done / p.total) * 100) : 0}
          success={{ percent: p.total ? Math.round((p.succeeded / p.total) * 100) : 0 }}
          status={FINAL_STATUSES.has(run.status) ? (p.failed ? 'exception' : 'success') : 'active'}
        />
        <Typography.Paragraph data-testid="run-progress">
          {t('run.progressText', { done: format.number(done), total: format.number(p.total) })}
        </Typography.Paragraph>
        {run.error && (
          <Alert type="error" title={t('run.error')} description={run.error} style={{ marginBottom: 16 }} />
        )}
        <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} bordered>
          <Descriptions.Item label={t('runs.kind')}>
            {kindLabel(run.kind)}
            {run.taskName ? ` · ${run.taskName} v${run.taskVersion}` : ''}
          </Descriptions.Item>
          <Descriptions.Item label={t('runs.createdBy')}>
            {run.createdBy ?? t('runs.system')}
          </Descriptions.Item>
          <Descriptions.Item label={t('runs.createdAt')}>{format.dateTime(run.createdAt)}</Descriptions.Item>
          <Descriptions.Item label={t('runs.startedAt')}>{format.dateTime(run.startedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('runs.finishedAt')}>
            {format.dateTime(run.finishedAt)}
          </Descriptions.Item>
          <Descriptions.Item label={t('runs.duration')}>
            {format.duration(run.startedAt, run.finishedAt)}
          </Descriptions.Item>
          {run.commands.length > 0 && (
            <Descriptions.Item label={t('run.commands')} span={3}>
              {run.commands.map((c) => (
                <Tag key={c} style={{ fontFamily: 'monospace' }}>
                  {c}
                </Tag>
              ))}
            </Descriptions.Item>
          )}
          <Descriptions.Item label="Temporal" span={3}>
            <a href={run.temporalUrl} target="_blank" rel="noreferrer">
              {t('run.temporal')}
            </a>{' '}
            <Typography.Text type="secondary" code>
              {run.workflowId}
            </Typography.Text>
          </Descriptions.Item>
        </Descriptions>
      </Card>

      {run.steps.length > 0 && (
        <Card title={t('run.steps')}>
          <Table
            rowKey="stepId"
            size="small"
            pagination={false}
            dataSource={run.steps}
            columns={[
              { title: t('run.step'), render: (_, s) => s.name ?? s.stepId },
              { title: t('runs.kind'), dataIndex: 'kind' },
              {
                title: t('runs.status'),
                dataIndex: 'status',
                render: (s: string) => <StatusTag status={s} />,
              },
              { title: t('run.attempts'), dataIndex: 'attempts' },
              { title: t('runs.duration'), render: (_, s) => format.duration(s.startedAt, s.finishedAt) },
              {
                title: t('run.error'),
                render: (_, s) =>
                  s.childRunId ? (
                    <Link to={`/runs/${s.childRunId}`}>{s.childRunId.slice(0, 8)}</Link>
                  ) : (
                    s.errorMessage
                  ),
              },
            ]}
          />
        </Card>
      )}

      <Card title={t('run.devices')}>
        <Table
          rowKey={(row) => row.node.id}
          size="small"
          pagination={false}
          loading={devices.loading && !devices.data}
          dataSource={rows}
          columns={[
            { title: t('run.device'), render: (_, row) => row.node.deviceName },
            { title: t('run.host'), render: (_, row) => row.node.host },
            { title: t('run.platform'), render: (_, row) => row.node.platform },
            { title: t('runs.status'), render: (_, row) => <StatusTag status={row.node.status} /> },
            { title: t('run.attempts'), render: (_, row) => row.node.attempts },
            {
              title: t('runs.duration'),
              render: (_, row) => format.duration(row.node.startedAt, row.node.finishedAt),
            },
            {
              title: t('run.error'),
              render: (_, row) =>
                row.node.errorKind ? `${row.node.errorKind}: ${row.node.errorMessage ?? ''}` : null,
            },
            {
              title: t('run.outputs'),
              render: (_, row, index) => (
                <Button
                  size="small"
                  aria-label={`${t('run.showOutput')} ${row.node.deviceName}`}
                  onClick={() =>
                    setShown({
                      name: row.node.deviceName,
                      after: index === 0 ? pages.after : rows[index - 1].cursor,
                    })
                  }
                >
                  {t('run.showOutput')}
                </Button>
              ),
            },
          ]}
        />
        <Pager
          pages={pages}
          totalCount={devices.data?.run.devices.totalCount}
          hasNextPage={devices.data?.run.devices.pageInfo.hasNextPage ?? false}
          endCursor={devices.data?.run.devices.pageInfo.endCursor}
        />
      </Card>

      <Card title={t('run.events')}>
        <Table
          rowKey="id"
          size="small"
          dataSource={events}
          locale={{ emptyText: t('run.noEvents') }}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          columns={[
            {
              title: t('run.time'),
              dataIndex: 'ts',
              render: (ts: string) => format.dateTime(ts),
              width: 200,
            },
            {
              title: t('run.level'),
              dataIndex: 'level',
              width: 90,
              render: (level: string) => (
                <Tag color={level === 'error' ? 'error' : level === 'warn' ? 'warning' : 'default'}>
                  {level}
                </Tag>
              ),
            },
            { title: t('run.device'), dataIndex: 'deviceName', width: 160 },
            { title: t('run.message'), dataIndex: 'message' },
          ]}
        />
      </Card>

      <Drawer
        open={shown !== null}
        size="large"
        title={shown ? t('run.outputOf', { device: shown.name }) : ''}
        onClose={() => setShown(null)}
        destroyOnHidden
      >
        {shown && <DeviceOutputs runId={run.id} after={shown.after} />}
      </Drawer>
    </Space>
  );
}

/** The actions on a run this user may take now; the API checks each again. */
function RunActions(props: { id: string; kind: string; status: string }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const { message } = App.useApp();
  const final = FINAL_STATUSES.has(props.status);
  const control = can('runs:control');
  const rerun = can('tasks:run') && props.kind === 'task';
  const actions: {
    key: string;
    label: string;
    document: TypedDocumentNode<unknown, { id: string }>;
    confirm?: string;
  }[] = [];
  if (control && props.kind === 'task' && props.status === 'RUNNING')
    actions.push({ key: 'pause', label: t('run.pause'), document: PauseRun });
  if (control && props.status === 'PAUSED')
    actions.push({ key: 'resume', label: t('run.resume'), document: ResumeRun });
  if (rerun && ['FAILED', 'COMPLETED_WITH_ERRORS', 'CANCELLED'].includes(props.status))
    actions.push({ key: 'retry', label: t('run.retry'), document: RetryRun });
  if (rerun && final) actions.push({ key: 'restart', label: t('run.restart'), document: RestartRun });
  if (control && !final && props.status !== 'CANCELLING')
    actions.push({
      key: 'cancel',
      label: t('run.cancel'),
      document: CancelRun,
      confirm: t('run.cancelConfirm'),
    });
  if (!actions.length) return null;
  return (
    <Space>
      {actions.map((a) => (
        <RunAction
          key={a.key}
          id={props.id}
          label={a.label}
          document={a.document}
          confirm={a.confirm}
          onDone={() => void message.success(t('run.actionDone', { action: a.label }))}
        />
      ))}
    </Space>
  );
}

function RunAction(props: {
  id: string;
  label: string;
  document: TypedDocumentNode<unknown, { id: string }>;
  confirm?: string;
  onDone: () => void;
}) {
  const { message } = App.useApp();
  const [mutate, { loading }] = useMutation(props.document);
  const run = async () => {
    try {
      await mutate({ variables: { id: props.id } });
      props.onDone();
    } catch (error) {
      void message.error((error as Error).message);
    }
  };
  const button = (
    <Button danger={!!props.confirm} loading={loading} onClick={props.confirm ? undefined : run}>
      {props.label}
    </Button>
  );
  return props.confirm ? (
    <Popconfirm title={props.confirm} onConfirm={run}>
      {button}
    </Popconfirm>
  ) : (
    button
  );
}
