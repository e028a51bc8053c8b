import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Page } from '../../meta/list-query.js';
import type { Paging } from './harbor-query.js';

/**
 * Harbor's paging headers: `X-Total-Count` (rows matching the filters) and `Link` with `rel="prev"`
 * and `rel="next"` URLs, as `src/server/v2.0/handler/base.go` builds them: prev when `page > 1` and
 * the current page is not past the end, next when rows remain after this page. The URLs are the
 * request's path with `page` and `page_size` set first and every other query parameter kept in order.
 * Unlike Harbor, values stay percent-encoded, so a `,` or `;` inside `q` cannot split the header for
 * naive parsers.
 */
export function pagingHeaders(url: string, total: number, paging: Paging): { 'x-total-count': string; link?: string } {
  const link = linkHeader(url, total, paging);
  return link === undefined ? { 'x-total-count': String(total) } : { 'x-total-count': String(total), link };
}

/** The `Link` header for a page of `total` rows, or undefined when there is neither a previous nor a next page. */
export function linkHeader(url: string, total: number, { page, pageSize }: Paging): string | undefined {
  const links: string[] = [];
  if (page > 1 && (page - 1) * pageSize < total) links.push(`<${pageUrl(url, page - 1, pageSize)}>; rel="prev"`);
  if (page * pageSize < total) links.push(`<${pageUrl(url, page + 1, pageSize)}>; rel="next"`);
  return links.length === 0 ? undefined : links.join(', ');
}

/** `url` (a request path with its query) pointing at another page. */
export function pageUrl(url: string, page: number, pageSize: number): string {
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const params = [`page=${page}`, `page_size=${pageSize}`];
  if (mark >= 0) {
    for (const part of url.slice(mark + 1).split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = formDecode(eq < 0 ? part : part.slice(0, eq));
      if (key === 'page' || key === 'page_size') continue;
      const value = eq < 0 ? undefined : formDecode(part.slice(eq + 1));
      params.push(value === undefined ? encode(key) : `${encode(key)}=${encode(value)}`);
    }
  }
  return `${path}?${params.join('&')}`;
}

/** Sets `X-Total-Count` and `Link` for `page` on the reply and returns its items mapped for the body. */
export function sendPage<T, U>(
  req: FastifyRequest,
  reply: FastifyReply,
  paging: Paging,
  page: Page<T>,
  toJson: (item: T) => U,
): U[] {
  reply.headers(pagingHeaders(req.url, page.total, paging));
  return page.items.map(toJson);
}

function formDecode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // A malformed sequence stays as sent; `encode` makes it safe for the header.
  }
}

function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
