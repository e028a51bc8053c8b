import type { Readable } from 'node:stream';
import type { Descriptor } from '../core/manifest.js';

/**
 * Replication's seams (issue 7). Harbor's model: a **registry** (endpoint) is a remote registry Berth
 * can talk to; a **policy** copies artifacts from a source to a destination, one of which is always
 * this Berth ("local", registry id 0): push-based (local → remote) or pull-based (remote → local).
 * An **execution** is one run of a policy on the job system; it has one task per artifact to copy or
 * delete, added while the source is being enumerated (streaming: the first copy starts with the
 * first page, the catalogue is never listed whole first).
 *
 *   app.ts ─► ReplicationRegistries (endpoints, credentials sealed at rest)   registry-service.ts
 *         ─► ReplicationPolicies   (validation, Harbor JSON model)            policy-service.ts
 *         ─► AdapterFactory        (endpoint → ReplicationAdapter)            adapters/
 *                                      remote: RegistryClient (HTTP, auth, TLS, chunked resumable push)
 *                                      local:  Berth's own services in process
 *         ─► ReplicationService    (executions, triggers, copy/delete tasks)  engine/
 *
 * Files: `client/` (the HTTP client of a remote registry), `adapters/` (harbor, docker-registry,
 * docker-hub, oci, local), `filters.ts` (name/tag/label/resource), `engine/` (job types, copy,
 * enumeration, triggers, bandwidth), `registry-service.ts`, `policy-service.ts`; API routes in
 * `http/api/registry-routes.ts`, `replication-policy-routes.ts`, `replication-execution-routes.ts`.
 */

// ─── Endpoints ────────────────────────────────────────────────────────────────────────────────

/** Adapter types, Harbor's names. `oci` is a generic OCI registry without a catalogue. */
export const REGISTRY_TYPES = ['harbor', 'docker-registry', 'docker-hub', 'oci'] as const;
export type RegistryType = (typeof REGISTRY_TYPES)[number];

/** The id Harbor uses for the local registry in policies (`src_registry`/`dest_registry`). */
export const LOCAL_REGISTRY_ID = 0;

export interface RegistryCredential {
  /** `basic`: username/password, sent as Basic or exchanged for a bearer token (the token flow). */
  type: 'basic' | 'oauth';
  accessKey: string;
  /** Plain text only in memory; sealed (AES-256-GCM) in the database, never returned by the API. */
  accessSecret: string;
}

export type RegistryHealth = 'healthy' | 'unhealthy' | 'unknown';

export interface RegistryEndpoint {
  id: number;
  name: string;
  description: string;
  type: RegistryType;
  /** Base URL, scheme included, no trailing slash: `https://harbor.example.com`. */
  url: string;
  credential: RegistryCredential | null;
  /** Skip TLS verification. */
  insecure: boolean;
  /** PEM CA bundle trusted for this endpoint (besides the system's), or null. */
  caCertificate: string | null;
  /**
   * Berth's addition for registries without a catalogue (`oci`, and `docker-hub` namespaces): the
   * repositories to enumerate, doublestar patterns not allowed. Empty for the others.
   */
  repositories: string[];
  status: RegistryHealth;
  creationTime: Date;
  updateTime: Date;
}

export interface NewRegistry {
  name: string;
  description?: string;
  type: RegistryType;
  url: string;
  credential?: RegistryCredential | null;
  insecure?: boolean;
  caCertificate?: string | null;
  repositories?: string[];
}

/** A change; `credential` undefined keeps the stored one, null removes it; an empty secret keeps the stored secret. */
export type RegistryChange = Partial<NewRegistry>;

/** Endpoints, with credentials sealed at rest. Throws `Invalid` (bad URL, type, name), `Conflict` (name taken, in use by a policy on delete), `NotFound`. */
export interface ReplicationRegistries {
  list(query: { name?: string; type?: RegistryType; page: number; pageSize: number }): Promise<{
    items: RegistryEndpoint[];
    total: number;
  }>;
  get(id: number): Promise<RegistryEndpoint | undefined>;
  create(input: NewRegistry): Promise<RegistryEndpoint>;
  update(id: number, change: RegistryChange): Promise<RegistryEndpoint>;
  delete(id: number): Promise<void>;
  setStatus(id: number, status: RegistryHealth): Promise<void>;
}

