import { DeleteOutlined, UserAddOutlined, UserOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { usePagedList } from '../../api/paging';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { useCurrentUser } from '../../stores/session';
import {
  projectPath,
  type ProjectAbilities,
  type ProjectJson,
  type ProjectMember,
  type UserSearchResult,
} from './project-api';
import { RoleTag } from './project-bits';
import { ROLE_IDS } from './project-rules';

export function MembersTab({ project, abilities }: { project: ProjectJson; abilities: ProjectAbilities }) {
  const { t } = useTranslation('projects');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const me = useCurrentUser();
  const [search, setSearch] = useState('');
  const [adding, setAdding] = useState(false);
  const base = `${projectPath(project.name)}/members`;
  const list = usePagedList<ProjectMember>(['members', project.name], base, { entityname: search || undefined });

  const canUpdate = abilities.can('member', 'update');
  const canDelete = abilities.can('member', 'delete');
  const canCreate = abilities.can('member', 'create');
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['members', project.name] });
    void queryClient.invalidateQueries({ queryKey: ['project', project.name] });
  };

  const changeRole = useMutation({
    mutationFn: ({ member, roleId }: { member: ProjectMember; roleId: number }) =>
      api.put(`${base}/${member.id}`, { role_id: roleId }),
    onSuccess: (_, { member, roleId }) => {
      void message.success(t('members.roleChanged', { name: member.entity_name, role: t(`roles.${roleId}`) }));
      refresh();
    },
    onError: (err) => void message.error(errorMessage(err)),
  });
  const remove = useMutation({
    mutationFn: (member: ProjectMember) => api.delete(`${base}/${member.id}`),
    onSuccess: (_, member) => {
      void message.success(t('members.removed', { name: member.entity_name }));
      refresh();
    },
    onError: (err) => void message.error(errorMessage(err)),
  });

  const isSelf = (m: ProjectMember) => !me?.sysadmin_flag && m.entity_type === 'u' && m.entity_id === me?.user_id;
  const roleOptions = ROLE_IDS.map((id) => ({ value: id, label: t(`roles.${id}`) }));

  const columns: ColumnsType<ProjectMember> = [
    {
      title: t('members.name'),
      dataIndex: 'entity_name',
      key: 'name',
      render: (name: string, m) => (
        <Flex gap={8} align="center">
          <UserOutlined />
          <span>{name}</span>
          {m.entity_id === me?.user_id && <Tag>{t('members.you')}</Tag>}
        </Flex>
      ),
    },
    {
      title: t('members.role'),
      key: 'role',
      width: 240,
      render: (_, m) =>
        canUpdate && !isSelf(m) ? (
          <Select
            value={m.role_id}
            options={roleOptions}
            style={{ width: 180 }}
            aria-label={t('members.roleOf', { name: m.entity_name })}
            loading={changeRole.isPending && changeRole.variables?.member.id === m.id}
            onChange={(roleId: number) => changeRole.mutate({ member: m, roleId })}
          />
        ) : (
          <RoleTag roleId={m.role_id} />
        ),
    },
    ...(canDelete
      ? [
          {
            title: t('common:actions'),
            key: 'actions',
            width: 100,
            align: 'center' as const,
            render: (_: unknown, m: ProjectMember) =>
              isSelf(m) ? (
                <Tooltip title={t('members.selfHint')}>
                  <Button
                    type="text"
                    icon={<DeleteOutlined />}
                    disabled
                    aria-label={t('members.removeOf', { name: m.entity_name })}
                  />
                </Tooltip>
              ) : (
                <Popconfirm
                  title={t('members.removeTitle', { name: m.entity_name })}
                  description={t('members.removeBody')}
                  okText={t('members.remove')}
                  okButtonProps={{ danger: true }}
                  cancelText={t('common:cancel')}
                  onConfirm={() => remove.mutateAsync(m)}
                >
                  <Button
                    type="text"
                    danger
                    icon={<DeleteOutlined />}
                    aria-label={t('members.removeOf', { name: m.entity_name })}
                  />
                </Popconfirm>
              ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Typography.Paragraph type="secondary">{t('members.intro')}</Typography.Paragraph>
      <Flex gap={12} wrap justify="space-between" style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={t('members.search')}
          aria-label={t('members.search')}
          style={{ width: 260 }}
          onSearch={(v) => setSearch(v.trim())}
        />
        {canCreate && (
          <Button type="primary" icon={<UserAddOutlined />} onClick={() => setAdding(true)}>
            {t('members.add')}
          </Button>
        )}
      </Flex>
      <ErrorAlert error={list.query.error} />
      <Table<ProjectMember>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.query.isLoading}
        pagination={list.pagination}
      />
      <AddMemberModal
        open={adding}
        projectName={project.name}
        onClose={() => setAdding(false)}
        onAdded={() => {
          setAdding(false);
          refresh();
        }}
      />
    </>
  );
}

/** Usernames matching what was typed, as `GET /users/search` answers (debounced). */
function useUserSearch(text: string) {
  const [debounced, setDebounced] = useState(text);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(text.trim()), 250);
    return () => clearTimeout(timer);
  }, [text]);
  return useQuery({
    queryKey: ['users', 'search', debounced],
    queryFn: ({ signal }) =>
      api.get<UserSearchResult[]>('users/search', { username: debounced, page_size: 10 }, signal),
    enabled: debounced !== '',
    staleTime: 30_000,
  });
}

