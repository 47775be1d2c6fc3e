import { ApolloProvider } from '@apollo/client/react';
import { App as AntApp, ConfigProvider, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense, useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { csrfToken } from '../features/auth/auth-api';
import { LoginPage } from '../features/auth/LoginPage';
import { createApolloClient } from './apollo';
import { SessionProvider, useSession } from './session';
import { Shell } from './Shell';
import { RequirePermission } from './RequirePermission';

// Pages load on demand: the login page and the shell come first, each page's code when it is opened.
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage'));
const RunsPage = lazy(() => import('../features/runs/RunsPage'));
const RunPage = lazy(() => import('../features/runs/RunPage'));
const DevicesPage = lazy(() => import('../features/devices/DevicesPage'));
const ConfigsPage = lazy(() => import('../features/configs/ConfigsPage'));
const AuditPage = lazy(() => import('../features/audit/AuditPage'));
const UsersPage = lazy(() => import('../features/users/UsersPage'));
const ProfilePage = lazy(() => import('../features/profile/ProfilePage'));

export function Loading() {
  const { t } = useTranslation();
  return (
    <div style={{ padding: 48, textAlign: 'center' }}>
      <Spin />
      <div style={{ marginTop: 8 }}>{t('common.loading')}</div>
    </div>
  );
}

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider locale={i18n.language === 'en' ? enUS : zhCN} button={{ autoInsertSpace: false }}>
      <AntApp>
        <BrowserRouter>
          <Signed />
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}

/** Signed in (a CSRF cookie: a session to ask the API about) or not (the login page, no request). */
function Signed() {
  const [signedIn, setSignedIn] = useState(() => csrfToken() !== null);
  const [generation, setGeneration] = useState(0);
  const signOut = useCallback(() => setSignedIn(false), []);
  // A new client for each session: nothing of the previous user's cache survives a sign-out.
  const client = useMemo(() => createApolloClient(signOut), [signOut, generation]);
  const location = useLocation();
  if (!signedIn) {
    if (location.pathname !== '/login') {
      const next = `${location.pathname}${location.search}`;
      return <Navigate to={`/login${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`} replace />;
    }
    return (
      <LoginPage
        onSignedIn={() => {
          setGeneration((g) => g + 1);
          setSignedIn(true);
        }}
      />
    );
  }
  return (
    <ApolloProvider client={client}>
      <SessionProvider fallback={<Loading />}>
        <Routes>
          <Route path="/login" element={<AfterLogin />} />
          <Route element={<Shell onSignedOut={signOut} />}>
            <Route index element={<Home />} />
            <Route path="runs" element={<Page permission="runs:read" page={<RunsPage />} />} />
            <Route path="runs/:id" element={<Page permission="runs:read" page={<RunPage />} />} />
            <Route path="devices" element={<Page permission="devices:read" page={<DevicesPage />} />} />
            <Route
              path="devices/:id/configs"
              element={<Page permission="configs:read" page={<ConfigsPage />} />}
            />
            <Route path="users" element={<Page permission="accounts:read" page={<UsersPage />} />} />
            <Route path="audit" element={<Page permission="audit:read" page={<AuditPage />} />} />
            <Route
              path="profile"
              element={
                <Suspense fallback={<Loading />}>
                  <ProfilePage />
                </Suspense>
              }
            />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </SessionProvider>
    </ApolloProvider>
  );
}

function Page(props: { permission: string; page: React.ReactNode }) {
  return (
    <RequirePermission permission={props.permission}>
      <Suspense fallback={<Loading />}>{props.page}</Suspense>
    </RequirePermission>
  );
}

/** The dashboard, or the first page of the navigation the user may see. */
function Home() {
  const { can } = useSession();
  if (!can('runs:read') && can('devices:read')) return <Navigate to="/devices" replace />;
  return <Page permission="runs:read" page={<DashboardPage />} />;
}

/** Just signed in: go where the user was headed. */
function AfterLogin() {
  const next = new URLSearchParams(useLocation().search).get('next');
  return <Navigate to={next && next.startsWith('/') && !next.startsWith('//') ? next : '/'} replace />;
}

function NotFound() {
  const { t } = useTranslation();
  return <div role="alert">{t('common.notFound')}</div>;
}
