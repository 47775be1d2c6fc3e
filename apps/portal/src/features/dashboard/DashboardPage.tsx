import { useQuery } from '@apollo/client/react';
import { Alert, Card, Col, List, Row, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFormat } from '../../app/session';
import { graphql } from '../../gql';
import { StatusTag, useKindLabel } from '../runs/StatusTag';

const DashboardQuery = graphql(`
  query PortalDashboard {
    pending: runs(status: PENDING, first: 1) {
      totalCount
    }
    running: runs(status: RUNNING, first: 1) {
      totalCount
    }
    awaitingApproval: runs(status: AWAITING_APPROVAL, first: 1) {
      totalCount
    }
    completed: runs(status: COMPLETED, first: 1) {
      totalCount
    }
    withErrors: runs(status: COMPLETED_WITH_ERRORS, first: 1) {
      totalCount
    }
    failed: runs(status: FAILED, first: 5) {
      totalCount
      edges {
        node {
          id
          kind
          taskName
          status
          error
          finishedAt
        }
      }
    }
    recent: runs(first: 8) {
      edges {
        node {
          id
          kind
          taskName
          status
          createdAt
          progress {
            total
            succeeded
            failed
          }
        }
      }
    }
  }
`);

/** Polled: the counts change with any run of anyone, for which the API has no subscription. */
const POLL_MS = 3000;

/** Runs by status, the latest runs and the failures, refreshed every few seconds. */
export default function DashboardPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const kindLabel = useKindLabel();
  const { data, error } = useQuery(DashboardQuery, { pollInterval: POLL_MS });
  if (error) return <Alert type="error" title={t('common.error', { message: error.message })} />;
  const counts = [
    ['PENDING', data?.pending.totalCount],
    ['RUNNING', data?.running.totalCount],
    ['AWAITING_APPROVAL', data?.awaitingApproval.totalCount],
    ['COMPLETED', data?.completed.totalCount],
    ['COMPLETED_WITH_ERRORS', data?.withErrors.totalCount],
    ['FAILED', data?.failed.totalCount],
  ] as const;
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 20 }}>
        {t('dashboard.title')}
      </Typography.Title>
      <Card title={t('dashboard.runsByStatus')} loading={!data} style={{ marginBottom: 24 }}>
        <Row gutter={[16, 16]}>
          {counts.map(([status, count]) => (
            <Col key={status} xs={12} md={8} xl={4}>
              <Link to={`/runs?status=${status}`}>
                <Statistic
                  title={t(`status.${status}`)}
                  value={count ?? 0}
                  formatter={(v) => format.number(Number(v))}
                />
              </Link>
            </Col>
          ))}
        </Row>
      </Card>
      <Row gutter={24}>
        <Col xs={24} xl={14}>
          <Card title={t('dashboard.recentRuns')} loading={!data}>
            <List
              dataSource={data?.recent.edges.map((e) => e.node) ?? []}
              renderItem={(run) => (
                <List.Item extra={<StatusTag status={run.status} />}>
                  <Link to={`/runs/${run.id}`}>
                    {run.id.slice(0, 8)} · {run.taskName ?? kindLabel(run.kind)}
                  </Link>
                  <Typography.Text type="secondary" style={{ marginLeft: 12 }}>
                    {format.dateTime(run.createdAt)} · {run.progress.succeeded}/{run.progress.total}
                  </Typography.Text>
                </List.Item>
              )}
            />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card title={t('dashboard.failures')} loading={!data}>
            <List
              dataSource={data?.failed.edges.map((e) => e.node) ?? []}
              renderItem={(run) => (
                <List.Item>
                  <List.Item.Meta
                    title={
                      <Link
                        to={`/runs/${run.id}`}
                      >{`${run.id.slice(0, 8)} · ${run.taskName ?? kindLabel(run.kind)}`}</Link>
                    }
                    description={run.error}
                  />
                </List.Item>
              )}
            />
          </Card>
        </Col>
      </Row>
    </>
  );
}
