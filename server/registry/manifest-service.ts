import type { Logger } from 'pino';
import { digestOf, isDigest, parseDigest } from '../core/digest.js';
import { Invalid, NotFound } from '../core/errors.js';
import type { Actor, EventBus } from '../core/events.js';
import { parseManifest } from '../core/manifest.js';
import { assertValidTag, type RepositoryName } from '../core/names.js';
import type { Artifact, MetaStore, ReferrerDescriptor } from '../meta/meta-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import { ByteCache } from './byte-cache.js';
import { TagImmutability } from './immutability.js';

export interface ManifestServiceDeps {
  blobs: BlobStore;
  meta: MetaStore;
  events: EventBus;
  log: Logger;
  autoCreateProjects: boolean;
  cacheBytes: number;
  /** Immutable tag rules; built over `meta` when not given. */
  immutability?: TagImmutability;
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
  /** Immutable tag rules: pushes and deletes check them; the API shows and changes them. */
  readonly immutability: TagImmutability;

  constructor(private readonly deps: ManifestServiceDeps) {
    this.#cache = new ByteCache(deps.cacheBytes);
    this.immutability = deps.immutability ?? new TagImmutability(deps.meta);
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
    // Harbor refuses any push onto an immutable tag; re-pushing the digest it already names is let
    // through here, so a retried CI push stays idempotent. The check itself runs in the commit.
    const protectTag = !byDigest && (await this.immutability.isImmutable(repo.project, repo.name, reference));
    // Pinned before the bytes are stored, so GC cannot collect them before the commit links them.
    let manifestIncarnation: number | undefined;
    await this.deps.blobs.putSmall(body, digest, {
      beforePublish: async (blob) => {
        manifestIncarnation = await this.deps.meta.blobs.pin({ ...blob, mediaType: parsed.mediaType });
      },
    });
    const artifact = await this.deps.meta.artifacts.commitManifest({
      ...(manifestIncarnation === undefined ? {} : { manifestIncarnation }),
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
      protectTag,
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

  /**
   * By digest: the artifact and its tags. By tag: only the tag. Either is refused (412 PRECONDITION)
   * when an immutable tag would go. A tag attached by a push racing with the delete is not seen.
   */
  async delete(repo: RepositoryName, reference: string, actor: Actor | null = null): Promise<void> {
    if (isDigest(reference)) {
      parseDigest(reference);
      if ((await this.immutability.rulesOf(repo.project)).length > 0) {
        const tags = await this.deps.meta.tags.listForArtifact(repo.name, reference, ALL_TAGS);
        await this.immutability.assertMutable(
          repo.project,
          repo.name,
          tags.items.map((t) => t.name),
        );
      }
      if (!(await this.deps.meta.artifacts.delete(repo.name, reference))) {
        throw new NotFound('MANIFEST_UNKNOWN', `manifest unknown: ${repo.name}@${reference}`);
      }
      this.deps.events.emit('artifact.deleted', { repository: repo.name, digest: reference, actor });
      return;
    }
    assertValidTag(reference);
    await this.immutability.assertMutable(repo.project, repo.name, [reference]);
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

const ALL_TAGS = { filters: [], sort: [], offset: 0, limit: 10_000 };
