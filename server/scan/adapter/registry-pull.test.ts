import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  allBlobs,
  buildImage,
  buildIndex,
  buildLayer,
  manifestsInPushOrder,
  randomBlobLayer,
  type BuiltManifest,
} from '../../../test/fixtures/image-builder.js';
import { parseBearerChallenge, pullImage } from './registry-pull.js';

/**
 * The adapter's pull from a remote registry: a fake registry on 127.0.0.1 that can demand a token,
 * redirect blob reads to another origin (as registries on S3 do), or serve bytes that do not match.
 */

const BASIC = `Basic ${Buffer.from('robot$scan:secret').toString('base64')}`;

interface Hit {
  url: string;
  authorization: string | undefined;
}

let registry: Server;
let storage: Server;
let registryUrl: string;
let storageUrl: string;
let registryHits: Hit[] = [];
let storageHits: Hit[] = [];
let manifests = new Map<string, BuiltManifest>();
let blobs = new Map<string, Buffer>();
let mode: { tokenAuth?: boolean; redirectBlobs?: boolean; corrupt?: string } = {};
let dir: string;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

function registryHandler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, registryUrl);
  registryHits.push({ url: url.pathname + url.search, authorization: req.headers.authorization });
  if (url.pathname === '/token') {
    if (req.headers.authorization !== BASIC) return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ token: `tok-for-${url.searchParams.get('scope')}` }));
  }
  const wanted = mode.tokenAuth ? 'Bearer tok-for-repository:library/app:pull' : BASIC;
  if (req.headers.authorization !== wanted) {
    res.writeHead(401, {
      'www-authenticate': `Bearer realm="${registryUrl}/token",service="fake",scope="repository:library/app:pull"`,
    });
    return void res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
  }
  const m = /^\/v2\/library\/app\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
  const ref = m?.[2] ?? '';
  if (m?.[1] === 'manifests' && manifests.has(ref)) {
    const manifest = manifests.get(ref)!;
    res.writeHead(200, { 'content-type': manifest.mediaType });
    return void res.end(manifest.bytes);
  }
  if (m?.[1] === 'blobs' && blobs.has(ref)) {
    if (mode.redirectBlobs) {
      res.writeHead(307, { location: `${storageUrl}/bucket/${ref}?X-Amz-Signature=abc` });
      return void res.end();
    }
    const data = ref === mode.corrupt ? Buffer.from(blobs.get(ref)!).fill(0x41) : blobs.get(ref)!;
    res.writeHead(200, { 'content-length': data.length });
    return void res.end(data);
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
}

beforeAll(async () => {
  registry = createServer(registryHandler);
  storage = createServer((req, res) => {
    storageHits.push({ url: req.url!, authorization: req.headers.authorization });
    const digest = /\/bucket\/([^?]+)/.exec(req.url!)?.[1] ?? '';
    const data = blobs.get(digest);
    if (!data) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': data.length });
    res.end(data);
  });
  registryUrl = await listen(registry);
  storageUrl = await listen(storage);
});

