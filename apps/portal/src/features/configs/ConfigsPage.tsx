import { useQuery } from '@apollo/client/react';
import { Alert, Card, Empty, Space, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { Pager, useCursorPages } from '../../app/paging';
import { useFormat } from '../../app/session';
import { graphql } from '../../gql';
import { ConfigDiffView } from './ConfigDiffView';

const SnapshotsQuery = graphql(`
  query PortalConfigSnapshots($deviceId: ID!, $first: Int!, $after: String) {
    device(id: $deviceId) {
      id
      name
      platform
    }
    configSnapshots(deviceId: $deviceId, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          version
          createdAt
          lastSeenAt
          source
          reason
          sizeBytes
          runId
        }
      }
    }
  }
`);

const PAGE_SIZE = 20;
type Picked = { id: string; version: number };

/** A device's config versions, newest first; any two ticked are compared side by side. */
export default function ConfigsPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const format = useFormat();
  const pages = useCursorPages();
  const { data, error, loading } = useQuery(SnapshotsQuery, {
    variables: { deviceId: id, first: PAGE_SIZE, after: pages.after },
  });
  const [picked, setPicked] = useState<Picked[]>([]);
  const snapshots = data?.configSnapshots.edges.map((e) => e.node) ?? [];
  // The two latest versions are compared until the user ticks others.
  const latest = snapshots.length >= 2 && pages.page === 1 ? snapshots.slice(0, 2) : null;
  useEffect(() => {
    if (latest && picked.length === 0) setPicked(latest.map((s) => ({ id: s.id, version: s.version })));
  }, [latest, picked.length]);

  if (error) return <Alert type="error" title={t('common.error', { message: error.message })} />;
  const [from, to] = [...picked].sort((a, b) => a.version - b.version);
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Card
        title={
          <Typography.Title level={1} style={{ fontSize: 20, margin: 0 }}>
            {t('configs.title', { device: data?.device.name ?? '' })}
          </Typography.Title>
        }
      >
        <Table
          rowKey="id"
          size="small"
          loading={loading && !data}
          pagination={false}
          dataSource={snapshots}
          locale={{ emptyText: <Empty description={t('configs.empty')} /> }}
          rowSelection={{
            columnTitle: t('configs.compare'),
            columnWidth: 72,
            selectedRowKeys: picked.map((p) => p.id),
            getCheckboxProps: (row) => ({
              'aria-label': `${t('configs.compare')} v${row.version}`,
              disabled: picked.length >= 2 && !picked.some((p) => p.id === row.id),
            }),
            onChange: (_, rows) => setPicked(rows.slice(-2).map((r) => ({ id: r.id, version: r.version }))),
          }}
          columns={[
            { title: t('configs.version'), dataIndex: 'version', render: (v: number) => `v${v}` },
            {
              title: t('configs.savedAt'),
              dataIndex: 'createdAt',
              render: (d: string) => format.dateTime(d),
            },
            {
              title: t('configs.lastSeenAt'),
              dataIndex: 'lastSeenAt',
              render: (d: string) => format.dateTime(d),
            },
            {
              title: t('configs.source'),
              dataIndex: 'source',
              render: (s: string) => (s === 'backup' || s === 'import' ? t(`configs.sources.${s}`) : s),
            },
            { title: t('configs.reason'), dataIndex: 'reason' },
            {
              title: t('configs.size'),
              dataIndex: 'sizeBytes',
              render: (n: number) => `${format.number(n)} B`,
            },
          ]}
        />
        <Pager
          pages={pages}
          totalCount={data?.configSnapshots.totalCount}
          hasNextPage={data?.configSnapshots.pageInfo.hasNextPage ?? false}
          endCursor={data?.configSnapshots.pageInfo.endCursor}
        />
      </Card>
      {from && to ? (
        <ConfigDiffView from={from} to={to} />
      ) : (
        snapshots.length > 0 && <Alert type="info" title={t('configs.pickTwo')} />
      )}
    </Space>
  );
}
