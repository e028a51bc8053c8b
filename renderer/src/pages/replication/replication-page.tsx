import { useQueryClient } from '@tanstack/react-query';
import { Card, Result, Tabs, Typography } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/page-header';
import { onLiveEvent } from '../../live/live-events';
import { useCurrentUser } from '../../stores/session';
import { ExecutionDrawer } from './execution-drawer';
import { ExecutionsTab } from './executions-tab';
import { PoliciesTab } from './policies-tab';
import { RegistriesTab } from './registries-tab';
import { keys } from './replication-api';

const TABS = ['registries', 'policies', 'executions'] as const;
type Tab = (typeof TABS)[number];

/** The job system's vendor type of replication runs. */
const REPLICATION_VENDOR = 'REPLICATION';

/**
 * Replication for system administrators: endpoints, policies and their runs. The tab, the policy
 * whose runs are listed and the open run are in the URL (`/replication?tab=executions&policy=3&execution=12`),
 * so a run can be linked to.
 */
export function ReplicationPage() {
  const { t } = useTranslation('replication');
  const admin = useCurrentUser()?.sysadmin_flag ?? false;
  const [search, setSearch] = useSearchParams();
  const queryClient = useQueryClient();
  const tab: Tab = (TABS as readonly string[]).includes(search.get('tab') ?? '')
    ? (search.get('tab') as Tab)
    : 'registries';
  const numberParam = (name: string) => {
    const raw = search.get(name);
    return raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
  };
  const policyId = numberParam('policy');
  const executionId = numberParam('execution');
  const update = (changes: Record<string, string | number | undefined>, replace = false) =>
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v === undefined) next.delete(k);
          else next.set(k, String(v));
        }
        return next;
      },
      { replace },
    );

  // Each step of a run (not only its start and end) moves the bars and the policies' last runs.
  useEffect(
    () =>
      onLiveEvent('execution', (e) => {
        if (e.vendor_type !== REPLICATION_VENDOR) return;
        void queryClient.invalidateQueries({ queryKey: keys.executions });
      }),
    [queryClient],
  );

  if (!admin) {
    return (
      <>
        <PageHeader title={t('page.title')} />
        <Result status="403" subTitle={t('page.adminsOnly')} />
      </>
    );
  }

  return (
    <>
      <PageHeader title={t('page.title')} />
      <Typography.Paragraph type="secondary" style={{ marginTop: -8, maxWidth: 880 }}>
        {t('page.intro')}
      </Typography.Paragraph>
      <Card styles={{ body: { paddingTop: 8 } }}>
        <Tabs
          activeKey={tab}
          onChange={(key) => update({ tab: key })}
          destroyOnHidden
          items={[
            { key: 'registries', label: t('tabs.registries'), children: <RegistriesTab /> },
            {
              key: 'policies',
              label: t('tabs.policies'),
              children: (
                <PoliciesTab
                  onShowExecutions={(id) => update({ tab: 'executions', policy: id })}
                  onOpenExecution={(id) => update({ execution: id })}
                  onGoToRegistries={() => update({ tab: 'registries' })}
                />
              ),
            },
            {
              key: 'executions',
              label: t('tabs.executions'),
              children: (
                <ExecutionsTab
                  policyId={policyId}
                  onPolicyChange={(id) => update({ policy: id }, true)}
                  onOpen={(id) => update({ execution: id })}
                />
              ),
            },
          ]}
        />
      </Card>
      <ExecutionDrawer executionId={executionId} onClose={() => update({ execution: undefined }, true)} />
    </>
  );
}
