import { ApiOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Modal, Select, Switch } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { errorMessage } from '../../components/error-alert';
import { useTypeLabel } from './bits';
import {
  EMPTY_REGISTRY_FORM,
  fromRegistry,
  needsRepositories,
  normalizeUrl,
  toCreateBody,
  toPingBody,
  toUpdateBody,
  type RegistryFormValues,
} from './registry-form';
import { keys, paths, useAdapterTypes } from './replication-api';
import type { Registry } from './types';

type PingResult = { ok: true } | { ok: false; message: string };

/** Create or edit an endpoint, with a connection test of what the form holds. */
export function RegistryDialog({
  open,
  registry,
  onClose,
}: {
  open: boolean;
  /** The endpoint to edit; undefined to create one. */
  registry?: Registry;
  onClose(): void;
}) {
  const { t } = useTranslation('replication');
  const { message } = App.useApp();
  const typeLabel = useTypeLabel();
  const queryClient = useQueryClient();
  const adapters = useAdapterTypes();
  const [form] = Form.useForm<RegistryFormValues>();
  const type = Form.useWatch('type', form) ?? EMPTY_REGISTRY_FORM.type;
  const [ping, setPing] = useState<PingResult>();
  const editing = registry !== undefined;
  const result = useRef<HTMLDivElement>(null);
  // The form is taller than the window: bring the test's outcome into view below it.
  useEffect(() => {
    if (ping) result.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [ping]);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(registry ? fromRegistry(registry) : EMPTY_REGISTRY_FORM);
    setPing(undefined);
  }, [open, registry, form]);

  const test = useMutation({
    mutationFn: (v: RegistryFormValues) => api.post(paths.ping, toPingBody(v, registry?.id)),
    onSuccess: () => setPing({ ok: true }),
    onError: (e) => setPing({ ok: false, message: errorMessage(e) }),
  });

  const save = useMutation({
    mutationFn: (v: RegistryFormValues) =>
      editing ? api.put(paths.registry(registry.id), toUpdateBody(v)) : api.post(paths.registries, toCreateBody(v)),
    onSuccess: (_, v) => {
      void queryClient.invalidateQueries({ queryKey: keys.registries });
      void queryClient.invalidateQueries({ queryKey: keys.policies });
      void message.success(t(editing ? 'registryForm.saved' : 'registryForm.created', { name: v.name.trim() }));
      onClose();
    },
  });

  const runTest = async () => {
    const values = await form.validateFields(['type', 'url']).catch(() => undefined);
    if (!values) return;
    setPing(undefined);
    test.mutate({ ...EMPTY_REGISTRY_FORM, ...form.getFieldsValue(true) });
  };

  const typeOptions = (adapters.data ?? ['harbor', 'docker-registry', 'docker-hub', 'oci']).map((v) => ({
    value: v,
    label: typeLabel(v),
  }));

  return (
    <Modal
      open={open}
      title={editing ? t('registryForm.editTitle', { name: registry.name }) : t('registryForm.createTitle')}
      onCancel={onClose}
      width={620}
      destroyOnHidden
      footer={[
        <Button key="test" icon={<ApiOutlined />} loading={test.isPending} onClick={() => void runTest()}>
          {t('registries.test')}
        </Button>,
        <Button key="cancel" onClick={onClose}>
          {t('common:cancel')}
        </Button>,
        <Button key="save" type="primary" loading={save.isPending} onClick={() => form.submit()}>
          {editing ? t('common:save') : t('common:create')}
        </Button>,
      ]}
    >
      <Form<RegistryFormValues>
        form={form}
        layout="vertical"
        initialValues={EMPTY_REGISTRY_FORM}
        onFinish={(v) => save.mutate({ ...EMPTY_REGISTRY_FORM, ...form.getFieldsValue(true), ...v })}
        onValuesChange={() => setPing(undefined)}
        style={{ marginTop: 16 }}
      >
        <Form.Item name="type" label={t('registryForm.type')} rules={[{ required: true }]}>
          <Select options={typeOptions} disabled={editing} loading={adapters.isLoading} />
        </Form.Item>
        <Form.Item
          name="name"
          label={t('registryForm.name')}
          rules={[{ required: true, whitespace: true, message: t('registryForm.nameRequired') }]}
        >
          <Input maxLength={255} autoComplete="off" />
        </Form.Item>
        <Form.Item name="description" label={t('registryForm.description')}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} maxLength={1024} />
        </Form.Item>
        <Form.Item
          name="url"
          label={t('registryForm.url')}
          extra={t('registryForm.urlHint')}
          rules={[
            { required: true, whitespace: true, message: t('registryForm.urlRequired') },
            {
              validator: async (_, value: string) => {
                if (!value?.trim()) return;
                try {
                  const u = new URL(normalizeUrl(value));
                  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
                } catch {
                  throw new Error(t('registryForm.urlInvalid'));
                }
              },
            },
          ]}
        >
          <Input placeholder="https://harbor.example.com" autoComplete="off" />
        </Form.Item>
        <Form.Item label={t('registryForm.accessKey')} name="accessKey" extra={t('registryForm.anonymous')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          label={t('registryForm.accessSecret')}
          name="accessSecret"
          extra={editing ? t('registryForm.secretKeep') : undefined}
        >
          <Input.Password autoComplete="new-password" placeholder={editing ? '••••••' : undefined} />
        </Form.Item>
        {needsRepositories(type) && (
          <Form.Item
            name="repositories"
            label={t('registryForm.repositories')}
            extra={t('registryForm.repositoriesHint')}
          >
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} placeholder="library/nginx" />
          </Form.Item>
        )}
        <Form.Item
          name="insecure"
          label={t('registryForm.insecure')}
          valuePropName="checked"
          extra={t('registryForm.insecureHint')}
        >
          <Switch />
        </Form.Item>
        <Form.Item name="caCertificate" label={t('registryForm.ca')} extra={t('registryForm.caHint')}>
          <Input.TextArea
            autoSize={{ minRows: 2, maxRows: 8 }}
            placeholder="-----BEGIN CERTIFICATE-----"
            style={{ fontFamily: 'monospace', fontSize: 12 }}
          />
        </Form.Item>
      </Form>
      <div ref={result}>
        {ping?.ok === true && (
          <Alert
            type="success"
            showIcon
            title={t('registries.testOk', { name: form.getFieldValue('name') || form.getFieldValue('url') })}
          />
        )}
        {ping?.ok === false && (
          <Alert type="error" showIcon title={t('registries.testFailed')} description={ping.message} />
        )}
      </div>
      {save.error && (
        <Alert
          type="error"
          showIcon
          title={t('common:error')}
          description={errorMessage(save.error)}
          style={{ marginTop: 12 }}
        />
      )}
    </Modal>
  );
}
