import { DeleteOutlined, KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Empty,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table/interface';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { CurrentUser } from '../../api/types';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { TimeText } from '../../components/time-text';
import { CommandLine } from './command-line';
import { registryHost } from './system-info';
import type { AccessToken, CreatedAccessToken } from './types';

export const tokensKey = ['users', 'current', 'tokens'] as const;
/** The server's rule for token names (server/http/api/access-token-routes.ts). */
const TOKEN_NAME = /^[A-Za-z0-9._ -]{1,64}$/;
const NEVER = -1;
const EXPIRY_DAYS = [30, 90, 180, 365, NEVER];

/** Personal access tokens: list, create (the secret shown once) and delete. */
export function TokensCard({ user }: { user: CurrentUser }) {
  const { t } = useTranslation('settings');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedAccessToken>();
  const tokens = useQuery({
    queryKey: tokensKey,
    queryFn: ({ signal }) => api.get<AccessToken[]>('users/current/tokens', undefined, signal),
  });
  const remove = useMutation({
    mutationFn: (token: AccessToken) => api.delete(`users/current/tokens/${token.id}`),
    onSuccess: (_r, token) => {
      void message.success(t('tokens.deleted', { name: token.name }));
      void queryClient.invalidateQueries({ queryKey: tokensKey });
      void queryClient.invalidateQueries({ queryKey: ['audit-logs'] });
    },
    onError: (e) => void message.error(errorMessage(e)),
  });

  const columns: ColumnsType<AccessToken> = [
    {
      title: t('tokens.name'),
      dataIndex: 'name',
      key: 'name',
      render: (name: string) => (
        <Space>
          <KeyOutlined />
          <Typography.Text strong>{name}</Typography.Text>
        </Space>
      ),
    },
    {
      title: t('tokens.status'),
      key: 'status',
      render: (_v, token) =>
        token.expired ? (
          <Tag color="error">{t('tokens.expired')}</Tag>
        ) : (
          <Tag color="success">{t('tokens.active')}</Tag>
        ),
    },
    {
      title: t('tokens.created'),
      dataIndex: 'creation_time',
      key: 'creation_time',
      render: (time: string) => <TimeText value={time} />,
    },
    {
      title: t('tokens.expires'),
      dataIndex: 'expires_at',
      key: 'expires_at',
      render: (time: string | null) => (time ? <TimeText value={time} /> : t('tokens.neverExpires')),
    },
    {
      title: t('tokens.lastUsed'),
      dataIndex: 'last_used_at',
      key: 'last_used_at',
      render: (time: string | null) =>
        time ? <TimeText value={time} /> : <Typography.Text type="secondary">{t('tokens.neverUsed')}</Typography.Text>,
    },
    {
      title: t('common:actions'),
      key: 'actions',
      align: 'right',
      render: (_v, token) => (
        <Popconfirm
          title={t('tokens.deleteConfirm', { name: token.name })}
          description={t('tokens.deleteBody')}
          okText={t('common:delete')}
          okButtonProps={{ danger: true }}
          cancelText={t('common:cancel')}
          onConfirm={() => remove.mutateAsync(token).catch(() => undefined)}
        >
          <Button
            size="small"
            type="text"
            danger
            icon={<DeleteOutlined />}
            aria-label={`${t('common:delete')} ${token.name}`}
          />
        </Popconfirm>
      ),
    },
  ];

  return (
    <Card
      title={t('tokens.title')}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t('tokens.create')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('tokens.help')}</Typography.Paragraph>
      <ErrorAlert error={tokens.error} />
      <Table<AccessToken>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={tokens.data ?? []}
        loading={tokens.isLoading}
        pagination={false}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('tokens.empty')} /> }}
      />
      <CreateTokenModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(token) => {
          setCreating(false);
          setCreated(token);
        }}
      />
      <SecretModal token={created} username={user.username} onClose={() => setCreated(undefined)} />
    </Card>
  );
}

function CreateTokenModal({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose(): void;
  onCreated(token: CreatedAccessToken): void;
}) {
  const { t } = useTranslation('settings');
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name: string; days: number }>();
  const days = Form.useWatch('days', form);
  const create = useMutation({
    mutationFn: async (values: { name: string; days: number }) =>
      (await api.post<CreatedAccessToken>('users/current/tokens', { name: values.name, expires_in_days: values.days }))
        .data,
    onSuccess: (token) => {
      void queryClient.invalidateQueries({ queryKey: tokensKey });
      void queryClient.invalidateQueries({ queryKey: ['audit-logs'] });
      form.resetFields();
      onCreated(token);
    },
  });
  const close = () => {
    form.resetFields();
    create.reset();
    onClose();
  };
  return (
    <Modal
      open={open}
      title={t('tokens.createTitle')}
      okText={t('common:create')}
      cancelText={t('common:cancel')}
      onOk={() => form.submit()}
      onCancel={close}
      confirmLoading={create.isPending}
      destroyOnHidden
    >
      {create.error && (
        <Alert
          type="error"
          showIcon
          title={t('tokens.createFailed')}
          description={errorMessage(create.error)}
          style={{ marginBottom: 16 }}
        />
      )}
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={{ days: 90 }}
        onFinish={(v) => create.mutate({ name: v.name.trim(), days: v.days })}
      >
        <Form.Item
          label={t('tokens.name')}
          name="name"
          rules={[
            { required: true, whitespace: true, message: t('account.required') },
            {
              validator: async (_r, v: string | undefined) => {
                if (v && !TOKEN_NAME.test(v.trim())) throw new Error(t('tokens.nameInvalid'));
              },
            },
          ]}
        >
          <Input placeholder={t('tokens.namePlaceholder')} maxLength={64} autoFocus />
        </Form.Item>
        <Form.Item label={t('tokens.expiry')} name="days">
          <Select
            options={EXPIRY_DAYS.map((d) => ({
              value: d,
              label: d === NEVER ? t('tokens.never') : d === 365 ? t('tokens.year') : t('tokens.days', { count: d }),
            }))}
          />
        </Form.Item>
        {days === NEVER && <Alert type="warning" showIcon title={t('tokens.neverWarning')} />}
      </Form>
    </Modal>
  );
}

/** The one time the secret is on screen: copy it, with the command that uses it. */
function SecretModal({
  token,
  username,
  onClose,
}: {
  token: CreatedAccessToken | undefined;
  username: string;
  onClose(): void;
}) {
  const { t } = useTranslation('settings');
  return (
    <Modal
      open={token !== undefined}
      title={t('tokens.secretTitle', { name: token?.name ?? '' })}
      onCancel={onClose}
      mask={{ closable: false }}
      footer={
        <Button type="primary" onClick={onClose}>
          {t('tokens.done')}
        </Button>
      }
      width={640}
    >
      <Alert type="warning" showIcon title={t('tokens.secretWarning')} style={{ marginBottom: 16 }} />
      <Typography.Text strong style={{ display: 'block', marginBottom: 4 }}>
        {t('tokens.secretLabel')}
      </Typography.Text>
      <CommandLine command={token?.token ?? ''} label={t('tokens.secretLabel')} prompt={false} />
      <Typography.Text strong style={{ display: 'block', margin: '16px 0 4px' }}>
        {t('tokens.secretUse')}
      </Typography.Text>
      <CommandLine command={`docker login ${registryHost()} -u ${username}`} label="docker login" />
    </Modal>
  );
}
