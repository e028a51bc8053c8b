import { Readable, addAbortSignal } from 'node:stream';
import type { Logger } from 'pino';
import { isDigest, parseDigest } from '../../core/digest.js';
import { Conflict, Invalid, NotFound, RangeNotSatisfiable } from '../../core/errors.js';
import type { Actor } from '../../core/events.js';
import type { Descriptor } from '../../core/manifest.js';
import { resolveRepositoryName, type RepositoryName } from '../../core/names.js';
import type { Artifact, MetaStore } from '../../meta/meta-store.js';
import type { AuditRecord } from '../../notify/audit-writer.js';
import type { ManifestService } from '../../registry/manifest-service.js';
import type { UploadService } from '../../registry/upload-service.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type {
  AdapterInfo,
  PushBlobOptions,
  ReplicationAdapter,
  ReplicationFilter,
  SourceArtifact,
} from '../replication-contract.js';
import { pushLocalBlob } from './local-blob-push.js';
import { enumerateLocal } from './local-enumeration.js';

export interface LocalAdapterDeps {
  meta: MetaStore;
  /** The services a client push goes through: quota, immutability, GC pinning, events and audit apply alike. */
  manifests: ManifestService;
  uploads: UploadService;
  blobs: BlobStore;
  log: Logger;
  /** Who replication's pushes and deletes are attributed to in events and the audit log. Default `replication`. */
  actor?: string;
  /** Rows per catalogue and artifact page while enumerating. Default 100. */
  pageSize?: number;
  /** A HEAD refreshes a repository's blob link older than this, so GC keeps it until the manifest lands (half GC's window). Default 1 h. */
  linkRefreshMs?: number;
  /** Records the projects `ensureNamespace` creates, as the API's project creation does. */
  audit?: { record(record: AuditRecord): void };
}

const INFO: AdapterInfo = {
  type: 'local',
  description: 'This Berth',
  supportedResourceFilters: [
    { type: 'name', style: 'input' },
    { type: 'tag', style: 'input' },
    { type: 'label', style: 'list' },
    { type: 'resource', style: 'radio', values: ['image', 'artifact'] },
  ],
  supportedTriggers: ['manual', 'scheduled', 'event_based'],
  supportedCopyByChunk: true,
};

/**
 * This Berth as a replication source or destination, in process: reads come from the metadata store
 * and storage, writes go through `ManifestService` and `UploadService`, exactly the services behind
 * `/v2/`, so a replicated push is refused for the same reasons a client's would be (`QuotaExceeded`,
 * an immutable tag's `PRECONDITION`, a missing blob) and emits the same events. Errors are the
 * services' domain errors; "absent" answers are `undefined`/`false` as the contract says.
 */
export class LocalAdapter implements ReplicationAdapter {
  readonly #actor: Actor;
  readonly #pageSize: number;

  constructor(private readonly deps: LocalAdapterDeps) {
    this.#actor = { name: deps.actor ?? 'replication', clientIp: null };
    this.#pageSize = Math.max(1, deps.pageSize ?? 100);
  }

  info(): AdapterInfo {
    return structuredClone(INFO);
  }

  async ping(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    await this.deps.meta.repositories.catalog(1);
  }

