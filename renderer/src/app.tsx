import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider, Flex, Result, Button, Spin, theme } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, useEffect, useMemo, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Outlet, RouterProvider, createBrowserRouter, useLocation, useRouteError } from 'react-router';
import { desktopBridge } from './desktop';
import { AppLayout } from './layout/app-layout';
import { startLiveEvents } from './live/live-events';
import { SignInPage } from './pages/sign-in/sign-in-page';
import { paths } from './routes';

// Each page is its own chunk: the sign-in page loads without the charts and tables behind it.
const AuditLogPage = lazy(() => import('./pages/audit/audit-log-page').then((m) => ({ default: m.AuditLogPage })));
const DashboardPage = lazy(() =>
  import('./pages/dashboard/dashboard-page').then((m) => ({ default: m.DashboardPage })),
);
const GcPage = lazy(() => import('./pages/gc/gc-page').then((m) => ({ default: m.GcPage })));
const JobsPage = lazy(() => import('./pages/jobs/jobs-page').then((m) => ({ default: m.JobsPage })));
const ProjectDetailPage = lazy(() =>
  import('./pages/projects/project-detail-page').then((m) => ({ default: m.ProjectDetailPage })),
);
const ProjectListPage = lazy(() =>
  import('./pages/projects/project-list-page').then((m) => ({ default: m.ProjectListPage })),
);
const ArtifactPage = lazy(() =>
  import('./pages/repositories/artifact-page').then((m) => ({ default: m.ArtifactPage })),
);
const RepositoryListPage = lazy(() =>
  import('./pages/repositories/repository-list-page').then((m) => ({ default: m.RepositoryListPage })),
);
const RepositoryPage = lazy(() =>
  import('./pages/repositories/repository-page').then((m) => ({ default: m.RepositoryPage })),
);
const ReplicationPage = lazy(() =>
  import('./pages/replication/replication-page').then((m) => ({ default: m.ReplicationPage })),
);
const ScannerPage = lazy(() => import('./pages/scanner/scanner-page').then((m) => ({ default: m.ScannerPage })));
const SettingsPage = lazy(() => import('./pages/settings/settings-page').then((m) => ({ default: m.SettingsPage })));
const UsersPage = lazy(() => import('./pages/users/users-page').then((m) => ({ default: m.UsersPage })));
import { usePreferences } from './stores/preferences';
import { useSession } from './stores/session';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // Live events keep pages current; a 4xx will not get better by asking again.
      retry: (count, error) => count < 2 && !(error && 'status' in error && Number(error.status) < 500),
      refetchOnWindowFocus: false,
    },
  },
  queryCache: new QueryCache(),
});

function RequireSession() {
  const state = useSession((s) => s.state);
  const location = useLocation();
  useEffect(() => {
    if (state.status !== 'signed-in') return;
    return startLiveEvents(queryClient);
  }, [state.status]);
  if (state.status === 'unknown') return <FullPageSpinner />;
  if (state.status === 'signed-out') {
    queryClient.clear();
    return <Navigate to={paths.signIn} replace state={{ from: location.pathname + location.search }} />;
  }
  return <Outlet />;
}

function SignInRoute() {
  const state = useSession((s) => s.state);
  const location = useLocation();
  if (state.status === 'unknown') return <FullPageSpinner />;
  if (state.status === 'signed-in') {
    const from = (location.state as { from?: string } | null)?.from;
    return <Navigate to={from && from !== paths.signIn ? from : paths.dashboard} replace />;
  }
  return <SignInPage />;
}

function FullPageSpinner() {
  return (
    <Flex align="center" justify="center" style={{ minHeight: '100vh' }}>
      <Spin size="large" />
    </Flex>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <Result
      status="404"
      title="404"
      subTitle={t('notFound')}
      extra={
        <Link to={paths.dashboard}>
          <Button type="primary">{t('backHome')}</Button>
        </Link>
      }
    />
  );
}

/**
 * A page that failed to render or load. After an upgrade an open tab may ask for a page chunk the
 * server no longer has; a reload fetches the new build.
 */
function PageError() {
  const { t } = useTranslation();
  const error = useRouteError();
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Result
      status="warning"
      title={t('pageError')}
      subTitle={message}
      extra={
        <Button type="primary" onClick={() => window.location.reload()}>
          {t('reload')}
        </Button>
      }
    />
  );
}

const router = createBrowserRouter([
  { path: paths.signIn, element: <SignInRoute /> },
  {
    element: <RequireSession />,
    children: [
      {
        element: <AppLayout />,
        // A pathless route inside the layout: a broken page keeps the navigation around its error.
        children: [
          {
            errorElement: <PageError />,
            children: [
              { index: true, element: <DashboardPage /> },
              { path: 'projects', element: <ProjectListPage /> },
              { path: 'projects/:projectName/repositories/:repositoryName', element: <RepositoryPage /> },
              {
                path: 'projects/:projectName/repositories/:repositoryName/artifacts/:reference',
                element: <ArtifactPage />,
              },
              { path: 'projects/:projectName/:tab?', element: <ProjectDetailPage /> },
              { path: 'repositories', element: <RepositoryListPage /> },
              { path: 'jobs', element: <JobsPage /> },
              { path: 'gc', element: <GcPage /> },
              { path: 'scanner', element: <ScannerPage /> },
              { path: 'replication', element: <ReplicationPage /> },
              { path: 'users', element: <UsersPage /> },
              { path: 'audit-logs', element: <AuditLogPage /> },
              { path: 'settings', element: <SettingsPage /> },
              { path: '*', element: <NotFound /> },
            ],
          },
        ],
      },
    ],
  },
]);

const darkQuery = typeof window !== 'undefined' ? window.matchMedia('(prefers-color-scheme: dark)') : undefined;
function useSystemDark(): boolean {
  return useSyncExternalStore(
    (notify) => {
      darkQuery?.addEventListener('change', notify);
      return () => darkQuery?.removeEventListener('change', notify);
    },
    () => darkQuery?.matches ?? false,
  );
}

/** The page behind the layout (below short content, during overscroll) follows the theme. */
function PageBackground({ dark }: { dark: boolean }) {
  const { token } = theme.useToken();
  useEffect(() => {
    document.body.style.background = token.colorBgLayout;
    document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
  }, [token.colorBgLayout, dark]);
  return null;
}

export function App() {
  const choice = usePreferences((s) => s.theme);
  const language = usePreferences((s) => s.language);
  const systemDark = useSystemDark();
  const dark = choice === 'dark' || (choice === 'system' && systemDark);
  const { i18n } = useTranslation();

  useEffect(() => {
    if (i18n.language !== language) void i18n.changeLanguage(language);
    document.documentElement.lang = language;
  }, [i18n, language]);

  useEffect(() => {
    const restore = useSession.getState().restore;
    const bridge = desktopBridge();
    // The desktop app's owner is signed in by a one-time token from the main process; anywhere
    // else (or once the token is spent) the session cookie decides.
    void (async () => {
      const token = bridge ? await bridge.takeLoginToken().catch(() => null) : null;
      if (token) {
        try {
          await useSession.getState().signInWithDesktopToken(token);
          return;
        } catch {
          // fall back to whatever session the cookie holds
        }
      }
      await restore();
    })();
  }, []);

  const themeConfig = useMemo(
    () => ({
      algorithm: dark ? theme.darkAlgorithm : theme.defaultAlgorithm,
      token: { colorPrimary: '#1668dc', borderRadius: 8 },
    }),
    [dark],
  );

  return (
    <ConfigProvider theme={themeConfig} locale={language === 'zh-CN' ? zhCN : enUS}>
      <PageBackground dark={dark} />
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
