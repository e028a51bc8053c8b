import { AppstoreOutlined, DatabaseOutlined, HddOutlined, ScheduleOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Card, Col, Flex, Row, Skeleton, Statistic, Typography, theme } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { formatBytes } from '../../components/format';
import { PageHeader } from '../../components/page-header';
import { paths } from '../../routes';
import { useCurrentUser } from '../../stores/session';
import type { Statistics } from './dashboard-data';
import { PushHelpCard, RecentPushesCard } from './recent-pushes-card';
import { RunningJobsCard, useActiveExecutions } from './running-jobs-card';
import { StorageCard } from './storage-card';

/**
 * The first page after sign-in: counts, storage per project, the latest pushes and the work in
 * progress. Everything on it follows the event stream: a push refreshes the counts, the chart and
 * the feed; job progress moves the bars.
 */
export function DashboardPage() {
  const { t } = useTranslation('dashboard');
  const admin = useCurrentUser()?.sysadmin_flag ?? false;
  const stats = useQuery({
    queryKey: ['statistics'],
    queryFn: ({ signal }) => api.get<Statistics>('statistics', undefined, signal),
  });
  const active = useActiveExecutions();
  const s = stats.data;
  // A non-administrator's totals are 0 (as Harbor answers); the public and private counts are theirs.
  const projects = s ? s.public_project_count + s.private_project_count : undefined;
  const repositories = s ? s.public_repo_count + s.private_repo_count : undefined;

  return (
    <>
      <PageHeader title={t('title')} />
      <ErrorAlert error={stats.error} />
      <Row gutter={[16, 16]}>
        <Col xs={24} sm={12} xl={6}>
          <StatCard
            icon={<AppstoreOutlined />}
            title={t('stats.projects')}
            value={projects}
            to={paths.projects}
            footer={s && t('stats.publicPrivate', { public: s.public_project_count, private: s.private_project_count })}
          />
        </Col>
        <Col xs={24} sm={12} xl={6}>
          <StatCard
            icon={<DatabaseOutlined />}
            title={t('stats.repositories')}
            value={repositories}
            to={paths.repositories}
            footer={s && t('stats.publicPrivate', { public: s.public_repo_count, private: s.private_repo_count })}
          />
        </Col>
        <Col xs={24} sm={12} xl={6}>
          <StatCard
            icon={<HddOutlined />}
            title={t('stats.storage')}
            value={admin && s ? formatBytes(s.total_storage_consumption) : admin ? undefined : '—'}
            footer={admin ? t('stats.storageHint') : t('stats.storageAdminsOnly')}
          />
        </Col>
        <Col xs={24} sm={12} xl={6}>
          <StatCard
            icon={<ScheduleOutlined />}
            title={t('stats.jobs')}
            value={active.isLoading ? undefined : active.running + active.pending}
            to={paths.jobs}
            footer={t('stats.jobsHint', { running: active.running, pending: active.pending })}
          />
        </Col>
        <Col xs={24} xl={14}>
          <StorageCard admin={admin} totalBytes={admin ? s?.total_storage_consumption : undefined} />
        </Col>
        <Col xs={24} xl={10}>
          <RunningJobsCard active={active} />
        </Col>
        <Col xs={24} xl={14}>
          <RecentPushesCard admin={admin} />
        </Col>
        <Col xs={24} xl={10}>
          <PushHelpCard />
        </Col>
      </Row>
    </>
  );
}

function StatCard({
  icon,
  title,
  value,
  footer,
  to,
}: {
  icon: ReactNode;
  title: string;
  value: number | string | undefined;
  footer?: string;
  to?: string;
}) {
  const { token } = theme.useToken();
  const heading = to ? (
    <Link to={to} style={{ color: 'inherit' }}>
      {title}
    </Link>
  ) : (
    title
  );
  return (
    <Card style={{ height: '100%' }}>
      <Flex gap={16} align="flex-start">
        <Flex
          align="center"
          justify="center"
          style={{
            width: 44,
            height: 44,
            flex: 'none',
            borderRadius: token.borderRadiusLG,
            background: token.colorPrimaryBg,
            color: token.colorPrimary,
            fontSize: 20,
          }}
        >
          {icon}
        </Flex>
        <Flex vertical style={{ minWidth: 0 }}>
          {value === undefined ? (
            <Skeleton active title={false} paragraph={{ rows: 2 }} />
          ) : (
            <Statistic title={heading} value={value} />
          )}
          {footer && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {footer}
            </Typography.Text>
          )}
        </Flex>
      </Flex>
    </Card>
  );
}
