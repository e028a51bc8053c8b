import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Form, Input, Modal } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { errorMessage } from '../../components/error-alert';
import { PasswordFields } from './password-fields';
import type { UserCreation } from './types';

/** Mirrors the server's checks (server/http/api/user-json.ts) so most mistakes are caught while typing. */
const ILLEGAL_USERNAME = /[\s,~#$%:"]/;
const ILLEGAL_REALNAME = /[,~#$%]/;

interface FormValues extends UserCreation {
  passwordConfirm: string;
}

/** `POST /users`; the server's refusal (a taken name or email, a policy failure) is shown in the dialog. */
export function CreateUserModal({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useTranslation('users');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  const create = useMutation({
    mutationFn: (user: UserCreation) => api.post('users', user),
    onSuccess: (_res, user) => {
      void message.success(t('done.created', { name: user.username }));
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      void queryClient.invalidateQueries({ queryKey: ['audit-logs'] });
      close();
    },
  });

  const close = () => {
    form.resetFields();
    create.reset();
    onClose();
  };

  const submit = (values: FormValues) => {
    create.mutate({
      username: values.username.trim(),
      email: values.email.trim(),
      realname: values.realname.trim(),
      password: values.password,
      ...(values.comment?.trim() ? { comment: values.comment.trim() } : {}),
    });
  };

  return (
    <Modal
      open={open}
      title={t('create.title')}
      okText={t('create.submit')}
      cancelText={t('common:cancel')}
      onOk={() => form.submit()}
      onCancel={close}
      confirmLoading={create.isPending}
      destroyOnHidden
      width={520}
    >
      {create.error && (
        <Alert
          type="error"
          showIcon
          title={t('create.failed')}
          description={errorMessage(create.error)}
          style={{ marginBottom: 16 }}
        />
      )}
      <Form form={form} layout="vertical" requiredMark={false} onFinish={submit} autoComplete="off">
        <Form.Item
          label={t('create.username')}
          name="username"
          extra={t('create.usernameHelp')}
          rules={[
            { required: true, whitespace: true, message: t('required') },
            { max: 255 },
            {
              validator: async (_r, v: string | undefined) =>
                checkPattern(v, ILLEGAL_USERNAME, t('create.usernameInvalid')),
            },
          ]}
        >
          <Input autoFocus autoComplete="off" />
        </Form.Item>
        <Form.Item
          label={t('create.email')}
          name="email"
          rules={[
            { required: true, message: t('required') },
            { type: 'email', message: t('create.emailInvalid') },
            { max: 255 },
          ]}
        >
          <Input type="email" autoComplete="off" />
        </Form.Item>
        <Form.Item
          label={t('create.realname')}
          name="realname"
          rules={[
            { required: true, whitespace: true, message: t('required') },
            { max: 255 },
            {
              validator: async (_r, v: string | undefined) =>
                checkPattern(v, ILLEGAL_REALNAME, t('create.realnameInvalid')),
            },
          ]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <PasswordFields label={t('create.password')} confirmLabel={t('create.confirmPassword')} />
        <Form.Item label={t('create.comment')} name="comment" rules={[{ max: 30 }]}>
          <Input placeholder={t('create.commentPlaceholder')} maxLength={30} showCount />
        </Form.Item>
      </Form>
    </Modal>
  );
}

async function checkPattern(value: string | undefined, illegal: RegExp, problem: string): Promise<void> {
  if (value && illegal.test(value.trim())) throw new Error(problem);
}
