import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Empty, Form, Modal, Popconfirm, Switch, Table, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { usePagedList } from '../../api/paging';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { projectPath, type ImmutableRule, type ProjectAbilities, type ProjectJson } from './project-api';
import { SelectorFields, SelectorText } from './selector-fields';

interface ImmutableDraft {
  repoDecoration: 'repoMatches' | 'repoExcludes';
  repoPattern: string;
  tagDecoration: 'matches' | 'excludes';
  tagPattern: string;
}

/** Harbor's ImmutableRule body for a draft (`id` only when updating). */
export function immutableRuleBody(draft: ImmutableDraft, base?: ImmutableRule) {
  return {
    ...(base ? { id: base.id, priority: base.priority, params: base.params } : {}),
    disabled: base?.disabled ?? false,
    action: 'immutable',
    template: 'immutable_template',
    tag_selectors: [{ kind: 'doublestar', decoration: draft.tagDecoration, pattern: draft.tagPattern.trim() }],
    scope_selectors: {
      repository: [{ kind: 'doublestar', decoration: draft.repoDecoration, pattern: draft.repoPattern.trim() }],
    },
  };
}

export function ImmutabilityPanel({ project, abilities }: { project: ProjectJson; abilities: ProjectAbilities }) {
  const { t } = useTranslation('projects');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const base = `${projectPath(project.name)}/immutabletagrules`;
  const list = usePagedList<ImmutableRule>(['project', project.name, 'immutable-rules'], base);
  const canCreate = abilities.can('immutable-tag', 'create');
  const canUpdate = abilities.can('immutable-tag', 'update');
  const canDelete = abilities.can('immutable-tag', 'delete');
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['project', project.name, 'immutable-rules'] });
    // Tags show whether they are immutable.
    void queryClient.invalidateQueries({ queryKey: ['artifacts'] });
    void queryClient.invalidateQueries({ queryKey: ['artifact'] });
  };

  const toggle = useMutation({
    mutationFn: (rule: ImmutableRule) => api.put(`${base}/${rule.id}`, { ...rule, disabled: !rule.disabled }),
    onSuccess: (_, rule) => {
      void message.success(rule.disabled ? t('immutability.enabled') : t('immutability.disabled'));
      refresh();
    },
    onError: (err) => void message.error(errorMessage(err)),
  });
  const remove = useMutation({
    mutationFn: (rule: ImmutableRule) => api.delete(`${base}/${rule.id}`),
    onSuccess: () => {
      void message.success(t('immutability.deleted'));
      refresh();
    },
    onError: (err) => void message.error(errorMessage(err)),
  });

  const columns: ColumnsType<ImmutableRule> = [
    {
      title: t('selectors.repositories'),
      key: 'repositories',
      render: (_, r) => (
        <SelectorText kind="repository" selector={r.scope_selectors.repository?.[0]} showLabel={false} />
      ),
    },
    {
      title: t('selectors.tags'),
      key: 'tags',
      render: (_, r) => (
        <SelectorText kind="tag" selector={r.tag_selectors[0]} showUntagged={false} showLabel={false} />
      ),
    },
    {
      title: t('immutability.enabledColumn'),
      key: 'enabled',
      width: 110,
      render: (_, r) => (
        <Switch
          size="small"
          checked={!r.disabled}
          disabled={!canUpdate}
          loading={toggle.isPending && toggle.variables?.id === r.id}
          aria-label={t('immutability.enabledOf', { id: r.id })}
          onChange={() => toggle.mutate(r)}
        />
      ),
    },
    ...(canDelete
      ? [
          {
            title: t('common:actions'),
            key: 'actions',
            width: 90,
            render: (_: unknown, r: ImmutableRule) => (
              <Popconfirm
                title={t('immutability.deleteTitle')}
                description={t('immutability.deleteBody')}
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
                    aria-label={t('immutability.deleteOf', { id: r.id })}
                  />
                </Tooltip>
              </Popconfirm>
            ),
          },
        ]
      : []),
  ];

  return (
    <Card
      type="inner"
      title={t('immutability.title')}
      extra={
        canCreate && (
          <Button icon={<PlusOutlined />} onClick={() => setAdding(true)}>
            {t('immutability.add')}
          </Button>
        )
      }
    >
      <Alert
        type="info"
        showIcon
        title={t('immutability.explainTitle')}
        description={t('immutability.explain')}
        style={{ marginBottom: 16 }}
      />
      <ErrorAlert error={list.query.error} />
      <Table<ImmutableRule>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.query.isLoading}
        pagination={list.total > 15 ? list.pagination : false}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('immutability.empty')} /> }}
      />
      {adding && (
        <ImmutableRuleModal
          path={base}
          onClose={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            void message.success(t('immutability.added'));
            refresh();
          }}
        />
      )}
    </Card>
  );
}

function ImmutableRuleModal({ path, onClose, onAdded }: { path: string; onClose: () => void; onAdded: () => void }) {
  const { t } = useTranslation('projects');
  const [form] = Form.useForm<ImmutableDraft>();
  const add = useMutation({
    mutationFn: (draft: ImmutableDraft) => api.post(path, immutableRuleBody(draft)),
    onSuccess: onAdded,
  });
  return (
    <Modal
      open
      width={600}
      title={t('immutability.addTitle')}
      okText={t('immutability.add')}
      cancelText={t('common:cancel')}
      confirmLoading={add.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      <ErrorAlert error={add.error} />
      <Form<ImmutableDraft>
        form={form}
        layout="vertical"
        initialValues={{ repoDecoration: 'repoMatches', repoPattern: '**', tagDecoration: 'matches', tagPattern: '' }}
        onFinish={(v) => add.mutate(v)}
      >
        <SelectorFields kind="repository" decorationName="repoDecoration" patternName="repoPattern" />
        <SelectorFields kind="tag" decorationName="tagDecoration" patternName="tagPattern" />
      </Form>
    </Modal>
  );
}
