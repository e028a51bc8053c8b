import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/errors.js';
import { ApiError } from './api-errors.js';
import { decodeAgain, parseListRequest, parsePaging, parseQ, parseSort } from './harbor-query.js';

describe('parseQ', () => {
  it('reads nothing from an absent or blank q', () => {
    expect(parseQ(undefined)).toEqual([]);
    expect(parseQ('')).toEqual([]);
    expect(parseQ('  ')).toEqual([]);
  });

  it('reads exact and fuzzy terms, keeping numbers as strings', () => {
    expect(parseQ('name=nginx')).toEqual([{ key: 'name', kind: 'exact', value: 'nginx' }]);
    expect(parseQ('project_id=12')).toEqual([{ key: 'project_id', kind: 'exact', value: '12' }]);
    expect(parseQ('name=~ngi')).toEqual([{ key: 'name', kind: 'fuzzy', value: 'ngi' }]);
    expect(parseQ('name=~a b')).toEqual([{ key: 'name', kind: 'fuzzy', value: 'a b' }]);
  });

  it('keeps "=" inside a value and unescapes a leading backslash', () => {
    expect(parseQ('annotation=a=b')).toEqual([{ key: 'annotation', kind: 'exact', value: 'a=b' }]);
    expect(parseQ('name=\\~literal')).toEqual([{ key: 'name', kind: 'exact', value: '~literal' }]);
    expect(parseQ('name=\\[x')).toEqual([{ key: 'name', kind: 'exact', value: '[x' }]);
  });

  it('splits terms on top-level commas and trims keys', () => {
    expect(parseQ('name=~ngi, public=true,tags=nil')).toEqual([
      { key: 'name', kind: 'fuzzy', value: 'ngi' },
      { key: 'public', kind: 'exact', value: 'true' },
      { key: 'tags', kind: 'exact', value: 'nil' },
    ]);
  });

  it('reads ranges with either end optional and spaces inside values', () => {
    expect(parseQ('size=[10~20]')).toEqual([{ key: 'size', kind: 'range', min: '10', max: '20' }]);
    expect(parseQ('size=[10~]')).toEqual([{ key: 'size', kind: 'range', min: '10' }]);
    expect(parseQ('size=[~20]')).toEqual([{ key: 'size', kind: 'range', max: '20' }]);
    expect(parseQ('creation_time=[2023-01-01 00:00:00~2023-12-31 23:59:59]')).toEqual([
      { key: 'creation_time', kind: 'range', min: '2023-01-01 00:00:00', max: '2023-12-31 23:59:59' },
    ]);
    expect(parseQ('creation_time=[ 2023-01-01 00:00:00 ~ ]')).toEqual([
      { key: 'creation_time', kind: 'range', min: '2023-01-01 00:00:00' },
    ]);
  });

  it('reads quoted range ends, which may hold "~" or "]"', () => {
    expect(parseQ(`name=['a~b'~"c]d"]`)).toEqual([{ key: 'name', kind: 'range', min: 'a~b', max: 'c]d' }]);
  });

  it('reads {} as an or list and () as an and list, as Harbor does', () => {
    expect(parseQ('id={1 2 3}')).toEqual([{ key: 'id', kind: 'or', values: ['1', '2', '3'] }]);
    expect(parseQ('label_id=(4 5)')).toEqual([{ key: 'label_id', kind: 'and', values: ['4', '5'] }]);
    expect(parseQ('id={ 1   2 }')).toEqual([{ key: 'id', kind: 'or', values: ['1', '2'] }]);
  });

  it("reads quoted list items (Harbor replication sends name={'p1' 'p2'})", () => {
    expect(parseQ(`name={'p1' '123'}`)).toEqual([{ key: 'name', kind: 'or', values: ['p1', '123'] }]);
    expect(parseQ(`name=("a b" 'c,d' e)`)).toEqual([{ key: 'name', kind: 'and', values: ['a b', 'c,d', 'e'] }]);
    expect(parseQ(`name={o'brien}`)).toEqual([{ key: 'name', kind: 'or', values: ["o'brien"] }]);
  });

  it('does not split on commas inside brackets', () => {
    expect(parseQ('a={x,y z},b=[1~2],c=3')).toEqual([
      { key: 'a', kind: 'or', values: ['x,y', 'z'] },
      { key: 'b', kind: 'range', min: '1', max: '2' },
      { key: 'c', kind: 'exact', value: '3' },
    ]);
  });

  it('decodes a double-encoded q once more', () => {
    expect(parseQ('name%3D~ngi%2Cpublic%3Dtrue')).toEqual([
      { key: 'name', kind: 'fuzzy', value: 'ngi' },
      { key: 'public', kind: 'exact', value: 'true' },
    ]);
    expect(parseQ('creation_time%3D%5B2023-01-01+00%3A00%3A00~%5D')).toEqual([
      { key: 'creation_time', kind: 'range', min: '2023-01-01 00:00:00' },
    ]);
  });

  it('keeps stray percent signs and plus signs of a q that is not encoded', () => {
    expect(decodeAgain('name=~100%')).toBe('name=~100%');
    expect(decodeAgain('name=~%zz')).toBe('name=~%zz');
    expect(decodeAgain('tags=1.0+build')).toBe('tags=1.0+build');
    // A valid sequence next to a malformed one: not valid percent-encoding as a whole, kept as is.
    expect(decodeAgain('a=%41%')).toBe('a=%41%');
    expect(parseQ('name=~100%')).toEqual([{ key: 'name', kind: 'fuzzy', value: '100%' }]);
  });

  it.each([
    ['name', /not key=value/],
    ['=x', /invalid key/],
    ['name=', /empty value/],
    ['name=~', /empty fuzzy value/],
    ['a=1,', /ends with a comma/],
    ['a=1,,b=2', /not key=value/],
    ['na me=x', /invalid key/],
    ['size=[1~2', /misses its closing/],
    ['size=[12]', /needs "~"/],
    ['size=[1~2~3]', /more than one "~"/],
    ['size=[~]', /neither end/],
    ['size=[ ~ ]', /neither end/],
    ['size=[1~2]x', /unexpected "x"/],
    ['id={1 2', /misses its closing "}"/],
    ['id=(1 2', /misses its closing "\)"/],
    ['id={}', /empty/],
    ['id=(  )', /empty/],
    [`name={'a b}`, /unterminated quote/],
    [`name={'a'b}`, /after a quoted value/],
    [`name=['a'b~c]`, /after a quoted value/],
  ])('rejects %s', (q, message) => {
    let thrown: unknown;
    try {
      parseQ(q);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).kind).toBe('invalid');
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('parseSort', () => {
  it('reads ascending and descending keys in order', () => {
    expect(parseSort('name,-creation_time')).toEqual([
      { key: 'name', desc: false },
      { key: 'creation_time', desc: true },
    ]);
    expect(parseSort(' -update_time ')).toEqual([{ key: 'update_time', desc: true }]);
    expect(parseSort(undefined)).toEqual([]);
    expect(parseSort('')).toEqual([]);
  });

  it.each(['-', 'name,', ',name', 'na me', 'name;drop', '--name'])('rejects %j', (sort) => {
    expect(() => parseSort(sort)).toThrow(/invalid sort key/);
  });
});

describe('parsePaging', () => {
  it('defaults to page 1 of 10', () => {
    expect(parsePaging(undefined, undefined)).toEqual({ page: 1, pageSize: 10 });
    expect(parsePaging('', ' ')).toEqual({ page: 1, pageSize: 10 });
  });

  it('accepts up to 100 per page', () => {
    expect(parsePaging('3', '100')).toEqual({ page: 3, pageSize: 100 });
    expect(parsePaging('+2', '1')).toEqual({ page: 2, pageSize: 1 });
  });

  it('refuses zero and negative numbers with 400', () => {
    for (const [page, size] of [
      ['0', '10'],
      ['-1', '10'],
      ['1', '0'],
      ['1', '-5'],
    ] as const) {
      let thrown: unknown;
      try {
        parsePaging(page, size);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, `${page} ${size}`).toBeInstanceOf(DomainError);
      expect((thrown as DomainError).kind).toBe('invalid');
    }
  });

  it("answers 422 to a page_size above 100 or a non-integer, as Harbor's swagger validation does", () => {
    for (const [page, size] of [
      ['1', '101'],
      ['x', '10'],
      ['1', '2.5'],
      ['1', '1e3'],
      [String(2 ** 60), '10'],
    ] as const) {
      let thrown: unknown;
      try {
        parsePaging(page, size);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, `${page} ${size}`).toBeInstanceOf(ApiError);
      expect((thrown as ApiError).status).toBe(422);
    }
  });
});

describe('parseListRequest', () => {
  it('builds a ListQuery with offset and limit', () => {
    expect(parseListRequest({ q: 'name=~a', sort: '-name', page: '3', page_size: '20', other: 'x' })).toEqual({
      page: 3,
      pageSize: 20,
      query: {
        filters: [{ key: 'name', kind: 'fuzzy', value: 'a' }],
        sort: [{ key: 'name', desc: true }],
        offset: 40,
        limit: 20,
      },
    });
  });

  it('takes the first of repeated parameters and applies a default sort', () => {
    const r = parseListRequest({ page: ['2', '9'] }, { defaultSort: [{ key: 'name', desc: false }] });
    expect(r.page).toBe(2);
    expect(r.query.sort).toEqual([{ key: 'name', desc: false }]);
    expect(parseListRequest(undefined).query).toEqual({ filters: [], sort: [], offset: 0, limit: 10 });
  });
});
