import { DeleteOutlined, EditOutlined, KeyOutlined, PlusOutlined, RobotOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Checkbox,
  Descriptions,
  Empty,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Popover,
  Segmented,
  Select,
  Switch,
  Table,
  Tag,
  Tooltip,
  Typography,
  theme,
} from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { usePagedList } from '../../api/paging';
import { CopyButton } from '../../components/copy-button';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { TimeText } from '../../components/time-text';
import type { ProjectAbilities, ProjectJson, Robot, RobotSecret } from './project-api';
import {
  MAX_ROBOT_NAME,
  ROBOT_NAME,
  ROBOT_PRESETS,
  ROBOT_RESOURCES,
  accessKeys,
  robotExpired,
  robotPermissions,
  robotShortName,
} from './project-rules';
import { CommandLine, registryHost } from './push-hint';

const DURATIONS = [-1, 30, 90, 180, 365] as const;

export function RobotsTab({ project, abilities }: { project: ProjectJson; abilities: ProjectAbilities }) {
  const { t } = useTranslation('projects');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Robot | 'new' | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string; fresh: boolean } | null>(null);
  const list = usePagedList<Robot>(['robots', 'project', project.project_id], 'robots', {
    q: `Level=project,ProjectID=${project.project_id}`,
  });
  const canCreate = abilities.can('robot', 'create');
  const canUpdate = abilities.can('robot', 'update');
  const canDelete = abilities.can('robot', 'delete');
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['robots'] });

  const toggle = useMutation({
    mutationFn: (robot: Robot) =>
      api.put(`robots/${robot.id}`, {
        name: robot.name,
        description: robot.description,
        level: robot.level,
        duration: robot.duration,
        disable: !robot.disable,
        permissions: robot.permissions,
      }),
    onSuccess: (_, robot) => {
      void message.success(t(robot.disable ? 'robots.enabled' : 'robots.disabled', { name: robot.name }));
      refresh();
    },
    onError: (err) => void message.error(errorMessage(err)),
  });
  const refreshSecret = useMutation({
    mutationFn: (robot: Robot) => api.patch<RobotSecret>(`robots/${robot.id}`, {}),
    onSuccess: (res, robot) => setSecret({ name: robot.name, secret: res.data.secret, fresh: false }),
    onError: (err) => void message.error(errorMessage(err)),
  });
  const remove = useMutation({
    mutationFn: (robot: Robot) => api.delete(`robots/${robot.id}`),
    onSuccess: (_, robot) => {
      void message.success(t('robots.deleted', { name: robot.name }));
      refresh();
    },
    onError: (err) => void message.error(errorMessage(err)),
  });

  const columns: ColumnsType<Robot> = [
    {
      title: t('robots.name'),
      key: 'name',
      render: (_, r) => (
        <Flex vertical gap={0}>
          <Flex gap={4} align="center">
            <RobotOutlined />
            <Typography.Text strong>{robotShortName(r.name)}</Typography.Text>
          </Flex>
          <Flex gap={0} align="center">
            <Typography.Text type="secondary" className="mono" style={{ fontSize: 12 }}>
              {r.name}
            </Typography.Text>
            <CopyButton text={r.name} label={r.name} />
          </Flex>
        </Flex>
      ),
    },
    {
      title: t('robots.status'),
      key: 'status',
      width: 110,
      render: (_, r) =>
        r.disable ? (
          <Tag>{t('robots.statusDisabled')}</Tag>
        ) : robotExpired(r.expires_at) ? (
          <Tag color="error">{t('robots.statusExpired')}</Tag>
        ) : (
          <Tag color="success">{t('robots.statusEnabled')}</Tag>
        ),
    },
    {
      title: t('robots.permissions'),
      key: 'permissions',
      render: (_, r) => <PermissionSummary robot={r} />,
    },
    {
      title: t('robots.expires'),
      key: 'expires',
      width: 140,
      render: (_, r) =>
        r.expires_at < 0 ? (
          <Typography.Text type="secondary">{t('robots.never')}</Typography.Text>
        ) : (
          <TimeText value={new Date(r.expires_at * 1000).toISOString()} />
        ),
    },
    {
      title: t('robots.created'),
      dataIndex: 'creation_time',
      key: 'created',
      width: 130,
      render: (v: string) => <TimeText value={v} />,
    },
    {
      title: t('robots.description'),
      dataIndex: 'description',
      key: 'description',
      ellipsis: true,
      render: (v: string) => v || <Typography.Text type="secondary">—</Typography.Text>,
    },
    ...(canUpdate || canDelete
      ? [
          {
            title: t('common:actions'),
            key: 'actions',
            width: 190,
            render: (_: unknown, r: Robot) => (
              <Flex gap={4} align="center">
                {canUpdate && (
                  <>
                    <Tooltip title={r.disable ? t('robots.enable') : t('robots.disable')}>
                      <Switch
                        size="small"
                        checked={!r.disable}
                        loading={toggle.isPending && toggle.variables?.id === r.id}
                        aria-label={t('robots.enabledOf', { name: r.name })}
                        onChange={() => toggle.mutate(r)}
                      />
                    </Tooltip>
                    <Tooltip title={t('common:edit')}>
                      <Button
                        type="text"
                        icon={<EditOutlined />}
                        aria-label={t('robots.editOf', { name: r.name })}
                        onClick={() => setEditing(r)}
                      />
                    </Tooltip>
                    <Popconfirm
                      title={t('robots.refreshTitle')}
                      description={t('robots.refreshBody')}
                      okText={t('robots.refresh')}
                      cancelText={t('common:cancel')}
                      onConfirm={() => refreshSecret.mutateAsync(r).catch(() => undefined)}
                    >
                      <Tooltip title={t('robots.refresh')}>
                        <Button
                          type="text"
                          icon={<KeyOutlined />}
                          aria-label={t('robots.refreshOf', { name: r.name })}
                        />
                      </Tooltip>
                    </Popconfirm>
                  </>
                )}
                {canDelete && (
                  <Popconfirm
                    title={t('robots.deleteTitle', { name: r.name })}
                    description={t('robots.deleteBody')}
                    okText={t('common:delete')}
                    okButtonProps={{ danger: true }}
                    cancelText={t('common:cancel')}
                    onConfirm={() => remove.mutateAsync(r).catch(() => undefined)}
                  >
                    <Tooltip title={t('common:delete')}>
                      <Button
                        type="text"
                        danger
                        icon={<DeleteOutlined />}
                        aria-label={t('robots.deleteOf', { name: r.name })}
                      />
                    </Tooltip>
                  </Popconfirm>
                )}
              </Flex>
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Typography.Paragraph type="secondary">{t('robots.intro')}</Typography.Paragraph>
      {canCreate && (
        <Flex justify="flex-end" style={{ marginBottom: 16 }}>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            {t('robots.new')}
          </Button>
        </Flex>
      )}
      <ErrorAlert error={list.query.error} />
      <Table<Robot>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.query.isLoading}
        pagination={list.pagination}
        locale={{
          emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('robots.empty')} />,
        }}
      />
      {editing !== null && (
        <RobotModal
          project={project}
          robot={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(created) => {
            setEditing(null);
            refresh();
            if (created) setSecret({ name: created.name ?? '', secret: created.secret, fresh: true });
          }}
        />
      )}
      {secret && <SecretModal {...secret} onClose={() => setSecret(null)} />}
    </>
  );
}

/** Per resource, the actions the robot holds; the full list on hover. */
function PermissionSummary({ robot }: { robot: Robot }) {
  const { t } = useTranslation('projects');
  const byResource = new Map<string, string[]>();
  for (const key of accessKeys(robot.permissions)) {
    const colon = key.lastIndexOf(':');
    const resource = key.slice(0, colon);
    byResource.set(resource, [...(byResource.get(resource) ?? []), key.slice(colon + 1)]);
  }
  const entries = [...byResource.entries()];
  const shown = entries.slice(0, 3);
  const content = (
    <Flex vertical gap={4} style={{ maxWidth: 360 }}>
      {entries.map(([resource, actions]) => (
        <div key={resource}>
          <Typography.Text strong>{t(`resources.${resource}`, { defaultValue: resource })}</Typography.Text>
          {': '}
          {actions.map((a) => t(`actions.${a}`, { defaultValue: a })).join(', ')}
        </div>
      ))}
    </Flex>
  );
  return (
    <Popover content={content} title={t('robots.permissions')}>
      <Flex gap={4} wrap>
        {shown.map(([resource, actions]) => (
          <Tag key={resource}>
            {t(`resources.${resource}`, { defaultValue: resource })}:{' '}
            {actions.map((a) => t(`actions.${a}`, { defaultValue: a })).join(', ')}
          </Tag>
        ))}
        {entries.length > shown.length && <Tag>+{entries.length - shown.length}</Tag>}
      </Flex>
    </Popover>
  );
}

interface RobotForm {
  name: string;
  description: string;
  durationChoice: number | 'custom';
  customDays?: number;
  access: string[];
}

function RobotModal({
  project,
  robot,
  onClose,
  onSaved,
}: {
  project: ProjectJson;
  robot?: Robot;
  onClose: () => void;
  onSaved: (created?: RobotSecret) => void;
}) {
  const { t } = useTranslation('projects');
  const { message } = App.useApp();
  const [form] = Form.useForm<RobotForm>();
  const durationChoice = Form.useWatch('durationChoice', form);
  const prefix = `robot$${project.name}+`;
  const initialDuration = robot?.duration ?? 30;
  const initial: RobotForm = {
    name: robot ? robotShortName(robot.name) : '',
    description: robot?.description ?? '',
    durationChoice: (DURATIONS as readonly number[]).includes(initialDuration) ? initialDuration : 'custom',
    customDays: initialDuration > 0 ? initialDuration : 60,
    access: robot ? accessKeys(robot.permissions) : [...ROBOT_PRESETS.push],
  };

  const save = useMutation({
    mutationFn: async (values: RobotForm) => {
      const duration = values.durationChoice === 'custom' ? (values.customDays ?? 1) : values.durationChoice;
      const body = {
        name: robot ? robot.name : values.name.trim(),
        description: values.description.trim(),
        level: 'project' as const,
        duration,
        disable: robot?.disable ?? false,
        permissions: robotPermissions(project.name, values.access),
      };
      if (robot) {
        await api.put(`robots/${robot.id}`, body);
        return undefined;
      }
      return (await api.post<RobotSecret>('robots', body)).data;
    },
    onSuccess: (created) => {
      if (!created) void message.success(t('robots.saved', { name: robot?.name ?? '' }));
      onSaved(created);
    },
  });

  return (
    <Modal
      open
      width={720}
      title={robot ? t('robots.editTitle', { name: robot.name }) : t('robots.newTitle')}
      okText={robot ? t('common:save') : t('common:create')}
      cancelText={t('common:cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      <ErrorAlert error={save.error} />
      <Form<RobotForm> form={form} layout="vertical" initialValues={initial} onFinish={(v) => save.mutate(v)}>
        <Form.Item
          name="name"
          label={t('robots.name')}
          extra={robot ? undefined : t('robots.nameHelp')}
          rules={[
            { required: true, message: t('robots.nameRequired') },
            { max: MAX_ROBOT_NAME, message: t('robots.nameTooLong', { max: MAX_ROBOT_NAME }) },
            { pattern: ROBOT_NAME, message: t('robots.nameInvalid') },
          ]}
        >
          <Input
            disabled={!!robot}
            autoFocus={!robot}
            autoComplete="off"
            prefix={
              <Typography.Text type="secondary" className="mono">
                {prefix}
              </Typography.Text>
            }
          />
        </Form.Item>
        <Form.Item name="description" label={t('robots.description')}>
          <Input.TextArea rows={2} maxLength={1024} />
        </Form.Item>
        <Form.Item label={t('robots.expiration')} required style={{ marginBottom: 8 }}>
          <Flex gap={12} align="center" wrap>
            <Form.Item name="durationChoice" noStyle>
              <Select
                style={{ width: 200 }}
                aria-label={t('robots.expiration')}
                options={[
                  ...DURATIONS.map((d) => ({
                    value: d,
                    label: d < 0 ? t('robots.never') : t('robots.days', { count: d }),
                  })),
                  { value: 'custom', label: t('robots.customDays') },
                ]}
              />
            </Form.Item>
            {durationChoice === 'custom' && (
              <Form.Item
                name="customDays"
                noStyle
                rules={[{ required: true, type: 'integer', min: 1, message: t('robots.daysInvalid') }]}
              >
                <InputNumber
                  min={1}
                  max={36500}
                  precision={0}
                  aria-label={t('robots.customDays')}
                  suffix={t('robots.dayUnit')}
                />
              </Form.Item>
            )}
          </Flex>
        </Form.Item>
        <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
          {robot ? t('robots.expirationEditHelp') : t('robots.expirationHelp')}
        </Typography.Paragraph>
        <Form.Item
          name="access"
          label={t('robots.permissions')}
          rules={[{ required: true, type: 'array', min: 1, message: t('robots.permissionsRequired') }]}
        >
          <PermissionChecklist />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The robot's accesses as a checklist per resource, with presets for the usual jobs. */
function PermissionChecklist({ value = [], onChange }: { value?: string[]; onChange?: (v: string[]) => void }) {
  const { t } = useTranslation('projects');
  const { token } = theme.useToken();
  const held = new Set(value);
  const preset = (Object.keys(ROBOT_PRESETS) as (keyof typeof ROBOT_PRESETS)[]).find(
    (k) => ROBOT_PRESETS[k].length === held.size && ROBOT_PRESETS[k].every((a) => held.has(a)),
  );
  const set = (keys: Iterable<string>) => onChange?.([...new Set(keys)]);
  return (
    <Flex vertical gap={12}>
      <Flex gap={12} align="center" wrap>
        <Typography.Text type="secondary">{t('robots.preset')}</Typography.Text>
        <Segmented
          value={preset ?? 'custom'}
          onChange={(k) => {
            if (k !== 'custom') set(ROBOT_PRESETS[k as keyof typeof ROBOT_PRESETS]);
          }}
          options={[
            { value: 'pull', label: t('robots.presetPull') },
            { value: 'push', label: t('robots.presetPush') },
            { value: 'manage', label: t('robots.presetManage') },
            { value: 'custom', label: t('robots.presetCustom'), disabled: true },
          ]}
        />
      </Flex>
      <div style={{ border: `1px solid ${token.colorBorderSecondary}`, borderRadius: token.borderRadius }}>
        {ROBOT_RESOURCES.map(({ resource, actions }, i) => {
          const keys = actions.map((a) => `${resource}:${a}`);
          const count = keys.filter((k) => held.has(k)).length;
          return (
            <Flex
              key={resource}
              align="center"
              gap={12}
              wrap
              style={{
                padding: '6px 12px',
                borderTop: i === 0 ? undefined : `1px solid ${token.colorBorderSecondary}`,
              }}
            >
              <Checkbox
                style={{ width: 200 }}
                checked={count === keys.length}
                indeterminate={count > 0 && count < keys.length}
                onChange={(e) => set(e.target.checked ? [...value, ...keys] : value.filter((k) => !keys.includes(k)))}
              >
                <Typography.Text strong>{t(`resources.${resource}`)}</Typography.Text>
              </Checkbox>
              <Checkbox.Group
                value={keys.filter((k) => held.has(k))}
                aria-label={t(`resources.${resource}`)}
                onChange={(checked) => set([...value.filter((k) => !keys.includes(k)), ...(checked as string[])])}
                options={actions.map((a) => ({ value: `${resource}:${a}`, label: t(`actions.${a}`) }))}
              />
            </Flex>
          );
        })}
      </div>
    </Flex>
  );
}

/** The one moment a robot's secret is readable: copy it now or refresh it later. */
function SecretModal({
  name,
  secret,
  fresh,
  onClose,
}: {
  name: string;
  secret: string;
  fresh: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation('projects');
  return (
    <Modal
      open
      title={fresh ? t('secret.createdTitle') : t('secret.refreshedTitle')}
      closable={false}
      keyboard={false}
      mask={{ closable: false }}
      footer={
        <Button type="primary" onClick={onClose}>
          {t('secret.done')}
        </Button>
      }
    >
      <Alert
        type="warning"
        showIcon
        title={t('secret.onceTitle')}
        description={t('secret.onceBody')}
        style={{ marginBottom: 16 }}
      />
      <Descriptions
        column={1}
        size="small"
        bordered
        items={[
          {
            key: 'name',
            label: t('robots.name'),
            children: (
              <Flex align="center" justify="space-between" gap={8}>
                <Typography.Text className="mono">{name}</Typography.Text>
                <CopyButton text={name} label={t('robots.name')} />
              </Flex>
            ),
          },
          {
            key: 'secret',
            label: t('secret.secret'),
            children: (
              <Flex align="center" justify="space-between" gap={8}>
                <Typography.Text className="mono" data-testid="robot-secret" style={{ overflowWrap: 'anywhere' }}>
                  {secret}
                </Typography.Text>
                <CopyButton text={secret} label={t('secret.secret')} />
              </Flex>
            ),
          },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 8 }}>
        {t('secret.loginHint')}
      </Typography.Paragraph>
      <CommandLine command={`docker login ${registryHost()} -u '${name}'`} label={t('push.login')} />
    </Modal>
  );
}
