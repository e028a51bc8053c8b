import { FileTextOutlined, StopOutlined, SwapRightOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  Button,
  Descriptions,
  Drawer,
  Empty,
  Flex,
  Progress,
  Select,
  Table,
  Tooltip,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { usePagedList } from '../../api/paging';
import { ErrorAlert } from '../../components/error-alert';
import { formatBytes, percent } from '../../components/format';
import { TimeText } from '../../components/time-text';
import { LogDrawer } from '../jobs/log-drawer';
import { ExecutionProgress, ReplicationStatus } from './bits';
import { LIVE_MS, useStopExecution } from './executions-tab';
import { isRunning } from './policy-form';
import { keys, paths } from './replication-api';
import type { Policy, ReplicationExecution, ReplicationTask } from './types';

const TASK_STATUSES = ['Pending', 'InProgress', 'Succeed', 'Failed', 'Stopped'];

/** One execution: its summary, its tasks with byte progress, and each task's log. */
export function ExecutionDrawer({ executionId, onClose }: { executionId?: number; onClose(): void }) {
  const { t } = useTranslation('replication');
  const open = executionId !== undefined;
  const id = executionId ?? 0;
  const execution = useQuery({
    queryKey: keys.execution(id),
    queryFn: ({ signal }) => api.get<ReplicationExecution>(paths.execution(id), undefined, signal),
    enabled: open,
    refetchInterval: (q) => (q.state.data && isRunning(q.state.data) ? LIVE_MS : false),
  });
  const e = execution.data;
  const running = e ? isRunning(e) : false;
  const policy = useQuery({
    queryKey: [...keys.policies, 'one', e?.policy_id],
    queryFn: ({ signal }) => api.get<Policy>(paths.policy(e?.policy_id ?? 0), undefined, signal),
    enabled: open && e !== undefined,
    staleTime: 60_000,
    placeholderData: keepPreviousData,
  });
  const stop = useStopExecution();

  return (
    <Drawer
      open={open}
      onClose={onClose}
      title={t('detail.title', { id })}
      size={1100}
      destroyOnHidden
      extra={
        running && (
          <Button danger icon={<StopOutlined />} onClick={() => stop(id)}>
            {t('executions.stop')}
          </Button>
        )
      }
    >
      <ErrorAlert error={execution.error} />
      {e && (
        <Descriptions
          size="small"
          bordered
          column={{ xs: 1, md: 2 }}
          style={{ marginBottom: 24 }}
          items={[
            { key: 'status', label: t('executions.status'), children: <ReplicationStatus status={e.status} /> },
            {
              key: 'policy',
              label: t('detail.policy'),
              children: policy.data?.name ?? `#${e.policy_id}`,
            },
            {
              key: 'trigger',
              label: t('executions.trigger'),
              children: t(`trigger.${e.trigger}`, { defaultValue: e.trigger }),
            },
            {
              key: 'progress',
              label: t('executions.progress'),
              children: <ExecutionProgress execution={e} width={240} />,
            },
            { key: 'start', label: t('executions.started'), children: <TimeText value={e.start_time} /> },
            { key: 'end', label: t('executions.ended'), children: <TimeText value={e.end_time} /> },
            ...(e.status_text
              ? [{ key: 'text', label: t('detail.statusText'), span: 2, children: e.status_text }]
              : []),
          ]}
        />
      )}
      {open && <TaskTable executionId={id} running={running} />}
    </Drawer>
  );
}

function TaskTable({ executionId, running }: { executionId: number; running: boolean }) {
  const { t } = useTranslation('replication');
  const [status, setStatus] = useState<string>();
  const [log, setLog] = useState<ReplicationTask>();
  const tasks = usePagedList<ReplicationTask>(
    keys.tasks(executionId),
    paths.tasks(executionId),
    { status },
    { refetchInterval: running ? LIVE_MS : undefined },
  );

  const columns: TableColumnsType<ReplicationTask> = [
    {
      title: t('detail.operation'),
      dataIndex: 'operation',
      render: (v: string) => t(`detail.operations.${v}`, { defaultValue: v }),
    },
    { title: t('detail.resourceType'), dataIndex: 'resource_type' },
    {
      title: t('detail.resource'),
      key: 'resource',
      render: (_, task) => (
        <Flex align="center" gap={6} wrap>
          <Typography.Text code>{task.src_resource}</Typography.Text>
          <SwapRightOutlined aria-hidden />
          <Typography.Text code>{task.dst_resource}</Typography.Text>
        </Flex>
      ),
    },
    { title: t('executions.status'), dataIndex: 'status', render: (v: string) => <ReplicationStatus status={v} /> },
    {
      title: t('detail.bytes'),
      key: 'bytes',
      width: 190,
      render: (_, task) => <ByteProgress task={task} />,
    },
    { title: t('executions.started'), dataIndex: 'start_time', render: (v: string | null) => <TimeText value={v} /> },
    { title: t('executions.ended'), dataIndex: 'end_time', render: (v: string | null) => <TimeText value={v} /> },
    {
      title: t('detail.log'),
      key: 'log',
      width: 70,
      render: (_, task) => (
        <Tooltip title={t('detail.log')}>
          <Button
            type="text"
            size="small"
            icon={<FileTextOutlined />}
            aria-label={t('detail.logNamed', { id: task.id })}
            onClick={() => setLog(task)}
          />
        </Tooltip>
      ),
    },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" style={{ marginBottom: 12 }}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          {t('detail.tasks')}
        </Typography.Title>
        <Select
          aria-label={t('detail.filterTaskStatus')}
          allowClear
          placeholder={t('executions.anyStatus')}
          value={status}
          onChange={setStatus}
          style={{ width: 180 }}
          options={TASK_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
        />
      </Flex>
      <ErrorAlert error={tasks.query.error} />
      <Table<ReplicationTask>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={tasks.items}
        loading={tasks.query.isLoading}
        pagination={{ ...tasks.pagination, showTotal: (total) => t('common:total', { count: total }) }}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('detail.noTasks')} /> }}
      />
      <LogDrawer
        open={log !== undefined}
        title={log ? t('detail.logTitle', { id: log.id, resource: log.src_resource }) : ''}
        queryKey={keys.log(executionId, log?.id ?? 0)}
        path={paths.taskLog(executionId, log?.id ?? 0)}
        running={log !== undefined && (tasks.items.find((x) => x.id === log.id) ?? log).status === 'InProgress'}
        onClose={() => setLog(undefined)}
      />
    </>
  );
}

const BYTE_STATUS: Record<string, 'active' | 'exception' | 'success'> = {
  InProgress: 'active',
  Failed: 'exception',
  Succeed: 'success',
};

function ByteProgress({ task }: { task: ReplicationTask }) {
  const done = task.bytes_done ?? 0;
  const total = task.bytes_total ?? 0;
  if (total <= 0 && done <= 0) return <Typography.Text type="secondary">—</Typography.Text>;
  const text = total > 0 ? `${formatBytes(done)} / ${formatBytes(total)}` : formatBytes(done);
  const value = task.status === 'Succeed' ? 100 : percent(done, total);
  return (
    <Tooltip title={text}>
      <Flex vertical style={{ width: 170 }}>
        <Progress
          percent={value}
          size="small"
          showInfo={false}
          status={BYTE_STATUS[task.status] ?? 'normal'}
          aria-label={text}
        />
        <Typography.Text type="secondary" style={{ fontSize: 11 }}>
          {text}
        </Typography.Text>
      </Flex>
    </Tooltip>
  );
}
