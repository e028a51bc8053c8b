import type { ProjectRoleId } from '../meta/project-types.js';

/**
 * Harbor's permission vocabulary and its built-in permission tables, as data.
 *
 * The tables follow goharbor/harbor as shipped by v2.14 (and unchanged for the built-in roles in
 * v2.15/v2.16, where custom roles were added beside them):
 *   - src/common/rbac/const.go                — resource and action names; the robot lists
 *                                               (`PoliciesMap` "Project" and "System")
 *   - src/common/rbac/project/rbac_role.go    — `rolePoliciesMap`, one list per built-in role
 *   - src/common/rbac/project/util.go         — `publicProjectPolicies`, what anyone gets on a public project
 *   - src/core/service/token/creator.go       — `resourceScopes`, token scope actions from permissions
 *   - src/server/middleware/v2auth/auth.go    — `/v2/` checks `repository:<pull|push|delete>` per request
 * Changes to the role table since v2.5 that this file includes (each a Harbor PR or advisory):
 * export-cve for developers and up and developer tag-retention (v2.6, #16514); helm-chart resources went with ChartMuseum (v2.8);
 * limited guest got repository:read (v2.9.2/v2.10.1, #19757); maintainer lost metadata writes
 * (CVE-2024-22278, v2.9.5/v2.10.3); sbom arrived (v2.11); log:list became project-admin only
 * (v2.13, #22037); maintainer got notification-policy:read (v2.14, #22135). The public-project set
 * gained accessory:list (v2.6, #16940) and lost the helm-chart entries (v2.8).
 *
 * A permission is a (resource, action) pair. Project resources are relative to one project; the
 * project itself is the empty resource `''` (Harbor's `ResourceSelf`). A system administrator holds
 * every permission everywhere (Harbor's `{*, *}`); nothing here needs to list that.
 */

export const ACTIONS = [
  'pull',
  'push',
  'create',
  'read',
  'update',
  'delete',
  'list',
  'operate',
  'stop',
  'scanner-pull',
  '*',
] as const;
export type Action = (typeof ACTIONS)[number];

/** The project itself: Harbor's `ResourceSelf`, spelled `""` (read, update and delete the project). */
export const PROJECT_SELF = '';

/** Resources inside a project, in the order the matrix shows them. */
export const PROJECT_RESOURCES = [
  PROJECT_SELF,
  'metadata',
  'member',
  'log',
  'label',
  'quota',
  'configuration',
  'repository',
  'artifact',
  'tag',
  'accessory',
  'artifact-addition',
  'artifact-label',
  'scan',
  'sbom',
  'scanner',
  'export-cve',
  'tag-retention',
  'immutable-tag',
  'notification-policy',
  'preheat-policy',
  'robot',
  // The robot "Project" list names the project itself `project` rather than `''`.
  'project',
] as const;

/** Resources outside any project (the robot "System" list and the system administrator's domain). */
export const SYSTEM_RESOURCES = [
  'audit-log',
  'catalog',
  'project',
  'user',
  'user-group',
  'ldap-user',
  'registry',
  'replication',
  'replication-policy',
  'replication-adapter',
  'distribution',
  'preheat-instance',
  'garbage-collection',
  'purge-audit',
  'scan-all',
  'scanner',
  'label',
  'quota',
  'configuration',
  'system-volumes',
  'jobservice-monitor',
  'security-hub',
  'export-cve',
] as const;

/**
 * ChartMuseum's resources. Harbor v2.8 removed ChartMuseum and these entries with it; charts are OCI
 * artifacts now and follow `repository`/`artifact`. Named so that a request or a robot definition
 * carrying them is recognised, but no table grants them.
 */
export const LEGACY_RESOURCES = ['helm-chart', 'helm-chart-version', 'helm-chart-version-label'] as const;

export type Resource =
  (typeof PROJECT_RESOURCES)[number] | (typeof SYSTEM_RESOURCES)[number] | (typeof LEGACY_RESOURCES)[number] | '*';

export interface Permission {
  readonly resource: Resource;
  readonly action: Action;
}

type Grants = Readonly<Partial<Record<Resource, readonly Action[]>>>;

const CRUDL: readonly Action[] = ['create', 'read', 'update', 'delete', 'list'];
const RETENTION: readonly Action[] = [...CRUDL, 'operate'];

function expand(grants: Grants): readonly Permission[] {
  const out: Permission[] = [];
  for (const [resource, actions] of Object.entries(grants) as [Resource, readonly Action[]][]) {
    for (const action of actions) out.push({ resource, action });
  }
  return out;
}

