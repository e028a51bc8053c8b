import { Invalid } from '../../core/errors.js';
import type { Filter, ListQuery, SortKey } from '../../meta/list-query.js';
import { unprocessable } from './api-errors.js';

/**
 * Harbor's listing parameters → `ListQuery`: `q` (filters), `sort`, `page`, `page_size`.
 *
 * `q` grammar, as Harbor's `src/lib/q/builder.go` reads it: comma-separated terms
 * ```
 *   k=v          exact        (a leading `\` escapes the value: `k=\~v` is the exact value `~v`)
 *   k=~v         fuzzy        (substring)
 *   k=[a~b]      range        (either end may be empty; values may contain spaces: `[2023-01-01 00:00:00~]`)
 *   k={a b c}    or  list     (any value matches)   ← Harbor's OrList
 *   k=(a b c)    and list     (every value matches) ← Harbor's AndList
 * ```
 * Range ends and list items may be quoted (`'a b'` or `"a b"`) to keep spaces, `~` or brackets inside;
 * Harbor's own replication sends `name={'p1' 'p2'}`. Every value stays a string: the metadata layer
 * converts it by the key's type. Commas inside brackets or quotes do not split terms.
 *
 * fastify has already URL-decoded the parameter once; clients that encode twice (Harbor's UI did)
 * leave `%3D`-style sequences, which are decoded once more (with `+` as a space, as Go's
 * `url.QueryUnescape` does) when the whole string is valid percent-encoding. A lone `%` is kept.
 *
 * Malformed input throws `Invalid` (400) with a message that names the term. A `page` or `page_size`
 * that is not an integer, or a `page_size` above 100, is a 422 as Harbor's swagger validation answers;
 * a zero or negative one is a 400.
 */

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;
/** Keeps `(page - 1) * page_size` a safe integer. */
const MAX_PAGE = Math.floor(Number.MAX_SAFE_INTEGER / MAX_PAGE_SIZE);

/** Where a listing starts and how long its pages are, as the client asked. */
export interface Paging {
  page: number;
  pageSize: number;
}

export interface HarborListRequest extends Paging {
  query: ListQuery;
}

/** Query parameters as fastify parses them (repeated parameters arrive as arrays). */
export type RawQuery = Record<string, string | string[] | undefined>;

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Reads `q`, `sort`, `page` and `page_size` from a request's query string. */
export function parseListRequest(raw: unknown, options: { defaultSort?: SortKey[] } = {}): HarborListRequest {
  const params = (raw ?? {}) as RawQuery;
  const paging = parsePaging(first(params.page), first(params.page_size));
  const sort = parseSort(first(params.sort));
  return {
    ...paging,
    query: {
      filters: parseQ(first(params.q)),
      sort: sort.length > 0 ? sort : (options.defaultSort ?? []),
      offset: (paging.page - 1) * paging.pageSize,
      limit: paging.pageSize,
    },
  };
}

/** Go's `url.Values.Get`: the first of repeated parameters. */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function parsePaging(page: string | undefined, pageSize: string | undefined): Paging {
  return {
    page: positiveInteger('page', page, 1, MAX_PAGE),
    pageSize: positiveInteger('page_size', pageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  };
}

function positiveInteger(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const text = raw.trim();
  if (!/^[+-]?\d+$/.test(text)) throw unprocessable(`${name} in query must be of type int64: "${clip(text)}"`);
  const n = Number(text);
  if (n < 1) throw new Invalid('PAGINATION_NUMBER_INVALID', `${name} must be a positive integer, got ${text}`);
  if (n > max) throw unprocessable(`${name} in query should be less than or equal to ${max}`);
  return n;
}

/** `name,-creation_time` → name ascending, then creation_time descending. */
export function parseSort(raw: string | undefined): SortKey[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const term = part.trim();
    const desc = term.startsWith('-');
    const key = desc ? term.slice(1) : term;
    if (!KEY.test(key)) throw new Invalid('NAME_INVALID', `invalid sort key "${clip(term)}" in sort "${clip(raw)}"`);
    return { key, desc };
  });
}

/** Parses Harbor's `q` parameter into filters, in the order given. */
export function parseQ(raw: string | undefined): Filter[] {
  if (raw === undefined || raw.trim() === '') return [];
  const text = decodeAgain(raw);
  const filters: Filter[] = [];
  let pos = 0;
  for (;;) {
    const { filter, end } = parseTerm(text, pos);
    filters.push(filter);
    if (end >= text.length) return filters;
    pos = end + 1; // past the comma
    if (pos >= text.length) throw invalid(text, 'ends with a comma');
  }
}

