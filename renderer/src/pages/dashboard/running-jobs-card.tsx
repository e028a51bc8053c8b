import { ScheduleOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Card, Empty, Flex, Skeleton, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api/client';
import type { Execution } from '../../api/types';
import { ErrorAlert } from '../../components/error-alert';
import { StatusTag } from '../../components/status-tag';
import { TimeText } from '../../components/time-text';
import { paths } from '../../routes';
import { JobProgress, ProjectOfJob, executionLink, useVendorLabel } from '../jobs/job-bits';
import { isActive } from '../jobs/job-format';

const SHOWN = 6;

/**
 * Running and waiting executions (two exact-status listings: the API filters one status at a time).
 * Their keys start with `['executions']`, so the live-events module writes each fresh execution into
 * them (the bars move) and reloads them when one starts or ends.
 */
export function useActiveExecutions() {
  const running = useQuery({
    queryKey: ['executions', 'dashboard', 'Running'],
    queryFn: ({ signal }) => api.list<Execution>('executions', { q: 'status=Running', page_size: SHOWN }, signal),
  });
  const pending = useQuery({
    queryKey: ['executions', 'dashboard', 'Pending'],
    queryFn: ({ signal }) => api.list<Execution>('executions', { q: 'status=Pending', page_size: SHOWN }, signal),
  });
  // A row written in by a live event may have ended since; it leaves on the reload that follows.
  // A live event can move a waiting execution on before the listings reload: keep its freshest copy.
  const byId = new Map<number, Execution>();
  for (const e of [...(running.data?.data ?? []), ...(pending.data?.data ?? [])]) {
    const seen = byId.get(e.id);
    if (!seen || e.update_time > seen.update_time) byId.set(e.id, e);
  }
  const items = [...byId.values()].filter(isActive);
  return {
    items: items.sort((a, b) => (a.status === b.status ? b.id - a.id : a.status === 'Running' ? -1 : 1)),
    running: running.data?.total ?? 0,
    pending: pending.data?.total ?? 0,
    isLoading: running.isLoading || pending.isLoading,
    error: running.error ?? pending.error,
  };
}

export function RunningJobsCard({ active }: { active: ReturnType<typeof useActiveExecutions> }) {
  const { t } = useTranslation('dashboard');
  const { token } = theme.useToken();
  const vendorLabel = useVendorLabel();
  const shown = active.items.slice(0, SHOWN);
  const more = active.running + active.pending - shown.length;

  return (
    <Card title={t('jobs.title')} extra={<Link to={paths.jobs}>{t('jobs.viewAll')}</Link>} style={{ height: '100%' }}>
      <ErrorAlert error={active.error} />
      {active.isLoading ? (
        <Skeleton active paragraph={{ rows: 4 }} />
      ) : shown.length === 0 ? (
        <Empty
          image={<ScheduleOutlined style={{ fontSize: 40, color: token.colorTextQuaternary }} />}
          styles={{ image: { height: 48 } }}
          description={
            <Flex vertical gap={4}>
              <Typography.Text strong>{t('jobs.empty')}</Typography.Text>
              <Typography.Text type="secondary">{t('jobs.emptyHint')}</Typography.Text>
            </Flex>
          }
        />
      ) : (
        <Flex vertical component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {shown.map((e) => (
            <Flex
              component="li"
              key={e.id}
              vertical
              gap={6}
              style={{ padding: '10px 0', borderBottom: `1px solid ${token.colorBorderSecondary}` }}
            >
              <Flex justify="space-between" align="center" gap={8}>
                <Flex align="center" gap={8} style={{ minWidth: 0 }}>
                  <Link to={executionLink(e.id)} style={{ fontWeight: 500 }}>
                    {vendorLabel(e.vendor_type)} #{e.id}
                  </Link>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    <ProjectOfJob projectId={e.project_id} />
                  </Typography.Text>
                </Flex>
                <StatusTag status={e.status} />
              </Flex>
              <Flex justify="space-between" align="center" gap={12}>
                <JobProgress job={e} width={220} />
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  <TimeText value={e.start_time} />
                </Typography.Text>
              </Flex>
            </Flex>
          ))}
          {more > 0 && (
            <Link to={paths.jobs} style={{ paddingTop: 10 }}>
              {t('jobs.more', { count: more })}
            </Link>
          )}
        </Flex>
      )}
    </Card>
  );
}
