import { RedoOutlined, StopOutlined } from '@ant-design/icons';
import { Button, Empty, Flex, Select, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { usePagedList } from '../../api/paging';
import type { Execution } from '../../api/types';
import { ErrorAlert } from '../../components/error-alert';
import { StatusTag } from '../../components/status-tag';
import { TimeText } from '../../components/time-text';
import { paths } from '../../routes';
import { useCurrentUser } from '../../stores/session';
import { useJobActions } from './job-actions';
import { JobProgress, ProjectOfJob, useVendorLabel } from './job-bits';
import { JOB_STATUSES, VENDOR_TYPES, canRetry, elapsedMs, exactQ, formatDuration, isActive } from './job-format';
import { useJobsUi } from './jobs-store';

/** Every execution the caller may see, newest first, paged by the server and filtered by type and status. */
export function ExecutionsTable({ onOpen }: { onOpen(id: number): void }) {
  const { t, i18n } = useTranslation('jobs');
  const vendorLabel = useVendorLabel();
  const admin = useCurrentUser()?.sysadmin_flag ?? false;
  const { vendorType, status, setVendorType, setStatus } = useJobsUi();
  const actions = useJobActions({ onRetried: (e) => onOpen(e.id) });
  const list = usePagedList<Execution>(['executions', 'list'], 'executions', {
    q: exactQ({ vendor_type: vendorType, status }),
  });
  const filtered = vendorType !== undefined || status !== undefined;

  const columns: TableColumnsType<Execution> = [
    {
      title: t('columns.id'),
      dataIndex: 'id',
      width: 80,
      render: (id: number) => (
        <Button type="link" size="small" style={{ padding: 0 }} onClick={() => onOpen(id)}>
          #{id}
        </Button>
      ),
    },
    {
      title: t('columns.type'),
      dataIndex: 'vendor_type',
      render: (v: string, e) => (
        <Flex gap={6} align="center">
          <Typography.Link onClick={() => onOpen(e.id)} style={{ fontWeight: 500 }}>
            {vendorLabel(v)}
          </Typography.Link>
          {e.extra_attrs.dry_run === true && <Tag color="purple">{t('dryRun')}</Tag>}
        </Flex>
      ),
    },
    {
      title: t('columns.project'),
      dataIndex: 'project_id',
      render: (v: number | null) => <ProjectOfJob projectId={v} />,
    },
    { title: t('columns.status'), dataIndex: 'status', render: (v: string) => <StatusTag status={v} /> },
    { title: t('columns.progress'), key: 'progress', width: 190, render: (_, e) => <JobProgress job={e} /> },
    {
      title: t('columns.trigger'),
      dataIndex: 'trigger',
      render: (v: string) => t(`trigger.${v}`, { defaultValue: v }),
    },
    { title: t('columns.started'), dataIndex: 'start_time', render: (v: string) => <TimeText value={v} /> },
    {
      title: t('columns.duration'),
      key: 'duration',
      render: (_, e) => formatDuration(elapsedMs(e.start_time, e.end_time), i18n.language),
    },
    {
      title: t('common:actions'),
      key: 'actions',
      width: 200,
      render: (_, e) => (
        <Flex gap={4}>
          <Button size="small" type="link" onClick={() => onOpen(e.id)}>
            {t('details')}
          </Button>
          {isActive(e) && (
            <Tooltip title={t('stopExecutionTitle', { id: e.id })}>
              <Button size="small" type="link" danger icon={<StopOutlined />} onClick={() => actions.stopExecution(e)}>
                {t('stop')}
              </Button>
            </Tooltip>
          )}
          {canRetry(e) && (
            <Button size="small" type="link" icon={<RedoOutlined />} onClick={() => actions.retry(e)}>
              {t('retry')}
            </Button>
          )}
        </Flex>
      ),
    },
  ];

  return (
    <>
      <Flex gap={12} wrap style={{ marginBottom: 16 }}>
        <Select
          aria-label={t('filters.vendorType')}
          allowClear
          placeholder={t('filters.anyVendorType')}
          value={vendorType}
          onChange={setVendorType}
          style={{ width: 220 }}
          options={VENDOR_TYPES.map((v) => ({ value: v, label: vendorLabel(v) }))}
        />
        <Select
          aria-label={t('filters.status')}
          allowClear
          placeholder={t('filters.anyStatus')}
          value={status}
          onChange={setStatus}
          style={{ width: 180 }}
          options={JOB_STATUSES.map((s) => ({ value: s, label: t(`common:status.${s}`) }))}
        />
      </Flex>
      <ErrorAlert error={list.query.error} />
      <Table<Execution>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.query.isLoading}
        pagination={{ ...list.pagination, showTotal: (total) => t('common:total', { count: total }) }}
        scroll={{ x: 'max-content' }}
        locale={{
          emptyText: filtered ? (
            <Empty description={t('emptyExecutionsFiltered')} />
          ) : (
            <Empty
              description={
                <Flex vertical gap={4} align="center">
                  <Typography.Text strong>{t(admin ? 'emptyExecutions' : 'emptyExecutionsMember')}</Typography.Text>
                  <Typography.Text type="secondary">{t('emptyExecutionsHint')}</Typography.Text>
                </Flex>
              }
            >
              {admin && (
                <Link to={paths.gc}>
                  <Button type="primary">{t('goToGc')}</Button>
                </Link>
              )}
            </Empty>
          ),
        }}
      />
    </>
  );
}