function AddMemberModal({
  open,
  projectName,
  onClose,
  onAdded,
}: {
  open: boolean;
  projectName: string;
  onClose: () => void;
  onAdded: () => void;
}) {
  const { t } = useTranslation('projects');
  const { message } = App.useApp();
  const [form] = Form.useForm<{ username: string; roleId: number }>();
  const [text, setText] = useState('');
  const users = useUserSearch(text);
  const add = useMutation({
    mutationFn: (values: { username: string; roleId: number }) =>
      api.post(`${projectPath(projectName)}/members`, {
        role_id: values.roleId,
        member_user: { username: values.username },
      }),
    onSuccess: (_, values) => {
      void message.success(t('members.added', { name: values.username, role: t(`roles.${values.roleId}`) }));
      form.resetFields();
      setText('');
      onAdded();
    },
  });
  const roleId = Form.useWatch('roleId', form);

  return (
    <Modal
      open={open}
      title={t('members.addTitle')}
      okText={t('members.add')}
      cancelText={t('common:cancel')}
      confirmLoading={add.isPending}
      onOk={() => form.submit()}
      onCancel={() => {
        add.reset();
        onClose();
      }}
      forceRender
    >
      <ErrorAlert error={add.error} />
      <Form form={form} layout="vertical" initialValues={{ roleId: 2 }} onFinish={(v) => add.mutate(v)}>
        <Form.Item
          name="username"
          label={t('members.username')}
          rules={[{ required: true, message: t('members.usernameRequired') }]}
        >
          <Select
            showSearch={{ filterOption: false, onSearch: setText }}
            placeholder={t('members.usernamePlaceholder')}
            notFoundContent={
              text.trim() === ''
                ? t('members.typeToSearch')
                : users.isFetching
                  ? t('common:loading')
                  : t('members.noUser')
            }
            options={(users.data ?? []).map((u) => ({ value: u.username, label: u.username }))}
          />
        </Form.Item>
        <Form.Item name="roleId" label={t('members.role')} rules={[{ required: true }]}>
          <Select options={ROLE_IDS.map((id) => ({ value: id, label: t(`roles.${id}`) }))} />
        </Form.Item>
        {roleId !== undefined && (
          <Alert type="info" showIcon title={t(`roleHelp.${roleId}`)} style={{ marginBottom: 8 }} />
        )}
      </Form>
    </Modal>
  );
}