  enumerate(filters: readonly ReplicationFilter[], signal: AbortSignal): AsyncIterable<SourceArtifact[]> {
    return enumerateLocal(this.deps.meta, filters, signal, this.#pageSize);
  }

  async getManifest(repository: string, reference: string, signal: AbortSignal) {
    const artifact = await this.#artifact(repository, reference, signal);
    if (!artifact) return undefined;
    const body = await this.deps.manifests.content(artifact);
    return { mediaType: artifact.mediaType, digest: artifact.digest, body };
  }

  async headManifest(repository: string, reference: string, signal: AbortSignal) {
    const artifact = await this.#artifact(repository, reference, signal);
    return artifact && { mediaType: artifact.mediaType, digest: artifact.digest };
  }

  async putManifest(
    repository: string,
    reference: string,
    mediaType: string,
    body: Buffer,
    signal: AbortSignal,
  ): Promise<void> {
    signal.throwIfAborted();
    await this.deps.manifests.put(repo(repository), reference, body, mediaType, this.#actor);
  }

  async deleteManifest(repository: string, digest: string, signal: AbortSignal): Promise<boolean> {
    parseDigest(digest);
    return this.#delete(repository, digest, signal);
  }

  async deleteTag(repository: string, tag: string, signal: AbortSignal): Promise<boolean> {
    if (isDigest(tag)) throw new Invalid('TAG_INVALID', `not a tag: ${tag}`);
    return this.#delete(repository, tag, signal);
  }

  async headBlob(repository: string, digest: string, signal: AbortSignal): Promise<number | undefined> {
    signal.throwIfAborted();
    parseDigest(digest);
    // A probe, like a client's HEAD before it skips an upload: an old link is refreshed so GC keeps
    // the blob until the manifest that uses it is committed.
    const refreshBefore = new Date(Date.now() - (this.deps.linkRefreshMs ?? 3600_000));
    const blob = await this.deps.meta.blobs.probe(repo(repository).name, digest, refreshBefore);
    return blob?.size;
  }

  async mountBlob(repository: string, digest: string, fromRepository: string, signal: AbortSignal): Promise<boolean> {
    signal.throwIfAborted();
    return this.deps.uploads.mount(repo(repository), digest, repo(fromRepository));
  }

  async openBlob(repository: string, digest: string, offset: number, signal: AbortSignal): Promise<Readable> {
    signal.throwIfAborted();
    parseDigest(digest);
    const blob = await this.deps.meta.blobs.getLinked(repo(repository).name, digest);
    if (!blob) throw new NotFound('BLOB_UNKNOWN', `blob unknown to registry: ${digest}`);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > blob.size) {
      throw new RangeNotSatisfiable('RANGE_INVALID', `offset ${offset} is outside the blob's ${blob.size} bytes`);
    }
    if (offset === blob.size) return Readable.from([]);
    const stream = await this.deps.blobs.open(digest, offset > 0 ? { start: offset, end: blob.size - 1 } : undefined);
    return addAbortSignal(signal, stream);
  }

  async pushBlob(
    repository: string,
    blob: { digest: string; size: number },
    open: (offset: number) => Promise<Readable>,
    options: PushBlobOptions,
  ): Promise<void> {
    parseDigest(blob.digest);
    await pushLocalBlob(this.deps.uploads, repo(repository), blob, open, options, this.deps.log);
  }

  async referrers(repository: string, digest: string, signal: AbortSignal): Promise<Descriptor[]> {
    signal.throwIfAborted();
    const referrers = await this.deps.manifests.referrers(repo(repository), digest);
    return referrers.map((r) => ({
      mediaType: r.mediaType,
      digest: r.digest,
      size: r.size,
      ...(r.artifactType ? { artifactType: r.artifactType } : {}),
      ...(r.annotations ? { annotations: r.annotations } : {}),
    }));
  }

  /**
   * Creates the repository's project, private and with the API's defaults (no storage limit), when
   * it does not exist; owned by the first system administrator, who becomes its project admin, as a
   * project a robot creates through the API is. A concurrent creator is fine.
   */
  async ensureNamespace(repository: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const { project: name } = repo(repository);
    const { meta } = this.deps;
    if (await meta.projects.get(name)) return;
    const owner = await meta.users.list({
      filters: [{ key: 'sysadmin', kind: 'exact', value: true }],
      sort: [{ key: 'creation_time', desc: false }],
      offset: 0,
      limit: 1,
    });
    const ownerId = owner.items[0]?.id ?? null;
    let created;
    try {
      created = await meta.projects.create({ name, public: false, ownerId, metadata: { public: 'false' } });
    } catch (err) {
      if (err instanceof Conflict) return;
      throw err;
    }
    if (ownerId !== null) {
      try {
        await meta.members.add(created.id, 'u', ownerId, 1);
      } catch (err) {
        // A project nobody administers must not stay behind (the API's rule too).
        await meta.projects.delete(created.id).catch(() => false);
        throw err;
      }
    }
    this.deps.log.info({ project: name }, 'replication created a project');
    this.deps.audit?.record({
      username: this.#actor.name,
      clientIp: null,
      operation: 'create',
      resourceType: 'project',
      resource: name,
      project: name,
      success: true,
      detail: 'public=false (replication destination)',
    });
  }

  async #artifact(repository: string, reference: string, signal: AbortSignal): Promise<Artifact | undefined> {
    signal.throwIfAborted();
    try {
      return await this.deps.manifests.resolve(repo(repository), reference);
    } catch (err) {
      if (err instanceof NotFound) return undefined;
      throw err;
    }
  }

  async #delete(repository: string, reference: string, signal: AbortSignal): Promise<boolean> {
    signal.throwIfAborted();
    try {
      await this.deps.manifests.delete(repo(repository), reference, this.#actor);
      return true;
    } catch (err) {
      if (err instanceof NotFound) return false;
      throw err;
    }
  }
}

function repo(repository: string): RepositoryName {
  return resolveRepositoryName(repository);
}
