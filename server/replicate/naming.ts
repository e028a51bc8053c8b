import { Invalid } from '../core/errors.js';
import type { ReplicationPolicy } from './replication-contract.js';

/**
 * The destination repository of a source repository under a policy's `dest_namespace` and
 * `dest_namespace_replace_count`, Harbor's flattening (`replaceNamespace` in its replication flow).
 * With `n` and `a/b/c/image`:
 *   -1 (legacy) → n/image      0 → n/a/b/c/image      1 → n/b/c/image      3 → n/image      4 → Invalid
 * An empty namespace keeps the source path whatever the count. The last component (the image name)
 * is always kept, so a count can replace at most every component before it.
 */
export function destinationRepository(
  policy: Pick<ReplicationPolicy, 'destNamespace' | 'destNamespaceReplaceCount'>,
  srcRepository: string,
): string {
  const namespace = policy.destNamespace.replace(/^\/+|\/+$/g, '');
  if (namespace === '') return srcRepository;
  const parts = srcRepository.split('/');
  const name = parts[parts.length - 1]!;
  const parents = parts.slice(0, -1);
  const count = policy.destNamespaceReplaceCount;
  if (count < 0) return `${namespace}/${name}`;
  if (count > parents.length) {
    throw new Invalid(
      'NAME_INVALID',
      `the source repository "${srcRepository}" has only ${parents.length} path component(s) before its name, ` +
        `but the destination namespace flattening level is ${count}`,
    );
  }
  return [namespace, ...parents.slice(count), name].join('/');
}
