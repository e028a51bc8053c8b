import type { FastifyRequest } from 'fastify';
import { Invalid } from '../../core/errors.js';
import type { Actor } from '../../core/events.js';
import type { Artifact } from '../../meta/meta-store.js';
import type { ApiDeps } from './api-deps.js';
import { unprocessable } from './api-errors.js';
import { ArtifactFacts } from './artifact-facts.js';
import { ArtifactPresenter } from './artifact-json.js';
import { openRepository, type RepositoryParams, type RepositoryTarget } from './repository-routes.js';

/**
 * What the artifact routes (artifacts, tags, additions, artifact labels) share: the API deps, one
 * cache of manifest facts and the JSON presenter built on it. Made once per API instance by
 * `artifactRoutes`, so the cache lives as long as the server.
 */
export interface ArtifactContext {
  deps: ApiDeps;
  facts: ArtifactFacts;
  presenter: ArtifactPresenter;
}

export function artifactContext(deps: ApiDeps): ArtifactContext {
  const facts = new ArtifactFacts({
    meta: deps.meta,
    manifests: deps.manifests,
    blobs: deps.blobs,
    log: deps.log.child({ component: 'artifact-facts' }),
  });
  return { deps, facts, presenter: new ArtifactPresenter(deps.meta, facts, deps.manifests.immutability) };
}

export interface ArtifactParams extends RepositoryParams {
  reference: string;
}

/**
 * Resolves the repository (after checking `action` on `resource`, see `openRepository`) and the
 * `{reference}` in it: a digest or a tag. Throws 400 for a malformed reference, 404 when nothing
 * matches.
 */
export async function openArtifact(
  req: FastifyRequest,
  ctx: ArtifactContext,
  params: ArtifactParams,
  resource: string,
  action: string,
): Promise<RepositoryTarget & { artifact: Artifact }> {
  const target = await openRepository(req, ctx.deps.meta, params, resource, action);
  const artifact = await ctx.deps.manifests.resolve(target.name, params.reference);
  return { ...target, artifact };
}

/** Who did it, for domain events and the audit log. */
export function actorOf(req: FastifyRequest): Actor {
  return { name: req.security.name, clientIp: req.ip };
}

/**
 * A boolean query parameter as go-swagger binds it (Go's `strconv.ParseBool` spellings); absent or
 * empty gives the default, anything else is a 422 naming the parameter.
 */
export function queryBool(query: unknown, name: string, fallback: boolean): boolean {
  const raw = (query as Record<string, string | string[] | undefined> | undefined)?.[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') return fallback;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw unprocessable(`${name} in query must be of type boolean: "${value.slice(0, 40)}"`);
}

/** A positive integer path parameter (`{label_id}`); anything else is a 400 naming it. */
export function pathId(raw: string, name: string): number {
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new Invalid('NAME_INVALID', `${name} must be a positive integer`);
  return id;
}
