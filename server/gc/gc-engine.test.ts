import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOf } from '../core/digest.js';
import { Conflict } from '../core/errors.js';
import { EventBus } from '../core/events.js';
import { resolveRepositoryName } from '../core/names.js';
import type { TaskContext } from '../jobs/job-types.js';
import type { MetaStore } from '../meta/meta-store.js';
import { openSqliteMetaStore } from '../meta/sqlite/sqlite-meta-store.js';
import { ManifestService } from '../registry/manifest-service.js';
import { UploadService } from '../registry/upload-service.js';
import { BlobStore } from '../storage/blob-store.js';
import { FilesystemDriver } from '../storage/filesystem-driver.js';
import { runGarbageCollection, type GcEngineDeps, type GcParams, type GcResult } from './gc-engine.js';

const log = pino({ level: 'silent' });
const REPO = resolveRepositoryName('library/app');

let dir: string;
let meta: MetaStore;
let blobs: BlobStore;
let events: EventBus;
let uploads: UploadService;
let manifests: ManifestService;
let deleted: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-gc-'));
  meta = openSqliteMetaStore({ file: join(dir, 'meta.db') });
  blobs = new BlobStore(new FilesystemDriver(join(dir, 'storage')));
  events = new EventBus((err) => {
    throw err;
  });
  deleted = [];
  events.on('artifact.deleted', (e) => void deleted.push(e.digest));
  const shared = { blobs, meta, events, log, autoCreateProjects: false };
  uploads = new UploadService({ ...shared, maxBlobBytes: 1 << 30 });
  manifests = new ManifestService({ ...shared, cacheBytes: 0 });
});

afterEach(async () => {
  await meta.close();
  await rm(dir, { recursive: true, force: true });
});

function context(params: Partial<GcParams>, signal = new AbortController().signal) {
  const lines: string[] = [];
  const attrs: Record<string, unknown> = {};
  const ctx: TaskContext<GcParams> = {
    task: { id: 1, executionId: 1, jobType: 'gc', attempts: 1 },
    params: { dryRun: false, deleteUntagged: false, workers: 2, ...params },
    signal,
    log: { info: (m) => lines.push(m), warn: (m) => lines.push(`WARN ${m}`), error: (m) => lines.push(`ERROR ${m}`) },
    progress: () => undefined,
    setExecutionAttrs: (a) => Object.assign(attrs, a),
    runInWorker: () => Promise.reject(new Error('gc runs no worker threads')),
  };
  return { ctx, lines, attrs };
}

function gc(params: Partial<GcParams> = {}, windowMs = 0): Promise<GcResult> {
  const deps: GcEngineDeps = {
    meta,
    blobs,
    events,
    windowMs,
    uploadMaxAgeMs: 3600_000,
    purgeUploads: (cutoff) => uploads.purgeStale(cutoff),
  };
  return runGarbageCollection(context(params).ctx, deps);
}

async function upload(content: Buffer): Promise<string> {
  const digest = digestOf(content);
  await uploads.monolithic(REPO, digest, Readable.from([content]));
  return digest;
}

/** Pushes an image (config + layers) and returns its manifest digest and the blob digests. */
async function pushImage(layers: Buffer[], tag: string | null, subject?: string) {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: randomBytes(4).toString('hex') }));
  const configDigest = await upload(config);
  const layerDigests: string[] = [];
  for (const layer of layers) layerDigests.push(await upload(layer));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layers.map((l, i) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: layerDigests[i],
        size: l.length,
      })),
      ...(subject
        ? { subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject, size: 1 } }
        : {}),
    }),
  );
  const digest = digestOf(manifest);
  await manifests.put(REPO, tag ?? digest, manifest, 'application/vnd.oci.image.manifest.v1+json');
  return { digest, blobs: [configDigest, ...layerDigests] };
}

async function stored(digest: string): Promise<boolean> {
  return (await blobs.stat(digest)) !== undefined;
}

