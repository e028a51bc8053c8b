import type { FastifyReply, FastifyRequest } from 'fastify';
import { Invalid, NotFound, TooLarge } from '../../core/errors.js';
import { MAX_MANIFEST_BYTES } from '../../core/manifest.js';
import { isIndexMediaType } from '../../core/media-types.js';
import type { RepositoryName } from '../../core/names.js';
import type { Artifact } from '../../meta/meta-store.js';
import { readBody } from '../body.js';
import { ociErrorBody } from '../error-table.js';
import { RegistryTokenSecurity } from '../../auth/security-contexts.js';
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
  const refusal = await pullRefusal(s, req, p.repo, artifact);
  if (refusal !== null) {
    // Harbor's vulnerability middleware answers 412 PROJECTPOLICYVIOLATION, in the registry's envelope.
    const body = ociErrorBody({ status: 412, code: 'PROJECTPOLICYVIOLATION', message: refusal }, String(req.id));
    reply.code(412).header('content-type', 'application/json');
    return req.method === 'HEAD' ? reply.header('content-length', Buffer.byteLength(body)).send() : reply.send(body);
  }
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

/**
 * The pull policy ("prevent vulnerable images from running", project metadata `prevent_vul`): the
 * reason to refuse serving `artifact`, or null. Like Harbor's vulnerability middleware it lets
 * through a token holding `scanner-pull` (a scanner fetching what it scans), a cosign client with
 * push (it reads the manifest before signing it), and cosign signatures themselves; system
 * administrators are not exempt. Only projects with `prevent_vul` on pay for more than a cache read.
 */
async function pullRefusal(
  s: OciServices,
  req: FastifyRequest,
  repo: RepositoryName,
  artifact: Artifact,
): Promise<string | null> {
  if (!s.scans) return null;
  const policy = await preventVulOf(s, repo.project);
  if (!policy) return null;
  const security = req.security;
  if (security instanceof RegistryTokenSecurity) {
    const actions = security.repositoryActions(repo.name);
    if (actions.has('scanner-pull')) return null;
    if (actions.has('push') && /cosign/i.test(String(req.headers['user-agent'] ?? ''))) return null;
  }
  if (artifact.artifactType === COSIGN_SIGNATURE_TYPE) return null;
  return s.scans.pullRefusal({ projectId: policy.projectId, repository: repo.name, digest: artifact.digest });
}

const COSIGN_SIGNATURE_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';

/**
 * Which projects have `prevent_vul` on, by name, cached for a moment: a pull would otherwise read the
 * project (a token's pull reads nothing else). A change to the setting applies within `POLICY_TTL_MS`.
 */
const POLICY_TTL_MS = 1000;
const MAX_POLICIES = 1000;
const policies = new WeakMap<OciServices, Map<string, { projectId: number; on: boolean; until: number }>>();

async function preventVulOf(s: OciServices, projectName: string): Promise<{ projectId: number } | null> {
  let cache = policies.get(s);
  if (!cache) {
    cache = new Map();
    policies.set(s, cache);
  }
  const now = Date.now();
  let entry = cache.get(projectName);
  if (!entry || entry.until < now) {
    const project = await s.meta.projects.get(projectName);
    entry = { projectId: project?.id ?? 0, on: project?.metadata.prevent_vul === 'true', until: now + POLICY_TTL_MS };
    if (cache.size >= MAX_POLICIES) cache.clear();
    cache.set(projectName, entry);
  }
  return entry.on ? { projectId: entry.projectId } : null;
}
