import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Checkbox, Col, Form, Input, InputNumber, Row, Skeleton, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { useScannerSettings } from './scan-api';
import { validTimeWindow } from './scan-logic';
import type { ScannerSettings } from './scan-types';

const MIB = 1024 * 1024;

interface LimitValues {
  workers: number;
  memory_mb: number;
  max_layer_mib: number;
  niceness: number;
  time_window: string;
  scan_all_only_changed: boolean;
}

/** The built-in scanner's resource bounds: workers, memory per worker, largest layer, CPU priority, time window. */
export function LimitsCard() {
  const { t } = useTranslation('scanner');
  const settings = useScannerSettings();
  return (
    <Card title={t('limits.title')} style={{ height: '100%' }}>
      <Typography.Paragraph type="secondary">{t('limits.intro')}</Typography.Paragraph>
      <ErrorAlert error={settings.error} />
      {settings.isLoading ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : settings.data ? (
        <LimitsForm key={JSON.stringify(settings.data)} saved={settings.data} />
      ) : null}
    </Card>
  );
}

function LimitsForm({ saved }: { saved: ScannerSettings }) {
  const { t } = useTranslation('scanner');
  const { message, notification } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<LimitValues>();
  const save = useMutation({
    mutationFn: (v: LimitValues) =>
      api.put<ScannerSettings>('system/scanner/settings', {
        workers: v.workers,
        memory_mb: v.memory_mb,
        max_layer_bytes: Math.round(v.max_layer_mib * MIB),
        niceness: v.niceness,
        time_window: v.time_window.trim() || null,
        scan_all_only_changed: v.scan_all_only_changed,
      }),
    onSuccess: () => void message.success(t('limits.saved')),
    onError: (error) =>
      notification.error({ title: t('limits.failed'), description: errorMessage(error), placement: 'bottomRight' }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['scanner-settings'] }),
  });
  const initial: LimitValues = {
    workers: saved.workers,
    memory_mb: saved.memory_mb,
    max_layer_mib: Math.round(saved.max_layer_bytes / MIB),
    niceness: saved.niceness,
    time_window: saved.time_window ?? '',
    scan_all_only_changed: saved.scan_all_only_changed,
  };
  return (
    <Form<LimitValues> form={form} layout="vertical" initialValues={initial} onFinish={(v) => save.mutate(v)}>
      <Row gutter={16}>
        <Col xs={24} sm={12}>
          <Form.Item
            name="workers"
            label={t('limits.workers')}
            extra={t('limits.workersHelp')}
            rules={[{ required: true, type: 'integer', min: 1, max: 64, message: t('limits.workersInvalid') }]}
          >
            <InputNumber min={1} max={64} precision={0} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item
            name="memory_mb"
            label={t('limits.memory')}
            extra={t('limits.memoryHelp')}
            rules={[{ required: true, type: 'integer', min: 64, max: 65536, message: t('limits.memoryInvalid') }]}
          >
            <InputNumber min={64} max={65536} step={64} precision={0} suffix="MiB" style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item
            name="max_layer_mib"
            label={t('limits.maxLayer')}
            extra={t('limits.maxLayerHelp')}
            rules={[{ required: true, type: 'number', min: 1, max: 65536, message: t('limits.maxLayerInvalid') }]}
          >
            <InputNumber min={1} max={65536} precision={0} suffix="MiB" style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item
            name="niceness"
            label={t('limits.niceness')}
            extra={t('limits.nicenessHelp')}
            rules={[{ required: true, type: 'integer', min: 0, max: 19, message: t('limits.nicenessInvalid') }]}
          >
            <InputNumber min={0} max={19} precision={0} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item
            name="time_window"
            label={t('limits.window')}
            extra={t('limits.windowHelp')}
            rules={[
              {
                validator: async (_, v: string) =>
                  !v?.trim() || validTimeWindow(v) ? undefined : Promise.reject(new Error(t('limits.windowInvalid'))),
              },
            ]}
          >
            <Input placeholder="01:00-06:00" style={{ fontFamily: 'monospace' }} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name="scan_all_only_changed" valuePropName="checked" extra={t('limits.onlyChangedHelp')} label=" ">
            <Checkbox>{t('limits.onlyChanged')}</Checkbox>
          </Form.Item>
        </Col>
      </Row>
      <Button type="primary" htmlType="submit" loading={save.isPending}>
        {t('limits.save')}
      </Button>
    </Form>
  );
}
