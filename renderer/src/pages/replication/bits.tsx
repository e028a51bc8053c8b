import { Badge, Flex, Tag, Tooltip, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { progressParts } from './policy-form';
import type { Registry, ReplicationExecution } from './types';

const STATUS_COLORS: Record<string, string> = {
  InProgress: 'processing',
  Pending: 'default',
  Succeed: 'success',
  Failed: 'error',
  Stopped: 'warning',
};

/** An execution's or task's status in Harbor's replication words. */
export function ReplicationStatus({ status }: { status: string }) {
  const { t } = useTranslation('replication');
  return <Tag color={STATUS_COLORS[status] ?? 'default'}>{t(`status.${status}`, { defaultValue: status })}</Tag>;
}

export function HealthBadge({ status }: { status: string }) {
  const { t } = useTranslation('replication');
  const badge = status === 'healthy' ? 'success' : status === 'unhealthy' ? 'error' : 'default';
  return <Badge status={badge} text={t(`health.${status}`, { defaultValue: status })} />;
}

export function useTypeLabel(): (type: string) => string {
  const { t } = useTranslation('replication');
  return (type) => t(`types.${type}`, { defaultValue: type });
}

/** One side of a policy: a remote endpoint by name, or this Berth. */
export function SideName({ registry }: { registry: Registry | null }) {
  const { t } = useTranslation('replication');
  const typeLabel = useTypeLabel();
  if (!registry || registry.id === 0) return <Tag>{t('policies.local')}</Tag>;
  return (
    <Tooltip title={`${typeLabel(registry.type)} · ${registry.url}`}>
      <Typography.Text strong>{registry.name}</Typography.Text>
    </Tooltip>
  );
}

/**
 * An execution's tasks as one stacked bar (succeeded, failed, stopped, in progress), with the counts
 * in words for the tooltip and for screen readers.
 */
export function ExecutionProgress({ execution, width = 200 }: { execution: ReplicationExecution; width?: number }) {
  const { t } = useTranslation('replication');
  const { token } = theme.useToken();
  const p = progressParts(execution);
  const words = t('executions.counts', {
    done: p.done,
    total: p.total,
    succeed: execution.succeed,
    failed: execution.failed,
    inProgress: execution.in_progress,
    stopped: execution.stopped,
  });
  const segments = [
    { key: 'succeed', value: p.succeed, color: token.colorSuccess },
    { key: 'failed', value: p.failed, color: token.colorError },
    { key: 'stopped', value: p.stopped, color: token.colorWarning },
    { key: 'inProgress', value: p.inProgress, color: token.colorPrimary },
  ];
  return (
    <Tooltip title={words}>
      <Flex align="center" gap={8} aria-label={words} role="img" data-testid="execution-progress">
        <div
          style={{
            display: 'flex',
            width,
            height: 8,
            borderRadius: 4,
            overflow: 'hidden',
            background: token.colorFillSecondary,
          }}
        >
          {segments.map((s) =>
            s.value > 0 ? <div key={s.key} style={{ width: `${s.value}%`, background: s.color }} /> : null,
          )}
        </div>
        <Typography.Text type="secondary" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
          {p.total > 0 ? `${p.done}/${p.total}` : t('executions.noTasks')}
        </Typography.Text>
      </Flex>
    </Tooltip>
  );
}
