import { useMutation, useQuery } from '@apollo/client/react';
import { Alert, App, Button, Card, Form, Input, Modal, Popconfirm, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../app/session';
import { graphql } from '../../gql';

const TokensQuery = graphql(`
  query PortalMyApiTokens {
    myApiTokens {
      id
      name
      prefix
      permissions
      createdAt
      expiresAt
      lastUsedAt
    }
  }
`);

const CreateToken = graphql(`
  mutation PortalCreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      secret
      token {
        id
        name
      }
    }
  }
`);

const RevokeToken = graphql(`
  mutation PortalRevokeApiToken($id: ID!) {
    revokeApiToken(id: $id)
  }
`);

/** The signed-in user's personal access tokens: a new one's value is shown once; revoking ends it. */
export function ApiTokens() {
  const { t } = useTranslation();
  const format = useFormat();
  const { message } = App.useApp();
  const { data, error } = useQuery(TokensQuery);
  const refetch = { refetchQueries: ['PortalMyApiTokens'] };
  const [create, creating] = useMutation(CreateToken, refetch);
  const [revoke] = useMutation(RevokeToken, refetch);
  const [secret, setSecret] = useState<string | null>(null);
  const [form] = Form.useForm<{ name: string }>();
  const fail = (e: unknown) => void message.error(t('common.error', { message: (e as Error).message }));
  return (
    <Card title={t('tokens.title')}>
      {error && <Alert type="error" title={t('common.error', { message: error.message })} />}
      <Form
        form={form}
        layout="inline"
        style={{ marginBottom: 16 }}
        onFinish={(v) =>
          create({ variables: { input: { name: v.name.trim() } } }).then((r) => {
            form.resetFields();
            setSecret(r.data?.createApiToken.secret ?? null);
          }, fail)
        }
      >
        <Form.Item
          label={t('tokens.name')}
          name="name"
          rules={[{ required: true, whitespace: true, message: t('profile.required') }]}
        >
          <Input maxLength={100} style={{ width: 240 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={creating.loading}>
          {t('tokens.create')}
        </Button>
      </Form>
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={data?.myApiTokens ?? []}
        columns={[
          { title: t('tokens.name'), dataIndex: 'name' },
          { title: t('tokens.prefix'), dataIndex: 'prefix', render: (p: string) => <code>{p}…</code> },
          {
            title: t('tokens.permissions'),
            dataIndex: 'permissions',
            render: (p: string[] | null) => (p ? p.join(', ') : t('tokens.allPermissions')),
          },
          { title: t('tokens.createdAt'), dataIndex: 'createdAt', render: (d: string) => format.dateTime(d) },
          {
            title: t('tokens.lastUsedAt'),
            dataIndex: 'lastUsedAt',
            render: (d: string | null) => format.dateTime(d),
          },
          {
            title: t('tokens.expiresAt'),
            dataIndex: 'expiresAt',
            render: (d: string | null) => format.dateTime(d),
          },
          {
            title: t('run.actions'),
            render: (_, token) => (
              <Popconfirm
                title={t('tokens.revokeConfirm', { name: token.name })}
                okText={t('common.confirm')}
                cancelText={t('common.cancel')}
                onConfirm={() =>
                  revoke({ variables: { id: token.id } }).then(
                    () => void message.success(t('tokens.revoked', { name: token.name })),
                    fail,
                  )
                }
              >
                <Button size="small" danger aria-label={t('tokens.revokeToken', { name: token.name })}>
                  {t('tokens.revoke')}
                </Button>
              </Popconfirm>
            ),
          },
        ]}
      />
      <Modal
        open={secret !== null}
        title={t('tokens.createdTitle')}
        onCancel={() => setSecret(null)}
        destroyOnHidden
        footer={
          <Button type="primary" onClick={() => setSecret(null)}>
            {t('tokens.saved')}
          </Button>
        }
      >
        <Typography.Paragraph>{t('tokens.createdHelp')}</Typography.Paragraph>
        <Typography.Paragraph copyable={{ text: secret ?? '' }}>
          <code data-testid="api-token-secret">{secret}</code>
        </Typography.Paragraph>
      </Modal>
    </Card>
  );
}
