import { useMutation, useQuery } from '@apollo/client/react';
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat, useSession } from '../../app/session';
import { graphql } from '../../gql';

const UsersQuery = graphql(`
  query PortalUsers {
    users {
      id
      username
      displayName
      email
      kind
      status
      locked
      lockedUntil
      lastLoginAt
      roles {
        role
        sites
        tags
      }
    }
    roles {
      name
      description
    }
  }
`);

const InviteUser = graphql(`
  mutation PortalInviteUser($input: InviteUserInput!) {
    inviteUser(input: $input) {
      id
      status
    }
  }
`);

const DisableUser = graphql(`
  mutation PortalDisableUser($id: ID!) {
    disableUser(id: $id) {
      id
      status
    }
  }
`);

const EnableUser = graphql(`
  mutation PortalEnableUser($id: ID!) {
    enableUser(id: $id) {
      id
      status
    }
  }
`);

const ResendInvite = graphql(`
  mutation PortalResendInvite($id: ID!) {
    resendInvite(id: $id)
  }
`);

const BindRole = graphql(`
  mutation PortalBindRole($input: BindRoleInput!) {
    bindRole(input: $input) {
      id
      roles {
        role
        sites
        tags
      }
    }
  }
`);

const UnbindRole = graphql(`
  mutation PortalUnbindRole($userId: ID!, $role: String!) {
    unbindRole(userId: $userId, role: $role) {
      id
      roles {
        role
        sites
        tags
      }
    }
  }
`);

const STATUS_COLORS: Record<string, string> = { ACTIVE: 'green', DISABLED: 'default', INVITED: 'blue' };
type Status = 'ACTIVE' | 'DISABLED' | 'INVITED';
const isStatus = (s: string): s is Status => s === 'ACTIVE' || s === 'DISABLED' || s === 'INVITED';

interface InviteValues {
  username: string;
  email: string;
  displayName?: string;
  roles?: string[];
}

interface BindValues {
  role: string;
  sites?: string[];
  tags?: string[];
}