afterAll(async () => {
  for (const s of [registry, storage]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

beforeEach(async () => {
  registryHits = [];
  storageHits = [];
  mode = {};
  manifests = new Map();
  blobs = new Map();
  dir = await mkdtemp(join(tmpdir(), 'berth-pull-test-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function serve(root: BuiltManifest): void {
  for (const m of manifestsInPushOrder(root)) manifests.set(m.digest, m);
  for (const [d, b] of allBlobs(root)) blobs.set(d, b);
}

const base = buildLayer([{ path: 'etc/os-release', data: 'ID=debian\nVERSION_ID="12"\n' }]);
const app = randomBlobLayer(70_000, 'pull/app');
const image = buildImage({ layers: [base, app] });

const pull = (digest: string, authorization: string | undefined = BASIC) =>
  pullImage({
    registryUrl,
    authorization,
    repository: 'library/app',
    digest,
    dir,
    signal: new AbortController().signal,
  });

describe('pullImage', () => {
  it('writes every layer to a file, checked against its digest, with the config diff ids', async () => {
    serve(image);
    const pulled = await pull(image.digest);
    expect(pulled.digest).toBe(image.digest);
    expect(pulled.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(pulled.diffIds).toEqual([base.diffId, app.diffId]);
    expect(pulled.layers.map((l) => [l.digest, l.size])).toEqual([
      [base.digest, base.size],
      [app.digest, app.size],
    ]);
    expect(await readFile(pulled.layers[1]!.path)).toEqual(app.data);
    expect(registryHits.every((h) => h.authorization === BASIC)).toBe(true);
  });

  it('drops the Authorization header when a blob read is redirected to another origin', async () => {
    serve(image);
    mode.redirectBlobs = true;
    const pulled = await pull(image.digest);
    expect(await readFile(pulled.layers[0]!.path)).toEqual(base.data);
    expect(storageHits.length).toBe(3); // config and two layers
    expect(storageHits.every((h) => h.authorization === undefined)).toBe(true);
  });

  it('exchanges Basic credentials for a token when the registry challenges for one', async () => {
    serve(image);
    mode.tokenAuth = true;
    await pull(image.digest);
    const tokenCalls = registryHits.filter((h) => h.url.startsWith('/token'));
    expect(tokenCalls).toEqual([
      { url: '/token?service=fake&scope=repository%3Alibrary%2Fapp%3Apull', authorization: BASIC },
    ]);
    const after = registryHits.slice(registryHits.indexOf(tokenCalls[0]!) + 1);
    expect(after.every((h) => h.authorization === 'Bearer tok-for-repository:library/app:pull')).toBe(true);
  });

  it('uses a bearer token as given and reports a refusal instead of asking the token service', async () => {
    serve(image);
    mode.tokenAuth = true;
    await expect(pull(image.digest, 'Bearer expired')).rejects.toThrow(
      `the registry refused to serve manifest library/app@${image.digest} (HTTP 401): authentication required`,
    );
    expect(registryHits.some((h) => h.url.startsWith('/token'))).toBe(false);
  });

  it('picks the linux/amd64 image of an index', async () => {
    const arm = buildImage({ layers: [randomBlobLayer(100, 'arm')], platform: { os: 'linux', architecture: 'arm64' } });
    const index = buildIndex([arm, image]);
    serve(index);
    const pulled = await pull(index.digest);
    expect(pulled.digest).toBe(image.digest);
    expect(pulled.layers.map((l) => l.digest)).toEqual([base.digest, app.digest]);
  });

  it('refuses a layer whose bytes do not match its digest, and a manifest it was not asked for', async () => {
    serve(image);
    mode.corrupt = app.digest;
    await expect(pull(image.digest)).rejects.toThrow(`blob ${app.digest} does not match its digest`);
    const other = buildImage({ layers: [randomBlobLayer(10, 'other')] });
    manifests.set(other.digest, image); // serves different bytes under the asked digest
    await expect(pull(other.digest)).rejects.toThrow(`manifest ${other.digest} does not match its digest`);
  });

  it('refuses layers over the size cap before reading them', async () => {
    serve(image);
    await expect(
      pullImage(
        {
          registryUrl,
          authorization: BASIC,
          repository: 'library/app',
          digest: image.digest,
          dir,
          signal: new AbortController().signal,
        },
        { limits: { maxLayerBytes: 1000 } },
      ),
    ).rejects.toThrow(`layer ${app.digest} (${app.size} bytes) is larger than 1000 bytes`);
    expect(registryHits.some((h) => h.url.includes(app.digest))).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('parseBearerChallenge', () => {
  it('reads realm, service and scope', () => {
    expect(
      parseBearerChallenge(
        'Bearer realm="https://h/service/token",service="harbor-registry",scope="repository:a/b:pull"',
      ),
    ).toEqual({
      realm: 'https://h/service/token',
      service: 'harbor-registry',
      scope: 'repository:a/b:pull',
    });
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseBearerChallenge(null)).toBeUndefined();
  });
});
