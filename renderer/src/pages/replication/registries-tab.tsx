import { ApiOutlined, DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Empty, Flex, Input, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { usePagedList } from '../../api/paging';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { TimeText } from '../../components/time-text';
import { HealthBadge, useTypeLabel } from './bits';
import { RegistryDialog } from './registry-dialog';
import { keys, paths } from './replication-api';
import type { Registry } from './types';

/** Registry endpoints: the remote side of every policy. */
export function RegistriesTab() {
  const { t } = useTranslation('replication');
  const { message, modal } = App.useApp();
  const typeLabel = useTypeLabel();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [dialog, setDialog] = useState<{ registry?: Registry } | undefined>();
  const list = usePagedList<Registry>([...keys.registries, 'list'], paths.registries, {
    q: search ? `name=~${search}` : undefined,
  });

  const ping = useMutation({
    mutationFn: (r: Registry) => api.post(paths.ping, { id: r.id }),
    onSuccess: (_, r) => void message.success(t('registries.testOk', { name: r.name })),
    onError: (e) => void message.error(`${t('registries.testFailed')}: ${errorMessage(e)}`),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: keys.registries }),
  });

  const remove = useMutation({
    mutationFn: (r: Registry) => api.delete(paths.registry(r.id)),
    onSuccess: (_, r) => {
      void message.success(t('registries.deleted', { name: r.name }));
      void queryClient.invalidateQueries({ queryKey: keys.registries });
    },
  });

  const confirmDelete = (r: Registry) =>
    modal.confirm({
      title: t('registries.deleteTitle', { name: r.name }),
      content: t('registries.deleteBody'),
      okText: t('common:delete'),
      okButtonProps: { danger: true },
      cancelText: t('common:cancel'),
      // The server says why when a policy still uses it (409); keep the dialog open with that.
      onOk: () =>
        remove.mutateAsync(r).catch((e: unknown) => {
          modal.error({ title: t('registries.deleteFailed'), content: errorMessage(e) });
        }),
    });

  const columns: TableColumnsType<Registry> = [
    {
      title: t('registries.name'),
      dataIndex: 'name',
      render: (name: string, r) => (
        <Flex vertical>
          <Typography.Link strong onClick={() => setDialog({ registry: r })}>
            {name}
          </Typography.Link>
          {r.description && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }} ellipsis>
              {r.description}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    { title: t('registries.type'), dataIndex: 'type', render: (v: string) => <Tag>{typeLabel(v)}</Tag> },
    {
      title: t('registries.url'),
      dataIndex: 'url',
      render: (url: string) => <Typography.Text copyable={{ text: url }}>{url}</Typography.Text>,
    },
    { title: t('registries.status'), dataIndex: 'status', render: (v: string) => <HealthBadge status={v} /> },
    {
      title: t('registries.insecure'),
      dataIndex: 'insecure',
      render: (insecure: boolean) =>
        insecure ? <Tag color="warning">{t('registries.insecureOff')}</Tag> : <Tag>{t('registries.insecureOn')}</Tag>,
    },
    { title: t('registries.created'), dataIndex: 'creation_time', render: (v: string) => <TimeText value={v} /> },
    {
      title: t('common:actions'),
      key: 'actions',
      width: 140,
      render: (_, r) => (
        <Flex gap={2}>
          <Tooltip title={t('registries.test')}>
            <Button
              type="text"
              size="small"
              icon={<ApiOutlined />}
              aria-label={t('registries.testNamed', { name: r.name })}
              loading={ping.isPending && ping.variables?.id === r.id}
              onClick={() => ping.mutate(r)}
            />
          </Tooltip>
          <Tooltip title={t('common:edit')}>
            <Button
              type="text"
              size="small"
              icon={<EditOutlined />}
              aria-label={t('registries.editNamed', { name: r.name })}
              onClick={() => setDialog({ registry: r })}
            />
          </Tooltip>
          <Tooltip title={t('common:delete')}>
            <Button
              type="text"
              size="small"
              danger
              icon={<DeleteOutlined />}
              aria-label={t('registries.deleteNamed', { name: r.name })}
              onClick={() => confirmDelete(r)}
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
          placeholder={t('registries.search')}
          aria-label={t('registries.search')}
          onSearch={(v) => setSearch(v.trim())}
          style={{ width: 280 }}
        />
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({})}>
          {t('registries.new')}
        </Button>
      </Flex>
      <ErrorAlert error={list.query.error} />
      <Table<Registry>
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
                  <Typography.Text strong>{t('registries.empty')}</Typography.Text>
                  <Typography.Text type="secondary">{t('registries.emptyHint')}</Typography.Text>
                </Flex>
              }
            >
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({})}>
                {t('registries.new')}
              </Button>
            </Empty>
          ),
        }}
      />
      <RegistryDialog open={dialog !== undefined} registry={dialog?.registry} onClose={() => setDialog(undefined)} />
    </>
  );
}
