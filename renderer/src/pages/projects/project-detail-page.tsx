import {
  AuditOutlined,
  DatabaseOutlined,
  RobotOutlined,
  SafetyCertificateOutlined,
  SettingOutlined,
  TeamOutlined,
} from '@ant-design/icons';
import { Button, Card, Col, Descriptions, Flex, Result, Row, Skeleton, Tabs, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { PageHeader } from '../../components/page-header';
import { TimeText } from '../../components/time-text';
import { paths } from '../../routes';
import { useCurrentUser } from '../../stores/session';
import { ProjectRepositories } from '../repositories/project-repositories';
import { ConfigurationTab } from './configuration-tab';
import { LogsTab } from './logs-tab';
import { MembersTab } from './members-tab';
import { PoliciesTab } from './policies-tab';
import {
  useProject,
  useProjectAbilities,
  useProjectSummary,
  type ProjectJson,
  type ProjectSummary,
} from './project-api';
import { AccessTag, RoleTag } from './project-bits';
import { PushHint } from './push-hint';
import { QuotaBar } from './quota';
import { RobotsTab } from './robots-tab';

const TABS = ['repositories', 'members', 'robots', 'policies', 'logs', 'configuration'] as const;
type TabKey = (typeof TABS)[number];

export function ProjectDetailPage() {
  const { t } = useTranslation('projects');
  const navigate = useNavigate();
  const params = useParams();
  const projectName = params.projectName ?? '';
  const project = useProject(projectName);
  const summary = useProjectSummary(projectName, project.isSuccess);
  const abilities = useProjectAbilities(project.data?.project_id, projectName);

  if (project.isLoading) {
    return (
      <>
        <PageHeader title={projectName} crumbs={[{ title: t('title'), to: paths.projects }, { title: projectName }]} />
        <Card>
          <Skeleton active />
        </Card>
      </>
    );
  }
  if (project.error || !project.data) {
    const status = project.error instanceof ApiError ? project.error.status : 0;
    return (
      <Result
        status={status === 403 ? '403' : status === 404 ? '404' : 'error'}
        title={status === 404 ? t('detail.notFound', { name: projectName }) : t('detail.loadFailed')}
        subTitle={project.error instanceof Error ? project.error.message : undefined}
        extra={
          <Link to={paths.projects}>
            <Button type="primary">{t('detail.backToList')}</Button>
          </Link>
        }
      />
    );
  }

  const p = project.data;
  const can = abilities.can;
  const available: Record<TabKey, boolean> = {
    repositories: true,
    members: can('member', 'list'),
    robots: can('robot', 'list'),
    policies: can('tag-retention', 'read') || can('immutable-tag', 'list'),
    logs: can('log', 'list'),
    configuration: can('configuration', 'read') || p.togglable,
  };
  const requested = TABS.find((k) => k === params.tab);
  const active: TabKey = requested && available[requested] ? requested : 'repositories';

  const tabContent: Record<TabKey, { icon: ReactNode; children: () => ReactNode }> = {
    repositories: { icon: <DatabaseOutlined />, children: () => <ProjectRepositories projectName={p.name} /> },
    members: { icon: <TeamOutlined />, children: () => <MembersTab project={p} abilities={abilities} /> },
    robots: { icon: <RobotOutlined />, children: () => <RobotsTab project={p} abilities={abilities} /> },
    policies: {
      icon: <SafetyCertificateOutlined />,
      children: () => <PoliciesTab project={p} abilities={abilities} />,
    },
    logs: { icon: <AuditOutlined />, children: () => <LogsTab project={p} /> },
    configuration: {
      icon: <SettingOutlined />,
      children: () => <ConfigurationTab project={p} abilities={abilities} />,
    },
  };

  return (
    <>
      <PageHeader
        crumbs={[{ title: t('title'), to: paths.projects }, { title: p.name }]}
        title={
          <Flex align="center" gap={12} wrap>
            <span>{p.name}</span>
            <AccessTag isPublic={p.metadata.public === 'true'} />
          </Flex>
        }
      />
      <Overview project={p} summary={summary.data} canPush={can('repository', 'push')} />
      <Card styles={{ body: { paddingTop: 4 } }}>
        <Tabs
          activeKey={active}
          onChange={(key) => void navigate(paths.project(p.name, key === 'repositories' ? undefined : key))}
          items={TABS.filter((k) => available[k]).map((key) => ({
            key,
            label: (
              <Flex gap={6} align="center">
                {tabContent[key].icon}
                {t(`tabs.${key}`)}
              </Flex>
            ),
            children: key === active ? tabContent[key].children() : null,
          }))}
        />
      </Card>
    </>
  );
}

function Overview({
  project,
  summary,
  canPush,
}: {
  project: ProjectJson;
  summary: ProjectSummary | undefined;
  canPush: boolean;
}) {
  const { t } = useTranslation('projects');
  const admin = useCurrentUser()?.sysadmin_flag ?? false;
  const quota = summary?.quota;
  const members =
    summary?.project_admin_count === undefined
      ? undefined
      : (summary.project_admin_count ?? 0) +
        (summary.maintainer_count ?? 0) +
        (summary.developer_count ?? 0) +
        (summary.guest_count ?? 0) +
        (summary.limited_guest_count ?? 0);
  return (
    <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
      <Col xs={24} xl={10}>
        <Card title={t('detail.overview')} style={{ height: '100%' }}>
          <Descriptions
            column={1}
            size="small"
            items={[
              {
                key: 'role',
                label: t('detail.yourRole'),
                children:
                  project.current_user_role_id || !admin ? (
                    <RoleTag roleId={project.current_user_role_id} />
                  ) : (
                    <Typography.Text>{t('roles.sysadmin')}</Typography.Text>
                  ),
              },
              { key: 'owner', label: t('detail.owner'), children: project.owner_name || '—' },
              { key: 'created', label: t('detail.created'), children: <TimeText value={project.creation_time} /> },
              {
                key: 'repos',
                label: t('detail.repositories'),
                children: summary?.repo_count ?? project.repo_count,
              },
              ...(members === undefined ? [] : [{ key: 'members', label: t('detail.members'), children: members }]),
              {
                key: 'quota',
                label: t('detail.storage'),
                children: quota ? <QuotaBar used={quota.used.storage} hard={quota.hard.storage} width={260} /> : '—',
              },
            ]}
          />
        </Card>
      </Col>
      <Col xs={24} xl={14}>
        <Card title={canPush ? t('push.title') : t('push.pullTitle')} style={{ height: '100%' }}>
          <PushHint projectName={project.name} canPush={canPush} />
        </Card>
      </Col>
    </Row>
  );
}
