import { ClockCircleOutlined, PlayCircleOutlined, StopOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Divider,
  Flex,
  Form,
  Input,
  Progress,
  Segmented,
  Skeleton,
  Statistic,
  Typography,
} from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { Execution } from '../../api/types';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { percent } from '../../components/format';
import { StatusTag } from '../../components/status-tag';
import { TimeText } from '../../components/time-text';
import { useScanAll } from './scan-api';
import { isSixFieldCron } from './scan-logic';
import type { ScanAllSchedule } from './scan-types';

const TYPES = ['None', 'Hourly', 'Daily', 'Weekly', 'Custom'] as const;
type ScheduleType = (typeof TYPES)[number];
const PRESET: Record<'Hourly' | 'Daily' | 'Weekly', string> = {
  Hourly: '0 0 * * * *',
  Daily: '0 0 0 * * *',
  Weekly: '0 0 0 * * 0',
};

/** Scan-all: run now, stop, its schedule, and how the last run went. */
export function ScanAllCard() {
  const { t } = useTranslation('scanner');
  const { message, notification } = App.useApp();
  const queryClient = useQueryClient();
  const { schedule, metrics } = useScanAll();
  const last = useQuery({
    queryKey: ['executions', 'scan-all-last'],
    queryFn: ({ signal }) => api.list<Execution>('executions', { q: 'vendor_type=SCAN_ALL', page_size: 1 }, signal),
  });
  const lastRun = last.data?.data[0];
  const m = metrics.data;
  const running = Boolean(m?.ongoing) || lastRun?.status === 'Running' || lastRun?.status === 'Pending';
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['scan-all'] });
    void queryClient.invalidateQueries({ queryKey: ['executions'] });
  };
  const run = useMutation({
    mutationFn: () => api.post('system/scanAll/schedule', { schedule: { type: 'Manual' } }),
    onSuccess: () => void message.success(t('scanAll.started')),
    onError: (error) =>
      notification.error({ title: t('scanAll.failed'), description: errorMessage(error), placement: 'bottomRight' }),
    onSettled: refresh,
  });
  const stop = useMutation({
    mutationFn: () => api.post('system/scanAll/stop'),
    onSuccess: () => void message.success(t('scanAll.stopped')),
    onError: (error) =>
      notification.error({ title: t('scanAll.failed'), description: errorMessage(error), placement: 'bottomRight' }),
    onSettled: refresh,
  });

  const total = m?.total ?? lastRun?.progress.total ?? 0;
  const done = m?.completed ?? lastRun?.progress.done ?? 0;
  return (
    <Card
      title={t('scanAll.title')}
      style={{ height: '100%' }}
      extra={
        running ? (
          <Button danger icon={<StopOutlined />} loading={stop.isPending} onClick={() => stop.mutate()}>
            {t('scanAll.stop')}
          </Button>
        ) : (
          <Button type="primary" icon={<PlayCircleOutlined />} loading={run.isPending} onClick={() => run.mutate()}>
            {t('scanAll.runNow')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('scanAll.intro')}</Typography.Paragraph>
      <ErrorAlert error={metrics.error ?? last.error} />
      {lastRun ? (
        <Flex vertical gap={8}>
          <Flex gap={8} align="center" wrap>
            <Typography.Text strong>{t('scanAll.lastRun')}</Typography.Text>
            <StatusTag status={lastRun.status} />
            <TimeText value={lastRun.start_time} />
            <Typography.Text type="secondary">
              · {t(`scanAll.trigger.${lastRun.trigger}`, { defaultValue: lastRun.trigger })}
            </Typography.Text>
          </Flex>
          {total > 0 && (
            <Progress
              percent={percent(done, total)}
              status={running ? 'active' : lastRun.status === 'Error' ? 'exception' : undefined}
              format={() => `${done} / ${total}`}
            />
          )}
          <Flex gap={32} wrap>
            {(['Success', 'Error', 'Running', 'Pending', 'Stopped'] as const).map((k) => (
              <Statistic key={k} title={t(`common:status.${k}`)} value={m?.metrics?.[k] ?? 0} />
            ))}
          </Flex>
        </Flex>
      ) : (
        !last.isLoading && <Typography.Text type="secondary">{t('scanAll.never')}</Typography.Text>
      )}
      <Divider />
      {schedule.isLoading ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : (
        <>
          <ErrorAlert error={schedule.error} />
          <ScheduleForm key={JSON.stringify(schedule.data ?? {})} saved={schedule.data} />
        </>
      )}
    </Card>
  );
}

function typeOf(saved: ScanAllSchedule | undefined): { type: ScheduleType; cron: string } {
  const cron = saved?.schedule?.cron ?? '';
  const type = saved?.schedule?.type;
  if (!cron || !type || type === 'None') return { type: 'None', cron: '' };
  const preset = (Object.entries(PRESET) as [ScheduleType, string][]).find(([, c]) => c === cron);
  return { type: preset ? preset[0] : 'Custom', cron };
}

function ScheduleForm({ saved }: { saved: ScanAllSchedule | undefined }) {
  const { t } = useTranslation('scanner');
  const { message, notification } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ type: ScheduleType; cron: string }>();
  const type = Form.useWatch('type', form) ?? 'None';
  const initial = typeOf(saved);
  const exists = initial.type !== 'None';
  const next = saved?.schedule?.next_scheduled_time;
  const save = useMutation({
    mutationFn: async (v: { type: ScheduleType; cron: string }) => {
      if (v.type === 'None') {
        await api.put('system/scanAll/schedule', { schedule: { type: 'None' } });
        return;
      }
      const body = { schedule: { type: v.type, cron: v.type === 'Custom' ? v.cron.trim() : PRESET[v.type] } };
      if (exists) await api.put('system/scanAll/schedule', body);
      else await api.post('system/scanAll/schedule', body);
    },
    onSuccess: (_, v) =>
      void message.success(t(v.type === 'None' ? 'scanAll.scheduleRemoved' : 'scanAll.scheduleSaved')),
    onError: (error) =>
      notification.error({ title: t('scanAll.failed'), description: errorMessage(error), placement: 'bottomRight' }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['scan-all'] }),
  });
  return (
    <Form form={form} layout="vertical" requiredMark={false} initialValues={initial} onFinish={(v) => save.mutate(v)}>
      <Flex align="center" gap={8} style={{ marginBottom: 12 }}>
        <ClockCircleOutlined />
        {exists ? (
          <Typography.Text>
            {next ? (
              <>
                {t('scanAll.next')} <TimeText value={next} />
              </>
            ) : (
              t('scanAll.scheduled')
            )}
            <Typography.Text type="secondary" code style={{ marginLeft: 8 }}>
              {initial.cron}
            </Typography.Text>
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary">{t('scanAll.noSchedule')}</Typography.Text>
        )}
      </Flex>
      <Form.Item name="type" label={t('scanAll.schedule')}>
        <Segmented<ScheduleType> options={TYPES.map((s) => ({ value: s, label: t(`scanAll.types.${s}`) }))} />
      </Form.Item>
      {type === 'Custom' && (
        <Form.Item
          name="cron"
          label={t('scanAll.cron')}
          extra={t('scanAll.cronHelp')}
          rules={[
            {
              validator: async (_, v: string) =>
                isSixFieldCron(v ?? '') ? undefined : Promise.reject(new Error(t('scanAll.cronInvalid'))),
            },
          ]}
        >
          <Input placeholder="0 0 3 * * *" style={{ fontFamily: 'monospace', maxWidth: 260 }} />
        </Form.Item>
      )}
      {type !== 'None' && type !== 'Custom' && (
        <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
          {t('scanAll.presetCron', { cron: PRESET[type] })}
        </Typography.Paragraph>
      )}
      <Button htmlType="submit" loading={save.isPending} disabled={type === 'None' && !exists}>
        {t('scanAll.saveSchedule')}
      </Button>
    </Form>
  );
}
