import {
  ApartmentOutlined,
  ContainerOutlined,
  DeleteOutlined,
  FolderOpenOutlined,
  FolderOutlined,
  ReloadOutlined,
  UnorderedListOutlined,
} from '@ant-design/icons';
import { Button, Flex, Input, Segmented, Table, Tooltip, Typography, type TableColumnsType } from 'antd';
import type { SorterResult } from 'antd/es/table/interface';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { usePagedList } from '../../api/paging';
import type { Repository } from '../../api/types';
import { ErrorAlert } from '../../components/error-alert';
import { TimeText } from '../../components/time-text';
import { paths, projectOf } from '../../routes';
import { allGroupKeys, namespaceTree, type NamespaceNode } from './namespace-tree';
import { useRepositoryView } from './view-store';

type Row = NamespaceNode & { children?: Row[] };

/** antd's tree table reads `children`; leaves must not have the key at all (or they get an expander). */
function toRows(nodes: readonly NamespaceNode[]): Row[] {
  return nodes.map((n) => (n.kind === 'group' ? { ...n, children: toRows(n.children) } : n));
}

function flatRows(repositories: readonly Repository[]): Row[] {
  return repositories.map((repository) => ({
    kind: 'repository',
    key: `repo:${repository.id}`,
    label: repository.name,
    repository,
  }));
}

const SORT_FIELDS: Record<string, string> = { name: 'name', updated: 'update_time' };

/**
 * A server-paged repository listing with a search box and a flat or namespace-grouped view (the
 * grouping covers the page on screen). `projectName` narrows it to one project: names are then shown
 * below the project, and `onDelete` adds a delete action per repository.
 */
