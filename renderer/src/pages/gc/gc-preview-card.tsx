import { CheckCircleOutlined, FileTextOutlined, PlayCircleOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Empty, Flex, Result, Row, Statistic, Typography, theme } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../../components/format';
import { TimeText } from '../../components/time-text';
import { useGcActions } from './gc-actions';
import { gcActive, gcAttributes, hasResult, type GcHistory } from './gc-data';
import { GcLiveProgress } from './gc-run-card';

/**
 * What the newest dry run found: the figures gc-engine records in the execution's attributes
 * (`purged_blobs`, `orphan_blobs`, `freed_space`, `purged_manifests`, `unlinked`, `purged_uploads`),
 * the log for the list of digests, and a button that runs the same GC for real.
 */
export function GcPreviewCard({
  dryRun,
  supersededBy,
  busy,
  onShowLog,
}: {
  dryRun: GcHistory | undefined;
  /** A real run that ended after the dry run: its figures are history now. */
  supersededBy: GcHistory | undefined;
  busy: boolean;
  onShowLog(run: GcHistory): void;
}) {
  const { t } = useTranslation('gc');
  const actions = useGcActions();
  const attrs = dryRun ? gcAttributes(dryRun.job_parameters) : undefined;

  const logButton = dryRun && (
    <Button icon={<FileTextOutlined />} onClick={() => onShowLog(dryRun)}>
      {t('preview.log')}
    </Button>
  );

  let body: ReactNode;
  if (!dryRun || !attrs) {
    body = (
      <Empty
        image={Empty.PRESENTED_IMAGE_SIMPLE}
        description={
          <Flex vertical gap={4}>
            <Typography.Text strong>{t('preview.none')}</Typography.Text>
            <Typography.Text type="secondary">{t('preview.noneHint')}</Typography.Text>
          </Flex>
        }
      />
    );
  } else if (gcActive(dryRun.job_status)) {
    body = (
      <Flex vertical gap={12}>
        <Typography.Text>{t('preview.running', { id: dryRun.id })}</Typography.Text>
        <GcLiveProgress id={dryRun.id} width={320} />
      </Flex>
    );
  } else if (dryRun.job_status !== 'Success' || !hasResult(attrs)) {
    body = (
      <Alert
        type="warning"
        showIcon
        title={t('preview.failed', { id: dryRun.id, status: t(`common:status.${dryRun.job_status}`) })}
      />
    );
  } else if ((attrs.purged_blobs ?? 0) === 0 && (attrs.purged_manifests ?? 0) === 0 && (attrs.unlinked ?? 0) === 0) {
    body = (
      <Result status="success" icon={<CheckCircleOutlined />} title={t('preview.nothing')} style={{ padding: 16 }} />
    );
  } else {
    body = (
      <Flex vertical gap={16}>
        <Row gutter={[16, 16]}>
          <Figure span={6} title={t('preview.freed')} value={formatBytes(attrs.freed_space)} highlight />
          <Figure
            span={5}
            title={t('preview.blobs')}
            value={attrs.purged_blobs ?? 0}
            note={attrs.orphan_blobs ? t('preview.orphans', { count: attrs.orphan_blobs }) : undefined}
          />
          <Figure
            span={5}
            title={t('preview.artifacts')}
            value={attrs.delete_untagged ? (attrs.purged_manifests ?? 0) : '—'}
            note={attrs.delete_untagged ? undefined : t('preview.artifactsOff')}
          />
          <Figure span={4} title={t('preview.links')} value={attrs.unlinked ?? 0} />
          <Figure span={4} title={t('preview.uploads')} value={attrs.purged_uploads ?? 0} />
        </Row>
        <Typography.Text type="secondary">
          {t('preview.options')} {attrs.delete_untagged ? t('preview.untaggedOn') : t('preview.untaggedOff')} ·{' '}
          {t('preview.workers', { count: attrs.workers })}
        </Typography.Text>
        {supersededBy && (
          <Alert
            type="info"
            showIcon
            title={t('preview.superseded', {
              id: supersededBy.id,
              size: formatBytes(gcAttributes(supersededBy.job_parameters).freed_space ?? 0),
            })}
          />
        )}
        <Flex gap={8}>
          {!supersededBy && (
            <Button
              type="primary"
              icon={<PlayCircleOutlined />}
              disabled={busy}
              onClick={() => actions.runNow({ deleteUntagged: attrs.delete_untagged, workers: attrs.workers })}
            >
              {t('preview.runForReal')}
            </Button>
          )}
          {logButton}
        </Flex>
      </Flex>
    );
  }

  return (
    <Card
      title={t('preview.title')}
      extra={
        dryRun && (
          <Typography.Text type="secondary">
            {t('preview.subtitle', { id: dryRun.id })} · <TimeText value={dryRun.creation_time} />
          </Typography.Text>
        )
      }
    >
      {body}
      {dryRun && attrs && !hasResult(attrs) && <Flex style={{ marginTop: 12 }}>{logButton}</Flex>}
    </Card>
  );
}

function Figure({
  span,
  title,
  value,
  note,
  highlight,
}: {
  span: number;
  title: string;
  value: number | string;
  note?: string;
  highlight?: boolean;
}) {
  const { token } = theme.useToken();
  return (
    <Col xs={12} md={8} xl={span}>
      <div
        style={{
          height: '100%',
          padding: '12px 16px',
          borderRadius: token.borderRadiusLG,
          background: highlight ? token.colorPrimaryBg : token.colorFillQuaternary,
          border: `1px solid ${highlight ? token.colorPrimaryBorder : token.colorBorderSecondary}`,
        }}
      >
        <Statistic
          title={title}
          value={value}
          styles={{
            content: { color: highlight ? token.colorPrimary : undefined, fontWeight: highlight ? 600 : undefined },
          }}
        />
        {note && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {note}
          </Typography.Text>
        )}
      </div>
    </Col>
  );
}
