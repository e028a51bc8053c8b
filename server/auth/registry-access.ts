import type { MetaStore, Project } from '../meta/meta-store.js';
import { RobotSecurity, UserSecurity } from './security-contexts.js';
import { RegistryTokenSecurity } from './security-contexts.js';
import type { SecurityContext } from './security-context.js';

/**
 * The registry actions (`pull`, `push`, `delete`) a caller holds on a repository: what the token
 * service grants and what `/v2/` enforces for basic-auth callers. One function, so the two can never
 * disagree. For a missing project only a system administrator holds anything (push creates it).
 */
export async function registryActionsOf(
  security: SecurityContext,
  repository: string,
  project: Project | undefined,
): Promise<Set<string>> {
  if (security instanceof RegistryTokenSecurity) return security.repositoryActions(repository);
  if (!project) return security.isSysAdmin ? new Set(['pull', 'push', 'delete']) : new Set();
  const out = new Set<string>();
  // As Harbor's token service: each action from its own `repository` permission, checked separately.
  for (const action of ['pull', 'push', 'delete']) {
    if (await security.can(project, 'repository', action)) out.add(action);
  }
  return out;
}

/** Which projects' repositories a caller may list: every project, or some ids plus the public ones. */
export type Visibility = { all: true } | { all: false; projectIds: number[]; includePublic: boolean };

export async function visibilityOf(security: SecurityContext, meta: MetaStore): Promise<Visibility> {
  let subject = security;
  if (security instanceof RegistryTokenSecurity) {
    // A catalog token says only "may list"; what is listed follows the subject's current rights.
    if (security.subjectKind === 'user') {
      const user = await meta.users.getByName(security.name);
      if (!user) return { all: false, projectIds: [], includePublic: true };
      subject = new UserSecurity(user, meta);
    } else if (security.subjectKind === 'robot') {
      const found = await meta.robots.getCredentials(security.name);
      if (!found) return { all: false, projectIds: [], includePublic: true };
      subject = new RobotSecurity(found.robot);
    }
  }
  if (subject.isSysAdmin) return { all: true };
  if (subject instanceof UserSecurity) {
    return { all: false, projectIds: [...(await meta.members.rolesOf(subject.user.id)).keys()], includePublic: true };
  }
  if (subject instanceof RobotSecurity) {
    const names = new Set<string>();
    for (const p of subject.robot.permissions) {
      if (p.kind !== 'project') continue;
      if (p.namespace === '*') return { all: true };
      if (p.access.some((a) => a.resource === 'repository' && (a.action === 'pull' || a.action === '*'))) {
        names.add(p.namespace);
      }
    }
    const ids: number[] = [];
    for (const name of names) {
      const project = await meta.projects.get(name);
      if (project) ids.push(project.id);
    }
    return { all: false, projectIds: ids, includePublic: true };
  }
  return { all: false, projectIds: [], includePublic: true };
}
