import { describe, expect, it } from 'vitest';
import { ROLE_PERMISSIONS, isGrantableToRobot, roleAllows } from '../../auth/rbac.js';
import type { SecurityContext } from '../../auth/security-context.js';
import { DomainError } from '../../core/errors.js';
import type { MetaStore, Project } from '../../meta/meta-store.js';
import type { ProjectRoleId } from '../../meta/project-types.js';
import {
  JOBSERVICE_MONITOR,
  JobAccess,
  PROJECT_ADMIN_ONLY,
  VENDOR_PERMISSIONS,
  projectPermission,
  systemPermissions,
} from './job-permissions.js';

const PRIV = { id: 1, name: 'priv', public: false } as Project;
const PUB = { id: 2, name: 'pub', public: true } as Project;
const PROJECTS = [PRIV, PUB];

const meta = {
  projects: {
    getById: async (id: number) => PROJECTS.find((p) => p.id === id),
    get: async (name: string) => PROJECTS.find((p) => p.name === name),
  },
} as unknown as MetaStore;

/** A member of `priv` with `role`, holding the system permissions `system` (`resource:action`). */
function caller(role: ProjectRoleId | null, system: string[] = [], options: { admin?: boolean } = {}): SecurityContext {
  return {
    kind: 'user',
    name: 'alice',
    userId: 1,
    isAuthenticated: true,
    isSysAdmin: options.admin ?? false,
    can: async (p, resource, action) => role !== null && p.id === PRIV.id && roleAllows(role, resource, action),
    canSystem: async (resource, action) => system.includes(`${resource}:${action}`),
  };
}

const anonymous: SecurityContext = {
  kind: 'anonymous',
  name: 'anonymous',
  userId: null,
  isAuthenticated: false,
  isSysAdmin: false,
  can: async () => false,
  canSystem: async () => false,
};

describe('the vendor type permission table', () => {
  it('names only permissions Harbor has: project ones some role holds, system ones a robot can hold', () => {
    for (const [vendor, entry] of Object.entries(VENDOR_PERMISSIONS)) {
      if (entry.project) {
        for (const action of [entry.project.read, entry.project.stop]) {
          const held = ROLE_PERMISSIONS[1].some((p) => p.resource === entry.project!.resource && p.action === action);
          expect(held, `${vendor}: ${entry.project.resource}:${action}`).toBe(true);
        }
      }
      if (entry.system) {
        for (const action of [entry.system.read, entry.system.stop]) {
          expect(isGrantableToRobot('system', entry.system.resource, action), `${vendor}: ${action}`).toBe(true);
        }
      }
    }
    expect(isGrantableToRobot('system', JOBSERVICE_MONITOR.resource, JOBSERVICE_MONITOR.read)).toBe(true);
    expect(isGrantableToRobot('system', JOBSERVICE_MONITOR.resource, JOBSERVICE_MONITOR.stop)).toBe(true);
  });

  it('falls back to project admins in a project and to jobservice-monitor outside one', () => {
    expect(projectPermission('SOMETHING_NEW')).toBe(PROJECT_ADMIN_ONLY);
    expect(systemPermissions('SOMETHING_NEW')).toEqual([JOBSERVICE_MONITOR]);
    expect(systemPermissions('GARBAGE_COLLECTION').map((p) => p.resource)).toEqual([
      'garbage-collection',
      'jobservice-monitor',
    ]);
  });
});

describe('JobAccess', () => {
  const retention = { vendorType: 'RETENTION', projectId: PRIV.id };
  const gc = { vendorType: 'GARBAGE_COLLECTION', projectId: null };
  const unknown = { vendorType: 'SOMETHING_NEW', projectId: PRIV.id };

  it('lets developers and up see and stop retention runs of their project (tag-retention)', async () => {
    for (const [role, read, stop] of [
      [5, false, false],
      [3, false, false],
      [2, true, true],
      [4, true, true],
      [1, true, true],
    ] as const) {
      const access = new JobAccess(caller(role), meta);
      expect([role, await access.can(retention, 'read'), await access.can(retention, 'stop')]).toEqual([
        role,
        read,
        stop,
      ]);
    }
  });

  it('keeps unknown vendor types to project admins', async () => {
    expect(await new JobAccess(caller(4), meta).can(unknown, 'read')).toBe(false);
    expect(await new JobAccess(caller(1), meta).can(unknown, 'read')).toBe(true);
  });

  it('shows system-wide runs to holders of the vendor permission or jobservice-monitor', async () => {
    expect(await new JobAccess(caller(1), meta).can(gc, 'read')).toBe(false);
    expect(await new JobAccess(caller(null, ['garbage-collection:list']), meta).can(gc, 'read')).toBe(true);
    expect(await new JobAccess(caller(null, ['garbage-collection:list']), meta).can(gc, 'stop')).toBe(false);
    const monitor = new JobAccess(caller(null, ['jobservice-monitor:list', 'jobservice-monitor:stop']), meta);
    expect(await monitor.can(gc, 'read')).toBe(true);
    expect(await monitor.can(gc, 'stop')).toBe(true);
    expect(await monitor.can({ vendorType: 'SOMETHING_NEW', projectId: null }, 'read')).toBe(true);
    // jobservice-monitor is no key to projects.
    expect(await monitor.can(retention, 'read')).toBe(false);
  });

  it('lets system administrators do anything, and nobody else see runs of a deleted project', async () => {
    const admin = new JobAccess(caller(null, [], { admin: true }), meta);
    expect(await admin.can({ vendorType: 'RETENTION', projectId: 99 }, 'stop')).toBe(true);
    expect(await new JobAccess(caller(1), meta).can({ vendorType: 'RETENTION', projectId: 99 }, 'read')).toBe(false);
  });

  it('sees registry events of projects the caller may read', async () => {
    const lookup = (name: string) => meta.projects.get(name);
    expect(await new JobAccess(caller(5), meta).canSeeRegistry('priv', lookup)).toBe(true);
    expect(await new JobAccess(caller(null), meta).canSeeRegistry('priv', lookup)).toBe(false);
    expect(await new JobAccess(caller(null), meta).canSeeRegistry('nope', lookup)).toBe(false);
  });

  it('refuses with 401 for anonymous callers and 403 for others', async () => {
    const kind = async (access: JobAccess) =>
      access.require(retention, 'read', 'x').then(
        () => 'allowed',
        (err: unknown) => (err instanceof DomainError ? err.kind : 'other'),
      );
    expect(await kind(new JobAccess(anonymous, meta))).toBe('unauthorized');
    expect(await kind(new JobAccess(caller(3), meta))).toBe('denied');
    expect(await kind(new JobAccess(caller(2), meta))).toBe('allowed');
  });
});
