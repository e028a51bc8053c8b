import {
  CrownOutlined,
  DeleteOutlined,
  KeyOutlined,
  PlusOutlined,
  ReloadOutlined,
  SearchOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Avatar,
  Button,
  Card,
  Empty,
  Flex,
  Input,
  Result,
  Segmented,
  Select,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { ColumnsType, SorterResult } from 'antd/es/table/interface';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { usePagedList } from '../../api/paging';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { PageHeader } from '../../components/page-header';
import { TimeText } from '../../components/time-text';
import { paths } from '../../routes';
import { useCurrentUser } from '../../stores/session';
import { buildQ, searchable } from '../audit/harbor-q';
import { useDebounced } from '../audit/use-debounced';
import { useSystemInfo } from '../settings/system-info';
import { CreateUserModal } from './create-user-modal';
import { ResetPasswordModal } from './reset-password-modal';
import type { UserJson } from './types';
import { useUsersView, type UserRoleFilter, type UserSearchField } from './users-store';

/** Where a user manages their own account (the settings page's account tab). */
const MY_ACCOUNT = `${paths.settings}?tab=account`;

export function UsersPage() {
  const { t } = useTranslation('users');
  const me = useCurrentUser();
  if (!me?.sysadmin_flag) {
    return (
      <>
        <PageHeader title={t('title')} />
        <Result
          status="403"
          title={t('forbidden.title')}
          subTitle={t('forbidden.body')}
          extra={
            <Link to={MY_ACCOUNT}>
              <Button type="primary">{t('forbidden.link')}</Button>
            </Link>
          }
        />
      </>
    );
  }
  return <UsersAdmin myId={me.user_id} />;
}

function UsersAdmin({ myId }: { myId: number }) {
  const { t } = useTranslation('users');
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const { search, field, role, set } = useUsersView();
  const [sort, setSort] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<UserJson>();
  const systemInfo = useSystemInfo();
  const ldap = systemInfo.data?.auth_mode === 'ldap_auth';

  const settledSearch = useDebounced(search.trim());
  const searchOk = searchable(search);
  const q = useMemo(
    () =>
      buildQ([
        { key: field, kind: 'fuzzy', value: searchable(settledSearch) ? settledSearch : undefined },
        { key: 'sysadmin_flag', kind: 'exact', value: role === 'admins' ? 'true' : undefined },
      ]),
    [field, settledSearch, role],
  );
  const list = usePagedList<UserJson>(['users', 'list'], 'users', { q, sort });

  const changed = (name: string) => {
    void queryClient.invalidateQueries({ queryKey: ['users'] });
    void queryClient.invalidateQueries({ queryKey: ['audit-logs'] });
    return name;
  };
  const setAdmin = useMutation({
    mutationFn: ({ user, flag }: { user: UserJson; flag: boolean }) =>
      api.put(`users/${user.user_id}/sysadmin`, { sysadmin_flag: flag }),
    onSuccess: (_r, { user, flag }) =>
      void message.success(t(flag ? 'done.madeAdmin' : 'done.revokedAdmin', { name: changed(user.username) })),
    onError: (e) => void message.error(errorMessage(e)),
  });
  const remove = useMutation({
    mutationFn: (user: UserJson) => api.delete(`users/${user.user_id}`),
    onSuccess: (_r, user) => void message.success(t('done.deleted', { name: changed(user.username) })),
    onError: (e) => void message.error(errorMessage(e)),
  });

  const confirmAdmin = (user: UserJson, flag: boolean) =>
    modal.confirm({
      title: t(flag ? 'confirm.makeAdminTitle' : 'confirm.revokeAdminTitle', { name: user.username }),
      content: t(flag ? 'confirm.makeAdminBody' : 'confirm.revokeAdminBody', { name: user.username }),
      okText: t(flag ? 'action.makeAdmin' : 'action.revokeAdmin'),
      cancelText: t('common:cancel'),
      onOk: () => setAdmin.mutateAsync({ user, flag }).catch(() => undefined),
    });
  const confirmDelete = (user: UserJson) =>
    modal.confirm({
      title: t('confirm.deleteTitle', { name: user.username }),
      content: t('confirm.deleteBody'),
      okText: t('action.delete'),
      okButtonProps: { danger: true },
      cancelText: t('common:cancel'),
      onOk: () => remove.mutateAsync(user).catch(() => undefined),
    });

  const columns: ColumnsType<UserJson> = [
    {
      title: t('column.username'),
      dataIndex: 'username',
      key: 'username',
      sorter: true,
      render: (_v, user) => (
        <Space>
          <Avatar
            size="small"
            icon={user.sysadmin_flag ? <CrownOutlined /> : <UserOutlined />}
            style={user.sysadmin_flag ? { background: '#faad14' } : undefined}
          />
          <Typography.Text strong>{user.username}</Typography.Text>
          {user.user_id === myId && <Tag color="blue">{t('you')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('column.email'),
      dataIndex: 'email',
      key: 'email',
      render: (email: string) => email || <Typography.Text type="secondary">—</Typography.Text>,
    },
    {
      title: t('column.realname'),
      dataIndex: 'realname',
      key: 'realname',
      render: (name: string, user) => (
        <Space orientation="vertical" size={0}>
          <span>{name || '—'}</span>
          {user.comment && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {user.comment}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('column.admin'),
      dataIndex: 'sysadmin_flag',
      key: 'sysadmin_flag',
      render: (flag: boolean) =>
        flag ? (
          <Tag color="gold" icon={<CrownOutlined />}>
            {t('admin')}
          </Tag>
        ) : (
          <Typography.Text type="secondary">{t('notAdmin')}</Typography.Text>
        ),
    },
    {
      title: t('column.created'),
      dataIndex: 'creation_time',
      key: 'creation_time',
      sorter: true,
      render: (time: string) => <TimeText value={time} />,
    },
    {
      title: t('common:actions'),
      key: 'actions',
      align: 'right',
      render: (_v, user) =>
        user.user_id === myId ? (
          <Link to={MY_ACCOUNT}>
            <Button size="small" type="link">
              {t('action.myAccount')}
            </Button>
          </Link>
        ) : (
          <Space size={0} wrap>
            <Button size="small" type="link" onClick={() => confirmAdmin(user, !user.sysadmin_flag)}>
              {t(user.sysadmin_flag ? 'action.revokeAdmin' : 'action.makeAdmin')}
            </Button>
            <Button size="small" type="link" icon={<KeyOutlined />} onClick={() => setResetting(user)}>
              {t('action.resetPassword')}
            </Button>
            <Tooltip title={t('action.delete')}>
              <Button
                size="small"
                type="text"
                danger
                icon={<DeleteOutlined />}
                aria-label={`${t('action.delete')} ${user.username}`}
                onClick={() => confirmDelete(user)}
              />
            </Tooltip>
          </Space>
        ),
    },
  ];

  const createButton = (
    <Button type="primary" icon={<PlusOutlined />} disabled={ldap} onClick={() => setCreating(true)}>
      {t('newUser')}
    </Button>
  );
  const filtered = Boolean(q);

  return (
    <>
      <PageHeader
        title={t('title')}
        extra={
          <>
            <Tooltip title={t('common:refresh')}>
              <Button
                icon={<ReloadOutlined />}
                aria-label={t('common:refresh')}
                loading={list.query.isFetching}
                onClick={() => void list.query.refetch()}
              />
            </Tooltip>
            {ldap ? <Tooltip title={t('ldap.disabled')}>{createButton}</Tooltip> : createButton}
          </>
        }
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
        {t('subtitle')}
      </Typography.Paragraph>
      {ldap && (
        <Alert type="info" showIcon title={t('ldap.title')} description={t('ldap.body')} style={{ marginBottom: 16 }} />
      )}
      <ErrorAlert error={list.query.error} />
      <Card styles={{ body: { padding: 0 } }}>
        <Flex gap={12} wrap align="center" style={{ padding: 16 }}>
          <Space.Compact style={{ width: 380, maxWidth: '100%' }}>
            <Select<UserSearchField>
              aria-label={t('search.field')}
              value={field}
              onChange={(v) => set({ field: v })}
              style={{ width: 120 }}
              options={[
                { value: 'username', label: t('search.username') },
                { value: 'email', label: t('search.email') },
              ]}
            />
            <Input
              allowClear
              aria-label={t('search.label')}
              prefix={<SearchOutlined />}
              placeholder={t(`search.placeholder.${field}`)}
              value={search}
              status={searchOk ? undefined : 'error'}
              onChange={(e) => set({ search: e.target.value })}
            />
          </Space.Compact>
          <Segmented<UserRoleFilter>
            aria-label={t('search.role')}
            value={role}
            onChange={(v) => set({ role: v })}
            options={[
              { value: 'all', label: t('search.all') },
              { value: 'admins', label: t('search.admins') },
            ]}
          />
          {!searchOk && <Typography.Text type="danger">{t('search.comma')}</Typography.Text>}
          <Typography.Text type="secondary" style={{ marginInlineStart: 'auto' }}>
            {t('common:total', { count: list.total })}
          </Typography.Text>
        </Flex>
        <Table<UserJson>
          rowKey="user_id"
          size="middle"
          columns={columns}
          dataSource={list.items}
          loading={list.query.isLoading}
          pagination={{ ...list.pagination, style: { paddingInline: 16 } }}
          onChange={(_p, _f, sorter) => setSort(sortParam(sorter))}
          locale={{
            emptyText: (
              <Empty
                image={Empty.PRESENTED_IMAGE_SIMPLE}
                description={filtered ? t('empty.search') : t('empty.none')}
              />
            ),
          }}
        />
      </Card>
      <CreateUserModal open={creating} onClose={() => setCreating(false)} />
      <ResetPasswordModal user={resetting} onClose={() => setResetting(undefined)} />
    </>
  );
}

/** antd's sorter → Harbor's `sort` (`username`, `-creation_time`); undefined for the server's default. */
function sortParam(sorter: SorterResult<UserJson> | SorterResult<UserJson>[]): string | undefined {
  const s = Array.isArray(sorter) ? sorter[0] : sorter;
  if (!s?.order || typeof s.columnKey !== 'string') return undefined;
  return `${s.order === 'descend' ? '-' : ''}${s.columnKey}`;
}
