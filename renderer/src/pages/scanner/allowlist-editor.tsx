import { PlusOutlined } from '@ant-design/icons';
import { Button, Checkbox, Empty, Flex, Input, Tag, Typography, theme } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseCveIds } from './scan-logic';
import type { CveAllowlist } from './scan-types';

export interface AllowlistDraft {
  ids: string[];
  /** Unix seconds; null never expires. */
  expiresAt: number | null;
}

export function draftOf(list: CveAllowlist | undefined | null): AllowlistDraft {
  return {
    ids: (list?.items ?? []).map((i) => i.cve_id),
    expiresAt: list?.expires_at && list.expires_at > 0 ? list.expires_at : null,
  };
}

export function toAllowlistJson(draft: AllowlistDraft): CveAllowlist {
  return { items: draft.ids.map((cve_id) => ({ cve_id })), expires_at: draft.expiresAt };
}

function dateInput(seconds: number | null): string {
  if (seconds === null) return '';
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The end of the chosen local day: a list "valid until 31 May" still allows on 31 May. */
function fromDateInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  return Math.floor(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59).getTime() / 1000);
}

/**
 * A CVE allowlist: ids as removable tags, more added by pasting (one per line or comma-separated),
 * and an expiry date (an expired list allows nothing). Controlled: the caller saves the draft.
 */
export function AllowlistEditor({
  value,
  onChange,
  disabled,
  label,
}: {
  value: AllowlistDraft;
  onChange: (next: AllowlistDraft) => void;
  disabled?: boolean;
  label: string;
}) {
  const { t } = useTranslation('scanner');
  const { token } = theme.useToken();
  const [text, setText] = useState('');
  const [invalid, setInvalid] = useState<string[]>([]);
  const expired = value.expiresAt !== null && value.expiresAt * 1000 < Date.now();

  const add = () => {
    const parsed = parseCveIds(text);
    setInvalid(parsed.invalid);
    if (parsed.ids.length > 0) {
      onChange({ ...value, ids: [...value.ids, ...parsed.ids.filter((id) => !value.ids.includes(id))] });
    }
    if (parsed.invalid.length === 0) setText('');
    else setText(parsed.invalid.join('\n'));
  };

  return (
    <Flex vertical gap={12}>
      <div
        role="list"
        aria-label={label}
        style={{
          minHeight: 48,
          padding: 8,
          border: `1px solid ${token.colorBorderSecondary}`,
          borderRadius: token.borderRadius,
          background: token.colorFillQuaternary,
        }}
      >
        {value.ids.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('allowlist.empty')} style={{ margin: 0 }} />
        ) : (
          <Flex gap={6} wrap>
            {value.ids.map((id) => (
              <Tag
                role="listitem"
                key={id}
                closable={!disabled}
                closeIcon={!disabled ? undefined : false}
                onClose={(e) => {
                  e.preventDefault();
                  onChange({ ...value, ids: value.ids.filter((x) => x !== id) });
                }}
                style={{ marginInlineEnd: 0, fontFamily: token.fontFamilyCode }}
              >
                {id}
              </Tag>
            ))}
          </Flex>
        )}
      </div>
      {!disabled && (
        <Flex gap={8} align="flex-start" wrap>
          <Input.TextArea
            value={text}
            onChange={(e) => setText(e.target.value)}
            autoSize={{ minRows: 1, maxRows: 6 }}
            placeholder={t('allowlist.placeholder')}
            aria-label={t('allowlist.addLabel')}
            status={invalid.length > 0 ? 'error' : undefined}
            style={{ flex: 1, minWidth: 240, fontFamily: token.fontFamilyCode }}
            onPressEnter={(e) => {
              if (!e.shiftKey) {
                e.preventDefault();
                add();
              }
            }}
          />
          <Button icon={<PlusOutlined />} onClick={add} disabled={!text.trim()}>
            {t('allowlist.add')}
          </Button>
        </Flex>
      )}
      {invalid.length > 0 && (
        <Typography.Text type="danger">{t('allowlist.invalid', { ids: invalid.join(', ') })}</Typography.Text>
      )}
      <Flex gap={12} align="center" wrap>
        <Typography.Text>{t('allowlist.expires')}</Typography.Text>
        <Checkbox
          checked={value.expiresAt === null}
          disabled={disabled}
          onChange={(e) =>
            onChange({
              ...value,
              expiresAt: e.target.checked ? null : Math.floor(Date.now() / 1000) + 30 * 86400,
            })
          }
        >
          {t('allowlist.never')}
        </Checkbox>
        {value.expiresAt !== null && (
          <Input
            type="date"
            aria-label={t('allowlist.expiresOn')}
            disabled={disabled}
            value={dateInput(value.expiresAt)}
            onChange={(e) => onChange({ ...value, expiresAt: fromDateInput(e.target.value) })}
            style={{ width: 170 }}
            status={expired ? 'warning' : undefined}
          />
        )}
        {expired && <Typography.Text type="warning">{t('allowlist.expired')}</Typography.Text>}
      </Flex>
    </Flex>
  );
}
