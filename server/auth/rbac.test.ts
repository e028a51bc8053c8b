import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ProjectRoleId } from '../meta/project-types.js';
import { renderRbacMatrix } from './rbac-matrix.js';
import {
  PROJECT_SELF,
  ROBOT_PROJECT_PERMISSIONS,
  ROBOT_SYSTEM_PERMISSIONS,
  ROLE_DISPLAY_NAMES,
  ROLE_NAMES,
  ROLE_PERMISSIONS,
  ROLES_BY_PRIVILEGE,
  isGrantableToRobot,
  publicProjectAllows,
  registryActionsFor,
  roleAllows,
  roleIdFromName,
} from './rbac.js';

const ADMIN: ProjectRoleId = 1;
const DEVELOPER: ProjectRoleId = 2;
const GUEST: ProjectRoleId = 3;
const MAINTAINER: ProjectRoleId = 4;
const LIMITED_GUEST: ProjectRoleId = 5;

const can = (role: ProjectRoleId, pair: string): boolean => {
  const i = pair.lastIndexOf(':');
  return roleAllows(role, pair.slice(0, i), pair.slice(i + 1));
};

describe('role ids and names (harbor src/common/const.go Role*, src/common/rbac/project/rbac_role.go GetRoleName)', () => {
  it('maps the API role ids to Harbor role names', () => {
    expect(ROLE_NAMES).toEqual({ 1: 'projectAdmin', 2: 'developer', 3: 'guest', 4: 'maintainer', 5: 'limitedGuest' });
    expect(ROLE_DISPLAY_NAMES[5]).toBe('Limited Guest');
    expect(roleIdFromName('maintainer')).toBe(4);
    expect(roleIdFromName('master')).toBeUndefined();
  });

  it('unknown roles hold nothing', () => {
    expect(roleAllows(9 as ProjectRoleId, 'repository', 'pull')).toBe(false);
  });
});

describe('built-in roles (harbor src/common/rbac/project/rbac_role.go rolePoliciesMap, v2.14)', () => {
  it('each role holds every permission of the role below it', () => {
    for (let i = 1; i < ROLES_BY_PRIVILEGE.length; i++) {
      const lower = ROLES_BY_PRIVILEGE[i - 1] as ProjectRoleId;
      const higher = ROLES_BY_PRIVILEGE[i] as ProjectRoleId;
      for (const p of ROLE_PERMISSIONS[lower]) {
        expect(roleAllows(higher, p.resource, p.action), `${ROLE_NAMES[higher]} ${p.resource}:${p.action}`).toBe(true);
      }
    }
  });

  it('limited guest pulls and browses but sees no members, logs, labels or robots', () => {
    for (const p of ['repository:pull', 'repository:list', 'repository:read', 'artifact:read', 'tag:list']) {
      expect(can(LIMITED_GUEST, p), p).toBe(true);
    }
    for (const p of ['repository:push', 'member:list', 'member:read', 'log:list', 'label:list', 'robot:list']) {
      expect(can(LIMITED_GUEST, p), p).toBe(false);
    }
  });

  it('guest pulls and reads, and sees members, but cannot push or delete', () => {
    for (const p of ['repository:pull', 'repository:read', 'artifact:list', 'member:list', 'robot:list', 'sbom:read']) {
      expect(can(GUEST, p), p).toBe(true);
    }
    for (const p of ['repository:push', 'artifact:create', 'tag:create', 'artifact:delete', 'scan:create']) {
      expect(can(GUEST, p), p).toBe(false);
    }
  });

  it('developer pushes and tags but deletes nothing', () => {
    for (const p of [
      'repository:push',
      'artifact:create',
      'tag:create',
      'artifact-label:create',
      'export-cve:create',
    ]) {
      expect(can(DEVELOPER, p), p).toBe(true);
    }
    for (const p of ['artifact:delete', 'tag:delete', 'repository:delete', 'scan:create', 'label:create']) {
      expect(can(DEVELOPER, p), p).toBe(false);
    }
  });

  it('developer manages tag retention (v2.6, #16514)', () => {
    for (const a of ['create', 'read', 'update', 'delete', 'list', 'operate']) {
      expect(roleAllows(DEVELOPER, 'tag-retention', a), a).toBe(true);
    }
  });

  it('maintainer deletes content, scans and sets immutability, but does not run the project', () => {
    for (const p of [
      'artifact:delete',
      'tag:delete',
      'repository:delete',
      'scan:create',
      'scan:stop',
      'sbom:create',
      'immutable-tag:create',
      'tag-retention:operate',
      'label:create',
    ]) {
      expect(can(MAINTAINER, p), p).toBe(true);
    }
    for (const p of ['member:create', 'robot:create', 'configuration:update', 'preheat-policy:create']) {
      expect(can(MAINTAINER, p), p).toBe(false);
    }
  });

  it('maintainer reads but cannot write project metadata (CVE-2024-22278)', () => {
    expect(roleAllows(MAINTAINER, 'metadata', 'read')).toBe(true);
    for (const a of ['create', 'update', 'delete']) expect(roleAllows(MAINTAINER, 'metadata', a), a).toBe(false);
  });

  it('maintainer sees webhooks but cannot change them (v2.14, #22135)', () => {
    expect(can(MAINTAINER, 'notification-policy:read')).toBe(true);
    expect(can(MAINTAINER, 'notification-policy:list')).toBe(true);
    expect(can(MAINTAINER, 'notification-policy:create')).toBe(false);
  });

  it('only the project admin lists the project log (v2.13, #22037)', () => {
    expect(can(ADMIN, 'log:list')).toBe(true);
    for (const role of [MAINTAINER, DEVELOPER, GUEST, LIMITED_GUEST]) expect(can(role, 'log:list')).toBe(false);
  });

  it('project admin manages members, robots, configuration and the project itself', () => {
    for (const a of ['create', 'read', 'update', 'delete', 'list']) {
      expect(roleAllows(ADMIN, 'member', a), `member:${a}`).toBe(true);
      expect(roleAllows(ADMIN, 'robot', a), `robot:${a}`).toBe(true);
      expect(roleAllows(ADMIN, 'metadata', a), `metadata:${a}`).toBe(true);
    }
    expect(roleAllows(ADMIN, PROJECT_SELF, 'delete')).toBe(true);
    expect(can(ADMIN, 'configuration:update')).toBe(true);
    expect(can(ADMIN, 'scanner:create')).toBe(true);
    expect(roleAllows(MAINTAINER, PROJECT_SELF, 'delete')).toBe(false);
  });

  it('no role grants ChartMuseum resources (removed in v2.8) or system resources', () => {
    for (const role of ROLES_BY_PRIVILEGE) {
      expect(can(role, 'helm-chart:read')).toBe(false);
      expect(can(role, 'user:create')).toBe(false);
      expect(can(role, 'registry:create')).toBe(false);
    }
  });
});

