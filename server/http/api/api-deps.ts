import type { Logger } from 'pino';
import type { EventBus } from '../../core/events.js';
import type { MetaStore } from '../../meta/meta-store.js';
import type { StorageDriver } from '../../storage/storage-driver.js';
import type { Authenticator } from '../../auth/authenticator.js';
import type { AuditWriter } from '../../notify/audit-writer.js';
import type { ManifestService } from '../../registry/manifest-service.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { JobService } from '../../jobs/job-types.js';
import type { GcService } from '../../gc/gc-job.js';
import type { ScanService } from '../../scan/scan-contract.js';
import type { ReplicationApi } from '../../replicate/replication-contract.js';

/**
 * What the Harbor API routes need, built once in the composition root (`app.ts`) and handed to
 * every route module. Add a named field when a module needs a new service (no index signature, no
 * service locator): the compiler then shows every place that must provide it.
 */
export interface ApiDeps {
  meta: MetaStore;
  /** The API's logger; request handlers log through `req.log`, which carries the request id. */
  log: Logger;
  events: EventBus;
  /** The blob storage driver (health checks; services above it own the layout). */
  storage: StorageDriver;
  system: SystemFacts;
  /** Every create/update/delete the API performs is recorded here. */
  audit: AuditWriter;
  /** `invalidate()` after a password, user or robot change, so cached basic-auth checks are dropped. */
  authenticator: Authenticator;
  /** Artifact reads and deletes (deleting through it emits the events audit and webhooks rely on). */
  manifests: ManifestService;
  /** Content-addressed reads of small blobs (image configs). */
  blobs: BlobStore;
  /** The one job system: executions, tasks, schedules, queues. */
  jobs: JobService;
  /** Starts garbage collection runs (`/system/gc`); absent where GC is not wired (route unit tests). */
  gc?: GcService;
  /** The scanner (issue 6): scans, reports, registrations, allowlists; absent where it is not wired (route unit tests). */
  scans?: ScanService;
  /** Replication (issue 7): endpoints, policies, adapters, executions; absent where it is not wired (route unit tests). */
  replication?: ReplicationApi;
}

/** Facts about this installation that `/systeminfo` and `/health` report. */
export interface SystemFacts {
  /** Berth's own version (package.json). */
  version: string;
  /**
   * The directory whose file system `/systeminfo/volumes` reports: the blob storage root with the
   * filesystem driver, else the data directory.
   */
  volumeDir: string;
  /** The storage driver's name, shown as `registry_storage_provider_name`. */
  storageProvider: string;
  /**
   * The URL clients reach Berth at (`https://registry.example.com`); when unset, each request's own
   * scheme and host are used.
   */
  externalUrl?: string;
  /** Harbor's `auth_mode`: `db_auth` (default) or `ldap_auth` (`auth.mode: ldap`). */
  authMode?: 'db_auth' | 'ldap_auth';
}
