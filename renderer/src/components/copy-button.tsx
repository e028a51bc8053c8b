import { CheckOutlined, CopyOutlined } from '@ant-design/icons';
import { App, Button, Tooltip } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Copies `text` to the clipboard; says so. `label` names what is copied for screen readers and tests. */
export function CopyButton({
  text,
  label,
  size = 'small',
}: {
  text: string;
  label?: string;
  size?: 'small' | 'middle';
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone(true);
      void message.success(t('common:copied'));
      setTimeout(() => setDone(false), 1500);
    } catch {
      void message.error(t('common:copyFailed'));
    }
  };
  return (
    <Tooltip title={t('common:copy')}>
      <Button
        size={size}
        type="text"
        aria-label={label ? `${t('common:copy')} ${label}` : t('common:copy')}
        icon={done ? <CheckOutlined /> : <CopyOutlined />}
        onClick={() => void copy()}
      />
    </Tooltip>
  );
}
