import type { MetaStore, Project } from '../meta/meta-store.js';
import type { Robot, User } from '../meta/identity-types.js';
import type { ProjectRoleId } from '../meta/project-types.js';
import type { TokenAccess } from './token-service.js';
import { PROJECT_SELF, publicProjectAllows, roleAllows } from './rbac.js';
import type { SecurityContext } from './security-context.js';

/**
 * The four kinds of caller. Each answers `can` from its own source of truth: a user from project
 * membership (and the public flag), a robot from the permissions it was created with, an anonymous
 * caller from the public flag alone, a registry token from its signed `access` claim.
 */

export class AnonymousSecurity implements SecurityContext {
  readonly kind = 'anonymous';
  readonly name = 'anonymous';
  readonly userId = null;
  readonly isAuthenticated = false;
  readonly isSysAdmin = false;

  async can(project: Project, resource: string, action: string): Promise<boolean> {
    return project.public && publicProjectAllows(resource, action);
  }

  async canSystem(): Promise<boolean> {
    return false;
  }
}

export class UserSecurity implements SecurityContext {
  readonly kind = 'user';
  readonly isAuthenticated = true;
  /**
   * Roles looked up so far. A context lives for one request, so one lookup per project serves every
   * check the request makes (a registry request asks pull, push and delete).
   */
  private readonly roles = new Map<number, Promise<ProjectRoleId | undefined>>();

  constructor(
    readonly user: User,
    private readonly meta: MetaStore,
  ) {}

  get name(): string {
    return this.user.username;
  }
  get userId(): number {
    return this.user.id;
  }
  get isSysAdmin(): boolean {
    return this.user.sysadmin;
  }

  async can(project: Project, resource: string, action: string): Promise<boolean> {
    if (this.user.sysadmin) return true;
    let lookup = this.roles.get(project.id);
    if (!lookup) {
      lookup = this.meta.members.roleOf(project.id, this.user.id);
      this.roles.set(project.id, lookup);
    }
    const role = await lookup;
    if (role !== undefined && roleAllows(role, resource, action)) return true;
    return project.public && publicProjectAllows(resource, action);
  }

  async canSystem(): Promise<boolean> {
    return this.user.sysadmin;
  }
}

export class RobotSecurity implements SecurityContext {
  readonly kind = 'robot';
  readonly userId = null;
  readonly isAuthenticated = true;
  readonly isSysAdmin = false;

  constructor(readonly robot: Robot) {}

  get name(): string {
    return this.robot.name;
  }

  async can(project: Project, resource: string, action: string): Promise<boolean> {
    if (this.grants('project', resource, action, project.name)) return true;
    return project.public && publicProjectAllows(resource, action);
  }

  async canSystem(resource: string, action: string): Promise<boolean> {
    return this.grants('system', resource, action, '/');
  }

  private grants(kind: 'project' | 'system', wanted: string, action: string, namespace: string): boolean {
    // Role tables name the project itself '' (PROJECT_SELF); robot permissions call it `project`.
    const resource = wanted === PROJECT_SELF ? 'project' : wanted;
    let allowed = false;
    for (const permission of this.robot.permissions) {
      if (permission.kind !== kind) continue;
      if (kind === 'project' && permission.namespace !== namespace && permission.namespace !== '*') continue;
      for (const access of permission.access) {
        if (access.resource !== resource && access.resource !== '*') continue;
        if (access.action !== action && access.action !== '*') continue;
        // An explicit deny wins over any allow, as in Harbor's policy evaluation.
        if (access.effect === 'deny') return false;
        allowed = true;
      }
    }
    return allowed;
  }
}

/** A registry bearer token: grants exactly its `access` claim, on /v2/ only. */
export class RegistryTokenSecurity implements SecurityContext {
  readonly kind = 'token';
  readonly isAuthenticated: boolean;
  readonly isSysAdmin = false;

  constructor(
    readonly name: string,
    readonly subjectKind: 'user' | 'robot' | 'anonymous',
    readonly access: TokenAccess[],
  ) {
    this.isAuthenticated = subjectKind !== 'anonymous';
  }

  readonly userId = null;

  /** Registry actions the token grants on a repository. */
  repositoryActions(repository: string): Set<string> {
    const out = new Set<string>();
    for (const entry of this.access) {
      if (entry.type === 'repository' && entry.name === repository) for (const a of entry.actions) out.add(a);
    }
    return out;
  }

  grantsCatalog(): boolean {
    return this.access.some((e) => e.type === 'registry' && e.name === 'catalog' && e.actions.includes('*'));
  }

  // Registry tokens are scoped to /v2/ operations; they never authorise the REST API.
  async can(): Promise<boolean> {
    return false;
  }
  async canSystem(): Promise<boolean> {
    return false;
  }
}
