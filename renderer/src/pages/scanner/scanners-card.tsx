import {
  ApiOutlined,
  CheckCircleFilled,
  DeleteOutlined,
  EditOutlined,
  PlusOutlined,
  StarOutlined,
} from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Checkbox, Flex, Form, Input, Modal, Select, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { useScanners } from './scan-api';
import type { ScannerAdapterMetadata, ScannerRegistration, ScannerRegistrationInput } from './scan-types';

const AUTH_TYPES = ['None', 'Basic', 'Bearer', 'X-ScannerAdapter-API-Key'] as const;

export function isBuiltIn(s: ScannerRegistration): boolean {
  return s.url.startsWith('builtin://');
}

/** The scanners Berth can use: the built-in one and registered adapters (Harbor's pluggable scanner API). */
export function ScannersCard() {
  const { t } = useTranslation('scanner');
  const { message, modal, notification } = App.useApp();
  const queryClient = useQueryClient();
  const scanners = useScanners();
  const [editing, setEditing] = useState<ScannerRegistration | 'new' | undefined>();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['scanners'] });
  const fail = (title: string) => (error: unknown) =>
    notification.error({ title, description: errorMessage(error), placement: 'bottomRight' });

  const setDefault = useMutation({
    mutationFn: (s: ScannerRegistration) => api.patch(`scanners/${encodeURIComponent(s.uuid)}`, { is_default: true }),
    onSuccess: (_, s) => void message.success(t('scanners.defaultSet', { name: s.name })),
    onError: fail(t('scanners.failed')),
    onSettled: refresh,
  });
  const toggle = useMutation({
    mutationFn: (s: ScannerRegistration) =>
      api.put(`scanners/${encodeURIComponent(s.uuid)}`, { ...toInput(s), disabled: !s.disabled }),
    onError: fail(t('scanners.failed')),
    onSettled: refresh,
  });
  const test = useMutation({
    mutationFn: (s: ScannerRegistration) =>
      api.get<ScannerAdapterMetadata>(`scanners/${encodeURIComponent(s.uuid)}/metadata`),
    onSuccess: (meta, s) =>
      void message.success(
        t('scanners.pingOk', {
          name: s.name,
          scanner: `${meta?.scanner?.name ?? ''} ${meta?.scanner?.version ?? ''}`.trim(),
        }),
      ),
    onError: fail(t('scanners.pingFailed')),
  });
  const confirmDelete = (s: ScannerRegistration) =>
    modal.confirm({
      title: t('scanners.deleteTitle', { name: s.name }),
      content: t('scanners.deleteBody'),
      okText: t('common:delete'),
      okButtonProps: { danger: true },
      cancelText: t('common:cancel'),
      onOk: async () => {
        try {
          await api.delete(`scanners/${encodeURIComponent(s.uuid)}`);
          void message.success(t('scanners.deleted', { name: s.name }));
        } catch (error) {
          fail(t('scanners.failed'))(error);
        } finally {
          refresh();
        }
      },
    });

  const columns: TableColumnsType<ScannerRegistration> = [
    {
      title: t('scanners.name'),
      key: 'name',
      render: (_, s) => (
        <Flex vertical gap={0}>
          <Flex gap={6} align="center" wrap>
            <Typography.Text strong>{s.name}</Typography.Text>
            {s.is_default && <Tag color="blue">{t('scanners.default')}</Tag>}
            {isBuiltIn(s) && <Tag>{t('scanners.builtIn')}</Tag>}
            {s.disabled && <Tag color="warning">{t('scanners.disabled')}</Tag>}
          </Flex>
          {s.description && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {s.description}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('scanners.endpoint'),
      key: 'url',
      render: (_, s) => (isBuiltIn(s) ? t('scanners.inProcess') : <Typography.Text code>{s.url}</Typography.Text>),
    },
    {
      title: t('common:actions'),
      key: 'actions',
      width: 200,
      render: (_, s) => (
        <Flex gap={2} wrap>
          <Tooltip title={t('scanners.test')}>
            <Button
              type="text"
              size="small"
              icon={<ApiOutlined />}
              aria-label={t('scanners.testNamed', { name: s.name })}
              loading={test.isPending && test.variables?.uuid === s.uuid}
              onClick={() => test.mutate(s)}
            />
          </Tooltip>
          {!s.is_default && (
            <Tooltip title={t('scanners.setDefault')}>
              <Button
                type="text"
                size="small"
                icon={<StarOutlined />}
                aria-label={t('scanners.setDefaultNamed', { name: s.name })}
                disabled={s.disabled}
                onClick={() => setDefault.mutate(s)}
              />
            </Tooltip>
          )}
          {!isBuiltIn(s) && (
            <>
              <Tooltip title={t('common:edit')}>
                <Button
                  type="text"
                  size="small"
                  icon={<EditOutlined />}
                  aria-label={t('scanners.editNamed', { name: s.name })}
                  onClick={() => setEditing(s)}
                />
              </Tooltip>
              {!s.is_default && (
                <Button type="link" size="small" onClick={() => toggle.mutate(s)}>
                  {s.disabled ? t('scanners.enable') : t('scanners.disable')}
                </Button>
              )}
              {!s.is_default && (
                <Tooltip title={t('common:delete')}>
                  <Button
                    type="text"
                    size="small"
                    danger
                    icon={<DeleteOutlined />}
                    aria-label={t('scanners.deleteNamed', { name: s.name })}
                    onClick={() => confirmDelete(s)}
                  />
                </Tooltip>
              )}
            </>
          )}
        </Flex>
      ),
    },
  ];

  return (
    <Card
      title={t('scanners.title')}
      extra={
        <Button icon={<PlusOutlined />} onClick={() => setEditing('new')}>
          {t('scanners.add')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('scanners.intro')}</Typography.Paragraph>
      <ErrorAlert error={scanners.error} />
      <Table<ScannerRegistration>
        rowKey="uuid"
        size="middle"
        columns={columns}
        dataSource={scanners.data ?? []}
        loading={scanners.isLoading}
        pagination={false}
        scroll={{ x: 760 }}
      />
      {editing && (
        <ScannerModal scanner={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)} />
      )}
    </Card>
  );
}

function toInput(s: ScannerRegistration): ScannerRegistrationInput {
  return {
    name: s.name,
    description: s.description ?? '',
    url: s.url,
    auth: s.auth ?? 'None',
    skip_certVerify: s.skip_certVerify ?? false,
    use_internal_addr: s.use_internal_addr ?? false,
    disabled: s.disabled ?? false,
  };
}

/** Register or change an external adapter; "Test connection" asks its /api/v1/metadata first. */
function ScannerModal({ scanner, onClose }: { scanner?: ScannerRegistration; onClose: () => void }) {
  const { t } = useTranslation('scanner');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ScannerRegistrationInput>();
  const auth = Form.useWatch('auth', form) ?? 'None';
  const [pinged, setPinged] = useState<string | undefined>();

  const body = (v: ScannerRegistrationInput): ScannerRegistrationInput => ({
    ...v,
    name: v.name.trim(),
    url: v.url.trim(),
    // An empty secret on edit keeps the stored one (the server never sends it back).
    access_credential: v.auth === 'None' ? '' : v.access_credential || undefined,
  });
  const ping = useMutation({
    mutationFn: (v: ScannerRegistrationInput) => api.post<ScannerAdapterMetadata>('scanners/ping', body(v)),
    onSuccess: (res) => setPinged(`${res.data?.scanner?.name ?? ''} ${res.data?.scanner?.version ?? ''}`.trim()),
    onError: () => setPinged(undefined),
  });
  const save = useMutation({
    mutationFn: (v: ScannerRegistrationInput) =>
      scanner ? api.put(`scanners/${encodeURIComponent(scanner.uuid)}`, body(v)) : api.post('scanners', body(v)),
    onSuccess: (_, v) => {
      void message.success(t(scanner ? 'scanners.saved' : 'scanners.created', { name: v.name.trim() }));
      void queryClient.invalidateQueries({ queryKey: ['scanners'] });
      onClose();
    },
  });

  return (
    <Modal
      open
      title={scanner ? t('scanners.editTitle', { name: scanner.name }) : t('scanners.addTitle')}
      onCancel={onClose}
      okText={scanner ? t('common:save') : t('scanners.register')}
      cancelText={t('common:cancel')}
      confirmLoading={save.isPending}
      onOk={() => void form.validateFields().then((v) => save.mutate(v))}
      destroyOnHidden
      width={560}
    >
      <ErrorAlert error={save.error} />
      <Form<ScannerRegistrationInput>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={scanner ? toInput(scanner) : { auth: 'None', skip_certVerify: false, use_internal_addr: false }}
        onValuesChange={() => setPinged(undefined)}
      >
        <Form.Item
          name="name"
          label={t('scanners.name')}
          rules={[{ required: true, whitespace: true, message: t('scanners.nameRequired') }]}
        >
          <Input placeholder="Trivy" maxLength={128} />
        </Form.Item>
        <Form.Item name="description" label={t('scanners.description')}>
          <Input maxLength={1024} />
        </Form.Item>
        <Form.Item
          name="url"
          label={t('scanners.url')}
          extra={t('scanners.urlHelp')}
          rules={[{ required: true, pattern: /^https?:\/\/\S+$/i, message: t('scanners.urlInvalid') }]}
        >
          <Input placeholder="http://harbor-scanner-trivy:8080" />
        </Form.Item>
        <Form.Item name="auth" label={t('scanners.auth')}>
          <Select options={AUTH_TYPES.map((a) => ({ value: a, label: a === 'None' ? t('common:none') : a }))} />
        </Form.Item>
        {auth !== 'None' && (
          <Form.Item
            name="access_credential"
            label={t('scanners.credential')}
            extra={
              scanner ? t('scanners.credentialKeep') : auth === 'Basic' ? t('scanners.credentialBasic') : undefined
            }
            rules={scanner ? [] : [{ required: true, message: t('scanners.credentialRequired') }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        )}
        <Flex gap={24} wrap>
          <Form.Item name="skip_certVerify" valuePropName="checked" style={{ marginBottom: 8 }}>
            <Checkbox>{t('scanners.skipCert')}</Checkbox>
          </Form.Item>
          <Form.Item name="use_internal_addr" valuePropName="checked" style={{ marginBottom: 8 }}>
            <Checkbox>{t('scanners.internalAddr')}</Checkbox>
          </Form.Item>
        </Flex>
        <Flex gap={12} align="center" wrap>
          <Button
            icon={<ApiOutlined />}
            loading={ping.isPending}
            onClick={() => void form.validateFields(['name', 'url']).then(() => ping.mutate(form.getFieldsValue()))}
          >
            {t('scanners.test')}
          </Button>
          {pinged !== undefined && (
            <Typography.Text type="success">
              <CheckCircleFilled /> {t('scanners.pingReached', { scanner: pinged })}
            </Typography.Text>
          )}
          {ping.error && <Typography.Text type="danger">{errorMessage(ping.error)}</Typography.Text>}
        </Flex>
      </Form>
    </Modal>
  );
}
