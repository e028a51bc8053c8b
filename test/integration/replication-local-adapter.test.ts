import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFound, QuotaExceeded } from '../../server/core/errors.js';
import { EventBus } from '../../server/core/events.js';
import type { MetaStore } from '../../server/meta/meta-store.js';
import { openSqliteMetaStore } from '../../server/meta/sqlite/sqlite-meta-store.js';
import { ManifestService } from '../../server/registry/manifest-service.js';
import { UploadService } from '../../server/registry/upload-service.js';
import { LocalAdapter } from '../../server/replicate/adapters/local-adapter.js';
import {
  ReplicationTransportError,
  type ReplicationFilter,
  type SourceArtifact,
} from '../../server/replicate/replication-contract.js';
import { BlobStore } from '../../server/storage/blob-store.js';
import { FilesystemDriver } from '../../server/storage/filesystem-driver.js';
import { blob, client, pushBlob, pushImage, sha256, startTestServer, type Call } from './oci-client.js';

/**
 * The local replication adapter against a real Berth: images are pushed over HTTP to a running
 * server, and the adapter runs on services built over the same database file and storage root (a
 * second instance sharing the store, which Berth supports), so what it writes is checked over HTTP.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
let call: Call;
let meta: MetaStore;
let adapter: LocalAdapter;
const calls = { catalog: 0, list: [] as string[] };
const signal = new AbortController().signal;
const API = '/api/v2.0';
const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const digests = {} as Record<'v1' | 'v2' | 'untagged' | 'cli' | 'web' | 'sbom' | 'chart' | 'gamma', string>;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Pushes an OCI manifest of any config type by tag or digest; the blobs first. */
async function pushArtifact(name: string, options: { configType: string; tag?: string; subject?: string }) {
  const config = Buffer.from(JSON.stringify({ kind: options.configType }));
  const layer = blob(300);
  await pushBlob(call, name, { bytes: config, digest: sha256(config) });
  await pushBlob(call, name, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: options.configType, digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/octet-stream', digest: layer.digest, size: 300 }],
      ...(options.subject ? { subject: { mediaType: OCI_MANIFEST, digest: options.subject, size: 1 } } : {}),
    }),
  );
  const res = await call('PUT', `/v2/${name}/manifests/${options.tag ?? sha256(manifest)}`, {
    body: manifest,
    headers: { 'content-type': OCI_MANIFEST },
  });
  expect(res.status).toBe(201);
  return sha256(manifest);
}

