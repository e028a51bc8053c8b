import { describe, expect, it } from 'vitest';
import {
  expectHarborErrors,
  expectMatchesDefinition,
  expectMatchesSwagger,
  expectPagingHeaders,
  expectProperties,
  parseLinks,
  swaggerOperation,
  swaggerOperationIds,
} from './harbor-swagger.js';

describe('harbor-swagger helper', () => {
  it('finds operations by id', () => {
    expect(swaggerOperation('getSystemInfo')).toMatchObject({ method: 'GET', path: '/systeminfo' });
    expect(() => swaggerOperation('noSuchOperation')).toThrow(/no operation/);
  });

  it('accepts a matching body and resolves $refs across definitions', () => {
    expectMatchesSwagger('getHealth', 200, {
      status: 'healthy',
      components: [{ name: 'core', status: 'healthy' }],
    });
    expectMatchesSwagger('getVolumes', 200, { storage: [{ total: 100, free: 40 }] });
    expectMatchesSwagger('getPing', 200, 'Pong');
  });

  it('catches a wrong type, deep inside $refs', () => {
    expect(() => expectMatchesSwagger('getHealth', 200, { status: 'healthy', components: [{ name: 5 }] })).toThrow(
      /components\/0\/name must be string/,
    );
    expect(() => expectMatchesSwagger('getVolumes', 200, { storage: [{ total: '100' }] })).toThrow(/must be integer/);
    expect(() => expectMatchesSwagger('getSystemInfo', 200, { read_only: 'false' })).toThrow(/read_only/);
  });

  it('applies the Go formats and date-time', () => {
    expect(() => expectMatchesSwagger('getVolumes', 200, { storage: [{ total: 1.5 }] })).toThrow(/uint64/);
    expect(() => expectMatchesSwagger('getVolumes', 200, { storage: [{ free: -1 }] })).toThrow(/uint64/);
    expect(() => expectMatchesSwagger('getSystemInfo', 200, { current_time: '2024-05-01 12:00:00' })).toThrow(
      /date-time/,
    );
    expectMatchesSwagger('getSystemInfo', 200, { current_time: '2024-05-01T12:00:00.000Z' });
  });

  it('allows null only where the swagger says x-nullable', () => {
    expectMatchesSwagger('getSystemInfo', 200, { banner_message: null });
    expect(() => expectMatchesSwagger('getHealth', 200, { status: null })).toThrow(/status/);
  });

  it('requires the status to be declared and checks error bodies against Errors', () => {
    expect(() => expectMatchesSwagger('getHealth', 404, {})).toThrow(/does not declare status 404/);
    expectMatchesSwagger('getVolumes', 401, { errors: [{ code: 'UNAUTHORIZED', message: 'unauthorized' }] });
    expect(() => expectMatchesSwagger('getVolumes', 401, { errors: [{ code: 401 }] })).toThrow(/code must be string/);
  });

  it('checks the error envelope and promised properties', () => {
    expectHarborErrors({ errors: [{ code: 'NOT_FOUND', message: 'x' }] }, 'NOT_FOUND');
    expect(() => expectHarborErrors({ errors: [] })).toThrow(/non-empty/);
    expect(() => expectHarborErrors({ errors: [{ code: 'A' }] })).toThrow(/code and a message/);
    expect(() => expectHarborErrors({ errors: [{ code: 'A', message: 'm' }] }, 'B')).toThrow(/expected error code B/);
    expectProperties({ a: 1, m: { p: false } }, ['a', 'm.p']);
    expectProperties([{ a: 1 }, { a: 0 }], ['a']);
    expect(() => expectProperties([{ a: 1 }, {}], ['a'])).toThrow(/element 1 lacks "a"/);
    expectMatchesDefinition('Error', { code: 'X', message: 'y' });
  });

  it('checks paging headers', () => {
    const headers = new Headers({
      'x-total-count': '25',
      link: '</api/v2.0/projects?page=1&page_size=10>; rel="prev", </api/v2.0/projects?page=3&page_size=10>; rel="next"',
    });
    expectPagingHeaders(headers, { total: 25, next: /page=3/, prev: '/api/v2.0/projects?page=1&page_size=10' });
    expect(() => expectPagingHeaders(headers, { total: 24 })).toThrow(/X-Total-Count/);
    expect(() => expectPagingHeaders({ 'x-total-count': '3' }, { total: 3, next: /./ })).toThrow(/rel="next"/);
    expectPagingHeaders({ 'x-total-count': 3 }, { total: 3, next: null, prev: null });
    expect(parseLinks(undefined)).toEqual({});
  });

  it('compiles every response schema of the swagger', () => {
    // Routes added later must never hit a conversion gap (strict mode, a missing format, a dangling $ref).
    const ids = swaggerOperationIds();
    expect(ids.length).toBeGreaterThan(200);
    let checked = 0;
    for (const id of ids) {
      for (const status of Object.keys(swaggerOperation(id).responses)) {
        if (status === 'default') continue;
        try {
          expectMatchesSwagger(id, Number(status), Symbol('not json'));
        } catch (err) {
          expect(String(err), `${id} ${status}`).toMatch(/does not match the swagger|declares no body/);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
