import type { ArtifactScanProps } from './artifact-scan';
import { DownloadOutlined, FileSearchOutlined, ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Empty, Flex, Input, Progress, Skeleton, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api/client';
import type { Execution } from '../../api/types';
import { ErrorAlert } from '../../components/error-alert';
import { shortDigest } from '../../components/format';
import { TimeText } from '../../components/time-text';
import { sbomUrl, useSbom, useScanActions } from '../scanner/scan-api';
import { cycloneDxPackages, purlType, scanActive, scanState, type SbomPackage } from '../scanner/scan-logic';
import type { ScanStatus } from '../scanner/scan-types';

/**
 * The artifact's SBOM (kept as an accessory): its packages from the CycloneDX document, downloads in
 * CycloneDX and SPDX, and "Generate SBOM" while there is none.
 */
export function ArtifactSbom({ artifact, projectName, repository, canScan }: ArtifactScanProps) {
  const { t } = useTranslation('scanner');
  const overview = artifact.sbom_overview ?? undefined;
  // Without Harbor's sbom_overview, the artifact's latest SBOM run says whether one is being made or failed.
  const lastRun = useQuery({
    queryKey: ['executions', 'sbom', artifact.id],
    queryFn: async ({ signal }) =>
      (
        await api.list<Execution>(
          'executions',
          { q: `vendor_type=SBOM,vendor_id=${artifact.id}`, page_size: 1 },
          signal,
        )
      ).data[0],
    enabled: !overview?.scan_status,
  });
  const status = overview?.scan_status ?? lastRun.data?.status;
  const state = scanState(status ? { report_id: '', scan_status: status as ScanStatus } : undefined);
  const active = scanActive(state);
  const sbom = useSbom(projectName, repository, artifact.digest, !active);
  const { scan } = useScanActions(projectName, repository);
  const [search, setSearch] = useState('');
  const packages = useMemo(() => cycloneDxPackages(sbom.data), [sbom.data]);
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle
      ? packages.filter((p) => `${p.name} ${p.version} ${p.purl}`.toLowerCase().includes(needle))
      : packages;
  }, [packages, search]);
  const missing = sbom.error instanceof ApiError && sbom.error.status === 404;
  const hasDoc = sbom.data !== undefined && typeof sbom.data === 'object' && !missing;

  const generate = canScan ? (
    <Button
      type={hasDoc ? 'default' : 'primary'}
      icon={hasDoc ? <ReloadOutlined /> : <FileSearchOutlined />}
      loading={scan.isPending}
      onClick={() => scan.mutate({ digest: artifact.digest, type: 'sbom' })}
    >
      {hasDoc ? t('sbom.regenerate') : t('sbom.generate')}
    </Button>
  ) : null;

  if (active) {
    return (
      <Flex vertical align="center" gap={12} style={{ padding: 32 }}>
        <Typography.Text>{t('sbom.generating')}</Typography.Text>
        <Progress percent={50} status="active" showInfo={false} style={{ maxWidth: 360 }} />
      </Flex>
    );
  }
  if (sbom.isLoading) return <Skeleton active paragraph={{ rows: 6 }} />;
  if (!hasDoc) {
    return (
      <>
        {!missing && <ErrorAlert error={sbom.error} />}
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={
            <Flex vertical gap={4}>
              <Typography.Text>{state === 'error' ? t('sbom.failed') : t('sbom.none')}</Typography.Text>
              <Typography.Text type="secondary">{canScan ? t('sbom.noneHint') : t('sbom.noneAskHint')}</Typography.Text>
            </Flex>
          }
        >
          {generate}
        </Empty>
        {scan.isSuccess && state !== 'error' && (
          <Alert type="info" showIcon title={t('sbom.requested')} style={{ marginTop: 8 }} />
        )}
      </>
    );
  }

  const download = (format: 'cyclonedx' | 'spdx') => (
    <Button
      icon={<DownloadOutlined />}
      href={sbomUrl(projectName, repository, artifact.digest, format)}
      download={`${repository.replaceAll('/', '_')}_${shortDigest(artifact.digest).replace(':', '-')}.${format}.json`}
    >
      {format === 'cyclonedx' ? t('sbom.downloadCycloneDx') : t('sbom.downloadSpdx')}
    </Button>
  );

  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" align="center" gap={12} wrap>
        <Flex vertical gap={0}>
          <Typography.Title level={5} style={{ margin: 0 }}>
            {t('sbom.packages', { count: packages.length })}
          </Typography.Title>
          {overview?.end_time && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('sbom.generatedAt')} <TimeText value={overview.end_time} />
              {overview.scanner ? ` · ${overview.scanner.name} ${overview.scanner.version}` : ''}
            </Typography.Text>
          )}
        </Flex>
        <Flex gap={8} wrap>
          {download('cyclonedx')}
          {download('spdx')}
          {generate}
        </Flex>
      </Flex>
      <Input.Search
        allowClear
        placeholder={t('sbom.search')}
        aria-label={t('sbom.search')}
        onChange={(e) => setSearch(e.target.value)}
        style={{ width: 300 }}
      />
      <Table<SbomPackage>
        rowKey="key"
        size="middle"
        dataSource={shown}
        pagination={shown.length > 25 ? { pageSize: 25, showSizeChanger: true } : false}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('sbom.noMatch')} /> }}
        columns={[
          { title: t('sbom.name'), key: 'name', render: (_, p) => <Typography.Text strong>{p.name}</Typography.Text> },
          {
            title: t('sbom.version'),
            key: 'version',
            render: (_, p) => <Typography.Text code>{p.version || '—'}</Typography.Text>,
          },
          {
            title: t('sbom.type'),
            key: 'type',
            width: 120,
            render: (_, p) => <Tag>{purlType(p.purl) || p.type || '—'}</Tag>,
          },
          {
            title: t('sbom.purl'),
            key: 'purl',
            render: (_, p) => (
              <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }}>
                {p.purl || '—'}
              </Typography.Text>
            ),
          },
        ]}
      />
    </Flex>
  );
}
