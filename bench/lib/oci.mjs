// Test content and the OCI Distribution calls the scenarios make. A Registry bound to a token session
// (registry.as(session)) sends its bearer token on every call; unbound, it sends no credentials.
import crypto from 'node:crypto';
import { fetchOk, HttpError } from './http.mjs';
import { OPEN } from './auth.mjs';

export const MiB = 2 ** 20;
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const ACCEPT = [OCI_MANIFEST, 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

export const sha256 = (buf) => 'sha256:' + crypto.createHash('sha256').update(buf).digest('hex');

/**
 * Distinct blobs that all share one random body: blob n is `body + tail(n)`. Every push is a new blob
 * (no registry can short-cut by dedup), yet making one costs no memory and no hashing of the body:
 * the digest comes from a copy of the hash state after the body.
 */
export function blobFamily(size) {
  const tailLen = 32;
  const body = crypto.randomBytes(size - tailLen);
  const state = crypto.createHash('sha256').update(body);
  const salt = crypto.randomBytes(8).toString('hex');
  let n = 0;
  return {
    next() {
      const tail = Buffer.from(`${salt}-${String(n++).padStart(tailLen - 17, '0')}`);
      return { parts: [body, tail], size, digest: 'sha256:' + state.copy().update(tail).digest('hex') };
    },
  };
}

/** A tiny blob held in memory (configs, seed layers). */
export function smallBlob(buf) {
  return { parts: [buf], size: buf.length, digest: sha256(buf) };
}

/** Config + 2 layers + manifest; `layers` is a blobFamily so each image has its own layer digests. */
export function makeImage(layers, label) {
  const ls = [layers.next(), layers.next()];
  const config = smallBlob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { 'berth.bench': label } },
        rootfs: { type: 'layers', diff_ids: ls.map((l) => l.digest) },
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
      layers: ls.map((l) => ({ mediaType: OCI_LAYER, digest: l.digest, size: l.size })),
    }),
  );
  return { blobs: [config, ...ls], manifest, digest: sha256(manifest) };
}

function checkDigest(res, digest, what) {
  const got = res.headers['docker-content-digest'];
  if (got && got !== digest) throw new HttpError(`${what}: Docker-Content-Digest ${got}, expected ${digest}`);
}

/** One registry at `base` (e.g. http://127.0.0.1:5000), used through a keep-alive agent per call. */
export class Registry {
  constructor(base, auth = OPEN) {
    this.base = base;
    this.auth = auth;
  }

  /** The same registry, authenticated by `session` (a TokenSession, or OPEN). */
  as(session) {
    return new Registry(this.base, session);
  }

  /** `fetchOk` with the session's Authorization header added. */
  async call(url, opts = {}, expect = [200]) {
    const auth = await this.auth.headers();
    return fetchOk(url, { ...opts, headers: { ...opts.headers, ...auth } }, expect);
  }

  url(p) {
    return new URL(p, this.base).href;
  }

  // Location may be relative or absolute and may already carry a query (distribution's _state), which
  // is appended to rather than re-serialized, so the server gets its own encoding back untouched.
  withDigest(location, digest) {
    const sep = location.includes('?') ? '&' : '?';
    return this.url(`${location}${sep}digest=${encodeURIComponent(digest)}`);
  }

  async startUpload(agent, repo) {
    const r = await this.call(this.url(`/v2/${repo}/blobs/uploads/`), { method: 'POST', agent }, [202]);
    if (!r.headers.location) throw new HttpError(`POST upload for ${repo}: 202 without Location`);
    return r.headers.location;
  }

  /** POST, then PUT ?digest= with the whole body. */
  async pushMonolithic(agent, repo, blob) {
    const loc = await this.startUpload(agent, repo);
    const headers = { 'content-type': 'application/octet-stream' };
    const r = await this.call(
      this.withDigest(loc, blob.digest),
      { method: 'PUT', agent, headers, body: blob.parts },
      [201],
    );
    checkDigest(r, blob.digest, `PUT blob in ${repo}`);
  }

  /** POST, PATCH `chunk`-sized pieces with Content-Range, then an empty PUT ?digest=. */
  async pushChunked(agent, repo, blob, chunk) {
    let loc = await this.startUpload(agent, repo);
    const [body, tail] = blob.parts;
    for (let off = 0; off < body.length; off += chunk) {
      const piece = body.subarray(off, off + chunk);
      const parts = off + chunk >= body.length ? [piece, tail] : [piece];
      const len = parts.reduce((n, b) => n + b.length, 0);
      const headers = { 'content-type': 'application/octet-stream', 'content-range': `${off}-${off + len - 1}` };
      const r = await this.call(this.url(loc), { method: 'PATCH', agent, headers, body: parts }, [202]);
      loc = r.headers.location || loc;
    }
    const r = await this.call(this.withDigest(loc, blob.digest), { method: 'PUT', agent }, [201]);
    checkDigest(r, blob.digest, `PUT chunked blob in ${repo}`);
  }

  async putManifest(agent, repo, ref, manifest) {
    const headers = { 'content-type': OCI_MANIFEST };
    const r = await this.call(
      this.url(`/v2/${repo}/manifests/${ref}`),
      { method: 'PUT', agent, headers, body: manifest },
      [201],
    );
    checkDigest(r, sha256(manifest), `PUT manifest ${repo}:${ref}`);
  }

  async pushImage(agent, repo, tag, image) {
    for (const b of image.blobs) await this.pushMonolithic(agent, repo, b);
    await this.putManifest(agent, repo, tag, image.manifest);
  }

  /** Cross-repo mount; falls back to uploading when the registry answers 202 (no mount support). */
  async mountOrPush(agent, repo, from, blob) {
    const q = `mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from)}`;
    const r = await this.call(this.url(`/v2/${repo}/blobs/uploads/?${q}`), { method: 'POST', agent }, [201, 202]);
    if (r.status === 201) return;
    if (r.headers.location)
      await this.call(this.url(r.headers.location), { method: 'DELETE', agent }, [204, 404]).catch(() => {});
    await this.pushMonolithic(agent, repo, blob);
  }
}

/** The `next` URL of a Link header (`<url>; rel="next"`), or null on the last page. */
export function linkNext(h) {
  const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(Array.isArray(h) ? h.join(',') : h || '');
  return m ? m[1] : null;
}
