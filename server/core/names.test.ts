import { describe, expect, it } from 'vitest';
import { parseDigest } from './digest.js';
import { isValidTag, resolveRepositoryName } from './names.js';

describe('repository names', () => {
  it('maps a one-component name into the library project, as Docker Hub does', () => {
    expect(resolveRepositoryName('myapp')).toEqual({ name: 'library/myapp', project: 'library' });
    expect(resolveRepositoryName('team/tools/cli')).toEqual({ name: 'team/tools/cli', project: 'team' });
  });

  it('follows the spec grammar', () => {
    for (const ok of ['a', 'a.b', 'a_b', 'a__b', 'a---b', 'x/y-z/0'])
      expect(() => resolveRepositoryName(ok)).not.toThrow();
    for (const bad of ['', 'A', 'a/', '/a', 'a//b', 'a..b', '-a', 'a-', 'a___b', 'a/./b', 'x'.repeat(256)]) {
      expect(() => resolveRepositoryName(bad), bad).toThrow(/invalid repository name|too long/);
    }
  });

  it('accepts tags per the grammar', () => {
    expect(isValidTag('v1.0_rc-1')).toBe(true);
    expect(isValidTag('x'.repeat(128))).toBe(true);
    expect(isValidTag('x'.repeat(129))).toBe(false);
    expect(isValidTag('.hidden')).toBe(false);
    expect(isValidTag('-x')).toBe(false);
  });
});

describe('digests', () => {
  it('validates algorithm and encoding', () => {
    expect(parseDigest(`sha256:${'a'.repeat(64)}`).hex).toHaveLength(64);
    expect(parseDigest(`sha512:${'b'.repeat(128)}`).algorithm).toBe('sha512');
    for (const bad of [
      'sha256:abc',
      `sha256:${'A'.repeat(64)}`,
      `md5:${'a'.repeat(32)}`,
      'nocolon',
      `sha256:${'g'.repeat(64)}`,
    ]) {
      expect(() => parseDigest(bad), bad).toThrow(/digest/);
    }
  });
});
