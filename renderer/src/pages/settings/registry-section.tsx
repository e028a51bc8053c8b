import { Alert, Card, Col, Descriptions, Flex, Row, Skeleton, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { CopyButton } from '../../components/copy-button';
import { ErrorAlert } from '../../components/error-alert';
import { formatTime } from '../../components/format';
import { useCurrentUser } from '../../stores/session';
import { CommandLine } from './command-line';
import { registryHost, useSystemInfo } from './system-info';

/** `v2.13.0-berth-0.1.0` → Berth `0.1.0` on Harbor API `v2.13.0`. */
function splitVersion(version: string | undefined): { berth?: string; api?: string } {
  if (!version) return {};
  const at = version.indexOf('-berth-');
  return at < 0 ? { berth: version } : { berth: version.slice(at + 7), api: version.slice(0, at) };
}

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\./.test(name);
}

/** What people need to reach the registry from their machines, and what this server is. */
export function RegistrySection() {
  const { t, i18n } = useTranslation('settings');
  const user = useCurrentUser();
  const info = useSystemInfo();
  const host = registryHost();
  const plainHttp = window.location.protocol === 'http:';
  const username = user?.username ?? '<username>';
  const commands = [
    { tool: 'Docker', command: `docker login ${host} -u ${username}` },
    { tool: 'Podman', command: `podman login ${host} -u ${username}${plainHttp ? ' --tls-verify=false' : ''}` },
    { tool: 'Helm', command: `helm registry login ${host} -u ${username}${plainHttp ? ' --plain-http' : ''}` },
  ];
  const version = splitVersion(info.data?.harbor_version);
  const configuredHost = info.data?.registry_url;

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={14}>
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <Card title={t('registry.addressTitle')}>
            <Flex align="center" gap={8}>
              <Typography.Title level={3} style={{ margin: 0, fontFamily: 'ui-monospace, monospace' }}>
                {host}
              </Typography.Title>
              <CopyButton text={host} label={t('registry.addressTitle')} size="middle" />
            </Flex>
            <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
              {t('registry.addressHelp')}
            </Typography.Paragraph>
            <Typography.Text type="secondary">{t('registry.example', { project: 'library' })} </Typography.Text>
            <Typography.Text code>{`${host}/library/busybox:latest`}</Typography.Text>
          </Card>
          <Card title={t('registry.loginTitle')}>
            <Typography.Paragraph type="secondary">{t('registry.loginHelp')}</Typography.Paragraph>
            <Space orientation="vertical" size={12} style={{ width: '100%' }}>
              {commands.map((c) => (
                <div key={c.tool}>
                  <Typography.Text strong style={{ display: 'block', marginBottom: 4 }}>
                    {c.tool}
                  </Typography.Text>
                  <CommandLine command={c.command} label={`${c.tool} login`} />
                </div>
              ))}
            </Space>
            {plainHttp && !isLoopback(host) && (
              <Alert
                type="warning"
                showIcon
                title={t('registry.plainHttpTitle')}
                description={t('registry.plainHttpBody')}
                style={{ marginTop: 16 }}
              />
            )}
          </Card>
        </Space>
      </Col>
      <Col xs={24} xl={10}>
        <Card title={t('registry.aboutTitle')}>
          <ErrorAlert error={info.error} />
          {info.isLoading ? (
            <Skeleton active />
          ) : (
            <Descriptions
              column={1}
              size="small"
              items={[
                { key: 'version', label: t('registry.version'), children: `Berth ${version.berth ?? '—'}` },
                { key: 'api', label: t('registry.apiLevel'), children: version.api ?? '—' },
                {
                  key: 'auth',
                  label: t('registry.authMode'),
                  children: (
                    <Tag color={info.data?.auth_mode === 'ldap_auth' ? 'purple' : 'blue'}>
                      {info.data?.auth_mode === 'ldap_auth' ? t('registry.authLdap') : t('registry.authDb')}
                    </Tag>
                  ),
                },
                {
                  key: 'storage',
                  label: t('registry.storage'),
                  children: info.data?.registry_storage_provider_name ?? '—',
                },
                {
                  key: 'url',
                  label: t('registry.externalUrl'),
                  children: <Typography.Text copyable>{info.data?.external_url ?? '—'}</Typography.Text>,
                },
                {
                  key: 'time',
                  label: t('registry.serverTime'),
                  children: formatTime(info.data?.current_time, i18n.language),
                },
              ]}
            />
          )}
          {configuredHost && configuredHost !== host && (
            <Alert
              type="info"
              showIcon
              title={t('registry.externalDiffers', { url: info.data?.external_url })}
              style={{ marginTop: 12 }}
            />
          )}
        </Card>
      </Col>
    </Row>
  );
}
