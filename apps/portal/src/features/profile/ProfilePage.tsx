import { useMutation, useQuery } from '@apollo/client/react';
import { Alert, App, Button, Card, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../app/session';
import { graphql } from '../../gql';
import { ApiTokens } from './ApiTokens';

const ProfileQuery = graphql(`
  query PortalProfile {
    myProfile {
      version
      displayName
      timeZone
    }
    mySessions {
      id
      current
      address
      userAgent
      createdAt
      lastSeenAt
      expiresAt
    }
  }
`);

const SaveProfile = graphql(`
  mutation PortalSaveProfile($input: UpdateProfileInput!, $expectedVersion: Int) {
    updateMyProfile(input: $input, expectedVersion: $expectedVersion) {
      version
      displayName
      timeZone
    }
  }
`);

const RevokeSession = graphql(`
  mutation PortalRevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`);

const ChangePassword = graphql(`
  mutation PortalChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
  }
`);

/** The user's own profile (display name, time zone), their signed-in sessions and their password. */
export default function ProfilePage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { message } = App.useApp();
  const { data, error, refetch } = useQuery(ProfileQuery);
  const refetchSession = { refetchQueries: ['PortalSession', 'PortalProfile'] };
  const [save, saving] = useMutation(SaveProfile, refetchSession);
  const [revoke] = useMutation(RevokeSession, refetchSession);
  const [change, changing] = useMutation(ChangePassword, refetchSession);
  const [passwordForm] = Form.useForm<{ currentPassword: string; newPassword: string; confirm: string }>();
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone').map((z) => ({ value: z, label: z })), []);
  const fail = (e: unknown) => void message.error((e as Error).message);
  if (error) return <Alert type="error" title={t('common.error', { message: error.message })} />;
  if (!data) return <Card loading />;
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Card
        title={
          <Typography.Title level={1} style={{ fontSize: 20, margin: 0 }}>
            {t('profile.title')}
          </Typography.Title>
        }
      >
        <Form
          layout="vertical"
          style={{ maxWidth: 420 }}
          initialValues={{ displayName: data.myProfile.displayName, timeZone: data.myProfile.timeZone }}
          onFinish={(values: { displayName: string; timeZone: string }) =>
            save({ variables: { input: values, expectedVersion: data.myProfile.version } }).then(
              () => void message.success(t('profile.saved')),
              fail,
            )
          }
        >
          <Form.Item
            label={t('profile.displayName')}
            name="displayName"
            rules={[{ required: true, message: t('profile.required') }]}
          >
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item
            label={t('profile.timeZone')}
            name="timeZone"
            rules={[{ required: true, message: t('profile.required') }]}
          >
            <Select showSearch options={zones} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={saving.loading}>
            {t('profile.save')}
          </Button>
        </Form>
      </Card>

      <Card title={t('profile.sessions')}>
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={data.mySessions}
          columns={[
            {
              title: t('profile.userAgent'),
              render: (_, s) => (
                <Space>
                  {s.current && <Tag color="blue">{t('profile.current')}</Tag>}
                  <Typography.Text ellipsis style={{ maxWidth: 360 }}>
                    {s.userAgent ?? '—'}
                  </Typography.Text>
                </Space>
              ),
            },
            { title: t('profile.address'), dataIndex: 'address' },
            {
              title: t('profile.createdAt'),
              dataIndex: 'createdAt',
              render: (d: string) => format.dateTime(d),
            },
            {
              title: t('profile.lastSeenAt'),
              dataIndex: 'lastSeenAt',
              render: (d: string) => format.dateTime(d),
            },
            {
              title: t('profile.expiresAt'),
              dataIndex: 'expiresAt',
              render: (d: string) => format.dateTime(d),
            },
            {
              title: t('run.actions'),
              render: (_, s) =>
                !s.current && (
                  <Button
                    size="small"
                    danger
                    onClick={() =>
                      revoke({ variables: { id: s.id } }).then(() => {
                        void message.success(t('profile.revoked'));
                        void refetch();
                      }, fail)
                    }
                  >
                    {t('profile.revoke')}
                  </Button>
                ),
            },
          ]}
        />
      </Card>

      <ApiTokens />

      <Card title={t('profile.password')}>
        <Form
          form={passwordForm}
          layout="vertical"
          style={{ maxWidth: 420 }}
          onFinish={(values) =>
            change({
              variables: { currentPassword: values.currentPassword, newPassword: values.newPassword },
            }).then(() => {
              passwordForm.resetFields();
              void message.success(t('profile.passwordChanged'));
            }, fail)
          }
        >
          <Form.Item
            label={t('profile.currentPassword')}
            name="currentPassword"
            rules={[{ required: true, message: t('profile.required') }]}
          >
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item
            label={t('profile.newPassword')}
            name="newPassword"
            rules={[{ required: true, message: t('profile.required') }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            label={t('profile.confirmPassword')}
            name="confirm"
            dependencies={['newPassword']}
            rules={[
              { required: true, message: t('profile.required') },
              ({ getFieldValue }) => ({
                validator: (_, value: string | undefined) =>
                  !value || value === getFieldValue('newPassword')
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('profile.passwordMismatch'))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={changing.loading}>
            {t('profile.password')}
          </Button>
        </Form>
      </Card>
    </Space>
  );
}
