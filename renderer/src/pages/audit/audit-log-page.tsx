import { ClearOutlined, ReloadOutlined, SearchOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Card,
  DatePicker,
  Empty,
  Flex,
  Input,
  Result,
  Select,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table/interface';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { usePagedList } from '../../api/paging';
import { ErrorAlert } from '../../components/error-alert';
import { formatRelative, formatTime } from '../../components/format';
import { PageHeader } from '../../components/page-header';
import { useCurrentUser } from '../../stores/session';
import { auditQ } from './audit-query';
import { useAuditView } from './audit-store';
import { searchable } from './harbor-q';
import type { AuditLog } from './types';
import { useDebounced } from './use-debounced';

/** What the server records (server/notify/audit-writer.ts and the API routes' `audit.record` calls). */
const OPERATIONS = ['create', 'update', 'delete', 'pull', 'login', 'stop'];
const OPERATION_COLORS: Record<string, string> = {
  create: 'green',
  update: 'blue',
  delete: 'red',
  pull: 'cyan',
  push: 'green',
  login: 'purple',
  logout: 'default',
  stop: 'orange',
};
const RESOURCE_TYPES = [
  'artifact',
  'tag',
  'repository',
  'project',
  'project_metadata',
  'member',
  'robot',
  'user',
  'user_login',
  'session',
  'access_token',
  'login_lock',
  'label',
  'artifact-label',
  'quota',
  'immutable_tag_rule',
  'retention_policy',
  'retention_execution',
  'execution',
  'job_queue',
  'garbage_collection',
];

export function AuditLogPage() {
  const { t, i18n } = useTranslation('audit');
  const admin = useCurrentUser()?.sysadmin_flag ?? false;
  const view = useAuditView();

  const username = useDebounced(view.username.trim());
  const resource = useDebounced(view.resource.trim());
  const [start, end] = view.range ?? [];
  const q = useMemo(
    () =>
      auditQ({
        operations: view.operations,
        resourceType: view.resourceType,
        username: searchable(username) ? username : '',
        resource: searchable(resource) ? resource : '',
        // Minutes are what the picker shows; the range covers each chosen minute whole.
        from: start ? start.startOf('minute').toISOString() : undefined,
        to: end ? end.endOf('minute').toISOString() : undefined,
        result: view.result,
      }),
    [view.operations, view.resourceType, username, resource, start, end, view.result],
  );
  const list = usePagedList<AuditLog>(
    ['audit-logs'],
    'audit-logs',
    { q, sort: view.newestFirst ? undefined : 'op_time' },
    { pageSize: 25 },
  );
  const items = list.items;
  // The listing is Harbor's AuditLog; these columns appear when the API adds the stored fields.
  const hasClientIp = items.some((e) => e.client_ip !== undefined);
  const hasResult = items.some((e) => e.success !== undefined);
  const hasDetail = items.some((e) => e.detail !== undefined);

  const forbidden = list.query.error instanceof ApiError && list.query.error.status === 403;
  if (forbidden) {
    return (
      <>
        <PageHeader title={t('title')} />
        <Result status="403" title={t('forbidden.title')} subTitle={t('forbidden.body')} />
      </>
    );
  }

  const filtered = Boolean(q);
  const commaProblem = !searchable(view.username) || !searchable(view.resource);

  const columns: ColumnsType<AuditLog> = [
    {
      title: t('column.time'),
      dataIndex: 'op_time',
      key: 'op_time',
      width: 200,
      sorter: true,
      sortOrder: view.newestFirst ? 'descend' : 'ascend',
      sortDirections: ['descend', 'ascend', 'descend'],
      render: (time: string) => (
        <Tooltip title={formatRelative(time, i18n.language)}>
          <span style={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
            {formatTime(time, i18n.language)}
          </span>
        </Tooltip>
      ),
    },
    {
      title: t('column.user'),
      dataIndex: 'username',
      key: 'username',
      width: 160,
      render: (name: string) => <Typography.Text strong>{name}</Typography.Text>,
    },
    ...(hasClientIp
      ? [
          {
            title: t('column.clientIp'),
            dataIndex: 'client_ip',
            key: 'client_ip',
            render: (ip: string | null) => <Typography.Text code>{ip || '—'}</Typography.Text>,
          },
        ]
      : []),
    {
      title: t('column.operation'),
      dataIndex: 'operation',
      key: 'operation',
      width: 120,
      render: (op: string) => (
        <Tag color={OPERATION_COLORS[op] ?? 'default'}>{t(`operation.${op}`, { defaultValue: op })}</Tag>
      ),
    },
    {
      title: t('column.resourceType'),
      dataIndex: 'resource_type',
      key: 'resource_type',
      width: 170,
      render: (type: string) => t(`resourceType.${type}`, { defaultValue: type }),
    },
    {
      title: t('column.resource'),
      dataIndex: 'resource',
      key: 'resource',
      render: (res: string) => (
        <Typography.Text
          copyable={{ text: res }}
          ellipsis={{ tooltip: res }}
          style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', fontSize: 13, maxWidth: 520 }}
        >
          {res}
        </Typography.Text>
      ),
    },
    ...(hasResult || hasDetail
      ? [
          {
            title: hasResult ? t('column.result') : t('column.detail'),
            key: 'result',
            render: (_v: unknown, entry: AuditLog) => (
              <Space orientation="vertical" size={0}>
                {entry.success !== undefined && (
                  <Tag color={entry.success ? 'success' : 'error'}>
                    {t(entry.success ? 'result.success' : 'result.failure')}
                  </Tag>
                )}
                {entry.detail && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {entry.detail}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <PageHeader
        title={t('title')}
        extra={
          <Tooltip title={t('common:refresh')}>
            <Button
              icon={<ReloadOutlined />}
              aria-label={t('common:refresh')}
              loading={list.query.isFetching}
              onClick={() => void list.query.refetch()}
            />
          </Tooltip>
        }
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
        {t('subtitle')}
      </Typography.Paragraph>
      {!admin && <Alert type="info" showIcon title={t('scope')} style={{ marginBottom: 16 }} />}
      <ErrorAlert error={list.query.error} />
      <Card styles={{ body: { padding: 0 } }}>
        <Flex gap={12} wrap align="center" style={{ padding: 16 }}>
          <Select
            mode="multiple"
            allowClear
            aria-label={t('filter.operation')}
            placeholder={t('filter.operation')}
            value={view.operations}
            onChange={(operations: string[]) => view.set({ operations })}
            options={OPERATIONS.map((op) => ({ value: op, label: t(`operation.${op}`) }))}
            style={{ minWidth: 180 }}
          />
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            aria-label={t('filter.resourceType')}
            placeholder={t('filter.resourceType')}
            value={view.resourceType}
            onChange={(resourceType?: string) => view.set({ resourceType })}
            options={RESOURCE_TYPES.map((type) => ({ value: type, label: t(`resourceType.${type}`) }))}
            style={{ width: 180 }}
          />
          <Input
            allowClear
            aria-label={t('filter.username')}
            placeholder={t('filter.usernamePlaceholder')}
            prefix={<SearchOutlined />}
            value={view.username}
            status={searchable(view.username) ? undefined : 'error'}
            onChange={(e) => view.set({ username: e.target.value })}
            style={{ width: 180 }}
          />
          <Input
            allowClear
            aria-label={t('filter.resource')}
            placeholder={t('filter.resourcePlaceholder')}
            prefix={<SearchOutlined />}
            value={view.resource}
            status={searchable(view.resource) ? undefined : 'error'}
            onChange={(e) => view.set({ resource: e.target.value })}
            style={{ width: 220 }}
          />
          {/* A group names the two inputs: antd's RangePicker cannot take an aria-label itself. */}
          <span role="group" aria-label={t('filter.time')}>
            <DatePicker.RangePicker
              showTime={{ format: 'HH:mm' }}
              format="YYYY-MM-DD HH:mm"
              allowEmpty={[true, true]}
              placeholder={[t('filter.from'), t('filter.to')]}
              value={view.range}
              onChange={(range) => view.set({ range })}
            />
          </span>
          {hasResult && (
            <Select
              allowClear
              aria-label={t('filter.result')}
              placeholder={t('filter.result')}
              value={view.result}
              onChange={(result?: 'success' | 'failure') => view.set({ result })}
              options={[
                { value: 'success', label: t('result.success') },
                { value: 'failure', label: t('result.failure') },
              ]}
              style={{ width: 130 }}
            />
          )}
          <Button icon={<ClearOutlined />} disabled={!filtered && !commaProblem} onClick={view.reset}>
            {t('filter.reset')}
          </Button>
          {commaProblem && <Typography.Text type="danger">{t('filter.comma')}</Typography.Text>}
          <Typography.Text type="secondary" style={{ marginInlineStart: 'auto' }}>
            {t('common:total', { count: list.total })}
          </Typography.Text>
        </Flex>
        <Table<AuditLog>
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={items}
          loading={list.query.isLoading}
          pagination={{ ...list.pagination, style: { paddingInline: 16 } }}
          onChange={(_p, _f, sorter, extra) => {
            if (extra.action !== 'sort') return;
            const order = Array.isArray(sorter) ? sorter[0]?.order : sorter.order;
            view.set({ newestFirst: order !== 'ascend' });
          }}
          locale={{
            emptyText: (
              <Empty
                image={Empty.PRESENTED_IMAGE_SIMPLE}
                description={filtered ? t('empty.filtered') : admin ? t('empty.none') : t('empty.scoped')}
              />
            ),
          }}
        />
      </Card>
    </>
  );
}
