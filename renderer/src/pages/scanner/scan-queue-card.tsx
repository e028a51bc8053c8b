import { useQuery } from '@tanstack/react-query';
import { Badge, Card, Empty, Flex, Progress, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api/client';
import type { Execution } from '../../api/types';
import { ErrorAlert } from '../../components/error-alert';
import { percent, shortDigest } from '../../components/format';
import { StatusTag } from '../../components/status-tag';
import { TimeText } from '../../components/time-text';
import { paths, projectOf } from '../../routes';

interface JobQueue {
  job_type: string;
  count: number;
  latency: number;
  paused: boolean;
}

/** Job types of the scanner (the job system names them `scan…`). */
function isScanType(jobType: string): boolean {
  return jobType.toLowerCase().startsWith('scan') || jobType.toLowerCase().includes('sbom');
}

/** What an IMAGE_SCAN execution records about its artifact (the engine's extra attributes). */
function targetOf(e: Execution): { project?: string; repository?: string; digest?: string } {
  const a = e.extra_attrs ?? {};
  const s = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : undefined);
  const repository = s('repository');
  return { project: repository ? projectOf(repository) : undefined, repository, digest: s('digest') };
}

/**
 * The scanner's live queue: scan tasks waiting per job type (from `/jobservice/queues`) and the scans
 * running now. Both listings are refreshed by the event stream (`['queues']`, `['executions']`).
 */
export function ScanQueueCard() {
  const { t } = useTranslation('scanner');
  const queues = useQuery({
    queryKey: ['queues', 'scan'],
    queryFn: ({ signal }) => api.get<JobQueue[]>('jobservice/queues', undefined, signal),
    refetchInterval: (q) => ((q.state.data ?? []).some((x) => isScanType(x.job_type) && x.count > 0) ? 10_000 : false),
  });
  const running = useQuery({
    queryKey: ['executions', 'scan-running'],
    queryFn: async ({ signal }) => {
      const [scans, all] = await Promise.all(
        ['IMAGE_SCAN', 'SCAN_ALL'].map((v) =>
          api.list<Execution>('executions', { q: `vendor_type=${v},status=Running`, page_size: 20 }, signal),
        ),
      );
      return [...(all?.data ?? []), ...(scans?.data ?? [])];
    },
  });
  const scanQueues = (queues.data ?? []).filter((q) => isScanType(q.job_type));
  const pending = scanQueues.reduce((n, q) => n + q.count, 0);
  const rows = running.data ?? [];

  return (
    <Card
      title={
        <Flex gap={8} align="center">
          {t('queue.title')}
          <Badge count={rows.length} color="blue" showZero title={t('queue.runningCount', { count: rows.length })} />
        </Flex>
      }
      style={{ height: '100%' }}
    >
      <ErrorAlert error={queues.error ?? running.error} />
      <Flex gap={8} wrap style={{ marginBottom: 12 }}>
        <Typography.Text>{t('queue.pending', { count: pending })}</Typography.Text>
        {scanQueues.map((q) => (
          <Tag key={q.job_type} color={q.paused ? 'warning' : q.count > 0 ? 'blue' : 'default'}>
            {t(`queue.types.${q.job_type.replace(/\W/g, '_')}`, { defaultValue: q.job_type })}: {q.count}
            {q.paused ? ` · ${t('queue.paused')}` : ''}
          </Tag>
        ))}
      </Flex>
      <Table<Execution>
        rowKey="id"
        size="small"
        dataSource={rows}
        loading={running.isLoading}
        pagination={false}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('queue.idle')} /> }}
        columns={[
          {
            title: t('queue.what'),
            key: 'what',
            render: (_, e) => {
              if (e.vendor_type === 'SCAN_ALL') return <Typography.Text strong>{t('scanAll.title')}</Typography.Text>;
              const target = targetOf(e);
              if (target.project && target.repository && target.digest) {
                return (
                  <Link to={paths.artifact(target.project, target.repository, target.digest)}>
                    {target.repository}@{shortDigest(target.digest)}
                  </Link>
                );
              }
              return `#${e.id}`;
            },
          },
          { title: t('queue.status'), key: 'status', width: 100, render: (_, e) => <StatusTag status={e.status} /> },
          {
            title: t('queue.progress'),
            key: 'progress',
            width: 160,
            render: (_, e) =>
              e.progress.total > 0 ? (
                <Progress percent={percent(e.progress.done, e.progress.total)} size="small" status="active" />
              ) : (
                '—'
              ),
          },
          { title: t('queue.started'), key: 'start', width: 130, render: (_, e) => <TimeText value={e.start_time} /> },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
        <Link to={paths.jobs}>{t('queue.allScans')}</Link>
      </Typography.Paragraph>
    </Card>
  );
}
