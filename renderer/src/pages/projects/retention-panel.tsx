import {
  CaretRightOutlined,
  DeleteOutlined,
  EditOutlined,
  ExperimentOutlined,
  FileTextOutlined,
  PlusOutlined,
  StopOutlined,
} from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Empty,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Progress,
  Select,
  Skeleton,
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
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { percent } from '../../components/format';
import { StatusTag } from '../../components/status-tag';
import { TimeText } from '../../components/time-text';
import type {
  ProjectAbilities,
  ProjectJson,
  RetentionExecution,
  RetentionMetadata,
  RetentionPolicy,
  RetentionRule,
  RetentionTask,
} from './project-api';
import {
  RETENTION_SCHEDULES,
  draftToRule,
  ruleToDraft,
  scheduleChoice,
  type RuleDraft,
  type ScheduleChoice,
} from './project-rules';
import { SelectorFields, SelectorText } from './selector-fields';

/** Harbor's limit on rules per policy. */
const MAX_RULES = 15;

type PolicyBody = Omit<RetentionPolicy, 'id'> & { id?: number };

export function RetentionPanel({ project, abilities }: { project: ProjectJson; abilities: ProjectAbilities }) {
  const { t } = useTranslation('projects');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const policyId = project.metadata.retention_id ? Number(project.metadata.retention_id) : undefined;
  const [editing, setEditing] = useState<{ index: number | null } | null>(null);

  const policy = useQuery({
    queryKey: ['project', project.name, 'retention', policyId],
    queryFn: ({ signal }) => api.get<RetentionPolicy>(`retentions/${policyId}`, undefined, signal),
    enabled: policyId !== undefined,
  });
  const metadata = useQuery({
    queryKey: ['project', 'retention-metadata'],
    queryFn: ({ signal }) => api.get<RetentionMetadata>('retentions/metadatas', undefined, signal),
    staleTime: Infinity,
  });
  const canEdit = abilities.can('tag-retention', policyId === undefined ? 'create' : 'update');
  const canRun = abilities.can('tag-retention', 'update');
  const rules = policy.data?.rules ?? [];
  const cron = policy.data?.trigger.settings.cron ?? '';

  /** Writes the whole policy (Harbor's API has no per-rule calls); creates it the first time. */
  const save = useMutation({
    mutationFn: async (next: { rules: RetentionRule[]; cron: string }) => {
      const body: PolicyBody = {
        algorithm: 'or',
        rules: next.rules,
        trigger: {
          kind: 'Schedule',
          settings: { cron: next.cron },
          ...(policy.data?.trigger.references ? { references: policy.data.trigger.references } : {}),
        },
        scope: { level: 'project', ref: project.project_id },
      };
      if (policyId === undefined) await api.post('retentions', body);
      else await api.put(`retentions/${policyId}`, { ...body, id: policyId });
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['project', project.name] });
      void queryClient.invalidateQueries({ queryKey: ['schedules'] });
    },
  });

  const saveRules = (next: RetentionRule[], done: string) =>
    save.mutateAsync({ rules: next, cron }).then(
      () => void message.success(done),
      (err: unknown) => void message.error(errorMessage(err)),
    );

  const run = useMutation({
    mutationFn: (dryRun: boolean) => api.post(`retentions/${policyId}/executions`, { dry_run: dryRun }),
    onSuccess: (_, dryRun) => {
      void message.success(dryRun ? t('retention.dryRunStarted') : t('retention.runStarted'));
      void queryClient.invalidateQueries({ queryKey: ['executions'] });
    },
    onError: (err) => void message.error(errorMessage(err)),
  });

  const enabledRules = rules.filter((r) => !r.disabled).length;

  return (
    <Card
      type="inner"
      title={t('retention.title')}
      extra={
        canEdit && (
          <Tooltip title={rules.length >= MAX_RULES ? t('retention.maxRules', { max: MAX_RULES }) : undefined}>
            <Button
              icon={<PlusOutlined />}
              disabled={rules.length >= MAX_RULES || metadata.isLoading}
              onClick={() => setEditing({ index: null })}
            >
              {t('retention.addRule')}
            </Button>
          </Tooltip>
        )
      }
    >
      <Alert
        type="info"
        showIcon
        title={t('retention.explainTitle')}
        description={t('retention.explain')}
        style={{ marginBottom: 16 }}
      />
      <ErrorAlert error={policy.error ?? metadata.error} />
      {policy.isLoading ? (
        <Skeleton active />
      ) : rules.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('retention.noRules')}>
          {canEdit && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ index: null })}>
              {t('retention.addFirstRule')}
            </Button>
          )}
        </Empty>
      ) : (
        <Flex vertical gap={8}>
          {rules.map((rule, index) => (
            <RuleRow
              key={rule.id ?? index}
              rule={rule}
              index={index}
              metadata={metadata.data}
              canEdit={canEdit}
              busy={save.isPending}
              onEdit={() => setEditing({ index })}
              onToggle={() =>
                void saveRules(
                  rules.map((r, i) => (i === index ? { ...r, disabled: !r.disabled } : r)),
                  rule.disabled ? t('retention.ruleEnabled') : t('retention.ruleDisabled'),
                )
              }
              onDelete={() =>
                saveRules(
                  rules.filter((_, i) => i !== index),
                  t('retention.ruleDeleted'),
                )
              }
            />
          ))}
        </Flex>
      )}

      {policyId !== undefined && policy.data && (
        <>
          <ScheduleRow
            key={cron}
            cron={cron}
            canEdit={canEdit}
            saving={save.isPending}
            onSave={(next) =>
              save.mutateAsync({ rules, cron: next }).then(
                () => void message.success(t('retention.scheduleSaved')),
                (err: unknown) => void message.error(errorMessage(err)),
              )
            }
          />
          <Flex gap={8} wrap align="center" style={{ marginTop: 16 }}>
            {canRun && (
              <>
                <Tooltip title={t('retention.dryRunHelp')}>
                  <Button
                    icon={<ExperimentOutlined />}
                    disabled={enabledRules === 0}
                    loading={run.isPending && run.variables === true}
                    onClick={() => run.mutate(true)}
                  >
                    {t('retention.dryRun')}
                  </Button>
                </Tooltip>
                <Popconfirm
                  title={t('retention.runTitle')}
                  description={<div style={{ maxWidth: 320 }}>{t('retention.runBody')}</div>}
                  okText={t('retention.runNow')}
                  okButtonProps={{ danger: true }}
                  cancelText={t('common:cancel')}
                  onConfirm={() => run.mutateAsync(false).catch(() => undefined)}
                  disabled={enabledRules === 0}
                >
                  <Button
                    danger
                    icon={<CaretRightOutlined />}
                    disabled={enabledRules === 0}
                    loading={run.isPending && run.variables === false}
                  >
                    {t('retention.runNow')}
                  </Button>
                </Popconfirm>
              </>
            )}
            {enabledRules === 0 && rules.length > 0 && (
              <Typography.Text type="secondary">{t('retention.allDisabled')}</Typography.Text>
            )}
          </Flex>
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {t('retention.runs')}
          </Typography.Title>
          <Executions policyId={policyId} canStop={canRun} />
        </>
      )}

      {editing && metadata.data && (
        <RuleModal
          metadata={metadata.data}
          rule={editing.index === null ? undefined : rules[editing.index]}
          onClose={() => setEditing(null)}
          onSave={async (rule) => {
            const next =
              editing.index === null ? [...rules, rule] : rules.map((r, i) => (i === editing.index ? rule : r));
            await save.mutateAsync({ rules: next, cron });
            void message.success(editing.index === null ? t('retention.ruleAdded') : t('retention.ruleSaved'));
            setEditing(null);
          }}
        />
      )}
    </Card>
  );
}