// ─── Policies ─────────────────────────────────────────────────────────────────────────────────

export type FilterType = 'name' | 'tag' | 'label' | 'resource';

/**
 * Harbor's filter: `name` (doublestar on the repository path, source side, e.g. `library/**`),
 * `tag` (doublestar on tags; decoration `matches` | `excludes`), `label` (string[] of label names the
 * artifact must carry; `excludes` inverts), `resource` (`image` | `artifact`; `image` keeps images and
 * indexes of images, `artifact` everything). Several filters of one type: all must pass.
 */
export interface ReplicationFilter {
  type: FilterType;
  value: string | string[];
  decoration?: 'matches' | 'excludes';
}

export type TriggerType = 'manual' | 'scheduled' | 'event_based';

export interface ReplicationPolicy {
  id: number;
  name: string;
  description: string;
  /** LOCAL_REGISTRY_ID for push-based policies. */
  srcRegistryId: number;
  /** LOCAL_REGISTRY_ID for pull-based policies. Exactly one side is local. */
  destRegistryId: number;
  /** Empty: keep the source namespace. */
  destNamespace: string;
  /**
   * How many leading path components of the source repository the destination namespace replaces
   * (Harbor's flattening): -1 legacy (replace all but the last when a namespace is set), 0 none
   * (namespace prefixed), 1..n that many.
   */
  destNamespaceReplaceCount: number;
  trigger: { type: TriggerType; cron?: string };
  filters: ReplicationFilter[];
  replicateDeletion: boolean;
  /** Overwrite a destination tag that names another digest; off = skip it (logged). */
  override: boolean;
  enabled: boolean;
  /** Bandwidth limit over the byte stream of the whole execution, in KB/s (KiB); 0 or -1 = none. */
  speedKbps: number;
  copyByChunk: boolean;
  /** Refuse a manual/scheduled run while the policy's previous one is active. */
  singleActive: boolean;
  /** Berth's addition: artifact tasks of this policy copied at once (1..32, default 4). */
  concurrency: number;
  /** Berth's addition: copy referrers (signatures, SBOMs, attestations) with each artifact (default true). */
  copyReferrers: boolean;
  creationTime: Date;
  updateTime: Date;
}

export type NewPolicy = Omit<ReplicationPolicy, 'id' | 'creationTime' | 'updateTime'>;

/** Throws `Invalid` (both or neither side local, unknown registry, bad cron/filter/name), `Conflict` (name taken), `NotFound`. */
export interface ReplicationPolicies {
  list(query: {
    name?: string;
    page: number;
    pageSize: number;
  }): Promise<{ items: ReplicationPolicy[]; total: number }>;
  get(id: number): Promise<ReplicationPolicy | undefined>;
  create(input: NewPolicy): Promise<ReplicationPolicy>;
  update(id: number, input: NewPolicy): Promise<ReplicationPolicy>;
  delete(id: number): Promise<void>;
  /** Enabled event-based policies (the trigger listener's list; cached by the caller). */
  eventBased(): Promise<ReplicationPolicy[]>;
  /** Called after every change so triggers (schedules, the event listener's cache) follow. */
  onChange(listener: (policy: ReplicationPolicy | { id: number; deleted: true }) => void): void;
}

// ─── Adapters ─────────────────────────────────────────────────────────────────────────────────

export type ResourceType = 'image' | 'artifact';

/** One artifact the source offers, as enumeration yields it (a tag, or an untagged digest). */
export interface SourceArtifact {
  /** Full repository path on the source: `library/nginx`. */
  repository: string;
  /** The tags that name `digest` (all of them that passed the tag filter); empty for an untagged artifact. */
  tags: string[];
  /** Manifest digest when the listing knows it (Harbor's API, local); else resolved at copy time. */
  digest?: string;
  mediaType?: string;
  /** Label names (Harbor and local sources); undefined when the source cannot say. */
  labels?: string[];
  resourceType?: ResourceType;
}

/** What `info()` reports: Harbor's `RegistryInfo`. */
export interface AdapterInfo {
  type: RegistryType | 'local';
  description: string;
  supportedResourceFilters: Array<{ type: FilterType; style: 'input' | 'radio' | 'list'; values?: string[] }>;
  supportedTriggers: TriggerType[];
  supportedCopyByChunk: boolean;
}

