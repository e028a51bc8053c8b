import type { Logger } from 'pino';
import { digestOf, isDigest, parseDigest } from '../core/digest.js';
import { Invalid, NotFound } from '../core/errors.js';
import type { Actor, EventBus } from '../core/events.js';
import { parseManifest } from '../core/manifest.js';
import { assertValidTag, type RepositoryName } from '../core/names.js';
import type { Artifact, MetaStore, ReferrerDescriptor } from '../meta/meta-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import { ByteCache } from './byte-cache.js';

export interface ManifestServiceDeps {
  blobs: BlobStore;
  meta: MetaStore;
  events: EventBus;
  log: Logger;
  autoCreateProjects: boolean;
  cacheBytes: number;
}

export interface PutManifestResult {
  digest: string;
  subjectDigest: string | null;
}

/**
 * Manifests: validated on push, stored as blobs (bytes exactly as sent), indexed as artifacts.
 * The GET path is the registry's hottest: one prepared lookup plus an in-memory byte cache.
 */
export class ManifestService {
  readonly #cache: ByteCache;

  constructor(private readonly deps: ManifestServiceDeps) {
    this.#cache = new ByteCache(deps.cacheBytes);
  }

  async put(
    repo: RepositoryName,
    reference: string,
    body: Buffer,
    contentType: string | undefined,
    actor: Actor | null = null,
  ) {
    const byDigest = isDigest(reference);
    if (byDigest) parseDigest(reference);
    else assertValidTag(reference);

    const parsed = parseManifest(body, contentType);
    const digest = byDigest ? reference : digestOf(body);
    if (byDigest && digestOf(body, parseDigest(reference).algorithm) !== reference) {
      throw new Invalid('DIGEST_INVALID', 'manifest content does not match the digest in the URL');
    }
    // Bytes first, durable; then one atomic metadata commit. A crash in between leaves an unreferenced
    // blob for GC, never an artifact without bytes.
    await this.deps.blobs.putSmall(body, digest);
    const artifact = await this.deps.meta.artifacts.commitManifest({
      repository: repo.name,
      project: repo.project,
      createProject: this.deps.autoCreateProjects,
      manifest: { digest, size: body.length, mediaType: parsed.mediaType },
      artifactType: parsed.artifactType,
      configDigest: parsed.configDigest,
      subjectDigest: parsed.subject?.digest ?? null,
      annotations: parsed.annotations,
      blobDigests: parsed.blobDigests,
      childDigests: parsed.childDigests,
      tag: byDigest ? null : reference,
      now: new Date(),
    });
    this.#cache.set(digest, body);
    this.deps.events.emit('artifact.pushed', {
      repository: repo.name,
      digest,
      mediaType: artifact.mediaType,
      tag: byDigest ? null : reference,
      size: body.length,
      actor,
    });
    return { digest, subjectDigest: parsed.subject?.digest ?? null } satisfies PutManifestResult;
  }

  /** Resolves a tag or digest to its artifact; throws MANIFEST_UNKNOWN. */
  async resolve(repo: RepositoryName, reference: string): Promise<Artifact> {
    let artifact: Artifact | undefined;
    if (isDigest(reference)) {
      parseDigest(reference);
      artifact = await this.deps.meta.artifacts.getByDigest(repo.name, reference);
    } else {
      assertValidTag(reference);
      artifact = await this.deps.meta.artifacts.getByTag(repo.name, reference);
    }
    if (!artifact) throw new NotFound('MANIFEST_UNKNOWN', `manifest unknown: ${repo.name}:${reference}`);
    return artifact;
  }

  async content(artifact: Artifact): Promise<Buffer> {
    const cached = this.#cache.get(artifact.digest);
    if (cached) return cached;
    const body = await this.deps.blobs.getSmall(artifact.digest);
    this.#cache.set(artifact.digest, body);
    return body;
  }

  recordPull(repo: RepositoryName, artifact: Artifact, reference: string, actor: Actor | null = null): void {
    this.deps.meta.artifacts
      .markPulled(repo.name, artifact.digest, new Date(), isDigest(reference) ? undefined : reference)
      .catch((err) => this.deps.log.warn({ err }, 'recording pull time failed'));
    this.deps.events.emit('artifact.pulled', { repository: repo.name, digest: artifact.digest, reference, actor });
  }

  /** By digest: the artifact and its tags. By tag: only the tag. */
  async delete(repo: RepositoryName, reference: string, actor: Actor | null = null): Promise<void> {
    if (isDigest(reference)) {
      parseDigest(reference);
      if (!(await this.deps.meta.artifacts.delete(repo.name, reference))) {
        throw new NotFound('MANIFEST_UNKNOWN', `manifest unknown: ${repo.name}@${reference}`);
      }
      this.deps.events.emit('artifact.deleted', { repository: repo.name, digest: reference, actor });
      return;
    }
    assertValidTag(reference);
    if (!(await this.deps.meta.tags.delete(repo.name, reference))) {
      throw new NotFound('MANIFEST_UNKNOWN', `tag unknown: ${repo.name}:${reference}`);
    }
    this.deps.events.emit('tag.deleted', { repository: repo.name, tag: reference, actor });
  }

  async referrers(repo: RepositoryName, subject: string, artifactType?: string): Promise<ReferrerDescriptor[]> {
    parseDigest(subject);
    return this.deps.meta.artifacts.referrers(repo.name, subject, artifactType);
  }
}
