import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blob, client, pushBlob, pushImage, sha256, startTestServer } from './oci-client.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startTestServer();
  call = client(() => server.url);
});
afterAll(() => server.stop());

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const put = (name: string, ref: string, body: Buffer | string, type = OCI_MANIFEST) =>
  call('PUT', `/v2/${name}/manifests/${ref}`, { body: Buffer.from(body), headers: { 'content-type': type } });

describe('manifests', () => {
  it('stores a manifest by tag and serves the same bytes by tag and digest', async () => {
    const { manifest, digest, response } = await pushImage(call, 'm/app', 'v1', { layers: 2 });
    expect(response.headers.get('docker-content-digest')).toBe(digest);
    expect(response.headers.get('location')).toBe(`/v2/m/app/manifests/${digest}`);

    const head = await call('HEAD', '/v2/m/app/manifests/v1', { headers: { accept: OCI_MANIFEST } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe(OCI_MANIFEST);
    expect(head.headers.get('content-length')).toBe(String(manifest.length));
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    expect(head.body.length).toBe(0);

    for (const ref of ['v1', digest]) {
      const get = await call('GET', `/v2/m/app/manifests/${ref}`);
      expect(get.body.equals(manifest)).toBe(true);
      expect(get.headers.get('content-type')).toBe(OCI_MANIFEST);
    }
    // The manifest is also a blob of the repository, as distribution serves it.
    expect((await call('GET', `/v2/m/app/blobs/${digest}`)).body.equals(manifest)).toBe(true);
  });

  it('answers MANIFEST_UNKNOWN (not 500) for a blob digest probed as a manifest', async () => {
    const b = blob(10);
    await pushBlob(call, 'm/app', b);
    const res = await call('HEAD', `/v2/m/app/manifests/${b.digest}`);
    expect(res.status).toBe(404);
    expect((await call('GET', `/v2/m/app/manifests/${b.digest}`)).errorCode()).toBe('MANIFEST_UNKNOWN');
  });

  it('refuses a manifest whose blobs are not in the repository, storing nothing', async () => {
    const missing = blob(10);
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: missing.digest, size: 10 },
      layers: [],
    });
    const res = await put('m/app', 'broken', body);
    expect(res.status).toBe(400);
    expect(res.errorCode()).toBe('MANIFEST_BLOB_UNKNOWN');
    expect((await call('HEAD', '/v2/m/app/manifests/broken')).status).toBe(404);
    expect((await call('HEAD', `/v2/m/app/manifests/${sha256(body)}`)).status).toBe(404);
  });

  it('validates JSON, media type, schema version, tags, digests and size', async () => {
    expect((await put('m/app', 'x', '{nope')).errorCode()).toBe('MANIFEST_INVALID');
    expect((await put('m/app', 'x', '{"schemaVersion":1,"name":"a"}')).errorCode()).toBe('MANIFEST_INVALID');
    expect((await put('m/app', '.bad', '{}')).errorCode()).toBe('TAG_INVALID');
    const { manifest } = await pushImage(call, 'm/app', 'ok');
    const wrong = await put('m/app', sha256('something else'), manifest);
    expect(wrong.errorCode()).toBe('DIGEST_INVALID');
    const huge = await put('m/app', 'huge', Buffer.alloc(4 * 1024 * 1024 + 1, 32));
    expect(huge.status).toBe(413);
    expect(huge.errorCode()).toBe('SIZE_INVALID');
  });

  it('stores an index only when its children are in the repository', async () => {
    const amd = await pushImage(call, 'm/multi', 'amd64');
    const arm = await pushImage(call, 'm/multi', 'arm64', { layers: 2 });
    const index = (children: Array<{ digest: string; size: number }>) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: children.map((c, i) => ({
          mediaType: OCI_MANIFEST,
          digest: c.digest,
          size: c.size,
          platform: { architecture: i ? 'arm64' : 'amd64', os: 'linux' },
        })),
      });
    const children = [amd, arm].map((x) => ({ digest: x.digest, size: x.manifest.length }));
    const ok = await put('m/multi', 'latest', index(children), OCI_INDEX);
    expect(ok.status).toBe(201);
    const head = await call('HEAD', '/v2/m/multi/manifests/latest', {
      headers: { accept: `${OCI_INDEX}, ${OCI_MANIFEST}` },
    });
    expect(head.headers.get('content-type')).toBe(OCI_INDEX);

    const missing = await put(
      'm/multi',
      'broken',
      index([...children, { digest: sha256('nope'), size: 4 }]),
      OCI_INDEX,
    );
    expect(missing.status).toBe(400);
    expect(missing.errorCode()).toBe('MANIFEST_BLOB_UNKNOWN');
    // An index child cannot be deleted from under its index.
    expect((await call('DELETE', `/v2/m/multi/manifests/${amd.digest}`)).status).toBe(409);
  });

  it('deletes by tag (the artifact stays) and by digest (its tags go too)', async () => {
    const { digest } = await pushImage(call, 'm/del', 'a');
    await put('m/del', 'b', (await call('GET', `/v2/m/del/manifests/${digest}`)).body);
    expect((await call('DELETE', '/v2/m/del/manifests/a')).status).toBe(202);
    expect((await call('HEAD', '/v2/m/del/manifests/a')).status).toBe(404);
    expect((await call('HEAD', `/v2/m/del/manifests/${digest}`)).status).toBe(200);
    expect((await call('DELETE', `/v2/m/del/manifests/${digest}`)).status).toBe(202);
    expect((await call('HEAD', '/v2/m/del/manifests/b')).status).toBe(404);
    expect((await call('DELETE', `/v2/m/del/manifests/${digest}`)).errorCode()).toBe('MANIFEST_UNKNOWN');
  });

  it('stores a one-component name in the library project', async () => {
    const { digest } = await pushImage(call, 'solo', 'v1');
    expect((await call('HEAD', `/v2/library/solo/manifests/${digest}`)).status).toBe(200);
    expect((await call('HEAD', '/v2/solo/manifests/v1')).status).toBe(200);
  });
});

