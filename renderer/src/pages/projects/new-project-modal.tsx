import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Form, Input, Modal, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, request } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { useCurrentUser } from '../../stores/session';
import { MAX_PROJECT_NAME, projectNameProblem } from './project-rules';
import { StorageLimitInput, storageLimitRule } from './quota';

interface NewProjectForm {
  name: string;
  public: boolean;
  storageLimit: number;
}

/** Harbor's ProjectReq for a new project (the deprecated top-level `public` too, as Harbor's portal sends). */
export function newProjectBody(form: NewProjectForm, mayLimit: boolean) {
  return {
    project_name: form.name,
    public: form.public,
    metadata: { public: String(form.public) },
    // Only a system administrator may set a limit; the server ignores anyone else's.
    ...(mayLimit ? { storage_limit: form.storageLimit } : {}),
  };
}

export function NewProjectModal({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (name: string) => void;
}) {
  const { t } = useTranslation('projects');
  const { message } = App.useApp();
  const [form] = Form.useForm<NewProjectForm>();
  const queryClient = useQueryClient();
  const admin = useCurrentUser()?.sysadmin_flag ?? false;
  const isPublic = Form.useWatch('public', form);
  const [serverError, setServerError] = useState<unknown>(null);

  const create = useMutation({
    mutationFn: (values: NewProjectForm) => api.post('projects', newProjectBody(values, admin)),
    onSuccess: (_, values) => {
      void queryClient.invalidateQueries({ queryKey: ['projects'] });
      void queryClient.invalidateQueries({ queryKey: ['statistics'] });
      void queryClient.invalidateQueries({ queryKey: ['quotas'] });
      void message.success(t('create.done', { name: values.name }));
      form.resetFields();
      setServerError(null);
      onCreated(values.name);
    },
    onError: (err) => {
      // A name the server refuses (taken, or a rule we do not know) belongs next to the field.
      if (err instanceof ApiError && (err.status === 409 || /project_name|already exist/i.test(err.message))) {
        form.setFields([{ name: 'name', errors: [err.message] }]);
        setServerError(null);
      } else setServerError(err);
    },
  });

  const nameTaken = async (name: string) => {
    if (projectNameProblem(name) !== null) return;
    try {
      await request('HEAD', 'projects', { query: { project_name: name } });
    } catch (err) {
      // 404: free. Anything else (403 for someone else's private project) means it exists.
      if (err instanceof ApiError && err.status === 404) return;
      if (err instanceof ApiError && err.status >= 500) return;
    }
    throw new Error(t('create.nameTaken', { name }));
  };

  return (
    <Modal
      open={open}
      title={t('create.title')}
      okText={t('common:create')}
      cancelText={t('common:cancel')}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      onCancel={() => {
        setServerError(null);
        form.resetFields();
        onClose();
      }}
      forceRender
    >
      <ErrorAlert error={serverError} />
      <Form<NewProjectForm>
        form={form}
        layout="vertical"
        initialValues={{ name: '', public: false, storageLimit: -1 }}
        onFinish={(values) => create.mutate({ ...values, name: values.name.trim() })}
      >
        <Form.Item
          name="name"
          label={t('create.name')}
          extra={t('create.nameHelp')}
          validateDebounce={300}
          rules={[
            { required: true, message: t('create.nameRequired') },
            {
              validator: (_, value: string | undefined) => {
                const problem = projectNameProblem((value ?? '').trim());
                if (problem === null || problem === 'nameRequired') return Promise.resolve();
                return Promise.reject(new Error(t(`create.${problem}`, { max: MAX_PROJECT_NAME })));
              },
            },
            { validator: (_, value: string | undefined) => nameTaken((value ?? '').trim()) },
          ]}
        >
          <Input autoFocus maxLength={MAX_PROJECT_NAME} placeholder="team-a" autoComplete="off" />
        </Form.Item>
        <Form.Item name="public" label={t('create.access')} valuePropName="checked" style={{ marginBottom: 4 }}>
          <Switch checkedChildren={t('public')} unCheckedChildren={t('private')} />
        </Form.Item>
        <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
          {isPublic ? t('create.publicHelp') : t('create.privateHelp')}
        </Typography.Paragraph>
        {admin && (
          <Form.Item
            name="storageLimit"
            label={t('create.storageLimit')}
            extra={t('create.storageLimitHelp')}
            rules={[storageLimitRule(t('quota.invalid'))]}
          >
            <StorageLimitInput />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