/** Decodes percent-sequences left by double encoding; leaves the text alone when they do not decode. */
export function decodeAgain(text: string): string {
  if (!/%[0-9A-Fa-f]{2}/.test(text)) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** One `k=...` term starting at `start`; `end` is the index of the comma after it, or the text length. */
function parseTerm(text: string, start: number): { filter: Filter; end: number } {
  const eq = text.indexOf('=', start);
  const comma = text.indexOf(',', start);
  if (eq < 0 || (comma >= 0 && comma < eq)) {
    throw invalid(text, `"${clip(text.slice(start, comma < 0 ? undefined : comma))}" is not key=value`);
  }
  const key = text.slice(start, eq).trim();
  if (!KEY.test(key)) throw invalid(text, `invalid key "${clip(key)}"`);
  const at = eq + 1;
  const opener = text[at];
  if (opener === '[' || opener === '{' || opener === '(') {
    const group = scanGroup(text, at, key);
    let end = group.end + 1;
    while (text[end] === ' ') end++;
    if (end < text.length && text[end] !== ',') {
      throw invalid(text, `unexpected "${clip(text.slice(end))}" after the value of "${key}"`);
    }
    return { filter: group.filter, end };
  }
  const end = comma < 0 || comma < at ? text.length : comma;
  const value = text.slice(at, end);
  if (value === '') throw invalid(text, `empty value for "${key}"`);
  if (value.startsWith('~')) {
    if (value.length === 1) throw invalid(text, `empty fuzzy value for "${key}"`);
    return { filter: { key, kind: 'fuzzy', value: value.slice(1) }, end };
  }
  return { filter: { key, kind: 'exact', value: value.startsWith('\\') ? value.slice(1) : value }, end };
}

/**
 * Scans `[...]`, `{...}` or `(...)` from the opener at `at`; `end` is the index of the closer. A quote
 * opens a quoted value only where a value starts, so an apostrophe inside a word stays literal.
 */
function scanGroup(text: string, at: number, key: string): { filter: Filter; end: number } {
  const opener = text[at];
  if (opener === '[') {
    const min = scanRangeEnd(text, at + 1, key, '~');
    const max = scanRangeEnd(text, min.end + 1, key, ']');
    if (min.value === undefined && max.value === undefined) throw invalid(text, `range of "${key}" has neither end`);
    return {
      filter: {
        key,
        kind: 'range',
        ...(min.value === undefined ? {} : { min: min.value }),
        ...(max.value === undefined ? {} : { max: max.value }),
      },
      end: max.end,
    };
  }
  const closer = opener === '{' ? '}' : ')';
  const values: string[] = [];
  let pos = at + 1;
  for (;;) {
    while (text[pos] === ' ') pos++;
    const c = text[pos];
    if (c === undefined) throw invalid(text, `"${key}" misses its closing "${closer}"`);
    if (c === closer) break;
    if (c === '"' || c === "'") {
      const close = quoteEnd(text, pos, key);
      values.push(text.slice(pos + 1, close));
      pos = close + 1;
      const next = text[pos];
      if (next !== ' ' && next !== closer) throw afterQuote(text, key, next);
    } else {
      const start = pos;
      while (pos < text.length && text[pos] !== ' ' && text[pos] !== closer) pos++;
      values.push(text.slice(start, pos));
    }
  }
  if (values.length === 0) throw invalid(text, `list of "${key}" is empty`);
  return { filter: { key, kind: opener === '{' ? 'or' : 'and', values }, end: pos };
}

/** One end of a range, up to `stop` (`~` after the lower end, `]` after the upper one); blank is absent. */
function scanRangeEnd(text: string, start: number, key: string, stop: '~' | ']'): { value?: string; end: number } {
  let pos = start;
  while (text[pos] === ' ') pos++;
  let value: string | undefined;
  if (text[pos] === '"' || text[pos] === "'") {
    const close = quoteEnd(text, pos, key);
    value = text.slice(pos + 1, close);
    pos = close + 1;
    while (text[pos] === ' ') pos++;
    if (text[pos] !== stop && text[pos] !== undefined) throw afterQuote(text, key, text[pos]);
  } else {
    const from = pos;
    while (pos < text.length && text[pos] !== '~' && text[pos] !== ']') pos++;
    const raw = text.slice(from, pos).trim();
    if (raw !== '') value = raw;
  }
  const c = text[pos];
  if (c === undefined) throw invalid(text, `"${key}" misses its closing "]"`);
  if (c !== stop) {
    throw invalid(
      text,
      stop === '~' ? `range of "${key}" needs "~" between its ends` : `range of "${key}" has more than one "~"`,
    );
  }
  return value === undefined ? { end: pos } : { value, end: pos };
}

function quoteEnd(text: string, open: number, key: string): number {
  const close = text.indexOf(text[open] as string, open + 1);
  if (close < 0) throw invalid(text, `unterminated quote in the value of "${key}"`);
  return close;
}

function afterQuote(text: string, key: string, next: string | undefined): Invalid {
  return invalid(text, `unexpected "${next ?? ''}" after a quoted value of "${key}"`);
}

function invalid(q: string, reason: string): Invalid {
  return new Invalid('NAME_INVALID', `invalid query "${clip(q)}": ${reason}`);
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}
