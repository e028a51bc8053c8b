import { DeleteOutlined, GlobalOutlined, LockOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Flex, Form, Radio, Typography, theme } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { paths } from '../../routes';
import { useCurrentUser } from '../../stores/session';
import { projectPath, useProjectSummary, type ProjectAbilities, type ProjectJson } from './project-api';
import { useDeleteProject } from './project-bits';
import { QuotaBar, StorageLimitInput, storageLimitRule } from './quota';
import { ScanPolicyCard } from './scan-policy-card';

export function ConfigurationTab({ project, abilities }: { project: ProjectJson; abilities: ProjectAbilities }) {
  const admin = useCurrentUser()?.sysadmin_flag ?? false;
  const canDelete = abilities.can('', 'delete');
  return (
    <Flex vertical gap={16}>
      <AccessCard project={project} canChange={project.togglable || abilities.can('', 'update')} />
      <ScanPolicyCard
        key={JSON.stringify([project.metadata, project.update_time])}
        project={project}
        abilities={abilities}
      />
      <QuotaCard project={project} admin={admin} />
      {canDelete && <DangerCard project={project} />}
    </Flex>
  );
}

function AccessCard({ project, canChange }: { project: ProjectJson; canChange: boolean }) {
  const { t } = useTranslation('projects');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const current = project.metadata.public === 'true';
  const [value, setValue] = useState(current);
  const save = useMutation({
    mutationFn: (isPublic: boolean) => api.put(projectPath(project.name), { metadata: { public: String(isPublic) } }),
    onSuccess: (_, isPublic) => {
      void message.success(isPublic ? t('config.nowPublic') : t('config.nowPrivate'));
      void queryClient.invalidateQueries({ queryKey: ['project', project.name] });
      void queryClient.invalidateQueries({ queryKey: ['projects'] });
    },
  });
  return (
    <Card type="inner" title={t('config.accessTitle')}>
      <ErrorAlert error={save.error} />
      <Radio.Group
        value={value}
        disabled={!canChange}
        onChange={(e) => setValue(e.target.value as boolean)}
        style={{ display: 'flex', flexDirection: 'column', gap: 12 }}
        aria-label={t('config.accessTitle')}
      >
        <Radio value={false}>
          <Flex vertical gap={0}>
            <span>
              <LockOutlined /> {t('private')}
            </span>
            <Typography.Text type="secondary">{t('create.privateHelp')}</Typography.Text>
          </Flex>
        </Radio>
        <Radio value={true}>
          <Flex vertical gap={0}>
            <span>
              <GlobalOutlined /> {t('public')}
            </span>
            <Typography.Text type="secondary">{t('create.publicHelp')}</Typography.Text>
          </Flex>
        </Radio>
      </Radio.Group>
      <Flex gap={12} align="center" style={{ marginTop: 16 }}>
        {canChange ? (
          <Button
            type="primary"
            disabled={value === current}
            loading={save.isPending}
            onClick={() => save.mutate(value)}
          >
            {t('common:save')}
          </Button>
        ) : (
          <Typography.Text type="secondary">{t('config.accessAdminsOnly')}</Typography.Text>
        )}
      </Flex>
    </Card>
  );
}

function QuotaCard({ project, admin }: { project: ProjectJson; admin: boolean }) {
  const { t } = useTranslation('projects');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const summary = useProjectSummary(project.name);
  const quota = summary.data?.quota;
  const [form] = Form.useForm<{ storage: number }>();
  const save = useMutation({
    mutationFn: (storage: number) => api.put(`quotas/${project.project_id}`, { hard: { storage } }),
    onSuccess: () => {
      void message.success(t('config.quotaSaved'));
      void queryClient.invalidateQueries({ queryKey: ['project', project.name] });
      void queryClient.invalidateQueries({ queryKey: ['quotas'] });
      void queryClient.invalidateQueries({ queryKey: ['statistics'] });
    },
  });
  return (
    <Card type="inner" title={t('config.quotaTitle')}>
      <ErrorAlert error={save.error ?? summary.error} />
      {quota ? (
        <Flex vertical gap={16}>
          <QuotaBar used={quota.used.storage} hard={quota.hard.storage} width={360} />
          <Typography.Text type="secondary">{t('config.quotaExplain')}</Typography.Text>
          {admin ? (
            <Form
              key={quota.hard.storage}
              form={form}
              layout="inline"
              initialValues={{ storage: quota.hard.storage }}
              onFinish={(v) => save.mutate(v.storage)}
            >
              <Form.Item name="storage" label={t('create.storageLimit')} rules={[storageLimitRule(t('quota.invalid'))]}>
                <StorageLimitInput />
              </Form.Item>
              <Form.Item>
                <Button type="primary" htmlType="submit" loading={save.isPending}>
                  {t('common:save')}
                </Button>
              </Form.Item>
            </Form>
          ) : (
            <Typography.Text type="secondary">{t('config.quotaAdminsOnly')}</Typography.Text>
          )}
        </Flex>
      ) : (
        <Typography.Text type="secondary">
          {summary.isLoading ? t('common:loading') : t('config.quotaHidden')}
        </Typography.Text>
      )}
    </Card>
  );
}

function DangerCard({ project }: { project: ProjectJson }) {
  const { t } = useTranslation('projects');
  const { token } = theme.useToken();
  const navigate = useNavigate();
  const deleteProject = useDeleteProject();
  return (
    <Card type="inner" title={t('config.dangerTitle')} style={{ borderColor: token.colorErrorBorder }}>
      <Flex justify="space-between" align="center" gap={16} wrap>
        <Flex vertical gap={0}>
          <Typography.Text strong>{t('config.deleteTitle')}</Typography.Text>
          <Typography.Text type="secondary">{t('config.deleteExplain')}</Typography.Text>
        </Flex>
        <Button
          danger
          icon={<DeleteOutlined />}
          onClick={() => void deleteProject(project.name, () => void navigate(paths.projects))}
        >
          {t('config.deleteButton')}
        </Button>
      </Flex>
    </Card>
  );
}
