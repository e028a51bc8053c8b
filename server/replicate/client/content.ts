import { digestOf, parseDigest } from '../../core/digest.js';
import { Invalid } from '../../core/errors.js';
import { MAX_MANIFEST_BYTES, type Descriptor } from '../../core/manifest.js';
import { MediaTypes } from '../../core/media-types.js';
import type { RegistryClient } from './registry-client.js';
import { describe, drain, header, nextLink, readCapped, statusError } from './transport.js';

/**
 * Manifests and referrers of a remote registry. What comes back is checked against its digest
 * before anyone uses it: a manifest fetched by digest must hash to it, one fetched by tag must hash
 * to the `Docker-Content-Digest` the registry announced.
 */

export interface ManifestTarget {
  repository: string;
  /** A tag or a digest, already validated. */
  reference: string;
}

export const MANIFEST_ACCEPT = [
  MediaTypes.ociManifest,
  MediaTypes.ociIndex,
  MediaTypes.dockerManifest,
  MediaTypes.dockerManifestList,
].join(', ');

const pull = (repo: string) => [`repository:${repo}:pull`];
const isDigestRef = (reference: string) => reference.includes(':');
const manifestPath = (t: ManifestTarget) => `/v2/${t.repository}/manifests/${t.reference}`;

export async function getManifest(
  client: RegistryClient,
  t: ManifestTarget,
  signal: AbortSignal,
): Promise<{ mediaType: string; digest: string; body: Buffer } | undefined> {
  const res = await client.call({
    method: 'GET',
    url: manifestPath(t),
    scopes: pull(t.repository),
    headers: { accept: MANIFEST_ACCEPT },
    signal,
  });
  if (res.status === 404) return void (await drain(res));
  const what = `manifest ${t.repository}:${t.reference}`;
  if (res.status !== 200) throw await statusError(res, `GET ${describe(res.url)}`);
  const body = await readCapped(res, MAX_MANIFEST_BYTES, what);
  const announced = header(res, 'docker-content-digest');
  const expected = isDigestRef(t.reference) ? t.reference : announced;
  let digest: string;
  if (expected) {
    const algorithm = safeAlgorithm(expected);
    digest = digestOf(body, algorithm);
    if (digest !== expected) {
      throw new Invalid('DIGEST_INVALID', `${what}: the registry sent bytes that hash to ${digest}, not ${expected}`);
    }
  } else {
    digest = digestOf(body);
  }
  return { mediaType: mediaTypeOf(body, header(res, 'content-type')), digest, body };
}

export async function headManifest(
  client: RegistryClient,
  t: ManifestTarget,
  signal: AbortSignal,
): Promise<{ mediaType: string; digest: string } | undefined> {
  const res = await client.call({
    method: 'HEAD',
    url: manifestPath(t),
    scopes: pull(t.repository),
    headers: { accept: MANIFEST_ACCEPT },
    signal,
  });
  await drain(res);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw await statusError(res, `HEAD ${describe(res.url)}`);
  const digest = isDigestRef(t.reference) ? t.reference : header(res, 'docker-content-digest');
  const contentType = header(res, 'content-type')?.split(';')[0]?.trim();
  if (digest && contentType && contentType !== 'application/json') return { mediaType: contentType, digest };
  // Registries that answer HEAD without the digest or a real type: the GET tells both, verified.
  const full = await getManifest(client, t, signal);
  return full && { mediaType: full.mediaType, digest: full.digest };
}

export async function putManifest(
  client: RegistryClient,
  t: ManifestTarget,
  mediaType: string,
  body: Buffer,
  signal: AbortSignal,
): Promise<void> {
  if (body.length > MAX_MANIFEST_BYTES) throw new Invalid('SIZE_INVALID', `manifest larger than ${MAX_MANIFEST_BYTES}`);
  const res = await client.call({
    method: 'PUT',
    url: manifestPath(t),
    scopes: [`repository:${t.repository}:pull,push`],
    headers: { 'content-type': mediaType },
    body,
    signal,
  });
  if (res.status < 200 || res.status > 299) throw await statusError(res, `PUT ${describe(res.url)}`);
  await drain(res);
  const announced = header(res, 'docker-content-digest');
  if (announced) {
    const mine = isDigestRef(t.reference) ? t.reference : digestOf(body, safeAlgorithm(announced));
    if (announced !== mine) {
      throw new Invalid('DIGEST_INVALID', `PUT ${describe(res.url)}: the registry stored ${announced}, not ${mine}`);
    }
  }
  // A registry that stored a referrer without saying `OCI-Subject` has no referrers API: the OCI
  // distribution spec leaves the client to keep the subject's `sha256-<hex>` tag index current, or
  // nobody (cosign, notation, the next replication) finds the signature there.
  const subject = subjectOf(body);
  if (subject && !header(res, 'oci-subject')) {
    const digest = isDigestRef(t.reference) ? t.reference : digestOf(body);
    await addToReferrersTag(client, t.repository, subject, { mediaType, digest, size: body.length, body }, signal);
  }
}

