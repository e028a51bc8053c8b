import type { FastifyRequest } from 'fastify';
import { parseDigest } from '../../core/digest.js';
import { Conflict, Denied, DomainError, Invalid, NotFound } from '../../core/errors.js';
import { parseManifest } from '../../core/manifest.js';
import { MANIFEST_MEDIA_TYPES, isIndexMediaType } from '../../core/media-types.js';
import { assertValidTag, isValidRepositoryName, type RepositoryName } from '../../core/names.js';
import type { Filter } from '../../meta/list-query.js';
import type { Artifact } from '../../meta/meta-store.js';
import { immutableTagError } from '../../registry/immutability.js';
import { artifactAdditionRoutes } from './artifact-addition-routes.js';
import {
  actorOf,
  artifactContext,
  openArtifact,
  queryBool,
  type ArtifactContext,
  type ArtifactParams,
} from './artifact-access.js';
import { HARD_ACCESSORY_TYPES, accessoryType, type PresentOptions } from './artifact-json.js';
import { ApiError } from './api-errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import { fullRepositoryName, requireProject } from './guards.js';
import { parseListRequest } from './harbor-query.js';
import { pagingHeaders } from './paging.js';
import { artifactLabelRoutes } from './label-routes.js';
import { openRepository, projectNamed, type RepositoryParams } from './repository-routes.js';
import { tagRoutes } from './tag-routes.js';
import { attachSbomOverviews, attachScanOverviews } from './scan-json.js';

/**
 * Artifacts: listArtifacts, getArtifact, deleteArtifact and CopyArtifact under
 * `/projects/{p}/repositories/{r}/artifacts`, plus (registered from their own files, sharing one
 * manifest-facts cache) tags, additions and artifact labels.
 *
 * Listing accepts Harbor's `q` keys `tags` (`tags=nil` untagged, `tags=*` tagged, `~` fuzzy),
 * `labels` (a label id, or `(id id)` for all of them), `digest`, `media_type` (a config media type,
 * or a manifest media type for indexes), `manifest_media_type` and `artifact_type`; Harbor's `type`
 * key is refused (400) until the metadata can filter by it. Referrers (signatures, SBOMs) are listed
 * as artifacts of their own as well as under their subject's `accessories`.
 */

const DEFAULT_OPTIONS = { withTag: true, withLabel: false, withAccessory: false } as const;
/** How deep copies and deletes follow indexes and accessories (indexes of indexes are rare). */
const MAX_DEPTH = 4;

export const artifactRoutes: ApiRouteModule = (app, deps) => {
  const ctx = artifactContext(deps);
  const base = '/projects/:project_name/repositories/:repository_name/artifacts';

  app.get<{ Params: RepositoryParams }>(base, async (req, reply) => {
    const options = presentOptions(req.query);
    const list = parseListRequest(req.query);
    list.query.filters = list.query.filters.map(toMetaFilter);
    const target = await openRepository(req, deps.meta, req.params, 'artifact', 'list');
    // Index children and accessories appear inside their parent's JSON (references, accessories).
    const page = await deps.meta.artifacts.list(target.name.name, list.query, { topLevel: true });
    reply.headers(pagingHeaders(req.url, page.total, list));
    const items = await ctx.presenter.present(target.project, page.items, options);
    if (options.withScanOverview) await attachScanOverviews(items, deps.scans, req.headers['x-accept-vulnerabilities']);
    if (options.withSbomOverview) await attachSbomOverviews(items, deps.scans, target.name.name);
    return items;
  });

  app.get<{ Params: ArtifactParams }>(`${base}/:reference`, async (req) => {
    const options = presentOptions(req.query);
    const { project, artifact } = await openArtifact(req, ctx, req.params, 'artifact', 'read');
    const items = await ctx.presenter.present(project, [artifact], options);
    if (options.withScanOverview) await attachScanOverviews(items, deps.scans, req.headers['x-accept-vulnerabilities']);
    if (options.withSbomOverview) await attachSbomOverviews(items, deps.scans, artifact.repository);
    return items[0];
  });

  app.delete<{ Params: ArtifactParams }>(`${base}/:reference`, async (req, reply) => {
    const { name, artifact } = await openArtifact(req, ctx, req.params, 'artifact', 'delete');
    await deleteDeeply(req, ctx, name, artifact, 0);
    return reply.code(200).send();
  });

  app.post<{ Params: RepositoryParams; Querystring: { from?: string | string[] } }>(base, async (req, reply) => {
    const from = Array.isArray(req.query.from) ? req.query.from[0] : req.query.from;
    if (from === undefined || from === '') throw new Invalid('NAME_INVALID', 'from is required');
    const source = parseFrom(from);
    const dstProject = await projectNamed(deps.meta, req.params.project_name, req);
    await requireProject(req, dstProject, 'artifact', 'create');
    await requireProject(req, dstProject, 'repository', 'push');
    const dst: RepositoryName = {
      name: fullRepositoryName(dstProject.name, req.params.repository_name),
      project: dstProject.name,
    };
    const srcProject = await projectNamed(deps.meta, source.project, req);
    await requireProject(req, srcProject, 'artifact', 'read');
    await requireProject(req, srcProject, 'repository', 'pull');
    const src: RepositoryName = { name: source.repository, project: srcProject.name };
    const artifact = await deps.manifests.resolve(src, source.reference);
    await refuseHardAccessory(ctx, artifact);
    await copyDeeply(req, ctx, src, artifact, dst, 0);
    const path = (req.url.split('?')[0] ?? '').replace(/\/+$/, '');
    return reply.code(201).header('location', `${path}/${source.reference}`).send();
  });

  tagRoutes(app, ctx);
  artifactAdditionRoutes(app, ctx);
  artifactLabelRoutes(app, ctx);
};

