import { GlobalOutlined, LockOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { App, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { errorMessage } from '../../components/error-alert';
import { projectPath } from './project-api';

const ROLE_COLORS: Record<number, string> = { 1: 'magenta', 4: 'purple', 2: 'blue', 3: 'cyan', 5: 'default' };

/** A project role as a coloured tag; nothing for "no role". */
export function RoleTag({ roleId }: { roleId: number }) {
  const { t } = useTranslation('projects');
  if (!roleId) return <Typography.Text type="secondary">—</Typography.Text>;
  return <Tag color={ROLE_COLORS[roleId] ?? 'default'}>{t(`roles.${roleId}`, { defaultValue: String(roleId) })}</Tag>;
}

export function AccessTag({ isPublic }: { isPublic: boolean }) {
  const { t } = useTranslation('projects');
  return isPublic ? (
    <Tag color="green" icon={<GlobalOutlined />}>
      {t('public')}
    </Tag>
  ) : (
    <Tag icon={<LockOutlined />}>{t('private')}</Tag>
  );
}

/**
 * Deleting a project: asks the server first whether it can go (a project with repositories, or
 * `library`, cannot) and says why not; otherwise confirms with what goes with it.
 */
export function useDeleteProject() {
  const { t } = useTranslation('projects');
  const { modal, message } = App.useApp();
  const queryClient = useQueryClient();
  return async (name: string, onDeleted?: () => void) => {
    let check: { deletable: boolean; message?: string };
    try {
      check = await api.get<{ deletable: boolean; message?: string }>(`${projectPath(name)}/_deletable`);
    } catch (err) {
      void message.error(errorMessage(err));
      return;
    }
    if (!check.deletable) {
      modal.warning({
        title: t('delete.cannotTitle', { name }),
        content: (
          <>
            <Typography.Paragraph>{t('delete.cannotBody')}</Typography.Paragraph>
            {check.message && <Typography.Text type="secondary">{check.message}</Typography.Text>}
          </>
        ),
      });
      return;
    }
    modal.confirm({
      title: t('delete.title', { name }),
      content: t('delete.body'),
      okText: t('common:delete'),
      okButtonProps: { danger: true },
      cancelText: t('common:cancel'),
      onOk: async () => {
        try {
          await api.delete(projectPath(name));
        } catch (err) {
          // The dialog closes either way; the reason stays on screen.
          void message.error(errorMessage(err));
          return;
        }
        void message.success(t('delete.done', { name }));
        void queryClient.invalidateQueries({ queryKey: ['projects'] });
        void queryClient.invalidateQueries({ queryKey: ['statistics'] });
        onDeleted?.();
      },
    });
  };
}
