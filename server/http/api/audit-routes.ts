import type { FastifyRequest } from 'fastify';
import { roleAllows } from '../../auth/rbac.js';
import { UserSecurity } from '../../auth/security-contexts.js';
import { Invalid } from '../../core/errors.js';
import type { Filter } from '../../meta/list-query.js';
import type { AuditEntry } from '../../meta/project-types.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireAuthenticated, requireProject, resolveProject } from './guards.js';
import { parseListRequest } from './harbor-query.js';
import { harborTime } from './json-shape.js';
import { sendPage } from './paging.js';

/**
 * Harbor's audit log: `GET /audit-logs` (listAuditLogs) and `GET /projects/{project_name}/logs`
 * (getLogs), both as Harbor's `AuditLog` (id, username, resource, resource_type, operation, op_time).
 *
 * A system administrator (or a robot with system `audit-log:list`) sees every entry; anyone else sees
 * the entries of the projects where they hold `log:list` (project admins, since Harbor v2.13), and no
 * system entries. As in Harbor, only users get project entries here; a robot reads a project's log
 * through getLogs. Queued entries are written before listing, so what just happened shows up.
 *
 * `q` keys are Harbor's: `username`, `resource`, `resource_type`, `operation` (exact, `~fuzzy`,
 * `{or list}`) and `op_time=[from~to]` (`2006-01-02 15:04:05` in UTC, or ISO 8601). Sort: `op_time`
 * (default, newest first), `id`.
 */
export const auditRoutes: ApiRouteModule = (app, deps) => {
  app.get('/audit-logs', async (req, reply) => {
    const security = requireAuthenticated(req);
    const list = parseListRequest(req.query);
    const filters = auditFilters(list.query.filters);
    if (!(await security.canSystem('audit-log', 'list'))) filters.push(await visibleProjects(deps, req));
    list.query.filters = filters;
    await deps.audit.flush();
    return sendPage(req, reply, list, await deps.meta.audit.list(list.query), toAuditLogJson);
  });

  app.get('/projects/:project_name/logs', async (req, reply) => {
    requireAuthenticated(req);
    const name = (req.params as { project_name: string }).project_name;
    const project = await resolveProject(deps.meta, name, true, req.security);
    await requireProject(req, project, 'log', 'list');
    const list = parseListRequest(req.query);
    list.query.filters = [...auditFilters(list.query.filters), { key: 'project_id', kind: 'exact', value: project.id }];
    await deps.audit.flush();
    return sendPage(req, reply, list, await deps.meta.audit.list(list.query), toAuditLogJson);
  });
};

export function toAuditLogJson(entry: AuditEntry) {
  return {
    id: entry.id,
    username: entry.username,
    resource: entry.resource,
    resource_type: entry.resourceType,
    operation: entry.operation,
    op_time: harborTime(entry.opTime),
    // Berth's additions (Harbor's AuditLog has none of them): from where, whether it was allowed, and
    // a detail that never carries a secret.
    client_ip: entry.clientIp,
    success: entry.success,
    detail: entry.detail ?? '',
  };
}

const HARBOR_KEYS = new Set(['username', 'resource', 'resource_type', 'operation', 'op_time', 'success']);

/** Only Harbor's keys: a caller must not widen or reshape the project restriction added after them. */
function auditFilters(filters: Filter[]): Filter[] {
  for (const f of filters) {
    if (!HARBOR_KEYS.has(f.key)) {
      throw new Invalid('NAME_INVALID', `unsupported query key "${f.key}"; supported: ${[...HARBOR_KEYS].join(', ')}`);
    }
  }
  return [...filters];
}

/** The projects whose log the caller may list, as a `project_id` filter (matching nothing when none). */
async function visibleProjects(deps: ApiDeps, req: FastifyRequest): Promise<Filter> {
  const ids: number[] = [];
  const security = req.security;
  if (security instanceof UserSecurity) {
    for (const [projectId, role] of await deps.meta.members.rolesOf(security.user.id)) {
      if (roleAllows(role, 'log', 'list')) ids.push(projectId);
    }
  }
  if (ids.length === 0) return { key: 'project_id', kind: 'exact', value: -1 };
  if (ids.length === 1) return { key: 'project_id', kind: 'exact', value: ids[0] as number };
  return { key: 'project_id', kind: 'or', values: ids };
}
