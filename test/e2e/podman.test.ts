import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../fixtures/image-builder.js';
import { buildStandardImages, LAYERED_OUTPUT, writeStandardLayouts } from '../fixtures/standard-images.js';
import type { StandardImages } from '../fixtures/standard-images.js';
import { e2eTarget, startBerth, type RegistryUnderTest, ADMIN_HEADERS, TEST_ADMIN } from '../helpers/berth.js';
import { createContainersEnv, type ContainersEnv } from '../helpers/containers-env.js';
import { OciClient } from '../helpers/oci-client.js';
import { requireCommands } from '../helpers/run.js';
import { TempDirs } from '../helpers/tmp.js';

// podman pulls through containers/image like skopeo but stores images in containers-storage and
// writes its own manifests on push, so the digest to check after a push is the one it reports.

const tmp = new TempDirs();
let registry: RegistryUnderTest;
let containers: ContainersEnv;
let client: OciClient;
let images: StandardImages;
let work: string;

beforeAll(async () => {
  requireCommands({ podman: 'podman', skopeo: 'skopeo', runc: 'runc' });
  images = buildStandardImages();
  work = await tmp.make('podman');
  const refs = await writeStandardLayouts(join(work, 'in'));
  registry = await startBerth();
  containers = await createContainersEnv({
    insecureRegistries: [registry.host],
    credentials: { [registry.host]: TEST_ADMIN },
  });
  client = new OciClient(registry.url, ADMIN_HEADERS);
  const copy = (src: string, repo: string, ...flags: string[]) =>
    containers.skopeo(['copy', '-q', '--dest-tls-verify=false', ...flags, src, `docker://${registry.host}/${repo}`]);
  await copy(refs.busybox, 'e2e/busybox:1');
  await copy(refs.layered, 'e2e/layered:1');
  await copy(refs.multiarch, 'e2e/multi:1', '--all');
});

afterAll(async () => {
  await containers?.cleanup();
  await registry?.stop();
  await tmp.cleanup();
});

const image = (repo: string) => `${registry.host}/${repo}`;
const podman = (...args: string[]) => containers.podman(args);
const imageDigest = async (ref: string) =>
  (await podman('image', 'inspect', '--format', '{{.Digest}}', ref)).stdout.trim();

/** `podman push --digestfile`: the digest podman computed for the manifest it wrote. */
async function pushWithDigest(ref: string): Promise<string> {
  const file = join(work, `digest-${Math.random().toString(36).slice(2)}`);
  await podman('push', '--tls-verify=false', '--digestfile', file, ref);
  return (await readFile(file, 'utf8')).trim();
}

describe('podman pull', () => {
  it('pulls an image that skopeo pushed, with its digest, and runs it', async () => {
    await podman('pull', '-q', '--tls-verify=false', image('e2e/layered:1'));
    expect(await imageDigest(image('e2e/layered:1'))).toBe(images.layered.digest);
    const out = await podman('run', '--rm', image('e2e/layered:1'));
    expect(out.stdout).toContain(LAYERED_OUTPUT);
    // The whiteout in layer 3 removed the directory from layer 1.
    const check = await podman(
      'run',
      '--rm',
      image('e2e/layered:1'),
      'sh',
      '-c',
      'test ! -e /app/remove-me && echo gone',
    );
    expect(check.stdout.trim()).toBe('gone');
  });

  it('pulls by digest', async () => {
    await podman('pull', '-q', '--tls-verify=false', `${image('e2e/busybox')}@${images.busybox.digest}`);
    const out = await podman('run', '--rm', `${image('e2e/busybox')}@${images.busybox.digest}`, 'echo', 'by-digest');
    expect(out.stdout.trim()).toBe('by-digest');
  });

  it('picks the linux/amd64 image out of a multi-platform index', async () => {
    await podman('pull', '-q', '--tls-verify=false', image('e2e/multi:1'));
    const amd64 = images.multiarch.children.find((c) => c.descriptor.platform?.architecture === 'amd64')!;
    expect(await imageDigest(image('e2e/multi:1'))).toBe(amd64.digest);
    expect((await podman('run', '--rm', image('e2e/multi:1'), 'uname', '-m')).stdout.trim()).toBe('x86_64');
  });
});

describe('podman tag + push', () => {
  it('pushes to another repository with the digest it reports, and pulls it back', async () => {
    await podman('pull', '-q', '--tls-verify=false', image('e2e/busybox:1'));
    await podman('tag', image('e2e/busybox:1'), image('e2e/retagged:2'));
    const digest = await pushWithDigest(image('e2e/retagged:2'));
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);

    const head = await client.headManifest('e2e/retagged', '2');
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    const raw = await containers.skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${image('e2e/retagged:2')}`,
    ]);
    expect(sha256Digest(raw.stdoutBytes)).toBe(digest);

    await podman('rmi', '-f', image('e2e/retagged:2'));
    await podman('pull', '-q', '--tls-verify=false', image('e2e/retagged:2'));
    expect(await imageDigest(image('e2e/retagged:2'))).toBe(digest);
    expect((await podman('run', '--rm', image('e2e/retagged:2'), 'echo', 'round-trip')).stdout.trim()).toBe(
      'round-trip',
    );
  });

  it.skipIf(e2eTarget() !== 'berth')('stores a one-component name in the library project', async () => {
    await podman('pull', '-q', '--tls-verify=false', image('e2e/busybox:1'));
    await podman('tag', image('e2e/busybox:1'), image('myapp:1'));
    const digest = await pushWithDigest(image('myapp:1'));

    const stored = await client.headManifest('library/myapp', '1');
    expect(stored.status).toBe(200);
    expect(stored.headers.get('docker-content-digest')).toBe(digest);
    expect(await client.tags('library/myapp')).toContain('1');
    expect((await client.headManifest('myapp', '1')).headers.get('docker-content-digest')).toBe(digest);

    await podman('rmi', '-f', image('myapp:1'));
    await podman('pull', '-q', '--tls-verify=false', image('library/myapp:1'));
    expect(await imageDigest(image('library/myapp:1'))).toBe(digest);
  });
});
