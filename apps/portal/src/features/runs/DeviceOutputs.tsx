import { useQuery } from '@apollo/client/react';
import { Alert, Empty, Spin, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../app/session';
import { RunDeviceOutputsQuery } from './run.documents';

/** Each command a device ran and what it answered, in a terminal-style monospace view. */
export function DeviceOutputs(props: { runId: string; after: string | null }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { data, error } = useQuery(RunDeviceOutputsQuery, {
    variables: { id: props.runId, after: props.after },
    fetchPolicy: 'network-only',
  });
  if (error) return <Alert type="error" title={t('common.error', { message: error.message })} />;
  if (!data) return <Spin />;
  const device = data.run.devices.edges[0]?.node;
  if (!device || device.outputs.length === 0) return <Empty description={t('run.noOutput')} />;
  return (
    <div>
      {device.outputs.map((o) => (
        <section key={o.seq} style={{ marginBottom: 16 }} aria-label={o.command}>
          <Typography.Text type="secondary">
            {format.dateTime(o.collectedAt)} · {format.number(o.durationMs)} ms
          </Typography.Text>
          <pre
            data-testid="device-output"
            style={{
              background: '#141414',
              color: '#d9d9d9',
              fontFamily:
                "'Noto Sans Mono CJK SC', 'Noto Sans Mono', ui-monospace, Menlo, Consolas, monospace",
              fontSize: 12,
              padding: 12,
              borderRadius: 6,
              overflowX: 'auto',
              whiteSpace: 'pre',
              margin: '4px 0 0',
            }}
          >
            <span style={{ color: '#95de64' }}>{`${device.deviceName}# ${o.command}`}</span>
            {'\n'}
            {o.error ? t('run.refused', { error: o.error }) : o.output}
            {o.truncated ? `\n${t('run.truncated')}` : ''}
          </pre>
        </section>
      ))}
    </div>
  );
}
