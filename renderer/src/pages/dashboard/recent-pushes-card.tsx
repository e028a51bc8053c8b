import { CloudUploadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Avatar, Badge, Card, Empty, Flex, Skeleton, Tag, Typography, theme } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError } from '../../api/client';
import { CopyButton } from '../../components/copy-button';
import { ErrorAlert } from '../../components/error-alert';
import { shortDigest } from '../../components/format';
import { TimeText } from '../../components/time-text';
import { useLiveState } from '../../live/live-events';
import { paths } from '../../routes';
import {
  PUSH_AUDIT_QUERY,
  mergePushes,
  pushFromAudit,
  pushFromLive,
  type AuditLog,
  type PushEntry,
} from './dashboard-data';

const SHOWN = 8;

/**
 * The latest pushes: the audit log's (newest first) merged with the pushes the event stream has
 * delivered since the page loaded, so a push shows up the moment it lands.
 */
export function RecentPushesCard({ admin }: { admin: boolean }) {
  const { t } = useTranslation('dashboard');
  const audit = useQuery({
    queryKey: ['audit-logs', 'dashboard-pushes'],
    queryFn: ({ signal }) => api.list<AuditLog>('audit-logs', { q: PUSH_AUDIT_QUERY, page_size: SHOWN * 2 }, signal),
  });
  const livePushes = useLiveState((s) => s.recentPushes);
  const connected = useLiveState((s) => s.connected);
  const pushes = useMemo(
    () =>
      mergePushes(
        livePushes.map(pushFromLive),
        (audit.data?.data ?? []).flatMap((e) => pushFromAudit(e) ?? []),
        SHOWN,
      ),
    [livePushes, audit.data],
  );
  const forbidden = audit.error instanceof ApiError && audit.error.status === 403;
  // Only administrators read the whole audit log; anyone else may see none of it, or a 403.
  const limited = forbidden || !admin;

  return (
    <Card
      title={
        <Flex align="center" gap={8}>
          {t('pushes.title')}
          {connected && (
            <Badge status="processing" text={<Typography.Text type="secondary">{t('pushes.live')}</Typography.Text>} />
          )}
        </Flex>
      }
      extra={<Link to={paths.auditLogs}>{t('pushes.viewAudit')}</Link>}
      style={{ height: '100%' }}
    >
      {!forbidden && <ErrorAlert error={audit.error} />}
      {audit.isLoading && pushes.length === 0 ? (
        <Skeleton active avatar paragraph={{ rows: 4 }} />
      ) : pushes.length === 0 ? (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={
            <Flex vertical gap={4}>
              <Typography.Text strong>{limited ? t('pushes.noneVisible') : t('pushes.empty')}</Typography.Text>
              <Typography.Text type="secondary">
                {limited ? t('pushes.noAccess') : t('pushes.emptyHint')}
              </Typography.Text>
            </Flex>
          }
        />
      ) : (
        <Flex vertical component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {pushes.map((p) => (
            <PushRow key={p.key} push={p} />
          ))}
        </Flex>
      )}
    </Card>
  );
}

function PushRow({ push }: { push: PushEntry }) {
  const { t } = useTranslation('dashboard');
  const { token } = theme.useToken();
  const reference = push.tag ?? push.digest ?? '';
  const shown = push.tag ? `${push.repository}:${push.tag}` : `${push.repository}@${shortDigest(reference)}`;
  return (
    <Flex
      component="li"
      align="center"
      gap={12}
      style={{ padding: '10px 0', borderBottom: `1px solid ${token.colorBorderSecondary}` }}
    >
      <Avatar
        shape="square"
        icon={<CloudUploadOutlined />}
        style={{
          background: push.live ? token.colorSuccessBg : token.colorPrimaryBg,
          color: push.live ? token.colorSuccess : token.colorPrimary,
          flex: 'none',
        }}
      />
      <Flex vertical style={{ minWidth: 0, flex: 1 }}>
        <Flex align="center" gap={8} style={{ minWidth: 0 }}>
          <Link
            to={paths.artifact(push.project, push.repository, reference)}
            style={{
              fontFamily: token.fontFamilyCode,
              overflow: 'hidden',
              textOverflow: 'ellipsis',
              whiteSpace: 'nowrap',
            }}
            title={push.tag ? `${push.repository}:${push.tag}` : `${push.repository}@${reference}`}
          >
            {shown}
          </Link>
          {push.live && <Tag color="success">{t('pushes.justNow')}</Tag>}
        </Flex>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {push.username ? t('pushes.by', { name: push.username }) : t('pushes.inProject', { name: push.project })}
        </Typography.Text>
      </Flex>
      <Typography.Text type="secondary" style={{ flex: 'none', fontSize: 12 }}>
        <TimeText value={push.at} />
      </Typography.Text>
    </Flex>
  );
}

/** What to type to get an image in: the registry host is the portal's own. */
export function PushHelpCard() {
  const { t } = useTranslation('dashboard');
  const { token } = theme.useToken();
  const host = window.location.host;
  const steps = [
    { title: t('pushes.steps.login'), command: `docker login ${host}` },
    { title: t('pushes.steps.tag'), command: `docker tag busybox:latest ${host}/library/busybox:latest` },
    { title: t('pushes.steps.push'), command: `docker push ${host}/library/busybox:latest` },
  ];
  const plainHttp =
    window.location.protocol === 'http:' && !/^(localhost|127\.|\[::1\])/.test(window.location.hostname);
  return (
    <Card title={t('pushes.helpTitle')} style={{ height: '100%' }}>
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">{t('pushes.helpIntro')}</Typography.Text>
        <ol style={{ margin: 0, paddingInlineStart: 20, display: 'flex', flexDirection: 'column', gap: 12 }}>
          {steps.map((s) => (
            <li key={s.command}>
              <Typography.Text>{s.title}</Typography.Text>
              <Flex
                align="center"
                justify="space-between"
                gap={8}
                style={{
                  marginTop: 4,
                  padding: '6px 8px 6px 12px',
                  background: token.colorFillQuaternary,
                  border: `1px solid ${token.colorBorderSecondary}`,
                  borderRadius: token.borderRadius,
                }}
              >
                <code style={{ fontFamily: token.fontFamilyCode, fontSize: 12, wordBreak: 'break-all' }}>
                  {s.command}
                </code>
                <CopyButton text={s.command} label={s.title} />
              </Flex>
            </li>
          ))}
        </ol>
        {plainHttp && <Alert type="warning" showIcon title={t('pushes.plainHttp', { host })} />}
      </Flex>
    </Card>
  );
}
