import type { FastifyReply, FastifyRequest } from 'fastify';
import { Invalid, NotFound, TooLarge } from '../../core/errors.js';
import { MAX_MANIFEST_BYTES } from '../../core/manifest.js';
import { isIndexMediaType } from '../../core/media-types.js';
import type { RepositoryName } from '../../core/names.js';
import type { Artifact } from '../../meta/meta-store.js';
import { readBody } from '../body.js';
import { actorOf, v2Path, type OciServices } from './oci-context.js';

interface ManifestParams {
  repo: RepositoryName;
  /** The name as the client wrote it, for Location headers. */
  rawName: string;
  reference: string;
}

export async function getManifest(s: OciServices, req: FastifyRequest, reply: FastifyReply, p: ManifestParams) {
  const artifact = await s.manifests.resolve(p.repo, p.reference);
  assertAcceptable(req.headers.accept, artifact);
  setManifestHeaders(reply, artifact);
  if (req.method === 'HEAD') {
    return reply.header('content-length', artifact.size).send();
  }
  const body = await s.manifests.content(artifact);
  s.manifests.recordPull(p.repo, artifact, p.reference, actorOf(req));
  return reply.send(body);
}

export async function putManifest(s: OciServices, req: FastifyRequest, reply: FastifyReply, p: ManifestParams) {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > MAX_MANIFEST_BYTES) throw new TooLarge('SIZE_INVALID', `manifest exceeds ${MAX_MANIFEST_BYTES} bytes`);
  const body = await readBody(req.raw, MAX_MANIFEST_BYTES, () => {
    throw new TooLarge('SIZE_INVALID', `manifest exceeds ${MAX_MANIFEST_BYTES} bytes`);
  });
  if (body.length === 0) throw new Invalid('MANIFEST_INVALID', 'manifest body is empty');
  const result = await s.manifests.put(p.repo, p.reference, body, req.headers['content-type'], actorOf(req));
  reply
    .code(201)
    .header('location', v2Path(p.rawName, 'manifests', result.digest))
    .header('docker-content-digest', result.digest);
  if (result.subjectDigest) reply.header('oci-subject', result.subjectDigest);
  return reply.send();
}

export async function deleteManifest(s: OciServices, req: FastifyRequest, reply: FastifyReply, p: ManifestParams) {
  await s.manifests.delete(p.repo, p.reference, actorOf(req));
  return reply.code(202).send();
}

function setManifestHeaders(reply: FastifyReply, artifact: Artifact) {
  reply
    .header('content-type', artifact.mediaType)
    .header('docker-content-digest', artifact.digest)
    .header('etag', `"${artifact.digest}"`);
}

/**
 * Clients list the manifest types they understand. We never rewrite a manifest, so the only thing to
 * decide is whether to serve it: an index goes only to a client that names index types (or any type);
 * an old client that asks for single-platform manifests only gets a clear MANIFEST_UNKNOWN.
 */
function assertAcceptable(accept: string | undefined, artifact: Artifact) {
  if (!accept || !isIndexMediaType(artifact.mediaType)) return;
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  if (types.some((t) => t === artifact.mediaType || t === '*/*' || t === 'application/*' || t === '')) return;
  const namesManifests = types.some((t) => t.includes('manifest'));
  if (!namesManifests) return;
  throw new NotFound(
    'MANIFEST_UNKNOWN',
    `manifest is an index (${artifact.mediaType}), which the client does not accept`,
  );
}
