import type { FastifyRequest } from 'fastify';
import type { SecurityContext } from '../../auth/security-context.js';
import { Denied, Invalid, NotFound, Unauthorized } from '../../core/errors.js';
import { MAX_NAME_LENGTH, isValidRepositoryName } from '../../core/names.js';
import type { MetaStore, Project } from '../../meta/meta-store.js';
import type {} from '../auth/request-security.js';

/**
 * Permission checks and path-parameter helpers every route uses, so refusals look the same
 * everywhere: an anonymous caller gets 401 (authenticate, then retry), an authenticated one 403.
 * This mirrors Harbor's `BaseAPI.RequireProjectAccess` / `RequireSystemAccess`.
 */

/** Throws `Unauthorized` (401) unless the caller is authenticated; returns the context. */
export function requireAuthenticated(req: FastifyRequest): SecurityContext {
  const security = req.security;
  if (!security.isAuthenticated) throw new Unauthorized('unauthorized: authentication required');
  return security;
}

/** Throws 401 for an anonymous caller, 403 (`Denied`) for one without `action` on system `resource`. */
export async function requireSystem(req: FastifyRequest, resource: string, action: string): Promise<void> {
  const security = req.security;
  if (await security.canSystem(resource, action)) return;
  throw refusal(security, `${action} on ${resource}`);
}

/** Throws 401 for an anonymous caller, 403 (`Denied`) for one without `action` on `resource` in `project`. */
export async function requireProject(
  req: FastifyRequest,
  project: Project,
  resource: string,
  action: string,
): Promise<void> {
  const security = req.security;
  if (await security.can(project, resource, action)) return;
  throw refusal(security, `${action} on ${resource} of project ${project.name}`);
}

function refusal(security: SecurityContext, what: string): Unauthorized | Denied {
  if (!security.isAuthenticated) return new Unauthorized('unauthorized: authentication required');
  return new Denied(`forbidden: ${security.name} may not ${what}`);
}

/**
 * Harbor's `X-Is-Resource-Name` header: true when a `{project_name_or_id}` parameter is a name even
 * though it looks like a number. Go's `strconv.ParseBool` spellings are accepted.
 */
export function isResourceName(req: FastifyRequest): boolean {
  const raw = req.headers['x-is-resource-name'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

/**
 * The project a `{project_name_or_id}` parameter names: an all-digit string is an id unless
 * `isResourceName` (the header) says it is a name. When there is none, a system administrator gets
 * 404; anyone else gets the refusal a private project would give (401/403), as Harbor answers, so
 * private project names cannot be probed. Pass `security` unless the route is admin-only.
 */
export async function resolveProject(
  meta: MetaStore,
  nameOrId: string,
  isResourceName: boolean,
  security?: SecurityContext,
): Promise<Project> {
  let project: Project | undefined;
  if (!isResourceName && /^\d+$/.test(nameOrId)) {
    const id = Number(nameOrId);
    project = Number.isSafeInteger(id) ? await meta.projects.getById(id) : undefined;
  } else if (nameOrId !== '') {
    project = await meta.projects.get(nameOrId);
  }
  if (!project) {
    if (security && !security.isSysAdmin) throw refusal(security, `read project ${clip(nameOrId)}`);
    throw new NotFound('NAME_UNKNOWN', `project ${clip(nameOrId)} not found`);
  }
  return project;
}

/**
 * A `{repository_name}` path parameter as a repository path inside its project. Harbor clients
 * encode a name with slashes twice (`a/b` → `a%252Fb`); fastify decodes once, leaving `a%2Fb`, which
 * is decoded here. A name sent encoded once (`a%2Fb` → `a/b`) works too. Throws `Invalid` (400) for
 * `..`, empty segments, malformed escapes or anything outside the OCI name grammar.
 */
export function decodeRepositoryName(param: string): string {
  let name = param;
  if (name.includes('%')) {
    try {
      name = decodeURIComponent(name);
    } catch {
      throw new Invalid('NAME_INVALID', `invalid repository name "${clip(param)}": malformed escape`);
    }
  }
  const segments = name.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new Invalid('NAME_INVALID', `invalid repository name "${clip(name)}": empty or relative path segment`);
  }
  if (!isValidRepositoryName(name)) throw new Invalid('NAME_INVALID', `invalid repository name "${clip(name)}"`);
  return name;
}

/** `<project>/<repository>`, the full name as stored, from a project and a `{repository_name}` parameter. */
export function fullRepositoryName(project: string, param: string): string {
  const full = `${project}/${decodeRepositoryName(param)}`;
  if (full.length > MAX_NAME_LENGTH) throw new Invalid('NAME_INVALID', 'repository name too long');
  return full;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
