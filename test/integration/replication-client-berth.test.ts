import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Unauthorized } from '../../server/core/errors.js';
import { RemoteAdapterFactory } from '../../server/replicate/adapters/adapter-factory.js';
import type { HarborAdapter } from '../../server/replicate/adapters/remote-harbor.js';
import { RegistryClient } from '../../server/replicate/client/registry-client.js';
import type {
  RegistryEndpoint,
  ReplicationAdapter,
  ReplicationFilter,
  SourceArtifact,
} from '../../server/replicate/replication-contract.js';
import { buildArtifact, randomImage, sha256Digest, type BuiltManifest } from '../fixtures/image-builder.js';
import { seededBytes } from '../fixtures/random.js';
import { startBerth, TEST_ADMIN, type RegistryUnderTest } from '../helpers/berth.js';
import { API, apiCallers, parseJson, send } from '../helpers/harbor-api.js';

/**
 * The replication client and the `harbor` adapter against a Berth started in process: the token
 * flow of Berth's `/v2/`, tag paging, a push resumed in the middle of a chunk (Berth keeps upload
 * sessions server-side, so the destination reports what it holds), the referrers API, and the
 * enumeration through Harbor's `/api/v2.0` with digests, tags and labels.
 */

let berth: RegistryUnderTest;
let client: RegistryClient;
let factory: RemoteAdapterFactory;
const callers = apiCallers(() => berth.url);
const signal = () => AbortSignal.timeout(20_000);

function endpoint(id: number, extra: Partial<RegistryEndpoint> = {}): RegistryEndpoint {
  return {
    id,
    name: 'berth-peer',
    description: '',
    type: 'harbor',
    url: berth.url,
    credential: { type: 'basic', accessKey: TEST_ADMIN.username, accessSecret: TEST_ADMIN.password },
    insecure: false,
    caCertificate: null,
    repositories: [],
    status: 'unknown',
    creationTime: new Date(0),
    updateTime: new Date(0),
    ...extra,
  };
}

beforeAll(async () => {
  berth = await startBerth();
  client = new RegistryClient({
    url: berth.url,
    credential: { type: 'basic', accessKey: TEST_ADMIN.username, accessSecret: TEST_ADMIN.password },
    backoffMs: 10,
    chunkBytes: 256 * 1024,
  });
  factory = new RemoteAdapterFactory({
    local: {} as ReplicationAdapter,
    log: pino({ level: 'silent' }),
    remote: { pageSize: 1 },
  });
});

afterAll(async () => {
  await client?.close();
  await factory?.close();
  await berth?.stop();
});

const from = (data: Buffer) => (offset: number) => Promise.resolve(Readable.from([data.subarray(offset)]));

async function pushImage(repo: string, image: BuiltManifest, tags: string[]) {
  for (const [digest, data] of image.blobs) {
    await client.pushBlob(repo, { digest, size: data.length }, from(data), { signal: signal() });
  }
  for (const tag of tags) await client.putManifest(repo, tag, image.mediaType, image.bytes, signal());
  if (tags.length === 0) await client.putManifest(repo, image.digest, image.mediaType, image.bytes, signal());
}

