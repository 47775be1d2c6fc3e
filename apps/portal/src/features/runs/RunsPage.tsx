import { useQuery } from '@apollo/client/react';
import { Alert, Card, Progress, Select, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { useFormat } from '../../app/session';
import { Pager, useCursorPages } from '../../app/paging';
import { graphql } from '../../gql';
import type { RunStatus } from '../../gql/graphql';
import { RUN_KINDS, RUN_STATUSES, StatusTag, useKindLabel } from './StatusTag';

const RunsQuery = graphql(`
  query PortalRuns($first: Int!, $after: String, $kind: String, $status: RunStatus) {
    runs(first: $first, after: $after, kind: $kind, status: $status) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          kind
          status
          taskName
          createdBy
          createdAt
          startedAt
          finishedAt
          progress {
            total
            succeeded
            failed
            cancelled
          }
        }
      }
    }
  }
`);

const PAGE_SIZE = 20;

/** Runs, newest first, filtered by kind and status (kept in the address), paged on the server. */
export default function RunsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const kindLabel = useKindLabel();
  const [params, setParams] = useSearchParams();
  const kind = params.get('kind');
  const status = params.get('status') as RunStatus | null;
  const pages = useCursorPages();
  const { data, error, loading } = useQuery(RunsQuery, {
    variables: { first: PAGE_SIZE, after: pages.after, kind, status },
    pollInterval: 5000,
  });
  const setFilter = (name: 'kind' | 'status', value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
    pages.reset();
  };
  const runs = data?.runs.edges.map((e) => e.node) ?? [];
  return (
    <Card
      title={
        <Typography.Title level={1} style={{ fontSize: 20, margin: 0 }}>
          {t('runs.title')}
        </Typography.Title>
      }
    >
      <Space style={{ marginBottom: 16 }} wrap>
        <Select
          aria-label={t('runs.filterKind')}
          placeholder={t('runs.filterKind')}
          allowClear
          style={{ width: 180 }}
          value={kind ?? undefined}
          onChange={(v: string | undefined) => setFilter('kind', v)}
          options={RUN_KINDS.map((k) => ({ value: k, label: t(`runs.kinds.${k}`) }))}
        />
        <Select
          aria-label={t('runs.filterStatus')}
          placeholder={t('runs.filterStatus')}
          allowClear
          style={{ width: 200 }}
          value={status ?? undefined}
          onChange={(v: string | undefined) => setFilter('status', v)}
          options={RUN_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
        />
      </Space>
      {error && <Alert type="error" title={t('common.error', { message: error.message })} />}
      <Table
        rowKey="id"
        size="middle"
        loading={loading && !data}
        dataSource={runs}
        pagination={false}
        columns={[
          {
            title: t('runs.id'),
            dataIndex: 'id',
            render: (id: string) => <Link to={`/runs/${id}`}>{id.slice(0, 8)}</Link>,
          },
          {
            title: t('runs.kind'),
            dataIndex: 'kind',
            render: (k: string, run) => `${kindLabel(k)}${run.taskName ? ` · ${run.taskName}` : ''}`,
          },
          { title: t('runs.status'), dataIndex: 'status', render: (s: string) => <StatusTag status={s} /> },
          {
            title: t('runs.progress'),
            render: (_, run) => {
              const p = run.progress;
              const done = p.succeeded + p.failed + p.cancelled;
              return (
                <Progress
                  aria-label={t('runs.progress')}
                  percent={p.total ? Math.round((done / p.total) * 100) : 0}
                  success={{ percent: p.total ? Math.round((p.succeeded / p.total) * 100) : 0 }}
                  status={p.failed ? 'exception' : undefined}
                  size="small"
                  style={{ width: 140 }}
                />
              );
            },
          },
          {
            title: t('runs.createdBy'),
            dataIndex: 'createdBy',
            render: (u: string | null) => u ?? t('runs.system'),
          },
          { title: t('runs.createdAt'), dataIndex: 'createdAt', render: (d: string) => format.dateTime(d) },
          { title: t('runs.duration'), render: (_, run) => format.duration(run.startedAt, run.finishedAt) },
        ]}
      />
      <Pager
        pages={pages}
        totalCount={data?.runs.totalCount}
        hasNextPage={data?.runs.pageInfo.hasNextPage ?? false}
        endCursor={data?.runs.pageInfo.endCursor}
      />
    </Card>
  );
}
