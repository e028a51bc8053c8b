import { useQuery } from '@tanstack/react-query';
import { Progress, Tooltip, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api/client';
import type { Execution, Project } from '../../api/types';
import { percent } from '../../components/format';
import { paths } from '../../routes';

type ProgressOf = Pick<Execution, 'status' | 'progress' | 'end_time'>;

const PROGRESS_STATUS: Record<string, 'active' | 'exception' | 'success' | 'normal'> = {
  Running: 'active',
  Error: 'exception',
  Success: 'success',
};

/**
 * A job's progress bar. It moves by itself: the live-events module writes each fresh execution and
 * task into the cached listings this bar is rendered from.
 */
export function JobProgress({ job, width }: { job: ProgressOf; width?: number }) {
  const { t } = useTranslation('jobs');
  const { token } = theme.useToken();
  const { done, total } = job.progress;
  const value = job.status === 'Success' ? 100 : percent(done, total);
  const detail = total > 0 && total !== 100 ? `${done} / ${total}` : `${value}%`;
  return (
    <Tooltip title={detail}>
      <Progress
        aria-label={`${t('columns.progress')} ${detail}`}
        percent={value}
        size="small"
        status={PROGRESS_STATUS[job.status] ?? 'normal'}
        // Stopped work counts as ended, not as done: the bar must not read like a success.
        strokeColor={job.status === 'Stopped' ? token.colorWarning : undefined}
        style={{ width: width ?? 160, margin: 0 }}
      />
    </Tooltip>
  );
}

/** The vendor type in words ("Garbage collection"), the raw name for types this portal does not know. */
export function useVendorLabel(): (vendorType: string) => string {
  const { t } = useTranslation('jobs');
  return (vendorType) => t(`vendor.${vendorType}`, { defaultValue: vendorType });
}

/** The project an execution belongs to, by id, linked to its page; "System" for system-wide work. */
export function ProjectOfJob({ projectId }: { projectId: number | null }) {
  const { t } = useTranslation('jobs');
  const project = useQuery({
    queryKey: ['project', 'id', projectId],
    queryFn: ({ signal }) => api.get<Project>(`projects/${projectId}`, undefined, signal),
    enabled: projectId !== null,
    staleTime: 5 * 60_000,
  });
  if (projectId === null) return <Typography.Text type="secondary">{t('system')}</Typography.Text>;
  if (!project.data) return <span>#{projectId}</span>;
  return <Link to={paths.project(project.data.name)}>{project.data.name}</Link>;
}

/** A link to an execution on the jobs page (it opens there in the detail drawer). */
export function executionLink(id: number): string {
  return `${paths.jobs}?execution=${id}`;
}
