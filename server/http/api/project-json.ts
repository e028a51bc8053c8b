import type { FastifyRequest } from 'fastify';
import { ROLES_BY_PRIVILEGE } from '../../auth/rbac.js';
import type { MetaStore, Project } from '../../meta/meta-store.js';
import type { ProjectRoleId } from '../../meta/project-types.js';
import type { AllowlistStore } from '../../scan/scan-contract.js';
import { ZERO_TIME, harborTime, harborTimestamps } from './json-shape.js';
import { toAllowlistJson, type CveAllowlistJson } from './scan-json.js';

/**
 * Projects, their summary and their quota as Harbor's API writes them (`Project`, `ProjectSummary`,
 * `Quota`). `ProjectViews` gathers what a page of projects needs from other aggregates (owner names,
 * the caller's roles, repository counts) with one lookup per distinct owner and per project.
 */

export interface ProjectJson {
  project_id: number;
  name: string;
  owner_id: number;
  owner_name: string;
  creation_time: string;
  update_time: string;
  deleted: boolean;
  repo_count: number;
  current_user_role_id: number;
  current_user_role_ids: number[];
  togglable: boolean;
  metadata: Record<string, string>;
  cve_allowlist: CveAllowlistJson;
}

/** Harbor's `CVEAllowlist` of a project (`scan-json.ts`). */
export type { CveAllowlistJson };

export interface ProjectViews {
  toJson(project: Project): Promise<ProjectJson>;
}

/**
 * Builds project JSON for the caller of `req`; reuse one per request. With `allowlists` (the scanner's
 * store) `cve_allowlist` is the project's stored list, else Harbor's empty one.
 */
export function projectViews(meta: MetaStore, req: FastifyRequest, allowlists?: AllowlistStore): ProjectViews {
  const owners = new Map<number, Promise<string>>();
  const security = req.security;
  let roles: Promise<Map<number, ProjectRoleId>> | undefined;
  const rolesOf = (): Promise<Map<number, ProjectRoleId>> => {
    if (security.kind !== 'user' || security.userId === null) return Promise.resolve(new Map());
    roles ??= meta.members.rolesOf(security.userId);
    return roles;
  };
  const ownerName = (id: number | null): Promise<string> => {
    if (id === null) return Promise.resolve('');
    let name = owners.get(id);
    if (!name) {
      name = meta.users.get(id).then((u) => u?.username ?? '');
      owners.set(id, name);
    }
    return name;
  };
  return {
    async toJson(project) {
      const [owner, roleMap, repoCount, allowlist] = await Promise.all([
        ownerName(project.ownerId),
        rolesOf(),
        repositoryCount(meta, project.id),
        allowlists ? allowlists.project(project.id).then(toAllowlistJson) : emptyAllowlist(project.id),
      ]);
      const role = roleMap.get(project.id);
      return {
        project_id: project.id,
        name: project.name,
        owner_id: project.ownerId ?? 0,
        owner_name: owner,
        ...harborTimestamps(project),
        deleted: false,
        repo_count: repoCount,
        current_user_role_id: role ?? 0,
        current_user_role_ids: role === undefined ? [] : [role],
        // Whether the caller may switch the project between public and private (the portal's toggle).
        togglable: security.isSysAdmin || role === 1,
        metadata: { ...project.metadata },
        cve_allowlist: allowlist,
      };
    },
  };
}

export function emptyAllowlist(projectId: number): CveAllowlistJson {
  return {
    id: 0,
    project_id: projectId,
    expires_at: null,
    items: [],
    creation_time: ZERO_TIME,
    update_time: ZERO_TIME,
  };
}

export async function repositoryCount(meta: MetaStore, projectId: number): Promise<number> {
  const page = await meta.repositories.list({
    filters: [{ key: 'project_id', kind: 'exact', value: projectId }],
    sort: [],
    offset: 0,
    limit: 0,
  });
  return page.total;
}

/** Harbor's `ResourceList` for storage: bytes, -1 for unlimited. */
export function quotaResources(project: Project): { hard: { storage: number }; used: { storage: number } } {
  return { hard: { storage: project.storageLimit }, used: { storage: project.storageUsed } };
}

export interface QuotaJson {
  id: number;
  ref: { id: number; name: string; owner_name: string };
  hard: { storage: number };
  used: { storage: number };
  creation_time: string;
  update_time: string;
}

/** Harbor's `Quota` of a project: the quota id is the project id, `ref` names the project. */
export function toQuotaJson(project: Project, ownerName: string): QuotaJson {
  return {
    id: project.id,
    ref: { id: project.id, name: project.name, owner_name: ownerName },
    ...quotaResources(project),
    creation_time: harborTime(project.createdAt),
    update_time: harborTime(project.updatedAt),
  };
}

/** Member counts by role, for `ProjectSummary`. */
export function roleCounts(roles: Iterable<ProjectRoleId>): Record<string, number> {
  const counts = new Map<ProjectRoleId, number>(ROLES_BY_PRIVILEGE.map((r) => [r, 0]));
  for (const r of roles) counts.set(r, (counts.get(r) ?? 0) + 1);
  return {
    project_admin_count: counts.get(1) ?? 0,
    maintainer_count: counts.get(4) ?? 0,
    developer_count: counts.get(2) ?? 0,
    guest_count: counts.get(3) ?? 0,
    limited_guest_count: counts.get(5) ?? 0,
  };
}
