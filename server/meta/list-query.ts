/**
 * A dialect-neutral listing request: what Harbor's `q`, `sort`, `page` and `page_size` parameters
 * become once parsed (see `http/api/harbor-query.ts`). Each repository's `list` accepts only the keys
 * it documents and throws `Invalid` for any other, so a typo in `q` is a 400, not an ignored filter.
 *
 * Harbor's grammar → Filter:
 * - `k=v`        exact
 * - `k=~v`       fuzzy (substring, case-insensitive)
 * - `k=[a~b]`    range (either end may be absent)
 * - `k={a b c}`  or  (any value matches)
 * - `k=(a b c)`  and (every value must match; for multi-valued keys such as labels)
 * (As Harbor's `q` builder reads them; Harbor's replication sends `name={'p1' 'p2'}`.)
 */
export type FilterValue = string | number | boolean;

export type Filter =
  | { key: string; kind: 'exact'; value: FilterValue }
  | { key: string; kind: 'fuzzy'; value: string }
  | { key: string; kind: 'range'; min?: FilterValue; max?: FilterValue }
  | { key: string; kind: 'and' | 'or'; values: FilterValue[] };

export interface SortKey {
  key: string;
  desc: boolean;
}

export interface ListQuery {
  filters: Filter[];
  sort: SortKey[];
  /** Rows to skip (already computed from page and page_size). */
  offset: number;
  /** Rows to return at most. */
  limit: number;
}

/** One page of a listing and the total number of rows that match the filters. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** A query with no filters that returns the first `limit` rows. */
export function firstPage(limit = 100, filters: Filter[] = []): ListQuery {
  return { filters, sort: [], offset: 0, limit };
}