/** A template's action in words: "the 10 most recently pushed artifacts". */
function useRuleAction() {
  const { t } = useTranslation('projects');
  return (rule: Pick<RetentionRule, 'template' | 'params'>) => {
    const raw = rule.params[rule.template];
    const count = typeof raw === 'number' ? raw : Number(raw ?? 0);
    return t(`retention.templates.${rule.template}`, { count, defaultValue: rule.template });
  };
}

function RuleRow({
  rule,
  index,
  metadata,
  canEdit,
  busy,
  onEdit,
  onToggle,
  onDelete,
}: {
  rule: RetentionRule;
  index: number;
  metadata: RetentionMetadata | undefined;
  canEdit: boolean;
  busy: boolean;
  onEdit: () => void;
  onToggle: () => void;
  onDelete: () => Promise<void>;
}) {
  const { t } = useTranslation('projects');
  const { token } = theme.useToken();
  const action = useRuleAction();
  const known = !metadata || metadata.templates.some((m) => m.rule_template === rule.template);
  return (
    <Flex
      gap={16}
      align="center"
      justify="space-between"
      wrap
      style={{
        border: `1px solid ${token.colorBorderSecondary}`,
        borderRadius: token.borderRadius,
        padding: '10px 14px',
        opacity: rule.disabled ? 0.6 : 1,
      }}
    >
      <Flex vertical gap={4} style={{ minWidth: 0, flex: 1 }}>
        <Flex gap={8} align="center" wrap>
          <Tag color="blue">{t('retention.ruleNumber', { n: index + 1 })}</Tag>
          <Typography.Text strong>
            {t('retention.retain')} {action(rule)}
          </Typography.Text>
          {rule.disabled && <Tag>{t('retention.disabledTag')}</Tag>}
          {!known && <Tag color="warning">{rule.template}</Tag>}
        </Flex>
        <Flex gap={16} wrap>
          <SelectorText kind="repository" selector={rule.scope_selectors.repository?.[0]} />
          <SelectorText kind="tag" selector={rule.tag_selectors[0]} />
        </Flex>
      </Flex>
      {canEdit && (
        <Flex gap={4} align="center">
          <Tooltip title={rule.disabled ? t('retention.enableRule') : t('retention.disableRule')}>
            <Switch
              size="small"
              checked={!rule.disabled}
              disabled={busy}
              aria-label={t('retention.ruleEnabledOf', { n: index + 1 })}
              onChange={onToggle}
            />
          </Tooltip>
          <Tooltip title={t('common:edit')}>
            <Button
              type="text"
              icon={<EditOutlined />}
              aria-label={t('retention.editRuleOf', { n: index + 1 })}
              onClick={onEdit}
            />
          </Tooltip>
          <Popconfirm
            title={t('retention.deleteRuleTitle', { n: index + 1 })}
            description={t('retention.deleteRuleBody')}
            okText={t('common:delete')}
            okButtonProps={{ danger: true }}
            cancelText={t('common:cancel')}
            onConfirm={onDelete}
          >
            <Tooltip title={t('common:delete')}>
              <Button
                type="text"
                danger
                icon={<DeleteOutlined />}
                aria-label={t('retention.deleteRuleOf', { n: index + 1 })}
              />
            </Tooltip>
          </Popconfirm>
        </Flex>
      )}
    </Flex>
  );
}