export interface PushBlobOptions {
  signal: AbortSignal;
  /** Upload in chunks of this many bytes (resumable); undefined = the adapter decides by size. */
  chunkBytes?: number;
  /** Called as bytes reach the destination (for progress and the idle watchdog). */
  onBytes?: (bytes: number) => void;
  /** Wraps the source stream (the bandwidth throttle). */
  throttle?: (source: Readable) => Readable;
  /**
   * Failed requests of this blob are retried up to this many times in a row (progress resets the
   * count), each resuming from the offset the destination reports for the upload (GET on its URL),
   * or from zero when the destination lost the upload. Default 5.
   */
  retries?: number;
  /** No byte moving for this long aborts the attempt (an idle timeout, never a wall clock). Default 60 s. */
  idleTimeoutMs?: number;
  /**
   * Called before each retry of the blob: `offset` is where the new attempt starts (what the
   * destination reported holding; 0 when the upload was lost and starts over), `reason` the failure.
   */
  onRetry?: (retry: { offset: number; reason: string }) => void;
}

/**
 * A registry as replication sees it, source or destination. Remote adapters speak HTTP through a
 * `RegistryClient`; the local adapter calls Berth's services in process. Every method honours
 * `signal` (an abort stops the byte stream at once) and throws `core/errors.ts` errors:
 * `Unauthorized` (bad credentials), `NotFound`, `Unsupported`, or `ReplicationTransportError` for
 * network failures and 5xx (retryable).
 */
export interface ReplicationAdapter {
  info(): AdapterInfo;
  /** Checks reachability and credentials (the connection test). */
  ping(signal: AbortSignal): Promise<void>;
  /**
   * Streams the source's artifacts page by page, filtered by `name` (and `tag`, `label`, `resource`
   * where the listing can tell; the engine re-checks what it can). Never lists the whole catalogue
   * before yielding the first page.
   */
  enumerate(filters: readonly ReplicationFilter[], signal: AbortSignal): AsyncIterable<SourceArtifact[]>;
  /** Manifest bytes exactly as stored; undefined when absent. */
  getManifest(
    repository: string,
    reference: string,
    signal: AbortSignal,
  ): Promise<{ mediaType: string; digest: string; body: Buffer } | undefined>;
  /** Digest and media type of a tag or digest; undefined when absent. */
  headManifest(
    repository: string,
    reference: string,
    signal: AbortSignal,
  ): Promise<{ mediaType: string; digest: string } | undefined>;
  /** Stores a manifest under a tag or its digest. */
  putManifest(
    repository: string,
    reference: string,
    mediaType: string,
    body: Buffer,
    signal: AbortSignal,
  ): Promise<void>;
  /** Deletes an artifact by digest (deletion sync); false when it was not there. */
  deleteManifest(repository: string, digest: string, signal: AbortSignal): Promise<boolean>;
  /** Deletes one tag only where the registry can (Harbor, local); else false. */
  deleteTag?(repository: string, tag: string, signal: AbortSignal): Promise<boolean>;
  /** Size of a blob the repository has, or undefined. */
  headBlob(repository: string, digest: string, signal: AbortSignal): Promise<number | undefined>;
  /** Cross-repository mount; false when the registry would not (then push). */
  mountBlob(repository: string, digest: string, fromRepository: string, signal: AbortSignal): Promise<boolean>;
  /** A blob's bytes from `offset`. */
  openBlob(repository: string, digest: string, offset: number, signal: AbortSignal): Promise<Readable>;
  /**
   * Uploads a blob; `open(offset)` re-opens the source from a byte offset, so a failed chunked
   * upload resumes where the destination says it stands (GET on the upload URL) instead of from zero.
   */
  pushBlob(
    repository: string,
    blob: { digest: string; size: number },
    open: (offset: number) => Promise<Readable>,
    options: PushBlobOptions,
  ): Promise<void>;
  /** Referrers of a manifest (OCI referrers API, else the `sha256-<hex>` tag schema); [] when none. */
  referrers(repository: string, digest: string, signal: AbortSignal): Promise<Descriptor[]>;
  /** Creates the destination namespace when the registry needs one (a Harbor project); no-op elsewhere. */
  ensureNamespace?(repository: string, signal: AbortSignal): Promise<void>;
}

