import { Button, Layout, Menu, Space } from 'antd';
import { useApolloClient } from '@apollo/client/react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router';
import { logout } from '../features/auth/auth-api';
import { LanguageSwitch } from './LanguageSwitch';
import { useSession } from './session';

/** The pages of the navigation, each shown only to those holding its permission. */
const NAVIGATION = [
  { path: '/', key: 'nav.dashboard', permission: 'runs:read' },
  { path: '/runs', key: 'nav.runs', permission: 'runs:read' },
  { path: '/devices', key: 'nav.devices', permission: 'devices:read' },
  { path: '/users', key: 'nav.users', permission: 'accounts:read' },
  { path: '/audit', key: 'nav.audit', permission: 'audit:read' },
] as const;

/** The navigation entry of the page shown (none for pages outside the navigation, such as the profile). */
function selectedPath(pathname: string): string[] {
  if (pathname === '/') return ['/'];
  return NAVIGATION.filter((n) => n.path !== '/' && pathname.startsWith(n.path)).map((n) => n.path);
}

export function Shell(props: { onSignedOut: () => void }) {
  const { t } = useTranslation();
  const session = useSession();
  const client = useApolloClient();
  const location = useLocation();
  const items = NAVIGATION.filter((n) => session.can(n.permission)).map((n) => ({
    key: n.path,
    label: <Link to={n.path}>{t(n.key)}</Link>,
  }));
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} theme="dark">
        <div style={{ color: '#fff', fontWeight: 600, fontSize: 18, padding: '16px 24px' }}>
          {t('app.name')}
        </div>
        <nav aria-label={t('app.name')}>
          <Menu theme="dark" mode="inline" selectedKeys={selectedPath(location.pathname)} items={items} />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{ background: '#fff', display: 'flex', justifyContent: 'flex-end', alignItems: 'center' }}
        >
          <Space size="middle">
            <Link to="/profile" title={t('nav.profile')}>
              {t('nav.signedInAs', { name: session.displayName })}
            </Link>
            <LanguageSwitch onChange={(language) => void session.setLanguage(language)} />
            <Button
              onClick={async () => {
                await logout();
                await client.clearStore();
                props.onSignedOut();
              }}
            >
              {t('nav.logout')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 24 }}>
          <main>
            <Outlet />
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
