import type { Repository } from '../../api/types';

/**
 * Repositories grouped by namespace: `team/app/backend` sits in group `team`, then `team/app`. Groups
 * carry totals of what they hold so a collapsed group still says something. Only the repositories
 * given (one page of a listing) are grouped: the tree never asks for more.
 */

export interface RepositoryLeaf {
  kind: 'repository';
  key: string;
  /** The last path segment, shown inside its group. */
  label: string;
  repository: Repository;
}

export interface NamespaceGroup {
  kind: 'group';
  key: string;
  /** The group's own segment (`app`). */
  label: string;
  /** The namespace's full path (`team/app`). */
  path: string;
  children: NamespaceNode[];
  repositoryCount: number;
  artifactCount: number;
  pullCount: number;
  /** The latest `update_time` of the repositories inside. */
  updateTime: string;
}

export type NamespaceNode = RepositoryLeaf | NamespaceGroup;

export function groupKey(path: string): string {
  return `ns:${path}`;
}

/**
 * Builds the tree in the order the repositories come (so a name-sorted page gives sorted groups).
 * `within` is a project name when every repository belongs to it: its segment is then not a group.
 */
export function namespaceTree(repositories: readonly Repository[], within?: string): NamespaceNode[] {
  const roots: NamespaceNode[] = [];
  const groups = new Map<string, NamespaceGroup>();
  const prefix = within ? `${within}/` : '';
  for (const repository of repositories) {
    const relative =
      prefix && repository.name.startsWith(prefix) ? repository.name.slice(prefix.length) : repository.name;
    const segments = relative.split('/');
    let siblings = roots;
    const trail: NamespaceGroup[] = [];
    for (let i = 0; i < segments.length - 1; i++) {
      const path = prefix + segments.slice(0, i + 1).join('/');
      let group = groups.get(path);
      if (!group) {
        group = {
          kind: 'group',
          key: groupKey(path),
          label: segments[i] as string,
          path,
          children: [],
          repositoryCount: 0,
          artifactCount: 0,
          pullCount: 0,
          updateTime: '',
        };
        groups.set(path, group);
        siblings.push(group);
      }
      trail.push(group);
      siblings = group.children;
    }
    siblings.push({
      kind: 'repository',
      key: `repo:${repository.id}`,
      label: segments[segments.length - 1] as string,
      repository,
    });
    for (const group of trail) {
      group.repositoryCount++;
      group.artifactCount += repository.artifact_count;
      group.pullCount += repository.pull_count;
      if (repository.update_time > group.updateTime) group.updateTime = repository.update_time;
    }
  }
  return roots;
}

/** Keys of every group in the tree (for "expand all"). */
export function allGroupKeys(nodes: readonly NamespaceNode[]): string[] {
  const out: string[] = [];
  const walk = (list: readonly NamespaceNode[]) => {
    for (const node of list) {
      if (node.kind !== 'group') continue;
      out.push(node.key);
      walk(node.children);
    }
  };
  walk(nodes);
  return out;
}
