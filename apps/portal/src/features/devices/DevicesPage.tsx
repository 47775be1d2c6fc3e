import { useQuery } from '@apollo/client/react';
import { Alert, Button, Card, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { lazy, Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { Pager, useCursorPages } from '../../app/paging';
import { useFormat, useSession } from '../../app/session';
import { graphql } from '../../gql';
import type { ReachabilityStatus } from '../../gql/graphql';
import { StatusTag } from '../runs/StatusTag';

const StartCollectionModal = lazy(() => import('./StartCollectionModal'));

const DevicesQuery = graphql(`
  query PortalDevices($first: Int!, $after: String, $filter: DeviceFilter) {
    devices(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          host
          port
          platform
          site
          tags
          reachability {
            status
            checkedAt
          }
        }
      }
    }
  }
`);

/** Sites and platforms to filter by: the values the first 500 devices carry. */
const FacetsQuery = graphql(`
  query PortalDeviceFacets {
    devices(first: 500) {
      edges {
        node {
          id
          site
          platform
        }
      }
    }
  }
`);

const PAGE_SIZE = 50;
const REACHABILITY = ['UP', 'DOWN', 'UNKNOWN'] as const;

/** The inventory with filters (kept in the address), paged on the server; a site's collection starts here. */
export default function DevicesPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const pages = useCursorPages();
  const [collecting, setCollecting] = useState(false);
  const filter = {
    search: params.get('search') || undefined,
    site: params.get('site') || undefined,
    platform: params.get('platform') || undefined,
    reachability: (params.get('reachability') as ReachabilityStatus | null) || undefined,
  };
  const { data, error, loading } = useQuery(DevicesQuery, {
    variables: { first: PAGE_SIZE, after: pages.after, filter },
  });
  const rows = data?.devices.edges ?? [];
  const facets = useQuery(FacetsQuery);
  const { sites, platforms } = useMemo(() => {
    const nodes = facets.data?.devices.edges.map((e) => e.node) ?? [];
    const distinct = (values: (string | null)[]) =>
      [...new Set(values.filter((v): v is string => !!v))].sort((a, b) => a.localeCompare(b));
    return { sites: distinct(nodes.map((n) => n.site)), platforms: distinct(nodes.map((n) => n.platform)) };
  }, [facets.data]);
  const setFilter = (name: keyof typeof filter, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
    pages.reset();
  };
  return (
    <Card
      title={
        <Typography.Title level={1} style={{ fontSize: 20, margin: 0 }}>
          {t('devices.title')}
        </Typography.Title>
      }
      extra={
        can('runs:start') && (
          <Button type="primary" onClick={() => setCollecting(true)}>
            {t('devices.collect')}
          </Button>
        )
      }
    >
      <Space style={{ marginBottom: 16 }} wrap>
        <Input.Search
          aria-label={t('devices.searchPlaceholder')}
          placeholder={t('devices.searchPlaceholder')}
          allowClear
          defaultValue={filter.search}
          onSearch={(v) => setFilter('search', v.trim() || undefined)}
          style={{ width: 220 }}
        />
        <Select
          aria-label={t('devices.filterSite')}
          placeholder={t('devices.filterSite')}
          allowClear
          style={{ width: 160 }}
          value={filter.site}
          onChange={(v: string | undefined) => setFilter('site', v)}
          options={sites.map((s) => ({ value: s, label: s }))}
        />
        <Select
          aria-label={t('devices.filterPlatform')}
          placeholder={t('devices.filterPlatform')}
          allowClear
          style={{ width: 180 }}
          value={filter.platform}
          onChange={(v: string | undefined) => setFilter('platform', v)}
          options={platforms.map((p) => ({ value: p, label: p }))}
        />
        <Select
          aria-label={t('devices.filterReachability')}
          placeholder={t('devices.filterReachability')}
          allowClear
          style={{ width: 160 }}
          value={filter.reachability}
          onChange={(v: string | undefined) => setFilter('reachability', v)}
          options={REACHABILITY.map((r) => ({ value: r, label: t(`status.${r}`) }))}
        />
      </Space>
      {error && <Alert type="error" title={t('common.error', { message: error.message })} />}
      <Table
        rowKey={(row) => row.node.id}
        size="middle"
        loading={loading && !data}
        pagination={false}
        dataSource={rows}
        columns={[
          { title: t('devices.name'), render: (_, row) => row.node.name },
          ...(can('configs:read')
            ? [
                {
                  title: t('configs.link'),
                  render: (_: unknown, row: (typeof rows)[number]) => (
                    <Link
                      to={`/devices/${row.node.id}/configs`}
                      aria-label={`${t('configs.link')} ${row.node.name}`}
                    >
                      {t('configs.link')}
                    </Link>
                  ),
                },
              ]
            : []),
          { title: t('devices.host'), render: (_, row) => `${row.node.host}:${row.node.port}` },
          { title: t('devices.platform'), render: (_, row) => row.node.platform },
          { title: t('devices.site'), render: (_, row) => row.node.site ?? '—' },
          {
            title: t('devices.tags'),
            render: (_, row) => row.node.tags.map((tag) => <Tag key={tag}>{tag}</Tag>),
          },
          {
            title: t('devices.reachability'),
            render: (_, row) => (
              <span title={format.dateTime(row.node.reachability.checkedAt)}>
                <StatusTag status={row.node.reachability.status} />
              </span>
            ),
          },
        ]}
      />
      <Pager
        pages={pages}
        totalCount={data?.devices.totalCount}
        hasNextPage={data?.devices.pageInfo.hasNextPage ?? false}
        endCursor={data?.devices.pageInfo.endCursor}
      />
      {collecting && (
        <Suspense fallback={null}>
          <StartCollectionModal
            sites={sites}
            defaultSite={filter.site}
            onClose={() => setCollecting(false)}
          />
        </Suspense>
      )}
    </Card>
  );
}
