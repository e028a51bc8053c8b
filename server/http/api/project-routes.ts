import type { FastifyRequest } from 'fastify';
import { PROJECT_SELF } from '../../auth/rbac.js';
import { Conflict, Denied, Invalid } from '../../core/errors.js';
import { DEFAULT_PROJECT } from '../../core/names.js';
import type { Filter } from '../../meta/list-query.js';
import type { MetaStore, Project } from '../../meta/meta-store.js';
import type { ProjectRoleId } from '../../meta/project-types.js';
import type { ApiDeps } from './api-deps.js';
import { preconditionFailed, unprocessable } from './api-errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import { isResourceName, requireAuthenticated, requireProject, resolveProject } from './guards.js';
import { parseListRequest, type RawQuery } from './harbor-query.js';
import { sendPage } from './paging.js';
import { projectViews, quotaResources, repositoryCount, roleCounts, type ProjectJson } from './project-json.js';
import { parseGoBool, readProjectRequest } from './project-request.js';
import { visibilityFilter, visibilityOf } from './project-visibility.js';

/**
 * Projects: listProjects, headProject, createProject, getProject, updateProject, deleteProject,
 * getProjectDeletable, getProjectSummary (Harbor's `handler/project.go`).
 *
 * Who sees what: see `project-visibility.ts`. Anyone authenticated may create a project (Harbor's
 * default `project_creation_restriction: everyone`) except robots, which need the system
 * `project:create` permission. The creator owns the project and becomes its project admin; a robot's
 * project is owned by the first system administrator, as in Harbor. Only a system administrator (or
 * a robot allowed to create projects) sets `storage_limit`; anyone else's is ignored, as Harbor does.
 */

export interface ProjectParams {
  project_name_or_id: string;
}

/** The project named by `{project_name_or_id}` (404 when missing). */
export function projectOf(meta: MetaStore, req: FastifyRequest): Promise<Project> {
  const { project_name_or_id: nameOrId } = req.params as ProjectParams;
  return resolveProject(meta, nameOrId, isResourceName(req), req.security);
}