describe('public project (harbor src/common/rbac/project/util.go publicProjectPolicies)', () => {
  it('anyone may pull, list and read artifacts', () => {
    for (const [r, a] of [
      ['repository', 'pull'],
      ['repository', 'list'],
      ['artifact', 'read'],
      ['artifact', 'list'],
      ['tag', 'list'],
      ['accessory', 'list'],
      ['scan', 'read'],
      [PROJECT_SELF, 'read'],
    ] as const) {
      expect(publicProjectAllows(r, a), `${r}:${a}`).toBe(true);
    }
  });

  it('but not push, delete, see members or logs, or read a single repository', () => {
    for (const [r, a] of [
      ['repository', 'push'],
      ['repository', 'delete'],
      ['artifact', 'delete'],
      ['member', 'list'],
      ['log', 'list'],
      ['repository', 'read'],
      ['sbom', 'read'],
    ] as const) {
      expect(publicProjectAllows(r, a), `${r}:${a}`).toBe(false);
    }
  });
});

describe('robot permissions (harbor src/common/rbac/const.go PoliciesMap)', () => {
  it('a project robot may push, pull and delete content', () => {
    for (const [r, a] of [
      ['repository', 'pull'],
      ['repository', 'push'],
      ['repository', 'delete'],
      ['artifact', 'delete'],
      ['tag', 'create'],
      ['scan', 'create'],
      ['sbom', 'create'],
      ['export-cve', 'create'],
    ] as const) {
      expect(isGrantableToRobot('project', r, a), `${r}:${a}`).toBe(true);
    }
  });

  it('a robot can never manage members or robots, nor project configuration', () => {
    for (const kind of ['project', 'system'] as const) {
      for (const a of ['create', 'read', 'update', 'delete', 'list']) {
        expect(isGrantableToRobot(kind, 'member', a)).toBe(false);
        expect(isGrantableToRobot(kind, 'robot', a)).toBe(false);
      }
    }
    expect(isGrantableToRobot('project', 'configuration', 'update')).toBe(false);
    expect(ROBOT_PROJECT_PERMISSIONS.some((p) => p.resource === 'member' || p.resource === 'robot')).toBe(false);
  });

  it('the project list names the project itself `project`, and tag-retention has no operate', () => {
    expect(isGrantableToRobot('project', 'project', 'delete')).toBe(true);
    expect(isGrantableToRobot('project', PROJECT_SELF, 'delete')).toBe(false);
    expect(isGrantableToRobot('project', 'tag-retention', 'operate')).toBe(false);
  });

  it('a system robot may run replication, GC and scans and create projects, but not administer users', () => {
    for (const [r, a] of [
      ['project', 'create'],
      ['registry', 'create'],
      ['replication', 'create'],
      ['garbage-collection', 'create'],
      ['scan-all', 'create'],
      ['catalog', 'read'],
      ['audit-log', 'list'],
    ] as const) {
      expect(isGrantableToRobot('system', r, a), `${r}:${a}`).toBe(true);
    }
    for (const [r, a] of [
      ['user', 'create'],
      ['user-group', 'create'],
      ['ldap-user', 'create'],
      ['configuration', 'update'],
      ['export-cve', 'create'],
    ] as const) {
      expect(isGrantableToRobot('system', r, a), `${r}:${a}`).toBe(false);
    }
  });

  it('levels do not mix, and wildcards are not grantable', () => {
    expect(isGrantableToRobot('system', 'repository', 'pull')).toBe(false);
    expect(isGrantableToRobot('project', 'registry', 'create')).toBe(false);
    expect(isGrantableToRobot('project', '*', '*')).toBe(false);
    expect(isGrantableToRobot('project', 'repository', '*')).toBe(false);
    expect(ROBOT_SYSTEM_PERMISSIONS.length).toBeGreaterThan(0);
  });
});

