import { ReloadOutlined } from '@ant-design/icons';
import { Button, DatePicker, Flex, Input, Select, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { usePagedList } from '../../api/paging';
import { ErrorAlert } from '../../components/error-alert';
import { formatTime } from '../../components/format';
import { TimeText } from '../../components/time-text';
import { projectPath, type AuditLog, type ProjectJson } from './project-api';
import { auditQ, type AuditFilters } from './project-rules';

const OPERATIONS = ['create', 'update', 'delete', 'pull', 'stop'];
const RESOURCE_TYPES = [
  'artifact',
  'tag',
  'repository',
  'project',
  'project_metadata',
  'member',
  'robot',
  'label',
  'artifact-label',
  'quota',
  'retention_policy',
  'retention_execution',
  'immutable_tag_rule',
];
const OPERATION_COLORS: Record<string, string> = {
  create: 'green',
  update: 'blue',
  delete: 'red',
  pull: 'default',
  stop: 'orange',
};

/** The project's audit log (project admins): who did what to which resource, newest first. */
export function LogsTab({ project }: { project: ProjectJson }) {
  const { t, i18n } = useTranslation('projects');
  const [filters, setFilters] = useState<AuditFilters>({});
  const list = usePagedList<AuditLog>(['audit-logs', 'project', project.name], `${projectPath(project.name)}/logs`, {
    q: auditQ(filters),
    sort: '-op_time',
  });
  const patch = (p: Partial<AuditFilters>) => setFilters((f) => ({ ...f, ...p }));

  const columns: ColumnsType<AuditLog> = [
    {
      title: t('logs.time'),
      dataIndex: 'op_time',
      key: 'time',
      width: 200,
      render: (v: string) => (
        <Flex vertical gap={0}>
          <TimeText value={v} />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {formatTime(v, i18n.language)}
          </Typography.Text>
        </Flex>
      ),
    },
    { title: t('logs.user'), dataIndex: 'username', key: 'user', width: 180 },
    {
      title: t('logs.operation'),
      dataIndex: 'operation',
      key: 'operation',
      width: 120,
      render: (v: string) => (
        <Tag color={OPERATION_COLORS[v] ?? 'default'}>{t(`logs.operations.${v}`, { defaultValue: v })}</Tag>
      ),
    },
    {
      title: t('logs.resourceType'),
      dataIndex: 'resource_type',
      key: 'type',
      width: 170,
      render: (v: string) => t(`logs.types.${v}`, { defaultValue: v }),
    },
    {
      title: t('logs.resource'),
      dataIndex: 'resource',
      key: 'resource',
      render: (v: string) => (
        <Typography.Text className="mono" style={{ fontSize: 13, overflowWrap: 'anywhere' }}>
          {v}
        </Typography.Text>
      ),
    },
  ];

  return (
    <>
      <Flex gap={8} wrap justify="space-between" style={{ marginBottom: 16 }}>
        <Flex gap={8} wrap>
          <Input.Search
            allowClear
            placeholder={t('logs.user')}
            aria-label={t('logs.filterUser')}
            style={{ width: 150 }}
            onSearch={(v) => patch({ username: v })}
          />
          <Select
            allowClear
            placeholder={t('logs.operation')}
            aria-label={t('logs.filterOperation')}
            style={{ width: 120 }}
            value={filters.operation}
            onChange={(v?: string) => patch({ operation: v })}
            options={OPERATIONS.map((o) => ({ value: o, label: t(`logs.operations.${o}`) }))}
          />
          <Select
            allowClear
            placeholder={t('logs.resourceType')}
            aria-label={t('logs.filterType')}
            style={{ width: 160 }}
            value={filters.resourceType}
            onChange={(v?: string) => patch({ resourceType: v })}
            options={RESOURCE_TYPES.map((r) => ({ value: r, label: t(`logs.types.${r}`) }))}
          />
          <Input.Search
            allowClear
            placeholder={t('logs.resource')}
            aria-label={t('logs.filterResource')}
            style={{ width: 170 }}
            onSearch={(v) => patch({ resource: v })}
          />
          <DatePicker.RangePicker
            allowEmpty={[true, true]}
            aria-label={t('logs.filterTime')}
            style={{ width: 250 }}
            onChange={(range) =>
              patch({
                from: range?.[0]?.startOf('day').toDate() ?? null,
                to: range?.[1]?.endOf('day').toDate() ?? null,
              })
            }
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
      <Table<AuditLog>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.query.isLoading}
        pagination={{ ...list.pagination, showTotal: (total) => t('common:total', { count: total }) }}
        locale={{ emptyText: t('logs.empty') }}
      />
    </>
  );
}
