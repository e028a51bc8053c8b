import type { ArtifactScanProps } from './artifact-scan';
import { ExclamationCircleOutlined, ReloadOutlined, SafetyOutlined, StopOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Checkbox,
  Descriptions,
  Empty,
  Flex,
  Input,
  Progress,
  Segmented,
  Select,
  Skeleton,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { TableColumnsType } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../components/error-alert';
import { formatRelative, shortDigest } from '../../components/format';
import { TimeText } from '../../components/time-text';
import { useScanActions, useVulnerabilities } from '../scanner/scan-api';
import {
  STALE_DB_SECONDS,
  SEVERITIES_DESC,
  countFindings,
  cvssOf,
  dbAgeSeconds,
  filterFindings,
  findingLink,
  isAllowlisted,
  overviewOf,
  scanActive,
  scanState,
  sortFindings,
  type FindingSort,
} from '../scanner/scan-logic';
import type { Severity, VulnerabilityItem } from '../scanner/scan-types';
import { SeverityBar, SeverityTag } from '../scanner/severity-bar';
import { formatPlatform, isIndex } from './platform';

/**
 * The artifact's vulnerability report: a summary (bar, counts, scanner, the advisory data's age) and
 * the findings, sorted by severity first, filtered by severity, fix and text. An index's report is
 * the merge of its platform images' findings; each row says which platforms carry it.
 */
export function ArtifactVulnerabilities({ artifact, projectName, repository, canScan }: ArtifactScanProps) {
  const { t, i18n } = useTranslation('scanner');
  const overview = overviewOf(artifact);
  const state = scanState(overview);
  const report = useVulnerabilities(projectName, repository, artifact.digest);
  const { scan, stop } = useScanActions(projectName, repository);
  const [sort, setSort] = useState<FindingSort>('severity');
  const [severities, setSeverities] = useState<Severity[]>([]);
  const [fixableOnly, setFixableOnly] = useState(false);
  const [search, setSearch] = useState('');

  const items = useMemo(() => report.data?.vulnerabilities ?? [], [report.data]);
  const shown = useMemo(
    () => sortFindings(filterFindings(items, { severities, fixableOnly, search }), sort),
    [items, severities, fixableOnly, search, sort],
  );
  const counts = useMemo(() => countFindings(items), [items]);
  const index = isIndex(artifact);
  const platformOf = useMemo(
    () => new Map((artifact.references ?? []).map((r) => [r.child_digest, formatPlatform(r.platform)])),
    [artifact.references],
  );

  const active = scanActive(state);
  const scanButton = canScan ? (
    active ? (
      <Button
        icon={<StopOutlined />}
        loading={stop.isPending}
        onClick={() => stop.mutate({ digest: artifact.digest, type: 'vulnerability' })}
      >
        {t('artifact.stop')}
      </Button>
    ) : (
      <Button
        type={state === 'none' ? 'primary' : 'default'}
        icon={state === 'none' ? <SafetyOutlined /> : <ReloadOutlined />}
        loading={scan.isPending}
        onClick={() => scan.mutate({ digest: artifact.digest, type: 'vulnerability' })}
      >
        {state === 'none' ? t('artifact.scan') : t('artifact.rescan')}
      </Button>
    )
  ) : null;

  if (report.isLoading) return <Skeleton active paragraph={{ rows: 6 }} />;
  const hasReport = report.data !== undefined && report.data.vulnerabilities !== undefined;

  if (!hasReport) {
    if (active) {
      const pct = Math.round(overview?.complete_percent ?? 0);
      return (
        <Flex vertical align="center" gap={12} style={{ padding: 32 }}>
          <Typography.Text>
            {state === 'queued' ? t('bar.queued') : t('bar.scanning', { percent: pct })}
          </Typography.Text>
          <Progress percent={pct} status="active" style={{ maxWidth: 360 }} />
          {scanButton}
        </Flex>
      );
    }
    return (
      <>
        <ErrorAlert error={report.error} />
        {state === 'error' && <Alert type="error" showIcon title={t('vulns.scanError')} style={{ marginBottom: 16 }} />}
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={
            <Flex vertical gap={4}>
              <Typography.Text>{t('vulns.notScanned')}</Typography.Text>
              <Typography.Text type="secondary">
                {canScan ? t('vulns.notScannedHint') : t('vulns.notScannedAskHint')}
              </Typography.Text>
            </Flex>
          }
        >
          {scanButton}
        </Empty>
      </>
    );
  }

  const data = report.data!;
  const dbUpdated = overview?.db_updated_at ?? data.vendor_attributes?.berth?.db_updated_at ?? undefined;
  const dbAge = dbAgeSeconds(dbUpdated);
  const columns: TableColumnsType<VulnerabilityItem> = [
    {
      title: t('vulns.id'),
      key: 'id',
      width: 210,
      render: (_, v) => {
        const href = findingLink(v);
        const aliases = (v.vendor_attributes?.berth?.aliases ?? []).filter((a) => a !== v.id);
        return (
          <Flex vertical gap={0}>
            <Flex gap={6} align="center" wrap>
              {href ? (
                <Typography.Link href={href} target="_blank" rel="noreferrer noopener" strong>
                  {v.id}
                </Typography.Link>
              ) : (
                <Typography.Text strong>{v.id}</Typography.Text>
              )}
              {isAllowlisted(v) && (
                <Tooltip title={t('vulns.allowlistedHint')}>
                  <Tag color="green" style={{ marginInlineEnd: 0 }}>
                    {t('vulns.allowlisted')}
                  </Tag>
                </Tooltip>
              )}
            </Flex>
            {aliases.length > 0 && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {aliases.slice(0, 3).join(', ')}
              </Typography.Text>
            )}
          </Flex>
        );
      },
    },
    {
      title: t('vulns.severity'),
      key: 'severity',
      width: 110,
      render: (_, v) => <SeverityTag severity={v.severity} />,
    },
    {
      title: t('vulns.package'),
      key: 'package',
      render: (_, v) => (
        <Flex vertical gap={0}>
          <Typography.Text style={{ whiteSpace: 'nowrap' }}>{v.package}</Typography.Text>
          {v.vendor_attributes?.berth?.ecosystem && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {v.vendor_attributes.berth.ecosystem}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('vulns.installed'),
      key: 'version',
      render: (_, v) => (
        <Typography.Text code style={{ whiteSpace: 'nowrap' }}>
          {v.version}
        </Typography.Text>
      ),
    },
    {
      title: t('vulns.fixed'),
      key: 'fix',
      render: (_, v) =>
        v.fix_version ? (
          <Typography.Text code type="success" style={{ whiteSpace: 'nowrap' }}>
            {v.fix_version}
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary">{t('vulns.noFix')}</Typography.Text>
        ),
    },
    {
      title: t('vulns.cvss'),
      key: 'cvss',
      width: 80,
      align: 'right',
      render: (_, v) => {
        const score = cvssOf(v);
        if (score === undefined) return <Typography.Text type="secondary">—</Typography.Text>;
        return (
          <Tooltip title={v.preferred_cvss?.vector_v3 ?? v.preferred_cvss?.vector_v2}>
            <Typography.Text strong>{score.toFixed(1)}</Typography.Text>
          </Tooltip>
        );
      },
    },
    ...(index
      ? [
          {
            title: t('vulns.platforms'),
            key: 'platforms',
            render: (_: unknown, v: VulnerabilityItem) => (
              <Flex gap={4} wrap>
                {(v.artifact_digests ?? []).map((d) => (
                  <Tag key={d} style={{ marginInlineEnd: 0 }}>
                    {platformOf.get(d) || shortDigest(d)}
                  </Tag>
                ))}
              </Flex>
            ),
          },
        ]
      : []),
    {
      title: t('vulns.description'),
      key: 'description',
      render: (_, v) => (
        <Typography.Paragraph type="secondary" ellipsis={{ rows: 1 }} style={{ margin: 0, maxWidth: 360 }}>
          {v.description || '—'}
        </Typography.Paragraph>
      ),
    },
  ];

  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" align="flex-start" gap={16} wrap>
        <Flex vertical gap={8} style={{ minWidth: 280, flex: 1 }}>
          <Flex align="center" gap={12} wrap>
            <Typography.Title level={5} style={{ margin: 0 }} data-testid="vulnerability-total">
              {counts.total === 0 ? t('bar.clean') : t('bar.total', { count: counts.total })}
            </Typography.Title>
            {counts.total > 0 && (
              <Typography.Text type="secondary">{t('bar.fixable', { count: counts.fixable })}</Typography.Text>
            )}
          </Flex>
          <SeverityBar counts={counts.bySeverity} width="100%" height={12} />
          <Flex gap={8} wrap>
            {SEVERITIES_DESC.filter((s) => s !== 'None').map((s) => (
              <Flex key={s} gap={4} align="center">
                <SeverityTag severity={s} />
                <Typography.Text strong>{counts.bySeverity[s]}</Typography.Text>
              </Flex>
            ))}
          </Flex>
        </Flex>
        <Flex vertical gap={8} align="flex-end">
          {scanButton}
        </Flex>
      </Flex>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2, lg: 4 }}
        items={[
          {
            key: 'generated',
            label: t('vulns.generatedAt'),
            children: <TimeText value={data.generated_at ?? overview?.end_time} />,
          },
          {
            key: 'scanner',
            label: t('vulns.scanner'),
            children: data.scanner ? `${data.scanner.name} ${data.scanner.version}` : '—',
          },
          {
            key: 'db',
            label: t('vulns.dbAge'),
            children:
              dbAge === undefined ? (
                <Typography.Text type="secondary">{t('vulns.dbAgeUnknown')}</Typography.Text>
              ) : (
                <Tooltip title={t('vulns.dbAsOf', { time: new Date(dbUpdated!).toLocaleString(i18n.language) })}>
                  <Typography.Text type={dbAge > STALE_DB_SECONDS ? 'warning' : undefined}>
                    {dbAge > STALE_DB_SECONDS && <ExclamationCircleOutlined style={{ marginInlineEnd: 4 }} />}
                    {formatRelative(dbUpdated, i18n.language)}
                  </Typography.Text>
                </Tooltip>
              ),
          },
          ...(index ? [{ key: 'merged', label: t('vulns.indexLabel'), children: t('vulns.indexMerged') }] : []),
        ]}
      />
      {dbAge !== undefined && dbAge > STALE_DB_SECONDS && (
        <Alert type="warning" showIcon title={t('vulns.staleDb', { age: formatRelative(dbUpdated, i18n.language) })} />
      )}
      {counts.total === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('vulns.noFindings')} />
      ) : (
        <>
          <Flex gap={12} wrap align="center">
            <Input.Search
              allowClear
              placeholder={t('vulns.search')}
              aria-label={t('vulns.search')}
              onChange={(e) => setSearch(e.target.value)}
              style={{ width: 280 }}
            />
            <Select<Severity[]>
              mode="multiple"
              allowClear
              placeholder={t('vulns.allSeverities')}
              aria-label={t('vulns.filterSeverity')}
              value={severities}
              onChange={setSeverities}
              style={{ minWidth: 220 }}
              options={SEVERITIES_DESC.map((s) => ({ value: s, label: t(`severity.${s}`) }))}
            />
            <Checkbox checked={fixableOnly} onChange={(e) => setFixableOnly(e.target.checked)}>
              {t('vulns.fixableOnly')}
            </Checkbox>
            <Flex gap={6} align="center" style={{ marginInlineStart: 'auto' }}>
              <Typography.Text type="secondary">{t('vulns.sortBy')}</Typography.Text>
              <Segmented<FindingSort>
                value={sort}
                onChange={setSort}
                options={(['severity', 'cvss', 'package'] as const).map((s) => ({
                  value: s,
                  label: t(`vulns.sort.${s}`),
                }))}
              />
            </Flex>
          </Flex>
          <Table<VulnerabilityItem>
            rowKey={(v) => `${v.id}|${v.package}|${v.version}|${v.vendor_attributes?.berth?.package_path ?? ''}`}
            size="middle"
            columns={columns}
            dataSource={shown}
            scroll={{ x: 1100 }}
            pagination={
              shown.length > 50
                ? { defaultPageSize: 50, showSizeChanger: true, pageSizeOptions: [50, 100, 200] }
                : false
            }
            rowClassName={(v) => (isAllowlisted(v) ? 'berth-allowlisted' : '')}
            onRow={(v) => ({ style: isAllowlisted(v) ? { opacity: 0.6 } : undefined, 'data-finding': v.id }) as object}
            expandable={{ expandedRowRender: (v) => <FindingDetails finding={v} /> }}
            locale={{
              emptyText: (
                <Empty
                  image={Empty.PRESENTED_IMAGE_SIMPLE}
                  description={items.length === 0 ? t('vulns.noFindings') : t('vulns.noMatch')}
                />
              ),
            }}
          />
        </>
      )}
    </Flex>
  );
}

