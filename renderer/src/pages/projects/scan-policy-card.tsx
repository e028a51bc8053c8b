import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Checkbox, Divider, Flex, Radio, Select, Skeleton, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { AllowlistEditor, draftOf, toAllowlistJson, type AllowlistDraft } from '../scanner/allowlist-editor';
import type { CveAllowlist, ScannerRegistration } from '../scanner/scan-types';
import { projectPath, type ProjectAbilities, type ProjectJson } from './project-api';

/** Harbor's `severity` metadata values: refuse pulls of images with findings at or above it. */
const SEVERITY_LEVELS = ['low', 'medium', 'high', 'critical'] as const;

interface Policy {
  autoScan: boolean;
  autoSbom: boolean;
  preventVul: boolean;
  severity: string;
  reuseSystem: boolean;
  allowlist: AllowlistDraft;
}

function policyOf(project: ProjectJson): Policy {
  const m = project.metadata ?? {};
  const list = (project as ProjectJson & { cve_allowlist?: CveAllowlist }).cve_allowlist;
  return {
    autoScan: m.auto_scan === 'true',
    autoSbom: m.auto_sbom_generation === 'true',
    preventVul: m.prevent_vul === 'true',
    severity: SEVERITY_LEVELS.includes(m.severity as (typeof SEVERITY_LEVELS)[number])
      ? (m.severity as string)
      : 'critical',
    // Harbor's default: a project reuses the system allowlist until it is given its own.
    reuseSystem: m.reuse_sys_cve_allowlist !== 'false',
    allowlist: draftOf(list),
  };
}

/** Vulnerability scanning of one project: scan on push, the pull policy, the CVE allowlist, the scanner. */
export function ScanPolicyCard({ project, abilities }: { project: ProjectJson; abilities: ProjectAbilities }) {
  const { t } = useTranslation('scanner');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const canChange = abilities.can('', 'update');
  const saved = policyOf(project);
  const [policy, setPolicy] = useState<Policy>(saved);
  const set = (patch: Partial<Policy>) => setPolicy((p) => ({ ...p, ...patch }));
  const changed = JSON.stringify(policy) !== JSON.stringify(saved);
  const listChanged = JSON.stringify(policy.allowlist) !== JSON.stringify(saved.allowlist);

  const save = useMutation({
    mutationFn: (p: Policy) =>
      api.put(projectPath(project.name), {
        metadata: {
          auto_scan: String(p.autoScan),
          auto_sbom_generation: String(p.autoSbom),
          prevent_vul: String(p.preventVul),
          severity: p.severity,
          reuse_sys_cve_allowlist: String(p.reuseSystem),
        },
        // Sent only when edited: a project that never had its own list keeps none.
        ...(listChanged ? { cve_allowlist: toAllowlistJson(p.allowlist) } : {}),
      }),
    onSuccess: () => {
      void message.success(t('project.saved'));
      void queryClient.invalidateQueries({ queryKey: ['project', project.name] });
      void queryClient.invalidateQueries({ queryKey: ['projects'] });
      void queryClient.invalidateQueries({ queryKey: ['vulnerabilities'] });
    },
  });

  return (
    <Card type="inner" title={t('project.title')}>
      <ErrorAlert error={save.error} />
      <Flex vertical gap={12}>
        <Checkbox checked={policy.autoScan} disabled={!canChange} onChange={(e) => set({ autoScan: e.target.checked })}>
          <Flex vertical gap={0}>
            <span>{t('project.autoScan')}</span>
            <Typography.Text type="secondary">{t('project.autoScanHelp')}</Typography.Text>
          </Flex>
        </Checkbox>
        <Checkbox checked={policy.autoSbom} disabled={!canChange} onChange={(e) => set({ autoSbom: e.target.checked })}>
          <Flex vertical gap={0}>
            <span>{t('project.autoSbom')}</span>
            <Typography.Text type="secondary">{t('project.autoSbomHelp')}</Typography.Text>
          </Flex>
        </Checkbox>
        <Flex gap={8} align="flex-start" wrap>
          <Checkbox
            checked={policy.preventVul}
            disabled={!canChange}
            onChange={(e) => set({ preventVul: e.target.checked })}
          >
            <Flex vertical gap={0}>
              <span>{t('project.preventVul')}</span>
              <Typography.Text type="secondary">{t('project.preventVulHelp')}</Typography.Text>
            </Flex>
          </Checkbox>
          {policy.preventVul && (
            <Select
              aria-label={t('project.severity')}
              value={policy.severity}
              disabled={!canChange}
              onChange={(severity) => set({ severity })}
              style={{ width: 200 }}
              options={SEVERITY_LEVELS.map((s) => ({ value: s, label: t(`project.levels.${s}`) }))}
            />
          )}
        </Flex>
        <Divider style={{ margin: '4px 0' }} />
        <Typography.Text strong>{t('project.allowlistTitle')}</Typography.Text>
        <Radio.Group
          value={policy.reuseSystem}
          disabled={!canChange}
          onChange={(e) => set({ reuseSystem: e.target.value as boolean })}
          aria-label={t('project.allowlistTitle')}
        >
          <Radio value={true}>{t('project.reuseSystem')}</Radio>
          <Radio value={false}>{t('project.ownList')}</Radio>
        </Radio.Group>
        {!policy.reuseSystem && (
          <AllowlistEditor
            value={policy.allowlist}
            onChange={(allowlist) => set({ allowlist })}
            disabled={!canChange}
            label={t('project.allowlistTitle')}
          />
        )}
        <Flex gap={12} align="center">
          {canChange ? (
            <>
              <Button type="primary" disabled={!changed} loading={save.isPending} onClick={() => save.mutate(policy)}>
                {t('common:save')}
              </Button>
              <Button disabled={!changed} onClick={() => setPolicy(saved)}>
                {t('allowlist.reset')}
              </Button>
            </>
          ) : (
            <Typography.Text type="secondary">{t('project.adminsOnly')}</Typography.Text>
          )}
        </Flex>
        <Divider style={{ margin: '4px 0' }} />
        <ProjectScanner project={project} canChange={abilities.can('scanner', 'create')} />
      </Flex>
    </Card>
  );
}

