import { Button, Space, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Server-side paging over a Relay-style connection (opaque cursors, keyset on the server): the
 * cursor of each page visited is kept so that Previous goes back without counting offsets.
 */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const page = cursors.length;
  return {
    after: cursors[cursors.length - 1],
    page,
    next: useCallback((endCursor: string) => setCursors((c) => [...c, endCursor]), []),
    previous: useCallback(() => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)), []),
    reset: useCallback(() => setCursors([null]), []),
  };
}

export function Pager(props: {
  pages: ReturnType<typeof useCursorPages>;
  /** Left out when the API does not count (the page then shows no total). */
  totalCount: number | undefined;
  hasNextPage: boolean;
  endCursor: string | null | undefined;
}) {
  const { t } = useTranslation();
  const { pages, endCursor } = props;
  return (
    <Space style={{ marginTop: 16 }}>
      {props.totalCount !== undefined && (
        <Typography.Text type="secondary">{t('common.total', { count: props.totalCount })}</Typography.Text>
      )}
      <Button size="small" disabled={pages.page <= 1} onClick={pages.previous}>
        {t('common.previous')}
      </Button>
      <Typography.Text>{t('common.page', { page: pages.page })}</Typography.Text>
      <Button
        size="small"
        disabled={!props.hasNextPage || !endCursor}
        onClick={() => endCursor && pages.next(endCursor)}
      >
        {t('common.next')}
      </Button>
    </Space>
  );
}
