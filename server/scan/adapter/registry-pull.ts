import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fetch as undiciFetch } from 'undici';
import { DomainError } from '../../core/errors.js';
import type { LayerFileRef } from '../scan-contract.js';
import { MIME, isObject } from './adapter-protocol.js';

/**
 * Pulls one image from a remote registry for Berth's adapter: the manifest (an index resolves to
 * its linux/amd64 image, as Trivy's default platform does), the config, and every layer streamed to
 * a file while its digest and size are checked. The registry is whatever the scan request names, so
 * nothing it says is trusted: sizes are capped, digests verified, and the caller's Authorization
 * never follows a redirect to another origin (registries send blob reads to presigned S3 URLs).
 */

export class RegistryPullError extends DomainError {
  constructor(message: string) {
    super('invalid', 'UNSUPPORTED', message);
  }
}

export interface PullLimits {
  maxManifestBytes: number;
  maxConfigBytes: number;
  maxLayerBytes: number;
  maxImageBytes: number;
  maxLayers: number;
  requestTimeoutMs: number;
}

export const DEFAULT_PULL_LIMITS: PullLimits = {
  maxManifestBytes: 4 * 1024 * 1024,
  maxConfigBytes: 8 * 1024 * 1024,
  maxLayerBytes: 4 * 1024 ** 3,
  maxImageBytes: 16 * 1024 ** 3,
  maxLayers: 512,
  requestTimeoutMs: 60_000,
};

export interface PullRequest {
  registryUrl: string;
  /** As Harbor sends it: `Bearer <token>` (used as is) or `Basic <base64>` (exchanged at the token realm if asked). */
  authorization?: string | undefined;
  repository: string;
  digest: string;
  /** Directory the layer files go to; the caller removes it. */
  dir: string;
  signal: AbortSignal;
}

export interface PulledImage {
  /** The image manifest's digest (the request's, or the chosen child of an index). */
  digest: string;
  mediaType: string;
  layers: LayerFileRef[];
  /** Uncompressed layer digests from the config, in layer order, when the config has them. */
  diffIds: string[];
}

type Fetch = typeof undiciFetch;
type FetchResponse = Awaited<ReturnType<Fetch>>;

const MANIFEST_ACCEPT = [MIME.ociManifest, MIME.dockerManifest, MIME.ociIndex, MIME.dockerList].join(', ');
const MAX_REDIRECTS = 5;

export async function pullImage(
  request: PullRequest,
  options: { fetch?: Fetch; limits?: Partial<PullLimits> } = {},
): Promise<PulledImage> {
  const limits = { ...DEFAULT_PULL_LIMITS, ...options.limits };
  const client = new RegistryClient(request, options.fetch ?? undiciFetch, limits);
  const repo = request.repository;

  let digest = request.digest;
  let { mediaType, json } = await client.manifest(repo, digest);
  if (mediaType === MIME.ociIndex || mediaType === MIME.dockerList) {
    const child = pickPlatform(json);
    if (!child) throw new RegistryPullError(`${repo}@${digest} is an index without a linux image`);
    digest = child;
    ({ mediaType, json } = await client.manifest(repo, digest));
    if (mediaType !== MIME.ociManifest && mediaType !== MIME.dockerManifest) {
      throw new RegistryPullError(`${repo}@${digest} (chosen from the index) is not an image manifest`);
    }
  } else if (mediaType !== MIME.ociManifest && mediaType !== MIME.dockerManifest) {
    throw new RegistryPullError(`${repo}@${digest} is a ${mediaType}, not an image manifest`);
  }

  const layers = Array.isArray(json.layers) ? json.layers : [];
  if (layers.length > limits.maxLayers)
    throw new RegistryPullError(`the image has more than ${limits.maxLayers} layers`);
  const descriptors = layers.map((l: unknown, i: number) => descriptorOf(l, `layer ${i}`));
  const total = descriptors.reduce((sum, d) => sum + d.size, 0);
  for (const d of descriptors) {
    if (d.size > limits.maxLayerBytes) {
      throw new RegistryPullError(`layer ${d.digest} (${d.size} bytes) is larger than ${limits.maxLayerBytes} bytes`);
    }
  }
  if (total > limits.maxImageBytes) {
    throw new RegistryPullError(`the image's layers (${total} bytes) exceed ${limits.maxImageBytes} bytes`);
  }

  let diffIds: string[] = [];
  if (isObject(json.config)) {
    const config = descriptorOf(json.config, 'config');
    if (config.size <= limits.maxConfigBytes) {
      const bytes = await client.blobBytes(repo, config, limits.maxConfigBytes);
      const parsed = safeJson(bytes.toString('utf8'));
      const rootfs = isObject(parsed) && isObject(parsed.rootfs) ? parsed.rootfs : undefined;
      if (rootfs && Array.isArray(rootfs.diff_ids) && rootfs.diff_ids.every((d) => typeof d === 'string')) {
        diffIds = rootfs.diff_ids as string[];
      }
    }
  }

  const files: LayerFileRef[] = [];
  for (const [i, d] of descriptors.entries()) {
    const path = join(request.dir, `${String(i).padStart(4, '0')}-${d.digest.replace(':', '-')}`);
    await client.blobToFile(repo, d, path);
    files.push({ digest: d.digest, path, size: d.size });
  }
  return { digest, mediaType, layers: files, diffIds };
}

