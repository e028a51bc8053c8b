import type { FastifyRequest } from 'fastify';
import { Invalid, NotFound } from '../../core/errors.js';
import type { RepositoryName } from '../../core/names.js';
import type { Filter } from '../../meta/list-query.js';
import type { MetaStore, Project, Repository } from '../../meta/meta-store.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiRouteModule } from './api-plugin.js';
import { fullRepositoryName, requireProject, resolveProject } from './guards.js';
import { parseListRequest } from './harbor-query.js';
import { sendPage } from './paging.js';
import { toRepositoryJson } from './repository-json.js';

/**
 * Repositories: `GET /repositories` (listAllRepositories), `GET /projects/{p}/repositories`
 * (listRepositories), and `GET|PUT|DELETE /projects/{p}/repositories/{r}` (getRepository,
 * updateRepository, deleteRepository). `{r}` is the path inside the project, encoded twice when it
 * has slashes; responses carry the full name `<project>/<path>`.
 *
 * Permissions follow Harbor's handler: listing and reading one repository need `repository:list`
 * (what a public project grants anyone), updating `repository:update`, deleting `repository:delete`.
 */

export interface ProjectParams {
  project_name: string;
}
export interface RepositoryParams extends ProjectParams {
  repository_name: string;
}

/** A repository named by the API's path parameters, with the project it lives in. */
export interface RepositoryTarget {
  project: Project;
  /** The full name and project, as the registry layer takes it. */
  name: RepositoryName;
}

/**
 * The project a `{project_name}` parameter names (always a name, never an id); when absent, 404 for
 * a system administrator and 401/403 for others (see `resolveProject`).
 */
export function projectNamed(meta: MetaStore, name: string, req: FastifyRequest): Promise<Project> {
  return resolveProject(meta, name, true, req.security);
}

/**
 * Resolves `{project_name}` and `{repository_name}`, checks that the caller may do `action` on
 * `resource` in the project (401/403), then that the repository exists (404). The permission comes
 * before the existence check, so a refused caller learns nothing about the project's repositories.
 */
export async function openRepository(
  req: FastifyRequest,
  meta: MetaStore,
  params: RepositoryParams,
  resource: string,
  action: string,
): Promise<RepositoryTarget & { repository: Repository }> {
  const project = await projectNamed(meta, params.project_name, req);
  await requireProject(req, project, resource, action);
  const name = fullRepositoryName(project.name, params.repository_name);
  const repository = await meta.repositories.get(name);
  if (!repository) throw new NotFound('NAME_UNKNOWN', `repository ${name} not found`);
  return { project, name: { name, project: project.name }, repository };
}

/** Largest description accepted (and refused) by `updateRepository`; Harbor keeps it in a text column. */
const MAX_DESCRIPTION = 64 * 1024;

