import { FileTextOutlined, StopOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Flex, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { usePagedList } from '../../api/paging';
import { formatBytes } from '../../components/format';
import { ErrorAlert } from '../../components/error-alert';
import { StatusTag } from '../../components/status-tag';
import { TimeText } from '../../components/time-text';
import { executionLink } from '../jobs/job-bits';
import { elapsedMs, formatDuration } from '../jobs/job-format';
import { useGcActions } from './gc-actions';
import { gcActive, gcAttributes, hasResult, type GcHistory } from './gc-data';
import { GcLiveProgress } from './gc-run-card';

/** Every GC run, newest first, paged by the server: what each freed (or would free), its log, stop. */
export function GcHistoryCard({ onShowLog }: { onShowLog(run: GcHistory): void }) {
  const { t, i18n } = useTranslation('gc');
  const actions = useGcActions();
  const history = usePagedList<GcHistory>(['gc', 'history'], 'system/gc', {}, { pageSize: 10 });

  const columns: TableColumnsType<GcHistory> = [
    {
      title: t('history.id'),
      dataIndex: 'id',
      width: 80,
      render: (id: number) => <Link to={executionLink(id)}>#{id}</Link>,
    },
    {
      title: t('history.kind'),
      dataIndex: 'job_kind',
      render: (kind: string, run) => (
        <Flex gap={4} wrap>
          {t(`history.kinds.${kind}`, { defaultValue: kind })}
          {gcAttributes(run.job_parameters).dry_run && <Tag color="purple">{t('history.dryRun')}</Tag>}
        </Flex>
      ),
    },
    {
      title: t('history.status'),
      dataIndex: 'job_status',
      render: (status: string, run) =>
        gcActive(status) ? (
          <Flex vertical gap={4}>
            <StatusTag status={status} />
            <GcLiveProgress id={run.id} width={140} />
          </Flex>
        ) : (
          <StatusTag status={status} />
        ),
    },
    {
      title: t('history.freed'),
      key: 'freed',
      render: (_, run) => {
        const a = gcAttributes(run.job_parameters);
        if (!hasResult(a)) return <Typography.Text type="secondary">—</Typography.Text>;
        return a.dry_run ? (
          <Typography.Text type="secondary" italic>
            {t('history.wouldFree', { size: formatBytes(a.freed_space) })}
          </Typography.Text>
        ) : (
          <Typography.Text strong>{formatBytes(a.freed_space)}</Typography.Text>
        );
      },
    },
    {
      title: t('history.deleted'),
      key: 'deleted',
      render: (_, run) => {
        const a = gcAttributes(run.job_parameters);
        if (!hasResult(a)) return <Typography.Text type="secondary">—</Typography.Text>;
        const text = t('history.deletedValue', { blobs: a.purged_blobs ?? 0, artifacts: a.purged_manifests ?? 0 });
        return a.dry_run ? (
          <Typography.Text type="secondary" italic>
            {text}
          </Typography.Text>
        ) : (
          text
        );
      },
    },
    {
      title: t('history.started'),
      dataIndex: 'creation_time',
      render: (v: string) => <TimeText value={v} />,
    },
    {
      title: t('history.duration'),
      key: 'duration',
      render: (_, run) => {
        const a = gcAttributes(run.job_parameters);
        const ms = a.duration_ms ?? elapsedMs(run.creation_time, gcActive(run.job_status) ? null : run.update_time);
        return formatDuration(ms, i18n.language);
      },
    },
    {
      title: t('common:actions'),
      key: 'actions',
      width: 170,
      render: (_, run) => (
        <Flex gap={4}>
          <Button size="small" type="link" icon={<FileTextOutlined />} onClick={() => onShowLog(run)}>
            {t('history.log')}
          </Button>
          {gcActive(run.job_status) && (
            <Button size="small" type="link" danger icon={<StopOutlined />} onClick={() => actions.stop(run.id)}>
              {t('history.stop')}
            </Button>
          )}
        </Flex>
      ),
    },
  ];

  return (
    <Card title={t('history.title')}>
      <ErrorAlert error={history.query.error} />
      <Table<GcHistory>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={history.items}
        loading={history.query.isLoading}
        pagination={{ ...history.pagination, showTotal: (total) => t('common:total', { count: total }) }}
        scroll={{ x: 'max-content' }}
        locale={{
          emptyText: (
            <Empty
              description={
                <Flex vertical gap={4}>
                  <Typography.Text strong>{t('history.empty')}</Typography.Text>
                  <Typography.Text type="secondary">{t('history.emptyHint')}</Typography.Text>
                </Flex>
              }
            />
          ),
        }}
      />
    </Card>
  );
}
