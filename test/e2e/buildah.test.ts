import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest, type Descriptor } from '../fixtures/image-builder.js';
import { readOciLayout } from '../fixtures/oci-layout.js';
import { writeStandardLayouts } from '../fixtures/standard-images.js';
import { readTar } from '../fixtures/tar.js';
import { startBerth, type RegistryUnderTest, ADMIN_HEADERS, TEST_ADMIN } from '../helpers/berth.js';
import { createContainersEnv, type ContainersEnv } from '../helpers/containers-env.js';
import { OciClient } from '../helpers/oci-client.js';
import { requireCommands } from '../helpers/run.js';
import { TempDirs } from '../helpers/tmp.js';

// buildah is how images get built without a daemon (CI runners, podman build): it commits its own
// manifests and layers, pushes them with containers/image, and pulls bases from the registry.

const tmp = new TempDirs();
let registry: RegistryUnderTest;
let containers: ContainersEnv;
let client: OciClient;
let work: string;
const containerIds: string[] = [];

beforeAll(async () => {
  requireCommands({ buildah: 'buildah', podman: 'podman', skopeo: 'skopeo' });
  work = await tmp.make('buildah');
  registry = await startBerth();
  containers = await createContainersEnv({
    insecureRegistries: [registry.host],
    credentials: { [registry.host]: TEST_ADMIN },
  });
  client = new OciClient(registry.url, ADMIN_HEADERS);
  const refs = await writeStandardLayouts(join(work, 'in'));
  await containers.skopeo([
    'copy',
    '-q',
    '--dest-tls-verify=false',
    refs.busybox,
    `docker://${registry.host}/base/busybox:1`,
  ]);
});

afterAll(async () => {
  for (const id of containerIds) await containers?.buildah(['rm', id], { allowFailure: true });
  await containers?.cleanup();
  await registry?.stop();
  await tmp.cleanup();
});

const image = (repo: string) => `${registry.host}/${repo}`;
const buildah = (...args: string[]) => containers.buildah(args);

async function from(base: string): Promise<string> {
  const id = (await buildah('from', '--tls-verify=false', '--pull-always', '-q', base)).stdout.trim();
  containerIds.push(id);
  return id;
}

/** Commits, pushes and returns the digest that buildah wrote with --digestfile. */
async function commitAndPush(id: string, ref: string): Promise<string> {
  await buildah('commit', '-q', '--format', 'oci', id, `localhost/${ref.replace(/[:/.]/g, '-')}`);
  const file = join(work, `digest-${containerIds.length}`);
  await buildah(
    'push',
    '--tls-verify=false',
    '--digestfile',
    file,
    `localhost/${ref.replace(/[:/.]/g, '-')}`,
    `docker://${ref}`,
  );
  return (await readFile(file, 'utf8')).trim();
}

describe('buildah from scratch', () => {
  it('commits a one-file image, pushes it, and skopeo and podman read it back', async () => {
    const id = await from('scratch');
    const file = join(work, 'hello.txt');
    await writeFile(file, 'hello from buildah\n');
    await buildah('copy', id, file, '/hello.txt');
    await buildah('config', '--cmd', '["/hello.txt"]', '--label', 'dev.berth.test=buildah', id);
    const digest = await commitAndPush(id, image('e2e/built:1'));

    const raw = await containers.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${image('e2e/built:1')}`]);
    expect(sha256Digest(raw.stdoutBytes)).toBe(digest);
    const manifest = JSON.parse(raw.stdout) as { mediaType?: string; config: Descriptor; layers: Descriptor[] };
    expect(manifest.layers).toHaveLength(1);
    const head = await client.headManifest('e2e/built', '1');
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    expect(head.headers.get('content-type')).toBe(manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json');

    const info = JSON.parse(
      (await containers.skopeo(['inspect', '--tls-verify=false', `docker://${image('e2e/built:1')}`])).stdout,
    ) as { Labels: Record<string, string>; Digest: string };
    expect(info.Labels['dev.berth.test']).toBe('buildah');
    expect(info.Digest).toBe(digest);

    // The layer holds exactly the file we copied in.
    const out = join(work, 'built-out');
    await containers.skopeo([
      'copy',
      '-q',
      '--src-tls-verify=false',
      `docker://${image('e2e/built:1')}`,
      `oci:${out}:x`,
    ]);
    const layout = await readOciLayout(out);
    const layer = await layout.readBlob(manifest.layers[0]!.digest);
    const entries = readTar(manifest.layers[0]!.mediaType.endsWith('gzip') ? gunzipSync(layer) : layer);
    expect(entries.find((e) => e.path.replace(/^\.?\//, '') === 'hello.txt')?.data.toString()).toBe(
      'hello from buildah\n',
    );

    await containers.podman(['pull', '-q', '--tls-verify=false', image('e2e/built:1')]);
    const podmanDigest = await containers.podman(['image', 'inspect', '--format', '{{.Digest}}', image('e2e/built:1')]);
    expect(podmanDigest.stdout.trim()).toBe(digest);
  });
});

describe('buildah from an image in the registry', () => {
  it('builds on a pulled base, pushes to another repository, and podman runs the result', async () => {
    const id = await from(image('base/busybox:1'));
    const script = join(work, 'greet.sh');
    await writeFile(script, '#!/bin/sh\necho "built on busybox by buildah"\n', { mode: 0o755 });
    await buildah('copy', '--chmod', '0755', id, script, '/usr/local/bin/greet');
    await buildah('config', '--cmd', '["/usr/local/bin/greet"]', id);
    const digest = await commitAndPush(id, image('e2e/derived:1'));

    const head = await client.headManifest('e2e/derived', '1');
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    const manifest = JSON.parse((await client.getManifest('e2e/derived', '1')).body.toString()) as {
      layers: Descriptor[];
    };
    expect(manifest.layers).toHaveLength(2);
    for (const layer of manifest.layers) {
      const blob = await client.headBlob('e2e/derived', layer.digest);
      expect(blob.status, `layer ${layer.digest} in e2e/derived`).toBe(200);
    }

    await containers.podman(['pull', '-q', '--tls-verify=false', image('e2e/derived:1')]);
    const out = await containers.podman(['run', '--rm', image('e2e/derived:1')]);
    expect(out.stdout.trim()).toBe('built on busybox by buildah');
  });
});
