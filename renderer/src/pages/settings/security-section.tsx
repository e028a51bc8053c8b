import { GlobalOutlined, UnlockOutlined, UserOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Empty, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table/interface';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { TimeText } from '../../components/time-text';
import type { LoginLock } from './types';

const locksKey = ['users', 'login-locks'] as const;

/** `user:bob` → a user `bob`; `addr:10.0.0.7` → a client address. */
function splitKey(key: string): { kind: 'user' | 'addr'; name: string } {
  const colon = key.indexOf(':');
  return { kind: key.slice(0, colon) === 'addr' ? 'addr' : 'user', name: key.slice(colon + 1) };
}

/** Sign-ins locked after too many failures (`/system/login-locks`), for administrators to release. */
export function SecuritySection() {
  const { t } = useTranslation('settings');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const locks = useQuery({
    queryKey: locksKey,
    queryFn: ({ signal }) => api.get<LoginLock[]>('system/login-locks', undefined, signal),
    // Locks run out by themselves and nothing announces new ones: look again now and then.
    refetchInterval: 30_000,
  });
  const unlock = useMutation({
    mutationFn: (lock: LoginLock) => api.delete(`system/login-locks/${encodeURIComponent(lock.key)}`),
    onSuccess: (_r, lock) => {
      void message.success(t('security.unlocked', { name: splitKey(lock.key).name }));
      void queryClient.invalidateQueries({ queryKey: locksKey });
      void queryClient.invalidateQueries({ queryKey: ['audit-logs'] });
    },
    onError: (e) => void message.error(errorMessage(e)),
  });

  const columns: ColumnsType<LoginLock> = [
    {
      title: t('security.key'),
      dataIndex: 'key',
      key: 'key',
      render: (key: string) => {
        const { kind, name } = splitKey(key);
        return (
          <Space>
            <Tag
              icon={kind === 'user' ? <UserOutlined /> : <GlobalOutlined />}
              color={kind === 'user' ? 'blue' : 'purple'}
            >
              {kind === 'user' ? t('security.kindUser') : t('security.kindAddr')}
            </Tag>
            <Typography.Text strong>{name}</Typography.Text>
          </Space>
        );
      },
    },
    { title: t('security.failures'), dataIndex: 'failures', key: 'failures', align: 'right' },
    {
      title: t('security.firstFailure'),
      dataIndex: 'first_failure_at',
      key: 'first',
      render: (v: string) => <TimeText value={v} />,
    },
    {
      title: t('security.lastFailure'),
      dataIndex: 'last_failure_at',
      key: 'last',
      render: (v: string) => <TimeText value={v} />,
    },
    {
      title: t('security.lockedUntil'),
      dataIndex: 'locked_until',
      key: 'until',
      render: (v: string | null) => <TimeText value={v} />,
    },
    {
      title: t('common:actions'),
      key: 'actions',
      align: 'right',
      render: (_v, lock) => {
        const { name } = splitKey(lock.key);
        return (
          <Popconfirm
            title={t('security.unlockConfirm', { name })}
            description={t('security.unlockBody')}
            okText={t('security.unlock')}
            cancelText={t('common:cancel')}
            onConfirm={() => unlock.mutateAsync(lock).catch(() => undefined)}
          >
            <Button size="small" icon={<UnlockOutlined />} aria-label={`${t('security.unlock')} ${name}`}>
              {t('security.unlock')}
            </Button>
          </Popconfirm>
        );
      },
    },
  ];

  return (
    <Card title={t('security.locksTitle')}>
      <Typography.Paragraph type="secondary">{t('security.locksHelp')}</Typography.Paragraph>
      <ErrorAlert error={locks.error} />
      <Table<LoginLock>
        rowKey="key"
        size="middle"
        columns={columns}
        dataSource={locks.data ?? []}
        loading={locks.isLoading}
        pagination={false}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('security.empty')} /> }}
      />
    </Card>
  );
}
