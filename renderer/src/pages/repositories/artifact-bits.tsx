import { CloseOutlined, LockOutlined, TagOutlined } from '@ant-design/icons';
import { App, Flex, Popover, Tag, Tooltip, Typography } from 'antd';
import { forwardRef, type ButtonHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import type { Artifact, Label, Tag as ArtifactTag } from '../../api/types';
import { errorMessage } from '../../components/error-alert';
import { shortDigest } from '../../components/format';
import { useArtifactActions } from './artifact-actions';
import { PullCommandList } from './pull-command-popover';
import { isIndex, platformsOf } from './platform';
import { newestFirst } from './tag-order';

/** A button that looks like the text it wraps (a tag name that opens its pull commands). */
export const PlainButton = forwardRef<HTMLButtonElement, ButtonHTMLAttributes<HTMLButtonElement>>(function PlainButton(
  { style, ...props },
  ref,
) {
  return (
    <button
      ref={ref}
      type="button"
      {...props}
      style={{
        background: 'none',
        border: 0,
        padding: 0,
        font: 'inherit',
        color: 'inherit',
        cursor: 'pointer',
        ...style,
      }}
    />
  );
});

/**
 * One tag: a click shows its pull commands; the cross deletes the tag (not the artifact) after a
 * confirmation. Immutable tags carry a lock and no cross: the registry would refuse.
 */
export function TagChip({
  tag,
  artifact,
  projectName,
  repository,
  canDelete,
  onDeleted,
}: {
  tag: ArtifactTag;
  artifact: Artifact;
  projectName: string;
  repository: string;
  canDelete: boolean;
  onDeleted?: (tag: string) => void;
}) {
  const { t } = useTranslation('repositories');
  const { modal, message } = App.useApp();
  const { deleteTag } = useArtifactActions(projectName, repository);
  const confirmDelete = () => {
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
          onDeleted?.(tag.name);
        } catch (err) {
          void message.error(errorMessage(err));
        }
      },
    });
  };
  return (
    <Tag
      color={tag.immutable ? 'gold' : 'blue'}
      icon={
        tag.immutable ? (
          <Tooltip title={t('immutableTagHint')}>
            <LockOutlined aria-label={t('immutable')} />
          </Tooltip>
        ) : (
          <TagOutlined />
        )
      }
      closable={canDelete && !tag.immutable}
      closeIcon={<CloseOutlined aria-label={t('deleteTagNamed', { tag: tag.name })} />}
      onClose={(e) => {
        e.preventDefault();
        confirmDelete();
      }}
      style={{ marginInlineEnd: 0 }}
    >
      <Popover
        trigger="click"
        destroyOnHidden
        title={t('pullTag', { tag: tag.name })}
        content={
          <div style={{ width: 520, maxWidth: '80vw' }}>
            <PullCommandList repository={repository} reference={tag.name} type={artifact.type} />
          </div>
        }
      >
        <PlainButton>{tag.name}</PlainButton>
      </Popover>
    </Tag>
  );
}

/** An artifact's tags, newest version first; past `max` the rest open in a popover. */
export function TagChips({
  artifact,
  projectName,
  repository,
  canDelete,
  max = 4,
  onTagDeleted,
}: {
  artifact: Artifact;
  projectName: string;
  repository: string;
  canDelete: boolean;
  max?: number;
  onTagDeleted?: (tag: string) => void;
}) {
  const { t } = useTranslation('repositories');
  const tags = newestFirst(artifact.tags ?? [], (tag) => tag.name);
  if (tags.length === 0) return <Typography.Text type="secondary">{t('untagged')}</Typography.Text>;
  const chip = (tag: ArtifactTag) => (
    <TagChip
      key={tag.id}
      tag={tag}
      artifact={artifact}
      projectName={projectName}
      repository={repository}
      canDelete={canDelete}
      onDeleted={onTagDeleted}
    />
  );
  const shown = tags.slice(0, max);
  const rest = tags.slice(max);
  return (
    <Flex wrap gap={4}>
      {shown.map(chip)}
      {rest.length > 0 && (
        <Popover
          trigger="click"
          title={t('allTags', { count: tags.length })}
          content={
            <Flex wrap gap={4} style={{ maxWidth: 420 }}>
              {rest.map(chip)}
            </Flex>
          }
        >
          <Tag style={{ marginInlineEnd: 0 }}>
            <PlainButton>{t('moreTags', { count: rest.length })}</PlainButton>
          </Tag>
        </Popover>
      )}
    </Flex>
  );
}

export function LabelChips({ labels }: { labels: Label[] | null | undefined }) {
  if (!labels || labels.length === 0) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <Flex wrap gap={4}>
      {labels.map((l) => (
        <Tooltip key={l.id} title={l.description || undefined}>
          <Tag color={l.color || undefined} style={{ marginInlineEnd: 0 }}>
            {l.name}
          </Tag>
        </Tooltip>
      ))}
    </Flex>
  );
}

/** Harbor's type names, shorter for an index (it is an image for every platform it lists). */
export function ArtifactTypeTag({ artifact }: { artifact: Artifact }) {
  const { t } = useTranslation('repositories');
  if (isIndex(artifact)) return <Tag color="purple">{t('typeIndex')}</Tag>;
  const colors: Record<string, string> = { IMAGE: 'geekblue', CHART: 'cyan', CNAB: 'orange', WASM: 'magenta' };
  return <Tag color={colors[artifact.type] ?? 'default'}>{artifact.type}</Tag>;
}

/**
 * Type and platforms: an index lists its children's os/arch; a platform image that an index on the
 * same page lists says which one.
 */
export function TypeCell({ artifact, parentTags }: { artifact: Artifact; parentTags?: string[] }) {
  const { t } = useTranslation('repositories');
  const platforms = platformsOf(artifact);
  return (
    <Flex vertical gap={4} align="start">
      <ArtifactTypeTag artifact={artifact} />
      {platforms.length > 0 && (
        <Flex wrap gap={4}>
          {platforms.map((p, i) => (
            <Typography.Text key={`${p}-${i}`} type="secondary" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
              {p}
              {i < platforms.length - 1 ? ',' : ''}
            </Typography.Text>
          ))}
        </Flex>
      )}
      {parentTags && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {parentTags.length > 0 ? t('partOfIndexTagged', { tags: parentTags.join(', ') }) : t('partOfIndex')}
        </Typography.Text>
      )}
    </Flex>
  );
}

export function ImmutableBadge() {
  const { t } = useTranslation('repositories');
  return (
    <Tooltip title={t('immutableTagHint')}>
      <Tag color="gold" icon={<LockOutlined />}>
        {t('immutable')}
      </Tag>
    </Tooltip>
  );
}
