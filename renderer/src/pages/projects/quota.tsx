import { Checkbox, Flex, InputNumber, Progress, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../../components/format';
import { STORAGE_UNITS, fromBytes, toBytes, type StorageUnit } from './project-rules';

/** Storage used against the project's limit: a bar when there is a limit, plain text when unlimited. */
export function QuotaBar({ used, hard, width }: { used: number; hard: number; width?: number | string }) {
  const { t } = useTranslation('projects');
  const limited = hard > 0;
  const ratio = limited ? used / hard : 0;
  const percent = Math.min(100, Math.round(ratio * 1000) / 10);
  const label = t('quota.usedOf', {
    used: formatBytes(used),
    hard: limited ? formatBytes(hard) : t('quota.unlimited'),
  });
  return (
    <Flex vertical gap={0} style={{ width: width ?? 180 }}>
      {limited && (
        <Progress
          percent={percent}
          size="small"
          showInfo={false}
          status={ratio >= 1 ? 'exception' : 'normal'}
          strokeColor={ratio >= 1 ? undefined : ratio >= 0.8 ? '#faad14' : undefined}
          aria-label={label}
        />
      )}
      <Typography.Text type={ratio >= 1 ? 'danger' : 'secondary'} style={{ fontSize: 12 }}>
        {label}
        {limited ? ` · ${percent}%` : ''}
      </Typography.Text>
    </Flex>
  );
}

/**
 * A storage limit for a Form.Item: a number with a unit, or unlimited. The value is bytes (-1 for
 * unlimited), the API's unit; the number and unit the user chose stay as typed.
 */
export function StorageLimitInput({
  value,
  onChange,
  id,
}: {
  value?: number;
  onChange?: (bytes: number) => void;
  id?: string;
}) {
  const { t } = useTranslation('projects');
  const [initial] = useState(() => fromBytes(value ?? -1));
  const [amount, setAmount] = useState<number | null>(initial.value);
  const [unit, setUnit] = useState<StorageUnit>(initial.unit);
  const unlimited = (value ?? -1) < 0;
  const emit = (next: { amount?: number | null; unit?: StorageUnit; unlimited?: boolean }) => {
    const a = next.amount === undefined ? amount : next.amount;
    const u = next.unit ?? unit;
    const un = next.unlimited ?? unlimited;
    onChange?.(un ? -1 : a === null || a <= 0 ? 0 : toBytes(a, u, false));
  };
  return (
    <Flex gap={16} align="center" wrap>
      <Space.Compact>
        <InputNumber
          id={id}
          min={0}
          step={1}
          value={amount}
          disabled={unlimited}
          style={{ width: 140 }}
          aria-label={t('quota.amount')}
          onChange={(v) => {
            setAmount(v);
            emit({ amount: v });
          }}
        />
        <Select
          value={unit}
          disabled={unlimited}
          style={{ width: 90 }}
          aria-label={t('quota.unit')}
          options={STORAGE_UNITS.map((u) => ({ value: u, label: u }))}
          onChange={(u) => {
            setUnit(u);
            emit({ unit: u });
          }}
        />
      </Space.Compact>
      <Checkbox checked={unlimited} onChange={(e) => emit({ unlimited: e.target.checked })}>
        {t('quota.unlimited')}
      </Checkbox>
    </Flex>
  );
}

/** Form rule for StorageLimitInput: a positive limit or unlimited. */
export function storageLimitRule(message: string) {
  return {
    validator: (_: unknown, bytes: number | undefined) =>
      bytes === undefined || bytes === -1 || bytes > 0 ? Promise.resolve() : Promise.reject(new Error(message)),
  };
}
