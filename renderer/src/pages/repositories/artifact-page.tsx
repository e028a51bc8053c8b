import { DeleteOutlined, DownloadOutlined, LockOutlined, PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Descriptions,
  Empty,
  Flex,
  Form,
  Input,
  Result,
  Skeleton,
  Table,
  Tabs,
  Tooltip,
  Typography,
  theme,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError } from '../../api/client';
import type { Artifact, Tag as ArtifactTag } from '../../api/types';
import { CopyButton } from '../../components/copy-button';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { formatBytes, formatTime, shortDigest } from '../../components/format';
import { PageHeader } from '../../components/page-header';
import { TimeText } from '../../components/time-text';
import { paths } from '../../routes';
import { useArtifactActions } from './artifact-actions';
import { ArtifactTypeTag, ImmutableBadge, LabelChips, TagChips } from './artifact-bits';
import { ArtifactLayers } from './artifact-layers';
import { ArtifactReferrers, PlatformTable } from './artifact-referrers';
import { ArtifactSbom } from './artifact-sbom';
import { ArtifactVulnerabilities } from './artifact-vulnerabilities';
import { useConfirmDeleteArtifacts } from './delete-artifacts';
import { formatPlatform, isIndex, platformsOf } from './platform';
import { PullCommandPopover, referencesOf } from './pull-command-popover';
import { useArtifact, useProjectAccess } from './queries';
import { newestFirst } from './tag-order';

