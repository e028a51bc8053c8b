import type { GcRepo } from './gc-types.js';
import type { AccessTokenRepo, LoginFailureRepo, RobotRepo, SessionRepo, UserRepo } from './identity-types.js';
import type { ListQuery, Page } from './list-query.js';
import type { AuditRepo, LabelRepo, MemberRepo, NewProject } from './project-types.js';
import type { ImmutableRuleRepo, RetentionPolicyRepo } from './retention-types.js';
import type { JobRepo } from '../jobs/job-repo.js';
import type { ScanRepo } from '../scan/engine/scan-repo-types.js';
import type { ReplicationRepo } from './replication-types.js';

/**
 * The metadata seam. One repository interface per aggregate; every method is async so a PostgreSQL
 * implementation drops in beside SQLite. There is no generic transaction API: better-sqlite3 cannot
 * hold a transaction across `await`, so each aggregate offers atomic methods that do one whole change
 * (`artifacts.commitManifest` stores an artifact, its references, its subject and its tag at once).
 * Services do storage I/O first and then make one atomic metadata call.
 *
 * Errors: methods throw domain errors from `core/errors.ts` (`NotFound`, `Conflict`, ...); dialect
 * errors never cross this boundary.
 */
export interface MetaStore {
  readonly projects: ProjectRepo;
  readonly repositories: RepositoryRepo;
  readonly blobs: BlobRepo;
  readonly artifacts: ArtifactRepo;
  readonly tags: TagRepo;
  readonly uploads: UploadRepo;
  readonly users: UserRepo;
  readonly loginFailures: LoginFailureRepo;
  readonly sessions: SessionRepo;
  readonly accessTokens: AccessTokenRepo;
  readonly robots: RobotRepo;
  readonly members: MemberRepo;
  readonly labels: LabelRepo;
  readonly audit: AuditRepo;
  /** Immutable tag rules per project. */
  readonly immutableRules: ImmutableRuleRepo;
  /** Tag retention policies, one per project. */
  readonly retentionPolicies: RetentionPolicyRepo;
  /** Garbage collection's batched steps (see the blob state machine in `gc-types.ts`). */
  readonly gc: GcRepo;
  /** Executions, tasks, logs, schedules and paused queues of the job system. */
  readonly jobs: JobRepo;
  /** The scanner's caches, reports, findings, registrations, allowlists and settings. */
  readonly scans: ScanRepo;
  /** Replication endpoints (secrets sealed) and policies. */
  readonly replication: ReplicationRepo;
  close(): Promise<void>;
}

export interface Project {
  id: number;
  name: string;
  public: boolean;
  /** The user who created it; null for projects created by the system (`library`, first pushes before auth). */
  ownerId: number | null;
  createdAt: Date;
  updatedAt: Date;
  /** Harbor's project metadata as strings (`public` mirrors the column). */
  metadata: Record<string, string>;
  /** Bytes; -1 for unlimited. */
  storageLimit: number;
  /** Bytes in use, each distinct blob of the project counted once (manifests included). */
  storageUsed: number;
}

/** A repository with the counts Harbor's API shows. */
export interface RepositorySummary extends Repository {
  artifactCount: number;
  pullCount: number;
}

/** An artifact with its tags, as listings show it. */
export interface ArtifactWithTags extends Artifact {
  tags: TagRecord[];
}

export interface TagRecord {
  id: number;
  repositoryId: number;
  artifactId: number;
  name: string;
  pushTime: Date;
  pullTime: Date | null;
}

export interface Repository {
  id: number;
  projectId: number;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface BlobRecord {
  digest: string;
  size: number;
  mediaType: string | null;
  createdAt: Date;
  /** Which incarnation of the row this is (GC); pass it as `expectIncarnation` to link what you checked. */
  incarnation: number;
}

export interface Artifact {
  id: number;
  repositoryId: number;
  repository: string;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  size: number;
  configDigest: string | null;
  subjectDigest: string | null;
  annotations: Record<string, string> | null;
  pushTime: Date;
  pullTime: Date | null;
}

/** A referrer as the referrers API lists it (an OCI descriptor). */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType: string | null;
  annotations: Record<string, string> | null;
}

export interface UploadSession {
  id: string;
  repository: string;
  startedAt: Date;
}