function presentOptions(query: unknown): PresentOptions & { withScanOverview: boolean; withSbomOverview: boolean } {
  // Accepted and validated for Harbor's clients; signatures and immutability come later.
  for (const flag of ['with_signature', 'with_immutable_status', 'with_inherited_accessory']) {
    queryBool(query, flag, false);
  }
  return {
    withTag: queryBool(query, 'with_tag', DEFAULT_OPTIONS.withTag),
    withLabel: queryBool(query, 'with_label', DEFAULT_OPTIONS.withLabel),
    withAccessory: queryBool(query, 'with_accessory', DEFAULT_OPTIONS.withAccessory),
    withScanOverview: queryBool(query, 'with_scan_overview', false),
    withSbomOverview: queryBool(query, 'with_sbom_overview', false),
  };
}

/** Harbor's artifact `q` keys → the metadata's (`ArtifactRepo.list`). */
function toMetaFilter(filter: Filter): Filter {
  switch (filter.key) {
    case 'labels':
      return { ...filter, key: 'label_id' };
    case 'manifest_media_type':
      return { ...filter, key: 'media_type' };
    case 'media_type': {
      // Harbor's media_type is the config media type (the manifest's for an index); the metadata keeps
      // the manifest media type, and the config's as the artifact type.
      const value = filter.kind === 'exact' ? String(filter.value) : '';
      return MANIFEST_MEDIA_TYPES.has(value) ? filter : { ...filter, key: 'artifact_type' };
    }
    case 'type':
      throw new Invalid('NAME_INVALID', 'q: filtering artifacts by "type" is not supported; use media_type');
    default:
      return filter;
  }
}

/** `project/repo:tag` or `project/repo@digest` (a digest wins over a tag, as in Harbor). */
export function parseFrom(from: string): { project: string; repository: string; reference: string } {
  let repository: string;
  let reference: string;
  const at = from.lastIndexOf('@');
  if (at >= 0) {
    repository = from.slice(0, at);
    reference = from.slice(at + 1);
    parseDigest(reference);
    const colon = repository.lastIndexOf(':');
    if (colon > repository.lastIndexOf('/')) repository = repository.slice(0, colon);
  } else {
    const colon = from.lastIndexOf(':');
    if (colon <= from.lastIndexOf('/')) {
      throw new Invalid('NAME_INVALID', `from must be "project/repository:tag" or "project/repository@digest"`);
    }
    repository = from.slice(0, colon);
    reference = from.slice(colon + 1);
    assertValidTag(reference);
  }
  const slash = repository.indexOf('/');
  if (slash <= 0 || !isValidRepositoryName(repository)) {
    throw new Invalid('NAME_INVALID', `from: invalid repository "${repository.slice(0, 80)}"`);
  }
  return { project: repository.slice(0, slash), repository, reference };
}

/** Harbor refuses to copy a signature or SBOM on its own: it belongs to its subject. */
async function refuseHardAccessory(ctx: ArtifactContext, artifact: Artifact): Promise<void> {
  if (artifact.subjectDigest === null) return;
  const facts = await ctx.facts.describe(artifact);
  if (HARD_ACCESSORY_TYPES.has(accessoryType(facts.artifactType || null))) {
    throw new Denied('the operation is not supported for an artifact accessory');
  }
}