const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** One artifact: what it is, its tags, layers, config, annotations and what refers to it. */
export function ArtifactPage() {
  const { t } = useTranslation('repositories');
  const params = useParams();
  const navigate = useNavigate();
  const projectName = params.projectName ?? '';
  const withinProject = params.repositoryName ?? '';
  const reference = params.reference ?? '';
  const fullName = `${projectName}/${withinProject}`;
  const access = useProjectAccess(projectName);
  const query = useArtifact(projectName, fullName, reference);
  const confirmDelete = useConfirmDeleteArtifacts(projectName, fullName);
  // `?tab=vulnerabilities` (the severity bar's link) opens that tab; switching tabs keeps the URL shareable.
  const [search, setSearch] = useSearchParams();
  const tab = search.get('tab') ?? 'overview';
  const setTab = (key: string) =>
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (key === 'overview') next.delete('tab');
        else next.set('tab', key);
        return next;
      },
      { replace: true },
    );

  const crumbs = [
    { title: t('common:nav.projects'), to: paths.projects },
    { title: projectName, to: paths.project(projectName) },
    { title: withinProject, to: paths.repository(projectName, fullName) },
  ];
  const byDigest = reference.includes(':');
  const heading = `${withinProject}${byDigest ? `@${shortDigest(reference)}` : `:${reference}`}`;

  if (query.error instanceof ApiError && query.error.status === 404) {
    return (
      <>
        <PageHeader crumbs={crumbs} title={heading} />
        <Result
          status="404"
          title={t('artifactNotFound')}
          subTitle={t('artifactNotFoundHint', { reference })}
          extra={
            <Link to={paths.repository(projectName, fullName)}>
              <Button type="primary">{t('backToRepository')}</Button>
            </Link>
          }
        />
      </>
    );
  }
  const artifact = query.data;
  if (!artifact) {
    return (
      <>
        <PageHeader crumbs={crumbs} title={heading} />
        <ErrorAlert error={query.error} />
        {query.isLoading && <Skeleton active paragraph={{ rows: 8 }} />}
      </>
    );
  }

  const index = isIndex(artifact);
  // After its tag is deleted, a page opened by that tag follows the artifact by digest.
  const onTagDeleted = (tag: string) => {
    if (tag === reference) void navigate(paths.artifact(projectName, fullName, artifact.digest), { replace: true });
  };
  const immutable = (artifact.tags ?? []).some((tag) => tag.immutable);
  const configJson = artifact.type === 'IMAGE' ? artifact.extra_attrs?.config : artifact.extra_attrs;

  return (
    <>
      <PageHeader
        crumbs={[...crumbs, { title: shortDigest(artifact.digest) }]}
        title={
          <Flex align="center" gap={8} wrap>
            <span>{heading}</span>
            <ArtifactTypeTag artifact={artifact} />
            {immutable && <ImmutableBadge />}
          </Flex>
        }
        extra={
          <>
            <PullCommandPopover
              repository={fullName}
              references={referencesOf(artifact)}
              initial={byDigest ? undefined : reference}
              type={artifact.type}
            >
              <Button icon={<DownloadOutlined />}>{t('pullCommands')}</Button>
            </PullCommandPopover>
            {access.canDelete && (
              <Button
                danger
                icon={<DeleteOutlined />}
                onClick={() =>
                  confirmDelete([artifact], (deleted) => {
                    if (deleted.includes(artifact.digest)) void navigate(paths.repository(projectName, fullName));
                  })
                }
              >
                {t('deleteArtifact')}
              </Button>
            )}
          </>
        }
      />
      <Card size="small" style={{ marginBottom: 16 }}>
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 2, lg: 4 }}
          items={[
            {
              key: 'digest',
              label: t('digest'),
              span: 'filled',
              children: (
                <Flex align="center" gap={2} style={{ minWidth: 0 }}>
                  <Typography.Text code style={{ wordBreak: 'break-all' }}>
                    {artifact.digest}
                  </Typography.Text>
                  <CopyButton text={artifact.digest} label={t('digest')} />
                </Flex>
              ),
            },
            {
              key: 'tags',
              label: t('tags'),
              span: 'filled',
              children: (
                <TagChips
                  artifact={artifact}
                  projectName={projectName}
                  repository={fullName}
                  canDelete={access.canDelete}
                  max={12}
                  onTagDeleted={onTagDeleted}
                />
              ),
            },
            { key: 'size', label: t('size'), children: formatBytes(artifact.size) },
            { key: 'push', label: t('pushTime'), children: <TimeText value={artifact.push_time} /> },
            { key: 'pull', label: t('pullTime'), children: <TimeText value={artifact.pull_time} /> },
            { key: 'labels', label: t('labels'), children: <LabelChips labels={artifact.labels} /> },
          ]}
        />
      </Card>
      <Card size="small">
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={[
            {
              key: 'overview',
              label: t('tabOverview'),
              children: (
                <Overview
                  artifact={artifact}
                  projectName={projectName}
                  repository={fullName}
                  canDelete={access.canDelete}
                  canTag={access.canTag}
                  onTagDeleted={onTagDeleted}
                />
              ),
            },
            ...(index
              ? []
              : [
                  {
                    key: 'layers',
                    label: t('tabLayers'),
                    children: <ArtifactLayers projectName={projectName} repository={fullName} artifact={artifact} />,
                  },
                  {
                    key: 'config',
                    label: t('tabConfig'),
                    children: <JsonView value={configJson} label={t('configJson')} />,
                  },
                ]),
            ...(artifact.type === 'IMAGE'
              ? [
                  {
                    key: 'vulnerabilities',
                    label: t('scanner:artifact.tabVulnerabilities'),
                    children: (
                      <ArtifactVulnerabilities
                        artifact={artifact}
                        projectName={projectName}
                        repository={fullName}
                        canScan={access.canTag}
                      />
                    ),
                  },
                  {
                    key: 'sbom',
                    label: t('scanner:artifact.tabSbom'),
                    children: (
                      <ArtifactSbom
                        artifact={artifact}
                        projectName={projectName}
                        repository={fullName}
                        canScan={access.canTag}
                      />
                    ),
                  },
                ]
              : []),
            {
              key: 'annotations',
              label: t('tabAnnotations'),
              children: <Annotations artifact={artifact} />,
            },
            {
              key: 'referrers',
              label: t('tabReferrers', {
                count: (artifact.accessories?.length ?? 0) + (artifact.references?.length ?? 0),
              }),
              children: <ArtifactReferrers projectName={projectName} repository={fullName} artifact={artifact} />,
            },
          ]}
        />
      </Card>
    </>
  );
}

