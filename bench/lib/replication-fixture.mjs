// The replication benchmark's content (bench/replication.mjs): small images, one large image made of
// a cached random file, and a no-op backlog of many manifests sharing two blobs; pushed to the source
// Berth with plain HTTP (no skopeo: pushing 10,000 manifests through it would take longer than the
// benchmark), and checked at a destination by HEADing every tag.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { fetchOk, HttpError, newAgent, request, runLoad } from './http.mjs';
import { ACCEPT, blobFamily, OCI_MANIFEST, Registry, sha256, smallBlob } from './oci.mjs';

const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
// Uncompressed: the layers are random bytes, and a copier that sniffs compression (containers/image
// does) must find what the manifest says, or it may rewrite the manifest and change its digest.
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** A registry client sending Basic credentials (Berth caches their check, so this costs no hashing per call). */
export function basicRegistry(url, username, password) {
  const header = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  return new Registry(url, { scopes: [], headers: async () => header, maxRunSeconds: () => Infinity });
}

/**
 * `bytes` of random (incompressible) data in `dir`, made once and kept: written in 4 MiB pieces and
 * hashed on the way, so 1 GiB never sits in memory. Returns { file, digest, size }.
 */
export async function ensureRandomFile(dir, bytes) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `replication-random-${bytes}.bin`);
  const metaFile = `${file}.json`;
  if (fs.existsSync(metaFile) && fs.existsSync(file) && fs.statSync(file).size === bytes) {
    return { file, ...JSON.parse(fs.readFileSync(metaFile, 'utf8')) };
  }
  const tmp = `${file}.${process.pid}.tmp`;
  const out = fs.createWriteStream(tmp);
  const hash = crypto.createHash('sha256');
  for (let left = bytes; left > 0;) {
    const piece = crypto.randomBytes(Math.min(left, 4 << 20));
    hash.update(piece);
    left -= piece.length;
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  fs.renameSync(tmp, file);
  const meta = { digest: `sha256:${hash.digest('hex')}`, size: bytes };
  fs.writeFileSync(metaFile, JSON.stringify(meta));
  return { file, ...meta };
}

function manifestOf(config, layers, annotations) {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER, digest: l.digest, size: l.size })),
      ...(annotations ? { annotations } : {}),
    }),
  );
}

function configOf(layers, label) {
  return smallBlob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { 'berth.bench': label } },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    ),
  );
}

/** `count` images, one distinct random layer of `layerBytes` + config each, spread over `repos` repositories of `project`. */
export function smallImages(project, count, repos, layerBytes) {
  const family = blobFamily(layerBytes);
  const width = String(repos - 1).length;
  const images = [];
  for (let i = 0; i < count; i++) {
    const repo = `${project}/r${String(i % repos).padStart(width, '0')}`;
    const layer = family.next();
    const config = configOf([layer], `small-${i}`);
    const manifest = manifestOf(config, [layer]);
    images.push({ repo, tag: `t${Math.floor(i / repos)}`, blobs: [config, layer], manifest, digest: sha256(manifest) });
  }
  return images;
}

/** Pushes images (blobs, then the manifest by tag), `concurrency` images at a time. */
export async function pushImages(registry, images, concurrency) {
  const agent = newAgent(concurrency);
  await runLoad({
    workers: concurrency,
    count: images.length,
    op: async (i) => {
      const img = images[i];
      for (const b of img.blobs) await registry.pushMonolithic(agent, img.repo, b);
      await registry.putManifest(agent, img.repo, img.tag, img.manifest);
    },
  });
  agent.destroy();
}

/** Monolithic upload of a file, streamed from disk. */
async function pushFile(registry, agent, repo, blob) {
  const loc = await registry.startUpload(agent, repo);
  const url = new URL(registry.withDigest(loc, blob.digest));
  const headers = {
    ...(await registry.auth.headers()),
    'content-type': 'application/octet-stream',
    'content-length': blob.size,
  };
  const req = http.request(url, { method: 'PUT', agent, headers });
  const answered = once(req, 'response');
  await pipeline(fs.createReadStream(blob.file), req);
  const [res] = await answered;
  res.resume();
  await once(res, 'end');
  if (res.statusCode !== 201) throw new HttpError(`PUT ${blob.size}-byte blob to ${repo} -> HTTP ${res.statusCode}`);
}

/** One image whose single layer is the random file `blob` ({ file, digest, size }). */
export async function pushLargeImage(registry, repo, tag, blob) {
  const agent = newAgent(1);
  const config = configOf([blob], 'large');
  const manifest = manifestOf(config, [blob]);
  await pushFile(registry, agent, repo, blob);
  await registry.pushMonolithic(agent, repo, config);
  await registry.putManifest(agent, repo, tag, manifest);
  agent.destroy();
  return { repo, tag, digest: sha256(manifest), bytes: blob.size + config.size + manifest.length };
}

/**
 * `count` distinct manifests (an annotation tells them apart) over `repos` repositories, all pointing
 * at one small layer and one config: a backlog whose copy is cheap once and a no-op after that.
 */
export async function pushBacklog(registry, project, count, repos, concurrency) {
  const layer = smallBlob(crypto.randomBytes(4096));
  const config = configOf([layer], 'backlog');
  const width = String(repos - 1).length;
  const repoNames = Array.from({ length: repos }, (_, r) => `${project}/r${String(r).padStart(width, '0')}`);
  const agent = newAgent(concurrency);
  await runLoad({
    workers: concurrency,
    count: repos,
    op: async (r) => {
      await registry.pushMonolithic(agent, repoNames[r], layer);
      await registry.pushMonolithic(agent, repoNames[r], config);
    },
  });
  const tags = [];
  await runLoad({
    workers: concurrency,
    count,
    op: async (i) => {
      const repo = repoNames[i % repos];
      const tag = `t${Math.floor(i / repos)}`;
      const manifest = manifestOf(config, [layer], { 'berth.bench.backlog': String(i) });
      await registry.putManifest(agent, repo, tag, manifest);
      tags[i] = { repo, tag, digest: sha256(manifest) };
    },
  });
  agent.destroy();
  return tags;
}

/**
 * HEADs every expected tag at `base` with `concurrency` requests in flight and compares the digest.
 * Also the no-op peer: the least I/O a run that finds every tag up to date must do.
 */
export async function headAll(base, expected, concurrency, headers = {}) {
  const agent = newAgent(concurrency);
  const missing = [];
  const wrong = [];
  const t0 = performance.now();
  await runLoad({
    workers: concurrency,
    count: expected.length,
    op: async (i) => {
      const e = expected[i];
      const url = `${base}/v2/${e.repo}/manifests/${e.tag}`;
      const r = await request(url, { method: 'HEAD', agent, headers: { accept: ACCEPT, ...headers } });
      if (r.status === 404) missing.push(`${e.repo}:${e.tag}`);
      else if (r.status !== 200) throw new HttpError(`HEAD ${url} -> HTTP ${r.status}`);
      else if (r.headers['docker-content-digest'] !== e.digest) {
        wrong.push(`${e.repo}:${e.tag} ${r.headers['docker-content-digest']} != ${e.digest}`);
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { checked: expected.length, missing, wrong, seconds };
}

/** The repositories at `base` (the catalogue, paged), to show nothing unexpected was copied. */
export async function catalog(base) {
  const repos = [];
  for (let next = `${base}/v2/_catalog?n=1000`; next;) {
    const r = await fetchOk(next);
    repos.push(...JSON.parse(r.body.toString('utf8')).repositories);
    const link = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(r.headers.link ?? '');
    next = link ? new URL(link[1], base).href : null;
  }
  return repos;
}
