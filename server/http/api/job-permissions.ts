import type { FastifyRequest } from 'fastify';
import { PROJECT_SELF } from '../../auth/rbac.js';
import type { SecurityContext } from '../../auth/security-context.js';
import { Denied, Unauthorized } from '../../core/errors.js';
import type { MetaStore, Project } from '../../meta/meta-store.js';

/**
 * Who may see and stop an execution (and its tasks, logs and live events): the one table that maps
 * an execution's vendor type to Harbor's permission for the feature that started it, taken from the
 * handler that lists or stops that feature's executions in Harbor (`src/server/v2.0/handler/*.go`).
 *
 * An execution with a project is checked in that project (`project` below); one without a project
 * (GC, replication, scan-all: system-wide work) needs the vendor's system permission (`system`) or
 * Harbor's `jobservice-monitor` (the job service dashboard's own permission). A system administrator
 * passes everything. A vendor type missing from the table falls back to project administrators
 * in a project and to `jobservice-monitor` outside one, so a new feature is never more visible than
 * it should be until someone adds its row.
 */

/** The permission needed to `read` (list, get, read logs, receive events) or `stop` something. */
export interface JobPermission {
  resource: string;
  read: string;
  stop: string;
}

export type JobAction = keyof Omit<JobPermission, 'resource'>;

/** What an authorisation check needs to know about an execution. */
export interface JobTarget {
  vendorType: string;
  projectId: number | null;
}

interface VendorPermissions {
  /** Executions that belong to a project. */
  project?: JobPermission;
  /** Executions without a project. */
  system?: JobPermission;
}

/** Harbor's job service dashboard: pools, workers, queues, any job (handler/jobservice.go). */
export const JOBSERVICE_MONITOR: JobPermission = { resource: 'jobservice-monitor', read: 'list', stop: 'stop' };

/** An unknown vendor type inside a project: the project's administrators (who hold project update). */
export const PROJECT_ADMIN_ONLY: JobPermission = { resource: PROJECT_SELF, read: 'update', stop: 'update' };

/**
 * Vendor type → permission. Harbor's handler for each: retention.go (list/read, operate = update),
 * gc.go, purge.go, replication.go (stop = create), scan_all.go, scan.go and sbom.go (stop), webhook.go
 * (no stop: update stands in), preheat.go (stop = update), scan_data_export.go.
 */
export const VENDOR_PERMISSIONS: Readonly<Record<string, VendorPermissions>> = {
  RETENTION: { project: { resource: 'tag-retention', read: 'read', stop: 'update' } },
  IMAGE_SCAN: { project: { resource: 'scan', read: 'read', stop: 'stop' } },
  SBOM: { project: { resource: 'sbom', read: 'read', stop: 'stop' } },
  WEBHOOK: { project: { resource: 'notification-policy', read: 'list', stop: 'update' } },
  P2P_PREHEAT: { project: { resource: 'preheat-policy', read: 'read', stop: 'update' } },
  SCAN_DATA_EXPORT: { project: { resource: 'export-cve', read: 'read', stop: 'create' } },
  GARBAGE_COLLECTION: { system: { resource: 'garbage-collection', read: 'list', stop: 'stop' } },
  PURGE_AUDIT_LOG: { system: { resource: 'purge-audit', read: 'list', stop: 'stop' } },
  REPLICATION: { system: { resource: 'replication', read: 'list', stop: 'create' } },
  SCAN_ALL: { system: { resource: 'scan-all', read: 'read', stop: 'stop' } },
};

/** Registry events (`artifact.pushed`, ...) reach whoever may read the repository's project. */
export const REGISTRY_EVENT_PERMISSION = { resource: PROJECT_SELF, action: 'read' } as const;

/** The permission to check in the execution's project. */
export function projectPermission(vendorType: string): JobPermission {
  return VENDOR_PERMISSIONS[vendorType]?.project ?? PROJECT_ADMIN_ONLY;
}

/** The system permissions that each allow access to a system-wide execution, the vendor's first. */
export function systemPermissions(vendorType: string): JobPermission[] {
  const own = VENDOR_PERMISSIONS[vendorType]?.system;
  return own ? [own, JOBSERVICE_MONITOR] : [JOBSERVICE_MONITOR];
}

/**
 * Answers job permission questions for one caller, remembering project lookups and answers: a
 * listing or an event stream asks the same few questions many times. Like the security context it
 * wraps, it lives for one request; an event stream is closed after a few minutes for that reason
 * (the client reconnects and is authenticated afresh, so a revoked role takes effect).
 */
export class JobAccess {
  private readonly answers = new Map<string, Promise<boolean>>();
  private readonly projects = new Map<number, Promise<Project | undefined>>();

  constructor(
    readonly security: SecurityContext,
    private readonly meta: Pick<MetaStore, 'projects'>,
  ) {}

  /** Whether the caller may `action` the execution `target` (or its tasks). */
  can(target: JobTarget, action: JobAction): Promise<boolean> {
    if (this.security.isSysAdmin) return Promise.resolve(true);
    return this.remember(`job:${target.projectId ?? '-'}:${target.vendorType}:${action}`, async () => {
      if (target.projectId === null) {
        for (const p of systemPermissions(target.vendorType)) {
          if (await this.security.canSystem(p.resource, p[action])) return true;
        }
        return false;
      }
      const project = await this.project(target.projectId);
      if (!project) return false;
      const p = projectPermission(target.vendorType);
      return this.security.can(project, p.resource, p[action]);
    });
  }

  /** Whether the caller may see registry events of the project named `projectName`. */
  canSeeRegistry(projectName: string, lookup: (name: string) => Promise<Project | undefined>): Promise<boolean> {
    if (this.security.isSysAdmin) return Promise.resolve(true);
    return this.remember(`registry:${projectName}`, async () => {
      const project = await lookup(projectName);
      if (!project) return false;
      return this.security.can(project, REGISTRY_EVENT_PERMISSION.resource, REGISTRY_EVENT_PERMISSION.action);
    });
  }

  /** Throws `Unauthorized` (anonymous) or `Denied` unless `can(target, action)`. */
  async require(target: JobTarget, action: JobAction, what: string): Promise<void> {
    if (await this.can(target, action)) return;
    if (!this.security.isAuthenticated) throw new Unauthorized('unauthorized: authentication required');
    throw new Denied(`forbidden: ${this.security.name} may not ${action} ${what}`);
  }

  private project(id: number): Promise<Project | undefined> {
    let found = this.projects.get(id);
    if (!found) {
      found = this.meta.projects.getById(id);
      this.projects.set(id, found);
    }
    return found;
  }

  private remember(key: string, ask: () => Promise<boolean>): Promise<boolean> {
    const cached = this.answers.get(key);
    if (cached) return cached;
    // A failed lookup must not be remembered as an answer.
    const result = ask().catch((err: unknown) => {
      this.answers.delete(key);
      throw err;
    });
    this.answers.set(key, result);
    return result;
  }
}

/** A `JobAccess` for the request's caller. */
export function jobAccess(req: FastifyRequest, meta: Pick<MetaStore, 'projects'>): JobAccess {
  return new JobAccess(req.security, meta);
}
