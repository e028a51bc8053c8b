import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest, type BuiltManifest, type Descriptor } from '../fixtures/image-builder.js';
import { readOciLayout, writeDockerArchive } from '../fixtures/oci-layout.js';
import { ARTIFACT_TYPE, buildStandardImages, writeStandardLayouts } from '../fixtures/standard-images.js';
import type { StandardImages, StandardLayoutName } from '../fixtures/standard-images.js';
import { readTar } from '../fixtures/tar.js';
import { e2eTarget, startBerth, type RegistryUnderTest, ADMIN_HEADERS, TEST_ADMIN } from '../helpers/berth.js';
import { createContainersEnv, type ContainersEnv } from '../helpers/containers-env.js';
import { OciClient } from '../helpers/oci-client.js';
import { requireCommands } from '../helpers/run.js';
import { TempDirs } from '../helpers/tmp.js';

// skopeo copies manifests byte for byte (no recompression of OCI layouts), so every digest that goes
// in must come back out. It is also how replication tools and CI pipelines talk to registries.

// The reference registry (distribution 2.8) predates the referrers API.
const onReference = e2eTarget() === 'reference';
const tmp = new TempDirs();
let registry: RegistryUnderTest;
let containers: ContainersEnv;
let client: OciClient;
let images: StandardImages;
let refs: Record<StandardLayoutName, string>;
let work: string;

beforeAll(async () => {
  requireCommands({ skopeo: 'skopeo' });
  images = buildStandardImages();
  work = await tmp.make('skopeo');
  refs = await writeStandardLayouts(join(work, 'in'));
  registry = await startBerth();
  containers = await createContainersEnv({
    insecureRegistries: [registry.host],
    credentials: { [registry.host]: TEST_ADMIN },
  });
  client = new OciClient(registry.url, ADMIN_HEADERS);
});

afterAll(async () => {
  await containers?.cleanup();
  await registry?.stop();
  await tmp.cleanup();
});

const docker = (repo: string) => `docker://${registry.host}/${repo}`;
const copy = (src: string, dest: string, ...flags: string[]) =>
  containers.skopeo(['copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', ...flags, src, dest]);
const rawManifest = async (repo: string) =>
  (await containers.skopeo(['inspect', '--raw', '--tls-verify=false', docker(repo)])).stdoutBytes;
const configDigest = (m: BuiltManifest) => (m.json as { config: Descriptor }).config.digest;

async function expectManifest(repo: string, reference: string, image: BuiltManifest): Promise<void> {
  const head = await client.headManifest(repo, reference);
  expect(head.status, `HEAD ${repo}:${reference}`).toBe(200);
  expect(head.headers.get('docker-content-digest')).toBe(image.digest);
  expect(head.headers.get('content-type')).toBe(image.mediaType);
  const get = await client.getManifest(repo, reference);
  expect(get.body.equals(image.bytes), `GET ${repo}:${reference} returns the pushed bytes`).toBe(true);
}