/** The accounts with their status and role bindings; inviting and changing them needs accounts:write. */
export default function UsersPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const { message } = App.useApp();
  const writable = can('accounts:write');
  const { data, error, loading } = useQuery(UsersQuery);
  const refetch = { refetchQueries: ['PortalUsers'] };
  const [invite, inviting] = useMutation(InviteUser, refetch);
  const [disable] = useMutation(DisableUser, refetch);
  const [enable] = useMutation(EnableUser, refetch);
  const [resend] = useMutation(ResendInvite);
  const [bind, binding] = useMutation(BindRole, refetch);
  const [unbind] = useMutation(UnbindRole, refetch);
  const [inviteOpen, setInviteOpen] = useState(false);
  const [bindFor, setBindFor] = useState<{ id: string; username: string } | null>(null);
  const [inviteForm] = Form.useForm<InviteValues>();
  const [bindForm] = Form.useForm<BindValues>();
  const fail = (e: unknown) => void message.error(t('common.error', { message: (e as Error).message }));
  const roleOptions = (data?.roles ?? []).map((r) => ({
    value: r.name,
    label: r.name,
    title: r.description,
  }));
  const statusLabel = (s: string) => (isStatus(s) ? t(`users.statuses.${s}`) : s);

  return (
    <Card
      title={
        <Typography.Title level={1} style={{ fontSize: 20, margin: 0 }}>
          {t('users.title')}
        </Typography.Title>
      }
      extra={
        writable && (
          <Button type="primary" onClick={() => setInviteOpen(true)}>
            {t('users.invite')}
          </Button>
        )
      }
    >
      {error && <Alert type="error" title={t('common.error', { message: error.message })} />}
      <Table
        rowKey="id"
        size="middle"
        loading={loading && !data}
        dataSource={data?.users ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        columns={[
          {
            title: t('users.username'),
            render: (_, u) => (
              <Space orientation="vertical" size={0}>
                <span>{u.username}</span>
                <Typography.Text type="secondary">
                  {u.displayName}
                  {u.email ? ` · ${u.email}` : ''}
                </Typography.Text>
              </Space>
            ),
          },
          {
            title: t('users.status'),
            render: (_, u) => (
              <Space size={4} wrap>
                <Tag color={STATUS_COLORS[u.status]}>{statusLabel(u.status)}</Tag>
                {u.locked && (
                  <Tag color="red" title={format.dateTime(u.lockedUntil)}>
                    {t('users.locked')}
                  </Tag>
                )}
                {u.kind === 'service' && <Tag>{t('users.service')}</Tag>}
              </Space>
            ),
          },
          {
            title: t('users.roles'),
            render: (_, u) => (
              <Space size={4} wrap>
                {u.roles.map((b) => {
                  const scope = [
                    b.sites.length ? t('users.sites', { sites: b.sites.join(', ') }) : '',
                    b.tags.length ? t('users.tags', { tags: b.tags.join(', ') }) : '',
                  ]
                    .filter(Boolean)
                    .join(' · ');
                  const label = `${b.role}${scope ? ` (${scope})` : ''}`;
                  return (
                    <Tag
                      key={`${b.role}:${b.sites.join()}:${b.tags.join()}`}
                      closable={writable}
                      closeIcon={writable ? undefined : false}
                      onClose={(e) => {
                        e.preventDefault();
                        unbind({ variables: { userId: u.id, role: b.role } }).then(
                          () => void message.success(t('users.unbound', { role: b.role, user: u.username })),
                          fail,
                        );
                      }}
                      aria-label={label}
                    >
                      {label}
                    </Tag>
                  );
                })}
              </Space>
            ),
          },
          {
            title: t('users.lastLoginAt'),
            dataIndex: 'lastLoginAt',
            render: (d: string | null) => format.dateTime(d),
          },
          ...(writable
            ? [
                {
                  title: t('users.actions'),
                  render: (_: unknown, u: NonNullable<typeof data>['users'][number]) => (
                    <Space size={4} wrap>
                      <Button size="small" onClick={() => setBindFor({ id: u.id, username: u.username })}>
                        {t('users.bind')}
                      </Button>
                      {u.status === 'INVITED' && (
                        <Button
                          size="small"
                          onClick={() =>
                            resend({ variables: { id: u.id } }).then(
                              (r) =>
                                void message.success(t('users.resent', { to: r.data?.resendInvite ?? '' })),
                              fail,
                            )
                          }
                        >
                          {t('users.resend')}
                        </Button>
                      )}
                      {u.status === 'DISABLED' ? (
                        <Button
                          size="small"
                          aria-label={t('users.enableUser', { user: u.username })}
                          onClick={() =>
                            enable({ variables: { id: u.id } }).then(
                              () => void message.success(t('users.enabled', { user: u.username })),
                              fail,
                            )
                          }
                        >
                          {t('users.enable')}
                        </Button>
                      ) : (
                        <Popconfirm
                          title={t('users.disableConfirm', { user: u.username })}
                          okText={t('common.confirm')}
                          cancelText={t('common.cancel')}
                          onConfirm={() =>
                            disable({ variables: { id: u.id } }).then(
                              () => void message.success(t('users.disabled', { user: u.username })),
                              fail,
                            )
                          }
                        >
                          <Button
                            size="small"
                            danger
                            aria-label={t('users.disableUser', { user: u.username })}
                          >
                            {t('users.disable')}
                          </Button>
                        </Popconfirm>
                      )}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />

      <Modal
        open={inviteOpen}
        title={t('users.inviteTitle')}
        okText={t('users.inviteSend')}
        cancelText={t('common.cancel')}
        confirmLoading={inviting.loading}
        onCancel={() => setInviteOpen(false)}
        onOk={() => inviteForm.submit()}
        destroyOnHidden
      >
        <Form
          form={inviteForm}
          layout="vertical"
          preserve={false}
          onFinish={(v) =>
            invite({
              variables: {
                input: {
                  username: v.username,
                  email: v.email,
                  displayName: v.displayName || undefined,
                  bindings: (v.roles ?? []).map((role) => ({ role })),
                },
              },
            }).then(() => {
              setInviteOpen(false);
              void message.success(t('users.invited', { user: v.username }));
            }, fail)
          }
        >
          <Form.Item
            label={t('users.username')}
            name="username"
            rules={[{ required: true, message: t('users.required') }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            label={t('users.email')}
            name="email"
            rules={[{ required: true, type: 'email', message: t('users.emailInvalid') }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item label={t('users.displayName')} name="displayName">
            <Input />
          </Form.Item>
          <Form.Item label={t('users.roles')} name="roles">
            <Select mode="multiple" options={roleOptions} />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        open={bindFor !== null}
        title={t('users.bindTitle', { user: bindFor?.username ?? '' })}
        okText={t('users.bind')}
        cancelText={t('common.cancel')}
        confirmLoading={binding.loading}
        onCancel={() => setBindFor(null)}
        onOk={() => bindForm.submit()}
        destroyOnHidden
      >
        <Form
          form={bindForm}
          layout="vertical"
          preserve={false}
          onFinish={(v) =>
            bindFor &&
            bind({
              variables: {
                input: {
                  userId: bindFor.id,
                  role: v.role,
                  sites: v.sites?.length ? v.sites : undefined,
                  tags: v.tags?.length ? v.tags : undefined,
                },
              },
            }).then(() => {
              setBindFor(null);
              void message.success(t('users.bound', { role: v.role, user: bindFor.username }));
            }, fail)
          }
        >
          <Form.Item
            label={t('users.role')}
            name="role"
            rules={[{ required: true, message: t('users.required') }]}
          >
            <Select options={roleOptions} />
          </Form.Item>
          <Form.Item label={t('users.bindSites')} name="sites" extra={t('users.bindSitesHelp')}>
            <Select mode="tags" open={false} />
          </Form.Item>
          <Form.Item label={t('users.bindTags')} name="tags" extra={t('users.bindTagsHelp')}>
            <Select mode="tags" open={false} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
