import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allBlobs,
  buildArtifact,
  buildImage,
  buildIndex,
  buildLayer,
  FIXTURE_CREATED,
  manifestsInPushOrder,
  MediaType,
  randomBlobLayer,
  type BuiltManifest,
} from '../fixtures/image-builder.js';
import { apiCallers, OUTSIDER, parseJson, send, type Json } from '../helpers/harbor-api.js';
import { expectHarborErrors } from '../helpers/harbor-swagger.js';
import { seedUser } from '../helpers/seed.js';
import { startTestServer, type Call } from './oci-client.js';

/**
 * Berth's `layers` addition on real pushes: an image's layers lined up with the build steps of its
 * config, what happens when the two disagree, and the artifacts that have no layers of their own.
 */

let server: Awaited<ReturnType<typeof startTestServer>>;
const { admin, anonymous, outsider } = apiCallers(() => server.url);

const base = buildLayer([{ path: 'etc/os-release', data: 'ID=berth\n' }]);
const app = buildLayer([{ path: 'usr/local/bin/app', data: '#!/bin/sh\necho app\n', mode: 0o755 }]);
const built = buildImage({
  layers: [base, app],
  history: [
    { created_by: '/bin/sh -c #(nop) ADD file:rootfs in /' },
    { created_by: '/bin/sh -c #(nop)  ENV LANG=C.UTF-8', empty_layer: true },
    { created_by: 'RUN make install', comment: 'buildkit.dockerfile.v0' },
    { created_by: '/bin/sh -c #(nop)  CMD ["app"]', empty_layer: true },
  ],
});
const shortHistory = buildImage({
  layers: [randomBlobLayer(300, 'short/0'), randomBlobLayer(400, 'short/1'), randomBlobLayer(500, 'short/2')],
  history: [{ created_by: 'ADD rootfs' }],
});
const longHistory = buildImage({
  layers: [randomBlobLayer(600, 'long/0')],
  history: [{ created_by: 'ADD rootfs' }, { created_by: 'RUN lost' }],
  format: 'docker',
});
const index = buildIndex([buildImage({ layers: [randomBlobLayer(200, 'idx/amd64')] })]);
const sbom = buildArtifact({
  artifactType: 'application/spdx+json',
  files: [{ mediaType: 'application/spdx+json', data: '{"spdxVersion":"SPDX-2.3"}', title: 'sbom.spdx.json' }],
});

async function pushBuilt(call: Call, repo: string, root: BuiltManifest, tag: string): Promise<void> {
  for (const [digest, bytes] of allBlobs(root)) {
    const res = await call('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status, `blob ${digest}`).toBe(201);
  }
  for (const m of manifestsInPushOrder(root)) {
    const ref = m === root ? tag : m.digest;
    const res = await call('PUT', `/v2/${repo}/manifests/${ref}`, {
      body: m.bytes,
      headers: { 'content-type': m.mediaType },
    });
    expect(res.status, `manifest ${ref}: ${res.body.toString()}`).toBe(201);
  }
}

const layersOf = (call: Call, repo: string, reference: string) =>
  send(call, 'GET', `/projects/proj/repositories/${encodeURIComponent(repo)}/artifacts/${reference}/additions/layers`);

beforeAll(async () => {
  server = await startTestServer();
  await seedUser(server.dataDir, OUTSIDER.username, OUTSIDER.password);
  await pushBuilt(admin, 'proj/app', built, 'v1');
  await pushBuilt(admin, 'proj/app', shortHistory, 'short');
  await pushBuilt(admin, 'proj/app', longHistory, 'long');
  await pushBuilt(admin, 'proj/app', index, 'multi');
  await pushBuilt(admin, 'proj/sbom', sbom, 'v1');
}, 60_000);
afterAll(() => server?.stop());

describe('the layers addition', () => {
  it('lines the image’s layers up with its build steps, steps without a layer included', async () => {
    const res = await layersOf(admin, 'app', 'v1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(parseJson<Json[]>(res)).toEqual([
      {
        digest: base.digest,
        media_type: MediaType.ociLayerGzip,
        size: base.size,
        created_by: '/bin/sh -c #(nop) ADD file:rootfs in /',
        created: FIXTURE_CREATED,
        empty_layer: false,
        comment: null,
      },
      {
        digest: null,
        media_type: null,
        size: 0,
        created_by: '/bin/sh -c #(nop)  ENV LANG=C.UTF-8',
        created: FIXTURE_CREATED,
        empty_layer: true,
        comment: null,
      },
      {
        digest: app.digest,
        media_type: MediaType.ociLayerGzip,
        size: app.size,
        created_by: 'RUN make install',
        created: FIXTURE_CREATED,
        empty_layer: false,
        comment: 'buildkit.dockerfile.v0',
      },
      {
        digest: null,
        media_type: null,
        size: 0,
        created_by: '/bin/sh -c #(nop)  CMD ["app"]',
        created: FIXTURE_CREATED,
        empty_layer: true,
        comment: null,
      },
    ]);
    // By digest as by tag.
    expect(parseJson<Json[]>(await layersOf(admin, 'app', built.digest))).toHaveLength(4);
  });

  it('still lists every layer when the history is short, and steps past the last layer without one', async () => {
    const short = parseJson<Json[]>(await layersOf(admin, 'app', 'short'));
    expect(short.map((l) => [l.size, l.created_by])).toEqual([
      [300, 'ADD rootfs'],
      [400, null],
      [500, null],
    ]);
    const long = parseJson<Json[]>(await layersOf(admin, 'app', 'long'));
    expect(long.map((l) => [l.digest === null, l.size, l.media_type, l.created_by])).toEqual([
      [false, 600, MediaType.dockerLayerGzip, 'ADD rootfs'],
      [true, 0, null, 'RUN lost'],
    ]);
  });

  it('lists an artifact’s files as layers, and refuses an index, which has none of its own', async () => {
    const files = parseJson<Json[]>(await layersOf(admin, 'sbom', 'v1'));
    expect(files).toEqual([expect.objectContaining({ media_type: 'application/spdx+json', created_by: null })]);
    const res = await layersOf(admin, 'app', 'multi');
    expect(res.status).toBe(404);
    expectHarborErrors(parseJson(res), 'NOT_FOUND');
    expect(res.body.toString()).toMatch(/is an index/);
  });

  it('is read with the other additions’ permission', async () => {
    expect((await layersOf(anonymous, 'app', 'v1')).status).toBe(401);
    const refused = await layersOf(outsider, 'app', 'v1');
    expect(refused.status).toBe(403);
    expectHarborErrors(parseJson(refused), 'FORBIDDEN');
    expect((await layersOf(admin, 'app', 'nope')).status).toBe(404);
  });
});
