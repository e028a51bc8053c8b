import { FileTextOutlined, RedoOutlined, StopOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import {
  Button,
  Descriptions,
  Drawer,
  Empty,
  Flex,
  Result,
  Select,
  Skeleton,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError } from '../../api/client';
import { usePagedList } from '../../api/paging';
import type { Execution, Task } from '../../api/types';
import { ErrorAlert } from '../../components/error-alert';
import { StatusTag } from '../../components/status-tag';
import { TimeText } from '../../components/time-text';
import { useJobActions } from './job-actions';
import { JobProgress, ProjectOfJob, executionLink, useVendorLabel } from './job-bits';
import { JOB_STATUSES, canRetry, elapsedMs, exactQ, formatDuration, isActive, readableMessage } from './job-format';
import { LogDrawer } from './log-drawer';

/**
 * One execution: what it is, how far it got, its attributes, and its tasks (paged by the server),
 * each with its log. Every figure here is live: the event stream writes fresh executions into
 * `['execution', id]` and fresh tasks into `['tasks', executionId, ...]`.
 */
export function ExecutionDrawer({
  executionId,
  onClose,
  onOpenExecution,
}: {
  executionId: number | undefined;
  onClose(): void;
  onOpenExecution(id: number): void;
}) {
  const { t, i18n } = useTranslation('jobs');
  const vendorLabel = useVendorLabel();
  const open = executionId !== undefined;
  const execution = useQuery({
    queryKey: ['execution', executionId],
    queryFn: ({ signal }) => api.get<Execution>(`executions/${executionId}`, undefined, signal),
    enabled: open,
  });
  const actions = useJobActions({ onRetried: (e) => onOpenExecution(e.id) });
  const e = execution.data;
  const notFound = execution.error instanceof ApiError && execution.error.status === 404;

  return (
    <Drawer
      open={open}
      onClose={onClose}
      size={980}
      title={e ? t('execution.title', { type: vendorLabel(e.vendor_type), id: e.id }) : `#${executionId ?? ''}`}
      extra={
        e && (
          <Flex gap={8}>
            {isActive(e) && (
              <Button danger icon={<StopOutlined />} onClick={() => actions.stopExecution(e)}>
                {t('stop')}
              </Button>
            )}
            {canRetry(e) && (
              <Button icon={<RedoOutlined />} onClick={() => actions.retry(e)}>
                {t('retry')}
              </Button>
            )}
          </Flex>
        )
      }
    >
      {notFound ? (
        <Result status="404" subTitle={t('execution.notFound')} />
      ) : (
        <>
          <ErrorAlert error={execution.error} />
          {!e ? (
            <Skeleton active />
          ) : (
            <Flex vertical gap={24}>
              <Descriptions
                bordered
                size="small"
                column={2}
                items={[
                  { key: 'status', label: t('columns.status'), children: <StatusTag status={e.status} /> },
                  {
                    key: 'progress',
                    label: t('columns.progress'),
                    children: <JobProgress job={e} width={220} />,
                  },
                  { key: 'type', label: t('columns.type'), children: vendorLabel(e.vendor_type) },
                  { key: 'project', label: t('columns.project'), children: <ProjectOfJob projectId={e.project_id} /> },
                  {
                    key: 'trigger',
                    label: t('columns.trigger'),
                    children: t(`trigger.${e.trigger}`, { defaultValue: e.trigger }),
                  },
                  {
                    key: 'duration',
                    label: t('columns.duration'),
                    children: formatDuration(elapsedMs(e.start_time, e.end_time), i18n.language),
                  },
                  { key: 'started', label: t('columns.started'), children: <TimeText value={e.start_time} /> },
                  {
                    key: 'ended',
                    label: t('columns.ended'),
                    children: e.end_time ? <TimeText value={e.end_time} /> : t('never'),
                  },
                  ...(e.status_message
                    ? [
                        {
                          key: 'message',
                          label: t('execution.statusMessage'),
                          span: 2,
                          children: <Typography.Text>{e.status_message}</Typography.Text>,
                        },
                      ]
                    : []),
                  ...attributeItems(
                    e,
                    t('execution.attributes'),
                    t('execution.retryOf', { id: e.extra_attrs.retry_of }),
                  ),
                ]}
              />
              <TaskTable execution={e} />
            </Flex>
          )}
        </>
      )}
    </Drawer>
  );
}

/** The vendor's free-form attributes, one line each; a retry links to the run it repeats. */
function attributeItems(e: Execution, label: string, retryOfText: string) {
  const entries = Object.entries(e.extra_attrs).filter(([k]) => k !== 'retry_of');
  const retryOf = typeof e.extra_attrs.retry_of === 'number' ? e.extra_attrs.retry_of : undefined;
  if (entries.length === 0 && retryOf === undefined) return [];
  return [
    {
      key: 'attrs',
      label,
      span: 2,
      children: (
        <Flex wrap gap={6}>
          {retryOf !== undefined && (
            <Link to={executionLink(retryOf)}>
              <Tag color="blue">{retryOfText}</Tag>
            </Link>
          )}
          {entries.map(([k, v]) => (
            <Tag key={k} style={{ fontFamily: 'monospace' }}>
              {k}: {typeof v === 'object' ? JSON.stringify(v) : String(v)}
            </Tag>
          ))}
        </Flex>
      ),
    },
  ];
}

function TaskTable({ execution }: { execution: Execution }) {
  const { t, i18n } = useTranslation('jobs');
  const [status, setStatus] = useState<string | undefined>();
  const [logTask, setLogTask] = useState<Task | undefined>();
  const actions = useJobActions();
  const tasks = usePagedList<Task>(['tasks', execution.id], `executions/${execution.id}/tasks`, {
    q: exactQ({ status }),
  });
  // The open log follows the live copy of its task, so it stops refreshing when the task ends.
  const liveLogTask = logTask ? (tasks.items.find((x) => x.id === logTask.id) ?? logTask) : undefined;

  const columns: TableColumnsType<Task> = [
    { title: t('columns.id'), dataIndex: 'id', width: 72 },
    {
      title: t('columns.jobType'),
      dataIndex: 'job_type',
      render: (v: string) => t(`jobType.${v}`, { defaultValue: v }),
    },
    { title: t('columns.status'), dataIndex: 'status', render: (v: string) => <StatusTag status={v} /> },
    {
      title: t('columns.progress'),
      key: 'progress',
      width: 150,
      render: (_, task) => <JobProgress job={task} width={130} />,
    },
    {
      title: t('columns.attempts'),
      key: 'attempts',
      render: (_, task) => `${task.attempts} / ${task.max_attempts}`,
    },
    {
      title: t('columns.message'),
      dataIndex: 'status_message',
      width: 200,
      ellipsis: { showTitle: true },
      render: (v: string) => (v ? readableMessage(v) : <Typography.Text type="secondary">—</Typography.Text>),
    },
    {
      title: t('columns.started'),
      dataIndex: 'start_time',
      render: (v: string | null) => (
        <span style={{ whiteSpace: 'nowrap' }}>
          <TimeText value={v} />
        </span>
      ),
    },
    {
      title: t('columns.duration'),
      key: 'duration',
      render: (_, task) => formatDuration(elapsedMs(task.start_time, task.end_time), i18n.language),
    },
    {
      title: t('common:actions'),
      key: 'actions',
      width: 150,
      render: (_, task) => (
        <Flex gap={4}>
          <Button size="small" type="link" icon={<FileTextOutlined />} onClick={() => setLogTask(task)}>
            {t('tasks.log')}
          </Button>
          {isActive(task) && (
            <Button size="small" type="link" danger onClick={() => actions.stopTask(task)}>
              {t('stop')}
            </Button>
          )}
        </Flex>
      ),
    },
  ];

  return (
    <div>
      <Flex justify="space-between" align="center" style={{ marginBottom: 12 }}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          {t('execution.tasks')}
          <Typography.Text type="secondary" style={{ marginLeft: 8, fontWeight: 'normal' }}>
            {t('common:total', { count: tasks.total })}
          </Typography.Text>
        </Typography.Title>
        <Select
          aria-label={t('filters.status')}
          allowClear
          placeholder={t('filters.anyStatus')}
          value={status}
          onChange={setStatus}
          style={{ width: 160 }}
          options={JOB_STATUSES.map((s) => ({ value: s, label: t(`common:status.${s}`) }))}
        />
      </Flex>
      <ErrorAlert error={tasks.query.error} />
      <Table<Task>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={tasks.items}
        loading={tasks.query.isLoading}
        pagination={tasks.pagination}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('tasks.empty')} /> }}
      />
      <LogDrawer
        open={liveLogTask !== undefined}
        title={t('tasks.logOf', { id: liveLogTask?.id ?? '' })}
        queryKey={['tasks', execution.id, 'log', liveLogTask?.id]}
        path={`tasks/${liveLogTask?.id ?? 0}/log`}
        running={liveLogTask ? isActive(liveLogTask) : false}
        onClose={() => setLogTask(undefined)}
      />
    </div>
  );
}
