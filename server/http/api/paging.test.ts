import { describe, expect, it } from 'vitest';
import { linkHeader, pageUrl, pagingHeaders } from './paging.js';

const base = '/api/v2.0/projects';

describe('linkHeader', () => {
  it('has only next on the first page and only prev on the last', () => {
    expect(linkHeader(base, 25, { page: 1, pageSize: 10 })).toBe(`<${base}?page=2&page_size=10>; rel="next"`);
    expect(linkHeader(`${base}?page=3`, 25, { page: 3, pageSize: 10 })).toBe(
      `<${base}?page=2&page_size=10>; rel="prev"`,
    );
  });

  it('has prev and next, comma-separated, in the middle', () => {
    expect(linkHeader(`${base}?page=2&page_size=10`, 25, { page: 2, pageSize: 10 })).toBe(
      `<${base}?page=1&page_size=10>; rel="prev", <${base}?page=3&page_size=10>; rel="next"`,
    );
  });

  it('has no links when everything fits on one page, or nothing matches', () => {
    expect(linkHeader(base, 10, { page: 1, pageSize: 10 })).toBeUndefined();
    expect(linkHeader(base, 0, { page: 1, pageSize: 10 })).toBeUndefined();
  });

  it('has no links past the end (Harbor: prev only while the current page has rows)', () => {
    expect(linkHeader(`${base}?page=9`, 25, { page: 9, pageSize: 10 })).toBeUndefined();
    expect(linkHeader(`${base}?page=4`, 25, { page: 4, pageSize: 10 })).toBeUndefined();
  });
});

describe('pageUrl', () => {
  it('keeps the other parameters in order, encoded for a header', () => {
    expect(pageUrl(`${base}?q=name%3D~ngi%2Cpublic%3Dtrue&page=1&with_detail=true&sort=-name`, 2, 10)).toBe(
      `${base}?page=2&page_size=10&q=name%3D~ngi%2Cpublic%3Dtrue&with_detail=true&sort=-name`,
    );
  });

  it('encodes characters a client left raw, so the Link header stays parseable', () => {
    expect(pageUrl(`${base}?q=name=~a,tags=(x y)&page_size=5`, 3, 5)).toBe(
      `${base}?page=3&page_size=5&q=name%3D~a%2Ctags%3D%28x%20y%29`,
    );
    expect(pageUrl(`${base}?q=a+b&x=<>"`, 2, 10)).toBe(`${base}?page=2&page_size=10&q=a%20b&x=%3C%3E%22`);
  });

  it('keeps repeated parameters, flags without values and malformed escapes (made safe)', () => {
    expect(pageUrl(`${base}?label=a&label=b&flag&bad=%zz`, 2, 10)).toBe(
      `${base}?page=2&page_size=10&label=a&label=b&flag&bad=%25zz`,
    );
  });

  it('drops page and page_size however they were spelled', () => {
    expect(pageUrl(`${base}?pag%65=7&page_size=3&page=1`, 2, 3)).toBe(`${base}?page=2&page_size=3`);
  });
});

describe('pagingHeaders', () => {
  it('always sets X-Total-Count', () => {
    expect(pagingHeaders(base, 0, { page: 1, pageSize: 10 })).toEqual({ 'x-total-count': '0' });
    expect(pagingHeaders(base, 11, { page: 1, pageSize: 10 })).toEqual({
      'x-total-count': '11',
      link: `<${base}?page=2&page_size=10>; rel="next"`,
    });
  });
});
