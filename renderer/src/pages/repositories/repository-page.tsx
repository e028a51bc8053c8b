import { DeleteOutlined, DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Flex, Input, Result, Table, Tooltip, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { SorterResult } from 'antd/es/table/interface';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError, artifactBase } from '../../api/client';
import { usePagedList } from '../../api/paging';
import type { Artifact } from '../../api/types';
import { CopyButton } from '../../components/copy-button';
import { ErrorAlert } from '../../components/error-alert';
import { formatBytes, shortDigest } from '../../components/format';
import { PageHeader } from '../../components/page-header';
import { TimeText } from '../../components/time-text';
import { onLiveEvent } from '../../live/live-events';
import { paths } from '../../routes';
import { LabelChips, TagChips, TypeCell } from './artifact-bits';
import { ScanCell } from './artifact-scan';
import { useConfirmDeleteArtifacts } from './delete-artifacts';
import { isIndex } from './platform';
import { PullCommandPopover, referencesOf } from './pull-command-popover';
import { ARTIFACT_FLAGS, useProjectAccess, useRepository } from './queries';
import { compareByNewestTag } from './tag-order';

type SortField = 'push' | 'pull' | 'tags';
const SERVER_SORT: Record<Exclude<SortField, 'tags'>, string> = { push: 'push_time', pull: 'pull_time' };

