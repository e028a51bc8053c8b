import { ExperimentOutlined, FileTextOutlined, PlayCircleOutlined, StopOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Checkbox, Flex, Form, InputNumber, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { Execution } from '../../api/types';
import { JobProgress } from '../jobs/job-bits';
import { formatDuration } from '../jobs/job-format';
import { useGcActions, type GcRunOptions } from './gc-actions';
import type { GcHistory } from './gc-data';

/**
 * A GC run's progress bar, from its execution (`['execution', id]`): the live-events module writes
 * each fresh copy there, so it moves without polling.
 */
export function GcLiveProgress({ id, width }: { id: number; width?: number }) {
  const execution = useQuery({
    queryKey: ['execution', id],
    queryFn: ({ signal }) => api.get<Execution>(`executions/${id}`, undefined, signal),
  });
  if (!execution.data) return null;
  return <JobProgress job={execution.data} width={width} />;
}

/** Run now or dry run, with the options Harbor offers; while a run is going, its progress and a stop. */
export function GcRunCard({
  active,
  timeWindowHours,
  onShowLog,
}: {
  active: GcHistory | undefined;
  timeWindowHours: number | undefined;
  onShowLog(run: GcHistory): void;
}) {
  const { t, i18n } = useTranslation('gc');
  const actions = useGcActions();
  const [options, setOptions] = useState<GcRunOptions>({ deleteUntagged: false, workers: 1 });
  const [starting, setStarting] = useState(false);
  const busy = active !== undefined;

  const dryRun = async () => {
    setStarting(true);
    try {
      await actions.dryRun(options);
    } finally {
      setStarting(false);
    }
  };

  return (
    <Card title={t('run.title')} style={{ height: '100%' }}>
      <Form layout="vertical" requiredMark={false}>
        <Form.Item extra={t('run.deleteUntaggedHelp')}>
          <Checkbox
            checked={options.deleteUntagged}
            onChange={(e) => setOptions((o) => ({ ...o, deleteUntagged: e.target.checked }))}
          >
            {t('run.deleteUntagged')}
          </Checkbox>
        </Form.Item>
        <Form.Item label={t('run.workers')} htmlFor="gc-run-workers" extra={t('run.workersHelp')}>
          <InputNumber
            id="gc-run-workers"
            min={1}
            max={5}
            precision={0}
            value={options.workers}
            onChange={(v) => setOptions((o) => ({ ...o, workers: typeof v === 'number' ? v : 1 }))}
            style={{ width: 120 }}
          />
        </Form.Item>
      </Form>
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
        {timeWindowHours !== undefined
          ? t('run.window', { window: formatDuration(timeWindowHours * 3600_000, i18n.language) })
          : t('run.windowUnknown')}
      </Typography.Paragraph>
      {busy ? (
        <Alert
          type="info"
          showIcon
          title={t('run.busy', { id: active.id })}
          description={
            <Flex align="center" gap={12} wrap style={{ marginTop: 4 }}>
              <GcLiveProgress id={active.id} width={200} />
              <Button size="small" icon={<FileTextOutlined />} onClick={() => onShowLog(active)}>
                {t('history.log')}
              </Button>
              <Button size="small" danger icon={<StopOutlined />} onClick={() => actions.stop(active.id)}>
                {t('history.stop')}
              </Button>
            </Flex>
          }
        />
      ) : (
        <Flex gap={8} wrap align="center">
          <Tooltip title={t('run.dryRunHelp')}>
            <Button icon={<ExperimentOutlined />} loading={starting} onClick={() => void dryRun()}>
              {t('run.dryRun')}
            </Button>
          </Tooltip>
          <Button type="primary" icon={<PlayCircleOutlined />} onClick={() => actions.runNow(options)}>
            {t('run.runNow')}
          </Button>
        </Flex>
      )}
    </Card>
  );
}
