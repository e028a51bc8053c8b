import { keepPreviousData, useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { TablePaginationConfig } from 'antd';
import { useEffect, useState } from 'react';
import { api, type ApiResponse, type Query } from './client';

export interface PagedList<T> {
  items: T[];
  total: number;
  query: UseQueryResult<ApiResponse<T[]>>;
  /** Ready for antd's `<Table pagination={...}>`. */
  pagination: TablePaginationConfig;
  page: number;
  setPage(page: number): void;
}

/**
 * A listing paged by the server (`page`, `page_size`, `X-Total-Count`): only one page is ever
 * loaded. The previous page stays on screen while the next loads; a change of filters goes back to
 * page 1. `key` is the query-cache key prefix (live events invalidate by prefix, e.g. `['artifacts']`).
 */
export function usePagedList<T>(
  key: readonly unknown[],
  path: string,
  query: Query = {},
  options: { pageSize?: number; enabled?: boolean; refetchInterval?: number } = {},
): PagedList<T> {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(options.pageSize ?? 15);
  const filterKey = JSON.stringify(query);
  useEffect(() => setPage(1), [filterKey]);
  const result = useQuery({
    queryKey: [...key, { ...query, page, pageSize }],
    queryFn: ({ signal }) => api.list<T>(path, { ...query, page, page_size: pageSize }, signal),
    placeholderData: keepPreviousData,
    enabled: options.enabled ?? true,
    refetchInterval: options.refetchInterval,
  });
  const total = result.data?.total ?? result.data?.data.length ?? 0;
  return {
    items: result.data?.data ?? [],
    total,
    query: result,
    page,
    setPage,
    pagination: {
      current: page,
      pageSize,
      total,
      showSizeChanger: true,
      pageSizeOptions: [15, 25, 50, 100],
      onChange: (p, s) => {
        if (s !== pageSize) {
          setPageSize(s);
          setPage(1);
        } else setPage(p);
      },
    },
  };
}
