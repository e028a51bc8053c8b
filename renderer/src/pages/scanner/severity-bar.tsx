import { Flex, Tag, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { SEVERITY_COLOR, SEVERITIES_DESC, barSegments, normalSeverity } from './scan-logic';
import type { Severity } from './scan-types';

/**
 * Findings by severity as one bar, each severity's share of it in its colour (highest first); a
 * clean report is a green bar. The counts are in the accessible name, so it reads as text too.
 */
export function SeverityBar({
  counts,
  width = 140,
  height = 10,
}: {
  counts: Partial<Record<Severity, number>> | undefined;
  width?: number | string;
  height?: number;
}) {
  const { t } = useTranslation('scanner');
  const { token } = theme.useToken();
  const segments = barSegments(counts);
  const label =
    segments.length === 0
      ? t('bar.clean')
      : segments.map((s) => `${t(`severity.${s.severity}`)} ${s.count}`).join(', ');
  return (
    <div
      role="img"
      aria-label={label}
      data-testid="severity-bar"
      style={{
        display: 'flex',
        width,
        height,
        borderRadius: height / 2,
        overflow: 'hidden',
        background: segments.length === 0 ? SEVERITY_COLOR.None : token.colorFillSecondary,
      }}
    >
      {segments.map((s) => (
        <div key={s.severity} style={{ width: `${s.percent}%`, background: SEVERITY_COLOR[s.severity], minWidth: 2 }} />
      ))}
    </div>
  );
}

/** A severity as a coloured tag with its word in the UI language. */
export function SeverityTag({ severity }: { severity: string }) {
  const { t } = useTranslation('scanner');
  const s = normalSeverity(severity);
  const dark = s === 'Low' || s === 'Medium';
  return (
    <Tag
      style={{
        background: SEVERITY_COLOR[s],
        borderColor: SEVERITY_COLOR[s],
        color: dark ? 'rgba(0,0,0,0.88)' : '#fff',
        marginInlineEnd: 0,
        minWidth: 64,
        textAlign: 'center',
      }}
    >
      {t(`severity.${s}`)}
    </Tag>
  );
}

/** Counts per severity, highest first, with a small bar for each: the histogram of a report. */
export function SeverityHistogram({
  counts,
  showZero = true,
}: {
  counts: Partial<Record<Severity, number>> | undefined;
  showZero?: boolean;
}) {
  const { t } = useTranslation('scanner');
  const { token } = theme.useToken();
  const max = Math.max(1, ...SEVERITIES_DESC.map((s) => counts?.[s] ?? 0));
  const rows = SEVERITIES_DESC.filter((s) => s !== 'None' && (showZero || (counts?.[s] ?? 0) > 0));
  return (
    <Flex vertical gap={4} style={{ minWidth: 220 }}>
      {rows.map((s) => {
        const n = counts?.[s] ?? 0;
        return (
          <Flex key={s} align="center" gap={8}>
            <Typography.Text style={{ width: 64, fontSize: 12 }}>{t(`severity.${s}`)}</Typography.Text>
            <div style={{ flex: 1, height: 8, background: token.colorFillTertiary, borderRadius: 4 }}>
              <div
                style={{
                  width: `${(n / max) * 100}%`,
                  height: 8,
                  borderRadius: 4,
                  background: SEVERITY_COLOR[s],
                  minWidth: n > 0 ? 3 : 0,
                }}
              />
            </div>
            <Typography.Text strong style={{ width: 32, textAlign: 'end', fontSize: 12 }}>
              {n}
            </Typography.Text>
          </Flex>
        );
      })}
    </Flex>
  );
}
