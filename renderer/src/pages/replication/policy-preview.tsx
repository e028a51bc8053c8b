import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Alert, Empty, Flex, Spin, Table, Tag, Typography, theme, type TableColumnsType } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../../api/client';
import { errorMessage } from '../../components/error-alert';
import { shortDigest } from '../../components/format';
import { paths } from './replication-api';
import type { PolicyBody, PreviewItem, PreviewResult } from './types';

const LIMIT = 50;
const DEBOUNCE_MS = 500;

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/**
 * What the policy as typed would copy now: the server streams the source through the filters (as a
 * run would) and stops at 50. Asked again half a second after the form stops changing.
 */
export function PolicyPreview({ body }: { body: PolicyBody | undefined }) {
  const { t } = useTranslation('replication');
  const { token } = theme.useToken();
  const json = useDebounced(body ? JSON.stringify(body) : '', DEBOUNCE_MS);
  const preview = useQuery({
    queryKey: ['replication', 'preview', json],
    // Aborted when the form changes again: the source is not read for a policy nobody looks at.
    queryFn: async ({ signal }) =>
      (
        await request<PreviewResult>('POST', paths.preview, {
          body: JSON.parse(json) as unknown,
          query: { limit: LIMIT },
          signal,
        })
      ).data,
    enabled: json !== '',
    placeholderData: keepPreviousData,
    staleTime: 5_000,
    retry: false,
  });

  const columns: TableColumnsType<PreviewItem> = [
    {
      title: t('preview.repository'),
      dataIndex: 'repository',
      render: (v: string) => <Typography.Text strong>{v}</Typography.Text>,
    },
    {
      title: t('preview.tags'),
      dataIndex: 'tags',
      render: (tags: string[], item) => (
        <Flex gap={4} wrap>
          {tags.length === 0 ? (
            <Typography.Text type="secondary">
              {item.digest ? shortDigest(item.digest) : t('preview.untagged')}
            </Typography.Text>
          ) : (
            tags.map((tag) => <Tag key={tag}>{tag}</Tag>)
          )}
        </Flex>
      ),
    },
    {
      title: t('preview.destination'),
      dataIndex: 'dst_repository',
      render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
    },
  ];

  let content;
  if (!body) content = <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('preview.chooseFirst')} />;
  else if (preview.error)
    content = <Alert type="error" showIcon title={t('preview.failed')} description={errorMessage(preview.error)} />;
  else if (!preview.data)
    content = (
      <Flex vertical align="center" gap={8} style={{ padding: 32 }}>
        <Spin />
        <Typography.Text type="secondary">{t('preview.loading')}</Typography.Text>
      </Flex>
    );
  else if (preview.data.items.length === 0)
    content = <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('preview.empty')} />;
  else
    content = (
      <>
        <Table<PreviewItem>
          data-testid="policy-preview"
          rowKey={(i) => `${i.repository}@${i.digest ?? i.tags.join(',')}`}
          size="small"
          columns={columns}
          dataSource={preview.data.items}
          pagination={false}
          loading={preview.isFetching}
        />
        {preview.data.truncated && (
          <Typography.Text type="secondary" style={{ display: 'block', marginTop: 8 }}>
            {t('preview.more')}
          </Typography.Text>
        )}
      </>
    );

  return (
    <section aria-label={t('preview.title')}>
      <Flex justify="space-between" align="baseline" style={{ marginBottom: 4 }}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          {t('preview.title')}
        </Typography.Title>
        {preview.data && body && (
          <Typography.Text type="secondary">
            {preview.data.truncated ? `${LIMIT}+` : t('preview.count', { count: preview.data.items.length })}
          </Typography.Text>
        )}
      </Flex>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('preview.hint')}
      </Typography.Paragraph>
      <div
        style={{
          border: `1px solid ${token.colorBorderSecondary}`,
          borderRadius: token.borderRadiusLG,
          padding: 8,
          minHeight: 120,
        }}
      >
        {content}
      </div>
    </section>
  );
}
