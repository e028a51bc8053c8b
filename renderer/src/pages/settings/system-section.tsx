import { CheckCircleFilled, CloseCircleFilled, HddOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, Flex, Progress, Row, Skeleton, Statistic, Tag, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { formatBytes, percent } from '../../components/format';
import type { Health, SystemVolumes } from './types';

/** The data volume's use (`/systeminfo/volumes`) and the server's health checks (`/health`). */
export function SystemSection() {
  const { t } = useTranslation('settings');
  const { token } = theme.useToken();
  // Under `statistics`: pushes and garbage collection change the volume's use, and invalidate that prefix.
  const volumes = useQuery({
    queryKey: ['statistics', 'volumes'],
    queryFn: ({ signal }) => api.get<SystemVolumes>('systeminfo/volumes', undefined, signal),
  });
  const health = useQuery({
    queryKey: ['statistics', 'health'],
    queryFn: ({ signal }) => api.get<Health>('health', undefined, signal),
  });

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={14}>
        <Card title={t('system.storageTitle')} style={{ height: '100%' }}>
          <ErrorAlert error={volumes.error} />
          {volumes.isLoading && <Skeleton active />}
          {volumes.data?.storage.map((volume, i) => {
            const used = Math.max(0, volume.total - volume.free);
            const usedPercent = percent(used, volume.total);
            const low = volume.total > 0 && volume.free / volume.total < 0.1;
            return (
              <div key={i} data-testid="storage-volume">
                <Flex align="center" gap={16} style={{ marginBottom: 12 }}>
                  <HddOutlined style={{ fontSize: 32, color: token.colorPrimary }} />
                  <div style={{ flex: 1 }}>
                    <Typography.Text strong>{t('system.volume')}</Typography.Text>
                    <br />
                    <Typography.Text type="secondary">
                      {t('system.used', { used: formatBytes(used), total: formatBytes(volume.total) })}
                    </Typography.Text>
                  </div>
                  <Statistic
                    title={t('system.freeTitle')}
                    value={formatBytes(volume.free)}
                    styles={{ content: { fontSize: 22 } }}
                  />
                </Flex>
                <Progress
                  percent={usedPercent}
                  status={low ? 'exception' : 'normal'}
                  strokeColor={low ? undefined : usedPercent > 75 ? token.colorWarning : token.colorPrimary}
                  aria-label={t('system.used', { used: formatBytes(used), total: formatBytes(volume.total) })}
                />
                {low && <Alert type="error" showIcon title={t('system.storageLow')} style={{ marginTop: 12 }} />}
              </div>
            );
          })}
        </Card>
      </Col>
      <Col xs={24} xl={10}>
        <Card
          title={t('system.healthTitle')}
          style={{ height: '100%' }}
          extra={
            health.data && (
              <Tag color={health.data.status === 'healthy' ? 'success' : 'error'}>
                {health.data.status === 'healthy' ? t('system.healthy') : t('system.unhealthy')}
              </Tag>
            )
          }
        >
          <ErrorAlert error={health.error} />
          {health.isLoading && <Skeleton active />}
          {health.data && (
            <Flex vertical>
              {health.data.components.map((c, i) => (
                <Flex
                  key={c.name}
                  align="center"
                  gap={8}
                  style={{
                    padding: '10px 0',
                    borderTop: i === 0 ? undefined : `1px solid ${token.colorSplit}`,
                  }}
                >
                  {c.status === 'healthy' ? (
                    <CheckCircleFilled style={{ color: token.colorSuccess }} />
                  ) : (
                    <CloseCircleFilled style={{ color: token.colorError }} />
                  )}
                  <span style={{ flex: 1 }}>{t(`system.component.${c.name}`, { defaultValue: c.name })}</span>
                  <Typography.Text type={c.status === 'healthy' ? 'secondary' : 'danger'}>
                    {c.error ?? (c.status === 'healthy' ? t('system.healthy') : t('system.unhealthy'))}
                  </Typography.Text>
                </Flex>
              ))}
            </Flex>
          )}
        </Card>
      </Col>
    </Row>
  );
}
