import { describe, expect, it } from 'vitest';
import { parseRange } from './blob-routes.js';
import { parseOciPath } from './oci-paths.js';
import { parseContentRange } from './upload-routes.js';

describe('parseOciPath', () => {
  it('recognises endpoints by suffix, with slashes in names', () => {
    expect(parseOciPath('')).toEqual({ kind: 'base' });
    expect(parseOciPath('_catalog')).toEqual({ kind: 'catalog' });
    expect(parseOciPath('a/b/tags/list')).toEqual({ kind: 'tags', name: 'a/b' });
    expect(parseOciPath('a/manifests/b/manifests/latest')).toEqual({
      kind: 'manifest',
      name: 'a/manifests/b',
      reference: 'latest',
    });
    expect(parseOciPath('p/r/blobs/uploads/')).toEqual({ kind: 'upload', name: 'p/r', id: null });
    expect(parseOciPath('p/r/blobs/uploads/abc')).toEqual({ kind: 'upload', name: 'p/r', id: 'abc' });
    expect(parseOciPath('p/r/blobs/sha256:x')).toEqual({ kind: 'blob', name: 'p/r', digest: 'sha256:x' });
    expect(parseOciPath('p/r/referrers/sha256:x')).toEqual({ kind: 'referrers', name: 'p/r', digest: 'sha256:x' });
    expect(parseOciPath('p/r/other')).toEqual({ kind: 'unknown' });
  });
});

describe('ranges', () => {
  it('parses Range for blob GETs', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });

  it('parses Content-Range for chunks and refuses nonsense', () => {
    expect(parseContentRange('0-99')).toEqual({ start: 0, end: 99 });
    expect(parseContentRange('bytes=100-199')).toEqual({ start: 100, end: 199 });
    expect(parseContentRange(undefined)).toBeUndefined();
    expect(() => parseContentRange('9-1')).toThrow(/Content-Range/);
    expect(() => parseContentRange('abc')).toThrow(/Content-Range/);
  });
});