/**
 * Copies an artifact into `dst`, as a push would: index children first, then the blobs are linked
 * into the destination (counted against its project's quota) and the manifest committed through the
 * manifest service, which emits `artifact.pushed`. An artifact already in `dst` is not copied again.
 * The root also brings its tags (moved in `dst` when they exist there) and its accessories.
 */
async function copyDeeply(
  req: FastifyRequest,
  ctx: ArtifactContext,
  src: RepositoryName,
  artifact: Artifact,
  dst: RepositoryName,
  depth: number,
): Promise<void> {
  const { meta, manifests } = ctx.deps;
  if (!(await meta.artifacts.getByDigest(dst.name, artifact.digest))) {
    const bytes = await manifests.content(artifact);
    const parsed = parseManifest(bytes, artifact.mediaType);
    for (const childDigest of parsed.childDigests) {
      const child = await meta.artifacts.getByDigest(src.name, childDigest);
      if (!child) throw new NotFound('MANIFEST_UNKNOWN', `child ${childDigest} of ${artifact.digest} not found`);
      if (depth < MAX_DEPTH) await copyDeeply(req, ctx, src, child, dst, depth + 1);
    }
    for (const digest of parsed.blobDigests) {
      const blob = await meta.blobs.getLinked(src.name, digest);
      if (!blob) throw new NotFound('BLOB_UNKNOWN', `blob ${digest} of ${artifact.digest} not found`);
      await meta.blobs.link({
        repository: dst.name,
        project: dst.project,
        createProject: false,
        blob: { digest, size: blob.size, mediaType: blob.mediaType },
        // Refused if GC collected the blob since we read it: the copy fails rather than links a missing file.
        expectIncarnation: blob.incarnation,
      });
    }
    await manifests.put(dst, artifact.digest, bytes, artifact.mediaType, actorOf(req));
  }
  if (depth > 0) return;
  for (const tag of await ctx.presenter.tagsOf(artifact)) {
    // A copy may not move an immutable tag of the destination, any more than a push may.
    const existing = await meta.artifacts.getByTag(dst.name, tag.name);
    if (existing && existing.digest !== artifact.digest) {
      if (await manifests.immutability.isImmutable(dst.project, dst.name, tag.name)) {
        throw immutableTagError(dst.name, tag.name);
      }
    }
    await meta.tags.put(dst.name, artifact.digest, tag.name);
    ctx.deps.audit.record({
      username: req.security.name,
      clientIp: req.ip,
      operation: 'create',
      resourceType: 'tag',
      resource: `${dst.name}:${tag.name}`,
      project: dst.project,
      success: true,
      detail: `copied from ${src.name}@${artifact.digest}`,
    });
  }
  for (const referrer of await meta.artifacts.referrers(src.name, artifact.digest)) {
    const accessory = await meta.artifacts.getByDigest(src.name, referrer.digest);
    if (accessory) await copyDeeply(req, ctx, src, accessory, dst, 1);
  }
}

/**
 * Deletes an artifact the way Harbor's API does: the artifact with its tags (412 while an index in
 * the repository still lists it), then its accessories, then those of its index children that are
 * untagged and listed by no other index. Each deletion goes through the manifest service, so each
 * emits `artifact.deleted`.
 */
async function deleteDeeply(
  req: FastifyRequest,
  ctx: ArtifactContext,
  name: RepositoryName,
  artifact: Artifact,
  depth: number,
): Promise<void> {
  const { meta, manifests } = ctx.deps;
  const accessories = await meta.artifacts.referrers(name.name, artifact.digest);
  const children = isIndexMediaType(artifact.mediaType)
    ? await meta.artifacts.children(name.name, artifact.digest)
    : [];
  try {
    await manifests.delete(name, artifact.digest, actorOf(req));
  } catch (err) {
    if (depth === 0 && err instanceof Conflict) {
      throw new ApiError(
        412,
        'VIOLATE_FOREIGN_KEY_CONSTRAINT',
        `the artifact ${artifact.digest} is referenced by an index`,
      );
    }
    if (depth === 0) throw err;
    if (!(err instanceof DomainError))
      req.log.warn({ err, digest: artifact.digest }, 'deleting a dependent artifact failed');
    return;
  }
  if (depth >= MAX_DEPTH) return;
  for (const referrer of accessories) {
    const accessory = await meta.artifacts.getByDigest(name.name, referrer.digest);
    if (accessory) await deleteDeeply(req, ctx, name, accessory, depth + 1);
  }
  for (const child of children) {
    if ((await ctx.presenter.tagsOf(child)).length > 0) continue;
    await deleteDeeply(req, ctx, name, child, depth + 1);
  }
}
