import { StopOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Empty, Flex, Select, Table, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { usePagedList } from '../../api/paging';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { TimeText } from '../../components/time-text';
import { ExecutionProgress, ReplicationStatus } from './bits';
import { isRunning } from './policy-form';
import { keys, paths } from './replication-api';
import type { Policy, ReplicationExecution } from './types';

/** While anything on screen runs, the list is read again this often (events cover start and end). */
export const LIVE_MS = 1500;
const STATUSES = ['InProgress', 'Succeed', 'Failed', 'Stopped'];

export function useStopExecution() {
  const { t } = useTranslation('replication');
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const stop = useMutation({
    mutationFn: (id: number) => api.put(paths.execution(id), {}),
    onSuccess: (_, id) => {
      void message.success(t('executions.stopped', { id }));
      void queryClient.invalidateQueries({ queryKey: keys.executions });
    },
    onError: (e) => void message.error(`${t('executions.stopFailed')}: ${errorMessage(e)}`),
  });
  return (id: number) =>
    modal.confirm({
      title: t('executions.stopTitle', { id }),
      content: t('executions.stopBody'),
      okText: t('executions.stop'),
      okButtonProps: { danger: true },
      cancelText: t('common:cancel'),
      onOk: () => stop.mutateAsync(id).catch(() => undefined),
    });
}

/** Every run of every policy (or of one), newest first, with its task counts as a bar. */
export function ExecutionsTab({
  policyId,
  onPolicyChange,
  onOpen,
}: {
  policyId?: number;
  onPolicyChange(policyId: number | undefined): void;
  onOpen(id: number): void;
}) {
  const { t } = useTranslation('replication');
  const [status, setStatus] = useState<string>();
  const policies = useQuery({
    queryKey: [...keys.policies, 'options'],
    queryFn: ({ signal }) => api.get<Policy[]>(paths.policies, { page: 1, page_size: 100 }, signal),
    staleTime: 30_000,
  });
  const policyName = (id: number) => policies.data?.find((p) => p.id === id)?.name ?? `#${id}`;
  const [live, setLive] = useState(false);
  const list = usePagedList<ReplicationExecution>(
    [...keys.executions, 'list'],
    paths.executions,
    { policy_id: policyId, status },
    { refetchInterval: live ? LIVE_MS : undefined },
  );
  const anyRunning = list.items.some(isRunning);
  useEffect(() => setLive(anyRunning), [anyRunning]);
  const stop = useStopExecution();
  const filtered = policyId !== undefined || status !== undefined;

  const columns: TableColumnsType<ReplicationExecution> = [
    {
      title: t('executions.id'),
      dataIndex: 'id',
      width: 80,
      render: (id: number) => (
        <Button type="link" size="small" style={{ padding: 0 }} onClick={() => onOpen(id)}>
          #{id}
        </Button>
      ),
    },
    {
      title: t('executions.policy'),
      dataIndex: 'policy_id',
      render: (id: number) => <Typography.Text strong>{policyName(id)}</Typography.Text>,
    },
    { title: t('executions.status'), dataIndex: 'status', render: (v: string) => <ReplicationStatus status={v} /> },
    {
      title: t('executions.trigger'),
      dataIndex: 'trigger',
      render: (v: string) => t(`trigger.${v}`, { defaultValue: v }),
    },
    {
      title: t('executions.progress'),
      key: 'progress',
      width: 260,
      render: (_, e) => <ExecutionProgress execution={e} />,
    },
    { title: t('executions.started'), dataIndex: 'start_time', render: (v: string) => <TimeText value={v} /> },
    { title: t('executions.ended'), dataIndex: 'end_time', render: (v: string | null) => <TimeText value={v} /> },
    {
      title: t('common:actions'),
      key: 'actions',
      width: 160,
      render: (_, e) => (
        <Flex gap={4}>
          <Button size="small" type="link" onClick={() => onOpen(e.id)}>
            {t('executions.details')}
          </Button>
          {isRunning(e) && (
            <Tooltip title={t('executions.stopNamed', { id: e.id })}>
              <Button size="small" type="link" danger icon={<StopOutlined />} onClick={() => stop(e.id)}>
                {t('executions.stop')}
              </Button>
            </Tooltip>
          )}
        </Flex>
      ),
    },
  ];

  return (
    <>
      <Flex gap={12} wrap style={{ marginBottom: 16 }}>
        <Select
          aria-label={t('executions.filterPolicy')}
          allowClear
          placeholder={t('executions.all')}
          value={policyId}
          onChange={onPolicyChange}
          style={{ width: 240 }}
          loading={policies.isLoading}
          showSearch={{ optionFilterProp: 'label' }}
          options={(policies.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
        />
        <Select
          aria-label={t('executions.filterStatus')}
          allowClear
          placeholder={t('executions.anyStatus')}
          value={status}
          onChange={setStatus}
          style={{ width: 180 }}
          options={STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
        />
      </Flex>
      <ErrorAlert error={list.query.error} />
      <Table<ReplicationExecution>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.query.isLoading}
        pagination={{ ...list.pagination, showTotal: (total) => t('common:total', { count: total }) }}
        scroll={{ x: 'max-content' }}
        locale={{
          emptyText: filtered ? (
            <Empty description={t('executions.emptyFiltered')} />
          ) : (
            <Empty
              description={
                <Flex vertical gap={4} align="center">
                  <Typography.Text strong>{t('executions.empty')}</Typography.Text>
                  <Typography.Text type="secondary">{t('executions.emptyHint')}</Typography.Text>
                </Flex>
              }
            />
          ),
        }}
      />
    </>
  );
}
