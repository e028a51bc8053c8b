import { Card, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/page-header';
import { useCurrentUser } from '../../stores/session';
import { ExecutionDrawer } from './execution-drawer';
import { ExecutionsTable } from './executions-table';
import { useJobsUi } from './jobs-store';
import { QueuesTable } from './queues-table';

/**
 * The job system at work: every execution the caller may see (with its tasks and logs, stop and
 * retry) and, for administrators, the queues per job type. The open execution is in the URL
 * (`/jobs?execution=42`), so the dashboard and the GC page can link straight to one.
 */
export function JobsPage() {
  const { t } = useTranslation('jobs');
  const admin = useCurrentUser()?.sysadmin_flag ?? false;
  const { tab, setTab } = useJobsUi();
  const [search, setSearch] = useSearchParams();
  const raw = search.get('execution');
  const executionId = raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
  const openExecution = (id: number | undefined) =>
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (id === undefined) next.delete('execution');
        else next.set('execution', String(id));
        return next;
      },
      { replace: id === undefined },
    );

  const executions = {
    key: 'executions',
    label: t('tabs.executions'),
    children: <ExecutionsTable onOpen={openExecution} />,
  };
  const items = [executions, { key: 'queues', label: t('tabs.queues'), children: <QueuesTable /> }];

  return (
    <>
      <PageHeader title={t('title')} />
      <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
        {t('subtitle')}
      </Typography.Paragraph>
      {admin ? (
        <Card styles={{ body: { paddingTop: 8 } }}>
          <Tabs activeKey={tab} onChange={(key) => setTab(key as typeof tab)} items={items} />
        </Card>
      ) : (
        // Queues are for administrators: a lone tab would only be noise.
        <Card>{executions.children}</Card>
      )}
      <ExecutionDrawer
        executionId={executionId}
        onClose={() => openExecution(undefined)}
        onOpenExecution={(id) => openExecution(id)}
      />
    </>
  );
}