/** One repository: its artifacts, server-paged, with tag filter, pull commands and deletion. */
export function RepositoryPage() {
  const { t } = useTranslation('repositories');
  const { message } = App.useApp();
  const params = useParams();
  const projectName = params.projectName ?? '';
  const withinProject = params.repositoryName ?? '';
  const fullName = `${projectName}/${withinProject}`;
  const access = useProjectAccess(projectName);
  const repository = useRepository(projectName, withinProject);
  const confirmDelete = useConfirmDeleteArtifacts(projectName, fullName);

  const [tagFilter, setTagFilter] = useState('');
  const [sort, setSort] = useState<{ field: SortField; desc: boolean } | undefined>();
  const [selected, setSelected] = useState<Map<number, Artifact>>(new Map());

  const serverSort = sort && sort.field !== 'tags' ? `${sort.desc ? '-' : ''}${SERVER_SORT[sort.field]}` : undefined;
  const list = usePagedList<Artifact>(['artifacts', projectName, fullName], artifactBase(projectName, fullName), {
    ...ARTIFACT_FLAGS,
    q: tagFilter ? `tags=~${tagFilter}` : undefined,
    sort: serverSort,
  });

  // A push to this repository lands in the table by itself (live events invalidate ['artifacts']);
  // this says which tag arrived (an index's platform images come first, by digest: not worth a word).
  useEffect(
    () =>
      onLiveEvent('artifact.pushed', (event) => {
        if (event.repository !== fullName || !event.tag) return;
        void message.info(t('livePushed', { ref: event.tag }));
      }),
    [fullName, message, t],
  );

  const rows = useMemo(
    () =>
      sort?.field === 'tags' ? [...list.items].sort((a, b) => compareByNewestTag(names(a), names(b))) : list.items,
    [list.items, sort?.field],
  );

  // Platform images listed by an index on this page say which index they belong to.
  const parentTags = useMemo(() => {
    const out = new Map<string, string[]>();
    for (const a of list.items) {
      if (!isIndex(a)) continue;
      for (const ref of a.references ?? [])
        out.set(ref.child_digest, [...(out.get(ref.child_digest) ?? []), ...names(a)]);
    }
    return out;
  }, [list.items]);

  const notFound = repository.error instanceof ApiError && repository.error.status === 404;
  if (notFound) {
    return (
      <Result
        status="404"
        title={t('repositoryNotFound')}
        subTitle={fullName}
        extra={
          <Link to={paths.project(projectName)}>
            <Button type="primary">{t('backToProject', { project: projectName })}</Button>
          </Link>
        }
      />
    );
  }

  const columns: TableColumnsType<Artifact> = [
    {
      title: t('digest'),
      key: 'digest',
      width: 196,
      render: (_, a) => (
        <Flex align="center" gap={2}>
          <Link to={paths.artifact(projectName, fullName, a.digest)}>
            <Typography.Text code style={{ whiteSpace: 'nowrap' }}>
              {shortDigest(a.digest)}
            </Typography.Text>
          </Link>
          <CopyButton text={a.digest} label={t('digestOf', { digest: shortDigest(a.digest) })} />
        </Flex>
      ),
    },
    {
      title: t('tags'),
      key: 'tags',
      sorter: true,
      sortDirections: ['descend'],
      showSorterTooltip: { title: t('sortByNewestTag') },
      sortOrder: sort?.field === 'tags' ? 'descend' : null,
      render: (_, a) => (
        <TagChips artifact={a} projectName={projectName} repository={fullName} canDelete={access.canDelete} />
      ),
    },
    {
      title: t('typePlatforms'),
      key: 'type',
      width: 150,
      render: (_, a) => <TypeCell artifact={a} parentTags={parentTags.get(a.digest)} />,
    },
    { title: t('size'), key: 'size', align: 'right', width: 96, render: (_, a) => formatBytes(a.size) },
    {
      title: t('scanner:artifact.column'),
      key: 'scan',
      width: 170,
      render: (_, a) => (
        <ScanCell artifact={a} projectName={projectName} repository={fullName} canScan={access.canTag} />
      ),
    },
    { title: t('labels'), key: 'labels', width: 110, render: (_, a) => <LabelChips labels={a.labels} /> },
    {
      title: t('pushTime'),
      key: 'push',
      width: 130,
      sorter: true,
      sortOrder: sort?.field === 'push' ? (sort.desc ? 'descend' : 'ascend') : null,
      render: (_, a) => <TimeText value={a.push_time} />,
    },
    {
      title: t('pullTime'),
      key: 'pull',
      width: 130,
      sorter: true,
      sortOrder: sort?.field === 'pull' ? (sort.desc ? 'descend' : 'ascend') : null,
      render: (_, a) => <TimeText value={a.pull_time} />,
    },
    {
      title: t('common:actions'),
      key: 'actions',
      width: 84,
      align: 'center',
      render: (_, a) => (
        <Flex justify="center" gap={2}>
          <PullCommandPopover repository={fullName} references={referencesOf(a)} type={a.type}>
            <Tooltip title={t('pullCommands')}>
              <Button
                type="text"
                size="small"
                icon={<DownloadOutlined />}
                aria-label={t('pullCommandsFor', { digest: shortDigest(a.digest) })}
              />
            </Tooltip>
          </PullCommandPopover>
          {access.canDelete && (
            <Tooltip title={t('deleteArtifact')}>
              <Button
                type="text"
                size="small"
                danger
                icon={<DeleteOutlined />}
                aria-label={t('deleteArtifactNamed', { digest: shortDigest(a.digest) })}
                onClick={() => confirmDelete([a], forgetSelected)}
              />
            </Tooltip>
          )}
        </Flex>
      ),
    },
  ];

  function forgetSelected(deleted: string[]) {
    setSelected((old) => new Map([...old].filter(([, a]) => !deleted.includes(a.digest))));
  }

  const repo = repository.data;
  return (
    <>
      <PageHeader
        crumbs={[
          { title: t('common:nav.projects'), to: paths.projects },
          { title: projectName, to: paths.project(projectName) },
          { title: withinProject },
        ]}
        title={
          <Flex align="center" gap={4}>
            {withinProject}
            <CopyButton text={`${window.location.host}/${fullName}`} label={t('repositoryAddress')} />
          </Flex>
        }
      />
      <ErrorAlert error={repository.error} />
      <Card size="small" style={{ marginBottom: 16 }}>
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 2, md: 4 }}
          items={[
            {
              key: 'project',
              label: t('project'),
              children: <Link to={paths.project(projectName)}>{projectName}</Link>,
            },
            { key: 'artifacts', label: t('artifacts'), children: repo?.artifact_count ?? '—' },
            { key: 'pulls', label: t('pulls'), children: repo?.pull_count ?? '—' },
            { key: 'updated', label: t('lastModified'), children: <TimeText value={repo?.update_time} /> },
          ]}
        />
      </Card>
      <Flex justify="space-between" align="center" gap={12} wrap style={{ marginBottom: 12 }}>
        <Flex gap={8} align="center" wrap>
          <Input.Search
            allowClear
            placeholder={t('filterByTag')}
            aria-label={t('filterByTag')}
            onSearch={(value) => setTagFilter(value.trim())}
            style={{ width: 260 }}
          />
          {access.canDelete && (
            <Button
              danger
              icon={<DeleteOutlined />}
              disabled={selected.size === 0}
              onClick={() =>
                // The page may have refreshed since the rows were ticked: warn about the tags they carry now.
                confirmDelete(
                  [...selected.values()].map((a) => list.items.find((x) => x.id === a.id) ?? a),
                  forgetSelected,
                )
              }
            >
              {selected.size > 0 ? t('deleteSelectedCount', { count: selected.size }) : t('deleteSelected')}
            </Button>
          )}
        </Flex>
        <Tooltip title={t('common:refresh')}>
          <Button
            icon={<ReloadOutlined />}
            aria-label={t('common:refresh')}
            loading={list.query.isFetching && !list.query.isLoading}
            onClick={() => void list.query.refetch()}
          />
        </Tooltip>
      </Flex>
      <ErrorAlert error={list.query.error} />
      <Table<Artifact>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={rows}
        loading={list.query.isLoading}
        scroll={{ x: 1250 }}
        pagination={{ ...list.pagination, showTotal: (total) => t('common:total', { count: total }) }}
        rowSelection={
          access.canDelete
            ? {
                selectedRowKeys: [...selected.keys()],
                preserveSelectedRowKeys: true,
                onChange: (keys, chosen) => {
                  setSelected((old) => {
                    const next = new Map<number, Artifact>();
                    for (const key of keys) {
                      const id = Number(key);
                      const artifact = chosen.find((a) => a?.id === id) ?? old.get(id);
                      if (artifact) next.set(id, artifact);
                    }
                    return next;
                  });
                },
              }
            : undefined
        }
        onChange={(_pagination, _filters, sorter) => {
          const s = (Array.isArray(sorter) ? sorter[0] : sorter) as SorterResult<Artifact> | undefined;
          if (!s?.order || !s.columnKey) setSort(undefined);
          else setSort({ field: s.columnKey as SortField, desc: s.order === 'descend' });
        }}
        locale={{ emptyText: tagFilter ? t('noTagMatch', { search: tagFilter }) : t('noArtifacts') }}
      />
    </>
  );
}

function names(a: Artifact): string[] {
  return (a.tags ?? []).map((t) => t.name);
}
