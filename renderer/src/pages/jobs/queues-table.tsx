import { PauseCircleOutlined, PlayCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Badge, Button, Empty, Flex, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { formatDuration, type JobQueue } from './job-format';

/** Latency grows while nothing happens, and no event says so: re-read while work is waiting. */
const WAITING_REFRESH_MS = 10_000;

/** Harbor's job queues (one per job type): what waits, for how long, and pause/resume. */
export function QueuesTable() {
  const { t, i18n } = useTranslation('jobs');
  const { message, notification } = App.useApp();
  const queryClient = useQueryClient();
  const queues = useQuery({
    queryKey: ['queues'],
    queryFn: ({ signal }) => api.get<JobQueue[]>('jobservice/queues', undefined, signal),
    refetchInterval: (q) => ((q.state.data ?? []).some((x) => x.count > 0) ? WAITING_REFRESH_MS : false),
  });
  const change = useMutation({
    mutationFn: ({ jobType, action }: { jobType: string; action: 'pause' | 'resume' }) =>
      api.put(`jobservice/queues/${encodeURIComponent(jobType)}`, { action }),
    onSuccess: (_, { jobType, action }) => {
      const name = t(`jobType.${jobType}`, { defaultValue: jobType });
      if (jobType === 'all') void message.success(t(action === 'pause' ? 'queues.allPaused' : 'queues.allResumed'));
      else void message.success(t(action === 'pause' ? 'queues.pausedDone' : 'queues.resumedDone', { name }));
    },
    onError: (error) =>
      notification.error({
        title: t('queues.actionFailed'),
        description: errorMessage(error),
        placement: 'bottomRight',
      }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['queues'] }),
  });
  const items = queues.data ?? [];
  const anyRunning = items.some((q) => !q.paused);
  const anyPaused = items.some((q) => q.paused);

  const columns: TableColumnsType<JobQueue> = [
    {
      title: t('columns.jobType'),
      dataIndex: 'job_type',
      render: (v: string) => (
        <Flex vertical>
          <Typography.Text strong>{t(`jobType.${v}`, { defaultValue: v })}</Typography.Text>
          <Typography.Text type="secondary" code style={{ fontSize: 12, alignSelf: 'flex-start' }}>
            {v}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('columns.pending'),
      dataIndex: 'count',
      render: (v: number) => <Badge count={v} showZero color={v > 0 ? 'blue' : 'gray'} overflowCount={9999} />,
    },
    {
      title: t('columns.latency'),
      dataIndex: 'latency',
      render: (v: number, q) => (q.count > 0 ? formatDuration(v * 1000, i18n.language) : '—'),
    },
    {
      title: t('columns.state'),
      dataIndex: 'paused',
      render: (paused: boolean) =>
        paused ? <Tag color="warning">{t('queues.paused')}</Tag> : <Tag color="success">{t('queues.active')}</Tag>,
    },
    {
      title: t('common:actions'),
      key: 'actions',
      width: 160,
      render: (_, q) => {
        const name = t(`jobType.${q.job_type}`, { defaultValue: q.job_type });
        return q.paused ? (
          <Button
            size="small"
            icon={<PlayCircleOutlined />}
            aria-label={`${t('queues.resume')} ${name}`}
            loading={change.isPending && change.variables.jobType === q.job_type}
            onClick={() => change.mutate({ jobType: q.job_type, action: 'resume' })}
          >
            {t('queues.resume')}
          </Button>
        ) : (
          <Button
            size="small"
            icon={<PauseCircleOutlined />}
            aria-label={`${t('queues.pause')} ${name}`}
            loading={change.isPending && change.variables.jobType === q.job_type}
            onClick={() => change.mutate({ jobType: q.job_type, action: 'pause' })}
          >
            {t('queues.pause')}
          </Button>
        );
      },
    },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" gap={16} wrap style={{ marginBottom: 16 }}>
        <Alert type="info" showIcon title={t('queues.intro')} style={{ flex: 1, minWidth: 320 }} />
        <Flex gap={8}>
          <Button
            icon={<PauseCircleOutlined />}
            disabled={!anyRunning}
            onClick={() => change.mutate({ jobType: 'all', action: 'pause' })}
          >
            {t('queues.pauseAll')}
          </Button>
          <Button
            icon={<PlayCircleOutlined />}
            disabled={!anyPaused}
            onClick={() => change.mutate({ jobType: 'all', action: 'resume' })}
          >
            {t('queues.resumeAll')}
          </Button>
        </Flex>
      </Flex>
      <ErrorAlert error={queues.error} />
      <Table<JobQueue>
        rowKey="job_type"
        size="middle"
        columns={columns}
        dataSource={items}
        loading={queues.isLoading}
        pagination={false}
        locale={{ emptyText: <Empty description={t('queues.empty')} /> }}
      />
    </>
  );
}
