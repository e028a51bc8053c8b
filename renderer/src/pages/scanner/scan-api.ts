/**
 * The scanner's requests and query keys. Keys start with the prefixes live events refresh
 * (live/live-events.ts): a scan's execution ending reloads `['artifacts']`, `['artifact']` and
 * `['vulnerabilities']`; scan-all runs reload `['scan-all']`.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, artifactBase } from '../../api/client';
import { errorMessage } from '../../components/error-alert';
import type {
  CveAllowlist,
  ScanAllMetrics,
  ScanAllSchedule,
  ScannerRegistration,
  ScannerSettings,
  VulnDbStatus,
  VulnerabilityReport,
} from './scan-types';
import { VULNERABILITY_REPORT_MIME } from './scan-types';

export type ScanType = 'vulnerability' | 'sbom';

export function artifactUrl(projectName: string, fullName: string, reference: string): string {
  return `${artifactBase(projectName, fullName)}/${encodeURIComponent(reference)}`;
}

export function sbomUrl(projectName: string, fullName: string, reference: string, format: 'cyclonedx' | 'spdx') {
  return `${artifactUrl(projectName, fullName, reference)}/additions/sbom?format=${format}`;
}

/** Listings that show scan results. */
const AFTER_SCAN = ['artifacts', 'artifact', 'vulnerabilities', 'sbom'];

/** Scan (or make an SBOM of) an artifact, and stop it; refreshes the rows that show it. */
export function useScanActions(projectName: string, fullName: string) {
  const { t } = useTranslation('scanner');
  const { message, notification } = App.useApp();
  const queryClient = useQueryClient();
  const refresh = () => {
    for (const key of AFTER_SCAN) void queryClient.invalidateQueries({ queryKey: [key] });
  };
  const scan = useMutation({
    mutationFn: ({ digest, type }: { digest: string; type: ScanType }) =>
      api.post(`${artifactUrl(projectName, fullName, digest)}/scan`, { scan_type: type }),
    onSuccess: (_, { type }) =>
      void message.success(t(type === 'sbom' ? 'artifact.sbomStarted' : 'artifact.scanStarted')),
    onError: (error) =>
      notification.error({
        title: t('artifact.scanFailed'),
        description: errorMessage(error),
        placement: 'bottomRight',
      }),
    onSettled: refresh,
  });
  const stop = useMutation({
    mutationFn: ({ digest, type }: { digest: string; type: ScanType }) =>
      api.post(`${artifactUrl(projectName, fullName, digest)}/scan/stop`, { scan_type: type }),
    onSuccess: () => void message.success(t('artifact.scanStopped')),
    onError: (error) =>
      notification.error({
        title: t('artifact.stopFailed'),
        description: errorMessage(error),
        placement: 'bottomRight',
      }),
    onSettled: refresh,
  });
  return { scan, stop };
}

/** The artifact's vulnerability report (the `vulnerabilities` addition), or undefined before a scan. */
export function useVulnerabilities(projectName: string, fullName: string, digest: string, enabled = true) {
  return useQuery({
    queryKey: ['vulnerabilities', projectName, fullName, digest],
    queryFn: async ({ signal }) => {
      const all = await api.get<Record<string, VulnerabilityReport> | string>(
        `${artifactUrl(projectName, fullName, digest)}/additions/vulnerabilities`,
        undefined,
        signal,
      );
      if (!all || typeof all !== 'object') return undefined;
      return all[VULNERABILITY_REPORT_MIME] ?? Object.values(all)[0];
    },
    enabled,
  });
}

export function useSbom(projectName: string, fullName: string, digest: string, enabled: boolean) {
  return useQuery({
    queryKey: ['sbom', projectName, fullName, digest],
    queryFn: ({ signal }) =>
      api.get<unknown>(`${artifactUrl(projectName, fullName, digest)}/additions/sbom`, { format: 'cyclonedx' }, signal),
    enabled,
  });
}

export function useScanners(enabled = true) {
  return useQuery({
    queryKey: ['scanners'],
    queryFn: ({ signal }) => api.get<ScannerRegistration[]>('scanners', { page_size: 100 }, signal),
    enabled,
  });
}

export function useScannerSettings(enabled = true) {
  return useQuery({
    queryKey: ['scanner-settings'],
    queryFn: ({ signal }) => api.get<ScannerSettings>('system/scanner/settings', undefined, signal),
    enabled,
  });
}

export function useVulnDb(enabled = true) {
  return useQuery({
    queryKey: ['vulndb'],
    queryFn: ({ signal }) => api.get<VulnDbStatus>('system/scanner/vulndb', undefined, signal),
    enabled,
  });
}

export function useScanAll() {
  const schedule = useQuery({
    queryKey: ['scan-all', 'schedule'],
    queryFn: ({ signal }) => api.get<ScanAllSchedule>('system/scanAll/schedule', undefined, signal),
  });
  const metrics = useQuery({
    queryKey: ['scan-all', 'metrics'],
    queryFn: ({ signal }) => api.get<ScanAllMetrics>('scans/all/metrics', undefined, signal),
    // Progress of a running scan-all comes in as its execution's events; the counts behind it are read again.
    refetchInterval: (q) => (q.state.data?.ongoing ? 5_000 : false),
  });
  return { schedule, metrics };
}

export function useSystemAllowlist(enabled = true) {
  return useQuery({
    queryKey: ['cve-allowlist', 'system'],
    queryFn: ({ signal }) => api.get<CveAllowlist>('system/CVEAllowlist', undefined, signal),
    enabled,
  });
}
