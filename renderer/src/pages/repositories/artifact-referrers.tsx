import { FileProtectOutlined, FileTextOutlined, LinkOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Empty, Flex, Table, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Accessory, Artifact, Reference } from '../../api/types';
import { CopyButton } from '../../components/copy-button';
import { formatBytes, shortDigest } from '../../components/format';
import { TimeText } from '../../components/time-text';
import { paths } from '../../routes';
import { formatPlatform } from './platform';

/** Harbor's accessory types (artifact-json.ts ACCESSORY_TYPES), each with its icon. */
const ACCESSORY_ICONS: Record<string, ReactNode> = {
  'signature.cosign': <SafetyCertificateOutlined />,
  'signature.notation': <FileProtectOutlined />,
  'harbor.sbom': <FileTextOutlined />,
};

export function accessoryKind(type: string): 'signature' | 'sbom' | 'other' {
  if (type.startsWith('signature.')) return 'signature';
  if (type.endsWith('sbom')) return 'sbom';
  return 'other';
}

function DigestLink({ projectName, repository, digest }: { projectName: string; repository: string; digest: string }) {
  const { t } = useTranslation('repositories');
  return (
    <Flex align="center" gap={2}>
      <Link to={paths.artifact(projectName, repository, digest)}>
        <Typography.Text code style={{ whiteSpace: 'nowrap' }}>
          {shortDigest(digest)}
        </Typography.Text>
      </Link>
      <CopyButton text={digest} label={t('digestOf', { digest: shortDigest(digest) })} />
    </Flex>
  );
}

/** An index's children: one line per platform, each a link to that image. */
export function PlatformTable({
  projectName,
  repository,
  references,
}: {
  projectName: string;
  repository: string;
  references: Reference[];
}) {
  const { t } = useTranslation('repositories');
  return (
    <Table<Reference>
      rowKey="child_digest"
      size="middle"
      pagination={false}
      dataSource={references}
      columns={[
        {
          title: t('platform'),
          key: 'platform',
          render: (_, r) => (
            <Link to={paths.artifact(projectName, repository, r.child_digest)}>
              {formatPlatform(r.platform) || t('unknownPlatform')}
            </Link>
          ),
        },
        {
          title: t('digest'),
          key: 'digest',
          width: 240,
          render: (_, r) => <DigestLink projectName={projectName} repository={repository} digest={r.child_digest} />,
        },
        {
          title: t('annotations'),
          key: 'annotations',
          render: (_, r) =>
            r.annotations && Object.keys(r.annotations).length > 0 ? (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {Object.entries(r.annotations)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ')}
              </Typography.Text>
            ) : (
              <Typography.Text type="secondary">—</Typography.Text>
            ),
        },
      ]}
    />
  );
}

/** Signatures, SBOMs and other referrers of an artifact; for an index, also its platform images. */
export function ArtifactReferrers({
  projectName,
  repository,
  artifact,
}: {
  projectName: string;
  repository: string;
  artifact: Artifact;
}) {
  const { t } = useTranslation('repositories');
  const accessories = artifact.accessories ?? [];
  const children = artifact.references ?? [];
  return (
    <Flex vertical gap={24}>
      <div>
        <Typography.Title level={5} style={{ marginTop: 0 }}>
          {t('accessories')}
        </Typography.Title>
        <Table<Accessory>
          rowKey="id"
          size="middle"
          pagination={false}
          dataSource={accessories}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('noAccessories')} /> }}
          columns={[
            {
              title: t('accessoryType'),
              key: 'type',
              render: (_, a) => (
                <Flex gap={8} align="center">
                  {ACCESSORY_ICONS[a.type] ?? <LinkOutlined />}
                  <span>{t(`accessory.${accessoryKind(a.type)}`)}</span>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {a.type}
                  </Typography.Text>
                </Flex>
              ),
            },
            {
              title: t('digest'),
              key: 'digest',
              width: 240,
              render: (_, a) => <DigestLink projectName={projectName} repository={repository} digest={a.digest} />,
            },
            { title: t('size'), key: 'size', width: 110, align: 'right', render: (_, a) => formatBytes(a.size) },
            { title: t('created'), key: 'created', width: 160, render: (_, a) => <TimeText value={a.creation_time} /> },
          ]}
        />
      </div>
      {children.length > 0 && (
        <div>
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {t('indexChildren', { count: children.length })}
          </Typography.Title>
          <PlatformTable projectName={projectName} repository={repository} references={children} />
        </div>
      )}
    </Flex>
  );
}