// Limited guest: a guest for outsiders sharing a project (another organisation, a customer). They
// may pull and browse artifacts, but must not learn who else is in the project or what happened in
// it, so members, logs, labels and robots are hidden.
const LIMITED_GUEST: Grants = {
  [PROJECT_SELF]: ['read'],
  quota: ['read'],
  configuration: ['read'],
  repository: ['read', 'list', 'pull'],
  artifact: ['read', 'list'],
  'artifact-addition': ['read'],
  tag: ['list'],
  accessory: ['list'],
  scan: ['read'],
  sbom: ['read'],
  scanner: ['read'],
};

// Guest: a read-only member. Everything a limited guest sees, plus the people and labels of the
// project and its robot accounts, because a member is trusted with who-is-who.
const GUEST: Grants = {
  ...LIMITED_GUEST,
  member: ['read', 'list'],
  label: ['read', 'list'],
  robot: ['read', 'list'],
};

// Developer: writes content but never destroys it. Push, create tags and attach labels; deleting
// artifacts, tags or repositories is left to maintainers so a CI credential cannot erase history.
// Tag retention is theirs too (v2.6) since it only prunes by rules the project agreed on.
const DEVELOPER: Grants = {
  ...GUEST,
  repository: ['create', 'read', 'update', 'list', 'push', 'pull'],
  artifact: ['create', 'read', 'list'],
  tag: ['list', 'create'],
  'artifact-label': ['create', 'delete'],
  'tag-retention': RETENTION,
  'export-cve': ['create', 'read', 'list'],
};

// Maintainer: runs the content. Deletes artifacts, tags and repositories, scans, manages labels and
// immutability rules, and can see (not edit) webhooks. Project settings stay with the admin: a
// maintainer writing metadata could make the project public or switch off vulnerability blocking
// (CVE-2024-22278), so metadata is read-only here.
const MAINTAINER: Grants = {
  ...DEVELOPER,
  metadata: ['read'],
  label: CRUDL,
  repository: ['create', 'read', 'update', 'delete', 'list', 'push', 'pull'],
  artifact: ['create', 'read', 'delete', 'list'],
  tag: ['list', 'create', 'delete'],
  scan: ['create', 'read', 'stop'],
  sbom: ['create', 'stop', 'read'],
  'immutable-tag': ['create', 'update', 'delete', 'list'],
  'notification-policy': ['read', 'list'],
};

// Project admin: owns the project. Everything a maintainer does, plus who may enter (members, robots),
// how the project behaves (metadata, configuration, webhooks, preheat, scanner choice), the audit log
// (Harbor v2.13 made project logs admin-only) and deleting the project itself.
const PROJECT_ADMIN: Grants = {
  ...MAINTAINER,
  [PROJECT_SELF]: ['read', 'update', 'delete'],
  member: CRUDL,
  metadata: CRUDL,
  log: ['list'],
  configuration: ['read', 'update'],
  robot: CRUDL,
  'notification-policy': CRUDL,
  scanner: ['read', 'create'],
  'preheat-policy': CRUDL,
};

/** Harbor's role names (`role_name`, the keys of `rolePoliciesMap`). */
export const ROLE_NAMES: Readonly<Record<ProjectRoleId, string>> = {
  1: 'projectAdmin',
  2: 'developer',
  3: 'guest',
  4: 'maintainer',
  5: 'limitedGuest',
};

/** How Harbor's portal names the roles. */
export const ROLE_DISPLAY_NAMES: Readonly<Record<ProjectRoleId, string>> = {
  1: 'Project Admin',
  2: 'Developer',
  3: 'Guest',
  4: 'Maintainer',
  5: 'Limited Guest',
};

/** Least to most privileged; each role holds every permission of the one before it. */
export const ROLES_BY_PRIVILEGE: readonly ProjectRoleId[] = [5, 3, 2, 4, 1];

export function roleIdFromName(name: string): ProjectRoleId | undefined {
  for (const id of ROLES_BY_PRIVILEGE) if (ROLE_NAMES[id] === name) return id;
  return undefined;
}

export const ROLE_PERMISSIONS: Readonly<Record<ProjectRoleId, readonly Permission[]>> = {
  1: expand(PROJECT_ADMIN),
  2: expand(DEVELOPER),
  3: expand(GUEST),
  4: expand(MAINTAINER),
  5: expand(LIMITED_GUEST),
};

/**
 * What anyone (anonymous, or an authenticated caller with no role) gets on a public project, on top
 * of whatever they hold already. Note `repository:read` is not among them: a public project's
 * repositories can be listed and pulled, but Harbor's single-repository read is for members.
 */
export const PUBLIC_PROJECT_PERMISSIONS: readonly Permission[] = expand({
  [PROJECT_SELF]: ['read'],
  label: ['read', 'list'],
  repository: ['list', 'pull'],
  artifact: ['read', 'list'],
  'artifact-addition': ['read'],
  tag: ['list'],
  accessory: ['list'],
  scan: ['read'],
  scanner: ['read'],
});