export interface ProjectRepo {
  /** Returns the project, creating it (private unless `public`) when missing. */
  ensure(name: string, options?: { public?: boolean; ownerId?: number | null }): Promise<Project>;
  get(name: string): Promise<Project | undefined>;
  getById(id: number): Promise<Project | undefined>;
  /** Throws `Conflict` when the name is taken. */
  create(project: NewProject, now?: Date): Promise<Project>;
  /**
   * Keys: `name` (exact, fuzzy), `public` (exact), `owner_id` (exact), `project_id` (or: ids),
   * `public_or_id` (or: public projects plus these ids, what a non-admin may see).
   * Sort: `name` (default), `creation_time`, `update_time`.
   */
  list(query: ListQuery): Promise<Page<Project>>;
  /**
   * Sets or removes (value null) metadata keys; `public` also updates the column (removing it makes the
   * project private; a value other than a boolean spelling is `Invalid`). Throws `NotFound`.
   */
  updateMetadata(id: number, metadata: Record<string, string | null>, now?: Date): Promise<Project>;
  /** Throws `NotFound`. -1 for unlimited. A limit below current usage is allowed (pushes then fail). */
  setStorageLimit(id: number, bytes: number, now?: Date): Promise<void>;
  /**
   * Throws `Conflict` while the project has repositories, and for `library` (one-component names need
   * it); removes members, labels and metadata. Audit entries stay.
   */
  delete(id: number): Promise<boolean>;
}

export interface RepositoryRepo {
  get(name: string): Promise<Repository | undefined>;
  /** Repository names in lexical order, strictly after `last`, at most `limit`. */
  catalog(limit: number, last?: string): Promise<string[]>;
  /**
   * Catalog restricted to projects the caller may read: repositories of the given project ids, plus
   * of every public project when `includePublic`.
   */
  catalogVisible(
    visible: { projectIds: number[]; includePublic: boolean },
    limit: number,
    last?: string,
  ): Promise<string[]>;
  /**
   * Keys: `name` (exact, fuzzy), `project_id` (exact, or). Sort: `name`, `creation_time`,
   * `update_time` (default newest first).
   */
  list(query: ListQuery): Promise<Page<RepositorySummary>>;
  /** Deletes the repository with its artifacts, tags and blob links (bytes stay for GC). */
  delete(name: string): Promise<boolean>;
}

export interface BlobRepo {
  /**
   * Records a blob whose bytes are already durable in storage and links it to a repository, creating
   * the repository (and its project, when `createProject`) if missing. Idempotent.
   * A blob new to the project adds its size to the project's usage; throws `QuotaExceeded` (writing
   * nothing) when that would pass the project's storage limit. A blob the project already has is free.
   * Throws `NotFound(NAME_UNKNOWN)` when the project is missing and `createProject` is false.
   * Revives a GC candidate; throws `Conflict(BLOB_UPLOAD_INVALID)` (retryable: upload again) for a blob
   * GC is deleting, and, with `expectIncarnation` (from `pin` or a read), when the row is no longer
   * that incarnation: the bytes the caller checked may have been collected meanwhile.
   */
  link(input: {
    repository: string;
    project: string;
    createProject: boolean;
    blob: BlobInput;
    expectIncarnation?: number;
  }): Promise<void>;
  /**
   * Before publishing verified bytes: records the blob (unlinked) or revives and touches it, so GC
   * leaves it alone for a window, and returns its incarnation for `link`. Throws
   * `Conflict(BLOB_UPLOAD_INVALID)` for a blob GC is deleting.
   */
  pin(blob: BlobInput): Promise<number>;
  /**
   * `getLinked` for a push probe (HEAD): a link last seen before `refreshBefore` is refreshed in the
   * same statement that checks it, so GC keeps it for another window.
   */
  probe(repository: string, digest: string, refreshBefore: Date): Promise<BlobRecord | undefined>;
  /** The blob when it is linked to the repository, else undefined. */
  getLinked(repository: string, digest: string): Promise<BlobRecord | undefined>;
  /** Any repository's copy: used for cross-repository mounts. */
  get(digest: string): Promise<BlobRecord | undefined>;
  /** Removes the repository's link; returns false when it was not linked. Bytes stay for GC. */
  unlink(repository: string, digest: string): Promise<boolean>;
}

export interface BlobInput {
  digest: string;
  size: number;
  mediaType?: string | null;
}