export function RepositoryTable({
  listPath,
  queryKey,
  projectName,
  onDelete,
  extra,
  empty,
}: {
  listPath: string;
  queryKey: readonly unknown[];
  projectName?: string;
  onDelete?: (repository: Repository) => void;
  extra?: ReactNode;
  /** Shown instead of the table when there is nothing at all (not for an empty search). */
  empty?: ReactNode;
}) {
  const { t } = useTranslation('repositories');
  const view = useRepositoryView((s) => s.view);
  const setView = useRepositoryView((s) => s.setView);
  const collapsed = useRepositoryView((s) => s.collapsed);
  const setCollapsed = useRepositoryView((s) => s.setCollapsed);
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<{ field: string; desc: boolean } | undefined>();

  // Groups are contiguous on a page only when the page is in name order, so the grouped view asks
  // for that unless the user chose another column.
  const sortParam = sort
    ? `${sort.desc ? '-' : ''}${SORT_FIELDS[sort.field] ?? 'name'}`
    : view === 'grouped'
      ? 'name'
      : undefined;
  const list = usePagedList<Repository>(queryKey, listPath, {
    q: search ? `name=~${search}` : undefined,
    sort: sortParam,
  });

  const rows = useMemo(
    () => (view === 'grouped' ? toRows(namespaceTree(list.items, projectName)) : flatRows(list.items)),
    [view, list.items, projectName],
  );
  const groupKeys = useMemo(() => (view === 'grouped' ? allGroupKeys(rows) : []), [view, rows]);
  const expanded = groupKeys.filter((k) => !collapsed.includes(k));

  const toggle = (key: string, open: boolean) =>
    setCollapsed(open ? collapsed.filter((k) => k !== key) : [...collapsed, key]);

  const nameOf = (r: Repository) =>
    projectName && r.name.startsWith(`${projectName}/`) ? r.name.slice(projectName.length + 1) : r.name;

  const columns: TableColumnsType<Row> = [
    {
      title: t('name'),
      key: 'name',
      sorter: true,
      sortOrder: sort?.field === 'name' ? (sort.desc ? 'descend' : 'ascend') : null,
      render: (_, row) => {
        if (row.kind === 'group') {
          const open = expanded.includes(row.key);
          return (
            <Flex gap={8} align="center">
              {open ? <FolderOpenOutlined /> : <FolderOutlined />}
              <Typography.Text strong>{row.label}/</Typography.Text>
              <Typography.Text type="secondary">{t('repositoryCount', { count: row.repositoryCount })}</Typography.Text>
            </Flex>
          );
        }
        const r = row.repository;
        return (
          <Flex gap={8} align="center">
            <ContainerOutlined style={{ opacity: 0.55 }} />
            <Link to={paths.repository(projectOf(r.name), r.name)}>{view === 'grouped' ? row.label : nameOf(r)}</Link>
          </Flex>
        );
      },
    },
    {
      title: t('artifacts'),
      key: 'artifacts',
      align: 'right',
      width: 120,
      render: (_, row) =>
        row.kind === 'group' ? (
          <Typography.Text type="secondary">{row.artifactCount}</Typography.Text>
        ) : (
          row.repository.artifact_count
        ),
    },
    {
      title: t('pulls'),
      key: 'pulls',
      align: 'right',
      width: 120,
      render: (_, row) =>
        row.kind === 'group' ? (
          <Typography.Text type="secondary">{row.pullCount}</Typography.Text>
        ) : (
          row.repository.pull_count
        ),
    },
    {
      title: t('lastModified'),
      key: 'updated',
      width: 180,
      sorter: true,
      sortOrder: sort?.field === 'updated' ? (sort.desc ? 'descend' : 'ascend') : null,
      render: (_, row) => <TimeText value={row.kind === 'group' ? row.updateTime : row.repository.update_time} />,
    },
  ];
  if (onDelete) {
    columns.push({
      title: t('common:actions'),
      key: 'actions',
      width: 90,
      align: 'center',
      render: (_, row) =>
        row.kind === 'repository' ? (
          <Tooltip title={t('deleteRepository')}>
            <Button
              type="text"
              danger
              size="small"
              icon={<DeleteOutlined />}
              aria-label={t('deleteRepositoryNamed', { name: row.repository.name })}
              onClick={() => onDelete(row.repository)}
            />
          </Tooltip>
        ) : null,
    });
  }

  const nothingAtAll = !list.query.isLoading && !list.query.isError && list.total === 0 && search === '';

  return (
    <div>
      <Flex justify="space-between" align="center" gap={12} wrap style={{ marginBottom: 12 }}>
        <Flex gap={8} align="center" wrap>
          <Input.Search
            allowClear
            placeholder={t('searchRepositories')}
            aria-label={t('searchRepositories')}
            onSearch={(value) => setSearch(value.trim())}
            style={{ width: 280 }}
          />
          <Segmented<'grouped' | 'flat'>
            value={view}
            onChange={setView}
            options={[
              { value: 'grouped', icon: <ApartmentOutlined />, label: t('viewGrouped') },
              { value: 'flat', icon: <UnorderedListOutlined />, label: t('viewFlat') },
            ]}
          />
          {view === 'grouped' && groupKeys.length > 0 && (
            <Button
              size="small"
              type="link"
              onClick={() =>
                setCollapsed(
                  expanded.length > 0
                    ? [...new Set([...collapsed, ...groupKeys])]
                    : collapsed.filter((k) => !groupKeys.includes(k)),
                )
              }
            >
              {expanded.length > 0 ? t('collapseAll') : t('expandAll')}
            </Button>
          )}
        </Flex>
        <Flex gap={8} align="center">
          {extra}
          <Tooltip title={t('common:refresh')}>
            <Button
              icon={<ReloadOutlined />}
              aria-label={t('common:refresh')}
              loading={list.query.isFetching && !list.query.isLoading}
              onClick={() => void list.query.refetch()}
            />
          </Tooltip>
        </Flex>
      </Flex>
      <ErrorAlert error={list.query.error} />
      {nothingAtAll && empty ? (
        empty
      ) : (
        <Table<Row>
          rowKey="key"
          size="middle"
          columns={columns}
          dataSource={rows}
          loading={list.query.isLoading}
          pagination={{ ...list.pagination, showTotal: (total) => t('common:total', { count: total }) }}
          expandable={{
            expandedRowKeys: expanded,
            indentSize: 20,
            onExpand: (open, row) => toggle(row.key, open),
          }}
          onRow={(row) =>
            row.kind === 'group'
              ? { onClick: () => toggle(row.key, !expanded.includes(row.key)), style: { cursor: 'pointer' } }
              : {}
          }
          onChange={(_pagination, _filters, sorter) => {
            const s = (Array.isArray(sorter) ? sorter[0] : sorter) as SorterResult<Row> | undefined;
            if (!s?.order || !s.columnKey) setSort(undefined);
            else setSort({ field: String(s.columnKey), desc: s.order === 'descend' });
          }}
          locale={{ emptyText: search ? t('noMatch', { search }) : t('noRepositories') }}
        />
      )}
    </div>
  );
}
