import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Flex, Skeleton, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { AllowlistEditor, draftOf, toAllowlistJson, type AllowlistDraft } from './allowlist-editor';
import { useSystemAllowlist } from './scan-api';
import type { CveAllowlist } from './scan-types';

/** The system CVE allowlist: ids every project that reuses it ignores in its pull policy and counts. */
export function SystemAllowlistCard() {
  const { t } = useTranslation('scanner');
  const list = useSystemAllowlist();
  return (
    <Card title={t('allowlist.systemTitle')} style={{ height: '100%' }}>
      <Typography.Paragraph type="secondary">{t('allowlist.systemIntro')}</Typography.Paragraph>
      <ErrorAlert error={list.error} />
      {list.isLoading ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : (
        <SystemAllowlistForm key={JSON.stringify(list.data ?? {})} saved={list.data} />
      )}
    </Card>
  );
}

function SystemAllowlistForm({ saved }: { saved: CveAllowlist | undefined }) {
  const { t } = useTranslation('scanner');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const initial = draftOf(saved);
  const [draft, setDraft] = useState<AllowlistDraft>(initial);
  const changed = JSON.stringify(draft) !== JSON.stringify(initial);
  const save = useMutation({
    mutationFn: (d: AllowlistDraft) => api.put('system/CVEAllowlist', toAllowlistJson(d)),
    onSuccess: () => {
      void message.success(t('allowlist.saved'));
      void queryClient.invalidateQueries({ queryKey: ['cve-allowlist'] });
      void queryClient.invalidateQueries({ queryKey: ['vulnerabilities'] });
    },
  });
  return (
    <Flex vertical gap={12}>
      <ErrorAlert error={save.error} />
      <AllowlistEditor value={draft} onChange={setDraft} label={t('allowlist.systemTitle')} />
      <Flex gap={8}>
        <Button type="primary" disabled={!changed} loading={save.isPending} onClick={() => save.mutate(draft)}>
          {t('common:save')}
        </Button>
        <Button disabled={!changed} onClick={() => setDraft(initial)}>
          {t('allowlist.reset')}
        </Button>
      </Flex>
    </Flex>
  );
}
