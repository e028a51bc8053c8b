import { useQuery } from '@tanstack/react-query';
import { Col, Result, Row, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { PageHeader } from '../../components/page-header';
import { useCurrentUser } from '../../stores/session';
import { LogDrawer } from '../jobs/log-drawer';
import { gcActive, gcAttributes, latestDryRun, realRunAfter, type GcHistory } from './gc-data';
import { GcHistoryCard } from './gc-history-card';
import { GcPreviewCard } from './gc-preview-card';
import { GcRunCard } from './gc-run-card';
import { GcScheduleCard } from './gc-schedule-card';

/** The newest runs the page reads its state from: the active run, the newest dry run, the time window. */
const RECENT = 25;

/**
 * Garbage collection for system administrators: run now or dry, the schedule, the newest dry run's
 * preview and the history with logs. Runs are executions, so the event stream keeps it all current:
 * a start or an end reloads `['gc']`, progress is written into `['execution', id]`.
 */
export function GcPage() {
  const { t } = useTranslation('gc');
  const admin = useCurrentUser()?.sysadmin_flag ?? false;
  const [logRun, setLogRun] = useState<GcHistory | undefined>();
  const recent = useQuery({
    queryKey: ['gc', 'recent'],
    queryFn: ({ signal }) => api.list<GcHistory>('system/gc', { page_size: RECENT }, signal),
    enabled: admin,
  });

  if (!admin) {
    return (
      <>
        <PageHeader title={t('title')} />
        <Result status="403" subTitle={t('adminsOnly')} />
      </>
    );
  }

  const runs = recent.data?.data ?? [];
  const active = runs.find((r) => gcActive(r.job_status));
  const dryRun = latestDryRun(runs);
  const timeWindow = runs.map((r) => gcAttributes(r.job_parameters).time_window).find((w) => w !== undefined);
  // The open log follows the run's fresh copy, so it stops refreshing when the run ends.
  const liveLogRun = logRun ? (runs.find((r) => r.id === logRun.id) ?? logRun) : undefined;

  return (
    <>
      <PageHeader title={t('title')} />
      <Typography.Paragraph type="secondary" style={{ marginTop: -8, maxWidth: 880 }}>
        {t('intro')}
      </Typography.Paragraph>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <GcRunCard active={active} timeWindowHours={timeWindow} onShowLog={setLogRun} />
        </Col>
        <Col xs={24} xl={12}>
          <GcScheduleCard />
        </Col>
        <Col xs={24}>
          <GcPreviewCard
            dryRun={dryRun}
            supersededBy={realRunAfter(runs, dryRun)}
            busy={active !== undefined}
            onShowLog={setLogRun}
          />
        </Col>
        <Col xs={24}>
          <GcHistoryCard onShowLog={setLogRun} />
        </Col>
      </Row>
      <LogDrawer
        open={liveLogRun !== undefined}
        title={t('history.logTitle', { id: liveLogRun?.id ?? '' })}
        queryKey={['gc', 'log', liveLogRun?.id]}
        path={`system/gc/${liveLogRun?.id ?? 0}/log`}
        running={liveLogRun ? gcActive(liveLogRun.job_status) : false}
        onClose={() => setLogRun(undefined)}
      />
    </>
  );
}
