import { useQuery } from '@apollo/client/react';
import { Alert, Card, Spin } from 'antd';
import { useMemo, type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import { graphql } from '../../gql';
import { sideBySide, type Cell } from './side-by-side';

const DiffQuery = graphql(`
  query PortalConfigDiff($fromId: ID!, $toId: ID!) {
    configDiff(fromId: $fromId, toId: $toId) {
      unified
    }
  }
`);

const MONO = "'Noto Sans Mono CJK SC', 'Noto Sans Mono', ui-monospace, Menlo, Consolas, monospace";
const cellStyle = (background?: string): CSSProperties => ({
  fontFamily: MONO,
  fontSize: 12,
  whiteSpace: 'pre',
  padding: '0 8px',
  background,
  verticalAlign: 'top',
});
const numberStyle: CSSProperties = {
  ...cellStyle(),
  color: '#8c8c8c',
  textAlign: 'right',
  userSelect: 'none',
};

/** Two config versions side by side (the server's diff: volatile lines such as clocks ignored). */
export function ConfigDiffView(props: {
  from: { id: string; version: number };
  to: { id: string; version: number };
}) {
  const { t } = useTranslation();
  const { data, error } = useQuery(DiffQuery, { variables: { fromId: props.from.id, toId: props.to.id } });
  const rows = useMemo(() => (data ? sideBySide(data.configDiff.unified) : []), [data]);
  const title = t('configs.diffTitle', { from: props.from.version, to: props.to.version });
  if (error) return <Alert type="error" title={t('common.error', { message: error.message })} />;
  if (!data) return <Spin />;
  if (rows.length === 0) return <Alert type="success" title={`${title}: ${t('configs.noChange')}`} />;
  const side = (cell: Cell | null, color: string) => [
    <td key="n" style={numberStyle}>
      {cell?.line ?? ''}
    </td>,
    <td key="t" style={cellStyle(cell ? color : '#fafafa')}>
      {cell?.text ?? ''}
    </td>,
  ];
  return (
    <Card title={title}>
      <div style={{ overflowX: 'auto' }}>
        <table aria-label={title} style={{ width: '100%', borderCollapse: 'collapse', tableLayout: 'fixed' }}>
          <colgroup>
            <col style={{ width: 48 }} />
            <col />
            <col style={{ width: 48 }} />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th colSpan={2} style={{ textAlign: 'left' }}>{`v${props.from.version}`}</th>
              <th colSpan={2} style={{ textAlign: 'left' }}>{`v${props.to.version}`}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) =>
              row.kind === 'hunk' ? (
                <tr key={i}>
                  <td colSpan={4} style={{ ...cellStyle('#e6f4ff'), color: '#0958d9' }}>
                    {row.header}
                  </td>
                </tr>
              ) : (
                <tr key={i} data-change={row.kind === 'change' ? 'true' : undefined}>
                  {side(row.left, row.kind === 'change' ? '#fff1f0' : 'transparent')}
                  {side(row.right, row.kind === 'change' ? '#f6ffed' : 'transparent')}
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
