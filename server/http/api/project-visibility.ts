import type { FastifyRequest } from 'fastify';
import { RobotSecurity } from '../../auth/security-contexts.js';
import type { Filter } from '../../meta/list-query.js';
import type { MetaStore } from '../../meta/meta-store.js';

/**
 * Which projects a caller may see in listings (listProjects, search, statistics), as Harbor's
 * `ListProjects` decides: a system administrator (or a robot with the system `project:list`
 * permission, or one whose permissions cover every project) sees everything; a user sees public
 * projects and those they are a member of; a robot sees public projects and those its permissions
 * name; anyone else sees public projects only.
 */
export type Visibility =
  | { all: true }
  | {
      all: false;
      /** Projects seen whatever their public flag (memberships, robot namespaces). */
      ownIds: number[];
    };

/** Rows read per page while collecting ids. */
const ID_PAGE = 1000;

export async function visibilityOf(meta: MetaStore, req: FastifyRequest): Promise<Visibility> {
  const security = req.security;
  if (security.isSysAdmin) return { all: true };
  if (!security.isAuthenticated) return { all: false, ownIds: [] };
  if (await security.canSystem('project', 'list')) return { all: true };
  if (security.kind === 'user' && security.userId !== null) {
    return { all: false, ownIds: [...(await meta.members.rolesOf(security.userId)).keys()] };
  }
  if (security instanceof RobotSecurity) {
    const ids = new Set<number>();
    if (security.robot.projectId !== null) ids.add(security.robot.projectId);
    for (const permission of security.robot.permissions) {
      if (permission.kind !== 'project') continue;
      if (permission.namespace === '*') return { all: true };
      const project = await meta.projects.get(permission.namespace);
      if (project) ids.add(project.id);
    }
    return { all: false, ownIds: [...ids] };
  }
  return { all: false, ownIds: [] };
}

/** Ids of every public project. */
export async function publicProjectIds(meta: MetaStore): Promise<number[]> {
  return projectIds(meta, [{ key: 'public', kind: 'exact', value: true }]);
}

/** Ids of every project matching `filters`, read in pages. */
export async function projectIds(meta: MetaStore, filters: Filter[]): Promise<number[]> {
  const ids: number[] = [];
  for (let offset = 0; ; offset += ID_PAGE) {
    const page = await meta.projects.list({ filters, sort: [], offset, limit: ID_PAGE });
    for (const p of page.items) ids.push(p.id);
    if (page.items.length < ID_PAGE) return ids;
  }
}

/**
 * The filter that restricts a project listing to what the caller sees, or undefined when they see
 * everything: public projects plus the caller's own, in one SQL condition.
 */
export async function visibilityFilter(_meta: MetaStore, visibility: Visibility): Promise<Filter | undefined> {
  if (visibility.all) return undefined;
  return { key: 'public_or_id', kind: 'or', values: visibility.ownIds };
}