export interface CommitManifestInput {
  repository: string;
  project: string;
  createProject: boolean;
  /** The manifest blob itself (its bytes are already durable). */
  manifest: BlobInput & { mediaType: string };
  /** The manifest blob's incarnation from `blobs.pin` before its bytes were stored (see `BlobRepo.link`). */
  manifestIncarnation?: number;
  artifactType: string | null;
  configDigest: string | null;
  subjectDigest: string | null;
  annotations: Record<string, string> | null;
  /** Digests of config and layers (or other blobs) the manifest references; each must be linked. */
  blobDigests: string[];
  /** Digests of manifests an index references; each must be an artifact of the repository. */
  childDigests: string[];
  /** Tag to point at this manifest, when pushed by tag. */
  tag: string | null;
  /**
   * The tag is immutable: refuse (`DomainError` code `PRECONDITION`, nothing written) when it already
   * names another artifact. Checked inside the commit's transaction, so two racing pushes cannot both
   * move it.
   */
  protectTag?: boolean;
  now: Date;
}

export interface ArtifactRepo {
  /**
   * In one transaction: checks that every referenced blob is linked to the repository (else
   * `NotFound(MANIFEST_BLOB_UNKNOWN)`) and every child manifest is an artifact of it (else
   * `NotFound(MANIFEST_BLOB_UNKNOWN)`), links the manifest blob, stores or refreshes the artifact and
   * its references, and moves the tag. Re-pushing identical content is idempotent. The manifest blob
   * counts against the project's quota like any linked blob (`QuotaExceeded`, nothing written).
   */
  commitManifest(input: CommitManifestInput): Promise<Artifact>;
  getByDigest(repository: string, digest: string): Promise<Artifact | undefined>;
  getByTag(repository: string, tag: string): Promise<Artifact | undefined>;
  /** Artifacts in the repository whose subject is `subjectDigest`, optionally of one artifact type. */
  referrers(repository: string, subjectDigest: string, artifactType?: string): Promise<ReferrerDescriptor[]>;
  /**
   * Deletes the artifact and every tag pointing at it; returns false when absent. Throws
   * `Conflict(DENIED)` while an index in the same repository lists it as a child. Its referrers stay
   * (OCI 1.1 allows a dangling subject).
   */
  delete(repository: string, digest: string): Promise<boolean>;
  /**
   * Records a pull; implementations may batch (SQLite writes within about a second, and on close).
   * `tag`, when the client pulled by tag, also stamps that tag's pull time.
   */
  markPulled(repository: string, digest: string, at: Date, tag?: string): Promise<void>;
  /**
   * Artifacts of a repository with their tags. Keys: `digest` (exact), `tags` (exact, fuzzy: artifacts
   * with a matching tag; `tags=nil` for untagged, `tags=*` for tagged), `media_type`, `artifact_type`
   * (exact), `label_id` (exact, and). Sort: `push_time` (default newest first), `pull_time`, `digest`.
   * `topLevel` leaves out what Harbor's listing nests under another artifact: untagged children of an
   * index in the repository, and untagged accessories (referrers) of an artifact in the repository.
   */
  list(repository: string, query: ListQuery, options?: { topLevel?: boolean }): Promise<Page<ArtifactWithTags>>;
  /** The children an index references that exist in the repository. */
  children(repository: string, digest: string): Promise<Artifact[]>;
}

export interface TagRepo {
  /** Tag names in lexical order, strictly after `last`, at most `limit`. Throws NAME_UNKNOWN for an unknown repository. */
  list(repository: string, limit: number, last?: string): Promise<string[]>;
  /** Removes one tag; returns false when absent. The artifact stays. */
  delete(repository: string, tag: string): Promise<boolean>;
  /** Points a tag at an artifact of the repository (moving it when it exists). Throws `NotFound`. */
  put(repository: string, digest: string, tag: string, now?: Date): Promise<TagRecord>;
  /** Tags of one artifact. Keys: `name` (exact, fuzzy). Sort: `name`, `push_time` (default newest first). */
  listForArtifact(repository: string, digest: string, query: ListQuery): Promise<Page<TagRecord>>;
}

export interface UploadRepo {
  /** Throws `Conflict(BLOB_UPLOAD_INVALID)` when the id is already taken. */
  create(session: UploadSession): Promise<void>;
  get(id: string): Promise<UploadSession | undefined>;
  delete(id: string): Promise<boolean>;
  /** Sessions started before `cutoff`, for the purger. */
  listStartedBefore(cutoff: Date): Promise<UploadSession[]>;
}