function ScheduleRow({
  cron,
  canEdit,
  saving,
  onSave,
}: {
  cron: string;
  canEdit: boolean;
  saving: boolean;
  onSave: (cron: string) => Promise<void>;
}) {
  const { t } = useTranslation('projects');
  const [choice, setChoice] = useState<ScheduleChoice>(() => scheduleChoice(cron));
  const [custom, setCustom] = useState(cron);
  const next = choice === 'custom' ? custom.trim() : RETENTION_SCHEDULES[choice];
  const changed = next !== cron.trim();
  return (
    <Flex vertical gap={4} style={{ marginTop: 20 }}>
      <Typography.Text strong>{t('retention.schedule')}</Typography.Text>
      <Flex gap={8} align="center" wrap>
        <Select<ScheduleChoice>
          value={choice}
          disabled={!canEdit}
          style={{ width: 200 }}
          aria-label={t('retention.schedule')}
          onChange={(c) => {
            setChoice(c);
            if (c === 'custom' && custom === '') setCustom('0 0 3 * * *');
          }}
          options={(['none', 'hourly', 'daily', 'weekly', 'custom'] as const).map((c) => ({
            value: c,
            label: t(`retention.schedules.${c}`),
          }))}
        />
        {choice === 'custom' && (
          <Input
            className="mono"
            value={custom}
            disabled={!canEdit}
            style={{ width: 200 }}
            aria-label={t('retention.cron')}
            placeholder="0 0 3 * * *"
            onChange={(e) => setCustom(e.target.value)}
          />
        )}
        {canEdit && (
          <Button type="primary" disabled={!changed} loading={saving} onClick={() => void onSave(next)}>
            {t('common:save')}
          </Button>
        )}
      </Flex>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {choice === 'custom' ? t('retention.cronHelp') : t('retention.scheduleHelp')}
      </Typography.Text>
    </Flex>
  );
}

