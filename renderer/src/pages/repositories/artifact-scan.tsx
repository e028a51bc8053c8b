import { ExclamationCircleOutlined, LoadingOutlined, SafetyOutlined, StopOutlined } from '@ant-design/icons';
import { Button, Divider, Flex, Popover, Progress, Tooltip, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { shortDigest } from '../../components/format';
import { TimeText } from '../../components/time-text';
import { paths } from '../../routes';
import { useScanActions } from '../scanner/scan-api';
import { overviewOf, scanActive, scanState } from '../scanner/scan-logic';
import type { ScanOverview, ScannedArtifact } from '../scanner/scan-types';
import { SeverityBar, SeverityHistogram } from '../scanner/severity-bar';

/** What each scan view of an artifact gets: the artifact with its overviews, where it lives, and whether the caller may scan. */
export interface ArtifactScanProps {
  artifact: ScannedArtifact;
  projectName: string;
  repository: string;
  canScan: boolean;
}

/**
 * An artifact row's scan column: the severity bar with a histogram on hover once scanned, "Not
 * scanned", "Scanning… n%" or "Error" before, and Scan / Stop for users who may scan.
 */
export function ScanCell({ artifact, projectName, repository, canScan }: ArtifactScanProps) {
  const { t } = useTranslation('scanner');
  const { token } = theme.useToken();
  const overview = overviewOf(artifact);
  const state = scanState(overview);
  const { scan, stop } = useScanActions(projectName, repository);
  const busy =
    (scan.isPending && scan.variables?.digest === artifact.digest) ||
    (stop.isPending && stop.variables?.digest === artifact.digest);
  const link = `${paths.artifact(projectName, repository, artifact.digest)}?tab=vulnerabilities`;

  let status;
  if (state === 'done' && overview) {
    const total = overview.summary?.total ?? 0;
    status = (
      <Popover
        title={total === 0 ? t('bar.clean') : t('bar.total', { count: total })}
        content={<ScanDetails overview={overview} />}
        placement="left"
      >
        <Link to={link} aria-label={t('bar.openReport', { digest: shortDigest(artifact.digest) })}>
          <Flex vertical gap={2}>
            <SeverityBar counts={overview.summary?.summary} width={120} />
            <Typography.Text type="secondary" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
              {total === 0
                ? t('bar.clean')
                : t('bar.totalFixable', { count: total, fixable: overview.summary?.fixable ?? 0 })}
            </Typography.Text>
          </Flex>
        </Link>
      </Popover>
    );
  } else if (state === 'queued' || state === 'scanning') {
    const pct = Math.max(0, Math.min(100, Math.round(overview?.complete_percent ?? 0)));
    status = (
      <Flex vertical gap={0} style={{ width: 120 }}>
        <Typography.Text style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
          <LoadingOutlined style={{ marginInlineEnd: 4 }} />
          {state === 'queued' ? t('bar.queued') : t('bar.scanning', { percent: pct })}
        </Typography.Text>
        <Progress percent={pct} size="small" showInfo={false} status="active" style={{ margin: 0 }} />
      </Flex>
    );
  } else if (state === 'error' || state === 'stopped') {
    status = (
      <Tooltip title={<TimeText value={overview?.end_time ?? overview?.start_time} />}>
        <Typography.Text type={state === 'error' ? 'danger' : 'warning'} style={{ whiteSpace: 'nowrap' }}>
          <ExclamationCircleOutlined style={{ marginInlineEnd: 4 }} />
          {state === 'error' ? t('bar.error') : t('bar.stopped')}
        </Typography.Text>
      </Tooltip>
    );
  } else {
    status = (
      <Typography.Text type="secondary" style={{ whiteSpace: 'nowrap', color: token.colorTextTertiary }}>
        {t('bar.notScanned')}
      </Typography.Text>
    );
  }

  const active = scanActive(state);
  return (
    <Flex align="center" justify="space-between" gap={6} data-testid="scan-cell" data-scan-state={state}>
      {status}
      {canScan &&
        (active ? (
          <Tooltip title={t('artifact.stop')}>
            <Button
              type="text"
              size="small"
              icon={<StopOutlined />}
              loading={busy}
              aria-label={t('artifact.stopNamed', { digest: shortDigest(artifact.digest) })}
              onClick={() => stop.mutate({ digest: artifact.digest, type: 'vulnerability' })}
            />
          </Tooltip>
        ) : (
          <Tooltip title={state === 'none' ? t('artifact.scan') : t('artifact.rescan')}>
            <Button
              type="text"
              size="small"
              icon={<SafetyOutlined />}
              loading={busy}
              aria-label={t('artifact.scanNamed', { digest: shortDigest(artifact.digest) })}
              onClick={() => scan.mutate({ digest: artifact.digest, type: 'vulnerability' })}
            />
          </Tooltip>
        ))}
    </Flex>
  );
}

/** The hover card of a scanned row: counts per severity, how many have a fix, when and by what. */
function ScanDetails({ overview }: { overview: ScanOverview }) {
  const { t } = useTranslation('scanner');
  const scanner = overview.scanner;
  return (
    <Flex vertical gap={4} style={{ width: 260 }}>
      <SeverityHistogram counts={overview.summary?.summary} />
      <Divider style={{ margin: '8px 0' }} />
      <Typography.Text style={{ fontSize: 12 }}>
        {t('bar.fixable', { count: overview.summary?.fixable ?? 0 })}
      </Typography.Text>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('bar.scannedAt')} <TimeText value={overview.end_time ?? overview.start_time} />
      </Typography.Text>
      {scanner && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('bar.scanner', { name: scanner.name, version: scanner.version })}
        </Typography.Text>
      )}
    </Flex>
  );
}