async function collect(pages: AsyncIterable<SourceArtifact[]>): Promise<SourceArtifact[][]> {
  const out: SourceArtifact[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('RegistryClient against Berth', () => {
  it('pings through the token flow and refuses a wrong password clearly', async () => {
    await expect(client.ping(signal())).resolves.toBeUndefined();
    expect(client.auth.scheme).toBe('bearer');
    const bad = new RegistryClient({
      url: berth.url,
      credential: { type: 'basic', accessKey: 'admin', accessSecret: 'x' },
    });
    const err = await bad.ping(signal()).catch((e: unknown) => e);
    await bad.close();
    expect(err).toBeInstanceOf(Unauthorized);
    expect((err as Error).message).toMatch(/refused the credentials of "admin"/);
  });

  it('pages tags with a small n', async () => {
    const image = randomImage({ seed: 'berth-tags', layerSizes: [100] });
    await pushImage('library/paged', image, ['a', 'b', 'c', 'd', 'e']);
    const pages: string[][] = [];
    for await (const page of client.tags('library/paged', 2, signal())) pages.push(page);
    expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('resumes a push cut in the middle of a chunk from the offset Berth holds', async () => {
    const data = seededBytes(1_500_000, 'berth-resume');
    const opens: number[] = [];
    let read = 0;
    const open = (offset: number) => {
      opens.push(offset);
      const first = opens.length === 1;
      let position = offset;
      return Promise.resolve(
        new Readable({
          read() {
            if (first && position >= 700_000) return void this.destroy(new Error('source reset'));
            if (position >= data.length) return void this.push(null);
            const end = Math.min(data.length, position + 50_000, first ? 700_000 : data.length);
            read += end - position;
            this.push(data.subarray(position, end));
            position = end;
          },
        }),
      );
    };
    await client.pushBlob('library/resumed', { digest: sha256Digest(data), size: data.length }, open, {
      signal: signal(),
    });
    // Every reopening is past the two whole chunks (512 KiB) and at most where the source broke;
    // Berth may still be storing the cut chunk when first asked, so a second resync can follow.
    expect(opens.length).toBeGreaterThanOrEqual(2);
    for (const offset of opens.slice(1)) {
      expect(offset).toBeGreaterThanOrEqual(512 * 1024);
      expect(offset).toBeLessThanOrEqual(700_000);
    }
    expect(read).toBeLessThan(data.length + 512 * 1024);
    const parts: Buffer[] = [];
    for await (const chunk of await client.openBlob('library/resumed', sha256Digest(data), 0, signal())) {
      parts.push(chunk as Buffer);
    }
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });

  it('lists referrers through the referrers API', async () => {
    const image = randomImage({ seed: 'berth-referred', layerSizes: [100] });
    await pushImage('library/signed', image, ['v1']);
    const sig = buildArtifact({
      artifactType: 'application/vnd.example.signature',
      files: [{ mediaType: 'application/octet-stream', data: 'signature' }],
      subject: image,
    });
    await pushImage('library/signed', sig, []);
    const found = await client.referrers('library/signed', image.digest, signal());
    expect(found.map((d) => [d.digest, d.artifactType])).toEqual([[sig.digest, 'application/vnd.example.signature']]);
    // Berth has the API: the tag schema is not consulted (there is no such tag).
    expect(await client.getManifest('library/signed', `sha256-${image.digest.slice(7)}`, signal())).toBeUndefined();
  });
});

describe('harbor adapter against Berth', () => {
  it('creates a missing project, enumerates with digests, tags and labels, and filters', async () => {
    const harbor = factory.forEndpoint(endpoint(7)) as HarborAdapter;
    await harbor.ensureNamespace('rep/a', signal());
    await harbor.ensureNamespace('rep/b', signal()); // exists now: no error
    const project = await send(callers.admin, 'GET', '/projects/rep', undefined, { 'x-is-resource-name': 'true' });
    expect(parseJson(project).metadata).toMatchObject({ public: 'false' });

    const one = randomImage({ seed: 'enum-a', layerSizes: [100] });
    const two = randomImage({ seed: 'enum-b', layerSizes: [100] });
    const three = randomImage({ seed: 'enum-c', layerSizes: [100] });
    await pushImage('rep/a', one, ['1.0', '1.1']);
    await pushImage('rep/a', three, ['2.0']);
    await pushImage('rep/b/c', two, ['x']);
    const label = await send(callers.admin, 'POST', '/labels', { name: 'prod', scope: 'g', color: '#000000' });
    const labelId = Number(label.headers.get('location')?.split('/').pop());
    const attach = await send(callers.admin, 'POST', `/projects/rep/repositories/a/artifacts/${one.digest}/labels`, {
      id: labelId,
    });
    expect(attach.status).toBe(200);

    const all = await collect(harbor.enumerate([{ type: 'name', value: 'rep/**' }], signal()));
    // pageSize 1: one artifact per page, so nothing waited for a whole listing.
    expect(all.every((p) => p.length === 1)).toBe(true);
    const flat = all.flat().map((a) => ({ ...a, tags: [...a.tags].sort() }));
    expect(flat).toHaveLength(3);
    expect(flat).toContainEqual({
      repository: 'rep/a',
      tags: ['1.0', '1.1'],
      digest: one.digest,
      mediaType: one.mediaType,
      labels: ['prod'],
      resourceType: 'image',
    });
    expect(flat.find((a) => a.repository === 'rep/b/c')).toMatchObject({ tags: ['x'], digest: two.digest, labels: [] });

    const only = async (filters: ReplicationFilter[]) =>
      (await collect(harbor.enumerate(filters, signal()))).flat().map((a) => `${a.repository}@${a.digest}`);
    expect(
      await only([
        { type: 'label', value: ['prod'] },
        { type: 'name', value: 'rep/**' },
      ]),
    ).toEqual([`rep/a@${one.digest}`]);
    expect(
      await only([
        { type: 'name', value: 'rep/*' },
        { type: 'tag', value: '2.*' },
      ]),
    ).toEqual([`rep/a@${three.digest}`]);
    expect(await only([{ type: 'name', value: 'rep/b/**' }])).toEqual([`rep/b/c@${two.digest}`]);
    expect(await only([{ type: 'name', value: 'nothing/**' }])).toEqual([]);
  });

  it('deletes one tag through the API', async () => {
    const harbor = factory.forEndpoint(endpoint(7)) as HarborAdapter;
    const image = randomImage({ seed: 'tag-delete', layerSizes: [100] });
    await pushImage('library/tagged', image, ['keep', 'drop']);
    expect(await harbor.deleteTag('library/tagged', 'drop', signal())).toBe(true);
    expect(await harbor.headManifest('library/tagged', 'drop', signal())).toBeUndefined();
    expect((await harbor.headManifest('library/tagged', 'keep', signal()))?.digest).toBe(image.digest);
    expect(await harbor.deleteTag('library/tagged', 'drop', signal())).toBe(false);
  });
});

describe('RemoteAdapterFactory', () => {
  it('describes every type and keeps one adapter per unchanged endpoint', () => {
    const infos = factory.infos();
    expect(Object.keys(infos).sort()).toEqual(['docker-hub', 'docker-registry', 'harbor', 'oci']);
    expect(infos.harbor.supportedResourceFilters.map((f) => f.type)).toContain('label');
    const a = factory.forEndpoint(endpoint(9));
    expect(factory.forEndpoint(endpoint(9))).toBe(a);
    expect(factory.forEndpoint(endpoint(9, { insecure: true }))).not.toBe(a);
    expect(factory.forEndpoint(endpoint(0))).not.toBe(factory.forEndpoint(endpoint(0)));
    expect(API).toBe('/api/v2.0');
  });
});