/** Builds adapters. `local()` is this Berth. */
export interface AdapterFactory {
  forEndpoint(endpoint: RegistryEndpoint): ReplicationAdapter;
  local(): ReplicationAdapter;
  /** Harbor's `/replication/adapterinfos`: what each type supports, without an endpoint. */
  infos(): Record<RegistryType, AdapterInfo>;
}

// ─── Filters and naming (pure; `filters.ts`, `naming.ts`) ───────────────────────────────────

/**
 * `filters.ts` exports (signatures fixed here so the policy service and the engine agree):
 *   validateFilters(value: unknown): ReplicationFilter[]            throws `Invalid` with a field path
 *   matchesRepository(filters, repository: string): boolean         the `name` filters
 *   selectTags(filters, tags: readonly string[]): string[]          tags passing the `tag` filters
 *   matchesArtifact(filters, artifact: SourceArtifact): boolean     `label` and `resource` (unknown = pass)
 *   tagsRequired(filters): boolean                                  true when a tag filter excludes untagged artifacts
 * `naming.ts` exports:
 *   destinationRepository(policy: Pick<ReplicationPolicy,'destNamespace'|'destNamespaceReplaceCount'>,
 *                         srcRepository: string): string            Harbor's flattening rules
 */

// ─── Executions ───────────────────────────────────────────────────────────────────────────────

/** Vendor type of replication executions in the job system (Harbor's). */
export const REPLICATION_VENDOR = 'REPLICATION';
/** Job types. `enumerate`: one per execution, streams the source and adds tasks; `copy` and `delete`: one per artifact. */
export const REPLICATION_JOB_TYPES = {
  enumerate: 'replication.enumerate',
  copy: 'replication.copy',
  delete: 'replication.delete',
} as const;

/**
 * Params of a copy/delete task (stored in the task row; Harbor's task fields derive from them:
 * `operation` copy|deletion, `resource_type` image|artifact, `src_resource`, `dst_resource`).
 */
export interface ReplicationTaskParams {
  policyId: number;
  operation: 'copy' | 'deletion';
  resourceType: ResourceType;
  srcRepository: string;
  /** Tag or digest on the source. */
  srcReference: string;
  /** Other tags naming the same digest, copied with it. */
  extraTags: string[];
  dstRepository: string;
  /** Digest when known at enumeration. */
  digest?: string;
}

/** Per-execution counters for Harbor's execution JSON. */
export interface ExecutionCounts {
  total: number;
  failed: number;
  succeed: number;
  inProgress: number;
  stopped: number;
}

export interface ReplicationService {
  /** Registers the job types, schedule callback and event listener. Call before `jobs.start()`. */
  register(): Promise<void>;
  /** Starts a run of the policy. Throws `NotFound`, `Invalid` (disabled), `Conflict` (single active, already running). */
  start(policyId: number, trigger: 'MANUAL' | 'SCHEDULE' | 'EVENT'): Promise<{ executionId: number }>;
  /**
   * The artifacts the policy's source and filters select now (the policy editor's preview): at most
   * `limit`, streamed from the source like a run would, with the destination each would get.
   */
  preview(
    policy: NewPolicy,
    limit: number,
    signal: AbortSignal,
  ): Promise<{ items: Array<SourceArtifact & { dstRepository: string }>; truncated: boolean }>;
  /** Harbor's destination name for a source repository under the policy's namespace rules. */
  destinationRepository(
    policy: Pick<ReplicationPolicy, 'destNamespace' | 'destNamespaceReplaceCount'>,
    src: string,
  ): string;
}

/** Network failures, timeouts, 5xx and 429 from a remote registry: the engine retries these. */
export class ReplicationTransportError extends Error {
  override name = 'ReplicationTransportError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What the Harbor API routes need (`ApiDeps.replication`), built in `app.ts`. */
export interface ReplicationApi {
  registries: ReplicationRegistries;
  policies: ReplicationPolicies;
  adapters: AdapterFactory;
  service: ReplicationService;
}
