import {
  DeleteOutlined,
  EditOutlined,
  HistoryOutlined,
  PlayCircleOutlined,
  PlusOutlined,
  SwapRightOutlined,
} from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Empty, Flex, Input, Switch, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { usePagedList } from '../../api/paging';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { TimeText } from '../../components/time-text';
import { ReplicationStatus, SideName } from './bits';
import { PolicyEditor } from './policy-editor';
import { modeOf, speedText } from './policy-form';
import { keys, paths, useLastRun, useRegistryOptions } from './replication-api';
import type { Policy } from './types';

/** Replication policies: what is copied, between which registries, when; run, switch, edit. */
export function PoliciesTab({
  onShowExecutions,
  onOpenExecution,
  onGoToRegistries,
}: {
  onShowExecutions(policyId: number): void;
  onOpenExecution(id: number): void;
  onGoToRegistries(): void;
}) {
  const { t } = useTranslation('replication');
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [editor, setEditor] = useState<{ policy?: Policy } | undefined>();
  const registries = useRegistryOptions();
  const noEndpoints = registries.data !== undefined && registries.data.length === 0;
  const list = usePagedList<Policy>([...keys.policies, 'list'], paths.policies, {
    q: search ? `name=~${search}` : undefined,
  });

  const run = useMutation({
    mutationFn: (p: Policy) => api.post(paths.executions, { policy_id: p.id }),
    onSuccess: (res, p) => {
      void message.success(t('policies.started', { name: p.name }));
      void queryClient.invalidateQueries({ queryKey: keys.executions });
      const id = /\/(\d+)$/.exec(res.headers.get('location') ?? '')?.[1];
      if (id) onOpenExecution(Number(id));
    },
    onError: (e) => void message.error(`${t('policies.startFailed')}: ${errorMessage(e)}`),
  });

  const toggle = useMutation({
    // The policy as stored with one switch flipped (not through the form, which keeps one filter per kind).
    mutationFn: ({ id, creation_time: _c, update_time: _u, src_registry, dest_registry, ...rest }: Policy) =>
      api.put(paths.policy(id), {
        ...rest,
        enabled: !rest.enabled,
        src_registry: { id: src_registry?.id ?? 0 },
        dest_registry: { id: dest_registry?.id ?? 0 },
      }),
    onSuccess: (_, p) => {
      void message.success(
        t('policies.toggled', {
          name: p.name,
          state: t(p.enabled ? 'policies.stateDisabled' : 'policies.stateEnabled'),
        }),
      );
      void queryClient.invalidateQueries({ queryKey: keys.policies });
    },
    onError: (e) => void message.error(errorMessage(e)),
  });

  const remove = useMutation({
    mutationFn: (p: Policy) => api.delete(paths.policy(p.id)),
    onSuccess: (_, p) => {
      void message.success(t('policies.deleted', { name: p.name }));
      void queryClient.invalidateQueries({ queryKey: keys.policies });
      void queryClient.invalidateQueries({ queryKey: keys.executions });
    },
  });

  const confirmDelete = (p: Policy) =>
    modal.confirm({
      title: t('policies.deleteTitle', { name: p.name }),
      content: t('policies.deleteBody'),
      okText: t('common:delete'),
      okButtonProps: { danger: true },
      cancelText: t('common:cancel'),
      onOk: () =>
        remove.mutateAsync(p).catch((e: unknown) => {
          modal.error({ title: t('policies.deleteFailed'), content: errorMessage(e) });
        }),
    });

  const columns: TableColumnsType<Policy> = [
    {
      title: t('policies.name'),
      dataIndex: 'name',
      render: (name: string, p) => (
        <Flex vertical>
          <Typography.Link strong onClick={() => setEditor({ policy: p })}>
            {name}
          </Typography.Link>
          {p.description && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }} ellipsis>
              {p.description}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('policies.mode'),
      key: 'mode',
      render: (_, p) =>
        modeOf(p) === 'push' ? (
          <Tag color="blue">{t('policies.push')}</Tag>
        ) : (
          <Tag color="purple">{t('policies.pull')}</Tag>
        ),
    },
    {
      title: t('policies.route'),
      key: 'route',
      render: (_, p) => (
        <Flex align="center" gap={6} wrap>
          <SideName registry={p.src_registry} />
          <SwapRightOutlined aria-hidden />
          <SideName registry={p.dest_registry} />
          {p.dest_namespace && <Typography.Text type="secondary">/{p.dest_namespace}</Typography.Text>}
        </Flex>
      ),
    },
    {
      title: t('policies.trigger'),
      key: 'trigger',
      render: (_, p) => (
        <Flex vertical>
          <span>
            {p.trigger.type === 'scheduled'
              ? t('trigger.scheduledAt', { cron: p.trigger.trigger_settings?.cron ?? '' })
              : t(`trigger.${p.trigger.type}`, { defaultValue: p.trigger.type })}
          </span>
          {speedText(p.speed) && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('policies.bandwidth', { speed: speedText(p.speed) })}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('policies.enabled'),
      dataIndex: 'enabled',
      render: (enabled: boolean, p) => (
        <Switch
          size="small"
          checked={enabled}
          loading={toggle.isPending && toggle.variables?.id === p.id}
          aria-label={`${t(enabled ? 'policies.disable' : 'policies.enable')} ${p.name}`}
          onChange={() => toggle.mutate(p)}
        />
      ),
    },
    {
      title: t('policies.lastRun'),
      key: 'last',
      render: (_, p) => <LastRun policyId={p.id} onOpen={onOpenExecution} />,
    },
    {
      title: t('common:actions'),
      key: 'actions',
      width: 260,
      render: (_, p) => (
        <Flex gap={2} align="center">
          <Button
            size="small"
            type="link"
            icon={<PlayCircleOutlined />}
            disabled={!p.enabled}
            aria-label={t('policies.replicateNamed', { name: p.name })}
            loading={run.isPending && run.variables?.id === p.id}
            onClick={() => run.mutate(p)}
          >
            {t('policies.replicate')}
          </Button>
          <Tooltip title={t('policies.executions')}>
            <Button
              type="text"
              size="small"
              icon={<HistoryOutlined />}
              aria-label={t('policies.executionsNamed', { name: p.name })}
              onClick={() => onShowExecutions(p.id)}
            />
          </Tooltip>
          <Tooltip title={t('common:edit')}>
            <Button
              type="text"
              size="small"
              icon={<EditOutlined />}
              aria-label={t('policies.editNamed', { name: p.name })}
              onClick={() => setEditor({ policy: p })}
            />
          </Tooltip>
          <Tooltip title={t('common:delete')}>
            <Button
              type="text"
              size="small"
              danger
              icon={<DeleteOutlined />}
              aria-label={t('policies.deleteNamed', { name: p.name })}
              onClick={() => confirmDelete(p)}
            />
          </Tooltip>
        </Flex>
      ),
    },
  ];

  return (
    <>
      <Flex justify="space-between" gap={12} wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={t('policies.search')}
          aria-label={t('policies.search')}
          onSearch={(v) => setSearch(v.trim())}
          style={{ width: 280 }}
        />
        <Button type="primary" icon={<PlusOutlined />} disabled={noEndpoints} onClick={() => setEditor({})}>
          {t('policies.new')}
        </Button>
      </Flex>
      <ErrorAlert error={list.query.error} />
      <Table<Policy>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.query.isLoading}
        pagination={{ ...list.pagination, showTotal: (total) => t('common:total', { count: total }) }}
        scroll={{ x: 'max-content' }}
        locale={{
          emptyText: (
            <Empty
              description={
                <Flex vertical gap={4} align="center">
                  <Typography.Text strong>{t('policies.empty')}</Typography.Text>
                  <Typography.Text type="secondary">
                    {noEndpoints ? t('policies.needEndpoint') : t('policies.emptyHint')}
                  </Typography.Text>
                </Flex>
              }
            >
              {noEndpoints ? (
                <Button type="primary" onClick={onGoToRegistries}>
                  {t('policies.goToRegistries')}
                </Button>
              ) : (
                <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditor({})}>
                  {t('policies.new')}
                </Button>
              )}
            </Empty>
          ),
        }}
      />
      <PolicyEditor open={editor !== undefined} policy={editor?.policy} onClose={() => setEditor(undefined)} />
    </>
  );
}

function LastRun({ policyId, onOpen }: { policyId: number; onOpen(id: number): void }) {
  const { t } = useTranslation('replication');
  const last = useLastRun(policyId);
  if (last.isLoading) return null;
  if (!last.data) return <Typography.Text type="secondary">{t('policies.neverRun')}</Typography.Text>;
  const e = last.data;
  return (
    <Flex gap={6} align="center">
      <a onClick={() => onOpen(e.id)} aria-label={`${t('detail.title', { id: e.id })}`}>
        <ReplicationStatus status={e.status} />
      </a>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        <TimeText value={e.start_time} />
      </Typography.Text>
    </Flex>
  );
}
