import type { FastifyRequest } from 'fastify';
import { Denied, NotFound, Unauthorized } from '../../core/errors.js';
import type { RepositoryName } from '../../core/names.js';
import type { Project } from '../../meta/meta-store.js';
import type { SecurityContext } from '../../auth/security-context.js';
import { RegistryTokenSecurity } from '../../auth/security-contexts.js';
import { registryActionsOf } from '../../auth/registry-access.js';
import type { OciServices } from './oci-context.js';

export type RegistryAction = 'pull' | 'push' | 'delete';

/** What a refused request asks for, so the 401 challenge names the scope the client should request. */
export interface ChallengeDetail {
  scope?: string;
  insufficientScope?: boolean;
}

/**
 * The registry's authorisation, per request: may the caller do `action` on the repository? A push
 * into a missing project creates it when the caller may create projects (a system administrator),
 * and otherwise names the missing project. Anonymous callers, and tokens lacking the scope, get a
 * 401 that names the scope so the client fetches the right token; authenticated callers get 403.
 */
export async function authorizeRepository(
  s: OciServices,
  req: FastifyRequest,
  repo: RepositoryName,
  action: RegistryAction,
): Promise<void> {
  const security = req.security;
  // A token's claims decide on their own; only a push may need the project row (to create it).
  if (
    security instanceof RegistryTokenSecurity &&
    action !== 'push' &&
    security.repositoryActions(repo.name).has(action)
  ) {
    return;
  }
  const project = await s.meta.projects.get(repo.project);
  const granted = await registryActionsOf(security, repo.name, project);
  if (granted.has(action)) {
    if (action === 'push' && !project) await createProjectOnPush(s, security, repo);
    return;
  }
  if (!security.isAuthenticated || security instanceof RegistryTokenSecurity) {
    throw new Unauthorized('authentication required', {
      scope: `repository:${repo.name}:${action === 'push' ? 'pull,push' : action}`,
      insufficientScope: security instanceof RegistryTokenSecurity,
    } satisfies ChallengeDetail);
  }
  if (!project) {
    throw new NotFound(
      'NAME_UNKNOWN',
      action === 'push'
        ? `project ${repo.project} does not exist; ask a system administrator to create it`
        : `repository name not known to registry: ${repo.name}`,
    );
  }
  s.audit.record({
    username: security.name,
    clientIp: req.ip,
    operation: action,
    resourceType: 'repository',
    resource: repo.name,
    project: repo.project,
    success: false,
    detail: `${req.method} refused`,
  });
  throw new Denied(`requested access to the resource is denied: ${action} on ${repo.name}`);
}

/** `/v2/` itself: anonymous callers are challenged, which is how clients discover the token realm. */
export function authorizeBase(req: FastifyRequest): void {
  if (!req.security.isAuthenticated) throw new Unauthorized('authentication required', {} satisfies ChallengeDetail);
}

/** The catalog needs an authenticated caller (or a token with `registry:catalog:*`); it is then filtered. */
export function authorizeCatalog(req: FastifyRequest): void {
  const security = req.security;
  if (security instanceof RegistryTokenSecurity) {
    if (security.grantsCatalog() && security.isAuthenticated) return;
    throw new Unauthorized('authentication required', {
      scope: 'registry:catalog:*',
      insufficientScope: true,
    } satisfies ChallengeDetail);
  }
  if (!security.isAuthenticated) {
    throw new Unauthorized('authentication required', { scope: 'registry:catalog:*' } satisfies ChallengeDetail);
  }
}

/** Whether a cross-repository mount may read the source; if not, the push falls back to an upload. */
export async function mayMountFrom(s: OciServices, req: FastifyRequest, from: RepositoryName): Promise<boolean> {
  const project = await s.meta.projects.get(from.project);
  return (await registryActionsOf(req.security, from.name, project)).has('pull');
}

async function createProjectOnPush(s: OciServices, security: SecurityContext, repo: RepositoryName): Promise<Project> {
  if (!s.autoCreateProjects) {
    throw new NotFound('NAME_UNKNOWN', `project ${repo.project} does not exist; create it first`);
  }
  return s.meta.projects.ensure(repo.project, { ownerId: security.userId });
}
