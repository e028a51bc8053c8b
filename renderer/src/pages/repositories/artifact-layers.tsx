import { useQuery } from '@tanstack/react-query';
import { Alert, Flex, Table, Tag, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api/client';
import type { Artifact } from '../../api/types';
import { CopyButton } from '../../components/copy-button';
import { ErrorAlert } from '../../components/error-alert';
import { formatBytes, formatTime, shortDigest } from '../../components/format';
import { artifactPath } from './queries';

/**
 * One step of an image's history. From Berth's `additions/layers` it carries the layer it made
 * (digest, media type, compressed size; a layer without a step has no command); from Harbor's
 * `additions/build_history` (the config's `history`) only the command, time and comment.
 */
export interface HistoryStep {
  digest?: string | null;
  media_type?: string | null;
  size?: number | null;
  created_by?: string | null;
  created?: string | null;
  empty_layer?: boolean;
  comment?: string | null;
}

interface LayerHistory {
  source: 'layers' | 'build_history';
  steps: HistoryStep[];
}

/**
 * Reads `additions/layers`, and falls back to `additions/build_history` on a server that does not
 * offer it yet (400 for an addition it does not know, 404 for one the artifact lacks).
 */
async function loadHistory(base: string, signal: AbortSignal): Promise<LayerHistory> {
  try {
    return { source: 'layers', steps: await api.get<HistoryStep[]>(`${base}/additions/layers`, undefined, signal) };
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 400 && err.status !== 404)) throw err;
  }
  const steps = await api.get<HistoryStep[]>(`${base}/additions/build_history`, undefined, signal);
  return { source: 'build_history', steps };
}

/** `/bin/sh -c #(nop)  CMD ["sh"]` → `CMD ["sh"]`: docker build's shell wrapper says nothing. */
export function readableCommand(createdBy: string | null | undefined): string {
  if (!createdBy) return '';
  return createdBy
    .replace(/^\/bin\/sh -c #\(nop\)\s+/, '')
    .replace(/^\/bin\/sh -c /, 'RUN ')
    .replace(/\s+# buildkit$/, '')
    .trim();
}

type Row = HistoryStep & { index: number };

export function ArtifactLayers({
  projectName,
  repository,
  artifact,
}: {
  projectName: string;
  repository: string;
  artifact: Artifact;
}) {
  const { t, i18n } = useTranslation('repositories');
  const { token } = theme.useToken();
  const base = artifactPath(projectName, repository, artifact.digest);
  const history = useQuery({
    queryKey: ['artifact', projectName, repository, artifact.digest, 'layers'],
    queryFn: ({ signal }) => loadHistory(base, signal),
    staleTime: Infinity, // an artifact's history never changes (content-addressed)
  });
  if (history.error) return <ErrorAlert error={history.error} />;
  const data = history.data;
  const steps: Row[] = (data?.steps ?? []).map((s, index) => ({ ...s, index }));
  const layers = steps.filter((s) => !s.empty_layer);
  const withSizes = data?.source === 'layers';
  const total = layers.reduce((sum, s) => sum + (s.size ?? 0), 0);

  return (
    <Flex vertical gap={12}>
      {data?.source === 'build_history' && (
        <Alert type="info" showIcon title={t('layersFallback')} description={t('layersFallbackHint')} />
      )}
      {data && (
        <Typography.Text type="secondary">
          {withSizes
            ? t('layersSummarySized', { steps: steps.length, layers: layers.length, size: formatBytes(total) })
            : t('layersSummary', { steps: steps.length, layers: layers.length })}
        </Typography.Text>
      )}
      <Table<Row>
        rowKey="index"
        size="middle"
        loading={history.isLoading}
        dataSource={steps}
        pagination={steps.length > 50 ? { pageSize: 50 } : false}
        onRow={(s) => ({ style: s.empty_layer ? { opacity: 0.5 } : undefined })}
        columns={[
          { title: '#', key: 'index', width: 50, render: (_, s) => s.index + 1 },
          {
            title: t('layerCommand'),
            key: 'command',
            render: (_, s) => (
              <Flex vertical gap={2}>
                <Typography.Text
                  style={{
                    fontFamily: token.fontFamilyCode,
                    fontSize: token.fontSizeSM,
                    whiteSpace: 'pre-wrap',
                    wordBreak: 'break-word',
                  }}
                >
                  {readableCommand(s.created_by) || (
                    <Typography.Text type="secondary">{s.media_type ?? '—'}</Typography.Text>
                  )}
                </Typography.Text>
                {s.comment && (
                  <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                    {s.comment}
                  </Typography.Text>
                )}
              </Flex>
            ),
          },
          {
            title: t('size'),
            key: 'size',
            width: 130,
            align: 'right',
            render: (_, s) =>
              s.empty_layer ? (
                <Tag style={{ marginInlineEnd: 0 }}>{t('emptyLayer')}</Tag>
              ) : withSizes ? (
                formatBytes(s.size ?? 0)
              ) : (
                <Typography.Text type="secondary">—</Typography.Text>
              ),
          },
          ...(withSizes
            ? [
                {
                  title: t('digest'),
                  key: 'digest',
                  width: 220,
                  render: (_: unknown, s: Row) =>
                    s.digest ? (
                      <Flex align="center" gap={2}>
                        <Typography.Text code style={{ whiteSpace: 'nowrap' }}>
                          {shortDigest(s.digest)}
                        </Typography.Text>
                        <CopyButton text={s.digest} label={t('layerDigest', { n: s.index + 1 })} />
                      </Flex>
                    ) : null,
                },
              ]
            : []),
          {
            title: t('created'),
            key: 'created',
            width: 190,
            render: (_, s) => (
              <Typography.Text type="secondary">{formatTime(s.created, i18n.language)}</Typography.Text>
            ),
          },
        ]}
      />
    </Flex>
  );
}