describe('token scopes (harbor src/core/service/token/creator.go resourceScopes)', () => {
  const only =
    (...pairs: string[]) =>
    (r: string, a: string): boolean =>
      pairs.includes(`${r}:${a}`);
  const forRole = (role: ProjectRoleId) => (r: string, a: string) => roleAllows(role, r, a);

  it('each scope action follows one repository permission', () => {
    expect(registryActionsFor(only('repository:pull'))).toEqual(new Set(['pull']));
    expect(registryActionsFor(only('repository:delete'))).toEqual(new Set(['delete']));
    expect(registryActionsFor(only('repository:scanner-pull'))).toEqual(new Set(['scanner-pull']));
  });

  it('push does not require pull', () => {
    expect(registryActionsFor(only('repository:push'))).toEqual(new Set(['push']));
  });

  it('delete comes from repository:delete, not artifact:delete', () => {
    expect(registryActionsFor(only('repository:pull', 'artifact:delete'))).toEqual(new Set(['pull']));
  });

  it('`*` only with pull, push and delete together', () => {
    expect(registryActionsFor(only('repository:pull', 'repository:push'))).toEqual(new Set(['pull', 'push']));
    expect(registryActionsFor(only('repository:pull', 'repository:push', 'repository:delete'))).toEqual(
      new Set(['pull', 'push', 'delete', '*']),
    );
  });

  it('per role: guests pull, developers push, maintainers and admins delete', () => {
    expect(registryActionsFor(forRole(LIMITED_GUEST))).toEqual(new Set(['pull']));
    expect(registryActionsFor(forRole(GUEST))).toEqual(new Set(['pull']));
    expect(registryActionsFor(forRole(DEVELOPER))).toEqual(new Set(['pull', 'push']));
    expect(registryActionsFor(forRole(MAINTAINER))).toEqual(new Set(['pull', 'push', 'delete', '*']));
    expect(registryActionsFor(forRole(ADMIN))).toEqual(new Set(['pull', 'push', 'delete', '*']));
    expect(registryActionsFor(publicProjectAllows)).toEqual(new Set(['pull']));
    expect(registryActionsFor(() => true)).toEqual(new Set(['pull', 'push', 'delete', 'scanner-pull', '*']));
  });
});

describe('docs/rbac.md (generated from these tables)', () => {
  it('matches renderRbacMatrix()', () => {
    const path = fileURLToPath(new URL('../../docs/rbac.md', import.meta.url));
    const rendered = renderRbacMatrix();
    if (process.env['UPDATE_RBAC_DOC']) writeFileSync(path, rendered);
    expect(readFileSync(path, 'utf8')).toBe(rendered);
  });
});
