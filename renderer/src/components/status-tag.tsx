import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = {
  Pending: 'default',
  Scheduled: 'default',
  Running: 'processing',
  Success: 'success',
  Error: 'error',
  Stopped: 'warning',
  Stopping: 'warning',
};

/** An execution's or task's status in the job system's words, coloured as Harbor's portal does. */
export function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Tag color={COLORS[status] ?? 'default'}>{t(`common:status.${status}`, { defaultValue: status })}</Tag>;
}
