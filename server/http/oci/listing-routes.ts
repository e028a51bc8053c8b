import type { FastifyReply, FastifyRequest } from 'fastify';
import { Invalid } from '../../core/errors.js';
import { MediaTypes } from '../../core/media-types.js';
import type { RepositoryName } from '../../core/names.js';
import { visibilityOf } from '../../auth/registry-access.js';
import { queryOf, type OciServices } from './oci-context.js';

/** Pages larger than this are cut, with a Link to the rest, so one request stays cheap. */
const MAX_PAGE = 1000;
const DEFAULT_CATALOG_PAGE = 100;

export async function listTags(
  s: OciServices,
  req: FastifyRequest,
  reply: FastifyReply,
  p: { repo: RepositoryName; rawName: string },
) {
  const q = queryOf(req);
  const n = pageSize(q.n, MAX_PAGE);
  const tags = n === 0 ? [] : await s.meta.tags.list(p.repo.name, n + 1, q.last || undefined);
  const page = tags.slice(0, n);
  if (tags.length > n) {
    reply.header('link', nextLink(`/v2/${p.rawName}/tags/list`, n, page[page.length - 1]!));
  }
  return reply.header('content-type', 'application/json').send(JSON.stringify({ name: p.rawName, tags: page }));
}

export async function catalog(s: OciServices, req: FastifyRequest, reply: FastifyReply) {
  const q = queryOf(req);
  const n = pageSize(q.n, DEFAULT_CATALOG_PAGE);
  const visibility = await visibilityOf(req.security, s.meta);
  const last = q.last || undefined;
  const names =
    n === 0
      ? []
      : visibility.all
        ? await s.meta.repositories.catalog(n + 1, last)
        : await s.meta.repositories.catalogVisible(visibility, n + 1, last);
  const page = names.slice(0, n);
  if (names.length > n) reply.header('link', nextLink('/v2/_catalog', n, page[page.length - 1]!));
  return reply.header('content-type', 'application/json').send(JSON.stringify({ repositories: page }));
}

export async function referrers(
  s: OciServices,
  req: FastifyRequest,
  reply: FastifyReply,
  p: { repo: RepositoryName; digest: string },
) {
  const artifactType = queryOf(req).artifactType || undefined;
  const found = await s.manifests.referrers(p.repo, p.digest, artifactType);
  if (artifactType) reply.header('oci-filters-applied', 'artifactType');
  const manifests = found.map((r) => ({
    mediaType: r.mediaType,
    digest: r.digest,
    size: r.size,
    ...(r.artifactType ? { artifactType: r.artifactType } : {}),
    ...(r.annotations ? { annotations: r.annotations } : {}),
  }));
  return reply
    .header('content-type', MediaTypes.ociIndex)
    .send(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests })));
}

function pageSize(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Invalid('PAGINATION_NUMBER_INVALID', `invalid page size n=${raw.slice(0, 20)}`);
  return Math.min(Number(raw), MAX_PAGE);
}

function nextLink(path: string, n: number, last: string): string {
  return `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;
}
