import type { FastifyInstance } from 'fastify';
import { Conflict, Invalid, NotFound } from '../../core/errors.js';
import { isValidTag } from '../../core/names.js';
import { actorOf, openArtifact, queryBool, type ArtifactContext, type ArtifactParams } from './artifact-access.js';
import { toTagJson } from './artifact-json.js';
import { parseListRequest } from './harbor-query.js';
import { sendPage } from './paging.js';

/**
 * Tags of one artifact: listTags, createTag and deleteTag under
 * `/projects/{p}/repositories/{r}/artifacts/{reference}/tags`. Registered by `artifactRoutes`.
 *
 * createTag refuses a name that already exists in the repository (409), wherever it points, as
 * Harbor does: moving a tag is a push, not an API call. Deleting goes through the manifest service,
 * which emits `tag.deleted` (audit, webhooks) and refuses an immutable tag (412). Each tag's
 * `immutable` reflects the project's immutable tag rules (`with_immutable_status` is accepted).
 */
export function tagRoutes(app: FastifyInstance, ctx: ArtifactContext): void {
  const { deps } = ctx;
  const base = '/projects/:project_name/repositories/:repository_name/artifacts/:reference/tags';

  app.get<{ Params: ArtifactParams }>(base, async (req, reply) => {
    queryBool(req.query, 'with_immutable_status', false);
    const list = parseListRequest(req.query);
    const { project, artifact, name } = await openArtifact(req, ctx, req.params, 'tag', 'list');
    const page = await deps.meta.tags.listForArtifact(name.name, artifact.digest, list.query);
    const immutable = await ctx.presenter.immutableTags(project, artifact, page.items);
    return sendPage(req, reply, list, page, (t) => toTagJson(t, immutable.has(t.name)));
  });

  app.post<{ Params: ArtifactParams }>(base, async (req, reply) => {
    const tag = readTagBody(req.body);
    const { project, name, artifact } = await openArtifact(req, ctx, req.params, 'tag', 'create');
    const existing = await deps.meta.artifacts.getByTag(name.name, tag);
    if (existing) {
      throw new Conflict('TAG_INVALID', `tag ${tag} already exists in ${name.name} (on ${existing.digest})`);
    }
    await deps.meta.tags.put(name.name, artifact.digest, tag);
    deps.audit.record({
      username: req.security.name,
      clientIp: req.ip,
      operation: 'create',
      resourceType: 'tag',
      resource: `${name.name}:${tag}`,
      project: project.name,
      success: true,
      detail: artifact.digest,
    });
    return reply.code(201).send();
  });

  app.delete<{ Params: ArtifactParams & { tag_name: string } }>(`${base}/:tag_name`, async (req, reply) => {
    const { name, artifact } = await openArtifact(req, ctx, req.params, 'tag', 'delete');
    const tag = req.params.tag_name;
    const tagged = await deps.meta.artifacts.getByTag(name.name, tag);
    if (!tagged || tagged.id !== artifact.id) {
      throw new NotFound('MANIFEST_UNKNOWN', `tag ${tag} attached to artifact ${artifact.digest} not found`);
    }
    await deps.manifests.delete(name, tag, actorOf(req));
    return reply.code(200).send();
  });
}

/** Harbor's `NewTag`: `{"name": "<tag>"}`, the name required and in the OCI tag grammar. */
function readTagBody(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Invalid('TAG_INVALID', 'the request body must be a tag object with a name');
  }
  const name = (body as { name?: unknown }).name;
  if (typeof name !== 'string' || name === '') throw new Invalid('TAG_INVALID', 'name is required');
  if (!isValidTag(name)) {
    throw new Invalid(
      'TAG_INVALID',
      `name: "${name.slice(0, 80)}" is not a valid tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})`,
    );
  }
  return name;
}
