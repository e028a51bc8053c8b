import { Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatRelative, formatTime, isNever } from './format';

/** A relative time ("3 minutes ago") with the exact local time on hover. */
export function TimeText({ value }: { value: string | null | undefined }) {
  const { i18n } = useTranslation();
  if (isNever(value)) return <span>—</span>;
  return (
    <Tooltip title={formatTime(value, i18n.language)}>
      <span>{formatRelative(value, i18n.language)}</span>
    </Tooltip>
  );
}