export const projectRoutes: ApiRouteModule = (app, deps) => {
  const { meta } = deps;

  // Declared before GET /projects, which would otherwise claim HEAD for itself.
  app.head('/projects', async (req, reply) => {
    const raw = (req.query as RawQuery).project_name;
    const name = Array.isArray(raw) ? raw[0] : raw;
    if (name === undefined || name === '') throw new Invalid('NAME_INVALID', 'project_name in query is required');
    const project = await resolveProject(meta, name, true);
    await requireProject(req, project, PROJECT_SELF, 'read');
    return reply.code(200).send();
  });

  app.get('/projects', async (req, reply) => {
    const list = parseListRequest(req.query);
    const params = req.query as RawQuery;
    const filters: Filter[] = [...list.query.filters];
    const name = single(params.name);
    if (name) filters.push({ key: 'name', kind: 'fuzzy', value: name });
    const isPublic = booleanParam('public', single(params.public));
    if (isPublic !== undefined) filters.push({ key: 'public', kind: 'exact', value: isPublic });
    booleanParam('with_detail', single(params.with_detail));
    const owner = single(params.owner);
    if (owner) {
      const user = await meta.users.getByName(owner);
      if (!user) return sendPage(req, reply, list, { items: [] as ProjectJson[], total: 0 }, (p) => p);
      filters.push({ key: 'owner_id', kind: 'exact', value: user.id });
    }
    const visible = await visibilityFilter(meta, await visibilityOf(meta, req));
    if (visible) filters.push(visible);
    const page = await meta.projects.list({ ...list.query, filters });
    const views = projectViews(meta, req, deps.scans?.allowlists);
    const items = await Promise.all(page.items.map((p) => views.toJson(p)));
    return sendPage(req, reply, list, { items, total: page.total }, (p) => p);
  });

  app.post('/projects', async (req, reply) => {
    const security = requireAuthenticated(req);
    const mayCreateAnywhere = await security.canSystem('project', 'create');
    if (security.kind === 'robot' && !mayCreateAnywhere) {
      throw new Denied('forbidden: only a system-level robot allowed to create projects may create one');
    }
    if (security.kind !== 'user' && security.kind !== 'robot') {
      throw new Denied('forbidden: this credential cannot create projects');
    }
    const body = readProjectRequest(req.body, { create: true });
    const name = body.name as string;
    if (body.retentionId !== undefined && body.retentionId !== '') {
      throw new Invalid('NAME_INVALID', 'metadata.retention_id must be omitted when creating a project');
    }
    const ownerId = security.kind === 'user' ? security.userId : await firstSystemAdmin(meta);
    if (ownerId === null) throw new Denied('forbidden: no user to own the project');

    const isPublic = body.metadata.public === 'true';
    const storageLimit = mayCreateAnywhere ? body.storageLimit : undefined;
    const project = await meta.projects.create({
      name,
      public: isPublic,
      ownerId,
      metadata: { ...body.metadata, public: String(isPublic) },
      ...(storageLimit === undefined ? {} : { storageLimit }),
    });
    try {
      await meta.members.add(project.id, 'u', ownerId, 1);
    } catch (err) {
      // A project nobody administers must not stay behind.
      await meta.projects.delete(project.id).catch(() => false);
      throw err;
    }
    if (body.cveAllowlist) await saveAllowlist(req, deps, project, body.cveAllowlist);
    deps.audit.record({
      ...actor(req),
      operation: 'create',
      resourceType: 'project',
      resource: name,
      project: name,
      success: true,
      detail: `public=${isPublic}${storageLimit === undefined ? '' : `, storage_limit=${storageLimit}`}`,
    });
    const resourceNameInLocation = parseGoBool(String(req.headers['x-resource-name-in-location'] ?? '')) === true;
    return reply
      .code(201)
      .header('location', `/api/v2.0/projects/${resourceNameInLocation ? name : project.id}`)
      .send();
  });

  app.get('/projects/:project_name_or_id', async (req) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, PROJECT_SELF, 'read');
    return projectViews(meta, req, deps.scans?.allowlists).toJson(project);
  });

  app.put('/projects/:project_name_or_id', async (req, reply) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, PROJECT_SELF, 'update');
    const body = readProjectRequest(req.body, { create: false });
    if (body.name !== undefined && body.name !== project.name) {
      throw new Invalid('NAME_INVALID', 'project_name: a project cannot be renamed');
    }
    const retentionId = body.retentionId;
    if (retentionId !== undefined && retentionId !== '' && retentionId !== project.metadata.retention_id) {
      throw new Invalid(
        'NAME_INVALID',
        'metadata.retention_id must be omitted, or be the retention policy already associated with the project',
      );
    }
    const changes = Object.entries(body.metadata).filter(([k, v]) => project.metadata[k] !== v);
    if (changes.length > 0) {
      await meta.projects.updateMetadata(project.id, Object.fromEntries(changes));
      deps.audit.record({
        ...actor(req),
        operation: 'update',
        resourceType: 'project',
        resource: project.name,
        project: project.name,
        success: true,
        detail: changes.map(([k, v]) => `${k}=${v}`).join(', '),
      });
    }
    if (body.cveAllowlist) await saveAllowlist(req, deps, project, body.cveAllowlist);
    return reply.code(200).send();
  });

  app.delete('/projects/:project_name_or_id', async (req, reply) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, PROJECT_SELF, 'delete');
    const check = await deletable(meta, project);
    if (!check.deletable) throw preconditionFailed(check.message);
    try {
      await meta.projects.delete(project.id);
    } catch (err) {
      // A repository pushed since the check, or the library project.
      if (err instanceof Conflict) throw preconditionFailed(err.message);
      throw err;
    }
    // The project's robots went with it (cascade); drop any cached basic-auth check of theirs.
    deps.authenticator.invalidate();
    await recordDeletion(deps, req, project);
    return reply.code(200).send();
  });

  app.get('/projects/:project_name_or_id/_deletable', async (req) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, PROJECT_SELF, 'delete');
    const check = await deletable(meta, project);
    return check.deletable ? { deletable: true } : check;
  });

  app.get('/projects/:project_name_or_id/summary', async (req) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, PROJECT_SELF, 'read');
    const summary: Record<string, unknown> = { repo_count: await repositoryCount(meta, project.id) };
    if (await req.security.can(project, 'quota', 'read')) summary.quota = quotaResources(project);
    if (await req.security.can(project, 'member', 'list'))
      Object.assign(summary, roleCounts(await roles(meta, project)));
    return summary;
  });
};