interface Descriptor {
  digest: string;
  size: number;
}

function descriptorOf(value: unknown, what: string): Descriptor {
  if (!isObject(value) || typeof value.digest !== 'string' || !/^sha(256|512):[a-f0-9]+$/.test(value.digest)) {
    throw new RegistryPullError(`the manifest's ${what} has no valid digest`);
  }
  if (typeof value.size !== 'number' || !Number.isSafeInteger(value.size) || value.size < 0) {
    throw new RegistryPullError(`the manifest's ${what} has no valid size`);
  }
  return { digest: value.digest, size: value.size };
}

/** linux/amd64 first, then any other linux image (attestation manifests say `unknown/unknown`). */
function pickPlatform(index: Record<string, unknown>): string | undefined {
  const entries = (Array.isArray(index.manifests) ? index.manifests : []).filter(isObject);
  const linux = entries.filter(
    (m) => isObject(m.platform) && m.platform.os === 'linux' && typeof m.digest === 'string',
  );
  const amd64 = linux.find((m) => (m.platform as Record<string, unknown>).architecture === 'amd64');
  return (amd64 ?? linux[0])?.digest as string | undefined;
}

/** Distribution API calls with the request's credentials, the token dance and safe redirects. */
class RegistryClient {
  private readonly origin: string;
  private authorization: string | undefined;
  private exchanged = false;

  constructor(
    private readonly request: PullRequest,
    private readonly doFetch: Fetch,
    private readonly limits: PullLimits,
  ) {
    this.origin = new URL(request.registryUrl).origin;
    this.authorization = request.authorization;
  }

  async manifest(repo: string, digest: string): Promise<{ mediaType: string; json: Record<string, unknown> }> {
    const res = await this.get(`/v2/${repo}/manifests/${digest}`, { accept: MANIFEST_ACCEPT });
    if (res.status !== 200) throw await this.failure(res, `manifest ${repo}@${digest}`);
    const bytes = await readAll(res, this.limits.maxManifestBytes, `manifest ${digest}`);
    verifyDigest(bytes, digest, `manifest ${digest}`);
    const json = safeJson(bytes.toString('utf8'));
    if (!isObject(json)) throw new RegistryPullError(`manifest ${digest} is not a JSON object`);
    const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
    const header = res.headers.get('content-type')?.split(';')[0]?.trim();
    // The manifest's own field wins: it is covered by the digest, the header is not.
    const mediaType = declared ?? header ?? (Array.isArray(json.manifests) ? MIME.ociIndex : MIME.ociManifest);
    return { mediaType, json };
  }

  async blobBytes(repo: string, d: Descriptor, limit: number): Promise<Buffer> {
    const res = await this.get(`/v2/${repo}/blobs/${d.digest}`, {});
    if (res.status !== 200) throw await this.failure(res, `blob ${d.digest}`);
    const bytes = await readAll(res, Math.min(limit, d.size), `blob ${d.digest}`);
    verifyDigest(bytes, d.digest, `blob ${d.digest}`);
    return bytes;
  }

  async blobToFile(repo: string, d: Descriptor, path: string): Promise<void> {
    const res = await this.get(`/v2/${repo}/blobs/${d.digest}`, {});
    if (res.status !== 200) throw await this.failure(res, `blob ${d.digest}`);
    const [alg, expected] = d.digest.split(':') as [string, string];
    const hash = createHash(alg);
    const file = await open(path, 'wx', 0o600);
    let size = 0;
    try {
      for await (const chunk of res.body ?? []) {
        size += chunk.byteLength;
        if (size > d.size) throw new RegistryPullError(`blob ${d.digest} is larger than its descriptor says`);
        hash.update(chunk);
        await file.write(chunk);
      }
    } finally {
      await file.close();
    }
    if (size !== d.size) throw new RegistryPullError(`blob ${d.digest} ended after ${size} of ${d.size} bytes`);
    if (hash.digest('hex') !== expected) throw new RegistryPullError(`blob ${d.digest} does not match its digest`);
  }

