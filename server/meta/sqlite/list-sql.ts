import { sql, type SelectQueryBuilder } from 'kysely';
import { Invalid } from '../../core/errors.js';
import type { Filter, FilterValue, ListQuery, Page } from '../list-query.js';
import type { SqlExecutor } from './executor.js';

/**
 * Turns a `ListQuery` into SQL for one listing, against a whitelist of keys. Each repository
 * describes its listable keys once; an unknown key or an operator the key does not support is an
 * `Invalid` error (a 400 with the key named), never a silently ignored filter.
 */
export interface ListableKey {
  /** Column reference as written in the query, e.g. `u.username`. */
  column: string;
  type: 'text' | 'number' | 'boolean' | 'time';
  /** Operators this key accepts; `exact` is always accepted. */
  ops?: Filter['kind'][];
  /** Builds the condition itself (multi-valued keys such as an artifact's tags or labels). */
  custom?: (filter: Filter) => ReturnType<typeof sql<boolean>>;
}

export interface ListSpec {
  keys: Record<string, ListableKey>;
  /** Sort key → column reference. */
  sortable: Record<string, string>;
  /** Applied when the query has no sort, and always last as a tie-breaker for stable pages. */
  defaultSort: { column: string; desc: boolean }[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- works over any table set.
type AnySelect = SelectQueryBuilder<any, any, any>;

/** Runs `base` (with its select list) filtered, sorted and paged, plus a count of every match. */
export function listPage<Row, T>(
  executor: SqlExecutor,
  base: AnySelect,
  query: ListQuery,
  spec: ListSpec,
  toItem: (row: Row) => T,
): Page<T> {
  const filtered = applyFilters(base, query.filters, spec);
  const countQuery = filtered
    .clearSelect()
    .clearOrderBy()
    .select(sql<number>`count(*)`.as('n'))
    .compile();
  let rowsQuery = applySort(filtered, query, spec);
  rowsQuery = rowsQuery.limit(Math.max(0, query.limit)).offset(Math.max(0, query.offset));
  const compiled = rowsQuery.compile();
  return executor.guard(() => {
    const total = (executor.db.prepare(countQuery.sql).get(...countQuery.parameters) as { n: number }).n;
    const rows = executor.db.prepare(compiled.sql).all(...compiled.parameters) as Row[];
    return { items: rows.map(toItem), total };
  });
}

export function applyFilters(qb: AnySelect, filters: Filter[], spec: ListSpec): AnySelect {
  let out = qb;
  for (const filter of filters) {
    const key = spec.keys[filter.key];
    if (!key) {
      throw new Invalid(
        'NAME_INVALID',
        `unsupported query key "${filter.key}"; supported: ${Object.keys(spec.keys).join(', ')}`,
      );
    }
    if (filter.kind !== 'exact' && !(key.ops ?? []).includes(filter.kind)) {
      throw new Invalid('NAME_INVALID', `query key "${filter.key}" does not support ${filter.kind} matching`);
    }
    out = out.where(key.custom ? key.custom(filter) : condition(key, filter));
  }
  return out;
}

function applySort(qb: AnySelect, query: ListQuery, spec: ListSpec): AnySelect {
  let out = qb;
  for (const s of query.sort) {
    const column = spec.sortable[s.key];
    if (!column) {
      throw new Invalid(
        'NAME_INVALID',
        `unsupported sort key "${s.key}"; supported: ${Object.keys(spec.sortable).join(', ')}`,
      );
    }
    out = out.orderBy(sql.ref(column), s.desc ? 'desc' : 'asc');
  }
  for (const d of spec.defaultSort) out = out.orderBy(sql.ref(d.column), d.desc ? 'desc' : 'asc');
  return out;
}

function condition(key: ListableKey, filter: Filter) {
  const col = sql.ref(key.column);
  switch (filter.kind) {
    case 'exact':
      return sql<boolean>`${col} = ${toSql(key, filter.value)}`;
    case 'fuzzy':
      return sql<boolean>`lower(${col}) like ${`%${escapeLike(String(filter.value).toLowerCase())}%`} escape '\\'`;
    case 'range': {
      const parts = [];
      if (filter.min !== undefined) parts.push(sql<boolean>`${col} >= ${toSql(key, filter.min)}`);
      if (filter.max !== undefined) parts.push(sql<boolean>`${col} <= ${toSql(key, filter.max)}`);
      return parts.length === 0 ? sql<boolean>`1 = 1` : sql<boolean>`(${sql.join(parts, sql` and `)})`;
    }
    case 'or':
      if (filter.values.length === 0) return sql<boolean>`1 = 0`;
      return sql<boolean>`${col} in (${sql.join(filter.values.map((v) => toSql(key, v)))})`;
    case 'and':
      if (filter.values.length === 0) return sql<boolean>`1 = 1`;
      // A single-valued column equals every value only when they are all the same value.
      return sql<boolean>`(${sql.join(
        filter.values.map((v) => sql<boolean>`${col} = ${toSql(key, v)}`),
        sql` and `,
      )})`;
  }
}

/** Converts a query value to the column's stored form (booleans 0/1, times in epoch ms). */
export function toSql(key: ListableKey, value: FilterValue): string | number {
  switch (key.type) {
    case 'text':
      return String(value);
    case 'boolean': {
      if (value === true || value === 'true' || value === 1 || value === '1') return 1;
      if (value === false || value === 'false' || value === 0 || value === '0') return 0;
      throw new Invalid('NAME_INVALID', `expected true or false, got "${String(value)}"`);
    }
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) throw new Invalid('NAME_INVALID', `expected a number, got "${String(value)}"`);
      return n;
    }
    case 'time': {
      if (typeof value === 'number') return value;
      if (typeof value === 'boolean') throw new Invalid('NAME_INVALID', 'expected a time');
      const asNumber = Number(value);
      if (value.trim() !== '' && Number.isFinite(asNumber)) return asNumber;
      // Harbor sends `2006-01-02 15:04:05` (UTC); ISO 8601 works too.
      const ms = Date.parse(
        /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value,
      );
      if (Number.isNaN(ms)) throw new Invalid('NAME_INVALID', `expected a time, got "${value}"`);
      return ms;
    }
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
