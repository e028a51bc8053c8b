import { useQueries, useQuery } from '@tanstack/react-query';
import { Card, Empty, Flex, Skeleton, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../../api/client';
import type { Project } from '../../api/types';
import { ErrorAlert } from '../../components/error-alert';
import { formatBytes } from '../../components/format';
import { paths } from '../../routes';
import { byteTicks, storageBars, tickLabel, type ProjectQuota, type StorageBar } from './dashboard-data';

/** Bars on the chart; the rest of the projects share one "others" bar. */
const TOP = 8;
/** A member sees the storage of this many of their projects (one summary request each). */
const MEMBER_PROJECTS = 12;

/**
 * Storage per project as a bar chart. An administrator's figures come from `/quotas` sorted by use
 * (one request, whatever the number of projects) and the statistics' total, so the "others" bar is
 * exact. Anyone else reads the summaries of their first projects (the quota list is for admins).
 */
export function StorageCard({ admin, totalBytes }: { admin: boolean; totalBytes: number | undefined }) {
  const { t } = useTranslation('dashboard');
  const adminData = useQuery({
    queryKey: ['quotas', 'dashboard', TOP],
    queryFn: ({ signal }) => api.list<ProjectQuota>('quotas', { sort: '-used.storage', page_size: TOP }, signal),
    enabled: admin,
  });
  const memberProjects = useQuery({
    queryKey: ['projects', 'dashboard', MEMBER_PROJECTS],
    queryFn: ({ signal }) => api.list<Project>('projects', { page_size: MEMBER_PROJECTS }, signal),
    enabled: !admin,
  });
  const summaries = useQueries({
    queries: (memberProjects.data?.data ?? []).map((p) => ({
      queryKey: ['project', p.name, 'summary'],
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        api.get<{ quota?: { hard: { storage: number }; used: { storage: number } } }>(
          `projects/${encodeURIComponent(p.name)}/summary`,
          undefined,
          signal,
        ),
    })),
  });

  let bars: StorageBar[] = [];
  let subtitle = '';
  let loading: boolean;
  let error: unknown;
  let noQuota = false;
  if (admin) {
    loading = adminData.isLoading;
    error = adminData.error;
    const quotas = adminData.data?.data ?? [];
    const projectCount = adminData.data?.total ?? quotas.length;
    bars = storageBars(
      quotas.map((q) => ({ name: q.ref.name, bytes: q.used.storage, limit: q.hard.storage })),
      { top: TOP, projectCount, totalBytes },
    );
    subtitle =
      projectCount > TOP
        ? t('storage.topOf', { shown: TOP, total: projectCount })
        : t('storage.all', { count: projectCount });
  } else {
    loading = memberProjects.isLoading || summaries.some((s) => s.isLoading);
    error = memberProjects.error ?? summaries.find((s) => s.error)?.error;
    const projects = memberProjects.data?.data ?? [];
    const known = projects.flatMap((p, i) => {
      const quota = summaries[i]?.data?.quota;
      return quota ? [{ name: p.name, bytes: quota.used.storage, limit: quota.hard.storage }] : [];
    });
    noQuota = !loading && projects.length > 0 && known.length === 0;
    bars = storageBars(known, { top: TOP });
    const total = memberProjects.data?.total ?? projects.length;
    subtitle = total > projects.length ? t('storage.firstOf', { shown: projects.length }) : t('storage.yours');
  }
  const empty = bars.every((b) => b.bytes === 0);

  return (
    <Card
      title={t('storage.title')}
      extra={!loading && !empty && <Typography.Text type="secondary">{subtitle}</Typography.Text>}
      style={{ height: '100%' }}
    >
      <ErrorAlert error={error} />
      {loading ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : noQuota ? (
        <Empty description={t('storage.noQuota')} />
      ) : empty ? (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={
            <Flex vertical gap={4}>
              <Typography.Text strong>{t('storage.empty')}</Typography.Text>
              <Typography.Text type="secondary">{t('storage.emptyHint')}</Typography.Text>
            </Flex>
          }
        />
      ) : (
        <StorageChart bars={bars} />
      )}
    </Card>
  );
}

function StorageChart({ bars }: { bars: StorageBar[] }) {
  const { t } = useTranslation('dashboard');
  const { token } = theme.useToken();
  const navigate = useNavigate();
  const label = (b: StorageBar) => (b.others ? t('storage.othersCount', { count: b.count ?? 0 }) : b.name);
  const data = bars.map((b) => ({ ...b, label: label(b) }));
  const ticks = byteTicks(Math.max(...bars.map((b) => b.bytes)));
  // One row per bar; enough room for the names on the left.
  const height = Math.max(160, data.length * 44 + 40);

  return (
    <div role="img" aria-label={t('storage.chartLabel')} style={{ width: '100%', height }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 72, bottom: 4, left: 8 }} barCategoryGap={10}>
          <CartesianGrid horizontal={false} stroke={token.colorBorderSecondary} />
          <XAxis
            type="number"
            ticks={ticks}
            domain={[0, ticks[ticks.length - 1] ?? 0]}
            tickFormatter={(v: number) => tickLabel(formatBytes(v))}
            tick={{ fill: token.colorTextSecondary, fontSize: 12 }}
            axisLine={{ stroke: token.colorBorder }}
            tickLine={false}
          />
          <YAxis
            type="category"
            dataKey="label"
            width={130}
            tick={{ fill: token.colorText, fontSize: 13 }}
            axisLine={false}
            tickLine={false}
          />
          <Tooltip
            cursor={{ fill: token.colorFillTertiary }}
            content={({ active, payload }) => {
              const bar = active ? (payload?.[0]?.payload as (StorageBar & { label: string }) | undefined) : undefined;
              if (!bar) return null;
              return (
                <div
                  style={{
                    background: token.colorBgElevated,
                    color: token.colorText,
                    border: `1px solid ${token.colorBorderSecondary}`,
                    borderRadius: token.borderRadius,
                    boxShadow: token.boxShadowSecondary,
                    padding: '8px 12px',
                  }}
                >
                  <div style={{ fontWeight: 600 }}>{bar.label}</div>
                  <div>
                    {t('storage.used')}: {formatBytes(bar.bytes)}
                  </div>
                  {bar.limit !== undefined && (
                    <div style={{ color: token.colorTextSecondary }}>
                      {bar.limit < 0 ? t('storage.unlimited') : t('storage.limit', { limit: formatBytes(bar.limit) })}
                    </div>
                  )}
                </div>
              );
            }}
          />
          <Bar
            dataKey="bytes"
            radius={[0, 4, 4, 0]}
            isAnimationActive={false}
            maxBarSize={28}
            label={{
              position: 'right',
              formatter: (v: unknown) => formatBytes(Number(v)),
              fill: token.colorTextSecondary,
              fontSize: 12,
            }}
            onClick={(entry: { payload?: StorageBar }) => {
              const bar = entry.payload;
              if (bar && !bar.others) void navigate(paths.project(bar.name));
            }}
            style={{ cursor: 'pointer' }}
          >
            {data.map((b) => (
              <Cell
                key={b.others ? '~others' : b.name}
                fill={b.others ? token.colorTextQuaternary : token.colorPrimary}
              />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
