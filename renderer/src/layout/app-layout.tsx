import {
  AppstoreOutlined,
  AuditOutlined,
  ClearOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  LogoutOutlined,
  SafetyCertificateOutlined,
  ScheduleOutlined,
  SwapOutlined,
  SettingOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { Badge, Button, Dropdown, Flex, Layout, Menu, Spin, Tooltip, Typography, theme } from 'antd';
import { Suspense } from 'react';
import type { ItemType } from 'antd/es/menu/interface';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router';
import { useLiveState } from '../live/live-events';
import { paths } from '../routes';
import { usePreferences } from '../stores/preferences';
import { useCurrentUser, useSession } from '../stores/session';
import { LanguageSwitch, ThemeSwitch } from './preference-switches';

/** The frame of every signed-in page: navigation on the left, preferences and the user on top. */
export function AppLayout() {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const location = useLocation();
  const user = useCurrentUser();
  const signOut = useSession((s) => s.signOut);
  const connected = useLiveState((s) => s.connected);
  const collapsed = usePreferences((s) => s.siderCollapsed);
  const setCollapsed = usePreferences((s) => s.setSiderCollapsed);
  const admin = user?.sysadmin_flag ?? false;

  const items: ItemType[] = [
    {
      key: paths.dashboard,
      icon: <DashboardOutlined />,
      label: <Link to={paths.dashboard}>{t('nav.dashboard')}</Link>,
    },
    { key: paths.projects, icon: <AppstoreOutlined />, label: <Link to={paths.projects}>{t('nav.projects')}</Link> },
    {
      key: paths.repositories,
      icon: <DatabaseOutlined />,
      label: <Link to={paths.repositories}>{t('nav.repositories')}</Link>,
    },
    { key: paths.jobs, icon: <ScheduleOutlined />, label: <Link to={paths.jobs}>{t('nav.jobs')}</Link> },
    {
      type: 'group',
      label: t('nav.administration'),
      children: [
        ...(admin
          ? [
              { key: paths.users, icon: <TeamOutlined />, label: <Link to={paths.users}>{t('nav.users')}</Link> },
              { key: paths.gc, icon: <ClearOutlined />, label: <Link to={paths.gc}>{t('nav.gc')}</Link> },
              {
                key: paths.scanner,
                icon: <SafetyCertificateOutlined />,
                label: <Link to={paths.scanner}>{t('nav.scanner')}</Link>,
              },
              {
                key: paths.replication,
                icon: <SwapOutlined />,
                label: <Link to={paths.replication}>{t('nav.replication')}</Link>,
              },
            ]
          : []),
        {
          key: paths.auditLogs,
          icon: <AuditOutlined />,
          label: <Link to={paths.auditLogs}>{t('nav.auditLogs')}</Link>,
        },
        { key: paths.settings, icon: <SettingOutlined />, label: <Link to={paths.settings}>{t('nav.settings')}</Link> },
      ],
    },
  ];
  const selected =
    [
      paths.projects,
      paths.repositories,
      paths.jobs,
      paths.users,
      paths.gc,
      paths.scanner,
      paths.replication,
      paths.auditLogs,
      paths.settings,
    ].find((p) => location.pathname === p || location.pathname.startsWith(`${p}/`)) ?? paths.dashboard;

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider
        collapsible
        collapsed={collapsed}
        onCollapse={setCollapsed}
        theme="light"
        width={220}
        style={{ borderRight: `1px solid ${token.colorBorderSecondary}` }}
      >
        <Link to={paths.dashboard}>
          <Flex align="center" gap={10} style={{ height: 56, paddingInline: collapsed ? 24 : 20 }}>
            <img src="/favicon.svg" alt="" width={28} height={28} />
            {!collapsed && (
              <Typography.Text strong style={{ fontSize: 18 }}>
                Berth
              </Typography.Text>
            )}
          </Flex>
        </Link>
        <nav aria-label="main">
          <Menu mode="inline" selectedKeys={[selected]} items={items} style={{ borderInlineEnd: 'none' }} />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: token.colorBgContainer,
            borderBottom: `1px solid ${token.colorBorderSecondary}`,
            paddingInline: 24,
            height: 56,
            lineHeight: '56px',
          }}
        >
          <Flex justify="flex-end" align="center" gap={8} style={{ height: '100%' }}>
            <Tooltip title={connected ? t('header.live') : t('header.offline')}>
              <Badge status={connected ? 'success' : 'warning'} data-testid="live-status" data-live={connected} />
            </Tooltip>
            <LanguageSwitch />
            <ThemeSwitch />
            <Dropdown
              menu={{
                items: [
                  { key: 'who', label: t('header.signedInAs', { name: user?.username ?? '' }), disabled: true },
                  { type: 'divider' },
                  { key: 'out', icon: <LogoutOutlined />, label: t('header.signOut'), onClick: () => void signOut() },
                ],
              }}
            >
              <Button type="text" icon={<UserOutlined />}>
                {user?.username}
              </Button>
            </Dropdown>
          </Flex>
        </Layout.Header>
        <Layout.Content style={{ padding: 24, maxWidth: 1600, width: '100%', marginInline: 'auto' }}>
          <Suspense
            fallback={
              <Flex justify="center" style={{ padding: 64 }}>
                <Spin />
              </Flex>
            }
          >
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
