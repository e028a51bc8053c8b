import { DeleteOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Flex, Input, Segmented, Table, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { usePagedList } from '../../api/paging';
import { ErrorAlert } from '../../components/error-alert';
import { PageHeader } from '../../components/page-header';
import { TimeText } from '../../components/time-text';
import { paths } from '../../routes';
import { useProjectListState } from './list-store';
import { NewProjectModal } from './new-project-modal';
import { useProjectSummary, type ProjectJson } from './project-api';
import { AccessTag, RoleTag, useDeleteProject } from './project-bits';
import { projectSearchQ } from './project-rules';
import { QuotaBar } from './quota';

/** One row's storage: the summary carries the quota for anyone who may read it. */
function QuotaCell({ name }: { name: string }) {
  const summary = useProjectSummary(name);
  const quota = summary.data?.quota;
  if (!quota) return <Typography.Text type="secondary">—</Typography.Text>;
  return <QuotaBar used={quota.used.storage} hard={quota.hard.storage} />;
}

export function ProjectListPage() {
  const { t } = useTranslation('projects');
  const navigate = useNavigate();
  const { search, access, sort, set } = useProjectListState();
  const [draft, setDraft] = useState(search);
  const [creating, setCreating] = useState(false);
  const deleteProject = useDeleteProject();

  const list = usePagedList<ProjectJson>(['projects'], 'projects', {
    q: projectSearchQ(search),
    public: access === 'all' ? undefined : access === 'public',
    sort,
  });

  const columns: ColumnsType<ProjectJson> = [
    {
      title: t('columns.name'),
      dataIndex: 'name',
      key: 'name',
      sorter: true,
      sortOrder: sort === 'name' ? 'ascend' : sort === '-name' ? 'descend' : null,
      render: (name: string) => (
        <Link to={paths.project(name)} style={{ fontWeight: 500 }}>
          {name}
        </Link>
      ),
    },
    {
      title: t('columns.access'),
      key: 'access',
      width: 120,
      render: (_, p) => <AccessTag isPublic={p.metadata.public === 'true'} />,
    },
    {
      title: t('columns.role'),
      key: 'role',
      width: 150,
      render: (_, p) => <RoleTag roleId={p.current_user_role_id} />,
    },
    {
      title: t('columns.repositories'),
      dataIndex: 'repo_count',
      key: 'repo_count',
      width: 130,
      align: 'right',
    },
    {
      title: t('columns.quota'),
      key: 'quota',
      width: 220,
      render: (_, p) => <QuotaCell name={p.name} />,
    },
    {
      title: t('columns.created'),
      dataIndex: 'creation_time',
      key: 'creation_time',
      width: 160,
      sorter: true,
      sortOrder: sort === 'creation_time' ? 'ascend' : sort === '-creation_time' ? 'descend' : null,
      render: (time: string) => <TimeText value={time} />,
    },
  ];

  // Only projects the caller administers can be deleted from here; no column when there are none.
  if (list.items.some((p) => p.togglable)) {
    columns.push({
      title: t('common:actions'),
      key: 'actions',
      width: 90,
      align: 'center',
      render: (_, p) =>
        // `togglable` is the server's "system administrator or project admin": who may delete it.
        p.togglable ? (
          <Tooltip title={t('delete.action')}>
            <Button
              type="text"
              danger
              icon={<DeleteOutlined />}
              aria-label={t('delete.ariaLabel', { name: p.name })}
              onClick={() => void deleteProject(p.name)}
            />
          </Tooltip>
        ) : null,
    });
  }

  const filtered = search !== '' || access !== 'all';

  return (
    <>
      <PageHeader
        title={t('title')}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('create.button')}
          </Button>
        }
      />
      <Card>
        <Flex gap={12} wrap justify="space-between" style={{ marginBottom: 16 }}>
          <Flex gap={12} wrap>
            <Input.Search
              allowClear
              value={draft}
              placeholder={t('searchPlaceholder')}
              aria-label={t('searchPlaceholder')}
              style={{ width: 280 }}
              onChange={(e) => {
                setDraft(e.target.value);
                if (e.target.value === '') set({ search: '' });
              }}
              onSearch={(value) => set({ search: value.trim() })}
            />
            <Segmented<'all' | 'public' | 'private'>
              value={access}
              aria-label={t('columns.access')}
              onChange={(value) => set({ access: value })}
              options={[
                { value: 'all', label: t('filter.all') },
                { value: 'public', label: t('public') },
                { value: 'private', label: t('private') },
              ]}
            />
          </Flex>
          <Tooltip title={t('common:refresh')}>
            <Button
              icon={<ReloadOutlined />}
              aria-label={t('common:refresh')}
              loading={list.query.isFetching}
              onClick={() => void list.query.refetch()}
            />
          </Tooltip>
        </Flex>
        <ErrorAlert error={list.query.error} />
        <Table<ProjectJson>
          rowKey="project_id"
          size="middle"
          columns={columns}
          dataSource={list.items}
          loading={list.query.isLoading}
          pagination={{ ...list.pagination, showTotal: (total) => t('common:total', { count: total }) }}
          onChange={(_, __, sorter) => {
            const s = Array.isArray(sorter) ? sorter[0] : sorter;
            const key = s?.order ? String(s.columnKey) : undefined;
            set({ sort: key ? `${s?.order === 'descend' ? '-' : ''}${key}` : undefined });
          }}
          locale={{
            emptyText: list.query.isLoading ? (
              ' '
            ) : (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={filtered ? t('emptyFiltered') : t('empty')}>
                {!filtered && (
                  <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
                    {t('create.button')}
                  </Button>
                )}
              </Empty>
            ),
          }}
        />
      </Card>
      <NewProjectModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(name) => {
          setCreating(false);
          void navigate(paths.project(name));
        }}
      />
    </>
  );
}