describe('referrers', () => {
  it('lists artifacts by subject, filters by artifactType, and sets OCI-Subject on push', async () => {
    const subject = await pushImage(call, 'r/app', 'v1');
    const empty = Buffer.from('{}');
    await pushBlob(call, 'r/app', { bytes: empty, digest: sha256(empty) });
    const attach = async (artifactType: string) => {
      const body = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
        layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 }],
        subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.manifest.length },
        annotations: { 'org.example.kind': artifactType },
      });
      const res = await put('r/app', sha256(body), body);
      expect(res.status).toBe(201);
      expect(res.headers.get('oci-subject')).toBe(subject.digest);
      return sha256(body);
    };
    const sbom = await attach('application/spdx+json');
    const sig = await attach('application/vnd.dev.cosign.artifact.sig.v1+json');

    const all = await call('GET', `/v2/r/app/referrers/${subject.digest}`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe(OCI_INDEX);
    const allIndex = all.json() as { manifests: Array<{ digest: string; artifactType: string; annotations: object }> };
    expect(allIndex.manifests.map((m) => m.digest).sort()).toEqual([sbom, sig].sort());
    expect(allIndex.manifests.find((m) => m.digest === sbom)?.annotations).toEqual({
      'org.example.kind': 'application/spdx+json',
    });

    const filtered = await call('GET', `/v2/r/app/referrers/${subject.digest}?artifactType=application/spdx%2Bjson`);
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    expect((filtered.json() as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest)).toEqual([
      sbom,
    ]);

    const none = await call('GET', `/v2/r/nothing/referrers/${subject.digest}`);
    expect(none.status).toBe(200);
    expect((none.json() as { manifests: unknown[] }).manifests).toEqual([]);
    expect((await call('GET', '/v2/r/app/referrers/sha256:bad')).status).toBe(400);
  });
});

describe('listing', () => {
  it('pages tags with n/last and a Link header', async () => {
    const { manifest } = await pushImage(call, 'l/tags', 't00');
    for (let i = 1; i < 7; i++) await put('l/tags', `t${String(i).padStart(2, '0')}`, manifest);
    const first = await call('GET', '/v2/l/tags/tags/list?n=4');
    expect(first.json()).toEqual({ name: 'l/tags', tags: ['t00', 't01', 't02', 't03'] });
    const link = first.headers.get('link')!;
    expect(link).toBe('</v2/l/tags/tags/list?n=4&last=t03>; rel="next"');
    const second = await call('GET', link.slice(1, link.indexOf('>')));
    expect(second.json()).toEqual({ name: 'l/tags', tags: ['t04', 't05', 't06'] });
    expect(second.headers.get('link')).toBeNull();
    expect((await call('GET', '/v2/l/tags/tags/list?n=abc')).errorCode()).toBe('PAGINATION_NUMBER_INVALID');
    expect((await call('GET', '/v2/l/none/tags/list')).errorCode()).toBe('NAME_UNKNOWN');
  });

  it('pages the catalog', async () => {
    for (const n of ['c/a', 'c/b', 'c/c']) await pushImage(call, n, 'x');
    const names: string[] = [];
    let path: string | null = '/v2/_catalog?n=2';
    while (path) {
      const res = await call('GET', path);
      names.push(...(res.json() as { repositories: string[] }).repositories);
      const link = res.headers.get('link');
      path = link ? link.slice(1, link.indexOf('>')) : null;
    }
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['c/a', 'c/b', 'c/c', 'library/solo']));
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('restart', () => {
  it('serves every acknowledged manifest and blob after a restart', async () => {
    const pushed = await pushImage(call, 'keep/app', 'v1', { layers: 3 });
    await server.restart();
    const get = await call('GET', '/v2/keep/app/manifests/v1');
    expect(get.body.equals(pushed.manifest)).toBe(true);
    const doc = JSON.parse(pushed.manifest.toString()) as { layers: Array<{ digest: string }> };
    for (const l of doc.layers) {
      const res = await call('GET', `/v2/keep/app/blobs/${l.digest}`);
      expect(sha256(res.body)).toBe(l.digest);
    }
  });
});