function RuleModal({
  metadata,
  rule,
  onClose,
  onSave,
}: {
  metadata: RetentionMetadata;
  rule?: RetentionRule;
  onClose: () => void;
  onSave: (rule: RetentionRule) => Promise<void>;
}) {
  const { t } = useTranslation('projects');
  const [form] = Form.useForm<RuleDraft>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const template = Form.useWatch('template', form);
  const tagDecoration = Form.useWatch('tagDecoration', form);
  const meta = metadata.templates.find((m) => m.rule_template === template);
  const unit = meta?.params[0]?.unit;
  const initial: RuleDraft = rule
    ? ruleToDraft(rule)
    : {
        repoDecoration: 'repoMatches',
        repoPattern: '**',
        tagDecoration: 'matches',
        tagPattern: '**',
        untagged: true,
        template: 'latestPushedK',
        count: 10,
      };

  return (
    <Modal
      open
      width={640}
      title={rule ? t('retention.editRuleTitle') : t('retention.addRuleTitle')}
      okText={rule ? t('common:save') : t('retention.addRule')}
      cancelText={t('common:cancel')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      <ErrorAlert error={error} />
      <Form<RuleDraft>
        form={form}
        layout="vertical"
        initialValues={initial}
        onFinish={async (values) => {
          setSaving(true);
          setError(null);
          try {
            await onSave(draftToRule({ ...initial, ...values }, unit !== undefined, rule));
          } catch (err) {
            setError(err);
          } finally {
            setSaving(false);
          }
        }}
      >
        <SelectorFields kind="repository" decorationName="repoDecoration" patternName="repoPattern" />
        <Form.Item label={t('retention.retainLabel')} required>
          <Flex gap={8} align="center" wrap>
            <Form.Item name="template" noStyle>
              <Select
                style={{ width: 320 }}
                aria-label={t('retention.retainLabel')}
                options={metadata.templates.map((m) => ({
                  value: m.rule_template,
                  label: t(`retention.templateChoices.${m.rule_template}`, { defaultValue: m.display_text }),
                }))}
              />
            </Form.Item>
            {unit && (
              <Form.Item
                name="count"
                noStyle
                rules={[{ required: true, type: 'integer', min: 0, message: t('retention.countInvalid') }]}
              >
                <InputNumber
                  min={0}
                  max={unit === 'COUNT' ? 32766 : 20190904}
                  precision={0}
                  style={{ width: 160 }}
                  aria-label={unit === 'COUNT' ? t('retention.countLabel') : t('retention.daysLabel')}
                  suffix={unit === 'COUNT' ? t('retention.unitArtifacts') : t('retention.unitDays')}
                />
              </Form.Item>
            )}
          </Flex>
        </Form.Item>
        <SelectorFields kind="tag" decorationName="tagDecoration" patternName="tagPattern" />
        <Form.Item name="untagged" valuePropName="checked" style={{ marginTop: -8 }}>
          <Checkbox>
            {tagDecoration === 'excludes' ? t('retention.untaggedExclude') : t('retention.untaggedInclude')}
          </Checkbox>
        </Form.Item>
        <Alert type="warning" showIcon title={t('retention.ruleWarning')} />
      </Form>
    </Modal>
  );
}

/** A run's dry-run flag in either shape (Harbor's listing or a live job-system update). */
function isDryRun(e: RetentionExecution): boolean {
  return e.dry_run ?? e.extra_attrs?.dry_run === true;
}

function Executions({ policyId, canStop }: { policyId: number; canStop: boolean }) {
  const { t } = useTranslation('projects');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const list = usePagedList<RetentionExecution>(
    ['executions', 'retention', policyId],
    `retentions/${policyId}/executions`,
    {},
    { pageSize: 15 },
  );
  const stop = useMutation({
    mutationFn: (id: number) => api.patch(`retentions/${policyId}/executions/${id}`, { action: 'stop' }),
    onSuccess: () => {
      void message.success(t('retention.stopRequested'));
      void queryClient.invalidateQueries({ queryKey: ['executions'] });
    },
    onError: (err) => void message.error(errorMessage(err)),
  });
  const columns: ColumnsType<RetentionExecution> = [
    { title: t('retention.runId'), dataIndex: 'id', key: 'id', width: 80 },
    {
      title: t('retention.status'),
      key: 'status',
      width: 220,
      render: (_, e) => (
        <Flex gap={8} align="center">
          <StatusTag status={e.status} />
          {e.progress && e.progress.total > 0 && !e.end_time && (
            <Progress
              percent={percent(e.progress.done, e.progress.total)}
              size="small"
              style={{ width: 100, margin: 0 }}
            />
          )}
        </Flex>
      ),
    },
    {
      title: t('retention.kind'),
      key: 'kind',
      width: 110,
      render: (_, e) =>
        isDryRun(e) ? <Tag color="geekblue">{t('retention.dryRunTag')}</Tag> : <Tag>{t('retention.realRunTag')}</Tag>,
    },
    {
      title: t('retention.trigger'),
      dataIndex: 'trigger',
      key: 'trigger',
      width: 120,
      render: (v: string) => t(`retention.triggers.${v}`, { defaultValue: v }),
    },
    {
      title: t('retention.started'),
      dataIndex: 'start_time',
      key: 'start',
      render: (v: string) => <TimeText value={v} />,
    },
    {
      title: t('retention.ended'),
      dataIndex: 'end_time',
      key: 'end',
      render: (v: string | null | undefined) => <TimeText value={v} />,
    },
    ...(canStop
      ? [
          {
            title: t('common:actions'),
            key: 'actions',
            width: 90,
            render: (_: unknown, e: RetentionExecution) =>
              e.status === 'Running' || e.status === 'Pending' ? (
                <Tooltip title={t('retention.stop')}>
                  <Button
                    type="text"
                    icon={<StopOutlined />}
                    aria-label={t('retention.stopOf', { id: e.id })}
                    loading={stop.isPending && stop.variables === e.id}
                    onClick={() => stop.mutate(e.id)}
                  />
                </Tooltip>
              ) : null,
          },
        ]
      : []),
  ];
  return (
    <>
      <ErrorAlert error={list.query.error} />
      <Table<RetentionExecution>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.query.isLoading}
        pagination={list.pagination}
        expandable={{ expandedRowRender: (e) => <Tasks policyId={policyId} executionId={e.id} /> }}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('retention.noRuns')} /> }}
      />
    </>
  );
}

