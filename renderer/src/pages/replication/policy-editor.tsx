import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Col,
  Divider,
  Drawer,
  Flex,
  Form,
  Input,
  InputNumber,
  Radio,
  Row,
  Select,
  Space,
  Switch,
  Typography,
} from 'antd';
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { errorMessage } from '../../components/error-alert';
import { useTypeLabel } from './bits';
import {
  DEFAULT_POLICY_FORM,
  FLATTEN_LEVELS,
  fromPolicy,
  previewable,
  toPolicyBody,
  type PolicyFormValues,
} from './policy-form';
import { PolicyPreview } from './policy-preview';
import { keys, paths, useRegistryOptions } from './replication-api';
import type { Policy } from './types';

/** Six cron fields, seconds first (Harbor's schedule format). */
const CRON = /^\s*\S+(\s+\S+){5}\s*$/;

/**
 * Create or edit a policy, with the preview of what it would copy beside the form. The preview
 * follows the form as typed, so a filter is tried before it is saved.
 */
export function PolicyEditor({ open, policy, onClose }: { open: boolean; policy?: Policy; onClose(): void }) {
  const { t } = useTranslation('replication');
  const { message } = App.useApp();
  const typeLabel = useTypeLabel();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<PolicyFormValues>();
  const registries = useRegistryOptions();
  const editing = policy !== undefined;

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(policy ? fromPolicy(policy) : DEFAULT_POLICY_FORM);
  }, [open, policy, form]);

  const watched = Form.useWatch((v: Partial<PolicyFormValues>) => v, { form, preserve: true });
  const values: PolicyFormValues = { ...DEFAULT_POLICY_FORM, ...watched };
  const mode = values.mode;
  // Keyed by the form's JSON: useWatch hands back a new object on every render.
  const valuesJson = JSON.stringify(values);
  const previewBody = useMemo(() => {
    const v = JSON.parse(valuesJson) as PolicyFormValues;
    return previewable(v) ? toPolicyBody({ ...v, name: v.name || 'preview' }) : undefined;
  }, [valuesJson]);

  const save = useMutation({
    mutationFn: (v: PolicyFormValues) =>
      editing ? api.put(paths.policy(policy.id), toPolicyBody(v)) : api.post(paths.policies, toPolicyBody(v)),
    onSuccess: (_, v) => {
      void queryClient.invalidateQueries({ queryKey: keys.policies });
      void message.success(t(editing ? 'editor.saved' : 'editor.created', { name: v.name.trim() }));
      onClose();
    },
  });

  const endpointSelect = (
    <Form.Item
      name="remoteId"
      label={mode === 'push' ? t('editor.destination') : t('editor.source')}
      rules={[{ required: true, message: t('editor.endpointRequired') }]}
    >
      <Select
        placeholder={t('editor.chooseEndpoint')}
        loading={registries.isLoading}
        showSearch={{ optionFilterProp: 'label' }}
        options={(registries.data ?? []).map((r) => ({
          value: r.id,
          label: `${r.name} — ${typeLabel(r.type)} · ${r.url}`,
        }))}
      />
    </Form.Item>
  );
  const localSide = (
    <Form.Item label={mode === 'push' ? t('editor.source') : t('editor.destination')}>
      <Input value={t('editor.local')} disabled />
    </Form.Item>
  );

  return (
    <Drawer
      open={open}
      onClose={onClose}
      title={editing ? t('editor.editTitle', { name: policy.name }) : t('editor.createTitle')}
      size={1180}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={onClose}>{t('common:cancel')}</Button>
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()}>
            {editing ? t('common:save') : t('common:create')}
          </Button>
        </Space>
      }
    >
      <Row gutter={32}>
        <Col xs={24} lg={13}>
          {save.error && (
            <Alert
              type="error"
              showIcon
              title={t('common:error')}
              description={errorMessage(save.error)}
              style={{ marginBottom: 16 }}
            />
          )}
          <Form<PolicyFormValues>
            form={form}
            layout="vertical"
            initialValues={DEFAULT_POLICY_FORM}
            onFinish={() => save.mutate({ ...DEFAULT_POLICY_FORM, ...form.getFieldsValue(true) })}
          >
            <Form.Item
              name="name"
              label={t('editor.name')}
              rules={[{ required: true, whitespace: true, message: t('editor.nameRequired') }]}
            >
              <Input maxLength={255} autoComplete="off" />
            </Form.Item>
            <Form.Item name="description" label={t('editor.description')}>
              <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} maxLength={1024} />
            </Form.Item>
            <Form.Item
              name="mode"
              label={t('editor.mode')}
              extra={mode === 'push' ? t('editor.pushHint') : t('editor.pullHint')}
            >
              <Radio.Group
                optionType="button"
                buttonStyle="solid"
                options={[
                  { value: 'push', label: t('editor.pushBased') },
                  { value: 'pull', label: t('editor.pullBased') },
                ]}
              />
            </Form.Item>
            <Row gutter={16}>
              <Col span={12}>{mode === 'push' ? localSide : endpointSelect}</Col>
              <Col span={12}>{mode === 'push' ? endpointSelect : localSide}</Col>
            </Row>

            <Divider titlePlacement="start">{t('editor.filters')}</Divider>
            <Form.Item name="nameFilter" label={t('editor.nameFilter')} extra={t('editor.nameFilterHint')}>
              <Input placeholder="library/**" autoComplete="off" />
            </Form.Item>
            <Form.Item label={t('editor.tagFilter')} extra={t('editor.tagFilterHint')}>
              <Space.Compact style={{ width: '100%' }}>
                <Form.Item name="tagFilter" noStyle>
                  <Input placeholder="**" aria-label={t('editor.tagFilter')} autoComplete="off" />
                </Form.Item>
                <Form.Item name="tagDecoration" noStyle>
                  <Select
                    aria-label={`${t('editor.tagFilter')}: ${t('editor.matching')} / ${t('editor.excluding')}`}
                    style={{ width: 140 }}
                    options={[
                      { value: 'matches', label: t('editor.matching') },
                      { value: 'excludes', label: t('editor.excluding') },
                    ]}
                  />
                </Form.Item>
              </Space.Compact>
            </Form.Item>
            <Form.Item label={t('editor.labels')} extra={t('editor.labelsHint')}>
              <Space.Compact style={{ width: '100%' }}>
                <Form.Item name="labels" noStyle>
                  <Select mode="tags" aria-label={t('editor.labels')} open={false} suffixIcon={null} />
                </Form.Item>
                <Form.Item name="labelDecoration" noStyle>
                  <Select
                    aria-label={`${t('editor.labels')}: ${t('editor.matching')} / ${t('editor.excluding')}`}
                    style={{ width: 140 }}
                    options={[
                      { value: 'matches', label: t('editor.matching') },
                      { value: 'excludes', label: t('editor.excluding') },
                    ]}
                  />
                </Form.Item>
              </Space.Compact>
            </Form.Item>
            <Form.Item name="resource" label={t('editor.resource')}>
              <Radio.Group
                options={[
                  { value: 'all', label: t('editor.resourceAll') },
                  { value: 'image', label: t('editor.resourceImage') },
                  { value: 'artifact', label: t('editor.resourceArtifact') },
                ]}
              />
            </Form.Item>

            <Divider titlePlacement="start">{t('editor.destinationSection')}</Divider>
            <Row gutter={16}>
              <Col span={12}>
                <Form.Item name="destNamespace" label={t('editor.destNamespace')} extra={t('editor.destNamespaceHint')}>
                  <Input autoComplete="off" />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="flatten" label={t('editor.flatten')} extra={t('editor.flattenHint')}>
                  <Select
                    options={FLATTEN_LEVELS.map((level) => ({
                      value: level,
                      label: t(`editor.flattenLevels.${level}`),
                    }))}
                  />
                </Form.Item>
              </Col>
            </Row>

            <Divider titlePlacement="start">{t('editor.triggerSection')}</Divider>
            <Form.Item name="triggerType" label={t('editor.trigger')}>
              <Radio.Group
                optionType="button"
                options={[
                  { value: 'manual', label: t('trigger.manual') },
                  { value: 'scheduled', label: t('trigger.scheduled') },
                  { value: 'event_based', label: t('trigger.event_based') },
                ]}
              />
            </Form.Item>
            {values.triggerType === 'scheduled' && (
              <Form.Item
                name="cron"
                label={t('editor.cron')}
                extra={t('editor.cronHint')}
                rules={[{ required: true, pattern: CRON, message: t('editor.cronRequired') }]}
              >
                <Input style={{ fontFamily: 'monospace' }} autoComplete="off" />
              </Form.Item>
            )}
            {values.triggerType === 'event_based' && (
              <Form.Item name="replicateDeletion" valuePropName="checked">
                <SwitchLabel label={t('editor.replicateDeletion')} />
              </Form.Item>
            )}

            <Divider titlePlacement="start">{t('editor.optionsSection')}</Divider>
            <Row gutter={16}>
              <Col span={12}>
                <Form.Item name="speed" label={t('editor.speed')} extra={t('editor.speedHint')}>
                  <InputNumber min={-1} step={1024} precision={0} suffix="KB/s" style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="concurrency" label={t('editor.concurrency')}>
                  <InputNumber min={1} max={32} precision={0} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
            </Row>
            <Flex vertical gap={4}>
              <Form.Item
                name="override"
                valuePropName="checked"
                extra={t('editor.overrideHint')}
                style={{ marginBottom: 8 }}
              >
                <SwitchLabel label={t('editor.override')} />
              </Form.Item>
              <Form.Item
                name="copyReferrers"
                valuePropName="checked"
                extra={t('editor.copyReferrersHint')}
                style={{ marginBottom: 8 }}
              >
                <SwitchLabel label={t('editor.copyReferrers')} />
              </Form.Item>
              <Form.Item
                name="copyByChunk"
                valuePropName="checked"
                extra={t('editor.copyByChunkHint')}
                style={{ marginBottom: 8 }}
              >
                <SwitchLabel label={t('editor.copyByChunk')} />
              </Form.Item>
              <Form.Item
                name="singleActive"
                valuePropName="checked"
                extra={t('editor.singleActiveHint')}
                style={{ marginBottom: 8 }}
              >
                <SwitchLabel label={t('editor.singleActive')} />
              </Form.Item>
              <Form.Item name="enabled" valuePropName="checked" style={{ marginBottom: 8 }}>
                <SwitchLabel label={t('editor.enabled')} />
              </Form.Item>
            </Flex>
          </Form>
        </Col>
        <Col xs={24} lg={11}>
          <div style={{ position: 'sticky', top: 0 }}>
            <PolicyPreview body={previewBody} />
          </div>
        </Col>
      </Row>
    </Drawer>
  );
}

/** A switch with its label beside it; the label names the switch for screen readers and tests. */
function SwitchLabel({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked?: boolean;
  onChange?: (checked: boolean) => void;
}) {
  return (
    <Flex gap={8} align="center">
      <Switch checked={checked} onChange={onChange} aria-label={label} size="small" />
      <Typography.Text onClick={() => onChange?.(!checked)} style={{ cursor: 'pointer' }}>
        {label}
      </Typography.Text>
    </Flex>
  );
}
