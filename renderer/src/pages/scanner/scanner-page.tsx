import { Col, Result, Row, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentUser } from '../../stores/session';
import { LimitsCard } from './limits-card';
import { ScanAllCard } from './scan-all-card';
import { ScanQueueCard } from './scan-queue-card';
import { ScannersCard } from './scanners-card';
import { SystemAllowlistCard } from './system-allowlist-card';
import { VulnDbCard } from './vulndb-card';

/**
 * The vulnerability scanner for system administrators: the advisory database, the scanners, the
 * built-in scanner's resource limits, scan-all with its schedule, the live queue and the system CVE
 * allowlist.
 */
export function ScannerPage() {
  const { t } = useTranslation('scanner');
  const admin = useCurrentUser()?.sysadmin_flag ?? false;
  if (!admin) {
    return (
      <>
        <PageHeader title={t('page.title')} />
        <Result status="403" subTitle={t('page.adminsOnly')} />
      </>
    );
  }
  return (
    <>
      <PageHeader title={t('page.title')} />
      <Typography.Paragraph type="secondary" style={{ marginTop: -8, maxWidth: 880 }}>
        {t('page.intro')}
      </Typography.Paragraph>
      <Row gutter={[16, 16]}>
        <Col xs={24}>
          <VulnDbCard />
        </Col>
        <Col xs={24} xl={12}>
          <ScanAllCard />
        </Col>
        <Col xs={24} xl={12}>
          <ScanQueueCard />
        </Col>
        <Col xs={24}>
          <ScannersCard />
        </Col>
        <Col xs={24} xl={12}>
          <LimitsCard />
        </Col>
        <Col xs={24} xl={12}>
          <SystemAllowlistCard />
        </Col>
      </Row>
    </>
  );
}