describe('garbage collection', () => {
  it('deletes blobs no artifact uses and keeps every blob a remaining artifact uses', async () => {
    const shared = randomBytes(100);
    const kept = await pushImage([shared, randomBytes(50)], 'kept');
    const gone = await pushImage([shared, randomBytes(70)], 'gone');
    const before = (await meta.projects.get('library'))!.storageUsed;
    await manifests.delete(REPO, gone.digest);

    const dry = await gc({ dryRun: true });
    const real = await gc();

    expect(real.purged_blobs).toBe(3); // manifest, config, own layer
    expect(dry.purged_blobs).toBe(real.purged_blobs);
    expect(dry.freed_space).toBe(real.freed_space);
    for (const d of [gone.digest, gone.blobs[0]!, gone.blobs[2]!]) expect(await stored(d)).toBe(false);
    for (const d of [kept.digest, ...kept.blobs]) expect(await stored(d)).toBe(true);
    expect(await stored(gone.blobs[1]!)).toBe(true); // the shared layer
    expect((await meta.projects.get('library'))!.storageUsed).toBe(before - real.freed_space);
    // Nothing left: a second run is a no-op.
    expect((await gc()).purged_blobs).toBe(0);
  });

  it('collects nothing younger than the window', async () => {
    const image = await pushImage([randomBytes(10)], 'x');
    await manifests.delete(REPO, image.digest);
    expect((await gc({}, 3600_000)).purged_blobs).toBe(0);
    expect(await stored(image.digest)).toBe(true);
  });

  it('deletes untagged artifacts with their accessories, but not children of a tagged index', async () => {
    const tagged = await pushImage([randomBytes(10)], 'v1');
    const untagged = await pushImage([randomBytes(10)], null);
    const signature = await pushImage([randomBytes(10)], 'sig', untagged.digest);
    const accessoryOfKept = await pushImage([randomBytes(10)], null, tagged.digest);

    const dry = await gc({ dryRun: true, deleteUntagged: true });
    const real = await gc({ deleteUntagged: true });
    expect(real.purged_manifests).toBe(2);
    expect(dry.purged_manifests).toBe(2);
    expect(dry.purged_blobs).toBe(real.purged_blobs);
    expect(new Set(deleted)).toEqual(new Set([untagged.digest, signature.digest]));
    expect(await meta.artifacts.getByDigest(REPO.name, tagged.digest)).toBeDefined();
    expect(await meta.artifacts.getByDigest(REPO.name, accessoryOfKept.digest)).toBeDefined();
    expect(await stored(untagged.digest)).toBe(false);
    expect(await stored(accessoryOfKept.digest)).toBe(true);
  });

  it('deletes files without metadata (a crash between bytes and commit), unless a writer pinned them', async () => {
    const orphan = await blobs.putSmall(randomBytes(20));
    const pinned = await blobs.putSmall(randomBytes(20));
    await meta.blobs.pin({ digest: pinned.digest, size: pinned.size });
    const dry = await gc({ dryRun: true }, 3600_000);
    expect(dry.orphan_blobs).toBe(0); // young files are left alone
    const old = new Date(Date.now() - 7200_000);
    for (const d of [orphan.digest, pinned.digest]) {
      const hex = d.slice(7);
      await utimes(join(dir, 'storage', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'), old, old);
    }
    const result = await gc({}, 3600_000);
    expect(result.orphan_blobs).toBe(1);
    expect(await stored(orphan.digest)).toBe(false);
    expect(await stored(pinned.digest)).toBe(true);
  });

  it('stops at once when aborted and a re-run finishes the job', async () => {
    for (let i = 0; i < 5; i++) {
      const image = await pushImage([randomBytes(10)], `t${i}`);
      await manifests.delete(REPO, image.digest);
    }
    const controller = new AbortController();
    controller.abort();
    const { ctx } = context({}, controller.signal);
    await expect(
      runGarbageCollection(ctx, { meta, blobs, events, windowMs: 0, uploadMaxAgeMs: 3600_000 }),
    ).rejects.toThrow();
    expect((await gc()).purged_blobs).toBe(15);
  });
});

describe('blob state machine', () => {
  async function candidate(): Promise<{ digest: string; size: number }> {
    const blob = await blobs.putSmall(randomBytes(30));
    await meta.blobs.pin(blob);
    await meta.gc.markCandidates(new Date(Date.now() + 1000), '', 100, new Date());
    return blob;
  }

  it('a link revives a candidate, so the sweep keeps it', async () => {
    const blob = await candidate();
    expect((await meta.gc.sweepable('', 10)).map((b) => b.digest)).toContain(blob.digest);
    await meta.blobs.link({ repository: REPO.name, project: REPO.project, createProject: false, blob });
    expect(await meta.gc.claim(blob.digest)).toBe(false);
    expect((await gc({}, 3600_000)).purged_blobs).toBe(0);
    expect(await stored(blob.digest)).toBe(true);
  });

  it('refuses to link or pin a blob GC is deleting, with a retryable upload error', async () => {
    const blob = await candidate();
    expect(await meta.gc.claim(blob.digest)).toBe(true);
    const link = meta.blobs.link({ repository: REPO.name, project: REPO.project, createProject: false, blob });
    await expect(link).rejects.toBeInstanceOf(Conflict);
    await expect(link).rejects.toMatchObject({ code: 'BLOB_UPLOAD_INVALID' });
    await expect(meta.blobs.pin(blob)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_INVALID' });
  });

  it('refuses a link whose pinned row GC deleted meanwhile, even after the digest came back', async () => {
    const blob = await candidate();
    const incarnation = await meta.blobs.pin(blob); // revived; now collect it anyway
    await meta.gc.markCandidates(new Date(Date.now() + 1000), '', 100, new Date());
    expect(await meta.gc.claim(blob.digest)).toBe(true);
    await blobs.delete(blob.digest);
    expect(await meta.gc.forget(blob.digest)).toBe(true);
    await meta.blobs.pin(blob); // another writer, new incarnation
    await expect(
      meta.blobs.link({
        repository: REPO.name,
        project: REPO.project,
        createProject: false,
        blob,
        expectIncarnation: incarnation,
      }),
    ).rejects.toMatchObject({ code: 'BLOB_UPLOAD_INVALID' });
  });

  it('an orphan claim loses to a pin, and a pin loses to an orphan claim', async () => {
    const a = await blobs.putSmall(randomBytes(10));
    await meta.blobs.pin(a);
    expect(await meta.gc.claimOrphan(a.digest, a.size)).toBe(false);
    const b = await blobs.putSmall(randomBytes(10));
    expect(await meta.gc.claimOrphan(b.digest, b.size)).toBe(true);
    await expect(meta.blobs.pin(b)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_INVALID' });
  });

  it('a push probe refreshes an old link so GC keeps it', async () => {
    const digest = await upload(randomBytes(10));
    const refreshed = await meta.blobs.probe(REPO.name, digest, new Date(Date.now() + 1000));
    expect(refreshed?.digest).toBe(digest);
    // Window of an hour: the link was just seen, so it stays.
    expect((await gc({}, 3600_000)).unlinked).toBe(0);
    expect(await meta.blobs.getLinked(REPO.name, digest)).toBeDefined();
    expect((await gc()).unlinked).toBe(1);
    expect(await meta.blobs.probe(REPO.name, digest, new Date())).toBeUndefined();
  });
});