export const repositoryRoutes: ApiRouteModule = (app, deps) => {
  app.get('/repositories', async (req, reply) => {
    const list = parseListRequest(req.query);
    const visible = await visibleProjectIds(req, deps.meta);
    if (visible !== 'all') {
      if (visible.length === 0) return sendPage(req, reply, list, { items: [], total: 0 }, toRepositoryJson);
      list.query.filters.push({ key: 'project_id', kind: 'or', values: visible });
    }
    return sendPage(req, reply, list, await deps.meta.repositories.list(list.query), toRepositoryJson);
  });

  app.get<{ Params: ProjectParams }>('/projects/:project_name/repositories', async (req, reply) => {
    const project = await projectNamed(deps.meta, req.params.project_name, req);
    await requireProject(req, project, 'repository', 'list');
    const list = parseListRequest(req.query);
    list.query.filters.push({ key: 'project_id', kind: 'exact', value: project.id });
    return sendPage(req, reply, list, await deps.meta.repositories.list(list.query), toRepositoryJson);
  });

  const one = '/projects/:project_name/repositories/:repository_name';

  app.get<{ Params: RepositoryParams }>(one, async (req) => {
    const target = await openRepository(req, deps.meta, req.params, 'repository', 'list');
    const page = await deps.meta.repositories.list({
      filters: [
        { key: 'name', kind: 'exact', value: target.name.name },
        { key: 'project_id', kind: 'exact', value: target.project.id },
      ],
      sort: [],
      offset: 0,
      limit: 1,
    });
    const summary = page.items[0];
    if (!summary) throw new NotFound('NAME_UNKNOWN', `repository ${target.name.name} not found`);
    return toRepositoryJson(summary);
  });

  // Berth keeps no repository descriptions. Rather than acknowledge a write it would not keep, an
  // update that sets one is refused (400, naming the field); one that clears it is a no-op.
  app.put<{ Params: RepositoryParams }>(one, async (req, reply) => {
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new Invalid('NAME_INVALID', 'the request body must be a repository object');
    }
    const description = (body as { description?: unknown }).description;
    if (description !== undefined && description !== null && typeof description !== 'string') {
      throw new Invalid('NAME_INVALID', 'description must be a string');
    }
    if (typeof description === 'string' && description.length > MAX_DESCRIPTION) {
      throw new Invalid('NAME_INVALID', `description must be at most ${MAX_DESCRIPTION} characters`);
    }
    await openRepository(req, deps.meta, req.params, 'repository', 'update');
    if (typeof description === 'string' && description.trim() !== '') {
      throw new Invalid('NAME_INVALID', 'description: repository descriptions are not supported by this registry');
    }
    return reply.code(200).send();
  });

  app.delete<{ Params: RepositoryParams }>(one, async (req, reply) => {
    const target = await openRepository(req, deps.meta, req.params, 'repository', 'delete');
    await refuseImmutableTags(deps, target.name);
    if (!(await deps.meta.repositories.delete(target.name.name))) {
      throw new NotFound('NAME_UNKNOWN', `repository ${target.name.name} not found`);
    }
    recordRepositoryDeleted(deps, req, target);
    return reply.code(200).send();
  });
};

/** Harbor answers 412 to deleting a repository that holds an immutable tag (the tag would go with it). */
async function refuseImmutableTags(deps: ApiDeps, name: RepositoryName): Promise<void> {
  if ((await deps.manifests.immutability.rulesOf(name.project)).length === 0) return;
  for (let last: string | undefined; ;) {
    let tags: string[];
    try {
      tags = await deps.meta.tags.list(name.name, 1000, last);
    } catch (err) {
      if (err instanceof NotFound) return;
      throw err;
    }
    if (tags.length === 0) return;
    await deps.manifests.immutability.assertMutable(name.project, name.name, tags);
    last = tags[tags.length - 1];
  }
}

function recordRepositoryDeleted(deps: ApiDeps, req: FastifyRequest, target: RepositoryTarget): void {
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation: 'delete',
    resourceType: 'repository',
    resource: target.name.name,
    project: target.project.name,
    success: true,
    detail: null,
  });
}

/**
 * The projects whose repositories the caller may list, or `'all'` for a system administrator.
 * Anonymous callers see public projects; everyone else every project where `repository:list` is
 * granted (their memberships, a robot's permissions, and public projects), as Harbor's
 * `listAuthorizedProjectIDs` does.
 */
async function visibleProjectIds(req: FastifyRequest, meta: MetaStore): Promise<number[] | 'all'> {
  const security = req.security;
  if (security.isSysAdmin) return 'all';
  const filters: Filter[] = security.isAuthenticated ? [] : [{ key: 'public', kind: 'exact', value: true }];
  const ids: number[] = [];
  const pageSize = 100;
  for (let offset = 0; ; offset += pageSize) {
    const page = await meta.projects.list({ filters, sort: [], offset, limit: pageSize });
    for (const project of page.items) {
      if (await security.can(project, 'repository', 'list')) ids.push(project.id);
    }
    if (page.items.length < pageSize || offset + pageSize >= page.total) return ids;
  }
}
