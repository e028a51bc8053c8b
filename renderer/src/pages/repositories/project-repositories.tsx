import { InboxOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { App, Card, Empty, Flex, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError, api, repoWithinProject } from '../../api/client';
import type { Repository } from '../../api/types';
import { CopyButton } from '../../components/copy-button';
import { errorMessage } from '../../components/error-alert';
import { pushCommands } from './pull-commands';
import { repositoryPath, useProjectAccess } from './queries';
import { RepositoryTable } from './repository-table';

/** `docker login`, `tag` and `push` for this project, each with a copy button. */
function PushCommands({ projectName }: { projectName: string }) {
  const { t } = useTranslation('repositories');
  const { token } = theme.useToken();
  const commands = pushCommands(window.location.host, projectName);
  const steps = [
    { key: 'login', title: t('pushStepLogin'), command: commands.login },
    { key: 'tag', title: t('pushStepTag'), command: commands.tag },
    { key: 'push', title: t('pushStepPush'), command: commands.push },
  ];
  return (
    <Flex vertical gap={10} style={{ textAlign: 'start', width: '100%', maxWidth: 640 }}>
      {steps.map((s, i) => (
        <div key={s.key}>
          <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
            {i + 1}. {s.title}
          </Typography.Text>
          <Flex align="center" gap={8}>
            <Typography.Text code style={{ flex: 1, minWidth: 0, wordBreak: 'break-all' }}>
              {s.command}
            </Typography.Text>
            <CopyButton text={s.command} label={t('pushCommandLabel', { step: s.key })} />
          </Flex>
        </div>
      ))}
    </Flex>
  );
}

/** The repositories of one project (the project page's first tab). */
export function ProjectRepositories({ projectName }: { projectName: string }) {
  const { t } = useTranslation('repositories');
  const { modal, message } = App.useApp();
  const queryClient = useQueryClient();
  const access = useProjectAccess(projectName);

  const confirmDelete = (repository: Repository) => {
    modal.confirm({
      title: t('deleteRepositoryTitle', { name: repository.name }),
      content: t('deleteRepositoryBody', { count: repository.artifact_count }),
      okText: t('common:delete'),
      okButtonProps: { danger: true },
      cancelText: t('common:cancel'),
      onOk: async () => {
        try {
          await api.delete(repositoryPath(projectName, repoWithinProject(projectName, repository.name)));
          void message.success(t('repositoryDeleted', { name: repository.name }));
        } catch (err) {
          // An immutable tag rule refuses the whole deletion (412); say which tag, as the server does.
          modal.error({
            title: t('deleteRepositoryFailed', { name: repository.name }),
            content:
              err instanceof ApiError && err.status === 412
                ? `${errorMessage(err)} ${t('immutableRefusalHint')}`
                : errorMessage(err),
          });
        } finally {
          for (const key of ['repositories', 'projects', 'project', 'artifacts', 'statistics', 'quotas']) {
            void queryClient.invalidateQueries({ queryKey: [key] });
          }
        }
      },
    });
  };

  return (
    <RepositoryTable
      listPath={`projects/${encodeURIComponent(projectName)}/repositories`}
      queryKey={['repositories', 'project', projectName]}
      projectName={projectName}
      onDelete={access.canDelete ? confirmDelete : undefined}
      empty={
        <Card>
          <Empty
            image={<InboxOutlined style={{ fontSize: 56, opacity: 0.45 }} />}
            styles={{ image: { height: 64 } }}
            description={
              <Flex vertical gap={4} align="center">
                <Typography.Text strong>{t('emptyProjectTitle')}</Typography.Text>
                <Typography.Text type="secondary">{t('emptyProjectHint')}</Typography.Text>
              </Flex>
            }
          >
            <Flex justify="center">
              <PushCommands projectName={projectName} />
            </Flex>
          </Empty>
        </Card>
      }
    />
  );
}