/** A finding's full text: description, links, CWE ids, where it was found. */
function FindingDetails({ finding }: { finding: VulnerabilityItem }) {
  const { t } = useTranslation('scanner');
  const berth = finding.vendor_attributes?.berth;
  return (
    <Flex vertical gap={8} style={{ paddingInline: 8, maxWidth: 1000 }}>
      <Typography.Paragraph style={{ margin: 0, whiteSpace: 'pre-wrap' }}>
        {finding.description || t('vulns.noDescription')}
      </Typography.Paragraph>
      <Descriptions
        size="small"
        column={1}
        items={[
          ...((finding.links ?? []).length > 0
            ? [
                {
                  key: 'links',
                  label: t('vulns.links'),
                  children: (
                    <Flex vertical gap={0}>
                      {(finding.links ?? []).slice(0, 8).map((l) => (
                        <Typography.Link key={l} href={l} target="_blank" rel="noreferrer noopener">
                          {l}
                        </Typography.Link>
                      ))}
                    </Flex>
                  ),
                },
              ]
            : []),
          ...((finding.cwe_ids ?? []).length > 0
            ? [{ key: 'cwe', label: 'CWE', children: (finding.cwe_ids ?? []).join(', ') }]
            : []),
          ...(finding.preferred_cvss?.vector_v3
            ? [
                {
                  key: 'vector',
                  label: t('vulns.cvssVector'),
                  children: <Typography.Text code>{finding.preferred_cvss.vector_v3}</Typography.Text>,
                },
              ]
            : []),
          ...(berth?.package_path
            ? [
                {
                  key: 'path',
                  label: t('vulns.packagePath'),
                  children: <Typography.Text code>{berth.package_path}</Typography.Text>,
                },
              ]
            : []),
          ...(finding.layer?.digest
            ? [
                {
                  key: 'layer',
                  label: t('vulns.layer'),
                  children: <Typography.Text code>{shortDigest(finding.layer.digest)}</Typography.Text>,
                },
              ]
            : []),
          ...(berth?.source ? [{ key: 'source', label: t('vulns.source'), children: berth.source }] : []),
        ]}
      />
    </Flex>
  );
}
