import { describe, expect, it } from 'vitest';
import { Invalid } from '../core/errors.js';
import { destinationRepository } from './naming.js';

// Harbor's replaceNamespace cases (src/controller/replication/flow/stage.go and its tests).
const CASES: [src: string, namespace: string, count: number, expected: string | typeof Invalid][] = [
  ['c', '', 0, 'c'],
  ['a/b/c', '', -1, 'a/b/c'],
  ['a/b/c', '', 7, 'a/b/c'],
  ['c', 'n', -1, 'n/c'],
  ['b/c', 'n', -1, 'n/c'],
  ['a/b/c', 'n', -1, 'n/c'],
  ['a/b/c/image', 'n', -1, 'n/image'],
  ['a/b/c/image', 'n', 0, 'n/a/b/c/image'],
  ['a/b/c/image', 'n', 1, 'n/b/c/image'],
  ['a/b/c/image', 'n', 2, 'n/c/image'],
  ['a/b/c/image', 'n', 3, 'n/image'],
  ['a/b/c/image', 'n', 4, Invalid],
  ['a/b', 'n', 2, Invalid],
  ['a', 'n', 0, 'n/a'],
  ['a', 'n', 1, Invalid],
  ['library/nginx', 'mirror/team', 1, 'mirror/team/nginx'],
  ['library/nginx', 'mirror', 0, 'mirror/library/nginx'],
];

describe('destinationRepository', () => {
  it.each(CASES)('%s with namespace %j and count %i → %s', (src, namespace, count, expected) => {
    const policy = { destNamespace: namespace, destNamespaceReplaceCount: count };
    if (expected === Invalid) {
      expect(() => destinationRepository(policy, src)).toThrow(Invalid);
    } else {
      expect(destinationRepository(policy, src)).toBe(expected);
    }
  });

  it('names the repository and the level when the count is too large', () => {
    expect(() => destinationRepository({ destNamespace: 'n', destNamespaceReplaceCount: 3 }, 'a/b')).toThrow(
      /"a\/b" has only 1 path component.*level is 3/,
    );
  });
});
