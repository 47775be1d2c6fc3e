import { useApolloClient, useLazyQuery, useQuery } from '@apollo/client/react';
import { Alert, App, Button, Card, DatePicker, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Pager, useCursorPages } from '../../app/paging';
import { useFormat } from '../../app/session';
import { graphql } from '../../gql';
import type { AuditFilter } from '../../gql/graphql';

const AuditQuery = graphql(`
  query PortalAuditLog($filter: AuditFilter) {
    auditLog(filter: $filter) {
      id
      ts
      actorName
      roles
      kind
      operation
      outcome
      errorCode
      address
      durationMs
      argumentsJson
    }
  }
`);

const AuditCsv = graphql(`
  query PortalAuditLogCsv($filter: AuditFilter) {
    auditLogCsv(filter: $filter)
  }
`);

const VerifyAudit = graphql(`
  query PortalVerifyAuditLog {
    verifyAuditLog {
      ok
      checked
      firstBadId
      reason
    }
  }
`);

const PAGE_SIZE = 50;
const OUTCOMES = ['OK', 'ERROR', 'DENIED'] as const;
const OUTCOME_COLORS: Record<string, string> = { OK: 'green', ERROR: 'red', DENIED: 'orange' };

interface Filters {
  user?: string;
  operation?: string;
  outcome?: string;
  since?: string;
  until?: string;
}

/**
 * The audit log, newest first, filtered on the server (who, operation, outcome, time range) and paged
 * by id (`before`); the hash chain verified on demand; the filtered entries exported as CSV.
 */
export default function AuditPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { message } = App.useApp();
  const client = useApolloClient();
  const [filters, setFilters] = useState<Filters>({});
  const pages = useCursorPages();
  // One more than a page: whether there is a next one.
  const filter: AuditFilter = { ...filters, first: PAGE_SIZE + 1, before: pages.after };
  const { data, error, loading } = useQuery(AuditQuery, { variables: { filter } });
  const [verify, verification] = useLazyQuery(VerifyAudit, { fetchPolicy: 'network-only' });
  const [exporting, setExporting] = useState(false);
  const setFilter = (patch: Filters) => {
    setFilters((f) => ({ ...f, ...patch }));
    pages.reset();
  };
  const entries = data?.auditLog.slice(0, PAGE_SIZE) ?? [];
  const hasNextPage = (data?.auditLog.length ?? 0) > PAGE_SIZE;

  const exportCsv = async () => {
    setExporting(true);
    try {
      const result = await client.query({
        query: AuditCsv,
        variables: { filter: { ...filters, first: 1000 } },
        fetchPolicy: 'network-only',
      });
      if (!result.data) throw new Error(result.error?.message ?? 'no data');
      const url = URL.createObjectURL(new Blob([result.data.auditLogCsv], { type: 'text/csv' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `audit-log-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      void message.error(t('common.error', { message: (e as Error).message }));
    } finally {
      setExporting(false);
    }
  };

  const result = verification.data?.verifyAuditLog;
  return (
    <Card
      title={
        <Typography.Title level={1} style={{ fontSize: 20, margin: 0 }}>
          {t('audit.title')}
        </Typography.Title>
      }
      extra={
        <Space>
          <Button onClick={() => void verify()} loading={verification.loading}>
            {t('audit.verify')}
          </Button>
          <Button onClick={() => void exportCsv()} loading={exporting}>
            {t('audit.export')}
          </Button>
        </Space>
      }
    >
      {result && (
        <Alert
          role="status"
          style={{ marginBottom: 16 }}
          type={result.ok ? 'success' : 'error'}
          title={
            result.ok
              ? t('audit.chainOk', { count: result.checked })
              : t('audit.chainBroken', { id: result.firstBadId ?? '—', reason: result.reason ?? '' })
          }
        />
      )}
      {verification.error && (
        <Alert type="error" title={t('common.error', { message: verification.error.message })} />
      )}
      <Space style={{ marginBottom: 16 }} wrap>
        <Input.Search
          aria-label={t('audit.filterUser')}
          placeholder={t('audit.filterUser')}
          allowClear
          style={{ width: 180 }}
          onSearch={(v) => setFilter({ user: v.trim() || undefined })}
        />
        <Input.Search
          aria-label={t('audit.filterOperation')}
          placeholder={t('audit.filterOperation')}
          allowClear
          style={{ width: 240 }}
          onSearch={(v) => setFilter({ operation: v.trim() || undefined })}
        />
        <Select
          aria-label={t('audit.filterOutcome')}
          placeholder={t('audit.filterOutcome')}
          allowClear
          style={{ width: 160 }}
          value={filters.outcome}
          onChange={(v: string | undefined) => setFilter({ outcome: v })}
          options={OUTCOMES.map((o) => ({ value: o, label: t(`audit.outcomes.${o}`) }))}
        />
        <DatePicker.RangePicker
          showTime
          aria-label={t('audit.filterTime')}
          placeholder={[t('audit.since'), t('audit.until')]}
          onChange={(range) =>
            setFilter({
              since: range?.[0]?.toISOString() ?? undefined,
              until: range?.[1]?.toISOString() ?? undefined,
            })
          }
        />
      </Space>
      {error && <Alert type="error" title={t('common.error', { message: error.message })} />}
      <Table
        rowKey="id"
        size="small"
        loading={loading && !data}
        dataSource={entries}
        pagination={false}
        expandable={{
          rowExpandable: (e) => Boolean(e.argumentsJson),
          expandedRowRender: (e) => (
            <pre style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{e.argumentsJson}</pre>
          ),
        }}
        columns={[
          { title: t('audit.time'), dataIndex: 'ts', render: (d: string) => format.dateTime(d) },
          {
            title: t('audit.actor'),
            render: (_, e) => (
              <Space orientation="vertical" size={0}>
                <span>{e.actorName ?? '—'}</span>
                {e.roles.length > 0 && (
                  <Typography.Text type="secondary">{e.roles.join(', ')}</Typography.Text>
                )}
              </Space>
            ),
          },
          { title: t('audit.kind'), dataIndex: 'kind' },
          { title: t('audit.operation'), dataIndex: 'operation' },
          {
            title: t('audit.outcome'),
            render: (_, e) => (
              <Space size={4}>
                <Tag color={OUTCOME_COLORS[e.outcome]}>
                  {OUTCOMES.includes(e.outcome as (typeof OUTCOMES)[number])
                    ? t(`audit.outcomes.${e.outcome as (typeof OUTCOMES)[number]}`)
                    : e.outcome}
                </Tag>
                {e.errorCode && <Typography.Text type="secondary">{e.errorCode}</Typography.Text>}
              </Space>
            ),
          },
          { title: t('audit.address'), dataIndex: 'address', render: (a: string | null) => a ?? '—' },
          {
            title: t('audit.duration'),
            dataIndex: 'durationMs',
            render: (ms: number | null) => (ms === null ? '—' : `${format.number(ms)} ms`),
          },
        ]}
      />
      <Pager pages={pages} totalCount={undefined} hasNextPage={hasNextPage} endCursor={entries.at(-1)?.id} />
    </Card>
  );
}