function Overview({
  artifact,
  projectName,
  repository,
  canDelete,
  canTag,
  onTagDeleted,
}: {
  artifact: Artifact;
  projectName: string;
  repository: string;
  canDelete: boolean;
  canTag: boolean;
  onTagDeleted: (tag: string) => void;
}) {
  const { t, i18n } = useTranslation('repositories');
  const attrs = artifact.extra_attrs ?? {};
  const index = isIndex(artifact);
  const image = artifact.type === 'IMAGE' && !index;
  const items = [
    { key: 'type', label: t('type'), children: artifact.type },
    {
      key: 'mediaType',
      label: t('manifestMediaType'),
      children: <Typography.Text code>{artifact.manifest_media_type}</Typography.Text>,
    },
  ];
  if (artifact.media_type && artifact.media_type !== artifact.manifest_media_type) {
    items.push({
      key: 'configType',
      label: t('configMediaType'),
      children: <Typography.Text code>{artifact.media_type}</Typography.Text>,
    });
  }
  if (artifact.artifact_type && artifact.artifact_type !== artifact.media_type) {
    items.push({
      key: 'artifactType',
      label: t('artifactType'),
      children: <Typography.Text code>{artifact.artifact_type}</Typography.Text>,
    });
  }
  if (index) {
    items.push({
      key: 'platforms',
      label: t('platformList'),
      children: <>{platformsOf(artifact).join(', ') || '—'}</>,
    });
  }
  if (image) {
    items.push(
      { key: 'platform', label: t('platform'), children: <>{formatPlatform(attrs) || '—'}</> },
      { key: 'os', label: t('os'), children: <>{str(attrs.os) || '—'}</> },
      {
        key: 'arch',
        label: t('architecture'),
        children: <>{[str(attrs.architecture), str(attrs.variant)].filter(Boolean).join(' / ') || '—'}</>,
      },
      { key: 'created', label: t('created'), children: <>{formatTime(str(attrs.created), i18n.language)}</> },
      { key: 'author', label: t('author'), children: <>{str(attrs.author) || '—'}</> },
    );
  } else if (!index) {
    // Charts and other artifacts: the usual descriptive fields of their config.
    for (const field of ['name', 'version', 'appVersion', 'description']) {
      if (str(attrs[field])) items.push({ key: field, label: field, children: <>{str(attrs[field])}</> });
    }
  }

  return (
    <Flex vertical gap={24}>
      <Descriptions size="small" bordered column={{ xs: 1, md: 2 }} items={items} />
      {index && (
        <div>
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {t('platforms', { count: artifact.references?.length ?? 0 })}
          </Typography.Title>
          <PlatformTable projectName={projectName} repository={repository} references={artifact.references ?? []} />
        </div>
      )}
      <TagsTable
        artifact={artifact}
        projectName={projectName}
        repository={repository}
        canDelete={canDelete}
        canTag={canTag}
        onTagDeleted={onTagDeleted}
      />
    </Flex>
  );
}

function TagsTable({
  artifact,
  projectName,
  repository,
  canDelete,
  canTag,
  onTagDeleted,
}: {
  artifact: Artifact;
  projectName: string;
  repository: string;
  canDelete: boolean;
  canTag: boolean;
  onTagDeleted: (tag: string) => void;
}) {
  const { t } = useTranslation('repositories');
  const { modal, message } = App.useApp();
  const { addTag, deleteTag } = useArtifactActions(projectName, repository);
  const [form] = Form.useForm<{ tag: string }>();
  const [adding, setAdding] = useState(false);
  const tags = newestFirst(artifact.tags ?? [], (tag) => tag.name);

  const submit = async ({ tag }: { tag: string }) => {
    setAdding(true);
    try {
      await addTag(artifact.digest, tag.trim());
      void message.success(t('tagAdded', { tag: tag.trim() }));
      form.resetFields();
    } catch (err) {
      form.setFields([{ name: 'tag', errors: [errorMessage(err)] }]);
    } finally {
      setAdding(false);
    }
  };

  const confirmDelete = (tag: ArtifactTag) =>
    modal.confirm({
      title: t('deleteTagTitle', { tag: tag.name }),
      content: t('deleteTagBody', { digest: shortDigest(artifact.digest) }),
      okText: t('common:delete'),
      okButtonProps: { danger: true },
      cancelText: t('common:cancel'),
      onOk: async () => {
        try {
          await deleteTag(artifact.digest, tag.name);
          void message.success(t('tagDeleted', { tag: tag.name }));
          onTagDeleted(tag.name);
        } catch (err) {
          void message.error(errorMessage(err));
        }
      },
    });

  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 8 }}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          {t('tagsCount', { count: tags.length })}
        </Typography.Title>
        {canTag && (
          <Form form={form} layout="inline" onFinish={(v) => void submit(v)} requiredMark={false}>
            <Form.Item
              name="tag"
              label={t('newTag')}
              rules={[
                { required: true, message: t('tagRequired') },
                { pattern: TAG_PATTERN, message: t('tagInvalid') },
              ]}
              style={{ marginInlineEnd: 8 }}
            >
              <Input placeholder="v1.0.0" style={{ width: 200 }} />
            </Form.Item>
            <Button htmlType="submit" icon={<PlusOutlined />} loading={adding}>
              {t('addTag')}
            </Button>
          </Form>
        )}
      </Flex>
      <Table<ArtifactTag>
        rowKey="id"
        size="middle"
        dataSource={tags}
        pagination={tags.length > 20 ? { pageSize: 20 } : false}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('noTags')} /> }}
        columns={[
          {
            title: t('tag'),
            key: 'name',
            render: (_, tag) => (
              <Flex gap={6} align="center">
                {tag.immutable && (
                  <Tooltip title={t('immutableTagHint')}>
                    <LockOutlined aria-label={t('immutable')} style={{ color: '#d48806' }} />
                  </Tooltip>
                )}
                <Typography.Text strong>{tag.name}</Typography.Text>
              </Flex>
            ),
          },
          { title: t('pushTime'), key: 'push', width: 170, render: (_, tag) => <TimeText value={tag.push_time} /> },
          { title: t('pullTime'), key: 'pull', width: 170, render: (_, tag) => <TimeText value={tag.pull_time} /> },
          {
            title: t('common:actions'),
            key: 'actions',
            width: 110,
            align: 'center',
            render: (_, tag) => (
              <Flex justify="center" gap={2}>
                <PullCommandPopover repository={repository} references={[tag.name]} type={artifact.type}>
                  <Tooltip title={t('pullCommands')}>
                    <Button
                      type="text"
                      size="small"
                      icon={<DownloadOutlined />}
                      aria-label={t('pullCommandsFor', { digest: tag.name })}
                    />
                  </Tooltip>
                </PullCommandPopover>
                {canDelete && (
                  <Tooltip title={tag.immutable ? t('immutableTagHint') : t('deleteTag')}>
                    <Button
                      type="text"
                      size="small"
                      danger
                      disabled={tag.immutable}
                      icon={<DeleteOutlined />}
                      aria-label={t('deleteTagNamed', { tag: tag.name })}
                      onClick={() => confirmDelete(tag)}
                    />
                  </Tooltip>
                )}
              </Flex>
            ),
          },
        ]}
      />
    </div>
  );
}