function Tasks({ policyId, executionId }: { policyId: number; executionId: number }) {
  const { t } = useTranslation('projects');
  const [log, setLog] = useState<RetentionTask | null>(null);
  // `['tasks', 'retention', …]`: live task updates (in the job system's shape) refresh it, never overwrite it.
  const list = usePagedList<RetentionTask>(
    ['tasks', 'retention', executionId],
    `retentions/${policyId}/executions/${executionId}/tasks`,
    {},
    { pageSize: 15 },
  );
  const columns: ColumnsType<RetentionTask> = [
    {
      title: t('retention.repository'),
      dataIndex: 'repository',
      key: 'repository',
      render: (v: string) => <Typography.Text className="mono">{v}</Typography.Text>,
    },
    {
      title: t('retention.status'),
      key: 'status',
      width: 120,
      render: (_, task) => <StatusTag status={task.status} />,
    },
    {
      title: t('retention.result'),
      key: 'result',
      render: (_, task) =>
        task.end_time
          ? t('retention.resultText', {
              retained: task.retained,
              total: task.total,
              deleted: task.total - task.retained,
            })
          : '—',
    },
    { title: t('retention.started'), key: 'start', render: (_, task) => <TimeText value={task.start_time} /> },
    { title: t('retention.ended'), key: 'end', render: (_, task) => <TimeText value={task.end_time} /> },
    {
      title: t('retention.log'),
      key: 'log',
      width: 70,
      render: (_, task) => (
        <Tooltip title={t('retention.viewLog')}>
          <Button
            type="text"
            icon={<FileTextOutlined />}
            aria-label={t('retention.logOf', { repository: task.repository })}
            onClick={() => setLog(task)}
          />
        </Tooltip>
      ),
    },
  ];
  return (
    <>
      <ErrorAlert error={list.query.error} />
      <Table<RetentionTask>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={list.items}
        loading={list.query.isLoading}
        pagination={list.total > 15 ? list.pagination : false}
        locale={{ emptyText: t('retention.noTasks') }}
      />
      {log && (
        <TaskLog
          path={`retentions/${policyId}/executions/${executionId}/tasks/${log.id}`}
          repository={log.repository}
          onClose={() => setLog(null)}
        />
      )}
    </>
  );
}

function TaskLog({ path, repository, onClose }: { path: string; repository: string; onClose: () => void }) {
  const { t } = useTranslation('projects');
  const { token } = theme.useToken();
  const log = useQuery({
    queryKey: ['tasks', 'retention-log', path],
    queryFn: () => api.text(path),
  });
  return (
    <Modal open width={860} title={t('retention.logTitle', { repository })} footer={null} onCancel={onClose}>
      <ErrorAlert error={log.error} />
      {log.isLoading ? (
        <Skeleton active />
      ) : (
        <pre
          className="mono"
          style={{
            maxHeight: 480,
            overflow: 'auto',
            background: token.colorFillQuaternary,
            padding: 12,
            borderRadius: token.borderRadius,
            fontSize: 12,
            margin: 0,
            whiteSpace: 'pre-wrap',
          }}
        >
          {log.data || t('retention.emptyLog')}
        </pre>
      )}
    </Modal>
  );
}
