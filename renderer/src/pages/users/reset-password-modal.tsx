import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Form, Modal, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { errorMessage } from '../../components/error-alert';
import { PasswordFields } from './password-fields';
import type { UserJson } from './types';

/**
 * An administrator sets someone else's password (`PUT /users/{id}/password` without the old one).
 * A directory user's password is refused by the server; its message is shown here.
 */
export function ResetPasswordModal({ user, onClose }: { user: UserJson | undefined; onClose(): void }) {
  const { t } = useTranslation('users');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ password: string }>();
  const reset = useMutation({
    mutationFn: ({ id, password }: { id: number; password: string }) =>
      api.put(`users/${id}/password`, { new_password: password }),
    onSuccess: () => {
      void message.success(t('done.passwordReset', { name: user?.username ?? '' }));
      void queryClient.invalidateQueries({ queryKey: ['audit-logs'] });
      close();
    },
  });
  const close = () => {
    form.resetFields();
    reset.reset();
    onClose();
  };
  return (
    <Modal
      open={user !== undefined}
      title={t('reset.title', { name: user?.username ?? '' })}
      okText={t('reset.submit')}
      cancelText={t('common:cancel')}
      okButtonProps={{ danger: true }}
      onOk={() => form.submit()}
      onCancel={close}
      confirmLoading={reset.isPending}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('reset.hint', { name: user?.username ?? '' })}</Typography.Paragraph>
      {reset.error && (
        <Alert
          type="error"
          showIcon
          title={t('reset.failed')}
          description={errorMessage(reset.error)}
          style={{ marginBottom: 16 }}
        />
      )}
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        onFinish={(v) => user && reset.mutate({ id: user.user_id, password: v.password })}
      >
        <PasswordFields label={t('reset.password')} confirmLabel={t('reset.confirmPassword')} />
      </Form>
    </Modal>
  );
}