async function deletable(meta: MetaStore, project: Project): Promise<{ deletable: boolean; message: string }> {
  if (project.name === DEFAULT_PROJECT) {
    return {
      deletable: false,
      message: `the project ${DEFAULT_PROJECT} can not be deleted: one-component repository names use it`,
    };
  }
  if ((await repositoryCount(meta, project.id)) > 0) {
    return { deletable: false, message: 'the project contains repositories, can not be deleted' };
  }
  return { deletable: true, message: '' };
}

/** Audits a deletion; flushed before the writer forgets the name, so the entry keeps the project's id. */
async function recordDeletion(deps: ApiDeps, req: FastifyRequest, project: Project): Promise<void> {
  deps.audit.record({
    ...actor(req),
    operation: 'delete',
    resourceType: 'project',
    resource: project.name,
    project: project.name,
    success: true,
    detail: null,
  });
  await deps.audit.flush();
  deps.audit.forgetProject(project.name);
}

async function roles(meta: MetaStore, project: Project): Promise<ProjectRoleId[]> {
  const out: ProjectRoleId[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await meta.members.list(project.id, { filters: [], sort: [], offset, limit: 1000 });
    for (const m of page.items) out.push(m.roleId);
    if (page.items.length < 1000) return out;
  }
}

async function firstSystemAdmin(meta: MetaStore): Promise<number | null> {
  const page = await meta.users.list({
    filters: [{ key: 'sysadmin', kind: 'exact', value: true }],
    sort: [{ key: 'creation_time', desc: false }],
    offset: 0,
    limit: 1,
  });
  return page.items[0]?.id ?? null;
}

/** Who did it, for the audit log. */
export function actor(req: FastifyRequest): { username: string; clientIp: string } {
  return { username: req.security.name, clientIp: req.ip };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A boolean query parameter as go-swagger binds it: a bad value is a 422. */
function booleanParam(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = parseGoBool(raw);
  if (value === undefined) throw unprocessable(`${name} in query must be of type boolean: "${raw.slice(0, 40)}"`);
  return value;
}

/**
 * Stores a project's CVE allowlist (`cve_allowlist` of the project body) in the scanner's store.
 * Without a scanner only an empty list is accepted (there is nowhere to keep one).
 */
async function saveAllowlist(
  req: FastifyRequest,
  deps: ApiDeps,
  project: Project,
  list: { expiresAt: number | null; items: string[] },
): Promise<void> {
  if (!deps.scans) {
    if (list.items.length === 0) return;
    throw new Invalid('NAME_INVALID', 'cve_allowlist: this server has no scanner to keep a CVE allowlist');
  }
  const current = await deps.scans.allowlists.project(project.id);
  const same =
    current.expiresAt === list.expiresAt &&
    current.items.length === list.items.length &&
    current.items.every((id, i) => id === list.items[i]);
  if (same) return;
  await deps.scans.allowlists.setProject(project.id, list);
  deps.audit.record({
    ...actor(req),
    operation: 'update',
    resourceType: 'cve_allowlist',
    resource: project.name,
    project: project.name,
    success: true,
    detail: `${list.items.length} CVEs${list.expiresAt === null ? '' : `, expires ${list.expiresAt}`}`,
  });
}