async function tag(name: string, digest: string, newTag: string) {
  const got = await call('GET', `/v2/${name}/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } });
  const res = await call('PUT', `/v2/${name}/manifests/${newTag}`, {
    body: got.body,
    headers: { 'content-type': OCI_MANIFEST },
  });
  expect(res.status).toBe(201);
}

async function collect(filters: ReplicationFilter[], using = signal): Promise<SourceArtifact[]> {
  const out: SourceArtifact[] = [];
  for await (const page of adapter.enumerate(filters, using)) out.push(...page);
  return out;
}

const names = (items: SourceArtifact[]) =>
  items.map((i) => `${i.repository}@${[...i.tags].sort().join(',') || 'untagged'}`).sort();

beforeAll(async () => {
  server = await startTestServer();
  call = client(() => server.url);
  for (const project of ['alpha', 'beta', 'gamma']) {
    expect((await call('POST', `${API}/projects`, json({ project_name: project }))).status).toBe(201);
  }
  expect((await call('POST', `${API}/projects`, json({ project_name: 'tiny', storage_limit: 100 }))).status).toBe(201);
  digests.v1 = (await pushImage(call, 'alpha/app', 'v1.0', { extra: { annotations: { n: '1' } } })).digest;
  digests.v2 = (await pushImage(call, 'alpha/app', 'v2.0', { extra: { annotations: { n: '2' } } })).digest;
  await tag('alpha/app', digests.v2, 'latest');
  // Untagged: pushed by tag, then the tag goes.
  digests.untagged = (await pushImage(call, 'alpha/app', 'tmp', { extra: { annotations: { n: '3' } } })).digest;
  expect((await call('DELETE', `/v2/alpha/app/manifests/tmp`)).status).toBe(202);
  digests.cli = (await pushImage(call, 'alpha/tools/cli', 'v1.0')).digest;
  digests.web = (await pushImage(call, 'beta/web', '1.0')).digest;
  digests.sbom = await pushArtifact('beta/web', {
    configType: 'application/vnd.example.sbom.v1+json',
    subject: digests.web,
  });
  digests.chart = await pushArtifact('beta/chart', {
    configType: 'application/vnd.cncf.helm.config.v1+json',
    tag: '0.1.0',
  });
  digests.gamma = (await pushImage(call, 'gamma/db', '15')).digest;

  const label = await call('POST', `${API}/labels`, json({ name: 'prod', scope: 'g' }));
  expect(label.status).toBe(201);
  const labelId = Number(label.headers.get('location')!.split('/').pop());
  const attach = await call(
    'POST',
    `${API}/projects/alpha/repositories/app/artifacts/v1.0/labels`,
    json({ id: labelId }),
  );
  expect(attach.status).toBe(200);

  // A second instance over the same store; its metadata calls are counted.
  const real = openSqliteMetaStore({ file: join(server.dataDir, 'berth.db') });
  meta = new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'repositories') {
        return new Proxy(value as MetaStore['repositories'], {
          get: (repos, p) =>
            p === 'catalog'
              ? (...args: Parameters<MetaStore['repositories']['catalog']>) => {
                  calls.catalog++;
                  return repos.catalog(...args);
                }
              : (Reflect.get(repos, p) as unknown as (...a: unknown[]) => unknown).bind?.(repos),
        });
      }
      if (prop === 'artifacts') {
        return new Proxy(value as MetaStore['artifacts'], {
          get: (arts, p) =>
            p === 'list'
              ? (...args: Parameters<MetaStore['artifacts']['list']>) => {
                  calls.list.push(args[0]);
                  return arts.list(...args);
                }
              : (Reflect.get(arts, p) as unknown as (...a: unknown[]) => unknown).bind?.(arts),
        });
      }
      return value;
    },
  });
  adapter = new LocalAdapter(adapterDeps());
});

afterAll(async () => {
  await meta?.close();
  await server?.stop();
});

const reset = () => {
  calls.catalog = 0;
  calls.list = [];
};

describe('enumerate', () => {
  it('yields one artifact per top-level artifact, accessories left to their subject', async () => {
    const all = await collect([]);
    expect(names(all)).toEqual([
      'alpha/app@latest,v2.0',
      'alpha/app@untagged',
      'alpha/app@v1.0',
      'alpha/tools/cli@v1.0',
      'beta/chart@0.1.0',
      'beta/web@1.0',
      'gamma/db@15',
    ]);
    expect(all.map((a) => a.digest)).not.toContain(digests.sbom);
    const v1 = all.find((a) => a.digest === digests.v1)!;
    expect(v1).toMatchObject({
      repository: 'alpha/app',
      mediaType: OCI_MANIFEST,
      labels: ['prod'],
      resourceType: 'image',
    });
    expect(all.find((a) => a.digest === digests.chart)).toMatchObject({ resourceType: 'artifact', labels: [] });
  });

  it('streams: the first page comes before the rest of the catalogue or any other repository is read', async () => {
    const small = new LocalAdapter({ ...adapterDeps(), pageSize: 1 });
    reset();
    const it = small.enumerate([], signal)[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).toHaveLength(1);
    expect(calls).toEqual({ catalog: 1, list: ['alpha/app'] });
    let pages = 1;
    while (!(await it.next()).done) pages++;
    expect(pages).toBe(7);
    expect(calls.catalog).toBeGreaterThan(5);
  });

  it('applies the name filter before listing artifacts, starting the catalogue at its literal prefix', async () => {
    reset();
    expect(names(await collect([{ type: 'name', value: 'alpha/**' }]))).toEqual([
      'alpha/app@latest,v2.0',
      'alpha/app@untagged',
      'alpha/app@v1.0',
      'alpha/tools/cli@v1.0',
    ]);
    expect(calls.list).toEqual(['alpha/app', 'alpha/tools/cli']);
    reset();
    expect(names(await collect([{ type: 'name', value: '{beta,gamma}/*' }]))).toEqual([
      'beta/chart@0.1.0',
      'beta/web@1.0',
      'gamma/db@15',
    ]);
    expect(calls.list).toEqual(['beta/chart', 'beta/web', 'gamma/db']);
    reset();
    expect(names(await collect([{ type: 'name', value: 'beta/web' }]))).toEqual(['beta/web@1.0']);
    expect(calls.list).toEqual(['beta/web']);
  });

  it('keeps the tags passing the tag filter and drops untagged artifacts when the pattern needs a tag', async () => {
    expect(names(await collect([{ type: 'tag', value: 'v2.*', decoration: 'matches' }]))).toEqual(['alpha/app@v2.0']);
    expect(names(await collect([{ type: 'tag', value: '{1.0,15}', decoration: 'matches' }]))).toEqual([
      'beta/web@1.0',
      'gamma/db@15',
    ]);
    const excluded = names(await collect([{ type: 'tag', value: 'v*', decoration: 'excludes' }]));
    expect(excluded).toContain('alpha/app@untagged');
    expect(excluded).toContain('alpha/app@latest');
    expect(excluded).not.toContain('alpha/app@v1.0');
  });

  it('filters by label and by resource type', async () => {
    expect(names(await collect([{ type: 'label', value: ['prod'], decoration: 'matches' }]))).toEqual([
      'alpha/app@v1.0',
    ]);
    expect(await collect([{ type: 'label', value: ['prod'], decoration: 'excludes' }])).toHaveLength(6);
    const images = names(await collect([{ type: 'resource', value: 'image' }]));
    expect(images).toHaveLength(6);
    expect(images).not.toContain('beta/chart@0.1.0');
    expect(await collect([{ type: 'resource', value: 'artifact' }])).toHaveLength(7);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped by the user'));
    await expect(collect([], controller.signal)).rejects.toThrow('stopped by the user');
  });
});

describe('manifests, referrers and deletes', () => {
  it('reads manifests by tag and digest, and answers undefined when absent', async () => {
    const got = await adapter.getManifest('alpha/app', 'v1.0', signal);
    expect(got?.digest).toBe(digests.v1);
    expect(sha256(got!.body)).toBe(digests.v1);
    expect(await adapter.headManifest('alpha/app', digests.v2, signal)).toEqual({
      digest: digests.v2,
      mediaType: OCI_MANIFEST,
    });
    expect(await adapter.getManifest('alpha/app', 'nope', signal)).toBeUndefined();
    expect(await adapter.headManifest('alpha/missing', 'v1.0', signal)).toBeUndefined();
  });

  it('finds the accessories enumeration left out as referrers of their subject', async () => {
    const referrers = await adapter.referrers('beta/web', digests.web, signal);
    expect(referrers).toEqual([
      expect.objectContaining({ digest: digests.sbom, artifactType: 'application/vnd.example.sbom.v1+json' }),
    ]);
    expect(await adapter.referrers('beta/web', digests.sbom, signal)).toEqual([]);
  });

  it('deletes a tag, then an artifact, and says false when it was not there', async () => {
    const d = (await pushImage(call, 'gamma/tmp', 'x', { extra: { annotations: { n: 'del' } } })).digest;
    await tag('gamma/tmp', d, 'y');
    expect(await adapter.deleteTag('gamma/tmp', 'x', signal)).toBe(true);
    expect(await adapter.deleteTag('gamma/tmp', 'x', signal)).toBe(false);
    expect((await call('GET', `/v2/gamma/tmp/manifests/y`, { headers: { accept: OCI_MANIFEST } })).status).toBe(200);
    expect(await adapter.deleteManifest('gamma/tmp', d, signal)).toBe(true);
    expect(await adapter.deleteManifest('gamma/tmp', d, signal)).toBe(false);
    expect((await call('GET', `/v2/gamma/tmp/manifests/y`, { headers: { accept: OCI_MANIFEST } })).status).toBe(404);
  });
});

describe('blobs', () => {
  it('pushes a blob, resuming a source that failed part-way, and reads it back from an offset', async () => {
    const data = blob(64 * 1024);
    const store = new BlobStore(new FilesystemDriver(join(server.dataDir, 'storage')));
    const opened: number[] = [];
    let reported = 0;
    const open = async (offset: number) => {
      opened.push(offset);
      if (opened.length === 1) {
        // The first attempt delivers half, then (once that half is stored) the connection drops.
        const half = data.bytes.subarray(0, data.bytes.length / 2);
        return Readable.from(
          (async function* () {
            yield half;
            await until(async () => {
              for (const u of await store.listUploads())
                if ((await store.uploadSize(u.id)) === half.length) return true;
              return false;
            });
            throw new ReplicationTransportError('connection reset');
          })(),
        );
      }
      return Readable.from([data.bytes.subarray(offset)]);
    };
    await adapter.pushBlob('alpha/app', { digest: data.digest, size: data.bytes.length }, open, {
      signal,
      onBytes: (n) => (reported += n),
    });
    expect(opened).toEqual([0, data.bytes.length / 2]);
    expect(reported).toBe(data.bytes.length);
    expect(await adapter.headBlob('alpha/app', data.digest, signal)).toBe(data.bytes.length);
    expect(await adapter.headBlob('beta/web', data.digest, signal)).toBeUndefined();

    const from = 1000;
    const tail = Buffer.concat(await (await adapter.openBlob('alpha/app', data.digest, from, signal)).toArray());
    expect(tail.equals(data.bytes.subarray(from))).toBe(true);
    const res = await call('GET', `/v2/alpha/app/blobs/${data.digest}`);
    expect(res.status).toBe(200);
    expect(res.body.equals(data.bytes)).toBe(true);
    await expect(adapter.openBlob('beta/web', data.digest, 0, signal)).rejects.toBeInstanceOf(NotFound);
  });

  it('refuses a source that sends other bytes than the digest says, and leaves nothing linked', async () => {
    const data = blob(4096);
    const other = blob(4096);
    await expect(
      adapter.pushBlob('alpha/app', { digest: data.digest, size: 4096 }, async () => Readable.from([other.bytes]), {
        signal,
      }),
    ).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    await expect(
      adapter.pushBlob('alpha/app', { digest: data.digest, size: 10 }, async () => Readable.from([data.bytes]), {
        signal,
      }),
    ).rejects.toMatchObject({ code: 'SIZE_INVALID' });
    expect(await adapter.headBlob('alpha/app', data.digest, signal)).toBeUndefined();
  });

  it('surfaces the project quota as QuotaExceeded, for pushes and mounts alike', async () => {
    const data = blob(4096);
    await expect(
      adapter.pushBlob('tiny/app', { digest: data.digest, size: 4096 }, async () => Readable.from([data.bytes]), {
        signal,
      }),
    ).rejects.toBeInstanceOf(QuotaExceeded);
    const manifest = JSON.parse((await adapter.getManifest('alpha/app', 'v1.0', signal))!.body.toString()) as {
      layers: Array<{ digest: string }>;
    };
    await expect(adapter.mountBlob('tiny/app', manifest.layers[0]!.digest, 'alpha/app', signal)).rejects.toBeInstanceOf(
      QuotaExceeded,
    );
  });
});

describe('immutability', () => {
  it('refuses to move or delete an immutable tag, as it would a client push', async () => {
    expect((await call('POST', `${API}/projects`, json({ project_name: 'locked' }))).status).toBe(201);
    const rule = {
      action: 'immutable',
      template: 'immutable_template',
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '1.*' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
    };
    expect((await call('POST', `${API}/projects/locked/immutabletagrules`, json(rule))).status).toBe(201);
    await pushImage(call, 'locked/app', '1.0', { extra: { annotations: { n: 'locked' } } });
    const other = (await adapter.getManifest('alpha/app', 'v1.0', signal))!;
    const doc = JSON.parse(other.body.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
      expect(await adapter.mountBlob('locked/app', d, 'alpha/app', signal)).toBe(true);
    }
    await expect(adapter.putManifest('locked/app', '1.0', other.mediaType, other.body, signal)).rejects.toMatchObject({
      code: 'PRECONDITION',
    });
    await expect(adapter.deleteTag('locked/app', '1.0', signal)).rejects.toMatchObject({ code: 'PRECONDITION' });
    // A tag the rule does not cover takes the same manifest.
    await adapter.putManifest('locked/app', 'dev', other.mediaType, other.body, signal);
    expect((await adapter.headManifest('locked/app', 'dev', signal))?.digest).toBe(digests.v1);
  });
});

describe('ensureNamespace and a copy into it', () => {
  it('creates a missing project, private, and a copied image can be pulled from it over HTTP', async () => {
    expect((await call('GET', `${API}/projects/mirror`)).status).toBe(404);
    await adapter.ensureNamespace('mirror/team/app', signal);
    await adapter.ensureNamespace('mirror/other', signal);
    const project = await call('GET', `${API}/projects/mirror`);
    expect(project.status).toBe(200);
    expect(project.json()).toMatchObject({ name: 'mirror', metadata: { public: 'false' } });
    const anonymous = client(() => server.url, null);
    expect((await anonymous('GET', `/v2/mirror/team/app/manifests/v1.0`)).status).toBe(401);

    const src = (await adapter.getManifest('alpha/app', 'v1.0', signal))!;
    const doc = JSON.parse(src.body.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    // Without its blobs the manifest is refused, as a client's push would be.
    await expect(adapter.putManifest('mirror/team/app', 'v1.0', src.mediaType, src.body, signal)).rejects.toMatchObject(
      { code: 'MANIFEST_BLOB_UNKNOWN' },
    );
    for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
      expect(await adapter.mountBlob('mirror/team/app', d, 'alpha/app', signal)).toBe(true);
    }
    await adapter.putManifest('mirror/team/app', 'v1.0', src.mediaType, src.body, signal);
    const pulled = await call('GET', `/v2/mirror/team/app/manifests/v1.0`, { headers: { accept: OCI_MANIFEST } });
    expect(pulled.status).toBe(200);
    expect(pulled.headers.get('docker-content-digest')).toBe(digests.v1);
    expect(await text(Readable.from([pulled.body]))).toBe(src.body.toString());
  });
});

async function until(check: () => Promise<boolean>) {
  while (!(await check())) await new Promise((r) => setTimeout(r, 5));
}

function adapterDeps() {
  const log = pino({ level: 'silent' });
  const blobs = new BlobStore(new FilesystemDriver(join(server.dataDir, 'storage')));
  const events = new EventBus(() => undefined);
  const shared = { blobs, meta, events, log, autoCreateProjects: false };
  return {
    meta,
    blobs,
    log,
    uploads: new UploadService({ ...shared, maxBlobBytes: 1 << 30 }),
    manifests: new ManifestService({ ...shared, cacheBytes: 1 << 20 }),
  };
}