/** Pretty-printed JSON with a copy button. */
function JsonView({ value, label }: { value: unknown; label: string }) {
  const { t } = useTranslation('repositories');
  const { token } = theme.useToken();
  if (value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0)) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('noConfig')} />;
  }
  const text = JSON.stringify(value, null, 2);
  return (
    <div style={{ position: 'relative' }}>
      <div style={{ position: 'absolute', top: 8, insetInlineEnd: 8 }}>
        <CopyButton text={text} label={label} />
      </div>
      <pre
        style={{
          margin: 0,
          padding: '12px 48px 12px 16px',
          background: token.colorFillQuaternary,
          border: `1px solid ${token.colorBorderSecondary}`,
          borderRadius: token.borderRadius,
          fontFamily: token.fontFamilyCode,
          fontSize: token.fontSizeSM,
          lineHeight: 1.6,
          maxHeight: 560,
          overflow: 'auto',
          whiteSpace: 'pre-wrap',
          wordBreak: 'break-word',
        }}
      >
        {text}
      </pre>
    </div>
  );
}

function KeyValueTable({ entries, empty }: { entries: [string, string][]; empty: string }) {
  const { t } = useTranslation('repositories');
  return (
    <Table<{ key: string; value: string }>
      rowKey="key"
      size="middle"
      pagination={false}
      dataSource={entries.map(([key, value]) => ({ key, value }))}
      locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={empty} /> }}
      columns={[
        {
          title: t('annotationKey'),
          key: 'key',
          width: '40%',
          render: (_, e) => <Typography.Text code>{e.key}</Typography.Text>,
        },
        {
          title: t('annotationValue'),
          key: 'value',
          render: (_, e) => <Typography.Text style={{ wordBreak: 'break-word' }}>{e.value}</Typography.Text>,
        },
      ]}
    />
  );
}

/** The manifest's annotations, and for images the config's labels (what `docker inspect` shows). */
function Annotations({ artifact }: { artifact: Artifact }) {
  const { t } = useTranslation('repositories');
  const annotations = Object.entries(artifact.annotations ?? {});
  const config = artifact.extra_attrs?.config;
  const labels =
    artifact.type === 'IMAGE' && config && typeof config === 'object'
      ? Object.entries(((config as { Labels?: Record<string, string> }).Labels ?? {}) as Record<string, string>)
      : [];
  return (
    <Flex vertical gap={24}>
      <div>
        <Typography.Title level={5} style={{ marginTop: 0 }}>
          {t('manifestAnnotations')}
        </Typography.Title>
        <KeyValueTable entries={annotations} empty={t('noAnnotations')} />
      </div>
      {artifact.type === 'IMAGE' && !isIndex(artifact) && (
        <div>
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {t('configLabels')}
          </Typography.Title>
          <KeyValueTable entries={labels.map(([k, v]) => [k, String(v)])} empty={t('noConfigLabels')} />
        </div>
      )}
    </Flex>
  );
}