  private async get(path: string, headers: Record<string, string>): Promise<FetchResponse> {
    let res = await this.follow(this.origin + path, headers);
    if (res.status === 401 && !this.exchanged) {
      const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
      // A bearer token Harbor gave is final; Basic credentials (or none) are exchanged as Docker clients do.
      if (challenge && !this.authorization?.toLowerCase().startsWith('bearer ')) {
        await res.body?.cancel();
        this.exchanged = true;
        this.authorization = await this.token(challenge);
        res = await this.follow(this.origin + path, headers);
      }
    }
    return res;
  }

  /** GET with manual redirects: the Authorization header goes to the registry's own origin only. */
  private async follow(url: string, headers: Record<string, string>): Promise<FetchResponse> {
    let current = new URL(url);
    for (let hop = 0; ; hop++) {
      const sameOrigin = current.origin === this.origin;
      const res = await this.fetchOnce(current.toString(), {
        ...headers,
        ...(sameOrigin && this.authorization ? { authorization: this.authorization } : {}),
      });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status > 399 || res.status === 304 || !location) return res;
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new RegistryPullError(`too many redirects reading ${url}`);
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new RegistryPullError(`the registry redirected to a ${next.protocol} URL`);
      }
      current = next;
    }
  }

  private async fetchOnce(url: string, headers: Record<string, string>): Promise<FetchResponse> {
    const timeout = AbortSignal.timeout(this.limits.requestTimeoutMs);
    try {
      return await this.doFetch(url, {
        method: 'GET',
        headers,
        redirect: 'manual',
        signal: AbortSignal.any([this.request.signal, timeout]),
      });
    } catch (err) {
      if (this.request.signal.aborted) throw this.request.signal.reason;
      const where = new URL(url).origin;
      if (timeout.aborted)
        throw new RegistryPullError(`${where} did not answer within ${this.limits.requestTimeoutMs} ms`);
      throw new RegistryPullError(`cannot reach ${where}: ${(err as Error).message}`);
    }
  }

  private async token(challenge: { realm: string; service?: string; scope?: string }): Promise<string> {
    const url = new URL(challenge.realm);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RegistryPullError('invalid token realm');
    if (challenge.service) url.searchParams.set('service', challenge.service);
    url.searchParams.set('scope', challenge.scope ?? `repository:${this.request.repository}:pull`);
    const basic = this.authorization?.toLowerCase().startsWith('basic ') ? this.authorization : undefined;
    const res = await this.fetchOnce(url.toString(), basic ? { authorization: basic } : {});
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new RegistryPullError(`the registry's token service refused the credentials (HTTP ${res.status})`);
    }
    const json = safeJson((await readAll(res, 64 * 1024, 'token')).toString('utf8'));
    const token = isObject(json) ? (json.token ?? json.access_token) : undefined;
    if (typeof token !== 'string' || token === '')
      throw new RegistryPullError('the token service answered without a token');
    return `Bearer ${token}`;
  }

  private async failure(res: FetchResponse, what: string): Promise<RegistryPullError> {
    const text = (await readAll(res, 16 * 1024, 'error').catch(() => Buffer.alloc(0))).toString('utf8');
    const json = safeJson(text);
    const first = isObject(json) && Array.isArray(json.errors) && isObject(json.errors[0]) ? json.errors[0] : undefined;
    const said = first && typeof first.message === 'string' ? `: ${first.message}` : '';
    if (res.status === 401 || res.status === 403) {
      return new RegistryPullError(`the registry refused to serve ${what} (HTTP ${res.status})${said}`);
    }
    return new RegistryPullError(`reading ${what} failed with HTTP ${res.status}${said}`);
  }
}

/** `Bearer realm="...",service="...",scope="..."` → its parameters; anything else → undefined. */
export function parseBearerChallenge(
  header: string | null,
): { realm: string; service?: string; scope?: string } | undefined {
  if (!header || !/^bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/([a-zA-Z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) {
    params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  if (!params.realm) return undefined;
  return {
    realm: params.realm,
    ...(params.service ? { service: params.service } : {}),
    ...(params.scope ? { scope: params.scope } : {}),
  };
}

async function readAll(res: FetchResponse, limit: number, what: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body ?? []) {
    total += chunk.byteLength;
    // Throwing out of the loop cancels the body.
    if (total > limit) throw new RegistryPullError(`${what} is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function verifyDigest(bytes: Buffer, digest: string, what: string): void {
  const [alg, hex] = digest.split(':') as [string, string];
  if (alg !== 'sha256' && alg !== 'sha512') throw new RegistryPullError(`${what}: unsupported digest algorithm`);
  if (createHash(alg).update(bytes).digest('hex') !== hex)
    throw new RegistryPullError(`${what} does not match its digest`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