/** The scanner this project's scans use (Harbor: `/projects/{id}/scanner`); the default unless chosen. */
function ProjectScanner({ project, canChange }: { project: ProjectJson; canChange: boolean }) {
  const { t } = useTranslation('scanner');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const base = `projects/${project.project_id}/scanner`;
  const current = useQuery({
    queryKey: ['scanners', 'project', project.project_id],
    queryFn: ({ signal }) => api.get<ScannerRegistration>(base, undefined, signal),
  });
  const candidates = useQuery({
    queryKey: ['scanners', 'candidates', project.project_id],
    queryFn: ({ signal }) => api.get<ScannerRegistration[]>(`${base}/candidates`, { page_size: 100 }, signal),
    enabled: canChange,
  });
  const choose = useMutation({
    mutationFn: (uuid: string) => api.put(base, { uuid }),
    onSuccess: () => {
      void message.success(t('project.scannerSaved'));
      void queryClient.invalidateQueries({ queryKey: ['scanners'] });
    },
  });
  return (
    <Flex vertical gap={8}>
      <Typography.Text strong>{t('project.scanner')}</Typography.Text>
      <Typography.Text type="secondary">{t('project.scannerHelp')}</Typography.Text>
      <ErrorAlert error={choose.error ?? (current.error && !current.data ? current.error : null)} />
      {current.isLoading ? (
        <Skeleton.Input active />
      ) : canChange && candidates.data ? (
        <Select
          aria-label={t('project.scanner')}
          value={current.data?.uuid}
          loading={choose.isPending}
          onChange={(uuid: string) => choose.mutate(uuid)}
          style={{ maxWidth: 360 }}
          options={candidates.data
            .filter((s) => !s.disabled)
            .map((s) => ({ value: s.uuid, label: s.is_default ? `${s.name} (${t('scanners.default')})` : s.name }))}
        />
      ) : (
        <Typography.Text>{current.data?.name ?? '—'}</Typography.Text>
      )}
    </Flex>
  );
}