/** The subject digest of an image manifest or index, if it names one. */
function subjectOf(body: Buffer): string | undefined {
  try {
    const json = JSON.parse(body.toString('utf8')) as { subject?: { digest?: unknown } };
    const digest = json.subject?.digest;
    return typeof digest === 'string' && /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)
      ? digest
      : undefined;
  } catch {
    return undefined;
  }
}

async function addToReferrersTag(
  client: RegistryClient,
  repository: string,
  subject: string,
  referrer: { mediaType: string; digest: string; size: number; body: Buffer },
  signal: AbortSignal,
): Promise<void> {
  const { algorithm, hex } = parseDigest(subject);
  const tag = { repository, reference: `${algorithm}-${hex}` };
  const existing = await getManifest(client, tag, signal);
  const manifests = existing ? descriptorsOf(existing.body) : [];
  if (manifests.some((d) => d.digest === referrer.digest)) return;
  const json = JSON.parse(referrer.body.toString('utf8')) as {
    artifactType?: string;
    config?: { mediaType?: string };
    annotations?: Record<string, string>;
  };
  const artifactType = json.artifactType ?? json.config?.mediaType;
  manifests.push({
    mediaType: referrer.mediaType,
    digest: referrer.digest,
    size: referrer.size,
    ...(artifactType ? { artifactType } : {}),
    ...(json.annotations ? { annotations: json.annotations } : {}),
  });
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests }));
  await putManifest(client, tag, MediaTypes.ociIndex, index, signal);
}

export async function deleteManifest(client: RegistryClient, t: ManifestTarget, signal: AbortSignal): Promise<boolean> {
  const res = await client.call({
    method: 'DELETE',
    url: manifestPath(t),
    scopes: [`repository:${t.repository}:delete`],
    signal,
  });
  if (res.status === 404) {
    await drain(res);
    return false;
  }
  if (res.status < 200 || res.status > 299) throw await statusError(res, `DELETE ${describe(res.url)}`);
  await drain(res);
  return true;
}

const MAX_REFERRER_PAGES = 100;

/** The OCI referrers API; a registry without it (404) answers through the `sha256-<hex>` tag schema. */
export async function referrers(client: RegistryClient, t: ManifestTarget, signal: AbortSignal): Promise<Descriptor[]> {
  const out: Descriptor[] = [];
  let url: URL | undefined = client.url(`/v2/${t.repository}/referrers/${t.reference}`);
  for (let page = 0; url && page < MAX_REFERRER_PAGES; page++) {
    const res = await client.call({
      method: 'GET',
      url,
      scopes: pull(t.repository),
      headers: { accept: MediaTypes.ociIndex },
      signal,
    });
    if (page === 0 && [404, 405, 501].includes(res.status)) {
      await drain(res);
      return tagSchemaReferrers(client, t, signal);
    }
    if (res.status !== 200) throw await statusError(res, `GET ${describe(res.url)}`);
    out.push(...descriptorsOf(await readCapped(res, MAX_MANIFEST_BYTES, `referrers of ${t.reference}`)));
    url = nextLink(res);
    if (url && url.origin !== client.origin) break;
  }
  return out;
}

async function tagSchemaReferrers(client: RegistryClient, t: ManifestTarget, signal: AbortSignal) {
  const { algorithm, hex } = parseDigest(t.reference);
  const index = await getManifest(client, { repository: t.repository, reference: `${algorithm}-${hex}` }, signal);
  return index ? descriptorsOf(index.body) : [];
}

/** The well-formed entries of an index's `manifests`. */
function descriptorsOf(body: Buffer): Descriptor[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Invalid('MANIFEST_INVALID', 'the referrers answer is not JSON');
  }
  const list = (json as { manifests?: unknown }).manifests;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (d): d is Descriptor =>
      typeof d === 'object' &&
      d !== null &&
      typeof d.mediaType === 'string' &&
      typeof d.digest === 'string' &&
      /^sha(256|512):[a-f0-9]+$/.test(d.digest) &&
      Number.isSafeInteger(d.size) &&
      d.size >= 0,
  );
}

/** The manifest's own `mediaType` (covered by the digest), else the header, else by shape. */
function mediaTypeOf(body: Buffer, contentType: string | undefined): string {
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  if (json && typeof json.mediaType === 'string' && json.mediaType !== '') return json.mediaType;
  const declared = contentType?.split(';')[0]?.trim();
  if (declared && declared !== 'application/json' && declared !== 'application/octet-stream') return declared;
  return json && Array.isArray(json.manifests) ? MediaTypes.ociIndex : MediaTypes.ociManifest;
}

function safeAlgorithm(digest: string): 'sha256' | 'sha512' {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new Invalid('DIGEST_INVALID', `unsupported digest algorithm in "${digest.slice(0, 80)}"`);
  }
  return algorithm;
}
