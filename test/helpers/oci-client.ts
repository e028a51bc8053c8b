import { manifestsInPushOrder, sha256Digest, type BuiltManifest } from '../fixtures/image-builder.js';

/**
 * A minimal OCI distribution client over fetch, for tests that need control over each request:
 * which upload flavour, which chunk sizes, which status came back. It speaks the protocol the way
 * the real clients do (see DESIGN.md "Protocol details that real clients rely on").
 */

/**
 * How a blob goes up:
 *  - monolithic: POST, then PUT ?digest= with the body (containerd)
 *  - patch: POST, one PATCH without Content-Range, PUT ?digest= with no body (docker, skopeo)
 *  - chunked: POST, PATCHes with Content-Range of `chunkSize`, PUT ?digest= with no body
 *  - post: a single POST ?digest= with the body
 */
export type UploadMode = 'monolithic' | 'patch' | 'chunked' | 'post';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export class HttpStatusError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${url} -> ${status}${body ? `: ${body.slice(0, 500)}` : ''}`);
    this.name = 'HttpStatusError';
  }
}

export interface Fetched {
  status: number;
  headers: Headers;
  body: Buffer;
}

export class OciClient {
  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  /** Any request, resolving relative Location-style URLs against the registry. */
  async request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<Fetched> {
    const url = new URL(path, this.baseUrl).toString();
    const res = await fetch(url, {
      method,
      headers: { ...this.headers, ...init.headers },
      body: init.body,
      redirect: 'follow',
    });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body };
  }

  private async expect(
    method: string,
    path: string,
    statuses: number[],
    init: Parameters<OciClient['request']>[2] = {},
  ) {
    const res = await this.request(method, path, init);
    if (!statuses.includes(res.status)) {
      throw new HttpStatusError(method, new URL(path, this.baseUrl).toString(), res.status, res.body.toString());
    }
    return res;
  }

  async pushBlob(
    repo: string,
    data: Buffer,
    options: { mode?: UploadMode; chunkSize?: number } = {},
  ): Promise<Fetched> {
    const digest = sha256Digest(data);
    const mode = options.mode ?? 'monolithic';
    const octet = { 'Content-Type': 'application/octet-stream' };
    if (mode === 'post') {
      return this.expect('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, [201], { headers: octet, body: data });
    }
    const started = await this.expect('POST', `/v2/${repo}/blobs/uploads/`, [202]);
    let location = locationOf(started, 'POST upload');
    if (mode === 'monolithic') {
      return this.expect('PUT', withDigest(location, digest), [201], { headers: octet, body: data });
    }
    if (mode === 'patch') {
      const res = await this.expect('PATCH', location, [202], { headers: octet, body: data });
      location = locationOf(res, 'PATCH');
    } else {
      const size = options.chunkSize ?? 1024 * 1024;
      for (let offset = 0; offset < data.length; offset += size) {
        const chunk = data.subarray(offset, Math.min(offset + size, data.length));
        const res = await this.expect('PATCH', location, [202], {
          headers: { ...octet, 'Content-Range': `${offset}-${offset + chunk.length - 1}` },
          body: chunk,
        });
        location = locationOf(res, 'PATCH');
      }
    }
    return this.expect('PUT', withDigest(location, digest), [201]);
  }

  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<Fetched> {
    return this.expect('PUT', `/v2/${repo}/manifests/${reference}`, [201], {
      headers: { 'Content-Type': mediaType },
      body: bytes,
    });
  }

  /** Pushes every blob (skipping ones the registry has) and every manifest; the root gets `tag`. */
  async pushImage(repo: string, image: BuiltManifest, tag?: string, mode: UploadMode = 'monolithic'): Promise<void> {
    for (const m of manifestsInPushOrder(image)) {
      for (const [digest, data] of m.blobs) {
        if ((await this.request('HEAD', `/v2/${repo}/blobs/${digest}`)).status === 200) continue;
        await this.pushBlob(repo, data, { mode });
      }
      await this.putManifest(repo, m === image && tag ? tag : m.digest, m.bytes, m.mediaType);
    }
  }

  getManifest(repo: string, reference: string, accept = MANIFEST_ACCEPT): Promise<Fetched> {
    return this.request('GET', `/v2/${repo}/manifests/${reference}`, { headers: { Accept: accept } });
  }

  headManifest(repo: string, reference: string, accept = MANIFEST_ACCEPT): Promise<Fetched> {
    return this.request('HEAD', `/v2/${repo}/manifests/${reference}`, { headers: { Accept: accept } });
  }

  getBlob(repo: string, digest: string, headers: Record<string, string> = {}): Promise<Fetched> {
    return this.request('GET', `/v2/${repo}/blobs/${digest}`, { headers });
  }

  headBlob(repo: string, digest: string): Promise<Fetched> {
    return this.request('HEAD', `/v2/${repo}/blobs/${digest}`);
  }

  referrers(repo: string, digest: string, artifactType?: string): Promise<Fetched> {
    const q = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    return this.request('GET', `/v2/${repo}/referrers/${digest}${q}`, {
      headers: { Accept: 'application/vnd.oci.image.index.v1+json' },
    });
  }

  async tags(repo: string): Promise<string[]> {
    const res = await this.expect('GET', `/v2/${repo}/tags/list`, [200]);
    return (JSON.parse(res.body.toString()) as { tags: string[] | null }).tags ?? [];
  }
}

function locationOf(res: Fetched, what: string): string {
  const location = res.headers.get('location');
  if (!location) throw new Error(`${what}: ${res.status} without a Location header`);
  return location;
}

function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}