describe('skopeo copy of an OCI layout', () => {
  it('pushes with the manifest digest preserved', async () => {
    await copy(refs.layered, docker('e2e/layered:v1'));
    expect(sha256Digest(await rawManifest('e2e/layered:v1'))).toBe(images.layered.digest);
    await expectManifest('e2e/layered', 'v1', images.layered);
    await expectManifest('e2e/layered', images.layered.digest, images.layered);
    for (const [digest, data] of images.layered.blobs) {
      const blob = await client.getBlob('e2e/layered', digest);
      expect(blob.status).toBe(200);
      expect(sha256Digest(blob.body)).toBe(digest);
      expect(blob.body.length).toBe(data.length);
    }
  });

  it('pulls back into an OCI layout with the same digests and bytes', async () => {
    await copy(refs.layered, docker('e2e/layered:v2'));
    const out = join(work, 'out-layered');
    await copy(docker('e2e/layered:v2'), `oci:${out}:pulled`);
    const layout = await readOciLayout(out);
    expect(layout.resolve('pulled').digest).toBe(images.layered.digest);
    expect((await layout.readBlob(images.layered.digest)).equals(images.layered.bytes)).toBe(true);
    for (const [digest, data] of images.layered.blobs) expect((await layout.readBlob(digest)).equals(data)).toBe(true);
  });

  it('pulls into a docker-archive with the same config and uncompressed layers', async () => {
    await copy(refs.layered, docker('e2e/layered:v3'));
    const file = join(work, 'layered-out.tar');
    await copy(docker('e2e/layered:v3'), `docker-archive:${file}:${registry.host}/e2e/layered:v3`);
    const archive = readTar(await readFile(file));
    const [entry] = JSON.parse(archive.find((e) => e.path === 'manifest.json')!.data.toString()) as Array<{
      Config: string;
      Layers: string[];
      RepoTags: string[];
    }>;
    expect(entry?.RepoTags).toEqual([`${registry.host}/e2e/layered:v3`]);
    const config = archive.find((e) => e.path === entry?.Config)!.data;
    expect(sha256Digest(config)).toBe(configDigest(images.layered));
    const diffIds = (JSON.parse(config.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    const layerDigests = entry!.Layers.map((name) => sha256Digest(archive.find((e) => e.path === name)!.data));
    expect(layerDigests).toEqual(diffIds);
  });

  it('pushes a Docker schema2 manifest unchanged', async () => {
    await copy(refs['busybox-docker'], docker('e2e/busybox-docker:1'));
    expect(sha256Digest(await rawManifest('e2e/busybox-docker:1'))).toBe(images.busyboxDocker.digest);
    await expectManifest('e2e/busybox-docker', '1', images.busyboxDocker);
  });
});

describe('skopeo copy of a docker-archive', () => {
  it('pushes an archive (layers recompressed, config kept) and pulls it back out', async () => {
    const file = join(work, 'layered-in.tar');
    await writeDockerArchive(file, images.layered, ['e2e/archived:1']);
    await copy(`docker-archive:${file}`, docker('e2e/archived:1'));

    const pushed = JSON.parse((await rawManifest('e2e/archived:1')).toString()) as {
      mediaType: string;
      config: Descriptor;
      layers: Descriptor[];
    };
    expect(pushed.config.digest).toBe(configDigest(images.layered));
    expect(pushed.layers).toHaveLength(4);
    const head = await client.headManifest('e2e/archived', '1');
    expect(head.headers.get('content-type')).toBe(pushed.mediaType);

    const out = join(work, 'archived-out.tar');
    await copy(docker('e2e/archived:1'), `docker-archive:${out}:e2e/archived:1`);
    const archive = readTar(await readFile(out));
    const [entry] = JSON.parse(archive.find((e) => e.path === 'manifest.json')!.data.toString()) as Array<{
      Config: string;
      Layers: string[];
    }>;
    const config = archive.find((e) => e.path === entry?.Config)!.data;
    expect(sha256Digest(config)).toBe(configDigest(images.layered));
    const diffIds = (JSON.parse(config.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    expect(entry!.Layers.map((name) => sha256Digest(archive.find((e) => e.path === name)!.data))).toEqual(diffIds);
  });
});

describe('skopeo copy --all of a multi-platform index', () => {
  it('pushes the index and both platforms, and pulls each platform back', async () => {
    await copy(refs.multiarch, docker('e2e/multi:1'), '--all');
    expect(sha256Digest(await rawManifest('e2e/multi:1'))).toBe(images.multiarch.digest);
    await expectManifest('e2e/multi', '1', images.multiarch);
    for (const child of images.multiarch.children) {
      await expectManifest('e2e/multi', child.digest, child);
      const arch = child.descriptor.platform!.architecture;
      const out = join(work, `multi-${arch}`);
      await copy(docker('e2e/multi:1'), `oci:${out}:${arch}`, '--override-arch', arch, '--override-os', 'linux');
      const layout = await readOciLayout(out);
      expect(layout.resolve(arch).digest, `${arch} pulled through the index`).toBe(child.digest);
      for (const [digest, data] of child.blobs) expect((await layout.readBlob(digest)).equals(data)).toBe(true);
    }
  });
});

describe('an OCI 1.1 artifact with a subject', () => {
  const repo = 'e2e/with-referrers';

  beforeAll(async () => {
    await copy(refs.busybox, docker(`${repo}:latest`));
    await copy(refs.artifact, docker(`${repo}:sbom`));
  });

  it('is stored byte for byte', async () => {
    expect(sha256Digest(await rawManifest(`${repo}:sbom`))).toBe(images.artifact.digest);
    await expectManifest(repo, 'sbom', images.artifact);
  });

  it.skipIf(onReference)('is listed by the referrers API of its subject', async () => {
    const res = await client.referrers(repo, images.busybox.digest);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/vnd\.oci\.image\.index\.v1\+json/);
    const index = JSON.parse(res.body.toString()) as { schemaVersion: number; manifests: Descriptor[] };
    expect(index.schemaVersion).toBe(2);
    expect(index.manifests).toContainEqual(
      expect.objectContaining({
        mediaType: images.artifact.mediaType,
        digest: images.artifact.digest,
        size: images.artifact.size,
        artifactType: ARTIFACT_TYPE,
      }),
    );
  });

  it.skipIf(onReference)('filters referrers by artifactType and says so in OCI-Filters-Applied', async () => {
    const hit = await client.referrers(repo, images.busybox.digest, ARTIFACT_TYPE);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('oci-filters-applied')).toBe('artifactType');
    const hits = (JSON.parse(hit.body.toString()) as { manifests: Descriptor[] }).manifests;
    expect(hits.map((m) => m.digest)).toEqual([images.artifact.digest]);

    const miss = await client.referrers(repo, images.busybox.digest, 'application/vnd.example.none');
    expect(miss.status).toBe(200);
    expect(miss.headers.get('oci-filters-applied')).toBe('artifactType');
    expect((JSON.parse(miss.body.toString()) as { manifests: Descriptor[] }).manifests).toEqual([]);
  });

  it.skipIf(onReference)('answers an empty index for a subject without referrers', async () => {
    const res = await client.referrers(repo, images.artifact.digest);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body.toString()) as { manifests: Descriptor[] }).manifests).toEqual([]);
  });
});

describe('skopeo delete', () => {
  it('deletes a manifest by tag (through its digest)', async () => {
    await copy(refs.busybox, docker('e2e/doomed:1'));
    await copy(refs.busybox, docker('e2e/survivor:1'));
    expect((await client.headManifest('e2e/doomed', images.busybox.digest)).status).toBe(200);
    await containers.skopeo(['delete', '--tls-verify=false', docker('e2e/doomed:1')]);
    expect((await client.headManifest('e2e/doomed', images.busybox.digest)).status).toBe(404);
    expect((await client.headManifest('e2e/doomed', '1')).status).toBe(404);
    const inspect = await containers.skopeo(['inspect', '--raw', '--tls-verify=false', docker('e2e/doomed:1')], {
      allowFailure: true,
    });
    expect(inspect.code).not.toBe(0);
    // The same content in another repository is untouched.
    expect((await client.headManifest('e2e/survivor', '1')).status).toBe(200);
  });
});
