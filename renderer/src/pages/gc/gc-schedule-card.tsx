import { ClockCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Checkbox, Flex, Form, Input, InputNumber, Segmented, Skeleton, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { TimeText } from '../../components/time-text';
import {
  PRESET_CRON,
  SCHEDULE_TYPES,
  isSixFieldCron,
  scheduleForm,
  type GcHistory,
  type ScheduleType,
} from './gc-data';

interface ScheduleValues {
  type: ScheduleType;
  cron: string;
  deleteUntagged: boolean;
  workers: number;
}

/** The GC schedule: a preset or a six-field cron, with the options the scheduled runs use. */
export function GcScheduleCard() {
  const { t } = useTranslation('gc');
  const schedule = useQuery({
    queryKey: ['gc', 'schedule'],
    queryFn: ({ signal }) => api.get<Partial<GcHistory>>('system/gc/schedule', undefined, signal),
  });
  const saved = schedule.data;
  const next = saved?.schedule?.next_scheduled_time;

  return (
    <Card title={t('schedule.title')} style={{ height: '100%' }}>
      <ErrorAlert error={schedule.error} />
      {schedule.isLoading ? (
        <Skeleton active paragraph={{ rows: 5 }} />
      ) : (
        <>
          <Flex align="center" gap={8} style={{ marginBottom: 16 }}>
            <ClockCircleOutlined />
            {saved?.schedule?.cron ? (
              next ? (
                <Typography.Text>
                  {t('schedule.next')} <TimeText value={next} />
                  <Typography.Text type="secondary" code style={{ marginLeft: 8 }}>
                    {saved.schedule.cron}
                  </Typography.Text>
                </Typography.Text>
              ) : (
                <Typography.Text>{t('schedule.presetCron', { cron: saved.schedule.cron })}</Typography.Text>
              )
            ) : (
              <Typography.Text type="secondary">{t('schedule.none')}</Typography.Text>
            )}
          </Flex>
          {/* Re-created when the saved schedule changes, so the form starts from what is saved. */}
          <ScheduleForm key={JSON.stringify(saved ?? {})} saved={saved} />
        </>
      )}
    </Card>
  );
}

function ScheduleForm({ saved }: { saved: Partial<GcHistory> | undefined }) {
  const { t } = useTranslation('gc');
  const { message, notification } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ScheduleValues>();
  const type = Form.useWatch('type', form) ?? 'None';
  const exists = Boolean(saved?.schedule?.cron);

  const save = useMutation({
    mutationFn: async (v: ScheduleValues) => {
      if (v.type === 'None') {
        if (exists) await api.put('system/gc/schedule', { schedule: { type: 'None' } });
        return;
      }
      const body = {
        schedule: { type: v.type, cron: v.type === 'Custom' ? v.cron.trim() : PRESET_CRON[v.type] },
        parameters: { delete_untagged: v.deleteUntagged, workers: v.workers },
      };
      // Harbor's portal creates with POST and changes with PUT; each has its own permission.
      if (exists) await api.put('system/gc/schedule', body);
      else await api.post('system/gc/schedule', body);
    },
    onSuccess: (_, v) => void message.success(t(v.type === 'None' ? 'schedule.removed' : 'schedule.saved')),
    onError: (error) =>
      notification.error({ title: t('schedule.failed'), description: errorMessage(error), placement: 'bottomRight' }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['gc', 'schedule'] }),
  });

  return (
    <Form<ScheduleValues>
      form={form}
      layout="vertical"
      requiredMark={false}
      initialValues={scheduleForm(saved)}
      onFinish={(v) => save.mutate(v)}
    >
      <Form.Item name="type" label={t('schedule.type')}>
        <Segmented<ScheduleType> options={SCHEDULE_TYPES.map((s) => ({ value: s, label: t(`schedule.types.${s}`) }))} />
      </Form.Item>
      {type === 'Custom' ? (
        <Form.Item
          name="cron"
          label={t('schedule.cron')}
          extra={t('schedule.cronHelp')}
          rules={[
            {
              validator: async (_, v: string) =>
                isSixFieldCron(v ?? '') ? undefined : Promise.reject(new Error(t('schedule.cronRequired'))),
            },
          ]}
        >
          <Input placeholder="0 30 2 * * *" style={{ fontFamily: 'monospace', maxWidth: 260 }} />
        </Form.Item>
      ) : (
        type !== 'None' && (
          <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
            {t('schedule.presetCron', { cron: PRESET_CRON[type] })}
          </Typography.Paragraph>
        )
      )}
      {type !== 'None' && (
        <Flex gap={24} wrap>
          <Form.Item name="deleteUntagged" valuePropName="checked">
            <Checkbox>{t('run.deleteUntagged')}</Checkbox>
          </Form.Item>
          <Form.Item name="workers" label={t('run.workers')} htmlFor="gc-schedule-workers" layout="horizontal">
            <InputNumber id="gc-schedule-workers" min={1} max={5} precision={0} style={{ width: 90 }} />
          </Form.Item>
        </Flex>
      )}
      <Button type="primary" htmlType="submit" loading={save.isPending} disabled={type === 'None' && !exists}>
        {t('schedule.save')}
      </Button>
    </Form>
  );
}
