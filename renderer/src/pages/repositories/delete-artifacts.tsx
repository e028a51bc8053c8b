import { Alert, App, Flex, Tag, Typography, theme } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { Artifact } from '../../api/types';
import { shortDigest } from '../../components/format';
import { useArtifactActions } from './artifact-actions';
import { isIndex } from './platform';
import { newestFirst } from './tag-order';

const tagNames = (a: Artifact) => newestFirst(a.tags ?? [], (t) => t.name).map((t) => t.name);

/**
 * What a deletion will take: each artifact with its tags, and the warnings that matter before
 * confirming: an artifact goes with every tag it carries; an immutable tag makes the registry refuse;
 * an index takes its untagged platform images along.
 */
export function DeleteArtifactsSummary({ artifacts }: { artifacts: readonly Artifact[] }) {
  const { t } = useTranslation('repositories');
  const { token } = theme.useToken();
  const multiTagged = artifacts.filter((a) => (a.tags?.length ?? 0) > 1);
  const immutable = artifacts.filter((a) => a.tags?.some((tag) => tag.immutable));
  const indexes = artifacts.filter(isIndex);
  return (
    <Flex vertical gap={12} style={{ marginTop: 8 }}>
      {multiTagged.length > 0 && (
        <Alert
          type="warning"
          showIcon
          title={t('deleteMultiTagWarning')}
          description={
            <Flex vertical gap={4}>
              {multiTagged.map((a) => (
                <div key={a.id}>
                  <Typography.Text code>{shortDigest(a.digest)}</Typography.Text>{' '}
                  {t('carriesTags', { count: a.tags?.length ?? 0, tags: tagNames(a).join(', ') })}
                </div>
              ))}
            </Flex>
          }
        />
      )}
      {immutable.length > 0 && (
        <Alert
          type="error"
          showIcon
          title={t('deleteImmutableWarning')}
          description={immutable
            .map(
              (a) =>
                `${shortDigest(a.digest)}: ${(a.tags ?? [])
                  .filter((tag) => tag.immutable)
                  .map((tag) => tag.name)
                  .join(', ')}`,
            )
            .join('; ')}
        />
      )}
      {indexes.length > 0 && <Alert type="info" showIcon title={t('deleteIndexNote')} />}
      <div
        style={{
          maxHeight: 260,
          overflow: 'auto',
          border: `1px solid ${token.colorBorderSecondary}`,
          borderRadius: token.borderRadius,
        }}
      >
        {artifacts.map((a, i) => (
          <Flex
            key={a.id}
            gap={8}
            wrap
            align="center"
            style={{
              padding: '8px 12px',
              borderTop: i === 0 ? undefined : `1px solid ${token.colorBorderSecondary}`,
            }}
          >
            <Typography.Text code>{shortDigest(a.digest)}</Typography.Text>
            {tagNames(a).length === 0 ? (
              <Typography.Text type="secondary">{t('untagged')}</Typography.Text>
            ) : (
              tagNames(a).map((name) => (
                <Tag key={name} style={{ marginInlineEnd: 0 }}>
                  {name}
                </Tag>
              ))
            )}
          </Flex>
        ))}
      </div>
    </Flex>
  );
}

/** Opens the confirmation for deleting artifacts and reports what happened; `done` gets the deleted digests. */
export function useConfirmDeleteArtifacts(projectName: string, fullName: string) {
  const { t } = useTranslation('repositories');
  const { modal, message } = App.useApp();
  const { deleteArtifacts } = useArtifactActions(projectName, fullName);
  return useCallback(
    (artifacts: readonly Artifact[], done?: (deleted: string[]) => void) => {
      modal.confirm({
        title: t('deleteArtifactsTitle', { count: artifacts.length }),
        width: 620,
        content: <DeleteArtifactsSummary artifacts={artifacts} />,
        okText: t('common:delete'),
        okButtonProps: { danger: true },
        cancelText: t('common:cancel'),
        onOk: async () => {
          const outcome = await deleteArtifacts(artifacts);
          done?.(outcome.deleted);
          if (outcome.failed.length === 0) {
            void message.success(t('artifactsDeleted', { count: outcome.deleted.length }));
            return;
          }
          modal.error({
            title: t('deleteArtifactsFailed', { count: outcome.failed.length }),
            width: 620,
            content: (
              <Flex vertical gap={6}>
                {outcome.failed.map((f) => (
                  <div key={f.digest}>
                    <Typography.Text code>{shortDigest(f.digest)}</Typography.Text> {f.message}
                  </div>
                ))}
              </Flex>
            ),
          });
        },
      });
    },
    [modal, message, t, deleteArtifacts],
  );
}
