import { MediaTypes, isIndexMediaType } from '../../core/media-types.js';
import type { Filter } from '../../meta/list-query.js';
import type { ArtifactWithTags, MetaStore } from '../../meta/meta-store.js';
import { filterArtifactTags, matchesArtifact, matchesRepository, namePrefix, tagsRequired } from '../filters.js';
import type { ReplicationFilter, ResourceType, SourceArtifact } from '../replication-contract.js';

/**
 * This Berth's artifacts as a replication source, streamed: repositories come from the catalogue
 * by keyset (name order, `strictly after last`), the `name` filters are applied before any artifact
 * of a repository is read, and each page of a repository's artifacts is yielded as soon as it is
 * read and filtered. Nothing is listed whole first, so a run's first copy starts with the first page.
 *
 * One `SourceArtifact` per artifact, as Harbor's artifact listing shows them (`topLevel`): untagged
 * index children and accessories (signatures, SBOMs: referrers whose subject is here) are left out,
 * because the copy of their parent or subject brings them along.
 *
 * Artifacts of a repository are paged by offset in digest order; a push racing with the enumeration
 * may shift a page by one, so an artifact can be seen twice or (pushed meanwhile) not at all; the
 * next run, or the event trigger, catches the latter.
 */
export async function* enumerateLocal(
  meta: MetaStore,
  filters: readonly ReplicationFilter[],
  signal: AbortSignal,
  pageSize: number,
): AsyncIterable<SourceArtifact[]> {
  const prefix = namePrefix(filters);
  // `catalog` returns names strictly after `last`: start just before the prefix so names equal to it count.
  let last: string | undefined = prefix === '' ? undefined : prefix.slice(0, -1);
  for (;;) {
    signal.throwIfAborted();
    const names = await meta.repositories.catalog(pageSize, last);
    for (const name of names) {
      if (!name.startsWith(prefix)) {
        // Names sharing a prefix are contiguous in byte order: past them, nothing else can match.
        if (name > prefix) return;
        continue;
      }
      if (!matchesRepository(filters, name)) continue;
      yield* artifactsOf(meta, name, filters, signal, pageSize);
    }
    if (names.length < pageSize) return;
    last = names[names.length - 1];
  }
}

async function* artifactsOf(
  meta: MetaStore,
  repository: string,
  filters: readonly ReplicationFilter[],
  signal: AbortSignal,
  pageSize: number,
): AsyncIterable<SourceArtifact[]> {
  // When a tag filter turns untagged artifacts away, the database leaves them out too.
  const where: Filter[] = tagsRequired(filters) ? [{ key: 'tags', kind: 'exact', value: '*' }] : [];
  for (let offset = 0; ; offset += pageSize) {
    signal.throwIfAborted();
    const page = await meta.artifacts.list(
      repository,
      { filters: where, sort: [{ key: 'digest', desc: false }], offset, limit: pageSize },
      { topLevel: true },
    );
    const out = await toSourceArtifacts(meta, repository, page.items, filters);
    if (out.length > 0) yield out;
    if (page.items.length < pageSize) return;
  }
}

async function toSourceArtifacts(
  meta: MetaStore,
  repository: string,
  items: ArtifactWithTags[],
  filters: readonly ReplicationFilter[],
): Promise<SourceArtifact[]> {
  const candidates: Array<{ artifact: ArtifactWithTags; tags: string[] }> = [];
  for (const artifact of items) {
    const tags = filterArtifactTags(
      filters,
      artifact.tags.map((t) => t.name),
    );
    if (tags === undefined) continue;
    // A tagged accessory is still listed at top level; it goes with its subject when that is here.
    if (artifact.subjectDigest && (await meta.artifacts.getByDigest(repository, artifact.subjectDigest))) continue;
    candidates.push({ artifact, tags });
  }
  if (candidates.length === 0) return [];
  const labels = await meta.labels.ofArtifacts(candidates.map((c) => c.artifact.id));
  const out: SourceArtifact[] = [];
  for (const { artifact, tags } of candidates) {
    const source: SourceArtifact = {
      repository,
      tags,
      digest: artifact.digest,
      mediaType: artifact.mediaType,
      labels: [...new Set((labels.get(artifact.id) ?? []).map((l) => l.name))],
      resourceType: resourceTypeOf(artifact.mediaType, artifact.artifactType),
    };
    if (matchesArtifact(filters, source)) out.push(source);
  }
  return out;
}

const IMAGE_CONFIGS: ReadonlySet<string> = new Set([MediaTypes.ociConfig, MediaTypes.dockerConfig]);

/**
 * Harbor's `image` resource: an image manifest (its config is an image config) or an index, which
 * Harbor's processors type IMAGE unless it declares another artifact type. Anything else (Helm charts,
 * WASM, signatures, arbitrary OCI artifacts) is an `artifact`.
 */
export function resourceTypeOf(mediaType: string, artifactType: string | null): ResourceType {
  if (isIndexMediaType(mediaType))
    return artifactType === null || IMAGE_CONFIGS.has(artifactType) ? 'image' : 'artifact';
  return artifactType !== null && IMAGE_CONFIGS.has(artifactType) ? 'image' : 'artifact';
}