/**
 * What a robot may be granted inside a project (Harbor's `PoliciesMap["Project"]`, plus `sbom` from
 * v2.11 and `export-cve` moved here from the system list in v2.13, #21325). Members, robot accounts
 * and the project configuration are absent: a robot must not let anyone else in or mint further
 * credentials. Harbor names the project itself `project` here, where the role table says `''`.
 */
export const ROBOT_PROJECT_PERMISSIONS: readonly Permission[] = expand({
  log: ['list'],
  project: ['read', 'delete', 'update'],
  metadata: CRUDL,
  repository: ['read', 'update', 'delete', 'list', 'pull', 'push'],
  artifact: ['read', 'create', 'list', 'delete'],
  scan: ['create', 'read', 'stop'],
  sbom: ['create', 'stop', 'read'],
  tag: ['create', 'list', 'delete'],
  accessory: ['list'],
  'artifact-addition': ['read'],
  'artifact-label': ['create', 'delete'],
  scanner: ['create', 'read'],
  'preheat-policy': CRUDL,
  'immutable-tag': ['create', 'delete', 'list', 'update'],
  'notification-policy': CRUDL,
  'tag-retention': CRUDL,
  label: CRUDL,
  quota: ['read'],
  'export-cve': ['create', 'read'],
});

/**
 * What a system-level robot may be granted outside projects (Harbor's `PoliciesMap["System"]`).
 * Users, groups, LDAP import and the system configuration are absent: only people administer people.
 */
export const ROBOT_SYSTEM_PERMISSIONS: readonly Permission[] = expand({
  'audit-log': ['list'],
  'preheat-instance': CRUDL,
  project: ['list', 'create'],
  'replication-policy': CRUDL,
  replication: ['read', 'create', 'list'],
  'replication-adapter': ['list'],
  registry: CRUDL,
  'scan-all': ['read', 'update', 'stop', 'create'],
  'system-volumes': ['read'],
  'garbage-collection': ['read', 'create', 'list', 'update', 'stop'],
  'purge-audit': ['read', 'create', 'list', 'update', 'stop'],
  'jobservice-monitor': ['list', 'stop'],
  scanner: CRUDL,
  label: ['read', 'create', 'delete', 'update'],
  'security-hub': ['read', 'list'],
  catalog: ['read'],
  quota: ['read', 'list'],
});

function keyOf(resource: string, action: string): string {
  return `${resource}:${action}`;
}

function indexOf(permissions: readonly Permission[]): ReadonlySet<string> {
  return new Set(permissions.map((p) => keyOf(p.resource, p.action)));
}

const ROLE_INDEX: ReadonlyMap<number, ReadonlySet<string>> = new Map(
  ROLES_BY_PRIVILEGE.map((id) => [id, indexOf(ROLE_PERMISSIONS[id])]),
);
const PUBLIC_INDEX = indexOf(PUBLIC_PROJECT_PERMISSIONS);
const ROBOT_INDEX = { project: indexOf(ROBOT_PROJECT_PERMISSIONS), system: indexOf(ROBOT_SYSTEM_PERMISSIONS) };

/** Whether a member with `role` may do `action` on `resource` in their project. Unknown roles hold nothing. */
export function roleAllows(role: ProjectRoleId, resource: string, action: string): boolean {
  return ROLE_INDEX.get(role)?.has(keyOf(resource, action)) ?? false;
}

/** Whether anyone may do `action` on `resource` in a public project, role or not. */
export function publicProjectAllows(resource: string, action: string): boolean {
  return PUBLIC_INDEX.has(keyOf(resource, action));
}

/**
 * Whether a robot may be created holding (`resource`, `action`) at this level. Exact pairs only:
 * the wildcard `*` is how a system administrator is modelled, not something to hand to a robot.
 */
export function isGrantableToRobot(kind: 'project' | 'system', resource: string, action: string): boolean {
  return ROBOT_INDEX[kind].has(keyOf(resource, action));
}

/**
 * Docker token scope actions. `scanner-pull` is how Harbor lets a scanner's robot pull content that
 * policy (vulnerability blocking, signature enforcement) would otherwise refuse; `*` is granted only
 * with all of pull, push and delete (Notary asks for it).
 */
export type RegistryAction = 'pull' | 'push' | 'delete' | 'scanner-pull' | '*';

/**
 * The token scope actions a caller holds on a repository, given what they may do in its project.
 * Harbor checks each action on the `repository` resource separately: push does not require pull,
 * and `delete` comes from `repository:delete` alone (`artifact:delete` is the REST API's, not the
 * registry's), which is why a developer's token carries push but never delete.
 */
export function registryActionsFor(allows: (resource: string, action: string) => boolean): Set<RegistryAction> {
  const out = new Set<RegistryAction>();
  for (const action of ['pull', 'push', 'delete', 'scanner-pull'] as const) {
    if (allows('repository', action)) out.add(action);
  }
  if (out.has('pull') && out.has('push') && out.has('delete')) out.add('*');
  return out;
}
